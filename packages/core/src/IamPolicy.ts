/**
 * Resource-based policy evaluation (IAM JSON policy language), as a pure function: the grammar and
 * evaluator KMS key policies and SQS queue policies share. It knows no service; the services supply
 * the action, the resource and the condition keys. The rules implemented (IAM User Guide, "Policy
 * evaluation logic" and "IAM JSON policy elements reference"):
 *
 * - A statement applies when its principal, action, resource and every condition match.
 * - An applicable `Deny` wins over everything; otherwise an applicable `Allow` allows; otherwise the
 *   request is implicitly denied.
 * - `Action`/`NotAction` and `Resource`/`NotResource` take `*` and `?` wildcards; actions compare
 *   case-insensitively, resources case-sensitively.
 * - `Principal`: `"*"`, `{"AWS": …}` with `*`, an account id, an account root ARN or a principal
 *   ARN, and `{"Service": …}`. Sealcast has no IAM, so naming an account (its id or its root ARN)
 *   grants every principal of that account: AWS would defer to the account's IAM policies, which
 *   Sealcast treats as allowing (docs/SEMANTICS.md, "Identity policies").
 * - Condition operators: the `String*` and `Arn*` families, `Bool` and `Null`, each with an
 *   `…IfExists` form and the `ForAnyValue:`/`ForAllValues:` set qualifiers. Several values for one
 *   key are ORed; several keys and several operators are ANDed. Condition keys match
 *   case-insensitively.
 *
 * @since 0.1.0
 */
import { Data, Either, ParseResult, Schema } from "effect"

const StringOrList = Schema.Union(Schema.String, Schema.Array(Schema.String))
const ConditionValue = Schema.Union(Schema.String, Schema.Boolean, Schema.Number)

const StatementSchema = Schema.Struct({
  Sid: Schema.optional(Schema.String),
  Effect: Schema.Literal("Allow", "Deny"),
  Principal: Schema.optional(Schema.Union(Schema.Literal("*"), Schema.Record({ key: Schema.String, value: StringOrList }))),
  NotPrincipal: Schema.optional(Schema.Record({ key: Schema.String, value: StringOrList })),
  Action: Schema.optional(StringOrList),
  NotAction: Schema.optional(StringOrList),
  Resource: Schema.optional(StringOrList),
  NotResource: Schema.optional(StringOrList),
  Condition: Schema.optional(
    Schema.Record({
      key: Schema.String,
      value: Schema.Record({ key: Schema.String, value: Schema.Union(ConditionValue, Schema.Array(ConditionValue)) })
    })
  )
})

/** @category models */
export type Statement = typeof StatementSchema.Type

const DocumentSchema = Schema.Struct({
  Version: Schema.optional(Schema.String),
  Id: Schema.optional(Schema.String),
  Statement: Schema.Union(StatementSchema, Schema.Array(StatementSchema))
})

/** @category models */
export interface PolicyDocument {
  readonly Version?: string | undefined
  readonly Id?: string | undefined
  readonly Statement: ReadonlyArray<Statement>
}

/** Who is asking. @category models */
export type Principal =
  | { readonly _tag: "AWS"; readonly arn: string; readonly accountId: string }
  | { readonly _tag: "Service"; readonly name: string }

/** @category models */
export interface Request {
  readonly principal: Principal
  /** Service-prefixed, e.g. `kms:Decrypt` or `sns:Publish`. */
  readonly action: string
  readonly resource: string
  /** Condition keys and their values; a list is a multivalued key (e.g. `kms:EncryptionContextKeys`). */
  readonly context: Readonly<Record<string, string | ReadonlyArray<string>>>
}

/** @category models */
export type Decision = "Allow" | "ExplicitDeny" | "ImplicitDeny"

const baseOperators = [
  "StringEquals",
  "StringNotEquals",
  "StringEqualsIgnoreCase",
  "StringNotEqualsIgnoreCase",
  "StringLike",
  "StringNotLike",
  "ArnEquals",
  "ArnLike",
  "ArnNotEquals",
  "ArnNotLike",
  "Bool",
  "Null"
] as const
type BaseOperator = (typeof baseOperators)[number]

interface ParsedOperator {
  readonly base: BaseOperator
  readonly ifExists: boolean
  readonly set: "ForAnyValue" | "ForAllValues" | undefined
}

const parseOperator = (name: string): ParsedOperator | undefined => {
  let rest = name
  let set: ParsedOperator["set"]
  for (const prefix of ["ForAnyValue", "ForAllValues"] as const) {
    if (rest.startsWith(`${prefix}:`)) {
      set = prefix
      rest = rest.slice(prefix.length + 1)
    }
  }
  const ifExists = rest.endsWith("IfExists") && rest !== "Null"
  if (ifExists) rest = rest.slice(0, -"IfExists".length)
  const base = baseOperators.find((op) => op === rest)
  return base === undefined ? undefined : { base, ifExists, set }
}

const asList = <A>(value: A | ReadonlyArray<A>): ReadonlyArray<A> => (Array.isArray(value) ? value : [value as A])

/**
 * A text that is not a policy document. Each service answers it with its own error (KMS
 * MalformedPolicyDocumentException, SQS InvalidAttributeValue), so it never reaches a caller as is.
 * `invalidJson`: the text is not JSON at all.
 *
 * @category errors
 */
export class PolicyDocumentError extends Data.TaggedError("PolicyDocumentError")<{
  readonly message: string
  readonly invalidJson: boolean
}> {}

const malformed = (message: string) => new PolicyDocumentError({ message, invalidJson: false })

/**
 * Reads a policy document. Anything that is not the policy grammar above is a `PolicyDocumentError`,
 * never a thrown error.
 *
 * @category rules
 */
export const parse = (text: string): Either.Either<PolicyDocument, PolicyDocumentError> => {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return Either.left(new PolicyDocumentError({ message: "The policy contains invalid JSON.", invalidJson: true }))
  }
  return Either.flatMap(
    Either.mapLeft(
      Schema.decodeUnknownEither(DocumentSchema, { onExcessProperty: "error" })(json),
      (error) => malformed(`The policy is malformed: ${ParseResult.TreeFormatter.formatErrorSync(error)}`)
    ),
    (doc) => {
      const statements = asList<Statement>(doc.Statement)
      for (const s of statements) {
        if ((s.Action === undefined) === (s.NotAction === undefined)) {
          return Either.left(malformed("Each policy statement must have exactly one of Action or NotAction."))
        }
        if (s.Principal === undefined && s.NotPrincipal === undefined) {
          return Either.left(malformed("Policy contains a statement with no principal."))
        }
        for (const operator of Object.keys(s.Condition ?? {})) {
          if (parseOperator(operator) === undefined) {
            return Either.left(malformed(`Policy contains an unknown condition operator: ${operator}`))
          }
        }
      }
      return Either.right({ Version: doc.Version, Id: doc.Id, Statement: statements })
    }
  )
}

/**
 * IAM wildcard matching: `*` is any run of characters, `?` exactly one.
 *
 * @category rules
 */
export const wildcardMatch = (pattern: string, value: string, ignoreCase = false): boolean => {
  const p = ignoreCase ? pattern.toLowerCase() : pattern
  const v = ignoreCase ? value.toLowerCase() : value
  // Iterative glob match with one backtrack point: linear in practice, no regular expressions built
  // from untrusted text.
  let pi = 0
  let vi = 0
  let star = -1
  let mark = 0
  while (vi < v.length) {
    if (pi < p.length && p[pi] === "*") {
      star = pi++
      mark = vi
    } else if (pi < p.length && (p[pi] === "?" || p[pi] === v[vi])) {
      pi++
      vi++
    } else if (star !== -1) {
      pi = star + 1
      vi = ++mark
    } else {
      return false
    }
  }
  while (pi < p.length && p[pi] === "*") pi++
  return pi === p.length
}

const ACCOUNT_ID = /^\d{12}$/
const ROOT_ARN = /^arn:aws:iam::(\d{12}):root$/

const principalEntryMatches = (entry: string, principal: Principal): boolean => {
  if (principal._tag === "Service") return entry === principal.name
  if (entry === "*") return true
  if (ACCOUNT_ID.test(entry)) return entry === principal.accountId
  const root = ROOT_ARN.exec(entry)
  if (root !== null) return root[1] === principal.accountId
  return entry === principal.arn
}

const principalMatches = (block: Statement["Principal"], principal: Principal): boolean => {
  if (block === undefined) return false
  if (block === "*") return true
  const entries = block[principal._tag === "AWS" ? "AWS" : "Service"]
  return entries !== undefined && asList(entries).some((e) => principalEntryMatches(e, principal))
}

const lookup = (context: Request["context"], key: string): ReadonlyArray<string> | undefined => {
  const wanted = key.toLowerCase()
  for (const [k, v] of Object.entries(context)) if (k.toLowerCase() === wanted) return asList(v)
  return undefined
}

const compare = (base: BaseOperator, expected: string, actual: string): boolean => {
  switch (base) {
    case "StringEquals":
    case "StringNotEquals":
    case "ArnEquals":
    case "ArnNotEquals":
      return expected === actual
    case "StringEqualsIgnoreCase":
    case "StringNotEqualsIgnoreCase":
      return expected.toLowerCase() === actual.toLowerCase()
    case "StringLike":
    case "StringNotLike":
    case "ArnLike":
    case "ArnNotLike":
      return wildcardMatch(expected, actual)
    case "Bool":
      return expected.toLowerCase() === actual.toLowerCase()
    case "Null":
      return false
  }
}

const isNegated = (base: BaseOperator): boolean => base.includes("Not")

/**
 * One operator on one key. Negated operators hold when the key is absent (IAM User Guide, "Condition
 * operators": a negated operator matches a request without the key); positive ones fail unless
 * `IfExists`.
 */
const conditionHolds = (
  operatorName: string,
  key: string,
  expected: ReadonlyArray<string>,
  context: Request["context"]
): boolean => {
  const operator = parseOperator(operatorName)
  if (operator === undefined) return false
  const actual = lookup(context, key)
  if (operator.base === "Null") {
    const absent = actual === undefined || actual.length === 0
    return expected.some((e) => (e.toLowerCase() === "true") === absent)
  }
  if (actual === undefined || actual.length === 0) {
    if (operator.set === "ForAllValues") return true
    return operator.ifExists || (isNegated(operator.base) && operator.set === undefined)
  }
  const positive = (value: string) => expected.some((e) => compare(operator.base, e, value))
  const matches = (value: string) => (isNegated(operator.base) ? !positive(value) : positive(value))
  return operator.set === "ForAllValues" ? actual.every(matches) : actual.some(matches)
}

const statementApplies = (s: Statement, request: Request): boolean => {
  const principalOk = s.NotPrincipal !== undefined
    ? !principalMatches(s.NotPrincipal, request.principal)
    : principalMatches(s.Principal, request.principal)
  const actionOk = s.Action !== undefined
    ? asList(s.Action).some((a) => wildcardMatch(a, request.action, true))
    : !asList(s.NotAction ?? []).some((a) => wildcardMatch(a, request.action, true))
  const resourceOk = s.NotResource !== undefined
    ? !asList(s.NotResource).some((r) => wildcardMatch(r, request.resource))
    : s.Resource === undefined || asList(s.Resource).some((r) => wildcardMatch(r, request.resource))
  const conditionsOk = Object.entries(s.Condition ?? {}).every(([operator, keys]) =>
    Object.entries(keys).every(([key, values]) =>
      conditionHolds(operator, key, asList(values).map(String), request.context)
    )
  )
  return principalOk && actionOk && resourceOk && conditionsOk
}

/**
 * The decision for `request` under `policy`: an explicit Deny wins, then any Allow, else an implicit
 * deny (IAM User Guide, "Determining whether a request is allowed or denied within an account").
 *
 * @category rules
 */
export const evaluate = (policy: PolicyDocument, request: Request): Decision => {
  const applicable = policy.Statement.filter((s) => statementApplies(s, request))
  if (applicable.some((s) => s.Effect === "Deny")) return "ExplicitDeny"
  return applicable.some((s) => s.Effect === "Allow") ? "Allow" : "ImplicitDeny"
}
