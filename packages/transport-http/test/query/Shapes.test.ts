import { Either, Schema } from "effect"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import type { TreeNode } from "../../src/query/Form.js"
import { Bool, decode, QueryList, Text } from "../../src/query/Shapes.js"

/** A request struct with every kind of member the shortcut for single values must tell apart. */
const Request = Schema.Struct({
  Name: Text,
  Subject: Schema.optional(Text),
  Raw: Schema.optional(Bool),
  Tags: Schema.optional(QueryList(Schema.Struct({ Key: Text })))
})

const node = (entries: ReadonlyArray<readonly [string, TreeNode[string]]>): TreeNode =>
  Object.assign(Object.create(null) as Record<string, TreeNode[string]>, Object.fromEntries(entries))

const value = fc.oneof(
  fc.string(),
  fc.constantFrom("true", "false"),
  fc.constant(node([["member", node([["1", node([["Key", "k"]])]])]])),
  fc.constant(node([["x", "1"]]))
)

const tree = fc
  .uniqueArray(fc.tuple(fc.constantFrom("Name", "Subject", "Raw", "Tags", "Action", "Version"), value), { selector: ([name]) => name })
  .map(node)

describe("Shapes.decode", () => {
  it("answers exactly what the schema decodes, members and their order, for any tree", () => {
    const decodeRequest = decode(Request)
    const bySchema = Schema.decodeUnknownEither(Request, { errors: "all" })
    fc.assert(
      fc.property(tree, (t) => {
        const ours = decodeRequest(t)
        const theirs = bySchema(t)
        expect(Either.isRight(ours)).toBe(Either.isRight(theirs))
        if (Either.isRight(ours) && Either.isRight(theirs)) {
          expect(Object.entries(ours.right)).toEqual(Object.entries(theirs.right))
        }
      }),
      { numRuns: 2000 }
    )
  })

  it("names every missing member and the first unreadable value, with SNS's texts", () => {
    const decodeRequest = decode(Request)
    expect(Either.getLeft(decodeRequest(node([["Subject", "s"]])))).toMatchObject({
      _tag: "Some",
      value: { _tag: "ValidationError", message: "1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null" }
    })
    expect(Either.getLeft(decodeRequest(node([["Name", node([["x", "1"]])]])))).toMatchObject({
      _tag: "Some",
      value: { _tag: "InvalidParameterValue" }
    })
  })
})
