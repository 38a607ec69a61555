import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import * as fc from "fast-check"
import * as Blob from "../src/CiphertextBlob.js"

const uuid = fc.uuid().map((u) => u.toLowerCase())
const multiRegionKeyId = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => `mrk-${Buffer.from(b).toString("hex")}`)

describe("CiphertextBlob", () => {
  it("lays the header out as the README's table says", () => {
    const bytes = Blob.encode({
      keyId: "0102030a-0b0c-4d0e-8f10-111213141516",
      materialVersion: 0x01020304,
      nonce: new Uint8Array(12).fill(0xaa),
      sealed: new Uint8Array([1, 2, 3, ...new Uint8Array(16).fill(0xbb)])
    })
    expect(Array.from(bytes.subarray(0, 21))).toEqual([
      0x01, 0x01, 0x02, 0x03, 0x0a, 0x0b, 0x0c, 0x4d, 0x0e, 0x8f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 1, 2, 3, 4
    ])
    expect(Array.from(bytes.subarray(21, 33))).toEqual(new Array(12).fill(0xaa))
    expect(Array.from(bytes.subarray(33, 36))).toEqual([1, 2, 3])
    expect(bytes.length).toBe(Blob.OVERHEAD_BYTES + 3)
  })

  it("a multi-Region key id: format version 2, the 32 hex digits after mrk- as the 16 key id bytes", () => {
    const bytes = Blob.encode({
      keyId: "mrk-0102030a0b0c4d0e8f10111213141516",
      materialVersion: 1,
      nonce: new Uint8Array(12),
      sealed: new Uint8Array(16)
    })
    expect(Array.from(bytes.subarray(0, 21))).toEqual([
      0x02, 0x01, 0x02, 0x03, 0x0a, 0x0b, 0x0c, 0x4d, 0x0e, 0x8f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0, 0, 0, 1
    ])
    // The version byte is in the AAD: the same 16 bytes under version 1 name another key.
    expect(Blob.additionalData({ keyId: "mrk-0102030a0b0c4d0e8f10111213141516", materialVersion: 1 }, {})).not.toEqual(
      Blob.additionalData({ keyId: "0102030a-0b0c-4d0e-8f10-111213141516", materialVersion: 1 }, {})
    )
  })

  it("reads a key id's hex digits in either case, and throws on anything but a UUID's 32 digits", () => {
    const header = (keyId: string) => Blob.encodeHeader({ keyId, materialVersion: 1 })
    expect(header("0102030A-0B0C-4D0E-8F10-111213141516")).toEqual(header("0102030a-0b0c-4d0e-8f10-111213141516"))
    for (const keyId of ["", "0102030a-0b0c-4d0e-8f10-11121314151", "0102030a-0b0c-4d0e-8f10-1112131415167", "0102030g-0b0c-4d0e-8f10-111213141516"]) {
      expect(() => header(keyId)).toThrow(RangeError)
    }
  })

  it("decode(encode(b)) = b", () => {
    fc.assert(
      fc.property(fc.oneof(uuid, multiRegionKeyId), fc.integer({ min: 1, max: 0xffffffff }), fc.uint8Array({ minLength: 12, maxLength: 12 }), fc.uint8Array({ minLength: 16, maxLength: 64 }), (keyId, materialVersion, nonce, sealed) => {
        const blob = { keyId, materialVersion, nonce, sealed }
        expect(Blob.decode(Blob.encode(blob))).toEqual(Either.right(blob))
      })
    )
  })

  it("refuses short blobs, unknown format versions and material version 0 as InvalidCiphertextException", () => {
    const good = Blob.encode({ keyId: "0102030a-0b0c-4d0e-8f10-111213141516", materialVersion: 1, nonce: new Uint8Array(12), sealed: new Uint8Array(17) })
    expect(Either.isRight(Blob.decode(good))).toBe(true)
    const cases = [good.slice(0, Blob.OVERHEAD_BYTES - 1), Uint8Array.of(3, ...good.slice(1)), Uint8Array.of(0, ...good.slice(1)), Uint8Array.of(...good.slice(0, 17), 0, 0, 0, 0, ...good.slice(21)), new Uint8Array()]
    for (const bytes of cases) {
      const decoded = Blob.decode(bytes)
      expect(Either.isLeft(decoded) && decoded.left._tag).toBe("InvalidCiphertextException")
    }
  })

  it("binds the context injectively: {ab: c} and {a: bc} give different AAD", () => {
    const header = { keyId: "0102030a-0b0c-4d0e-8f10-111213141516", materialVersion: 1 }
    expect(Blob.additionalData(header, { ab: "c" })).not.toEqual(Blob.additionalData(header, { a: "bc" }))
    expect(Blob.additionalData(header, { a: "1", b: "2" })).toEqual(Blob.additionalData(header, { b: "2", a: "1" }))
    expect(Blob.additionalData(header, {})).not.toEqual(Blob.additionalData({ ...header, materialVersion: 2 }, {}))
  })
})
