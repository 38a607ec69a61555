/**
 * The certificate of the kit's HTTPS receiver: ECDSA P-256, for `localhost`, `127.0.0.1` and `::1`
 * (subjectAltName entries, serverAuth; RFC 5280 §4.2.1.6), issued by a CA the endpoint under test must
 * trust to deliver to it. That CA is the one given (`--receiver-ca-cert`/`--receiver-ca-key`: e.g.
 * Sealcast's own local CA, `<data dir>/tls/ca.pem` and `ca-key.pem`, which its deliveries trust), or
 * else one the kit makes for the run, which an endpoint trusts only if told to; without that trust
 * the probe reports "no HTTPS delivery" and the kit subscribes plain HTTP endpoints only. TLS
 * verification is never turned off.
 *
 * @since 0.1.0
 */
// @peculiar/x509 decorates its ASN.1 classes (tsyringe), which needs the Reflect metadata polyfill
// loaded before the library itself.
import "reflect-metadata"
import * as x509 from "@peculiar/x509"
import { webcrypto } from "node:crypto"

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0])

/** ECDSA on P-256 with SHA-256 (RFC 5758 §3.2). */
const EC_KEY = { name: "ECDSA", namedCurve: "P-256" } as const
const EC_SIGNATURE = { name: "ECDSA", hash: "SHA-256" } as const
const HOUR_MS = 60 * 60 * 1000
/** A run lasts minutes; a day is plenty, and an hour back allows for a client's clock running behind. */
const LIFETIME_MS = 24 * HOUR_MS

/**
 * A PEM certificate and its PKCS#8 private key.
 *
 * @category models
 */
export interface Pair {
  readonly certPem: string
  readonly keyPem: string
}

/**
 * The receiver's certificate and key, and the CA certificate an endpoint must trust.
 *
 * @category models
 */
export interface ReceiverTls extends Pair {
  readonly caPem: string
}

const serial = (): string => {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16))
  bytes[0] = bytes[0]! & 0x7f
  return Buffer.from(bytes).toString("hex")
}

const keyPem = async (key: webcrypto.CryptoKey): Promise<string> => x509.PemConverter.encode(await webcrypto.subtle.exportKey("pkcs8", key), "PRIVATE KEY")

const makeCa = async (now: number): Promise<Pair> => {
  const keys = await webcrypto.subtle.generateKey(EC_KEY, true, ["sign", "verify"])
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: "CN=sealcast-conformance receiver CA",
    notBefore: new Date(now - HOUR_MS),
    notAfter: new Date(now + LIFETIME_MS),
    signingAlgorithm: EC_SIGNATURE,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey)
    ]
  })
  return { certPem: certificate.toString("pem"), keyPem: await keyPem(keys.privateKey) }
}

/**
 * Issues the receiver's certificate under `ca`, or under a CA made for the run.
 *
 * @category constructors
 */
export const make = async (ca: Pair | undefined): Promise<ReceiverTls> => {
  const now = Date.now()
  const issuer = ca ?? (await makeCa(now))
  const issuerCertificate = new x509.X509Certificate(issuer.certPem)
  const issuerKey = await webcrypto.subtle.importKey("pkcs8", x509.PemConverter.decodeFirst(issuer.keyPem), issuerCertificate.publicKey.algorithm, false, ["sign"])
  const keys = await webcrypto.subtle.generateKey(EC_KEY, true, ["sign", "verify"])
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: "CN=localhost",
    issuer: issuerCertificate.subject,
    notBefore: new Date(now - HOUR_MS),
    notAfter: new Date(now + LIFETIME_MS),
    signingAlgorithm: issuerCertificate.publicKey.algorithm.name === "ECDSA" ? EC_SIGNATURE : { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
    publicKey: keys.publicKey,
    signingKey: issuerKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        { type: "dns", value: "localhost" },
        { type: "ip", value: "127.0.0.1" },
        { type: "ip", value: "::1" }
      ]),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(issuerCertificate)
    ]
  })
  return { certPem: certificate.toString("pem"), keyPem: await keyPem(keys.privateKey), caPem: issuer.certPem }
}
