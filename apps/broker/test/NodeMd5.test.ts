import { describe, expect, it } from "@effect/vitest"
import { MessageDigest } from "@sealcast/core"
import * as fc from "fast-check"
import { makeNode } from "../src/NodeMd5.js"

const node = makeNode()
const noble = MessageDigest.makeNoble()

/** Any UTF-16 text, lone surrogates included (fast-check's own strings keep their pairs whole). */
const anyText = fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 300 }).map((units) => String.fromCharCode(...units))

describe("Md5 (node:crypto)", () => {
  it("gives the JavaScript layer's digest of any text, as its UTF-8 bytes", () => {
    fc.assert(
      fc.property(anyText, (text) => {
        expect(node.hex(text)).toBe(noble.hex(text))
      }),
      { numRuns: 500 }
    )
  })

  it("gives the JavaScript layer's digest of any bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => {
        expect(node.hex(bytes)).toBe(noble.hex(bytes))
      }),
      { numRuns: 300 }
    )
  })

  it("hashes a text as its UTF-8 bytes, a lone surrogate as U+FFFD's", () => {
    expect(node.hex("h\u00e9\ud83d\ude00")).toBe(node.hex(new TextEncoder().encode("h\u00e9\ud83d\ude00")))
    expect(node.hex("\ud800")).toBe(node.hex(Uint8Array.of(0xef, 0xbf, 0xbd)))
  })
})
