import { describe, expect, it } from "@effect/vitest"
import { layerNoble, makeNoble } from "@sealcast/core/Cipher"
import { layerSeeded } from "@sealcast/core/Ids"
import { Effect, Either, Layer } from "effect"
import * as KeyStore from "../src/KeyStore.js"
import * as KmsSim from "../src/KmsSim.js"
import * as RootKey from "../src/RootKey.js"
import { layerNodeRsa } from "./NodeRsa.js"
import { caller, REGION, rootKeyBytes } from "./support.js"

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

/*
 * The key store and the root key belong together: a KmsSim built over a store written under another
 * root key, or holding a record whose material does not open, refuses to start and says which, and a
 * store from before check values gets one on its first start.
 */
const otherRootKey = Uint8Array.from({ length: 32 }, (_, i) => 200 - i)

/** A KmsSim over `store` (already built, so it outlives each simulator) with `root` as its root key. */
const kmsOver = (store: KeyStore.KeyStoreService, root: Uint8Array) =>
  KmsSim.make({ region: REGION }).pipe(
    Effect.provide(Layer.mergeAll(layerNoble, layerNodeRsa, layerSeeded(7), RootKey.layer(root), Layer.succeed(KeyStore.KeyStore, store)))
  )

/** A store holding two keys made under `rootKeyBytes`. */
const storeWithKeys = Effect.gen(function* () {
  const store = yield* KeyStore.makeMemory
  const kms = yield* kmsOver(store, rootKeyBytes)
  const first = yield* kms.createKey({}, caller)
  const second = yield* kms.createKey({}, caller)
  return { store, keyIds: [first.KeyMetadata.KeyId, second.KeyMetadata.KeyId] }
})

describe("RootKey check value", () => {
  it("is HMAC-SHA-256 of a fixed label under the root key: 32 bytes, not the key, different per key", () => {
    const check = RootKey.checkValue({ bytes: rootKeyBytes })
    expect(check.length).toBe(32)
    expect(check).not.toEqual(rootKeyBytes)
    expect(RootKey.checkValue({ bytes: otherRootKey })).not.toEqual(check)
    expect(RootKey.checkValueMatches({ bytes: rootKeyBytes }, check)).toBe(true)
    expect(RootKey.checkValueMatches({ bytes: otherRootKey }, check)).toBe(false)
    expect(RootKey.checkValueMatches({ bytes: rootKeyBytes }, check.slice(0, 31))).toBe(false)
  })

  it.effect("is written at the first start and kept; the same root key starts again", () =>
    Effect.gen(function* () {
      const { store } = yield* storeWithKeys
      expect((yield* store.load).rootKeyCheck).toEqual(RootKey.checkValue({ bytes: rootKeyBytes }))
      const again = yield* kmsOver(store, rootKeyBytes)
      expect((yield* again.listKeys({}, caller)).Keys).toHaveLength(2)
    }))

  it.effect("another root key over a store with keys is refused as OtherRootKey, and the store is left as it was", () =>
    Effect.gen(function* () {
      const { store } = yield* storeWithKeys
      const refused = yield* Effect.flip(kmsOver(store, otherRootKey))
      expect(refused).toMatchObject({ _tag: "KeyStoreRootKeyMismatch", reason: "OtherRootKey", keyCount: 2 })
      expect(refused.message).toContain("another root key")
      expect((yield* store.load).rootKeyCheck).toEqual(RootKey.checkValue({ bytes: rootKeyBytes }))
    }))

  it.effect("another root key over an empty store starts, and its check value replaces the old one", () =>
    Effect.gen(function* () {
      const store = yield* KeyStore.makeMemory
      yield* store.putRootKeyCheck(RootKey.checkValue({ bytes: rootKeyBytes }))
      yield* kmsOver(store, otherRootKey)
      expect((yield* store.load).rootKeyCheck).toEqual(RootKey.checkValue({ bytes: otherRootKey }))
    }))

  it.effect("a record whose material does not open is refused by its key id", () =>
    Effect.gen(function* () {
      const { store, keyIds } = yield* storeWithKeys
      const damaged = (yield* store.load).keys.find((k) => k.keyId === keyIds[1])!
      const material = damaged.materials[0]!
      const sealed = material.sealed.slice()
      sealed[0] = sealed[0]! ^ 1
      yield* store.putKey({ ...damaged, materials: [{ ...material, sealed }] })
      const refused = yield* Effect.flip(kmsOver(store, rootKeyBytes))
      expect(refused).toMatchObject({ _tag: "KeyStoreRootKeyMismatch", reason: "RecordsDoNotOpen", keyIds: [keyIds[1]] })
      expect(refused.message).toContain(keyIds[1])
      expect(refused.message).not.toContain(keyIds[0])
    }))

  it.effect("a store from before check values gets one when every record opens, and is refused when none does", () =>
    Effect.gen(function* () {
      const { store, keyIds } = yield* storeWithKeys
      const { keys, aliases } = yield* store.load
      const older = yield* KeyStore.makeMemory
      for (const key of keys) yield* older.putKey(key)
      for (const alias of aliases) yield* older.putAlias(alias)
      const wrongKey = yield* Effect.either(kmsOver(older, otherRootKey))
      expect(Either.isLeft(wrongKey) && wrongKey.left).toMatchObject({ reason: "RecordsDoNotOpen", keyIds })
      expect((yield* older.load).rootKeyCheck).toBeUndefined()
      yield* kmsOver(older, rootKeyBytes)
      expect((yield* older.load).rootKeyCheck).toEqual(RootKey.checkValue({ bytes: rootKeyBytes }))
    }))
})
