/**
 * HMAC and asymmetric KMS keys through the unmodified @aws-sdk/client-kms against a live broker
 * (packages/kms-sim/README.md, "HMAC and asymmetric keys"): each kind created with the algorithms
 * DescribeKey lists, signatures checked outside with node:crypto and GetPublicKey's key, RSA
 * encryption both ways, MACs, and each refusal as the SDK's own error class. An RSA key still cannot
 * protect a topic (docs/SEMANTICS.md §5).
 */
import {
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  EnableKeyRotationCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateMacCommand,
  GetPublicKeyCommand,
  InvalidKeyUsageException,
  KMSInvalidMacException,
  KMSInvalidSignatureException,
  type KeySpec,
  type KeyUsageType,
  SignCommand,
  type SigningAlgorithmSpec,
  UnsupportedOperationException,
  VerifyCommand,
  VerifyMacCommand
} from "@aws-sdk/client-kms"
import { CreateTopicCommand, KMSInvalidStateException, PublishCommand } from "@aws-sdk/client-sns"
import { constants, createHash, createPublicKey, publicEncrypt, verify } from "node:crypto"
import { describe, expect, it } from "vitest"
import { useBroker } from "./support/Fixture.js"

const live = useBroker()

const createKey = async (KeySpec: KeySpec, KeyUsage: KeyUsageType) =>
  (await live.kms.send(new CreateKeyCommand({ KeySpec, KeyUsage }))).KeyMetadata!

const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => expect.fail("the request succeeded"),
    (e: unknown) => e as Error & { $metadata: { httpStatusCode?: number } }
  )

const message = new TextEncoder().encode("signed by the simulated KMS")

/** node:crypto's options for checking a KMS signature made with `algorithm`. */
const outsideCheck = (algorithm: SigningAlgorithmSpec) =>
  algorithm.startsWith("RSASSA_PSS_")
    ? { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }
    : algorithm.startsWith("RSASSA_PKCS1_")
    ? { padding: constants.RSA_PKCS1_PADDING }
    : { dsaEncoding: "der" as const }

describe("asymmetric and HMAC keys through @aws-sdk/client-kms", () => {
  it("signs with every signing key spec; node:crypto verifies with GetPublicKey's SubjectPublicKeyInfo, and so does Verify", async () => {
    const specs: ReadonlyArray<KeySpec> = ["ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521", "ECC_SECG_P256K1", "RSA_3072"]
    for (const spec of specs) {
      const key = await createKey(spec, "SIGN_VERIFY")
      const described = (await live.kms.send(new DescribeKeyCommand({ KeyId: key.KeyId }))).KeyMetadata!
      expect([described.KeySpec, described.KeyUsage, described.EncryptionAlgorithms]).toEqual([spec, "SIGN_VERIFY", undefined])
      const publicKey = await live.kms.send(new GetPublicKeyCommand({ KeyId: key.KeyId }))
      expect(publicKey.SigningAlgorithms).toEqual(described.SigningAlgorithms)
      const outside = createPublicKey({ key: Buffer.from(publicKey.PublicKey!), format: "der", type: "spki" })
      for (const algorithm of described.SigningAlgorithms!) {
        const hash = `sha${algorithm.slice(-3)}`
        const digest = createHash(hash).update(message).digest()
        for (const [MessageType, Message] of [["RAW", message], ["DIGEST", digest]] as const) {
          const signed = await live.kms.send(new SignCommand({ KeyId: key.KeyId, Message, MessageType, SigningAlgorithm: algorithm }))
          expect([signed.KeyId, signed.SigningAlgorithm]).toEqual([key.Arn, algorithm])
          expect(verify(hash, message, { key: outside, ...outsideCheck(algorithm) }, signed.Signature!), `${spec} ${algorithm} ${MessageType}`).toBe(true)
          const verified = await live.kms.send(
            new VerifyCommand({ KeyId: key.KeyId, Message, MessageType, Signature: signed.Signature, SigningAlgorithm: algorithm })
          )
          expect(verified.SignatureValid).toBe(true)
        }
      }
    }
  }, 60_000)

  it("a bad signature, a wrong algorithm, a wrong digest length and a wrong usage are refused as KMS refuses them", async () => {
    const key = await createKey("ECC_NIST_P256", "SIGN_VERIFY")
    const { Signature } = await live.kms.send(new SignCommand({ KeyId: key.KeyId, Message: message, SigningAlgorithm: "ECDSA_SHA_256" }))
    const altered = Uint8Array.from(message, (b, i) => (i === 0 ? b ^ 1 : b))
    const bad = await rejection(live.kms.send(new VerifyCommand({ KeyId: key.KeyId, Message: altered, Signature, SigningAlgorithm: "ECDSA_SHA_256" })))
    expect(bad).toBeInstanceOf(KMSInvalidSignatureException)
    expect(bad.$metadata.httpStatusCode).toBe(400)
    const algorithm = await rejection(live.kms.send(new SignCommand({ KeyId: key.KeyId, Message: message, SigningAlgorithm: "ECDSA_SHA_512" })))
    expect(algorithm).toBeInstanceOf(InvalidKeyUsageException)
    expect(algorithm.message).toBe("Algorithm ECDSA_SHA_512 is incompatible with key spec ECC_NIST_P256.")
    const digest = await rejection(
      live.kms.send(new SignCommand({ KeyId: key.KeyId, Message: new Uint8Array(20), MessageType: "DIGEST", SigningAlgorithm: "ECDSA_SHA_256" }))
    )
    // ValidationException is no modeled KMS error: the SDK answers its generic class, named by __type.
    expect(digest.name).toBe("ValidationException")
    const usage = await rejection(live.kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: message })))
    expect(usage).toBeInstanceOf(InvalidKeyUsageException)
    expect(usage.message).toBe(`${key.Arn} key usage is SIGN_VERIFY which is not valid for Encrypt.`)
    const rotation = await rejection(live.kms.send(new EnableKeyRotationCommand({ KeyId: key.KeyId })))
    expect(rotation).toBeInstanceOf(UnsupportedOperationException)
  })

  it("RSA encrypts and decrypts with both OAEP algorithms; what node:crypto encrypts to GetPublicKey's key decrypts; the refusals", async () => {
    const key = await createKey("RSA_2048", "ENCRYPT_DECRYPT")
    const { PublicKey, EncryptionAlgorithms } = await live.kms.send(new GetPublicKeyCommand({ KeyId: key.KeyId }))
    expect(EncryptionAlgorithms).toEqual(["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"])
    const outside = createPublicKey({ key: Buffer.from(PublicKey!), format: "der", type: "spki" })
    for (const [EncryptionAlgorithm, oaepHash] of [["RSAES_OAEP_SHA_1", "sha1"], ["RSAES_OAEP_SHA_256", "sha256"]] as const) {
      const encrypted = await live.kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: message, EncryptionAlgorithm }))
      expect([encrypted.EncryptionAlgorithm, encrypted.CiphertextBlob!.length]).toEqual([EncryptionAlgorithm, 256])
      const decrypted = await live.kms.send(new DecryptCommand({ KeyId: key.KeyId, CiphertextBlob: encrypted.CiphertextBlob, EncryptionAlgorithm }))
      expect([decrypted.KeyId, Buffer.from(decrypted.Plaintext!).toString()]).toEqual([key.Arn, "signed by the simulated KMS"])
      const mine = publicEncrypt({ key: outside, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash }, Buffer.from("from outside"))
      const opened = await live.kms.send(new DecryptCommand({ KeyId: key.Arn, CiphertextBlob: mine, EncryptionAlgorithm }))
      expect(Buffer.from(opened.Plaintext!).toString()).toBe("from outside")
    }
    const context = await rejection(
      live.kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: message, EncryptionAlgorithm: "RSAES_OAEP_SHA_256", EncryptionContext: { a: "b" } }))
    )
    expect(context.name).toBe("ValidationException")
    const symmetric = await rejection(live.kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: message })))
    expect(symmetric).toBeInstanceOf(InvalidKeyUsageException)
    expect(symmetric.message).toBe("Algorithm SYMMETRIC_DEFAULT is incompatible with key spec RSA_2048.")
    const tooLong = await rejection(
      live.kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: new Uint8Array(191), EncryptionAlgorithm: "RSAES_OAEP_SHA_256" }))
    )
    expect(tooLong.name).toBe("ValidationException")
    const dataKey = await rejection(live.kms.send(new GenerateDataKeyCommand({ KeyId: key.KeyId, KeySpec: "AES_256" })))
    expect(dataKey).toBeInstanceOf(InvalidKeyUsageException)
  })

  it("GenerateMac and VerifyMac with each HMAC spec; a bad MAC and a wrong algorithm are refused", async () => {
    for (const bits of [224, 256, 384, 512] as const) {
      const key = await createKey(`HMAC_${bits}`, "GENERATE_VERIFY_MAC")
      expect(key.MacAlgorithms).toEqual([`HMAC_SHA_${bits}`])
      const MacAlgorithm = `HMAC_SHA_${bits}` as const
      const { Mac } = await live.kms.send(new GenerateMacCommand({ KeyId: key.KeyId, Message: message, MacAlgorithm }))
      expect(Mac!.length).toBe(bits / 8)
      expect((await live.kms.send(new VerifyMacCommand({ KeyId: key.KeyId, Message: message, Mac, MacAlgorithm }))).MacValid).toBe(true)
      const bad = await rejection(live.kms.send(new VerifyMacCommand({ KeyId: key.KeyId, Message: new Uint8Array([1]), Mac, MacAlgorithm })))
      expect(bad).toBeInstanceOf(KMSInvalidMacException)
    }
    const key = await createKey("HMAC_256", "GENERATE_VERIFY_MAC")
    const wrong = await rejection(live.kms.send(new GenerateMacCommand({ KeyId: key.KeyId, Message: message, MacAlgorithm: "HMAC_SHA_384" })))
    expect(wrong).toBeInstanceOf(InvalidKeyUsageException)
    const publicKey = await rejection(live.kms.send(new GetPublicKeyCommand({ KeyId: key.KeyId })))
    expect(publicKey).toBeInstanceOf(UnsupportedOperationException)
  })

  it("an RSA encryption key cannot protect a topic: Publish is refused", async () => {
    const key = await createKey("RSA_2048", "ENCRYPT_DECRYPT")
    const { TopicArn } = await live.sns.send(new CreateTopicCommand({ Name: "rsa-key", Attributes: { KmsMasterKeyId: key.KeyId! } }))
    const refused = await rejection(live.sns.send(new PublishCommand({ TopicArn, Message: "never stored" })))
    expect(refused).toBeInstanceOf(KMSInvalidStateException)
    expect(refused.message).toMatch(/InvalidKeyUsageException/)
  })
})
