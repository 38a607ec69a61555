/**
 * The AWS Query serialisation of the SNS model's shapes, as effect Schemas over the parameter tree
 * (`Form.toTree`). Each action's request is one `Schema.Struct` whose fields are the wire names;
 * decoding it once yields the core's input, or SNS's own error.
 *
 * AWS Query serialisation (botocore `serialize.py`, `QuerySerializer`; Smithy "AWS query protocol"):
 * - a list is `Name.member.N` with N counting from 1, and an empty list is sent as `Name=`;
 * - a map is `Name.entry.N.<key>` / `Name.entry.N.<value>`, where SNS's `Attributes` maps use
 *   `key`/`value` and `MessageAttributes` uses `Name`/`Value`;
 * - a boolean is `true` or `false`; a blob is base64.
 *
 * @since 0.1.0
 */
import { Array as Arr, Either, ParseResult, Schema, type SchemaAST } from "effect"
import { InvalidParameterValue, ValidationError } from "./Errors.js"
import type { TreeNode } from "./Form.js"

/**
 * A single value. A structure where a value belongs (`TopicArn.x=1`) is refused.
 *
 * @category shapes
 */
export const Text = Schema.String.annotations({ message: () => "a single value was expected, not a structure" })

/** An empty value stands for an empty list or map (the SDKs send `Tags=` for `Tags: []`). */
const emptyAsStructure = Schema.transformOrFail(Schema.Unknown, Schema.Unknown, {
  strict: true,
  decode: (value) => ParseResult.succeed(value === "" ? {} : value),
  encode: ParseResult.succeed
})

/**
 * Positions are 1, 2, … as the SDKs number members and entries: no sign, no leading zero. Checked
 * here rather than as the record's key schema, which would silently drop a key that fails it.
 */
const POSITION = /^[1-9][0-9]{0,8}$/

const badPosition = (byIndex: Readonly<Record<string, unknown>>): string | undefined =>
  Object.keys(byIndex).find((k) => !POSITION.test(k))

const positionIssue = (ast: SchemaAST.AST, actual: unknown, position: string) =>
  new ParseResult.Type(ast, actual, `list and map positions are whole numbers from 1 without leading zeros, not '${position}'`)

const inIndexOrder = <A>(byIndex: Readonly<Record<string, A>>): Array<A> =>
  Object.keys(byIndex)
    .sort((a, b) => Number(a) - Number(b))
    .map((k) => byIndex[k]!)

const numbered = <A>(items: ReadonlyArray<A>): Record<string, A> =>
  Object.fromEntries(items.map((item, i) => [String(i + 1), item]))

/**
 * `Name.member.N`. Positions may arrive in any order and with gaps; the list keeps their numeric
 * order. A list with no members is empty.
 *
 * @category shapes
 */
export const QueryList = <A, I, R>(item: Schema.Schema<A, I, R>): Schema.Schema<ReadonlyArray<A>, unknown, R> =>
  Schema.compose(
    emptyAsStructure,
    Schema.transformOrFail(
      Schema.Struct({ member: Schema.optionalWith(Schema.Record({ key: Schema.String, value: item }), { default: () => ({}) }) })
        .annotations({ message: () => "a list was expected (Name.member.N)" }),
      Schema.Array(Schema.typeSchema(item)),
      {
        strict: true,
        decode: (wire, _, ast) => {
          const bad = badPosition(wire.member)
          return bad === undefined ? ParseResult.succeed(inIndexOrder(wire.member)) : ParseResult.fail(positionIssue(ast, wire, bad))
        },
        encode: (items) => ParseResult.succeed({ member: numbered(items) })
      }
    )
  )

/**
 * `Name.entry.N.<keyName>` / `Name.entry.N.<valueName>`. A key given twice is refused rather than
 * one of its values silently dropped. The result is a `ReadonlyMap`, so a key such as `__proto__`
 * stays data; `Object.fromEntries` turns it into a record safely.
 *
 * @category shapes
 */
export const QueryMap = <A, I, R>(
  keyName: string,
  valueName: string,
  value: Schema.Schema<A, I, R>
): Schema.Schema<ReadonlyMap<string, A>, unknown, R> => {
  const Entry = Schema.Struct({ [keyName]: Text, [valueName]: value })
  return Schema.compose(
    emptyAsStructure,
    Schema.transformOrFail(
      Schema.Struct({ entry: Schema.optionalWith(Schema.Record({ key: Schema.String, value: Entry }), { default: () => ({}) }) })
        .annotations({ message: () => "a map was expected (Name.entry.N)" }),
      Schema.ReadonlyMapFromSelf({ key: Schema.String, value: Schema.typeSchema(value) }),
      {
        strict: true,
        decode: (wire, _, ast) => {
          const bad = badPosition(wire.entry)
          if (bad !== undefined) return ParseResult.fail(positionIssue(ast, wire, bad))
          const out = new Map<string, A>()
          for (const entry of inIndexOrder(wire.entry)) {
            const key = entry[keyName] as string
            if (out.has(key)) {
              return ParseResult.fail(new ParseResult.Type(ast, wire, `the key '${key}' appears more than once`))
            }
            out.set(key, entry[valueName] as A)
          }
          return ParseResult.succeed(out)
        },
        encode: (entries) =>
          ParseResult.succeed({
            entry: numbered(Array.from(entries, ([k, v]) => ({ [keyName]: k, [valueName]: v })))
          })
      }
    )
  )
}

/**
 * A model `boolean`: `true` or `false` (any case, as Java's `Boolean.parseBoolean` behind AWS reads it).
 *
 * @category shapes
 */
export const Bool = Schema.transformOrFail(Text, Schema.Boolean, {
  strict: true,
  decode: (text, _, ast) => {
    const lower = text.toLowerCase()
    return lower === "true" || lower === "false"
      ? ParseResult.succeed(lower === "true")
      : ParseResult.fail(new ParseResult.Type(ast, text, "must be true or false"))
  },
  encode: (flag) => ParseResult.succeed(String(flag))
})

/**
 * A model `blob`: standard base64 (RFC 4648 §4), padded, as the SDKs send it.
 *
 * @category shapes
 */
export const Blob = Schema.compose(Text, Schema.Uint8ArrayFromBase64).annotations({
  message: () => "must be valid base64 (RFC 4648 §4)"
})

/**
 * AWS names a member in validation messages by its model name with a lower-case first letter, and
 * a list member as `<list>.<N>.member.<field>` (e.g. "Value null at 'tags.1.member.key'").
 */
const modelPath = (path: ReadonlyArray<PropertyKey>): string => {
  const out: Array<string> = []
  for (let i = 0; i < path.length; i++) {
    const segment = String(path[i])
    const next = path[i + 1]
    if ((segment === "member" || segment === "entry") && next !== undefined) {
      out.push(String(next), "member")
      i++
    } else {
      out.push(segment.charAt(0).toLowerCase() + segment.slice(1))
    }
  }
  return out.join(".")
}

/** A member of a request struct that the fast path can read: a single value, or anything else. */
interface FlatMember {
  readonly name: string
  readonly optional: boolean
  /** Read as one `Text`; otherwise the member is a structure or a converted value (Bool, Blob, …). */
  readonly text: boolean
}

const isText = (ast: SchemaAST.AST): boolean =>
  ast === Text.ast ||
  (ast._tag === "Union" && ast.types.length === 2 && ast.types[0] === Text.ast && ast.types[1]?._tag === "UndefinedKeyword")

/** The members of a plain struct schema (string names, no index signatures), else undefined. */
const flatMembers = (ast: SchemaAST.AST): ReadonlyArray<FlatMember> | undefined => {
  if (ast._tag !== "TypeLiteral" || ast.indexSignatures.length > 0) return undefined
  const members: Array<FlatMember> = []
  for (const property of ast.propertySignatures) {
    if (typeof property.name !== "string") return undefined
    members.push({ name: property.name, optional: property.isOptional, text: isText(property.type) })
  }
  return members
}

/**
 * What the struct decodes a tree to when every member it has is a single value for a `Text`
 * member, every required member is there and no other member is: the present members, in the
 * schema's order, as they are. Undefined when the request needs the schema itself.
 */
const readFlat = (members: ReadonlyArray<FlatMember>, tree: TreeNode): Record<string, string> | undefined => {
  const wire: Record<string, string> = {}
  for (const member of members) {
    const value = tree[member.name]
    if (value === undefined) {
      if (!member.optional) return undefined
    } else if (member.text && typeof value === "string") {
      wire[member.name] = value
    } else {
      return undefined
    }
  }
  return wire
}

/**
 * Decodes a request tree with its schema. Missing required members give SNS's `ValidationError`,
 * every one of them in one message ("2 validation errors detected: …; …"); otherwise the first value
 * that cannot be read gives `InvalidParameterValue` naming the parameter as it appears on the wire.
 *
 * Most requests (a Publish of a message to a topic, a CreateTopic by name) carry single values only.
 * For those the schema's answer is known without running it: the values, as they are. That answer is
 * built straight from a table of the struct's members made once; anything else (a structure, a
 * boolean, a missing member, an error) is the schema's to decode.
 *
 * @category decoding
 */
export const decode = <A, I>(schema: Schema.Schema<A, I>) => {
  // Compiled once per schema, when the action is defined, not once per request.
  const decodeTree = Schema.decodeUnknownEither(schema, { errors: "all" })
  const members = flatMembers(schema.ast)
  return (tree: TreeNode): Either.Either<A, ValidationError | InvalidParameterValue> => {
    const flat = members === undefined ? undefined : readFlat(members, tree)
    // The struct's own decoding of such a tree gives exactly these members (see `readFlat`).
    if (flat !== undefined) return Either.right(flat as A)
    return Either.mapLeft(decodeTree(tree), (error) => {
      const issues = ParseResult.ArrayFormatter.formatErrorSync(error)
      const missing = Arr.dedupe(issues.filter((i) => i._tag === "Missing").map((i) => modelPath(i.path)))
      if (missing.length > 0) {
        const violations = missing.map((p) => `Value null at '${p}' failed to satisfy constraint: Member must not be null`)
        return new ValidationError({
          message: `${violations.length} validation error${violations.length === 1 ? "" : "s"} detected: ${violations.join("; ")}`
        })
      }
      const first = issues[0]
      const parameter = first === undefined ? "" : first.path.map(String).join(".")
      return new InvalidParameterValue({
        message: `Value for parameter ${parameter} is invalid. Reason: ${first?.message ?? "it cannot be read"}.`
      })
    })
  }
}
