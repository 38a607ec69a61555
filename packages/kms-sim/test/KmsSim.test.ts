import { describe, expect, it } from "@effect/vitest"
import { layerNoble } from "@sealcast/core/Cipher"
import { layerSeeded } from "@sealcast/core/Ids"
import { Effect, Either, Layer, Runtime, TestClock } from "effect"
import * as fc from "fast-check"
import * as Blob from "../src/CiphertextBlob.js"
import { KeyStore, KeyStoreFailure, layerMemory, makeMemory } from "../src/KeyStore.js"
import { KmsSim, layer as simLayer } from "../src/KmsSim.js"
import * as RootKey from "../src/RootKey.js"
import { layerNodeRsa } from "./NodeRsa.js"
import { ACCOUNT, alice, caller, failure, kmsLayer, outcome, outsider, REGION, rootKeyBytes } from "./support.js"

const DAY = 86_400_000
const bytes = (...values: ReadonlyArray<number>) => Uint8Array.from(values)
const context = fc.dictionary(fc.string({ maxLength: 6 }), fc.string({ maxLength: 6 }), { maxKeys: 4 })

const newKey = (description = "test") =>
  Effect.flatMap(KmsSim, (kms) => Effect.map(kms.createKey({ Description: description }, caller), (r) => r.KeyMetadata))

describe("KmsSim cryptography", () => {
  it.effect("Decrypt(Encrypt(x, ctx), ctx) = x, and any other context fails", () =>
    Effect.gen(function* () {
      const kms = yield* KmsSim
      const key = yield* newKey()
      const run = Runtime.runPromise(yield* Effect.runtime<never>())
      yield* Effect.promise(() =>
        fc.assert(
          fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 4096 }), context, context, async (plaintext, ctx, other) => {
            const encrypted = await run(kms.encrypt({ KeyId: key.KeyId, Plaintext: plaintext, EncryptionContext: ctx }, caller))
            expect(encrypted.KeyId).toBe(key.Arn)
            const decrypted = await run(kms.decrypt({ CiphertextBlob: encrypted.CiphertextBlob, EncryptionContext: ctx }, caller))
            expect(decrypted).toEqual({ KeyId: key.Arn, Plaintext: plaintext, EncryptionAlgorithm: "SYMMETRIC_DEFAULT" })
            fc.pre(JSON.stringify(Object.entries(ctx).sort()) !== JSON.stringify(Object.entries(other).sort()))
            const wrong = await run(failure(kms.decrypt({ CiphertextBlob: encrypted.CiphertextBlob, EncryptionContext: other }, caller)))
            expect([wrong._tag, wrong.message]).toEqual(["InvalidCiphertextException", ""])
          }),
          { numRuns: 150 }
        )
      )
    }).pipe(Effect.provide(kmsLayer())))

  it.effect("the context encoding is injective: {ab: c} does not open what {a: bc} sealed", () =>
    Effect.gen(function* () {
      const kms = yield* KmsSim
      const key = yield* newKey()
      const { CiphertextBlob } = yield* kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes(1, 2), EncryptionContext: { a: "bc" } }, caller)
      expect(yield* outcome(kms.decrypt({ CiphertextBlob, EncryptionContext: { ab: "c" } }, caller))).toBe("InvalidCiphertextException")
    }).pipe(Effect.provide(kmsLayer())))

  it.effect("any single flipped bit is refused (InvalidCiphertext, or NotFound when the key id bits change)", () =>
    Effect.gen(function* () {
      const kms = yield* KmsSim
      const key = yield* newKey()
      const run = Runtime.runPromise(yield* Effect.runtime<never>())
      const { CiphertextBlob } = yield* kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes(9, 8, 7, 6), EncryptionContext: { t: "1" } }, caller)
      yield* Effect.promise(() =>
        fc.assert(
          fc.asyncProperty(fc.nat({ max: CiphertextBlob.length * 8 - 1 }), async (bit) => {
            const tampered = CiphertextBlob.slice()
            tampered[bit >> 3] = tampered[bit >> 3]! ^ (1 << (bit & 7))
            const tag = await run(outcome(kms.decrypt({ CiphertextBlob: tampered, EncryptionContext: { t: "1" } }, caller)))
            const inKeyId = bit >= 8 && bit < 17 * 8
            expect(tag).toBe(inKeyId ? "NotFoundException" : "InvalidCiphertextException")
          }),
          { numRuns: CiphertextBlob.length * 8 }
        )
      )
    }).pipe(Effect.provide(kmsLayer())))

  it.effect("a ciphertext of one key, decrypted naming another, is IncorrectKeyException", () =>
    Effect.gen(function* () {
      const kms = yield* KmsSim
      const [a, b] = [yield* newKey("a"), yield* newKey("b")]
      const { CiphertextBlob } = yield* kms.encrypt({ KeyId: a.KeyId, Plaintext: bytes(1) }, caller)
      const error = yield* failure(kms.decrypt({ CiphertextBlob, KeyId: b.Arn }, caller))
      expect([error._tag, error.message]).toEqual([
        "IncorrectKeyException",
        "The key ID in the request does not identify a CMK that can perform this operation."
      ])
      expect((yield* kms.decrypt({ CiphertextBlob, KeyId: a.KeyId }, caller)).Plaintext).toEqual(bytes(1))
    }).pipe(Effect.provide(kmsLayer())))

  it.effect("GenerateDataKey: KeySpec or NumberOfBytes, exactly one; the plaintext decrypts from the blob", () =>
    Effect.gen(function* () {
      const kms = yield* KmsSim
      const key = yield* newKey()
      const aes256 = yield* kms.generateDataKey({ KeyId: key.KeyId, KeySpec: "AES_256", EncryptionContext: { k: "v" } }, caller)
      expect(aes256.Plaintext.length).toBe(32)
      expect(aes256.KeyId).toBe(key.Arn)
      expect((yield* kms.decrypt({ CiphertextBlob: aes256.CiphertextBlob, EncryptionContext: { k: "v" } }, caller)).Plaintext).toEqual(
        aes256.Plaintext
      )
      expect((yield* kms.generateDataKey({ KeyId: key.KeyId, KeySpec: "AES_128" }, caller)).Plaintext.length).toBe(16)
      expect((yield* kms.generateDataKey({ KeyId: key.KeyId, NumberOfBytes: 1024 }, caller)).Plaintext.length).toBe(1024)
      const without = yield* kms.generateDataKeyWithoutPlaintext({ KeyId: key.KeyId, NumberOfBytes: 7 }, caller)
      expect((yield* kms.decrypt({ CiphertextBlob: without.CiphertextBlob }, caller)).Plaintext.length).toBe(7)
      for (const request of [{ KeyId: key.KeyId }, { KeyId: key.KeyId, KeySpec: "AES_256" as const, NumberOfBytes: 32 }]) {
        const error = yield* failure(kms.generateDataKey(request, caller))
        expect([error._tag, error.message]).toEqual(["ValidationException", "Please specify either number of bytes or key spec."])
      }
    }).pipe(Effect.provide(kmsLayer())))

  it.effect("ReEncrypt moves a ciphertext to another key and context", () =>
    Effect.gen(function* () {
      const kms = yield* KmsSim
      const [a, b] = [yield* newKey("a"), yield* newKey("b")]
      const { CiphertextBlob } = yield* kms.encrypt({ KeyId: a.KeyId, Plaintext: bytes(5, 5), EncryptionContext: { from: "a" } }, caller)
      const moved = yield* kms.reEncrypt(
        { CiphertextBlob, SourceEncryptionContext: { from: "a" }, DestinationKeyId: b.Arn, DestinationEncryptionContext: { to: "b" } },
        caller
      )
      expect([moved.SourceKeyId, moved.KeyId]).toEqual([a.Arn, b.Arn])
      const opened = yield* kms.decrypt({ CiphertextBlob: moved.CiphertextBlob, EncryptionContext: { to: "b" } }, caller)
      expect([opened.KeyId, opened.Plaintext]).toEqual([b.Arn, bytes(5, 5)])
      expect(yield* outcome(kms.reEncrypt({ CiphertextBlob, DestinationKeyId: b.KeyId }, caller))).toBe("InvalidCiphertextException")
    }).pipe(Effect.provide(kmsLayer())))

  it.effect("GenerateRandom returns the bytes asked for", () =>
    Effect.gen(function* () {
      const kms = yield* KmsSim
      expect((yield* kms.generateRandom({ NumberOfBytes: 17 }, caller)).Plaintext.length).toBe(17)
      expect(yield* outcome(kms.generateRandom({}, caller))).toBe("ValidationException")
    }).pipe(Effect.provide(kmsLayer())))
})

describe("KmsSim key states", () => {
  it.effect("Disabled and PendingDeletion refuse use with AWS's texts; cancel returns to Disabled", () =>
    Effect.gen(function* () {
      const kms = yield* KmsSim
      const key = yield* newKey()
      const { CiphertextBlob } = yield* kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes(1) }, caller)
      yield* kms.disableKey({ KeyId: key.KeyId }, caller)
      expect((yield* kms.describeKey({ KeyId: key.KeyId }, caller)).KeyMetadata).toMatchObject({ KeyState: "Disabled", Enabled: false })
      const disabled = yield* failure(kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes(1) }, caller))
      expect([disabled._tag, disabled.message]).toEqual(["DisabledException", `${key.Arn} is disabled.`])
      expect(yield* outcome(kms.decrypt({ CiphertextBlob }, caller))).toBe("DisabledException")

      const scheduled = yield* kms.scheduleKeyDeletion({ KeyId: key.Arn }, caller)
      expect(scheduled).toEqual({ KeyId: key.Arn, DeletionDate: (30 * DAY) / 1000, KeyState: "PendingDeletion", PendingWindowInDays: 30 })
      const pending = yield* failure(kms.decrypt({ CiphertextBlob }, caller))
      expect([pending._tag, pending.message]).toEqual(["KMSInvalidStateException", `${key.Arn} is pending deletion.`])
      expect(yield* outcome(kms.enableKey({ KeyId: key.KeyId }, caller))).toBe("KMSInvalidStateException")
      expect(yield* outcome(kms.scheduleKeyDeletion({ KeyId: key.KeyId }, caller))).toBe("KMSInvalidStateException")

      expect(yield* kms.cancelKeyDeletion({ KeyId: key.KeyId }, caller)).toEqual({ KeyId: key.Arn })
      expect((yield* kms.describeKey({ KeyId: key.KeyId }, caller)).KeyMetadata.KeyState).toBe("Disabled")
      const notPending = yield* failure(kms.cancelKeyDeletion({ KeyId: key.KeyId }, caller))
      expect(notPending.message).toBe(`${key.Arn} is not pending deletion.`)
      yield* kms.enableKey({ KeyId: key.KeyId }, caller)
      expect((yield* kms.decrypt({ CiphertextBlob }, caller)).Plaintext).toEqual(bytes(1))
    }).pipe(Effect.provide(kmsLayer())))

  it.effect("nothing decrypts after the deletion window: the key and its aliases are gone (crypto-shredding)", () =>
    Effect.gen(function* () {
      const kms = yield* KmsSim
      const key = yield* newKey()
      yield* kms.createAlias({ AliasName: "alias/doomed", TargetKeyId: key.KeyId }, caller)
      const blobs = yield* Effect.forEach([1, 2, 3], (n) =>
        Effect.map(kms.encrypt({ KeyId: "alias/doomed", Plaintext: bytes(n) }, caller), (r) => r.CiphertextBlob)
      )
      yield* kms.scheduleKeyDeletion({ KeyId: key.KeyId, PendingWindowInDays: 7 }, caller)
      yield* TestClock.adjust(7 * DAY - 1)
      expect(yield* outcome(kms.describeKey({ KeyId: key.KeyId }, caller))).toBe("ok")
      yield* TestClock.adjust(1)
      const gone = yield* failure(kms.describeKey({ KeyId: key.KeyId }, caller))
      expect([gone._tag, gone.message]).toEqual(["NotFoundException", `Key '${key.Arn}' does not exist`])
      for (const CiphertextBlob of blobs) expect(yield* outcome(kms.decrypt({ CiphertextBlob }, caller))).toBe("NotFoundException")
      expect((yield* kms.listAliases({}, caller)).Aliases).toEqual([])
      expect((yield* kms.listKeys({}, caller)).Keys).toEqual([])
      expect(yield* (yield* KeyStore).load).toMatchObject({ keys: [], aliases: [] })
    }).pipe(Effect.provide(kmsLayer())))

  it.effect("each key goes at its own deletion date, whatever order the deletions were scheduled or cancelled in", () =>
    Effect.gen(function* () {
      const kms = yield* KmsSim
      const [late, early, cancelled] = yield* Effect.all([newKey("late"), newKey("early"), newKey("cancelled")])
      const exists = (key: { readonly KeyId: string }) => Effect.map(outcome(kms.describeKey({ KeyId: key.KeyId }, caller)), (o) => o === "ok")
      yield* kms.scheduleKeyDeletion({ KeyId: cancelled.KeyId, PendingWindowInDays: 7 }, caller)
      yield* kms.scheduleKeyDeletion({ KeyId: late.KeyId, PendingWindowInDays: 30 }, caller)
      yield* TestClock.adjust(DAY)
      yield* kms.cancelKeyDeletion({ KeyId: cancelled.KeyId }, caller)
      yield* kms.scheduleKeyDeletion({ KeyId: early.KeyId, PendingWindowInDays: 7 }, caller)
      yield* TestClock.adjust(7 * DAY - 1)
      expect(yield* Effect.all([exists(late), exists(early), exists(cancelled)])).toEqual([true, true, true])
      yield* TestClock.adjust(1)
      expect(yield* Effect.all([exists(late), exists(early), exists(cancelled)])).toEqual([true, false, true])
      yield* TestClock.adjust(22 * DAY)
      expect(yield* Effect.all([exists(late), exists(cancelled)])).toEqual([false, true])
    }).pipe(Effect.provide(kmsLayer())))

  it.effect("rotation keeps old ciphertexts readable; new ones use the newest material", () =>
    Effect.gen(function* () {
      const kms = yield* KmsSim
      const key = yield* newKey()
      const blobs: Array<[Uint8Array, Uint8Array]> = []
      for (let round = 0; round < 4; round++) {
        const plaintext = bytes(round, round + 1)
        const { CiphertextBlob } = yield* kms.encrypt({ KeyId: key.KeyId, Plaintext: plaintext }, caller)
        expect(Either.getOrThrow(Blob.decode(CiphertextBlob)).materialVersion).toBe(round + 1)
        blobs.push([CiphertextBlob, plaintext])
        expect(yield* kms.rotateKeyOnDemand({ KeyId: key.KeyId }, caller)).toEqual({ KeyId: key.Arn })
      }
      for (const [CiphertextBlob, plaintext] of blobs) expect((yield* kms.decrypt({ CiphertextBlob }, caller)).Plaintext).toEqual(plaintext)
    }).pipe(Effect.provide(kmsLayer())))

  it.effect("automatic rotation happens when its period has passed", () =>
    Effect.gen(function* () {
      const kms = yield* KmsSim
      const key = yield* newKey()
      expect((yield* kms.getKeyRotationStatus({ KeyId: key.KeyId }, caller)).KeyRotationEnabled).toBe(false)
      const before = yield* kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes(1) }, caller)
      yield* kms.enableKeyRotation({ KeyId: key.KeyId, RotationPeriodInDays: 90 }, caller)
      expect(yield* kms.getKeyRotationStatus({ KeyId: key.KeyId }, caller)).toEqual({
        KeyRotationEnabled: true,
        KeyId: key.Arn,
        RotationPeriodInDays: 90,
        NextRotationDate: (90 * DAY) / 1000
      })
      yield* TestClock.adjust(90 * DAY)
      const after = yield* kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes(2) }, caller)
      expect(Either.getOrThrow(Blob.decode(after.CiphertextBlob)).materialVersion).toBe(2)
      expect((yield* kms.getKeyRotationStatus({ KeyId: key.KeyId }, caller)).NextRotationDate).toBe((180 * DAY) / 1000)
      expect((yield* kms.decrypt({ CiphertextBlob: before.CiphertextBlob }, caller)).Plaintext).toEqual(bytes(1))
      yield* kms.disableKeyRotation({ KeyId: key.KeyId }, caller)
      expect(yield* kms.getKeyRotationStatus({ KeyId: key.KeyId }, caller)).toEqual({ KeyRotationEnabled: false, KeyId: key.Arn })
    }).pipe(Effect.provide(kmsLayer())))

  it.effect("non-symmetric keys are created with their usages and refused for encryption", () =>
    Effect.gen(function* () {
      const kms = yield* KmsSim
      const hmac = (yield* kms.createKey({ KeySpec: "HMAC_256", KeyUsage: "GENERATE_VERIFY_MAC" }, caller)).KeyMetadata
      const rsaSign = (yield* kms.createKey({ KeySpec: "RSA_2048", KeyUsage: "SIGN_VERIFY" }, caller)).KeyMetadata
      const rsaEncrypt = (yield* kms.createKey({ KeySpec: "RSA_2048" }, caller)).KeyMetadata
      const ecc = (yield* kms.createKey({ KeySpec: "ECC_NIST_P256", KeyUsage: "SIGN_VERIFY" }, caller)).KeyMetadata
      expect([hmac.KeyUsage, hmac.KeySpec, hmac.EncryptionAlgorithms]).toEqual(["GENERATE_VERIFY_MAC", "HMAC_256", undefined])
      const error = yield* failure(kms.encrypt({ KeyId: rsaSign.KeyId, Plaintext: bytes(1) }, caller))
      expect([error._tag, error.message]).toEqual([
        "InvalidKeyUsageException",
        `${rsaSign.Arn} key usage is SIGN_VERIFY which is not valid for Encrypt.`
      ])
      for (const key of [hmac, rsaEncrypt, ecc]) {
        expect(yield* outcome(kms.generateDataKey({ KeyId: key.KeyId, KeySpec: "AES_256" }, caller))).toBe("InvalidKeyUsageException")
      }
      expect(yield* outcome(kms.enableKeyRotation({ KeyId: hmac.KeyId }, caller))).toBe("UnsupportedOperationException")
      expect(yield* outcome(kms.createKey({ KeySpec: "HMAC_256" }, caller))).toBe("ValidationException")
      expect(yield* outcome(kms.createKey({ KeySpec: "ECC_SECG_P256K1", KeyUsage: "KEY_AGREEMENT" }, caller))).toBe("ValidationException")
      expect(yield* outcome(kms.createKey({ Origin: "EXTERNAL" }, caller))).toBe("UnsupportedOperationException")
    }).pipe(Effect.provide(kmsLayer())))
})

describe("KmsSim aliases", () => {
  it.effect("create, resolve, update, delete; duplicates and reserved names refused", () =>
    Effect.gen(function* () {
      const kms = yield* KmsSim
      const [a, b] = [yield* newKey("a"), yield* newKey("b")]
      yield* kms.createAlias({ AliasName: "alias/orders", TargetKeyId: a.KeyId }, caller)
      const aliasArn = `arn:aws:kms:${REGION}:${ACCOUNT}:alias/orders`
      for (const id of ["alias/orders", aliasArn]) expect((yield* kms.describeKey({ KeyId: id }, caller)).KeyMetadata.Arn).toBe(a.Arn)
      const dup = yield* failure(kms.createAlias({ AliasName: "alias/orders", TargetKeyId: b.KeyId }, caller))
      expect([dup._tag, dup.message]).toEqual(["AlreadyExistsException", `An alias with the name ${aliasArn} already exists`])
      expect(yield* outcome(kms.createAlias({ AliasName: "alias/aws/mine", TargetKeyId: a.KeyId }, caller))).toBe("NotAuthorizedException")
      expect(yield* outcome(kms.createAlias({ AliasName: "orders", TargetKeyId: a.KeyId }, caller))).toBe("ValidationException")
      expect(yield* outcome(kms.createAlias({ AliasName: "alias/x", TargetKeyId: "alias/orders" }, caller))).toBe("ValidationException")
      const { CiphertextBlob } = yield* kms.encrypt({ KeyId: "alias/orders", Plaintext: bytes(3) }, caller)

      yield* kms.updateAlias({ AliasName: "alias/orders", TargetKeyId: b.Arn }, caller)
      expect((yield* kms.describeKey({ KeyId: "alias/orders" }, caller)).KeyMetadata.Arn).toBe(b.Arn)
      expect((yield* kms.decrypt({ CiphertextBlob }, caller)).KeyId).toBe(a.Arn)
      expect(yield* outcome(kms.decrypt({ CiphertextBlob, KeyId: "alias/orders" }, caller))).toBe("IncorrectKeyException")
      const listed = yield* kms.listAliases({ KeyId: b.KeyId }, caller)
      expect(listed.Aliases.map((x) => [x.AliasName, x.AliasArn, x.TargetKeyId])).toEqual([["alias/orders", aliasArn, b.KeyId]])
      expect((yield* kms.listAliases({ KeyId: a.KeyId }, caller)).Aliases).toEqual([])

      yield* kms.deleteAlias({ AliasName: "alias/orders" }, caller)
      const missing = yield* failure(kms.describeKey({ KeyId: "alias/orders" }, caller))
      expect([missing._tag, missing.message]).toEqual(["NotFoundException", `Alias ${aliasArn} is not found.`])
      expect(yield* outcome(kms.deleteAlias({ AliasName: "alias/orders" }, caller))).toBe("NotFoundException")
      expect(yield* outcome(kms.updateAlias({ AliasName: "alias/orders", TargetKeyId: a.KeyId }, caller))).toBe("NotFoundException")
    }).pipe(Effect.provide(kmsLayer())))

  it.effect("an alias cannot point at a key pending deletion, nor move to a key of another type", () =>
    Effect.gen(function* () {
      const kms = yield* KmsSim
      const [a, b] = [yield* newKey("a"), yield* newKey("b")]
      const hmac = (yield* kms.createKey({ KeySpec: "HMAC_256", KeyUsage: "GENERATE_VERIFY_MAC" }, caller)).KeyMetadata
      yield* kms.createAlias({ AliasName: "alias/a", TargetKeyId: a.KeyId }, caller)
      yield* kms.scheduleKeyDeletion({ KeyId: b.KeyId }, caller)
      expect(yield* outcome(kms.createAlias({ AliasName: "alias/b", TargetKeyId: b.KeyId }, caller))).toBe("KMSInvalidStateException")
      expect(yield* outcome(kms.updateAlias({ AliasName: "alias/a", TargetKeyId: hmac.KeyId }, caller))).toBe("ValidationException")
    }).pipe(Effect.provide(kmsLayer())))
})

describe("KmsSim identifier rules", () => {
  it.effect("alias names hold only letters, digits, /, _ and -", () =>
    Effect.gen(function* () {
      const kms = yield* KmsSim
      const key = yield* newKey()
      yield* kms.createAlias({ AliasName: "alias/Team_1/orders-v2", TargetKeyId: key.KeyId }, caller)
      for (const name of ["alias/a:b", "alias/a.b", "alias/a b", "alias/é"]) {
        const refused = yield* failure(kms.createAlias({ AliasName: name, TargetKeyId: key.KeyId }, caller))
        expect([refused._tag, refused.message]).toEqual(["ValidationException", `${name} contains invalid characters for an alias`])
      }
    }).pipe(Effect.provide(kmsLayer())))

  it.effect("operations documented as taking a key ID or key ARN refuse an alias name or alias ARN", () =>
    Effect.gen(function* () {
      const kms = yield* KmsSim
      const key = yield* newKey()
      yield* kms.createAlias({ AliasName: "alias/rotating", TargetKeyId: key.KeyId }, caller)
      const aliasArn = `arn:aws:kms:${REGION}:${ACCOUNT}:alias/rotating`
      for (const id of ["alias/rotating", aliasArn]) {
        const calls = [
          kms.enableKeyRotation({ KeyId: id }, caller),
          kms.disableKeyRotation({ KeyId: id }, caller),
          kms.getKeyRotationStatus({ KeyId: id }, caller),
          kms.rotateKeyOnDemand({ KeyId: id }, caller),
          kms.enableKey({ KeyId: id }, caller),
          kms.disableKey({ KeyId: id }, caller),
          kms.scheduleKeyDeletion({ KeyId: id }, caller),
          kms.cancelKeyDeletion({ KeyId: id }, caller),
          kms.tagResource({ KeyId: id, Tags: [{ TagKey: "a", TagValue: "b" }] }, caller),
          kms.untagResource({ KeyId: id, TagKeys: ["a"] }, caller),
          kms.listResourceTags({ KeyId: id }, caller),
          kms.getKeyPolicy({ KeyId: id }, caller),
          kms.listKeyPolicies({ KeyId: id }, caller),
          kms.listKeyRotations({ KeyId: id }, caller),
          kms.updateKeyDescription({ KeyId: id, Description: "d" }, caller),
          kms.listAliases({ KeyId: id }, caller)
        ]
        for (const call of calls) {
          const refused = yield* failure(call as Effect.Effect<unknown, { readonly _tag: string; readonly message: string }>)
          expect([refused._tag, refused.message]).toEqual(["NotFoundException", `Invalid keyId '${id}'`])
        }
        // The operations that take aliases still do.
        expect((yield* kms.describeKey({ KeyId: id }, caller)).KeyMetadata.Arn).toBe(key.Arn)
      }
      expect((yield* kms.getKeyRotationStatus({ KeyId: key.Arn }, caller)).KeyRotationEnabled).toBe(false)
      expect(yield* outcome(kms.describeKey({ KeyId: key.KeyId }, caller))).toBe("ok")
    }).pipe(Effect.provide(kmsLayer())))
})

describe("KmsSim UpdateKeyDescription, ListKeyPolicies, ListKeyRotations", () => {
  it.effect("UpdateKeyDescription replaces the description, not of a key pending deletion; ListKeyPolicies names default; ListKeyRotations lists each rotation", () =>
    Effect.gen(function* () {
      const kms = yield* KmsSim
      const key = yield* newKey("first")
      yield* kms.updateKeyDescription({ KeyId: key.KeyId, Description: "second" }, caller)
      expect((yield* kms.describeKey({ KeyId: key.Arn }, caller)).KeyMetadata.Description).toBe("second")
      yield* kms.updateKeyDescription({ KeyId: key.Arn, Description: "" }, caller)
      expect((yield* kms.describeKey({ KeyId: key.KeyId }, caller)).KeyMetadata.Description).toBe("")
      expect(yield* kms.listKeyPolicies({ KeyId: key.KeyId }, caller)).toEqual({ PolicyNames: ["default"], Truncated: false })
      expect(yield* outcome(kms.listKeyPolicies({ KeyId: key.KeyId }, outsider))).toBe("NotFoundException")
      expect(yield* kms.listKeyRotations({ KeyId: key.KeyId }, caller)).toEqual({ Rotations: [], Truncated: false })
      yield* kms.rotateKeyOnDemand({ KeyId: key.KeyId }, caller)
      yield* TestClock.adjust("1 hour")
      yield* kms.rotateKeyOnDemand({ KeyId: key.Arn }, caller)
      const listed = yield* kms.listKeyRotations({ KeyId: key.Arn }, caller)
      expect(listed.Rotations.map((r) => [r.KeyId, r.RotationType])).toEqual([[key.Arn, "ON_DEMAND"], [key.Arn, "ON_DEMAND"]])
      expect(listed.Rotations[1]!.RotationDate - listed.Rotations[0]!.RotationDate).toBe(3600)
      const firstPage = yield* kms.listKeyRotations({ KeyId: key.KeyId, Limit: 1 }, caller)
      expect([firstPage.Rotations.length, firstPage.Truncated]).toEqual([1, true])
      yield* kms.scheduleKeyDeletion({ KeyId: key.KeyId }, caller)
      expect(yield* outcome(kms.updateKeyDescription({ KeyId: key.KeyId, Description: "late" }, caller))).toBe("KMSInvalidStateException")
    }).pipe(Effect.provide(kmsLayer())))
})

describe("KmsSim alias/aws/sns", () => {
  it.effect("is created on first use through SNS or DescribeKey, AWS-managed, usable only via SNS by its own account", () =>
    Effect.gen(function* () {
      const kms = yield* KmsSim
      expect(yield* outcome(kms.encrypt({ KeyId: "alias/aws/sns", Plaintext: bytes(1) }, caller))).toBe("NotFoundException")
      const viaSns = { ...alice, viaService: "sns" as const }
      const { keyArn } = yield* kms.checkKeyForUse("alias/aws/sns", viaSns, {})
      const meta = (yield* kms.describeKey({ KeyId: "alias/aws/sns" }, caller)).KeyMetadata
      expect(meta).toMatchObject({ Arn: keyArn, KeyManager: "AWS", KeyState: "Enabled", AWSAccountId: ACCOUNT })
      const dk = yield* kms.generateDataKey({ KeyId: "alias/aws/sns", KeySpec: "AES_256" }, viaSns)
      expect((yield* kms.decrypt({ CiphertextBlob: dk.CiphertextBlob }, viaSns)).Plaintext).toEqual(dk.Plaintext)

      const direct = yield* failure(kms.decrypt({ CiphertextBlob: dk.CiphertextBlob }, alice))
      expect([direct._tag, direct.message]).toEqual([
        "AccessDeniedException",
        `User: ${alice.principalArn} is not authorized to perform: kms:Decrypt on resource: ${keyArn} because no resource-based policy allows the kms:Decrypt action`
      ])
      for (const attempt of [
        kms.disableKey({ KeyId: meta.KeyId }, caller),
        kms.scheduleKeyDeletion({ KeyId: meta.KeyId }, caller),
        kms.putKeyPolicy({ KeyId: meta.KeyId, Policy: JSON.stringify({ Statement: { Effect: "Allow", Principal: "*", Action: "kms:*" } }), BypassPolicyLockoutSafetyCheck: true }, caller),
        kms.enableKeyRotation({ KeyId: meta.KeyId }, caller)
      ]) {
        expect(yield* outcome(attempt)).toBe("AccessDeniedException")
      }
      expect((yield* kms.getKeyPolicy({ KeyId: meta.KeyId }, caller)).Policy).toContain("kms:ViaService")
      const otherAccountViaSns = { ...outsider, viaService: "sns" as const }
      expect(yield* outcome(kms.generateDataKey({ KeyId: keyArn, KeySpec: "AES_256" }, otherAccountViaSns))).toBe("AccessDeniedException")
      expect(yield* outcome(kms.createAlias({ AliasName: "alias/aws/sns", TargetKeyId: meta.KeyId }, caller))).toBe("NotAuthorizedException")
      expect(yield* outcome(kms.deleteAlias({ AliasName: "alias/aws/sns" }, caller))).toBe("NotAuthorizedException")
    }).pipe(Effect.provide(kmsLayer())))

  it.effect("each account gets its own", () =>
    Effect.gen(function* () {
      const kms = yield* KmsSim
      const mine = yield* kms.checkKeyForUse("alias/aws/sns", { ...caller, viaService: "sns" }, {})
      const theirs = yield* kms.checkKeyForUse("alias/aws/sns", { ...outsider, viaService: "sns" }, {})
      expect(mine.keyArn).not.toBe(theirs.keyArn)
      expect(theirs.keyArn).toContain(`:${outsider.accountId}:key/`)
      expect(yield* kms.checkKeyForUse("alias/aws/sns", { ...caller, viaService: "sns" }, {})).toEqual(mine)
    }).pipe(Effect.provide(kmsLayer())))
})

describe("KmsSim checkKeyForUse, remembered", () => {
  const topic = (name: string) => ({ "aws:sns:topicArn": `arn:aws:sns:${REGION}:${ACCOUNT}:${name}` })
  const viaSns = { ...alice, viaService: "sns" as const }
  /** Alice may generate data keys under the key only for the topic `orders`. */
  const ordersOnly = JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kms:*", Resource: "*" },
      {
        Effect: "Deny",
        Principal: { AWS: alice.principalArn },
        Action: "kms:GenerateDataKey*",
        Resource: "*",
        Condition: { StringNotEquals: { "kms:EncryptionContext:aws:sns:topicArn": topic("orders")["aws:sns:topicArn"] } }
      }
    ]
  })

  it.effect("a pass answered as a plain read ends as soon as the key is disabled, re-policied or scheduled for deletion (docs/SEMANTICS.md §1.7)", () =>
    Effect.gen(function* () {
      const kms = yield* KmsSim
      const key = (yield* kms.createKey({}, caller)).KeyMetadata
      const now = () => kms.checkKeyForUseNow(key.KeyId, viaSns, topic("orders"), 0)
      expect((yield* kms.checkKeyForUse(key.KeyId, viaSns, topic("orders"))).keyArn).toBe(key.Arn)
      expect(now()).toEqual({ keyArn: key.Arn })
      expect(now()).toEqual({ keyArn: key.Arn })

      yield* kms.disableKey({ KeyId: key.KeyId }, caller)
      expect(now()).toBeUndefined()
      expect(yield* outcome(kms.checkKeyForUse(key.KeyId, viaSns, topic("orders")))).toBe("DisabledException")
      yield* kms.enableKey({ KeyId: key.KeyId }, caller)
      expect(now()).toEqual({ keyArn: key.Arn })

      // The answer is per encryption context: a pass for one topic says nothing of another.
      yield* kms.putKeyPolicy({ KeyId: key.KeyId, Policy: ordersOnly }, caller)
      expect(now()).toEqual({ keyArn: key.Arn })
      expect(kms.checkKeyForUseNow(key.KeyId, viaSns, topic("audit"), 0)).toBeUndefined()
      expect(yield* outcome(kms.checkKeyForUse(key.KeyId, viaSns, topic("audit")))).toBe("AccessDeniedException")
      // And per caller.
      expect(kms.checkKeyForUseNow(key.KeyId, { ...caller, viaService: "sns" }, topic("audit"), 0)).toEqual({ keyArn: key.Arn })

      yield* kms.scheduleKeyDeletion({ KeyId: key.KeyId, PendingWindowInDays: 7 }, caller)
      expect(now()).toBeUndefined()
      expect(yield* outcome(kms.checkKeyForUse(key.KeyId, viaSns, topic("orders")))).toBe("KMSInvalidStateException")
    }).pipe(Effect.provide(kmsLayer())))
})

describe("KmsSim service principals", () => {
  const topicArn = `arn:aws:sns:${REGION}:${ACCOUNT}:orders`
  const sns = { accountId: ACCOUNT, principalArn: "sns.amazonaws.com", viaService: "sqs" as const, service: { principal: "sns.amazonaws.com", sourceArn: topicArn, sourceAccount: ACCOUNT } }
  const policyFor = (actions: ReadonlyArray<string>, sourceArn: string) =>
    JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kms:*", Resource: "*" },
        { Effect: "Allow", Principal: { Service: "sns.amazonaws.com" }, Action: actions, Resource: "*", Condition: { ArnEquals: { "aws:SourceArn": sourceArn } } }
      ]
    })

  it.effect("a key is usable by SNS for itself only when its policy lets the SNS principal generate data keys and decrypt, for that topic", () =>
    Effect.gen(function* () {
      const kms = yield* KmsSim
      const key = (yield* kms.createKey({}, caller)).KeyMetadata
      expect(yield* outcome(kms.checkKeyForUse(key.KeyId, sns, {}))).toBe("AccessDeniedException")
      yield* kms.putKeyPolicy({ KeyId: key.KeyId, Policy: policyFor(["kms:GenerateDataKey*"], topicArn) }, caller)
      const noDecrypt = yield* failure(kms.checkKeyForUse(key.KeyId, sns, {}))
      expect(noDecrypt.message).toContain("User: sns.amazonaws.com is not authorized to perform: kms:Decrypt")
      yield* kms.putKeyPolicy({ KeyId: key.KeyId, Policy: policyFor(["kms:GenerateDataKey*", "kms:Decrypt"], `arn:aws:sns:${REGION}:${ACCOUNT}:other`) }, caller)
      expect(yield* outcome(kms.checkKeyForUse(key.KeyId, sns, {}))).toBe("AccessDeniedException")
      yield* kms.putKeyPolicy({ KeyId: key.KeyId, Policy: policyFor(["kms:GenerateDataKey*", "kms:Decrypt"], topicArn) }, caller)
      expect((yield* kms.checkKeyForUse(key.KeyId, sns, {})).keyArn).toBe(key.Arn)
      const dk = yield* kms.generateDataKey({ KeyId: key.KeyId, KeySpec: "AES_256" }, sns)
      expect((yield* kms.decrypt({ CiphertextBlob: dk.CiphertextBlob }, sns)).Plaintext).toEqual(dk.Plaintext)
    }).pipe(Effect.provide(kmsLayer())))

  it.effect("alias/aws/sqs never lets the SNS principal use it: its policy names only the account's principals", () =>
    Effect.gen(function* () {
      const kms = yield* KmsSim
      expect(yield* outcome(kms.checkKeyForUse("alias/aws/sqs", sns, {}))).toBe("AccessDeniedException")
      expect(yield* outcome(kms.checkKeyForUse("alias/aws/sqs", { ...caller, viaService: "sqs" }, {}))).toBe("ok")
    }).pipe(Effect.provide(kmsLayer())))
})

describe("KmsSim key policies and accounts", () => {
  it.effect("another account's key is reachable only by ARN, only for cross-account operations, and as its policy says", () =>
    Effect.gen(function* () {
      const kms = yield* KmsSim
      const key = yield* newKey()
      expect(yield* outcome(kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes(1) }, outsider))).toBe("NotFoundException")
      expect(yield* outcome(kms.encrypt({ KeyId: key.Arn, Plaintext: bytes(1) }, outsider))).toBe("AccessDeniedException")
      const grant = {
        Version: "2012-10-17",
        Statement: [
          { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kms:*", Resource: "*" },
          { Effect: "Allow", Principal: { AWS: outsider.accountId }, Action: ["kms:Encrypt", "kms:Decrypt", "kms:DisableKey"], Resource: "*" }
        ]
      }
      yield* kms.putKeyPolicy({ KeyId: key.KeyId, Policy: JSON.stringify(grant) }, caller)
      const { CiphertextBlob } = yield* kms.encrypt({ KeyId: key.Arn, Plaintext: bytes(4) }, outsider)
      expect((yield* kms.decrypt({ CiphertextBlob }, outsider)).Plaintext).toEqual(bytes(4))
      expect(yield* outcome(kms.disableKey({ KeyId: key.Arn }, outsider))).toBe("NotFoundException")
      expect((yield* kms.listKeys({}, outsider)).Keys).toEqual([])
    }).pipe(Effect.provide(kmsLayer())))

  it.effect("a policy that denies a principal is enforced; the lockout safety check guards PutKeyPolicy", () =>
    Effect.gen(function* () {
      const kms = yield* KmsSim
      const key = yield* newKey()
      const denyAlice = {
        Statement: [
          { Effect: "Allow", Principal: { AWS: ACCOUNT }, Action: "kms:*", Resource: "*" },
          { Effect: "Deny", Principal: { AWS: alice.principalArn }, Action: "kms:Decrypt", Resource: "*" }
        ]
      }
      yield* kms.putKeyPolicy({ KeyId: key.KeyId, Policy: JSON.stringify(denyAlice) }, caller)
      const { CiphertextBlob } = yield* kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes(1) }, alice)
      const denied = yield* failure(kms.decrypt({ CiphertextBlob }, alice))
      expect(denied.message).toContain("with an explicit deny in a resource-based policy")
      expect((yield* kms.decrypt({ CiphertextBlob }, caller)).Plaintext).toEqual(bytes(1))

      const lockout = JSON.stringify({ Statement: [{ Effect: "Allow", Principal: { AWS: ACCOUNT }, Action: ["kms:Decrypt", "kms:GetKeyPolicy"], Resource: "*" }] })
      const refused = yield* failure(kms.putKeyPolicy({ KeyId: key.KeyId, Policy: lockout }, caller))
      expect([refused._tag, refused.message]).toEqual([
        "MalformedPolicyDocumentException",
        "The new key policy will not allow you to update the key policy in the future."
      ])
      expect(yield* outcome(kms.putKeyPolicy({ KeyId: key.KeyId, Policy: "{" }, caller))).toBe("MalformedPolicyDocumentException")
      expect(yield* outcome(kms.putKeyPolicy({ KeyId: key.KeyId, Policy: lockout, PolicyName: "other" }, caller))).toBe("ValidationException")
      yield* kms.putKeyPolicy({ KeyId: key.KeyId, Policy: lockout, BypassPolicyLockoutSafetyCheck: true }, caller)
      expect((yield* kms.getKeyPolicy({ KeyId: key.KeyId }, caller))).toEqual({ Policy: lockout, PolicyName: "default" })
      expect(yield* outcome(kms.disableKey({ KeyId: key.KeyId }, caller))).toBe("AccessDeniedException")
      expect(yield* outcome(kms.createKey({ Policy: lockout }, caller))).toBe("MalformedPolicyDocumentException")
    }).pipe(Effect.provide(kmsLayer())))
})

describe("KmsSim tags, listing, usage", () => {
  it.effect("tags: add, replace, remove; aws: is reserved; at most 50", () =>
    Effect.gen(function* () {
      const kms = yield* KmsSim
      const key = (yield* kms.createKey({ Tags: [{ TagKey: "team", TagValue: "a" }] }, caller)).KeyMetadata
      yield* kms.tagResource({ KeyId: key.KeyId, Tags: [{ TagKey: "team", TagValue: "b" }, { TagKey: "env", TagValue: "dev" }] }, caller)
      expect((yield* kms.listResourceTags({ KeyId: key.KeyId }, caller)).Tags).toEqual([
        { TagKey: "team", TagValue: "b" },
        { TagKey: "env", TagValue: "dev" }
      ])
      yield* kms.untagResource({ KeyId: key.KeyId, TagKeys: ["team", "absent"] }, caller)
      expect((yield* kms.listResourceTags({ KeyId: key.KeyId }, caller)).Tags).toEqual([{ TagKey: "env", TagValue: "dev" }])
      expect(yield* outcome(kms.tagResource({ KeyId: key.KeyId, Tags: [{ TagKey: "aws:x", TagValue: "" }] }, caller))).toBe("TagException")
      const many = Array.from({ length: 50 }, (_, i) => ({ TagKey: `k${i}`, TagValue: "" }))
      expect(yield* outcome(kms.tagResource({ KeyId: key.KeyId, Tags: many }, caller))).toBe("LimitExceededException")
      const page = yield* kms.listResourceTags({ KeyId: key.KeyId, Limit: 1 }, caller)
      expect([page.Tags.length, page.Truncated]).toEqual([1, false])
    }).pipe(Effect.provide(kmsLayer())))

  it.effect("ListKeys pages with markers; a forged marker is InvalidMarkerException", () =>
    Effect.gen(function* () {
      const kms = yield* KmsSim
      const created = yield* Effect.forEach([1, 2, 3, 4, 5], (n) => newKey(`k${n}`))
      const first = yield* kms.listKeys({ Limit: 2 }, caller)
      expect(first.Truncated).toBe(true)
      const second = yield* kms.listKeys({ Limit: 2, Marker: first.NextMarker! }, caller)
      const third = yield* kms.listKeys({ Limit: 2, Marker: second.NextMarker! }, caller)
      expect(third.Truncated).toBe(false)
      expect([...first.Keys, ...second.Keys, ...third.Keys].map((k) => k.KeyArn)).toEqual(created.map((k) => k.Arn))
      expect(yield* outcome(kms.listKeys({ Marker: "nonsense" }, caller))).toBe("InvalidMarkerException")
    }).pipe(Effect.provide(kmsLayer())))

  it.effect("counts successful requests per key and operation; checkKeyForUse is not counted", () =>
    Effect.gen(function* () {
      const kms = yield* KmsSim
      const key = yield* newKey()
      for (let i = 0; i < 3; i++) yield* kms.generateDataKey({ KeyId: key.KeyId, KeySpec: "AES_256" }, caller)
      const { CiphertextBlob } = yield* kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes(1) }, caller)
      yield* kms.decrypt({ CiphertextBlob }, caller)
      yield* kms.checkKeyForUse(key.KeyId, caller, {})
      yield* kms.disableKey({ KeyId: key.KeyId }, caller)
      yield* Effect.either(kms.decrypt({ CiphertextBlob }, caller))
      const counts = Object.fromEntries((yield* kms.usage).filter((u) => u.keyArn === key.Arn).map((u) => [u.operation, u.count]))
      expect(counts).toEqual({ CreateKey: 1, GenerateDataKey: 3, Encrypt: 1, Decrypt: 1, DisableKey: 1 })
    }).pipe(Effect.provide(kmsLayer())))

  it.effect("DryRun checks everything and then answers DryRunOperationException", () =>
    Effect.gen(function* () {
      const kms = yield* KmsSim
      const key = yield* newKey()
      expect(yield* outcome(kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes(1), DryRun: true }, caller))).toBe("DryRunOperationException")
      yield* kms.disableKey({ KeyId: key.KeyId }, caller)
      expect(yield* outcome(kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes(1), DryRun: true }, caller))).toBe("DisabledException")
    }).pipe(Effect.provide(kmsLayer())))
})

describe("KmsSim concurrency and persistence", () => {
  it.effect("concurrent requests see one consistent state: one of many racing CreateAlias wins", () =>
    Effect.gen(function* () {
      const kms = yield* KmsSim
      const keys = yield* Effect.forEach([1, 2, 3, 4, 5, 6, 7, 8], (n) => newKey(`k${n}`))
      const outcomes = yield* Effect.forEach(keys, (k) => outcome(kms.createAlias({ AliasName: "alias/race", TargetKeyId: k.KeyId }, caller)), {
        concurrency: "unbounded"
      })
      expect(outcomes.filter((o) => o === "ok").length).toBe(1)
      expect(outcomes.filter((o) => o === "AlreadyExistsException").length).toBe(7)
      const blobs = yield* Effect.forEach(Array.from({ length: 40 }, (_, i) => i), (i) => kms.encrypt({ KeyId: "alias/race", Plaintext: bytes(i) }, caller), {
        concurrency: "unbounded"
      })
      const opened = yield* Effect.forEach(blobs, (b) => kms.decrypt({ CiphertextBlob: b.CiphertextBlob }, caller), { concurrency: "unbounded" })
      expect(opened.map((o) => o.Plaintext[0])).toEqual(Array.from({ length: 40 }, (_, i) => i))
    }).pipe(Effect.provide(kmsLayer())))

  it.effect("a new simulator over the same store sees every key and alias and decrypts old ciphertexts", () =>
    Effect.gen(function* () {
      const store = yield* makeMemory
      const deps = Layer.mergeAll(layerNoble, layerNodeRsa, layerSeeded(3), RootKey.layer(rootKeyBytes), Layer.succeed(KeyStore, store))
      const first = yield* Effect.provide(KmsSim, simLayer({ region: REGION }).pipe(Layer.provide(deps)))
      const key = (yield* first.createKey({}, caller)).KeyMetadata
      yield* first.createAlias({ AliasName: "alias/kept", TargetKeyId: key.KeyId }, caller)
      yield* first.rotateKeyOnDemand({ KeyId: key.KeyId }, caller)
      const { CiphertextBlob } = yield* first.encrypt({ KeyId: "alias/kept", Plaintext: bytes(42) }, caller)
      const second = yield* Effect.provide(KmsSim, simLayer({ region: REGION }).pipe(Layer.provide(deps)))
      expect((yield* second.decrypt({ CiphertextBlob }, caller)).Plaintext).toEqual(bytes(42))
      expect((yield* second.describeKey({ KeyId: "alias/kept" }, caller)).KeyMetadata).toEqual(
        (yield* first.describeKey({ KeyId: key.KeyId }, caller)).KeyMetadata
      )
      const wrongRoot = Layer.mergeAll(layerNoble, layerNodeRsa, layerSeeded(3), RootKey.layer(new Uint8Array(32)), Layer.succeed(KeyStore, store))
      // Another root key is refused before any key is used (RootKey.verifyAgainstStore).
      expect(yield* outcome(Effect.provide(KmsSim, simLayer({ region: REGION }).pipe(Layer.provide(wrongRoot))))).toBe(
        "KeyStoreRootKeyMismatch"
      )
    }))

  it.effect("a store failure is KMSInternalException and changes nothing", () =>
    Effect.gen(function* () {
      const memory = yield* makeMemory
      let failing = false
      const flaky = Layer.succeed(KeyStore, {
        ...memory,
        putKey: (key) => (failing ? Effect.fail(new KeyStoreFailure({ message: "disk full" })) : memory.putKey(key))
      })
      const deps = Layer.mergeAll(layerNoble, layerNodeRsa, layerSeeded(4), RootKey.layer(rootKeyBytes), flaky)
      const kms = yield* Effect.provide(KmsSim, simLayer({ region: REGION }).pipe(Layer.provide(deps)))
      const key = (yield* kms.createKey({}, caller)).KeyMetadata
      failing = true
      const error = yield* failure(kms.disableKey({ KeyId: key.KeyId }, caller))
      expect([error._tag, error.message]).toEqual(["KMSInternalException", "The key store failed: disk full"])
      expect((yield* kms.describeKey({ KeyId: key.KeyId }, caller)).KeyMetadata.KeyState).toBe("Enabled")
    }))
})

describe("KmsSim with the default memory store layer", () => {
  it.effect("loads an empty store", () =>
    Effect.gen(function* () {
      const kms = yield* KmsSim
      expect(yield* kms.listKeys({}, caller)).toEqual({ Keys: [], Truncated: false })
    }).pipe(Effect.provide(simLayer({ region: REGION }).pipe(Layer.provide(Layer.mergeAll(layerNoble, layerNodeRsa, layerSeeded(5), RootKey.layer(rootKeyBytes), layerMemory))))))
})

describe("KmsSim members the simulator cannot honour", () => {
  it.effect("a Recipient (Nitro Enclaves) is refused, never answered in the clear; a CustomKeyStoreId names no store", () =>
    Effect.gen(function* () {
      const kms = yield* KmsSim
      const key = (yield* kms.createKey({}, caller)).KeyMetadata
      const Recipient = { KeyEncryptionAlgorithm: "RSAES_OAEP_SHA_256", AttestationDocument: Uint8Array.of(1, 2) }
      const { CiphertextBlob } = yield* kms.encrypt({ KeyId: key.KeyId, Plaintext: Uint8Array.of(1) }, caller)
      expect(yield* outcome(kms.generateDataKey({ KeyId: key.KeyId, KeySpec: "AES_256", Recipient }, caller))).toBe("UnsupportedOperationException")
      expect(yield* outcome(kms.decrypt({ CiphertextBlob, Recipient }, caller))).toBe("UnsupportedOperationException")
      expect(yield* outcome(kms.generateRandom({ NumberOfBytes: 8, Recipient }, caller))).toBe("UnsupportedOperationException")
      const store = yield* failure(kms.generateRandom({ NumberOfBytes: 8, CustomKeyStoreId: "cks-1234567890abcdef0" }, caller))
      expect([store._tag, store.message]).toEqual(["CustomKeyStoreNotFoundException", "Custom key store cks-1234567890abcdef0 does not exist."])
      expect(yield* outcome(kms.createKey({ CustomKeyStoreId: "cks-1234567890abcdef0" }, caller))).toBe("CustomKeyStoreNotFoundException")
      expect(yield* outcome(kms.createKey({ XksKeyId: "ext-key" }, caller))).toBe("ValidationException")
      // Without them, the same requests succeed.
      expect((yield* kms.generateRandom({ NumberOfBytes: 8 }, caller)).Plaintext.length).toBe(8)
      expect((yield* kms.decrypt({ CiphertextBlob }, caller)).Plaintext).toEqual(Uint8Array.of(1))
    }).pipe(Effect.provide(kmsLayer())))
})

describe("KmsSim DryRunModifiers", () => {
  it.effect("IGNORE_CIPHERTEXT: Decrypt and ReEncrypt dry runs check the named keys and permissions, not the ciphertext", () =>
    Effect.gen(function* () {
      const kms = yield* KmsSim
      const key = (yield* kms.createKey({}, caller)).KeyMetadata
      const other = (yield* kms.createKey({}, caller)).KeyMetadata
      const garbage = Uint8Array.of(9, 9, 9)
      const modifiers = { DryRun: true, DryRunModifiers: ["IGNORE_CIPHERTEXT" as const] }
      expect(yield* outcome(kms.decrypt({ CiphertextBlob: garbage, KeyId: key.KeyId, ...modifiers }, caller))).toBe("DryRunOperationException")
      expect(yield* outcome(kms.decrypt({ CiphertextBlob: garbage, KeyId: key.KeyId, DryRun: true }, caller))).toBe("InvalidCiphertextException")
      // Without a KeyId the key can only come from the ciphertext.
      expect(yield* outcome(kms.decrypt({ CiphertextBlob: garbage, ...modifiers }, caller))).toBe("InvalidCiphertextException")
      expect(yield* outcome(kms.decrypt({ CiphertextBlob: garbage, KeyId: key.Arn, ...modifiers }, outsider))).toBe("AccessDeniedException")
      const reEncrypt = { CiphertextBlob: garbage, SourceKeyId: key.KeyId, DestinationKeyId: other.KeyId }
      expect(yield* outcome(kms.reEncrypt({ ...reEncrypt, ...modifiers }, caller))).toBe("DryRunOperationException")
      expect(yield* outcome(kms.reEncrypt({ ...reEncrypt, DryRun: true }, caller))).toBe("InvalidCiphertextException")
      yield* kms.disableKey({ KeyId: other.KeyId }, caller)
      expect(yield* outcome(kms.reEncrypt({ ...reEncrypt, ...modifiers }, caller))).toBe("DisabledException")
    }).pipe(Effect.provide(kmsLayer())))
})
