/**
 * What the two TLS modules share: @peculiar/x509 wired to Node's WebCrypto, PEM encoding of private
 * keys, serial numbers, and the reuse checks done with `node:crypto`'s own X509 parser.
 */
// @peculiar/x509 decorates its ASN.1 classes (tsyringe), which needs the Reflect metadata polyfill
// loaded before the library itself.
import "reflect-metadata"
import * as x509 from "@peculiar/x509"
import { Data, Effect } from "effect"
import { createPrivateKey, X509Certificate, webcrypto } from "node:crypto"
import * as DataDir from "../../config/DataDir.js"

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0])

export { x509 }

export const subtle = webcrypto.subtle

export type CryptoKey = webcrypto.CryptoKey

/** Generating or checking certificate material failed. */
export class TlsError extends Data.TaggedError("TlsError")<{ readonly message: string }> {}

export const DAY_MS = 24 * 60 * 60 * 1000

/** Material this close to expiry is renewed on start rather than left to lapse while running. */
export const RENEW_BEFORE_MS = 30 * DAY_MS

/**
 * `notBefore` is set an hour back, so a client whose clock runs a little behind still accepts a
 * certificate made a moment ago.
 */
export const CLOCK_SKEW_MS = 60 * 60 * 1000

/** 16 random bytes, top bit clear: a positive serial of at most 20 octets (RFC 5280 §4.1.2.2). */
export const randomSerial = (): string => {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16))
  bytes[0] = bytes[0]! & 0x7f
  return Buffer.from(bytes).toString("hex")
}

/** A private key as PKCS#8 PEM (RFC 5208, RFC 7468 §10), the form `node:https` and `createSign` read. */
export const privateKeyPem = (key: CryptoKey): Effect.Effect<string, TlsError> =>
  Effect.tryPromise({
    try: () => subtle.exportKey("pkcs8", key),
    catch: (cause) => new TlsError({ message: `Cannot export a private key: ${String(cause)}` })
  }).pipe(Effect.map((der) => x509.PemConverter.encode(der, "PRIVATE KEY")))

/** Wraps a WebCrypto or x509 promise as an effect failing with `TlsError`. */
export const tryTls = <A>(doing: string, f: () => Promise<A>): Effect.Effect<A, TlsError> =>
  Effect.tryPromise({
    try: f,
    catch: (cause) => new TlsError({ message: `Cannot ${doing}: ${cause instanceof Error ? cause.message : String(cause)}` })
  })

/** The parsed certificate, or `undefined` if the text is not one. */
export const parseCertificate = (pem: string): X509Certificate | undefined => {
  try {
    return new X509Certificate(pem)
  } catch {
    return undefined
  }
}

/** True when `keyPem` is a private key and it is the one `certificate` certifies. */
export const keyMatches = (certificate: X509Certificate, keyPem: string): boolean => {
  try {
    return certificate.checkPrivateKey(createPrivateKey(keyPem))
  } catch {
    return false
  }
}

/** Valid now, and not within `RENEW_BEFORE_MS` of its end. */
export const isFresh = (certificate: X509Certificate, now: number): boolean =>
  Date.parse(certificate.validFrom) <= now && now + RENEW_BEFORE_MS < Date.parse(certificate.validTo)

/** A certificate and its private key, both PEM. */
export interface Pair {
  readonly certPem: string
  readonly keyPem: string
}

/** What was read from disk: either file may be missing. */
export interface StoredPair {
  readonly certPem: string | undefined
  readonly keyPem: string | undefined
}

export const readPair = (certPath: string, keyPath: string): Effect.Effect<StoredPair, DataDir.DataDirError> =>
  Effect.all({ certPem: DataDir.readIfPresent(certPath), keyPem: DataDir.readIfPresent(keyPath) })

/** The key first (0600), then the certificate: a certificate on disk always has its key beside it. */
export const writePair = (pair: Pair, certPath: string, keyPath: string): Effect.Effect<void, DataDir.DataDirError> =>
  Effect.zipRight(
    DataDir.writeFileAtomic(keyPath, pair.keyPem, DataDir.PRIVATE),
    DataDir.writeFileAtomic(certPath, pair.certPem, DataDir.PUBLIC)
  )

/** Both files present, parsed, fresh, and the key is the certificate's own; else `undefined`. */
export const usablePair = (
  stored: StoredPair,
  now: number
): { readonly pair: Pair; readonly certificate: X509Certificate } | undefined => {
  if (stored.certPem === undefined || stored.keyPem === undefined) return undefined
  const certificate = parseCertificate(stored.certPem)
  return certificate !== undefined && isFresh(certificate, now) && keyMatches(certificate, stored.keyPem)
    ? { pair: { certPem: stored.certPem, keyPem: stored.keyPem }, certificate }
    : undefined
}
