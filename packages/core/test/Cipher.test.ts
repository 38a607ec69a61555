import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import * as fc from "fast-check"
import { Cipher, layerNoble } from "../src/Cipher.js"

const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n })

describe("Cipher (noble)", () => {
  it.effect("open(seal(x)) = x, and any flipped byte is refused", () =>
    Effect.gen(function* () {
      const cipher = yield* Cipher
      fc.assert(
        fc.property(bytes(32), bytes(12), fc.uint8Array(), fc.uint8Array({ minLength: 1 }), fc.nat(), (key, nonce, aad, body, at) => {
          const sealed = cipher.seal(key, nonce, aad, body)
          expect(sealed.length).toBe(body.length + 16)
          expect(Effect.runSync(cipher.open(key, nonce, aad, sealed))).toEqual(body)
          const tampered = sealed.slice()
          const i = at % tampered.length
          tampered[i] = tampered[i]! ^ 1
          expect(Either.isLeft(Effect.runSync(Effect.either(cipher.open(key, nonce, aad, tampered))))).toBe(true)
        })
      )
    }).pipe(Effect.provide(layerNoble)))

  it.effect("refuses a short key rather than falling back to AES-128", () =>
    Effect.gen(function* () {
      const cipher = yield* Cipher
      expect(() => cipher.seal(new Uint8Array(16), new Uint8Array(12), new Uint8Array(), new Uint8Array(1))).toThrow(RangeError)
      const opened = yield* Effect.either(cipher.open(new Uint8Array(16), new Uint8Array(12), new Uint8Array(), new Uint8Array(17)))
      expect(Either.isLeft(opened)).toBe(true)
    }).pipe(Effect.provide(layerNoble)))
})
