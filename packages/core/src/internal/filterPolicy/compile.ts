/**
 * Validation and compilation of an SNS subscription filter policy into a small matcher structure.
 *
 * The texts of the rejections are SNS's own: SNS filter policies are evaluated by the same rule
 * language as Amazon EventBridge (the open-source aws/event-ruler), and the messages SNS returns, as
 * recorded from AWS in LocalStack's validated snapshots, are that compiler's texts, e.g. "Value of <
 * must be numeric" or "Only one key allowed in match expression". SNS appends Jackson's parser location
 * ("\n at [Source: …; line: 1, column: N]"); Sealcast leaves that suffix out.
 *
 * @since 0.1.0
 */
import { utf8ToBytes } from "@noble/hashes/utils.js"
import { Either } from "effect"
import { type CidrBlock, parseIp } from "./ip.js"

/** SNS's two filter policy scopes (FilterPolicyScope; `MessageAttributes` is the default). */
export type Scope = "MessageAttributes" | "MessageBody"

/**
 * A value as the matcher compares it: strings with strings, numbers with numbers, and so on; a policy
 * number never equals a message string, nor the reverse.
 */
export type Scalar =
  | { readonly _tag: "String"; readonly value: string }
  | { readonly _tag: "Number"; readonly scaled: number }
  | { readonly _tag: "Boolean"; readonly value: boolean }
  | { readonly _tag: "Null" }

/** One end of a numeric range; `scaled` as in {@link toScaled}. */
export interface Bound {
  readonly scaled: number
  readonly inclusive: boolean
}

/** A test on one value of a key. */
export type ValuePattern =
  | { readonly _tag: "Exact"; readonly value: Scalar }
  | { readonly _tag: "Prefix"; readonly text: string }
  | { readonly _tag: "Suffix"; readonly text: string }
  /** `text` is already lower-cased. */
  | { readonly _tag: "EqualsIgnoreCase"; readonly text: string }
  | { readonly _tag: "Numeric"; readonly lower: Bound | undefined; readonly upper: Bound | undefined }
  | { readonly _tag: "Cidr"; readonly block: CidrBlock }

/**
 * A test on all the values of a key at once: `exists`, and `anything-but`, which holds when the key has
 * values and none of them is excluded.
 */
export type Pattern =
  | ValuePattern
  | { readonly _tag: "Exists"; readonly present: boolean }
  | { readonly _tag: "AnythingBut"; readonly excluded: ReadonlyArray<ValuePattern> }

/** A key (a path of object keys under MessageBody scope) and the patterns of which one must hold. */
export interface Condition {
  readonly path: ReadonlyArray<string>
  readonly patterns: ReadonlyArray<Pattern>
}

/** Conditions that must all hold: one way, out of the `$or` expansion, for a message to match. */
export interface Alternative {
  readonly conditions: ReadonlyArray<Condition>
  /** This alternative's share of the policy's "total combination" (see {@link MaxCombinations}). */
  readonly combinations: number
}

/** A rejected policy: the text after "Invalid parameter: " in SetSubscriptionAttributes's answer. */
export interface Rejection {
  readonly text: string
}

/**
 * Numbers are compared with five digits after the decimal point: "For numeric matching, the value can
 * range from -10^9 to 10^9, with five digits of accuracy after the decimal point" (SNS developer guide,
 * Filter policy constraints). Scaling by 10^5 and rounding gives an integer that is exact over that
 * whole range (|x·10^5| ≤ 10^14 < 2^53), so 301.5 equals 3.015e2 and 1.000001 equals 1.000002. Outside
 * the documented range the scaled value is still monotone, so ranges keep their order there.
 */
export const toScaled = (value: number): number => Math.round(value * 1e5)

/** SNS developer guide, Filter policy constraints: "The maximum size of a filter policy is 256 KB." */
export const MaxPolicyBytes = 256 * 1024

/**
 * SNS developer guide, Filter policy constraints: "The total combination of values in a filter policy
 * must not exceed 150". Each array contributes its number of values times the nesting depth of its key
 * (the guide's nested example: four values at depth three and three at depth two give 3 × 4 × 2 × 3 =
 * 72), and the `$or` alternatives add up (AWS's answers recorded in LocalStack's validated tests: 152
 * and 160 are refused, 150 is accepted).
 */
export const MaxCombinations = 150

/** "A filter policy can have a maximum of five keys ... For a nested policy, only parent keys are counted." */
export const MaxKeys = 5

const numericOperators: ReadonlyArray<string> = ["=", "<", "<=", ">", ">="] as const

type Json = null | boolean | number | string | ReadonlyArray<Json> | { readonly [key: string]: Json }
type JsonObject = { readonly [key: string]: Json }

const isObject = (value: Json): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const reject = (reason: string): Either.Either<never, Rejection> => Either.left({ text: `FilterPolicy: ${reason}` })

const tooComplex = reject("Filter policy is too complex")

/** How the rule compiler quotes a JSON token in its texts: scalars as written, containers by their opening. */
const tokenText = (value: Json): string =>
  Array.isArray(value) ? "[" : isObject(value) ? "{" : value === null ? "null" : String(value)

/** A JSON scalar as the matcher compares it; `undefined` for arrays and objects. */
export const scalarOf = (value: unknown): Scalar | undefined =>
  typeof value === "string"
    ? { _tag: "String", value }
    : typeof value === "number"
    ? { _tag: "Number", scaled: toScaled(value) }
    : typeof value === "boolean"
    ? { _tag: "Boolean", value }
    : value === null
    ? { _tag: "Null" }
    : undefined

const stringOperand = (operator: string, operand: Json): Either.Either<string, Rejection> =>
  typeof operand === "string" ? Either.right(operand) : reject(`${operator} match pattern must be a string`)

/**
 * `numeric`: one comparison, or a range `[">" | ">=", low, "<" | "<=", high]` with low < high.
 * SNS developer guide, Numeric value matching.
 */
const compileNumeric = (operand: Json): Either.Either<ValuePattern, Rejection> =>
  Either.gen(function*() {
    if (!Array.isArray(operand)) return yield* reject("Value of numeric must be an array.")
    const terms: ReadonlyArray<Json> = operand
    if (terms.length === 0) return yield* reject("Invalid member in numeric match: ]")
    const operator = terms[0]!
    if (typeof operator !== "string") return yield* reject(`Invalid member in numeric match: ${tokenText(operator)}`)
    if (!numericOperators.includes(operator)) return yield* reject(`Unrecognized numeric range operator: ${operator}`)
    const value = terms[1]
    if (typeof value !== "number") {
      return yield* reject(`Value of ${operator === "=" ? "equals" : operator} must be numeric`)
    }
    const first: Bound = { scaled: toScaled(value), inclusive: operator !== "<" && operator !== ">" }
    if (terms.length === 2) {
      return operator === "="
        ? { _tag: "Numeric", lower: first, upper: first }
        : operator.startsWith(">")
        ? { _tag: "Numeric", lower: first, upper: undefined }
        : { _tag: "Numeric", lower: undefined, upper: first }
    }
    if (operator !== ">" && operator !== ">=") return yield* reject("Too many elements in numeric expression")
    const upperOperator = terms[2]!
    if (typeof upperOperator !== "string") {
      return yield* reject(`Bad value in numeric range: ${tokenText(upperOperator)}`)
    }
    if (upperOperator !== "<" && upperOperator !== "<=") {
      return yield* reject(`Bad numeric range operator: ${upperOperator}`)
    }
    const upperValue = terms[3]
    if (typeof upperValue !== "number") return yield* reject(`Value of ${upperOperator} must be numeric`)
    const upper: Bound = { scaled: toScaled(upperValue), inclusive: upperOperator === "<=" }
    if (upper.scaled <= first.scaled) return yield* reject("Bottom must be less than top")
    if (terms.length > 4) return yield* reject("Too many terms in numeric range expression")
    return { _tag: "Numeric", lower: first, upper }
  })

/**
 * `cidr`: an IPv4 or IPv6 block. The rule compiler refuses a full-length mask (IPv4 /32, IPv6 /128);
 * a single address is matched exactly with a plain string instead. A non-string operand gets the
 * prefix operator's text, as AWS answers it (LocalStack's validated test of `cidr`).
 */
const compileCidr = (operand: Json): Either.Either<ValuePattern, Rejection> =>
  Either.gen(function*() {
    if (typeof operand !== "string") return yield* reject("prefix match pattern must be a string")
    const parts = operand.split("/")
    if (parts.length !== 2) return yield* reject("Malformed CIDR, one '/' required")
    const [address, bits] = parts as [string, string]
    if (!/^-?[0-9]+$/.test(bits)) return yield* reject("Malformed CIDR, mask bits must be an integer")
    const maskBits = Number(bits)
    if (maskBits < 0) return yield* reject("Malformed CIDR, mask bits must not be negative")
    const base = parseIp(address)
    if (base === undefined) return yield* reject(`Nonstandard IP address: ${address}`)
    if (base.length === 4 && maskBits > 31) return yield* reject("IPv4 mask bits must be < 32")
    if (base.length === 16 && maskBits > 127) return yield* reject("IPv6 mask bits must be < 128")
    return { _tag: "Cidr", block: { base, maskBits } }
  })

/**
 * `anything-but`: a string or number, a non-empty list of only strings or only numbers, or
 * `{"prefix": …}` / `{"suffix": …}` with a non-empty string (SNS developer guide, String value matching).
 */
const compileAnythingBut = (operand: Json): Either.Either<Pattern, Rejection> =>
  Either.gen(function*() {
    if (typeof operand === "string" || typeof operand === "number") {
      return { _tag: "AnythingBut", excluded: [{ _tag: "Exact", value: scalarOf(operand)! }] }
    }
    if (Array.isArray(operand)) {
      const members: ReadonlyArray<Json> = operand
      const excluded: Array<ValuePattern> = []
      for (const member of members) {
        if (typeof member !== "string" && typeof member !== "number") {
          return yield* reject("Inside anything but list, start|null|boolean is not supported.")
        }
        excluded.push({ _tag: "Exact", value: scalarOf(member)! })
      }
      const kinds = new Set(members.map((member) => typeof member))
      if (kinds.size !== 1) {
        return yield* reject("Inside anything but list, either all values are number or string, mixed type is not supported")
      }
      return { _tag: "AnythingBut", excluded }
    }
    if (isObject(operand)) {
      const keys = Object.keys(operand)
      const operator = keys[0]
      if (operator === undefined) return yield* reject("Anything-But expression name not found")
      if (operator !== "prefix" && operator !== "suffix") {
        return yield* reject(`Unsupported anything-but pattern: ${operator}`)
      }
      const text = operand[operator]!
      if (typeof text !== "string") return yield* reject("prefix/suffix match pattern must be a string")
      if (text === "") return yield* reject("Null prefix/suffix not allowed")
      if (keys.length > 1) return yield* reject("Only one key allowed in match expression")
      const excluded: ValuePattern = operator === "prefix" ? { _tag: "Prefix", text } : { _tag: "Suffix", text }
      return { _tag: "AnythingBut", excluded: [excluded] }
    }
    return yield* reject("Value of anything-but must be an array or single string/number value.")
  })

/** One `{"operator": operand}` match expression. */
const compileExpression = (expression: JsonObject): Either.Either<Pattern, Rejection> =>
  Either.gen(function*() {
    const keys = Object.keys(expression)
    const operator = keys[0]
    if (operator === undefined) return yield* reject("Match expression name not found")
    const operand = expression[operator]!
    let pattern: Pattern
    switch (operator) {
      case "prefix":
        pattern = { _tag: "Prefix", text: yield* stringOperand(operator, operand) }
        break
      case "suffix":
        pattern = { _tag: "Suffix", text: yield* stringOperand(operator, operand) }
        break
      case "equals-ignore-case":
        pattern = { _tag: "EqualsIgnoreCase", text: (yield* stringOperand(operator, operand)).toLowerCase() }
        break
      case "numeric":
        pattern = yield* compileNumeric(operand)
        break
      case "cidr":
        pattern = yield* compileCidr(operand)
        break
      case "anything-but":
        pattern = yield* compileAnythingBut(operand)
        break
      case "exists":
        if (typeof operand !== "boolean") return yield* reject("exists match pattern must be either true or false.")
        pattern = { _tag: "Exists", present: operand }
        break
      default:
        return yield* reject(`Unrecognized match type ${operator}`)
    }
    if (keys.length > 1) return yield* reject("Only one key allowed in match expression")
    return pattern
  })

/** The array of values under a key: each a plain JSON scalar (exact match) or a match expression. */
const compileValues = (values: ReadonlyArray<Json>): Either.Either<ReadonlyArray<Pattern>, Rejection> =>
  Either.gen(function*() {
    if (values.length === 0) return yield* reject("Empty arrays are not allowed")
    const patterns: Array<Pattern> = []
    for (const value of values) {
      if (Array.isArray(value)) return yield* reject("Match value must be String, number, true, false, or null")
      if (isObject(value)) patterns.push(yield* compileExpression(value))
      else patterns.push({ _tag: "Exact", value: scalarOf(value)! })
    }
    return patterns
  })

const total = (alternatives: ReadonlyArray<Alternative>): number =>
  alternatives.reduce((sum, alternative) => sum + alternative.combinations, 0)

/**
 * Every pairing of an alternative of `left` with one of `right` (AND distributes over `$or`). The total
 * of the result is the product of the totals, so it is checked before anything is built.
 */
const conjoin = (
  left: ReadonlyArray<Alternative>,
  right: ReadonlyArray<Alternative>
): Either.Either<ReadonlyArray<Alternative>, Rejection> =>
  total(left) * total(right) > MaxCombinations
    ? tooComplex
    : Either.right(left.flatMap((l) =>
      right.map((r) => ({
        conditions: [...l.conditions, ...r.conditions],
        combinations: l.combinations * r.combinations
      }))
    ))

const operatorNames: ReadonlyArray<string> = ["prefix", "suffix", "equals-ignore-case", "anything-but", "numeric", "cidr", "exists"] as const

/**
 * SNS developer guide, AND/OR logic: "Amazon SNS only recognizes an "$or" relationship when" its value is
 * an array of at least two objects that are sub-policies rather than match expressions; "When all of
 * these conditions are not met, "$or" is treated as a regular attribute name".
 */
const isOrRelationship = (value: Json): value is ReadonlyArray<JsonObject> =>
  Array.isArray(value) && value.length >= 2 &&
  value.every((branch: Json) =>
    isObject(branch) && Object.keys(branch).length > 0 &&
    Object.keys(branch).every((key) => !operatorNames.includes(key))
  )

interface Level {
  readonly scope: Scope
  readonly path: ReadonlyArray<string>
  /** 1 for the policy's own keys, one more per nested object (SNS's nesting depth). */
  readonly depth: number
  /** How many `$or` arrays enclose this object. */
  readonly orDepth: number
}

/**
 * An object of the policy as alternatives. Recursion is bounded: past depth 150, or 150 nested `$or`s,
 * the policy could not stay within 150 combinations (each level multiplies by at least its depth, each
 * `$or` adds at least one alternative), so it is refused before the stack could grow further.
 */
const compileObject = (object: JsonObject, level: Level): Either.Either<ReadonlyArray<Alternative>, Rejection> =>
  Either.gen(function*() {
    if (level.depth > MaxCombinations || level.orDepth > MaxCombinations) return yield* tooComplex
    let alternatives: ReadonlyArray<Alternative> = [{ conditions: [], combinations: 1 }]
    for (const key of Object.keys(object)) {
      const value = object[key]!
      if (key === "$or" && isOrRelationship(value)) {
        const union: Array<Alternative> = []
        for (const branch of value) {
          union.push(...(yield* compileObject(branch, { ...level, orDepth: level.orDepth + 1 })))
          if (total(union) > MaxCombinations) return yield* tooComplex
        }
        alternatives = yield* conjoin(alternatives, union)
      } else if (isObject(value)) {
        // SNS developer guide, Filter policy constraints: "Amazon SNS doesn't accept a nested filter
        // policy for attribute-based filtering." AWS's text has no "FilterPolicy:" in front.
        if (level.scope === "MessageAttributes") {
          return yield* Either.left({ text: "Filter policy scope MessageAttributes does not support nested filter policy" })
        }
        if (Object.keys(value).length === 0) return yield* reject("Empty objects are not allowed")
        const nested = yield* compileObject(value, { ...level, path: [...level.path, key], depth: level.depth + 1 })
        alternatives = yield* conjoin(alternatives, nested)
      } else if (Array.isArray(value)) {
        const values: ReadonlyArray<Json> = value
        const patterns = yield* compileValues(values)
        const condition: Condition = { path: [...level.path, key], patterns }
        const factor = values.length * level.depth
        alternatives = alternatives.map((alternative) => ({
          conditions: [...alternative.conditions, condition],
          combinations: alternative.combinations * factor
        }))
        if (total(alternatives) > MaxCombinations) return yield* tooComplex
      } else {
        return yield* reject(`"${key}" must be an object or an array`)
      }
    }
    return alternatives
  })

/** UTF-8 length, without encoding when the UTF-16 length alone already decides it (bytes ≥ code units). */
const exceedsMaxBytes = (text: string): boolean =>
  text.length > MaxPolicyBytes || (text.length * 3 > MaxPolicyBytes && utf8ToBytes(text).length > MaxPolicyBytes)

const parseJson = (text: string): Either.Either<Json, Rejection> => {
  try {
    return Either.right(JSON.parse(text) as Json)
  } catch {
    return reject("failed to parse JSON.")
  }
}

/** Validates `policyJson` against SNS's rules and compiles it to its `$or`-free alternatives. */
export const compile = (policyJson: string, scope: Scope): Either.Either<ReadonlyArray<Alternative>, Rejection> =>
  Either.gen(function*() {
    if (exceedsMaxBytes(policyJson)) return yield* reject("Filter policy can not be larger than 256 KB")
    const policy = yield* parseJson(policyJson)
    if (!isObject(policy)) return yield* reject("Filter is not an object")
    const alternatives = yield* compileObject(policy, { scope, path: [], depth: 1, orDepth: 0 })
    for (const alternative of alternatives) {
      if (new Set(alternative.conditions.map((condition) => condition.path[0])).size > MaxKeys) {
        return yield* reject("Filter policy can not have more than 5 keys")
      }
    }
    return alternatives
  })
