import { describe, expect, it } from "@effect/vitest"
import { makeNoble } from "@sealcast/core/Cipher"
import { Effect, Either } from "effect"
import * as RootKey from "../src/RootKey.js"

const bytes = Uint8Array.from({ length: 32 }, (_, i) => 255 - i)
const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")

describe("RootKey", () => {
  it("parses 64 hex digits or base64 of 32 bytes, ignoring surrounding whitespace", () => {
    expect(RootKey.parse(hex)).toEqual(Either.right(bytes))
    expect(RootKey.parse(`  ${hex.toUpperCase()}\n`)).toEqual(Either.right(bytes))
    expect(RootKey.parse(`${btoa(String.fromCharCode(...bytes))}\n`)).toEqual(Either.right(bytes))
  })

  it("refuses anything else with a typed error", () => {
    for (const text of ["", "abc", hex.slice(2), btoa("short"), `${hex}00`, "%%%%"]) {
      const parsed = RootKey.parse(text)
      expect(Either.isLeft(parsed) && parsed.left._tag).toBe("RootKeyError")
    }
  })

  it.effect("wrapped material opens only for its own key id and version", () =>
    Effect.gen(function* () {
      const cipher = makeNoble()
      const root = { bytes }
      const material = new Uint8Array(32).fill(7)
      const wrapped = RootKey.wrapMaterial(cipher, root, { keyId: "k1", version: 1, bytes: material }, new Uint8Array(12), 0)
      expect(yield* RootKey.unwrapMaterial(cipher, root, "k1", wrapped)).toEqual(material)
      expect(Either.isLeft(yield* Effect.either(RootKey.unwrapMaterial(cipher, root, "k2", wrapped)))).toBe(true)
      expect(Either.isLeft(yield* Effect.either(RootKey.unwrapMaterial(cipher, root, "k1", { ...wrapped, version: 2 })))).toBe(true)
      expect(Either.isLeft(yield* Effect.either(RootKey.unwrapMaterial(cipher, { bytes: new Uint8Array(32) }, "k1", wrapped)))).toBe(true)
    }))

  it("layer refuses a root key that is not 32 bytes", () => {
    expect(() => RootKey.layer(new Uint8Array(16))).toThrow(RangeError)
  })
})
