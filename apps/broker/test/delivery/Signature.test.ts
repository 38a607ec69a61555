import { beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import { execFileSync } from "node:child_process"
import { createPublicKey, verify, X509Certificate } from "node:crypto"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Envelope from "../../src/delivery/Envelope.js"
import * as Signature from "../../src/delivery/Signature.js"
import { makeIdentity } from "./support/Fixtures.js"

const notification = (version: "1" | "2", subject?: string): Envelope.NotificationFields => ({
  Type: "Notification",
  MessageId: "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324",
  TopicArn: "arn:aws:sns:us-west-2:123456789012:MyTopic",
  ...(subject === undefined ? {} : { Subject: subject }),
  Message: "Hello world! ünïcødé\nsecond line",
  Timestamp: "2012-05-02T00:54:06.655Z",
  SignatureVersion: version
})

let identity: Signature.SigningIdentity
beforeAll(async () => {
  identity = await makeIdentity()
})

describe("Signature", () => {
  it("builds AWS's string to sign: sorted field names, each as Name\\nvalue\\n, Subject only when present", () => {
    expect(Signature.stringToSign(notification("1", "My First Message"))).toBe(
      "Message\nHello world! ünïcødé\nsecond line\nMessageId\n22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324\nSubject\nMy First Message\n" +
        "Timestamp\n2012-05-02T00:54:06.655Z\nTopicArn\narn:aws:sns:us-west-2:123456789012:MyTopic\nType\nNotification\n"
    )
    expect(Signature.stringToSign(notification("1"))).not.toContain("Subject")
    const confirmation = Envelope.confirmationFields({
      messageId: "m",
      token: "t0k",
      topicArn: "arn:aws:sns:us-east-1:000000000000:t",
      subscribeUrl: "https://h/?Action=ConfirmSubscription",
      at: 0,
      signatureVersion: "1"
    })
    expect(Signature.stringToSign(confirmation)).toBe(
      `Message\n${confirmation.Message}\nMessageId\nm\nSubscribeURL\nhttps://h/?Action=ConfirmSubscription\n` +
        "Timestamp\n1970-01-01T00:00:00.000Z\nToken\nt0k\nTopicArn\narn:aws:sns:us-east-1:000000000000:t\nType\nSubscriptionConfirmation\n"
    )
  })

  it.effect("signs version 1 with SHA1withRSA and version 2 with SHA256withRSA, verifiable with the certificate", () =>
    Effect.gen(function* () {
      const signer = yield* Signature.makeSigner(identity)
      const publicKey = new X509Certificate(identity.certificatePem).publicKey
      for (const [version, digest] of [["1", "sha1"], ["2", "sha256"]] as const) {
        const fields = notification(version, "S")
        const signature = Buffer.from(signer.sign(fields), "base64")
        const data = Buffer.from(Signature.stringToSign(fields), "utf8")
        expect(verify(digest, data, publicKey, signature)).toBe(true)
        // The other digest must not verify: the version really selects the hash.
        expect(verify(digest === "sha1" ? "sha256" : "sha1", data, publicKey, signature)).toBe(false)
      }
    }))

  it.effect("OpenSSL's command line verifies both versions too (an implementation independent of Node's bindings)", () =>
    Effect.gen(function* () {
      const signer = yield* Signature.makeSigner(identity)
      const dir = mkdtempSync(join(tmpdir(), "sealcast-signature-"))
      const publicKeyFile = join(dir, "public.pem")
      writeFileSync(publicKeyFile, createPublicKey(identity.privateKeyPem).export({ type: "spki", format: "pem" }))
      for (const [version, digest] of [["1", "-sha1"], ["2", "-sha256"]] as const) {
        const fields = notification(version)
        writeFileSync(join(dir, "data"), Signature.stringToSign(fields))
        writeFileSync(join(dir, "signature"), Buffer.from(signer.sign(fields), "base64"))
        const out = execFileSync("openssl", ["dgst", digest, "-verify", publicKeyFile, "-signature", join(dir, "signature"), join(dir, "data")])
        expect(out.toString().trim()).toBe("Verified OK")
      }
    }))

  it.effect("a key that is not an RSA private key is a typed error, not a throw", () =>
    Effect.gen(function* () {
      const garbage = yield* Effect.either(Signature.makeSigner({ privateKeyPem: "not a key", certificatePem: "" }))
      expect(Either.isLeft(garbage) && garbage.left._tag).toBe("SigningKeyError")
    }))

  it("takes the topic's SignatureVersion, defaulting to 1", () => {
    expect(Signature.signatureVersionOf({})).toBe("1")
    expect(Signature.signatureVersionOf({ SignatureVersion: "2" })).toBe("2")
    expect(Signature.signatureVersionOf({ SignatureVersion: "1" })).toBe("1")
  })
})
