import { describe, expect, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import * as fc from "fast-check"
import { kmsErrorTags } from "@sealcast/kms-sim/Errors"
import { KmsSim } from "@sealcast/kms-sim/KmsSim"
import { isOperationName, operations } from "../../src/kms/Operations.js"
import { caller, failure, kmsLayer } from "./support.js"

const handle = (name: keyof typeof operations, json: unknown) =>
  Effect.flatMap(KmsSim, (kms) => operations[name].handle(kms, json, caller))

const validationMessage = (name: keyof typeof operations, json: unknown) =>
  Effect.map(failure(handle(name, json)), (e) => [e._tag, e.message])

describe("Operations (wire JSON in, wire JSON out)", () => {
  it("routes every operation the simulator offers", () => {
    expect(Object.keys(operations).sort()).toEqual(
      [
        "CancelKeyDeletion", "CreateAlias", "CreateKey", "Decrypt", "DeleteAlias", "DescribeKey", "DisableKey",
        "DisableKeyRotation", "EnableKey", "EnableKeyRotation", "Encrypt", "GenerateDataKey",
        "GenerateDataKeyWithoutPlaintext", "GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext", "GenerateRandom", "GetKeyPolicy", "GetKeyRotationStatus", "ListAliases", "ListKeyPolicies", "ListKeyRotations",
        "ListKeys", "ListResourceTags", "PutKeyPolicy", "ReEncrypt", "RotateKeyOnDemand", "ScheduleKeyDeletion",
        "TagResource", "UntagResource", "UpdateAlias", "UpdateKeyDescription", "ReplicateKey", "UpdatePrimaryRegion",
        "CreateGrant", "ListGrants", "ListRetirableGrants", "RetireGrant", "RevokeGrant",
        "GetPublicKey", "Sign", "Verify", "GenerateMac", "VerifyMac"
      ].sort()
    )
    expect(isOperationName("Decrypt")).toBe(true)
    expect(isOperationName("toString")).toBe(false)
    expect(new Set(kmsErrorTags).size).toBe(kmsErrorTags.length)
  })

  it.effect("the SDK's GenerateDataKey and Decrypt bodies round-trip: base64 in, base64 out, epoch seconds", () =>
    Effect.gen(function* () {
      const created = (yield* handle("CreateKey", {})) as { KeyMetadata: { KeyId: string; CreationDate: number } }
      expect(typeof created.KeyMetadata.CreationDate).toBe("number")
      yield* handle("CreateAlias", { AliasName: "alias/my-key", TargetKeyId: created.KeyMetadata.KeyId })
      // The body of transport-http/test/vectors/wire-captures/03-kms-GenerateDataKey.txt.
      const generated = (yield* handle("GenerateDataKey", { KeyId: "alias/my-key", EncryptionContext: { tenant: "t1" }, KeySpec: "AES_256" })) as {
        CiphertextBlob: string
        Plaintext: string
        KeyId: string
      }
      expect(typeof generated.CiphertextBlob).toBe("string")
      expect(Schema.decodeSync(Schema.Uint8ArrayFromBase64)(generated.Plaintext).length).toBe(32)
      const decrypted = (yield* handle("Decrypt", { CiphertextBlob: generated.CiphertextBlob, EncryptionContext: { tenant: "t1" }, KeyId: "alias/my-key" })) as {
        Plaintext: string
        KeyId: string
      }
      expect(decrypted).toEqual({ KeyId: generated.KeyId, Plaintext: generated.Plaintext, EncryptionAlgorithm: "SYMMETRIC_DEFAULT" })
      // The body of transport-http/test/vectors/wire-captures/04-kms-Decrypt.txt: a 4-byte blob is no ciphertext of ours.
      expect((yield* failure(handle("Decrypt", { CiphertextBlob: "3q2+7w==", EncryptionContext: { tenant: "t1" }, KeyId: "alias/my-key" })))._tag).toBe(
        "InvalidCiphertextException"
      )
    }).pipe(Effect.provide(kmsLayer())))

  it.effect("GenerateDataKeyPair on the wire: base64 keys, the model's DataKeyPairSpec enum, KeyPairSpec required", () =>
    Effect.gen(function* () {
      const created = (yield* handle("CreateKey", {})) as { KeyMetadata: { KeyId: string; Arn: string } }
      const pair = (yield* handle("GenerateDataKeyPair", { KeyId: created.KeyMetadata.KeyId, KeyPairSpec: "ECC_NIST_P256" })) as Record<string, string>
      expect(Object.keys(pair).sort()).toEqual(["KeyId", "KeyPairSpec", "PrivateKeyCiphertextBlob", "PrivateKeyPlaintext", "PublicKey"])
      expect([pair["KeyId"], pair["KeyPairSpec"]]).toEqual([created.KeyMetadata.Arn, "ECC_NIST_P256"])
      // A P-256 SubjectPublicKeyInfo is 91 bytes.
      expect(Schema.decodeSync(Schema.Uint8ArrayFromBase64)(pair["PublicKey"]!).length).toBe(91)
      expect(yield* validationMessage("GenerateDataKeyPair", { KeyId: created.KeyMetadata.KeyId, KeyPairSpec: "ECC_NIST_P224" })).toEqual([
        "ValidationException",
        "1 validation error detected: Value 'ECC_NIST_P224' at 'keyPairSpec' failed to satisfy constraint: Member must satisfy enum value set: " +
        "[RSA_2048, RSA_3072, RSA_4096, ECC_NIST_P256, ECC_NIST_P384, ECC_NIST_P521, ECC_SECG_P256K1, SM2, ECC_NIST_EDWARDS25519]"
      ])
      expect(yield* validationMessage("GenerateDataKeyPairWithoutPlaintext", { KeyId: created.KeyMetadata.KeyId })).toEqual([
        "ValidationException",
        "1 validation error detected: Value null at 'keyPairSpec' failed to satisfy constraint: Member must not be null"
      ])
    }).pipe(Effect.provide(kmsLayer())))

  it.effect("multi-Region keys on the wire: MultiRegionConfiguration in DescribeKey; RegionType checked as the model says", () =>
    Effect.gen(function* () {
      const created = (yield* handle("CreateKey", { MultiRegion: true })) as { KeyMetadata: { KeyId: string; Arn: string } }
      const described = (yield* handle("DescribeKey", { KeyId: created.KeyMetadata.KeyId })) as { KeyMetadata: Record<string, unknown> }
      expect([described.KeyMetadata["MultiRegion"], described.KeyMetadata["MultiRegionConfiguration"]]).toEqual([
        true,
        { MultiRegionKeyType: "PRIMARY", PrimaryKey: { Arn: created.KeyMetadata.Arn, Region: "us-east-1" }, ReplicaKeys: [] }
      ])
      expect(yield* validationMessage("ReplicateKey", { KeyId: created.KeyMetadata.KeyId, ReplicaRegion: "Europe" })).toEqual([
        "ValidationException",
        "1 validation error detected: Value 'Europe' at 'replicaRegion' failed to satisfy constraint: Member must satisfy regular expression pattern: ^([a-z]+-){2,3}\\d+$"
      ])
      expect((yield* failure(handle("UpdatePrimaryRegion", { KeyId: created.KeyMetadata.KeyId, PrimaryRegion: "eu-west-1" })))._tag).toBe(
        "UnsupportedOperationException"
      )
    }).pipe(Effect.provide(kmsLayer())))

  it.effect("Sign, Verify, GenerateMac and VerifyMac on the wire: base64 blobs, the model's enums", () =>
    Effect.gen(function* () {
      const signing = (yield* handle("CreateKey", { KeySpec: "ECC_NIST_P256", KeyUsage: "SIGN_VERIFY" })) as {
        KeyMetadata: { KeyId: string; Arn: string; SigningAlgorithms: Array<string> }
      }
      expect(signing.KeyMetadata.SigningAlgorithms).toEqual(["ECDSA_SHA_256"])
      const Message = btoa("hello")
      const signed = (yield* handle("Sign", { KeyId: signing.KeyMetadata.KeyId, Message, SigningAlgorithm: "ECDSA_SHA_256" })) as {
        Signature: string
      }
      expect(yield* handle("Verify", { KeyId: signing.KeyMetadata.KeyId, Message, Signature: signed.Signature, SigningAlgorithm: "ECDSA_SHA_256" })).toEqual({
        KeyId: signing.KeyMetadata.Arn,
        SignatureValid: true,
        SigningAlgorithm: "ECDSA_SHA_256"
      })
      const publicKey = (yield* handle("GetPublicKey", { KeyId: signing.KeyMetadata.KeyId })) as { PublicKey: string; KeySpec: string }
      expect([Schema.decodeSync(Schema.Uint8ArrayFromBase64)(publicKey.PublicKey).length, publicKey.KeySpec]).toEqual([91, "ECC_NIST_P256"])
      expect(yield* validationMessage("Sign", { KeyId: "k", Message, SigningAlgorithm: "ECDSA_SHA_256", MessageType: "HASHED" })).toEqual([
        "ValidationException",
        "1 validation error detected: Value 'HASHED' at 'messageType' failed to satisfy constraint: Member must satisfy enum value set: [RAW, DIGEST]"
      ])
      const mac = (yield* handle("CreateKey", { KeySpec: "HMAC_256", KeyUsage: "GENERATE_VERIFY_MAC" })) as { KeyMetadata: { KeyId: string } }
      const made = (yield* handle("GenerateMac", { KeyId: mac.KeyMetadata.KeyId, Message, MacAlgorithm: "HMAC_SHA_256" })) as { Mac: string }
      expect(Schema.decodeSync(Schema.Uint8ArrayFromBase64)(made.Mac).length).toBe(32)
      expect(((yield* handle("VerifyMac", { KeyId: mac.KeyMetadata.KeyId, Message, Mac: made.Mac, MacAlgorithm: "HMAC_SHA_256" })) as { MacValid: boolean }).MacValid).toBe(true)
      expect(yield* validationMessage("GenerateMac", { KeyId: "k", Message: "", MacAlgorithm: "HMAC_SHA_1" })).toEqual([
        "ValidationException",
        "2 validation errors detected: Value at 'message' failed to satisfy constraint: Member must have length greater than or equal to 1; Value 'HMAC_SHA_1' at 'macAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [HMAC_SHA_224, HMAC_SHA_256, HMAC_SHA_384, HMAC_SHA_512]"
      ])
    }).pipe(Effect.provide(kmsLayer())))

  it.effect("validation failures read as AWS writes them", () =>
    Effect.gen(function* () {
      expect(yield* validationMessage("DescribeKey", { KeyId: "" })).toEqual([
        "ValidationException",
        "1 validation error detected: Value at 'keyId' failed to satisfy constraint: Member must have length greater than or equal to 1"
      ])
      expect(yield* validationMessage("DescribeKey", {})).toEqual([
        "ValidationException",
        "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null"
      ])
      expect(yield* validationMessage("GenerateDataKey", { KeyId: "k", NumberOfBytes: 2000, KeySpec: "AES_512" })).toEqual([
        "ValidationException",
        "2 validation errors detected: Value '2000' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024; Value 'AES_512' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [AES_256, AES_128]"
      ])
      expect(yield* validationMessage("Encrypt", { KeyId: "k", Plaintext: btoa("x".repeat(4097)) })).toEqual([
        "ValidationException",
        "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to 4096"
      ])
      expect(yield* validationMessage("ScheduleKeyDeletion", { KeyId: "k", PendingWindowInDays: 6 })).toEqual([
        "ValidationException",
        "1 validation error detected: Value '6' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value greater than or equal to 7"
      ])
      expect(yield* validationMessage("CreateAlias", { AliasName: "alias/bad name", TargetKeyId: "k" })).toEqual([
        "ValidationException",
        "1 validation error detected: Value 'alias/bad name' at 'aliasName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$"
      ])
      expect(yield* validationMessage("TagResource", { KeyId: "k", Tags: [{ TagKey: "a", TagValue: "" }, { TagKey: "", TagValue: "" }] })).toEqual([
        "ValidationException",
        "1 validation error detected: Value at 'tags.2.member.tagKey' failed to satisfy constraint: Member must have length greater than or equal to 1"
      ])
      expect((yield* validationMessage("Decrypt", { CiphertextBlob: 42 }))[0]).toBe("ValidationException")
    }).pipe(Effect.provide(kmsLayer())))

  it.effect("CreateGrant on the wire: an unknown operation is AWS's enum ValidationException; a grant lists back", () =>
    Effect.gen(function* () {
      const created = (yield* handle("CreateKey", {})) as { KeyMetadata: { KeyId: string; Arn: string } }
      const bad = yield* Effect.flip(
        handle("CreateGrant", { KeyId: created.KeyMetadata.KeyId, GranteePrincipal: "arn:aws:iam::111111111111:root", Operations: ["Fly"] })
      )
      expect(bad._tag).toBe("ValidationException")
      expect(bad.message).toContain("Value 'Fly' at 'operations.1.member' failed to satisfy constraint: Member must satisfy enum value set")
      const grant = (yield* handle("CreateGrant", {
        KeyId: created.KeyMetadata.KeyId,
        GranteePrincipal: "arn:aws:iam::111111111111:root",
        Operations: ["Decrypt"],
        Constraints: { EncryptionContextEquals: { a: "b" } }
      })) as { GrantId: string; GrantToken: string }
      const listed = (yield* handle("ListGrants", { KeyId: created.KeyMetadata.Arn })) as { Grants: Array<Record<string, unknown>> }
      expect(listed.Grants).toEqual([
        expect.objectContaining({ GrantId: grant.GrantId, Constraints: { EncryptionContextEquals: { a: "b" } }, Operations: ["Decrypt"] })
      ])
      expect(typeof listed.Grants[0]!["CreationDate"]).toBe("number")
    }).pipe(Effect.provide(kmsLayer())))

  it.effect("never throws or dies on arbitrary JSON: every failure is a typed KMS error", () =>
    Effect.gen(function* () {
      const kms = yield* KmsSim
      const names = Object.keys(operations) as Array<keyof typeof operations>
      const run = Effect.runPromiseExit
      yield* Effect.promise(() =>
        fc.assert(
          fc.asyncProperty(fc.constantFrom(...names), fc.jsonValue(), async (name, json) => {
            const exit = await run(operations[name].handle(kms, json, caller))
            if (exit._tag === "Failure") {
              expect(exit.cause._tag).toBe("Fail")
              if (exit.cause._tag === "Fail") expect(kmsErrorTags).toContain(exit.cause.error._tag)
            }
          }),
          { numRuns: 300 }
        )
      )
    }).pipe(Effect.provide(kmsLayer())))
})
