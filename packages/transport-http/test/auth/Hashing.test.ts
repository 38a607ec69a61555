import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { nobleHashing } from "../../src/auth/Hashing.js"
import { nodeHashing } from "../../src/auth/NodeHashing.js"

describe("Hashing", () => {
  it("the noble and node:crypto implementations agree byte for byte", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ maxLength: 100 }), (key, data) => {
        expect(nodeHashing.sha256(data)).toEqual(nobleHashing.sha256(data))
        expect(nodeHashing.hmacSha256(key, data)).toEqual(nobleHashing.hmacSha256(key, data))
        expect(nodeHashing.hmacSha1(key, data)).toEqual(nobleHashing.hmacSha1(key, data))
        expect(nodeHashing.sha256Hex(data)).toBe(bytesToHex(nobleHashing.sha256(data)))
        expect(nodeHashing.hmacSha256Hex(key, data)).toBe(bytesToHex(nobleHashing.hmacSha256(key, data)))
      }),
      { numRuns: 300 }
    )
  })

  it("a text hashes as its UTF-8 bytes, lone surrogates as U+FFFD, in both implementations", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 60 }), fc.string({ unit: "binary", maxLength: 60 }), (key, data) => {
        const [keyBytes, dataBytes] = [new TextEncoder().encode(key), new TextEncoder().encode(data)]
        for (const hashing of [nobleHashing, nodeHashing]) {
          expect(hashing.sha256(data)).toEqual(nobleHashing.sha256(dataBytes))
          expect(hashing.hmacSha256(key, data)).toEqual(nobleHashing.hmacSha256(keyBytes, dataBytes))
          expect(hashing.hmacSha1(key, data)).toEqual(nobleHashing.hmacSha1(keyBytes, dataBytes))
          expect(hashing.sha256Hex(data)).toBe(bytesToHex(nobleHashing.sha256(dataBytes)))
          expect(hashing.hmacSha256Hex(key, data)).toBe(bytesToHex(nobleHashing.hmacSha256(keyBytes, dataBytes)))
        }
      }),
      { numRuns: 300 }
    )
  })

  it("hmacSha256Hex agrees on either side of the lengths node:crypto's one-shot form takes (a 64-byte key, 1 KiB of data)", () => {
    const key = fc.oneof(fc.uint8Array({ minLength: 60, maxLength: 70 }), fc.uint8Array({ maxLength: 32 }))
    const data = fc.oneof(
      fc.uint8Array({ minLength: 1000, maxLength: 1050 }),
      fc.string({ unit: "binary", minLength: 330, maxLength: 350 }),
      fc.string({ unit: "grapheme-ascii", minLength: 1000, maxLength: 1050 })
    )
    fc.assert(
      fc.property(key, data, (key, data) => {
        const dataBytes = typeof data === "string" ? new TextEncoder().encode(data) : data
        expect(nodeHashing.hmacSha256Hex(key, data)).toBe(bytesToHex(nobleHashing.hmacSha256(key, dataBytes)))
      }),
      { numRuns: 300 }
    )
  })

  it.each([["noble", nobleHashing], ["node", nodeHashing]] as const)("%s gives the RFC 4231 / RFC 2202 answers", (_, hashing) => {
    // RFC 4231 §4.3 (test case 2) and RFC 2202 §3 (test case 2): key "Jefe".
    const key = utf8ToBytes("Jefe")
    const data = utf8ToBytes("what do ya want for nothing?")
    expect(bytesToHex(hashing.hmacSha256(key, data))).toBe("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    expect(bytesToHex(hashing.hmacSha1(key, data))).toBe("effcdf6ae5eb2fa2d27416d5f184df9c259a7c79")
    expect(bytesToHex(hashing.sha256(utf8ToBytes("abc")))).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    expect(hashing.hmacSha256Hex(key, data)).toBe("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    expect(hashing.sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
  })
})
