/**
 * The identity SNS deliveries are signed with: an RSA 2048 key and a self-signed certificate,
 * `<dataDir>/tls/signing-key.pem` and `signing.pem`, made once and reused (renewed within 30 days of
 * expiry). The delivery code signs the SNS JSON envelope's canonical string with it, SHA1withRSA for
 * `SignatureVersion` 1 and SHA256withRSA for 2 (RSASSA-PKCS1-v1_5, RFC 8017 §8.2), and serves the
 * certificate at `SigningCertURL` so subscribers can verify as they do with AWS
 * (docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html). AWS's own signing
 * certificates are RSA 2048; so is this one, so existing verifiers accept it unchanged.
 *
 * @since 0.1.0
 */
import { Clock, Effect } from "effect"
import { join } from "node:path"
import * as DataDir from "../config/DataDir.js"
import { CLOCK_SKEW_MS, DAY_MS, type Pair, privateKeyPem, randomSerial, readPair, subtle, type TlsError, tryTls, usablePair, writePair, x509 } from "./internal/x509.js"

/**
 * @category models
 */
export interface SigningIdentity {
  /** The self-signed certificate (PEM) subscribers fetch from SigningCertURL. */
  readonly certPem: string
  /** The RSA private key (PKCS#8 PEM), for `crypto.createSign("RSA-SHA1" | "RSA-SHA256")`. */
  readonly keyPem: string
  /** Where the certificate is on disk; `undefined` for `:memory:`. */
  readonly certFile: string | undefined
}

/**
 * @category utils
 */
export const signingPaths = (dataDir: string) => ({
  cert: join(dataDir, "tls", "signing.pem"),
  key: join(dataDir, "tls", "signing-key.pem")
})

const LIFETIME_MS = 3650 * DAY_MS
const RSA_BITS = 2048

const makeIdentity = (now: number): Effect.Effect<Pair, TlsError> =>
  Effect.gen(function* () {
    const algorithm = { name: "RSASSA-PKCS1-v1_5", modulusLength: RSA_BITS, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" }
    const keys = yield* tryTls("generate the RSA signing key", () => subtle.generateKey(algorithm, true, ["sign", "verify"]))
    const certificate = yield* tryTls("make the signing certificate", () =>
      x509.X509CertificateGenerator.createSelfSigned({
        serialNumber: randomSerial(),
        name: "CN=Sealcast SNS message signing, O=Sealcast",
        notBefore: new Date(now - CLOCK_SKEW_MS),
        notAfter: new Date(now + LIFETIME_MS),
        keys,
        extensions: [
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true)
        ]
      })
    )
    return { certPem: certificate.toString("pem"), keyPem: yield* privateKeyPem(keys.privateKey) }
  })

/**
 * The signing identity for these options: the data dir's (made or renewed as needed), or a fresh
 * one in memory for `:memory:`.
 *
 * @category constructors
 */
export const loadSigningIdentity = (options: { readonly dataDir: string }): Effect.Effect<SigningIdentity, TlsError | DataDir.DataDirError> =>
  Effect.gen(function* () {
    const now = yield* Clock.currentTimeMillis
    if (DataDir.isMemory(options.dataDir)) return { ...(yield* makeIdentity(now)), certFile: undefined }
    const paths = signingPaths(options.dataDir)
    const stored = usablePair(yield* readPair(paths.cert, paths.key), now)
    if (stored !== undefined && stored.certificate.publicKey.asymmetricKeyDetails?.modulusLength === RSA_BITS) {
      return { ...stored.pair, certFile: paths.cert }
    }
    const made = yield* makeIdentity(now)
    yield* writePair(made, paths.cert, paths.key)
    return { ...made, certFile: paths.cert }
  })
