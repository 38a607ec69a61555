import { describe, expect, it } from "@effect/vitest"
import { Cipher } from "@sealcast/core"
import { Effect, Either } from "effect"
import * as fc from "fast-check"
import { layerNode, makeNode } from "../src/NodeCipher.js"

const node = makeNode()
const noble = Cipher.makeNoble()
const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n })
const isRefused = (opened: Effect.Effect<Uint8Array, Cipher.CipherOpenError>) =>
  Either.isLeft(Effect.runSync(Effect.either(opened)))

describe("Cipher (node:crypto)", () => {
  it("seals to the same bytes as the noble layer, and each opens the other's box", () => {
    fc.assert(
      fc.property(bytes(32), bytes(12), fc.uint8Array(), fc.uint8Array({ maxLength: 2048 }), (key, nonce, aad, body) => {
        const fromNode = node.seal(key, nonce, aad, body)
        const fromNoble = noble.seal(key, nonce, aad, body)
        expect(fromNode).toEqual(fromNoble)
        expect(fromNode.length).toBe(body.length + Cipher.TAG_BYTES)
        expect(Effect.runSync(node.open(key, nonce, aad, fromNoble))).toEqual(body)
        expect(Effect.runSync(noble.open(key, nonce, aad, fromNode))).toEqual(body)
      }),
      { numRuns: 300 }
    )
  })

  it("bodies longer than one 64 KiB update piece seal and open to the same bytes as the noble layer", () => {
    const key = new Uint8Array(32).fill(3)
    const nonce = new Uint8Array(12).fill(4)
    const aad = new Uint8Array([1, 2, 3])
    const piece = 64 * 1024
    for (const size of [piece, piece + 1, 2 * piece + 17]) {
      const body = Uint8Array.from({ length: size }, (_, i) => (i * 31 + (i >> 8)) & 0xff)
      const sealed = node.seal(key, nonce, aad, body)
      expect(sealed).toEqual(noble.seal(key, nonce, aad, body))
      expect(Effect.runSync(node.open(key, nonce, aad, sealed))).toEqual(body)
      const tampered = sealed.slice()
      tampered[size - 1] = tampered[size - 1]! ^ 1
      expect(isRefused(node.open(key, nonce, aad, tampered))).toBe(true)
    }
  })

  it("both layers read the AAD and the body only while sealing: views of one scratch written again give the same boxes as fresh arrays", () => {
    fc.assert(
      fc.property(bytes(32), bytes(12), fc.array(fc.tuple(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ maxLength: 512 })), { minLength: 1, maxLength: 6 }), (key, nonce, messages) => {
        for (const cipher of [node, noble]) {
          const scratch = new Uint8Array(1024)
          const boxes = messages.map(([aad, body]) => {
            scratch.set(aad)
            scratch.set(body, aad.length)
            return cipher.seal(key, nonce, scratch.subarray(0, aad.length), scratch.subarray(aad.length, aad.length + body.length))
          })
          scratch.fill(0xff)
          boxes.forEach((box, i) => expect(box).toEqual(noble.seal(key, nonce, messages[i]![0], messages[i]![1])))
        }
      }),
      { numRuns: 100 }
    )
  })

  it("refuses a box with any one bit flipped, in the ciphertext or the tag", () => {
    fc.assert(
      fc.property(bytes(32), bytes(12), fc.uint8Array(), fc.uint8Array(), fc.nat(), fc.integer({ min: 0, max: 7 }), (key, nonce, aad, body, at, bit) => {
        const tampered = node.seal(key, nonce, aad, body)
        const i = at % tampered.length
        tampered[i] = tampered[i]! ^ (1 << bit)
        expect(isRefused(node.open(key, nonce, aad, tampered))).toBe(true)
      }),
      { numRuns: 300 }
    )
  })

  it("refuses the wrong AAD or the wrong key", () => {
    fc.assert(
      fc.property(bytes(32), bytes(32), bytes(12), fc.uint8Array({ minLength: 1 }), fc.uint8Array(), (key, otherKey, nonce, aad, body) => {
        fc.pre(!otherKey.every((b, i) => b === key[i]))
        const sealed = node.seal(key, nonce, aad, body)
        expect(isRefused(node.open(key, nonce, new Uint8Array(), sealed))).toBe(true)
        expect(isRefused(node.open(otherKey, nonce, aad, sealed))).toBe(true)
      }),
      { numRuns: 100 }
    )
  })

  it("seals an empty body to the bare 16-byte tag, which both layers agree on and open", () => {
    const key = new Uint8Array(32).fill(7)
    const nonce = new Uint8Array(12).fill(9)
    const aad = new TextEncoder().encode('{"aws:sns:topicArn":"arn:aws:sns:us-east-1:000000000000:t"}')
    const sealed = node.seal(key, nonce, aad, new Uint8Array())
    expect(sealed.length).toBe(Cipher.TAG_BYTES)
    expect(sealed).toEqual(noble.seal(key, nonce, aad, new Uint8Array()))
    expect(Effect.runSync(node.open(key, nonce, aad, sealed))).toEqual(new Uint8Array())
    expect(isRefused(node.open(key, nonce, aad, sealed.subarray(1)))).toBe(true)
  })

  it("refuses wrong key and nonce sizes like the noble layer", () => {
    const body = new Uint8Array(3)
    for (const [key, nonce] of [
      [new Uint8Array(16), new Uint8Array(12)],
      [new Uint8Array(24), new Uint8Array(12)],
      [new Uint8Array(32), new Uint8Array(16)],
      [new Uint8Array(32), new Uint8Array(8)]
    ] as const) {
      expect(() => node.seal(key, nonce, new Uint8Array(), body)).toThrow(RangeError)
      expect(() => noble.seal(key, nonce, new Uint8Array(), body)).toThrow(RangeError)
      expect(isRefused(node.open(key, nonce, new Uint8Array(), new Uint8Array(19)))).toBe(true)
    }
  })

  it.effect("layerNode provides the core's Cipher tag", () =>
    Effect.gen(function* () {
      const cipher = yield* Cipher.Cipher
      const key = new Uint8Array(32).fill(1)
      const nonce = new Uint8Array(12).fill(2)
      const sealed = cipher.seal(key, nonce, new Uint8Array(), new Uint8Array([1, 2, 3]))
      expect(yield* cipher.open(key, nonce, new Uint8Array(), sealed)).toEqual(new Uint8Array([1, 2, 3]))
    }).pipe(Effect.provide(layerNode)))
})
