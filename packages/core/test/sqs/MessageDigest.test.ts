/**
 * The MD5 digests SQS answers with, against known digests (test/sqs/vectors/md5.json): two bodies
 * with their RFC 1321 digests, and attribute sets whose digests SDK-compatible implementations
 * publish, covering the String, custom Number and Binary transport types and the ordering by name.
 */
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { Either, Encoding } from "effect"
import { describe, expect, it } from "vitest"
import type { MessageAttributes, MessageAttributeValue } from "../../src/Message.js"
import * as MessageDigest from "../../src/sqs/MessageDigest.js"

interface WireAttribute {
  readonly DataType: string
  readonly StringValue?: string
  readonly BinaryValue?: string
}

const vectors = JSON.parse(readFileSync(join(import.meta.dirname, "vectors", "md5.json"), "utf8")) as {
  bodies: ReadonlyArray<{ body: string; md5: string }>
  attributes: ReadonlyArray<{ attributes: Record<string, WireAttribute>; md5: string }>
}

const fromWire = (wire: Record<string, WireAttribute>): MessageAttributes => {
  const out: Record<string, MessageAttributeValue> = {}
  for (const [name, a] of Object.entries(wire)) {
    out[name] =
      a.BinaryValue !== undefined
        ? { dataType: a.DataType, binaryValue: Either.getOrThrow(Encoding.decodeBase64(a.BinaryValue)) }
        : { dataType: a.DataType, stringValue: a.StringValue! }
  }
  return out
}

describe("MessageDigest", () => {
  it.each(vectors.bodies)("MD5OfMessageBody of $body", ({ body, md5 }) => {
    expect(MessageDigest.md5OfMessageBody(body)).toBe(md5)
  })

  it.each(vectors.attributes.map((v, i) => ({ ...v, i })))("MD5OfMessageAttributes, vector $i", ({ attributes, md5 }) => {
    expect(MessageDigest.md5OfMessageAttributes(fromWire(attributes))).toBe(md5)
  })

  it("is the same whatever order the attributes come in", () => {
    const all = fromWire(vectors.attributes[3]!.attributes)
    const reversed = Object.fromEntries(Object.entries(all).reverse())
    expect(MessageDigest.md5OfMessageAttributes(reversed)).toBe(vectors.attributes[3]!.md5)
  })

  it("encodes lengths big-endian, then the transport byte before the value", () => {
    const bytes = MessageDigest.encodeMessageAttributes({ a: { dataType: "String", stringValue: "é" } })
    expect([...bytes]).toEqual([0, 0, 0, 1, 0x61, 0, 0, 0, 6, ...new TextEncoder().encode("String"), 1, 0, 0, 0, 2, 0xc3, 0xa9])
  })

  it("has no attribute digest for a message without attributes", () => {
    expect(MessageDigest.md5OfMessageAttributes({})).toBeUndefined()
  })
})
