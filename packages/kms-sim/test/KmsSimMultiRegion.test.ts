import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Blob from "../src/CiphertextBlob.js"
import { KmsSim } from "../src/KmsSim.js"
import { caller, failure, kmsLayer, outcome, REGION } from "./support.js"

const text = (s: string) => new TextEncoder().encode(s)

describe("KmsSim multi-Region keys", () => {
  it.effect("CreateKey MultiRegion: an mrk- key id, DescribeKey's MultiRegionConfiguration; single-Region keys have none", () =>
    Effect.gen(function* () {
      const kms = yield* KmsSim
      const { KeyMetadata: key } = yield* kms.createKey({ MultiRegion: true, Description: "mrk" }, caller)
      expect(key.KeyId).toMatch(/^mrk-[0-9a-f]{32}$/)
      expect(key.Arn).toBe(`arn:aws:kms:${REGION}:${caller.accountId}:key/${key.KeyId}`)
      expect([key.MultiRegion, key.MultiRegionConfiguration]).toEqual([
        true,
        { MultiRegionKeyType: "PRIMARY", PrimaryKey: { Arn: key.Arn, Region: REGION }, ReplicaKeys: [] }
      ])
      for (const KeyId of [key.KeyId, key.Arn, key.KeyId.toUpperCase().replace("MRK-", "mrk-")]) {
        expect((yield* kms.describeKey({ KeyId }, caller)).KeyMetadata, KeyId).toEqual(key)
      }
      const single = (yield* kms.createKey({}, caller)).KeyMetadata
      expect([single.MultiRegion, single.MultiRegionConfiguration]).toEqual([false, undefined])
      expect((yield* kms.listKeys({}, caller)).Keys.map((k) => k.KeyId)).toContain(key.KeyId)
    }).pipe(Effect.provide(kmsLayer())))

  it.effect("a multi-Region key encrypts, decrypts (with or without KeyId, by alias), re-encrypts and signs like any other", () =>
    Effect.gen(function* () {
      const kms = yield* KmsSim
      const { KeyMetadata: key } = yield* kms.createKey({ MultiRegion: true }, caller)
      yield* kms.createAlias({ AliasName: "alias/everywhere", TargetKeyId: key.KeyId }, caller)
      const sealed = yield* kms.encrypt({ KeyId: "alias/everywhere", Plaintext: text("hello"), EncryptionContext: { a: "b" } }, caller)
      expect(sealed.CiphertextBlob[0]).toBe(Blob.FORMAT_VERSION_MULTI_REGION)
      for (const KeyId of [undefined, key.KeyId, key.Arn, "alias/everywhere"]) {
        const opened = yield* kms.decrypt({ CiphertextBlob: sealed.CiphertextBlob, EncryptionContext: { a: "b" }, ...(KeyId === undefined ? {} : { KeyId }) }, caller)
        expect([opened.KeyId, opened.Plaintext]).toEqual([key.Arn, text("hello")])
      }
      const single = (yield* kms.createKey({}, caller)).KeyMetadata
      const moved = yield* kms.reEncrypt({ CiphertextBlob: sealed.CiphertextBlob, SourceEncryptionContext: { a: "b" }, DestinationKeyId: single.KeyId }, caller)
      expect(moved.SourceKeyId).toBe(key.Arn)
      expect(yield* outcome(kms.decrypt({ CiphertextBlob: sealed.CiphertextBlob, EncryptionContext: { a: "b" }, KeyId: single.KeyId }, caller))).toBe(
        "IncorrectKeyException"
      )
      // Rotation applies to multi-Region symmetric keys too; old blobs still open.
      yield* kms.rotateKeyOnDemand({ KeyId: key.KeyId }, caller)
      expect((yield* kms.decrypt({ CiphertextBlob: sealed.CiphertextBlob, EncryptionContext: { a: "b" } }, caller)).Plaintext).toEqual(text("hello"))
      const mac = (yield* kms.createKey({ MultiRegion: true, KeySpec: "HMAC_256", KeyUsage: "GENERATE_VERIFY_MAC" }, caller)).KeyMetadata
      const made = yield* kms.generateMac({ KeyId: mac.KeyId, MacAlgorithm: "HMAC_SHA_256", Message: text("m") }, caller)
      expect((yield* kms.verifyMac({ KeyId: mac.Arn, MacAlgorithm: "HMAC_SHA_256", Message: text("m"), Mac: made.Mac }, caller)).MacValid).toBe(true)
    }).pipe(Effect.provide(kmsLayer())))

  it.effect("ReplicateKey: refused for every Region, as this KMS serves one; UpdatePrimaryRegion: only the primary's own Region", () =>
    Effect.gen(function* () {
      const kms = yield* KmsSim
      const { KeyMetadata: key } = yield* kms.createKey({ MultiRegion: true }, caller)
      const single = (yield* kms.createKey({}, caller)).KeyMetadata
      const elsewhere = yield* failure(kms.replicateKey({ KeyId: key.KeyId, ReplicaRegion: "eu-west-1" }, caller))
      expect([elsewhere._tag, elsewhere.message]).toEqual([
        "UnsupportedOperationException",
        `Region eu-west-1 is not served by this KMS, which serves only ${REGION}.`
      ])
      const here = yield* failure(kms.replicateKey({ KeyId: key.Arn, ReplicaRegion: REGION }, caller))
      expect([here._tag, here.message]).toEqual([
        "UnsupportedOperationException",
        `${key.Arn} is already in ${REGION}: a replica must be in a different Region than its primary key.`
      ])
      const notMulti = yield* failure(kms.replicateKey({ KeyId: single.KeyId, ReplicaRegion: "eu-west-1" }, caller))
      expect([notMulti._tag, notMulti.message]).toEqual(["UnsupportedOperationException", `${single.Arn} is not a multi-Region key.`])
      yield* kms.createAlias({ AliasName: "alias/mrk", TargetKeyId: key.KeyId }, caller)
      expect(yield* outcome(kms.replicateKey({ KeyId: "alias/mrk", ReplicaRegion: "eu-west-1" }, caller))).toBe("NotFoundException")

      expect(yield* kms.updatePrimaryRegion({ KeyId: key.KeyId, PrimaryRegion: REGION }, caller)).toEqual({})
      expect((yield* kms.describeKey({ KeyId: key.KeyId }, caller)).KeyMetadata.MultiRegionConfiguration?.PrimaryKey).toEqual({ Arn: key.Arn, Region: REGION })
      expect(yield* outcome(kms.updatePrimaryRegion({ KeyId: key.KeyId, PrimaryRegion: "eu-west-1" }, caller))).toBe("UnsupportedOperationException")
      expect(yield* outcome(kms.updatePrimaryRegion({ KeyId: single.KeyId, PrimaryRegion: REGION }, caller))).toBe("UnsupportedOperationException")

      yield* kms.scheduleKeyDeletion({ KeyId: key.KeyId, PendingWindowInDays: 7 }, caller)
      expect(yield* outcome(kms.replicateKey({ KeyId: key.KeyId, ReplicaRegion: "eu-west-1" }, caller))).toBe("KMSInvalidStateException")
      expect(yield* outcome(kms.updatePrimaryRegion({ KeyId: key.KeyId, PrimaryRegion: REGION }, caller))).toBe("KMSInvalidStateException")
    }).pipe(Effect.provide(kmsLayer())))
})
