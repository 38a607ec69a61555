import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { constants, createPrivateKey, createPublicKey, privateDecrypt, publicEncrypt, sign, verify } from "node:crypto"
import type * as Key from "../src/Key.js"
import * as Blob from "../src/CiphertextBlob.js"
import { KmsSim } from "../src/KmsSim.js"
import { caller, failure, kmsLayer, outcome, outsider } from "./support.js"

const bob = { accountId: outsider.accountId, principalArn: `arn:aws:iam::${outsider.accountId}:user/bob` }
const text = (s: string) => new TextEncoder().encode(s)

const createKey = (KeySpec: Key.KeySpec = "SYMMETRIC_DEFAULT", KeyUsage: Key.KeyUsage = "ENCRYPT_DECRYPT") =>
  Effect.flatMap(KmsSim, (kms) => Effect.map(kms.createKey({ KeySpec, KeyUsage }, caller), (r) => r.KeyMetadata))

const der = (bytes: Uint8Array) => Buffer.from(bytes)

describe("ReEncrypt with RSA keys", () => {
  it.effect("moves a ciphertext symmetric → RSA → RSA → symmetric; each hop opens with the next key only", () =>
    Effect.gen(function* () {
      const kms = yield* KmsSim
      const symmetric = yield* createKey()
      const rsaA = yield* createKey("RSA_2048")
      const rsaB = yield* createKey("RSA_3072")
      const plaintext = text("moved between keys")
      const context = { purpose: "re-encrypt" }
      const start = yield* kms.encrypt({ KeyId: symmetric.KeyId, Plaintext: plaintext, EncryptionContext: context }, caller)

      const toRsa = yield* kms.reEncrypt({
        CiphertextBlob: start.CiphertextBlob,
        SourceEncryptionContext: context,
        DestinationKeyId: rsaA.KeyId,
        DestinationEncryptionAlgorithm: "RSAES_OAEP_SHA_256"
      }, caller)
      expect([toRsa.SourceKeyId, toRsa.KeyId, toRsa.SourceEncryptionAlgorithm, toRsa.DestinationEncryptionAlgorithm]).toEqual([
        symmetric.Arn,
        rsaA.Arn,
        "SYMMETRIC_DEFAULT",
        "RSAES_OAEP_SHA_256"
      ])
      expect(toRsa.CiphertextBlob.length).toBe(256)
      const opened = yield* kms.decrypt({ CiphertextBlob: toRsa.CiphertextBlob, KeyId: rsaA.KeyId, EncryptionAlgorithm: "RSAES_OAEP_SHA_256" }, caller)
      expect(opened.Plaintext).toEqual(plaintext)

      const rsaToRsa = yield* kms.reEncrypt({
        CiphertextBlob: toRsa.CiphertextBlob,
        SourceKeyId: rsaA.Arn,
        SourceEncryptionAlgorithm: "RSAES_OAEP_SHA_256",
        DestinationKeyId: rsaB.KeyId,
        DestinationEncryptionAlgorithm: "RSAES_OAEP_SHA_1"
      }, caller)
      expect([rsaToRsa.SourceKeyId, rsaToRsa.KeyId, rsaToRsa.SourceEncryptionAlgorithm, rsaToRsa.DestinationEncryptionAlgorithm]).toEqual([
        rsaA.Arn,
        rsaB.Arn,
        "RSAES_OAEP_SHA_256",
        "RSAES_OAEP_SHA_1"
      ])
      expect(rsaToRsa.CiphertextBlob.length).toBe(384)

      const back = yield* kms.reEncrypt({
        CiphertextBlob: rsaToRsa.CiphertextBlob,
        SourceKeyId: rsaB.KeyId,
        SourceEncryptionAlgorithm: "RSAES_OAEP_SHA_1",
        DestinationKeyId: symmetric.KeyId,
        DestinationEncryptionContext: { other: "context" }
      }, caller)
      expect([back.SourceEncryptionAlgorithm, back.DestinationEncryptionAlgorithm]).toEqual(["RSAES_OAEP_SHA_1", "SYMMETRIC_DEFAULT"])
      expect((yield* kms.decrypt({ CiphertextBlob: back.CiphertextBlob, EncryptionContext: { other: "context" } }, caller)).Plaintext).toEqual(
        plaintext
      )
      expect(yield* outcome(kms.decrypt({ CiphertextBlob: back.CiphertextBlob, EncryptionContext: context }, caller))).toBe(
        "InvalidCiphertextException"
      )
    }).pipe(Effect.provide(kmsLayer())), 60_000)

  it.effect("opens what anyone encrypted outside with GetPublicKey's key", () =>
    Effect.gen(function* () {
      const kms = yield* KmsSim
      const rsa = yield* createKey("RSA_2048")
      const symmetric = yield* createKey()
      const { PublicKey } = yield* kms.getPublicKey({ KeyId: rsa.KeyId }, caller)
      const outside = publicEncrypt(
        { key: createPublicKey({ key: der(PublicKey), format: "der", type: "spki" }), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha1" },
        text("from outside")
      )
      const moved = yield* kms.reEncrypt({
        CiphertextBlob: Uint8Array.from(outside),
        SourceKeyId: rsa.KeyId,
        SourceEncryptionAlgorithm: "RSAES_OAEP_SHA_1",
        DestinationKeyId: symmetric.KeyId
      }, caller)
      expect((yield* kms.decrypt({ CiphertextBlob: moved.CiphertextBlob }, caller)).Plaintext).toEqual(text("from outside"))
    }).pipe(Effect.provide(kmsLayer())), 60_000)

  it.effect("refusals: missing or wrong algorithms, a context with an RSA key, a plaintext too long, a wrong source, usage, state", () =>
    Effect.gen(function* () {
      const kms = yield* KmsSim
      const symmetric = yield* createKey()
      const rsa = yield* createKey("RSA_2048")
      const signing = yield* createKey("RSA_2048", "SIGN_VERIFY")
      const long = yield* kms.encrypt({ KeyId: symmetric.KeyId, Plaintext: new Uint8Array(215) }, caller)
      const short = yield* kms.encrypt({ KeyId: symmetric.KeyId, Plaintext: new Uint8Array(10) }, caller)
      const toRsa = (blob: Uint8Array, DestinationEncryptionAlgorithm?: string, DestinationEncryptionContext?: Record<string, string>) =>
        kms.reEncrypt({
          CiphertextBlob: blob,
          DestinationKeyId: rsa.KeyId,
          ...(DestinationEncryptionAlgorithm === undefined ? {} : { DestinationEncryptionAlgorithm }),
          ...(DestinationEncryptionContext === undefined ? {} : { DestinationEncryptionContext })
        }, caller)
      const noAlgorithm = yield* failure(toRsa(short.CiphertextBlob))
      expect([noAlgorithm._tag, noAlgorithm.message]).toEqual(["InvalidKeyUsageException", "Algorithm SYMMETRIC_DEFAULT is incompatible with key spec RSA_2048."])
      expect(yield* outcome(toRsa(short.CiphertextBlob, "RSAES_OAEP_SHA_1", { a: "b" }))).toBe("ValidationException")
      // 215 bytes exceed RSA_2048's 214-byte RSAES_OAEP_SHA_1 limit.
      expect(yield* outcome(toRsa(long.CiphertextBlob, "RSAES_OAEP_SHA_1"))).toBe("ValidationException")
      // OAEP output is random: one whose first byte happens to be a blob format version reads as a
      // symmetric blob naming some other key id (NotFoundException), so take one that does not.
      let encrypted: { readonly CiphertextBlob: Uint8Array }
      do {
        encrypted = yield* toRsa(short.CiphertextBlob, "RSAES_OAEP_SHA_1")
      } while (encrypted.CiphertextBlob[0] === Blob.FORMAT_VERSION || encrypted.CiphertextBlob[0] === Blob.FORMAT_VERSION_MULTI_REGION)
      // An RSA ciphertext names no key: without SourceKeyId it is read as a symmetric blob.
      expect(yield* outcome(kms.reEncrypt({ CiphertextBlob: encrypted.CiphertextBlob, DestinationKeyId: symmetric.KeyId }, caller))).toBe(
        "InvalidCiphertextException"
      )
      // The wrong algorithm does not decrypt.
      expect(yield* outcome(kms.reEncrypt({
        CiphertextBlob: encrypted.CiphertextBlob,
        SourceKeyId: rsa.KeyId,
        SourceEncryptionAlgorithm: "RSAES_OAEP_SHA_256",
        DestinationKeyId: symmetric.KeyId
      }, caller))).toBe("InvalidCiphertextException")
      const signingUse = yield* failure(kms.reEncrypt({ CiphertextBlob: short.CiphertextBlob, DestinationKeyId: signing.KeyId }, caller))
      expect(signingUse.message).toBe(`${signing.Arn} key usage is SIGN_VERIFY which is not valid for ReEncrypt.`)
      // DryRun stops after every check on both keys.
      expect(yield* outcome(kms.reEncrypt({
        CiphertextBlob: encrypted.CiphertextBlob,
        SourceKeyId: rsa.KeyId,
        SourceEncryptionAlgorithm: "RSAES_OAEP_SHA_1",
        DestinationKeyId: symmetric.KeyId,
        DryRun: true
      }, caller))).toBe("DryRunOperationException")
      yield* kms.disableKey({ KeyId: rsa.KeyId }, caller)
      expect(yield* outcome(toRsa(short.CiphertextBlob, "RSAES_OAEP_SHA_1"))).toBe("DisabledException")
    }).pipe(Effect.provide(kmsLayer())), 60_000)

  it.effect("needs kms:ReEncryptFrom on the source and kms:ReEncryptTo on the destination, from the policy or a grant", () =>
    Effect.gen(function* () {
      const kms = yield* KmsSim
      const source = yield* createKey()
      const destination = yield* createKey("RSA_2048")
      const { CiphertextBlob } = yield* kms.encrypt({ KeyId: source.KeyId, Plaintext: text("x"), EncryptionContext: { k: "v" } }, caller)
      const request = {
        CiphertextBlob,
        SourceEncryptionContext: { k: "v" },
        DestinationKeyId: destination.Arn,
        DestinationEncryptionAlgorithm: "RSAES_OAEP_SHA_256"
      }
      const first = yield* failure(kms.reEncrypt(request, bob))
      expect(first.message).toContain("kms:ReEncryptFrom")
      yield* kms.createGrant({
        KeyId: source.KeyId,
        GranteePrincipal: bob.principalArn,
        Operations: ["ReEncryptFrom"],
        Constraints: { EncryptionContextEquals: { k: "v" } }
      }, caller)
      const second = yield* failure(kms.reEncrypt(request, bob))
      expect(second.message).toContain("kms:ReEncryptTo")
      yield* kms.createGrant({ KeyId: destination.KeyId, GranteePrincipal: bob.principalArn, Operations: ["ReEncryptTo"] }, caller)
      const moved = yield* kms.reEncrypt(request, bob)
      expect(moved.KeyId).toBe(destination.Arn)
      expect(yield* outcome(kms.reEncrypt({ ...request, SourceEncryptionContext: { k: "other" } }, bob))).toBe("AccessDeniedException")
    }).pipe(Effect.provide(kmsLayer())), 60_000)
})

describe("GenerateDataKeyPair", () => {
  const specs = ["ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521", "ECC_SECG_P256K1", "RSA_2048"] as const

  it.effect("every spec: PKCS #8 and SubjectPublicKeyInfo that node:crypto reads as one pair; Decrypt opens the sealed private key", () =>
    Effect.gen(function* () {
      const kms = yield* KmsSim
      const wrapping = yield* createKey()
      const context = { pair: "yes" }
      for (const KeyPairSpec of specs) {
        const pair = yield* kms.generateDataKeyPair({ KeyId: wrapping.KeyId, KeyPairSpec, EncryptionContext: context }, caller)
        expect([pair.KeyId, pair.KeyPairSpec]).toEqual([wrapping.Arn, KeyPairSpec])
        const privateKey = createPrivateKey({ key: der(pair.PrivateKeyPlaintext), format: "der", type: "pkcs8" })
        const publicKey = createPublicKey({ key: der(pair.PublicKey), format: "der", type: "spki" })
        expect(createPublicKey(privateKey).export({ type: "spki", format: "der" }), KeyPairSpec).toEqual(der(pair.PublicKey))
        if (KeyPairSpec.startsWith("ECC_")) {
          expect(privateKey.asymmetricKeyDetails?.namedCurve).toBe(
            { ECC_NIST_P256: "prime256v1", ECC_NIST_P384: "secp384r1", ECC_NIST_P521: "secp521r1", ECC_SECG_P256K1: "secp256k1" }[
              KeyPairSpec as "ECC_NIST_P256"
            ]
          )
          // node:crypto writes the same PKCS #8 bytes for the key it read.
          expect(privateKey.export({ type: "pkcs8", format: "der" }), KeyPairSpec).toEqual(der(pair.PrivateKeyPlaintext))
          const signature = sign("sha256", text("signed"), privateKey)
          expect(verify("sha256", text("signed"), publicKey, signature)).toBe(true)
        } else {
          expect(privateKey.asymmetricKeyDetails?.modulusLength).toBe(2048)
          const sealed = publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING }, text("to the pair"))
          expect(privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING }, sealed)).toEqual(Buffer.from("to the pair"))
        }
        const opened = yield* kms.decrypt({ CiphertextBlob: pair.PrivateKeyCiphertextBlob, EncryptionContext: context }, caller)
        expect(opened.Plaintext).toEqual(pair.PrivateKeyPlaintext)
        expect(yield* outcome(kms.decrypt({ CiphertextBlob: pair.PrivateKeyCiphertextBlob }, caller))).toBe("InvalidCiphertextException")
      }
      const twice = yield* kms.generateDataKeyPair({ KeyId: wrapping.KeyId, KeyPairSpec: "ECC_NIST_P256" }, caller)
      const again = yield* kms.generateDataKeyPair({ KeyId: wrapping.KeyId, KeyPairSpec: "ECC_NIST_P256" }, caller)
      expect(twice.PublicKey).not.toEqual(again.PublicKey)
    }).pipe(Effect.provide(kmsLayer())), 60_000)

  it.effect("WithoutPlaintext answers no private key in the clear; the sealed one opens to a key of the public key", () =>
    Effect.gen(function* () {
      const kms = yield* KmsSim
      const wrapping = yield* createKey()
      const pair = yield* kms.generateDataKeyPairWithoutPlaintext({ KeyId: wrapping.KeyId, KeyPairSpec: "ECC_NIST_P384" }, caller)
      expect(Object.keys(pair).sort()).toEqual(["KeyId", "KeyPairSpec", "PrivateKeyCiphertextBlob", "PublicKey"])
      const opened = yield* kms.decrypt({ CiphertextBlob: pair.PrivateKeyCiphertextBlob }, caller)
      const privateKey = createPrivateKey({ key: der(opened.Plaintext), format: "der", type: "pkcs8" })
      expect(createPublicKey(privateKey).export({ type: "spki", format: "der" })).toEqual(der(pair.PublicKey))
      expect((yield* kms.usage).filter((u) => u.keyArn === wrapping.Arn).map((u) => [u.operation, u.count])).toContainEqual([
        "GenerateDataKeyPairWithoutPlaintext",
        1
      ])
    }).pipe(Effect.provide(kmsLayer())))

  it.effect("refusals: an asymmetric or HMAC wrapping key, a disabled key, SM2, a Recipient, DryRun, no permission", () =>
    Effect.gen(function* () {
      const kms = yield* KmsSim
      const wrapping = yield* createKey()
      const rsa = yield* createKey("RSA_2048")
      const hmac = yield* createKey("HMAC_256", "GENERATE_VERIFY_MAC")
      const asymmetric = yield* failure(kms.generateDataKeyPair({ KeyId: rsa.KeyId, KeyPairSpec: "ECC_NIST_P256" }, caller))
      expect([asymmetric._tag, asymmetric.message]).toEqual([
        "InvalidKeyUsageException",
        `${rsa.Arn} key spec is RSA_2048 which is not valid for GenerateDataKeyPair.`
      ])
      const mac = yield* failure(kms.generateDataKeyPairWithoutPlaintext({ KeyId: hmac.KeyId, KeyPairSpec: "ECC_NIST_P256" }, caller))
      expect(mac.message).toBe(`${hmac.Arn} key usage is GENERATE_VERIFY_MAC which is not valid for GenerateDataKeyPairWithoutPlaintext.`)
      expect(yield* outcome(kms.generateDataKeyPair({ KeyId: wrapping.KeyId, KeyPairSpec: "SM2" }, caller))).toBe("UnsupportedOperationException")
      expect(yield* outcome(kms.generateDataKeyPair({
        KeyId: wrapping.KeyId,
        KeyPairSpec: "ECC_NIST_P256",
        Recipient: { KeyEncryptionAlgorithm: "RSAES_OAEP_SHA_256", AttestationDocument: Uint8Array.of(1) }
      }, caller))).toBe("UnsupportedOperationException")
      expect(yield* outcome(kms.generateDataKeyPair({ KeyId: wrapping.KeyId, KeyPairSpec: "RSA_4096", DryRun: true }, caller))).toBe(
        "DryRunOperationException"
      )
      expect(yield* outcome(kms.generateDataKeyPair({ KeyId: wrapping.Arn, KeyPairSpec: "ECC_NIST_P256" }, bob))).toBe("AccessDeniedException")
      yield* kms.createGrant({ KeyId: wrapping.KeyId, GranteePrincipal: bob.principalArn, Operations: ["GenerateDataKeyPair"] }, caller)
      expect((yield* kms.generateDataKeyPair({ KeyId: wrapping.Arn, KeyPairSpec: "ECC_NIST_P256" }, bob)).KeyId).toBe(wrapping.Arn)
      expect(yield* outcome(kms.generateDataKeyPairWithoutPlaintext({ KeyId: wrapping.Arn, KeyPairSpec: "ECC_NIST_P256" }, bob))).toBe(
        "AccessDeniedException"
      )
      yield* kms.disableKey({ KeyId: wrapping.KeyId }, caller)
      expect(yield* outcome(kms.generateDataKeyPair({ KeyId: wrapping.KeyId, KeyPairSpec: "ECC_NIST_P256" }, caller))).toBe("DisabledException")
    }).pipe(Effect.provide(kmsLayer())), 60_000)
})
