import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { createSign, createVerify, X509Certificate } from "node:crypto"
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll } from "vitest"
import { loadSigningIdentity, signingPaths } from "../../src/tls/SigningIdentity.js"

const root = mkdtempSync(join(tmpdir(), "sealcast-signing-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))

// The canonical string SNS signs for a Notification (sns-verify-signature-of-message.html).
const canonical = "Message\nhello\nMessageId\n22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324\nTimestamp\n2026-01-01T00:00:00.000Z\nTopicArn\narn:aws:sns:us-east-1:000000000000:t\nType\nNotification\n"

describe("SigningIdentity", () => {
  it.live("signs with SHA1withRSA (SignatureVersion 1) and SHA256withRSA (2), verifiable from the certificate alone", () =>
    Effect.gen(function* () {
      const identity = yield* loadSigningIdentity({ dataDir: ":memory:" })
      const certificate = new X509Certificate(identity.certPem)
      expect(certificate.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048)
      for (const algorithm of ["RSA-SHA1", "RSA-SHA256"]) {
        const signature = createSign(algorithm).update(canonical).sign(identity.keyPem, "base64")
        expect(createVerify(algorithm).update(canonical).verify(certificate.publicKey, signature, "base64")).toBe(true)
        expect(createVerify(algorithm).update(`${canonical}x`).verify(certificate.publicKey, signature, "base64")).toBe(false)
      }
      expect(identity.certFile).toBeUndefined()
    }))

  it.live("is made once in the data dir, key 0600, reused after, and remade if damaged", () =>
    Effect.gen(function* () {
      const dataDir = join(root, "once")
      const paths = signingPaths(dataDir)
      const first = yield* loadSigningIdentity({ dataDir })
      expect(first.certFile).toBe(paths.cert)
      expect(statSync(paths.key).mode & 0o777).toBe(0o600)
      expect(yield* loadSigningIdentity({ dataDir })).toEqual(first)
      writeFileSync(paths.cert, "damaged")
      const remade = yield* loadSigningIdentity({ dataDir })
      expect(remade.keyPem).not.toBe(first.keyPem)
    }))
})
