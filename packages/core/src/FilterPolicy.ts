/**
 * SNS subscription filter policies: validation with AWS's limits and texts, compiled once per
 * subscription, then matched against each message.
 *
 * Semantics (SNS developer guide, "Amazon SNS message filtering" and its sub-pages):
 * - A policy maps keys to arrays of values; a message matches when, for every key, at least one value
 *   matches; `$or` joins whole sub-policies. Keys are message attribute names (scope
 *   `MessageAttributes`, the default) or property paths into a JSON object body (scope `MessageBody`).
 * - Types are kept apart: a policy string matches `String` attributes, the elements of `String.Array`
 *   attributes and JSON strings in the body; a policy number matches `Number` attributes, numeric
 *   elements of `String.Array` and JSON numbers (compared to five decimal places, see `toScaled` in
 *   the compiler); `true`, `false` and `null` match those JSON literals only.
 * - `Binary` attributes are ignored, as if absent ("Amazon SNS ignores message attributes with the
 *   Binary data type").
 * - A key's values are all the values found for it: the elements of a `String.Array`, or every scalar
 *   reached under the path in the body, arrays being looked through at any level. Most operators hold
 *   when any one value matches. `anything-but` holds when the key has values and none is excluded
 *   ("For String.Array type attributes, it matches if none of the array elements are listed in the
 *   policy property"), so it is exactly the complement of the same exact match on a present key;
 *   `exists: true` holds when the key has at least one value.
 * - Under `MessageBody`, a dot in a policy key and nesting are the same thing: `{"a.b": …}` and
 *   `{"a": {"b": …}}` both reach `{"a": {"b": …}}` and `{"a.b": …}` in the body (AWS behaviour recorded
 *   by LocalStack's validated tests). Values inside one array of objects are not tied to the same
 *   element: `{"a": {"b": [1], "c": [2]}}` matches `{"a": [{"b": 1}, {"c": 2}]}`, where SNS's rule
 *   engine would require both in one element.
 *
 * Cost: `parse` is linear in the policy's size; what it keeps is at most 150 alternatives (the
 * combination limit bounds them), each of at most 150 patterns' worth of values. `evaluate` reads each
 * distinct key once (an attribute lookup, or one walk of the body that descends only into keys on the
 * key's path, so at most the body's size), then tests at most 150 alternatives against those values:
 * O(body + keys × values × patterns) per message, with no work that grows with the number of messages.
 *
 * @since 0.1.0
 */
import { Either } from "effect"
import { invalidParameter, type InvalidParameter } from "./Errors.js"
import {
  type Alternative,
  compile,
  type Pattern,
  type Scalar,
  scalarOf,
  type Scope,
  toScaled,
  type ValuePattern
} from "./internal/filterPolicy/compile.js"
import { cidrContains, parseIp } from "./internal/filterPolicy/ip.js"
import type { MessageAttributes } from "./Message.js"

export type { Scope } from "./internal/filterPolicy/compile.js"

/**
 * A validated policy, ready to match. Opaque: build it with {@link parse}.
 *
 * @category models
 */
export interface CompiledFilterPolicy {
  readonly scope: Scope
  /** The policy with `$or` distributed out: the message must satisfy one of these. */
  readonly alternatives: ReadonlyArray<Alternative>
}

/**
 * What the policy made of a message, one case per SNS CloudWatch metric (SNS developer guide,
 * "Amazon SNS metrics"):
 * - `FilteredOut`: NumberOfNotificationsFilteredOut, "rejected by subscription filter policies";
 * - `NoMessageAttributes`: …-NoMessageAttributes, "rejected … because the messages have no attributes";
 * - `InvalidAttributes`: …-InvalidAttributes, "rejected … because the messages' attributes are invalid
 *   – for example, because the attribute JSON is incorrectly formatted";
 * - `InvalidMessageBody`: …-InvalidMessageBody, "rejected … because the message body is invalid for
 *   filtering – for example, invalid JSON message body".
 * The last three are also counted in NumberOfNotificationsFilteredOut.
 *
 * @category models
 */
export type Verdict = "Matched" | "FilteredOut" | "NoMessageAttributes" | "InvalidAttributes" | "InvalidMessageBody"

/**
 * The message as filtering sees it: its attributes, and its body as published (before any
 * encryption, whose plaintext the broker holds at publish).
 *
 * @category models
 */
export interface FilterableMessage {
  readonly attributes: MessageAttributes
  readonly body: string
}

/**
 * Which call carries the policy; AWS words the error differently for each (recorded answers in
 * LocalStack's validated tests): SetSubscriptionAttributes says "Invalid parameter: FilterPolicy: …",
 * Subscribe (the policy inside `Attributes`) says "Invalid parameter: Attributes Reason: FilterPolicy: …".
 *
 * @category models
 */
export type PolicyCall = "SetSubscriptionAttributes" | "Subscribe"

/**
 * Validates and compiles a filter policy. Never throws: anything SNS would refuse becomes
 * `InvalidParameter` with SNS's text.
 *
 * @category constructors
 */
export const parse = (
  policyJson: string,
  scope: Scope,
  call: PolicyCall = "SetSubscriptionAttributes"
): Either.Either<CompiledFilterPolicy, InvalidParameter> =>
  compile(policyJson, scope).pipe(
    Either.map((alternatives) => ({ scope, alternatives })),
    Either.mapLeft(({ text }) => call === "Subscribe" ? invalidParameter("Attributes", text) : invalidParameter(text))
  )

const numericAttribute = /^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/

/**
 * The values of one attribute, `[]` for a `Binary` one, `undefined` when it is malformed. Custom
 * types (`Number.float`, `String.id`) take the rules of their base type (SNS message attribute data
 * types); a `String.Array` holds "strings, numbers, or the keywords true, false, and null".
 */
const attributeValues = (dataType: string, text: string | undefined): ReadonlyArray<Scalar> | undefined => {
  if (dataType.startsWith("Binary")) return []
  if (text === undefined) return undefined
  if (dataType === "String.Array") {
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch {
      return undefined
    }
    if (!Array.isArray(parsed)) return undefined
    const elements = parsed.map(scalarOf)
    return elements.every((element) => element !== undefined) ? elements as Array<Scalar> : undefined
  }
  if (dataType.startsWith("Number")) {
    return numericAttribute.test(text) ? [{ _tag: "Number", scaled: toScaled(Number(text)) }] : undefined
  }
  if (dataType.startsWith("String")) return [{ _tag: "String", value: text }]
  return undefined
}

/**
 * Every scalar under the dotted `path` in a parsed body. Iterative, so a deeply nested body cannot
 * exhaust the stack; it enters only object keys that continue `path` (a key is a whole segment or a run
 * of segments, SNS's dot rule), and looks through arrays.
 */
const bodyValues = (body: unknown, path: string): Array<Scalar> => {
  const found: Array<Scalar> = []
  // `at` is how much of `path` is consumed; at path.length the node's scalars are collected.
  const pending: Array<{ readonly node: unknown; readonly at: number }> = [{ node: body, at: 0 }]
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { at, node } = next
    if (Array.isArray(node)) {
      for (const element of node) pending.push({ node: element, at })
    } else if (typeof node === "object" && node !== null) {
      if (at === path.length) continue
      const record = node as Record<string, unknown>
      for (const key of Object.keys(record)) {
        if (!path.startsWith(key, at)) continue
        const end = at + key.length
        if (end === path.length) pending.push({ node: record[key], at: end })
        else if (path[end] === ".") pending.push({ node: record[key], at: end + 1 })
      }
    } else if (at === path.length) {
      const scalar = scalarOf(node)
      if (scalar !== undefined) found.push(scalar)
    }
  }
  return found
}

const scalarsEqual = (a: Scalar, b: Scalar): boolean => {
  switch (a._tag) {
    case "String":
      return b._tag === "String" && a.value === b.value
    case "Number":
      return b._tag === "Number" && a.scaled === b.scaled
    case "Boolean":
      return b._tag === "Boolean" && a.value === b.value
    case "Null":
      return b._tag === "Null"
  }
}

const valueMatches = (pattern: ValuePattern, value: Scalar): boolean => {
  switch (pattern._tag) {
    case "Exact":
      return scalarsEqual(pattern.value, value)
    case "Prefix":
      return value._tag === "String" && value.value.startsWith(pattern.text)
    case "Suffix":
      return value._tag === "String" && value.value.endsWith(pattern.text)
    case "EqualsIgnoreCase":
      return value._tag === "String" && value.value.toLowerCase() === pattern.text
    case "Numeric": {
      if (value._tag !== "Number") return false
      const { lower, upper } = pattern
      const aboveLower = lower === undefined ||
        (lower.inclusive ? value.scaled >= lower.scaled : value.scaled > lower.scaled)
      const belowUpper = upper === undefined ||
        (upper.inclusive ? value.scaled <= upper.scaled : value.scaled < upper.scaled)
      return aboveLower && belowUpper
    }
    case "Cidr": {
      if (value._tag !== "String") return false
      const address = parseIp(value.value)
      return address !== undefined && cidrContains(pattern.block, address)
    }
  }
}

const patternHolds = (pattern: Pattern, values: ReadonlyArray<Scalar>): boolean => {
  switch (pattern._tag) {
    case "Exists":
      return pattern.present === values.length > 0
    case "AnythingBut":
      return values.length > 0 &&
        !values.some((value) => pattern.excluded.some((excluded) => valueMatches(excluded, value)))
    default:
      return values.some((value) => valueMatches(pattern, value))
  }
}

const anyAlternativeHolds = (
  compiled: CompiledFilterPolicy,
  valuesOf: (path: ReadonlyArray<string>) => ReadonlyArray<Scalar>
): boolean =>
  compiled.alternatives.some((alternative) =>
    alternative.conditions.every((condition) =>
      condition.patterns.some((pattern) => patternHolds(pattern, valuesOf(condition.path)))
    )
  )

/**
 * A message made ready to be matched against many policies: its attributes' values and its parsed
 * body are worked out once, when first needed, and each key's values are looked up once, however many
 * subscriptions ask. Routing prepares each message once; matching it against n subscriptions then
 * costs the policies' tests, not n parses of the body.
 *
 * @category models
 */
export class PreparedMessage {
  private attributeTable: ReadonlyMap<string, ReadonlyArray<Scalar>> | "InvalidAttributes" | undefined
  private parsedBody: { readonly root: object } | "InvalidMessageBody" | undefined
  private readonly bodyValuesByPath = new Map<string, ReadonlyArray<Scalar>>()

  constructor(readonly message: FilterableMessage) {}

  /**
   * One malformed attribute spoils the whole message, whether or not the policy names it: SNS builds
   * the document it filters from all the attributes (the metric speaks of "the messages'
   * attributes").
   */
  attributes(): ReadonlyMap<string, ReadonlyArray<Scalar>> | "InvalidAttributes" {
    if (this.attributeTable === undefined) {
      const byName = new Map<string, ReadonlyArray<Scalar>>()
      let invalid = false
      for (const [name, attribute] of Object.entries(this.message.attributes)) {
        const values = attributeValues(attribute.dataType, attribute.stringValue)
        if (values === undefined) {
          invalid = true
          break
        }
        byName.set(name, values)
      }
      this.attributeTable = invalid ? "InvalidAttributes" : byName
    }
    return this.attributeTable
  }

  /**
   * "Filter policies for the message body assume that the message payload is a well-formed JSON
   * object" (SNS developer guide, Amazon SNS message filtering): anything else is not filtered but
   * refused.
   */
  body(): { readonly root: object } | "InvalidMessageBody" {
    if (this.parsedBody === undefined) {
      let parsed: unknown
      try {
        parsed = JSON.parse(this.message.body)
      } catch {
        parsed = undefined
      }
      this.parsedBody =
        typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? { root: parsed } : "InvalidMessageBody"
    }
    return this.parsedBody
  }

  /** Every scalar under a dotted path of the (valid) body, found once. */
  bodyValues(root: object, path: ReadonlyArray<string>): ReadonlyArray<Scalar> {
    const key = path.join(".")
    let values = this.bodyValuesByPath.get(key)
    if (values === undefined) {
      values = bodyValues(root, key)
      this.bodyValuesByPath.set(key, values)
    }
    return values
  }
}

/**
 * Prepares a message for matching against many policies.
 *
 * @category constructors
 */
export const prepare = (message: FilterableMessage): PreparedMessage => new PreparedMessage(message)

const evaluateAttributes = (compiled: CompiledFilterPolicy, message: PreparedMessage): Verdict => {
  const byName = message.attributes()
  if (byName === "InvalidAttributes") return "InvalidAttributes"
  if (anyAlternativeHolds(compiled, (path) => byName.get(path.join(".")) ?? [])) return "Matched"
  return byName.size === 0 ? "NoMessageAttributes" : "FilteredOut"
}

const evaluateBody = (compiled: CompiledFilterPolicy, message: PreparedMessage): Verdict => {
  const body = message.body()
  if (body === "InvalidMessageBody") return "InvalidMessageBody"
  return anyAlternativeHolds(compiled, (path) => message.bodyValues(body.root, path)) ? "Matched" : "FilteredOut"
}

/**
 * Whether the message passes the policy, and if not, which SNS metric counts it.
 *
 * @category rules
 */
export const evaluate = (compiled: CompiledFilterPolicy, message: FilterableMessage | PreparedMessage): Verdict => {
  const prepared = message instanceof PreparedMessage ? message : prepare(message)
  return compiled.scope === "MessageAttributes" ? evaluateAttributes(compiled, prepared) : evaluateBody(compiled, prepared)
}

/**
 * @category rules
 */
export const matches = (compiled: CompiledFilterPolicy, message: FilterableMessage | PreparedMessage): boolean =>
  evaluate(compiled, message) === "Matched"
