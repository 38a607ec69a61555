/**
 * ReEncrypt with RSA keys and data key pairs through the unmodified @aws-sdk/client-kms and boto3
 * against a live broker (packages/kms-sim/README.md, "ReEncrypt" and "Data key pairs"): a ciphertext
 * moved from a symmetric key to an RSA key and back, key pairs that node:crypto reads, their private
 * key sealed under a symmetric key and opened by Decrypt, and the refusals as the SDK's own classes.
 */
import {
  CreateKeyCommand,
  DecryptCommand,
  EncryptCommand,
  GenerateDataKeyPairCommand,
  GenerateDataKeyPairWithoutPlaintextCommand,
  InvalidKeyUsageException,
  type KeySpec,
  ReEncryptCommand
} from "@aws-sdk/client-kms"
import { execFile } from "node:child_process"
import { createPrivateKey, createPublicKey, sign, verify } from "node:crypto"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { botocoreMissing } from "./support/Botocore.js"
import { useBroker } from "./support/Fixture.js"

const live = useBroker()

const createKey = async (KeySpec: KeySpec = "SYMMETRIC_DEFAULT") =>
  (await live.kms.send(new CreateKeyCommand({ KeySpec, KeyUsage: "ENCRYPT_DECRYPT" }))).KeyMetadata!

const text = (s: string) => new TextEncoder().encode(s)

const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => expect.fail("the request succeeded"),
    (e: unknown) => e as Error & { $metadata: { httpStatusCode?: number } }
  )

/** boto3 with nothing but the endpoint, credentials, Region and CA bundle, as a user's script has. */
const BOTO3_SCRIPT = `
import json, sys, base64
import boto3
kms = boto3.client("kms", endpoint_url=sys.argv[1])
wrapping = kms.create_key()["KeyMetadata"]["KeyId"]
rsa = kms.create_key(KeySpec="RSA_2048", KeyUsage="ENCRYPT_DECRYPT")["KeyMetadata"]["KeyId"]
pair = kms.generate_data_key_pair(KeyId=wrapping, KeyPairSpec="ECC_NIST_P256", EncryptionContext={"by": "boto3"})
opened = kms.decrypt(CiphertextBlob=pair["PrivateKeyCiphertextBlob"], EncryptionContext={"by": "boto3"})["Plaintext"]
sealed = kms.encrypt(KeyId=wrapping, Plaintext=b"from boto3")["CiphertextBlob"]
moved = kms.re_encrypt(CiphertextBlob=sealed, DestinationKeyId=rsa, DestinationEncryptionAlgorithm="RSAES_OAEP_SHA_256")
back = kms.decrypt(CiphertextBlob=moved["CiphertextBlob"], KeyId=rsa, EncryptionAlgorithm="RSAES_OAEP_SHA_256")["Plaintext"]
print(json.dumps({
  "publicKey": base64.b64encode(pair["PublicKey"]).decode(),
  "privateKey": base64.b64encode(pair["PrivateKeyPlaintext"]).decode(),
  "opened": opened == pair["PrivateKeyPlaintext"],
  "algorithms": [moved["SourceEncryptionAlgorithm"], moved["DestinationEncryptionAlgorithm"]],
  "back": back.decode()
}))
`

describe("ReEncrypt with RSA keys and data key pairs through @aws-sdk/client-kms", () => {
  it("ReEncrypt moves a ciphertext to an RSA key and back; Decrypt opens each", async () => {
    const symmetric = await createKey()
    const rsa = await createKey("RSA_2048")
    const { CiphertextBlob } = await live.kms.send(new EncryptCommand({ KeyId: symmetric.KeyId, Plaintext: text("round trip") }))
    const toRsa = await live.kms.send(
      new ReEncryptCommand({ CiphertextBlob, DestinationKeyId: rsa.KeyId, DestinationEncryptionAlgorithm: "RSAES_OAEP_SHA_1" })
    )
    expect([toRsa.SourceKeyId, toRsa.KeyId, toRsa.SourceEncryptionAlgorithm, toRsa.DestinationEncryptionAlgorithm]).toEqual([
      symmetric.Arn,
      rsa.Arn,
      "SYMMETRIC_DEFAULT",
      "RSAES_OAEP_SHA_1"
    ])
    const opened = await live.kms.send(
      new DecryptCommand({ CiphertextBlob: toRsa.CiphertextBlob, KeyId: rsa.KeyId, EncryptionAlgorithm: "RSAES_OAEP_SHA_1" })
    )
    expect(new TextDecoder().decode(opened.Plaintext)).toBe("round trip")
    const back = await live.kms.send(
      new ReEncryptCommand({
        CiphertextBlob: toRsa.CiphertextBlob,
        SourceKeyId: rsa.Arn,
        SourceEncryptionAlgorithm: "RSAES_OAEP_SHA_1",
        DestinationKeyId: symmetric.KeyId
      })
    )
    expect(new TextDecoder().decode((await live.kms.send(new DecryptCommand({ CiphertextBlob: back.CiphertextBlob }))).Plaintext)).toBe("round trip")
    const refused = await rejection(live.kms.send(new ReEncryptCommand({ CiphertextBlob, DestinationKeyId: rsa.KeyId })))
    expect(refused).toBeInstanceOf(InvalidKeyUsageException)
    expect(refused.message).toBe("Algorithm SYMMETRIC_DEFAULT is incompatible with key spec RSA_2048.")
  }, 60_000)

  it("GenerateDataKeyPair: key pairs node:crypto reads; the sealed private key opens with Decrypt; WithoutPlaintext holds none", async () => {
    const wrapping = await createKey()
    for (const KeyPairSpec of ["RSA_2048", "ECC_NIST_P256", "ECC_SECG_P256K1"] as const) {
      const pair = await live.kms.send(new GenerateDataKeyPairCommand({ KeyId: wrapping.KeyId, KeyPairSpec, EncryptionContext: { spec: KeyPairSpec } }))
      expect([pair.KeyId, pair.KeyPairSpec]).toEqual([wrapping.Arn, KeyPairSpec])
      const privateKey = createPrivateKey({ key: Buffer.from(pair.PrivateKeyPlaintext!), format: "der", type: "pkcs8" })
      const publicKey = createPublicKey({ key: Buffer.from(pair.PublicKey!), format: "der", type: "spki" })
      expect(verify("sha256", text("m"), publicKey, sign("sha256", text("m"), privateKey)), KeyPairSpec).toBe(true)
      const opened = await live.kms.send(new DecryptCommand({ CiphertextBlob: pair.PrivateKeyCiphertextBlob, EncryptionContext: { spec: KeyPairSpec } }))
      expect(opened.Plaintext).toEqual(pair.PrivateKeyPlaintext)
    }
    const without = await live.kms.send(new GenerateDataKeyPairWithoutPlaintextCommand({ KeyId: wrapping.KeyId, KeyPairSpec: "ECC_NIST_P521" }))
    expect(without.PrivateKeyCiphertextBlob?.length).toBeGreaterThan(0)
    expect("PrivateKeyPlaintext" in without).toBe(false)
    const rsa = await createKey("RSA_2048")
    const refused = await rejection(live.kms.send(new GenerateDataKeyPairCommand({ KeyId: rsa.KeyId, KeyPairSpec: "ECC_NIST_P256" })))
    expect(refused).toBeInstanceOf(InvalidKeyUsageException)
    expect(refused.$metadata.httpStatusCode).toBe(400)
  }, 60_000)

  const boto3Missing = botocoreMissing("boto3")
  it.skipIf(boto3Missing !== undefined)(`boto3: generate_data_key_pair and re_encrypt to an RSA key${boto3Missing === undefined ? "" : ` (skipped: ${boto3Missing})`}`, async () => {
    const { target } = live
    const caFile = join(mkdtempSync(join(tmpdir(), "sealcast-pairs-")), "ca.pem")
    writeFileSync(caFile, target.caPem)
    // Asynchronously: the broker answers from this process's event loop.
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile("python3", ["-c", BOTO3_SCRIPT, target.endpoint], {
        env: {
          PATH: process.env["PATH"],
          AWS_ACCESS_KEY_ID: target.credentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: target.credentials.secretAccessKey,
          AWS_DEFAULT_REGION: target.region,
          AWS_CA_BUNDLE: caFile,
          AWS_CONFIG_FILE: "/dev/null",
          AWS_SHARED_CREDENTIALS_FILE: "/dev/null"
        },
        encoding: "utf8",
        timeout: 60_000
      }, (error, out, stderr) => (error === null ? resolve(out) : reject(new Error(`boto3 script failed: ${stderr}`)))))
    const result = JSON.parse(stdout) as { publicKey: string; privateKey: string; opened: boolean; algorithms: Array<string>; back: string }
    const derived = createPublicKey(createPrivateKey({ key: Buffer.from(result.privateKey, "base64"), format: "der", type: "pkcs8" }))
    expect(derived.export({ type: "spki", format: "der" })).toEqual(Buffer.from(result.publicKey, "base64"))
    expect([result.opened, result.algorithms, result.back]).toEqual([true, ["SYMMETRIC_DEFAULT", "RSAES_OAEP_SHA_256"], "from boto3"])
  }, 60_000)
})
