/**
 * Contract tests for KeyStore implementations: one suite, run against kms-sim's memory store and
 * the broker's SQLite store (KeyStore.test.ts), as NATS JetStream runs one suite against its memory
 * and file stores.
 *
 * `layer` must build a fresh, empty store each time it is built (each test builds it once).
 *
 * @since 0.1.0
 */
import { describe, expect, it } from "@effect/vitest"
import { layerNoble, Cipher } from "@sealcast/core/Cipher"
import { layerSeeded } from "@sealcast/core/Ids"
import { Effect, Layer } from "effect"
import type { AliasRecord } from "@sealcast/kms-sim/Identifiers"
import type { KeyRecord } from "@sealcast/kms-sim/Key"
import { KeyStore, type KeyStoreSnapshot } from "@sealcast/kms-sim/KeyStore"
import { KmsSim, layer as kmsLayer } from "@sealcast/kms-sim/KmsSim"
import { layer as rootKeyLayer, RootKey, unwrapMaterial } from "@sealcast/kms-sim/RootKey"
import { layerNode as layerNodeRsa } from "sealcast/NodeRsa"

const ACCOUNT = "111122223333"
const REGION = "eu-west-1"

const keyRecord = (n: number, overrides: Partial<KeyRecord> = {}): KeyRecord => {
  const keyId = `0000000${n}-1111-4222-8333-444455556666`.slice(-36)
  return {
    keyId,
    arn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/${keyId}`,
    accountId: ACCOUNT,
    region: REGION,
    creationDate: 1_700_000_000_123 + n,
    description: `key ${n} «ünïcode»`,
    keySpec: "SYMMETRIC_DEFAULT",
    keyUsage: "ENCRYPT_DECRYPT",
    keyManager: "CUSTOMER",
    state: "Enabled",
    policy: `{"Version":"2012-10-17","Statement":[]}`,
    tags: [{ TagKey: "team", TagValue: `t${n}` }],
    rotation: { enabled: false, periodInDays: 365 },
    materials: [
      { version: 1, createdAt: 1_700_000_000_123, nonce: new Uint8Array(12).fill(n), sealed: new Uint8Array(48).fill(n + 1) }
    ],
    ...overrides
  }
}

const aliasRecord = (name: string, targetKeyId: string): AliasRecord => ({
  aliasName: name,
  aliasArn: `arn:aws:kms:${REGION}:${ACCOUNT}:${name}`,
  accountId: ACCOUNT,
  targetKeyId,
  creationDate: 1_700_000_000_000,
  lastUpdatedDate: 1_700_000_000_500
})

const byId = (snapshot: KeyStoreSnapshot) => new Map(snapshot.keys.map((k) => [k.keyId, k]))

/**
 * The behaviour every KeyStore keeps: what was put is loaded back field for field (bytes included),
 * puts replace, deletes remove; the root key check value is kept.
 *
 * @category testing
 */
export const keyStoreContract = <E>(name: string, layer: Layer.Layer<KeyStore, E>) =>
  describe(`KeyStore contract: ${name}`, () => {
    it.effect("a fresh store is empty", () =>
      Effect.gen(function* () {
        const store = yield* KeyStore
        expect(yield* store.load).toEqual({ keys: [], aliases: [] })
      }).pipe(Effect.provide(layer)))

    it.effect("loads back every field of what was put, bytes included", () =>
      Effect.gen(function* () {
        const store = yield* KeyStore
        const pending = keyRecord(2, {
          state: "PendingDeletion",
          deletionDate: 1_700_600_000_000,
          pendingDeletionWindowInDays: 7,
          rotation: { enabled: true, periodInDays: 90, nextRotationDate: 1_708_000_000_000, onDemandRotationStartDate: 1_700_000_100_000 },
          materials: [
            { version: 1, createdAt: 1, nonce: new Uint8Array(12).fill(7), sealed: new Uint8Array([0, 255, 1, 254]) },
            { version: 2, createdAt: 2, nonce: new Uint8Array(12).fill(9), sealed: new Uint8Array([9, 8, 7]) }
          ],
          grants: [
            {
              grantId: "ab".repeat(32),
              name: "reader",
              granteePrincipal: "arn:aws:iam::111111111111:role/reader",
              retiringPrincipal: "arn:aws:iam::111111111111:root",
              operations: ["Decrypt", "RetireGrant"],
              constraints: { EncryptionContextSubset: { tenant: "t1" } },
              issuingAccount: "000000000000",
              creationDate: 1_700_000_200_000,
              tokens: ["token-1", "token-2"]
            },
            { grantId: "cd".repeat(32), granteePrincipal: "arn:aws:iam::000000000000:user/bob", operations: ["Encrypt"], issuingAccount: "000000000000", creationDate: 3, tokens: ["token-3"] }
          ]
        })
        const hmac = keyRecord(3, { keySpec: "HMAC_256", keyUsage: "GENERATE_VERIFY_MAC", materials: [], tags: [] })
        // A multi-Region key: its id, not a field, says so.
        const multiRegionId = "mrk-0000000411114222833344445555666a"
        const multiRegion = keyRecord(4, { keyId: multiRegionId, arn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/${multiRegionId}` })
        for (const key of [keyRecord(1), pending, hmac, multiRegion]) yield* store.putKey(key)
        yield* store.putAlias(aliasRecord("alias/one", keyRecord(1).keyId))
        const loaded = yield* store.load
        const keys = byId(loaded)
        expect(keys.size).toBe(4)
        expect(keys.get(multiRegionId)).toEqual(multiRegion)
        expect(keys.get(keyRecord(1).keyId)).toEqual(keyRecord(1))
        expect(keys.get(pending.keyId)).toEqual(pending)
        expect(keys.get(hmac.keyId)).toEqual(hmac)
        expect(keys.get(pending.keyId)!.materials[0]!.sealed).toBeInstanceOf(Uint8Array)
        expect(loaded.aliases).toEqual([aliasRecord("alias/one", keyRecord(1).keyId)])
      }).pipe(Effect.provide(layer)))

    it.effect("putKey replaces the record with the same key id", () =>
      Effect.gen(function* () {
        const store = yield* KeyStore
        yield* store.putKey(keyRecord(1))
        yield* store.putKey(keyRecord(1, { state: "Disabled", description: "changed" }))
        const loaded = yield* store.load
        expect(loaded.keys).toEqual([keyRecord(1, { state: "Disabled", description: "changed" })])
      }).pipe(Effect.provide(layer)))

    it.effect("deleteKey and deleteAlias remove exactly their record; absent ones are ignored", () =>
      Effect.gen(function* () {
        const store = yield* KeyStore
        yield* store.putKey(keyRecord(1))
        yield* store.putKey(keyRecord(2))
        yield* store.putAlias(aliasRecord("alias/a", keyRecord(1).keyId))
        yield* store.putAlias(aliasRecord("alias/b", keyRecord(2).keyId))
        yield* store.deleteKey(keyRecord(1).keyId)
        yield* store.deleteKey("99999999-1111-4222-8333-444455556666")
        yield* store.deleteAlias(aliasRecord("alias/a", "").aliasArn)
        yield* store.deleteAlias("arn:aws:kms:eu-west-1:111122223333:alias/never")
        const loaded = yield* store.load
        expect(loaded.keys).toEqual([keyRecord(2)])
        expect(loaded.aliases).toEqual([aliasRecord("alias/b", keyRecord(2).keyId)])
      }).pipe(Effect.provide(layer)))

    it.effect("loads back the root key check value last put, byte for byte", () =>
      Effect.gen(function* () {
        const store = yield* KeyStore
        expect((yield* store.load).rootKeyCheck).toBeUndefined()
        yield* store.putRootKeyCheck(new Uint8Array(32).fill(1))
        yield* store.putRootKeyCheck(Uint8Array.from({ length: 32 }, (_, i) => 255 - i))
        expect((yield* store.load).rootKeyCheck).toEqual(Uint8Array.from({ length: 32 }, (_, i) => 255 - i))
      }).pipe(Effect.provide(layer)))

    it.effect("putAlias replaces the alias with the same ARN (UpdateAlias)", () =>
      Effect.gen(function* () {
        const store = yield* KeyStore
        yield* store.putAlias(aliasRecord("alias/a", keyRecord(1).keyId))
        yield* store.putAlias({ ...aliasRecord("alias/a", keyRecord(2).keyId), lastUpdatedDate: 1_800_000_000_000 })
        const loaded = yield* store.load
        expect(loaded.aliases).toEqual([{ ...aliasRecord("alias/a", keyRecord(2).keyId), lastUpdatedDate: 1_800_000_000_000 }])
      }).pipe(Effect.provide(layer)))
  })

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")
const base64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes))

/**
 * A byte dump of a snapshot: its JSON (bytes as base64) followed by every byte array raw, so a scan
 * finds key material whichever way an implementation might have leaked it.
 *
 * @category testing
 */
export const serializeSnapshot = (snapshot: KeyStoreSnapshot): Uint8Array => {
  const raw: Array<Uint8Array> = []
  const json = JSON.stringify(snapshot, (_, value: unknown) => {
    if (value instanceof Uint8Array) {
      raw.push(value)
      return base64(value)
    }
    return value
  })
  const text = new TextEncoder().encode(json)
  const out = new Uint8Array(text.length + raw.reduce((n, r) => n + r.length, 0))
  out.set(text, 0)
  let at = text.length
  for (const r of raw) {
    out.set(r, at)
    at += r.length
  }
  return out
}

/** Whether `needle` occurs in `haystack`. @category testing */
export const containsBytes = (haystack: Uint8Array, needle: Uint8Array): boolean => {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer
    return true
  }
  return false
}

/**
 * Drives a KmsSim over the store (keys created, rotated, used, an alias; an HMAC, an ECC and an RSA
 * key used once each), then scans a serialisation of everything the store holds for each key's
 * material (unwrapped with the root key to learn it) and for the root key itself, raw, hex and
 * base64.
 *
 * @category testing
 */
export const keyStoreKeepsNoClearMaterial = <E>(name: string, layer: Layer.Layer<KeyStore, E>) =>
  describe(`KeyStore at rest: ${name}`, () => {
    it.effect("never holds key material or the root key in the clear", () => {
      const rootBytes = Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 0xff)
      const deps = Layer.mergeAll(layerNoble, layerNodeRsa, layerSeeded(2024), rootKeyLayer(rootBytes), layer)
      return Effect.gen(function* () {
        const kms = yield* KmsSim
        const caller = { accountId: ACCOUNT, principalArn: `arn:aws:iam::${ACCOUNT}:root` }
        for (let i = 0; i < 4; i++) {
          const { KeyMetadata } = yield* kms.createKey({ Description: `k${i}` }, caller)
          yield* kms.rotateKeyOnDemand({ KeyId: KeyMetadata.KeyId }, caller)
          yield* kms.generateDataKey({ KeyId: KeyMetadata.Arn, KeySpec: "AES_256" }, caller)
          if (i === 0) yield* kms.createAlias({ AliasName: "alias/scan", TargetKeyId: KeyMetadata.KeyId }, caller)
        }
        yield* kms.checkKeyForUse("alias/aws/sns", { ...caller, viaService: "sns" }, {})
        const message = new TextEncoder().encode("scan")
        const hmacKey = yield* kms.createKey({ KeySpec: "HMAC_512", KeyUsage: "GENERATE_VERIFY_MAC" }, caller)
        yield* kms.generateMac({ KeyId: hmacKey.KeyMetadata.KeyId, MacAlgorithm: "HMAC_SHA_512", Message: message }, caller)
        const eccKey = yield* kms.createKey({ KeySpec: "ECC_NIST_P384", KeyUsage: "SIGN_VERIFY" }, caller)
        yield* kms.sign({ KeyId: eccKey.KeyMetadata.KeyId, SigningAlgorithm: "ECDSA_SHA_384", Message: message }, caller)
        const rsaKey = yield* kms.createKey({ KeySpec: "RSA_2048", KeyUsage: "SIGN_VERIFY" }, caller)
        yield* kms.sign({ KeyId: rsaKey.KeyMetadata.KeyId, SigningAlgorithm: "RSASSA_PSS_SHA_256", Message: message }, caller)
        const store = yield* KeyStore
        const cipher = yield* Cipher
        const root = yield* RootKey
        const snapshot = yield* store.load
        const dump = serializeSnapshot(snapshot)
        const text = new TextDecoder("latin1").decode(dump)
        const materials = snapshot.keys.flatMap((k) => k.materials.map((m) => ({ keyId: k.keyId, m })))
        expect(materials.length).toBe(12)
        const lengths: Array<number> = []
        for (const { keyId, m } of materials) {
          const clear = yield* unwrapMaterial(cipher, root, keyId, m)
          lengths.push(clear.length)
          expect(containsBytes(dump, clear)).toBe(false)
          expect(text.includes(hex(clear))).toBe(false)
          expect(text.includes(base64(clear))).toBe(false)
        }
        // Nine symmetric materials, the 64-byte HMAC key, the 48-byte P-384 scalar, the RSA PKCS #8 key.
        expect(lengths.filter((n) => n === 32)).toHaveLength(9)
        expect(lengths.filter((n) => n !== 32).sort((a, b) => a - b).slice(0, 2)).toEqual([48, 64])
        expect(lengths.some((n) => n > 1000)).toBe(true)
        expect(containsBytes(dump, rootBytes)).toBe(false)
        expect(text.includes(base64(rootBytes))).toBe(false)
      }).pipe(Effect.provide(Layer.provideMerge(kmsLayer({ region: REGION }), deps)))
    })
  })
