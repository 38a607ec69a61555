/**
 * The HTTPS server's certificate and key (docs/CONTRACT.md, the `--tls-cert`/`--tls-key` row).
 *
 * By default the broker is its own small PKI, made on first start and reused after:
 * `<dataDir>/tls/ca.pem` and `ca-key.pem`, a local CA (ECDSA P-256, CA:TRUE, keyCertSign, 10 years),
 * and `server.pem` and `server-key.pem`, a certificate it issues for `localhost`, `127.0.0.1` and
 * `::1` (subjectAltName DNS and IP entries, serverAuth, 397 days). Clients trust `ca.pem`
 * (`AWS_CA_BUNDLE`, the SDK's `ca` option): nothing needs turning off verification. Modern TLS clients
 * match the host against subjectAltName only (RFC 6125 §6.4.4, RFC 2818 §3.1), so the names are
 * there and not in the CN. 397 days stays within the 398-day lifetime Apple and browsers accept for
 * server certificates.
 *
 * A certificate that is missing, unreadable, expired or within 30 days of expiry, or a key that does
 * not match it, is made again; the CA is kept whenever it is still good, so a client that already
 * trusts it keeps working. `:memory:` makes everything in memory, afresh; `withCaFile` then writes the
 * CA certificate (public, no key) to a temporary file for the life of the broker, so a client that
 * takes a CA bundle path (`AWS_CA_BUNDLE`, the ready line's `caFile`) can trust it too.
 *
 * With `--tls-cert` and `--tls-key` the user's own files are used as they are, once checked.
 *
 * @since 0.1.0
 */
import { Clock, Effect, type Scope } from "effect"
import type { X509Certificate } from "node:crypto"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { ConfigError } from "../config/BrokerOptions.js"
import * as DataDir from "../config/DataDir.js"
import {
  type CryptoKey,
  CLOCK_SKEW_MS,
  DAY_MS,
  keyMatches,
  type Pair,
  parseCertificate,
  privateKeyPem,
  randomSerial,
  readPair,
  subtle,
  TlsError,
  tryTls,
  usablePair,
  writePair,
  x509
} from "./internal/x509.js"

export { TlsError } from "./internal/x509.js"

/**
 * What `node:https` needs, and what clients should trust.
 *
 * @category models
 */
export interface TlsMaterial {
  /** The server certificate (PEM), for `https.createServer({ cert })`. */
  readonly cert: string
  /** Its private key (PEM), for `https.createServer({ key })`. */
  readonly key: string
  /** The local CA's certificate (PEM), for clients; `undefined` with the user's own certificate. */
  readonly caPem: string | undefined
  /** Where `caPem` is on disk; `undefined` with the user's own certificate, and in memory until `withCaFile`. */
  readonly caFile: string | undefined
  /** The files this call (re)made, for the log. */
  readonly written: ReadonlyArray<string>
}

/**
 * The files in `<dataDir>/tls`.
 *
 * @category utils
 */
export const tlsPaths = (dataDir: string) => {
  const dir = join(dataDir, "tls")
  return {
    ca: join(dir, "ca.pem"),
    caKey: join(dir, "ca-key.pem"),
    server: join(dir, "server.pem"),
    serverKey: join(dir, "server-key.pem")
  }
}

/**
 * The names the server certificate is good for.
 *
 * @category utils
 */
export const SERVER_NAMES = { dns: ["localhost"], ip: ["127.0.0.1", "::1"] } as const

const CA_LIFETIME_MS = 3650 * DAY_MS
const SERVER_LIFETIME_MS = 397 * DAY_MS
const CA_NAME = "CN=Sealcast Local CA, O=Sealcast"
/** ECDSA on P-256 with SHA-256 (RFC 5758 §3.2): small keys, fast handshakes, accepted everywhere. */
const EC_KEY = { name: "ECDSA", namedCurve: "P-256" } as const
const EC_SIGNATURE = { name: "ECDSA", hash: "SHA-256" } as const

interface Issuer {
  readonly certificate: x509.X509Certificate
  readonly privateKey: CryptoKey
}

const generateEcKeys = tryTls("generate an ECDSA P-256 key", () => subtle.generateKey(EC_KEY, true, ["sign", "verify"]))

const makeCa = (now: number): Effect.Effect<Pair & { readonly issuer: Issuer }, TlsError> =>
  Effect.gen(function* () {
    const keys = yield* generateEcKeys
    const certificate = yield* tryTls("make the local CA certificate", async () =>
      x509.X509CertificateGenerator.createSelfSigned({
        serialNumber: randomSerial(),
        name: CA_NAME,
        notBefore: new Date(now - CLOCK_SKEW_MS),
        notAfter: new Date(now + CA_LIFETIME_MS),
        signingAlgorithm: EC_SIGNATURE,
        keys,
        extensions: [
          // RFC 5280 §4.2.1.9: CA:TRUE, critical; path length 0: it signs end-entity certificates only.
          new x509.BasicConstraintsExtension(true, 0, true),
          // RFC 5280 §4.2.1.3: a CA key signs certificates (and CRLs), nothing else.
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
          await x509.SubjectKeyIdentifierExtension.create(keys.publicKey)
        ]
      })
    )
    return { certPem: certificate.toString("pem"), keyPem: yield* privateKeyPem(keys.privateKey), issuer: { certificate, privateKey: keys.privateKey } }
  })

const makeServer = (issuer: Issuer, now: number): Effect.Effect<Pair, TlsError> =>
  Effect.gen(function* () {
    const keys = yield* generateEcKeys
    const certificate = yield* tryTls("make the server certificate", async () =>
      x509.X509CertificateGenerator.create({
        serialNumber: randomSerial(),
        subject: "CN=localhost",
        issuer: issuer.certificate.subject,
        notBefore: new Date(now - CLOCK_SKEW_MS),
        notAfter: new Date(now + SERVER_LIFETIME_MS),
        signingAlgorithm: EC_SIGNATURE,
        publicKey: keys.publicKey,
        signingKey: issuer.privateKey,
        extensions: [
          new x509.BasicConstraintsExtension(false, undefined, true),
          // RFC 5280 §4.2.1.3 and RFC 8446 §4.4.3: an ECDSA TLS key signs the handshake.
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
          new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
          new x509.SubjectAlternativeNameExtension([
            ...SERVER_NAMES.dns.map((value) => ({ type: "dns" as const, value })),
            ...SERVER_NAMES.ip.map((value) => ({ type: "ip" as const, value }))
          ]),
          await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
          await x509.AuthorityKeyIdentifierExtension.create(issuer.certificate)
        ]
      })
    )
    return { certPem: certificate.toString("pem"), keyPem: yield* privateKeyPem(keys.privateKey) }
  })

const importIssuer = (pair: Pair): Effect.Effect<Issuer, TlsError> =>
  tryTls("read the local CA key", async () => ({
    certificate: new x509.X509Certificate(pair.certPem),
    privateKey: await subtle.importKey("pkcs8", x509.PemConverter.decodeFirst(pair.keyPem), EC_KEY, false, ["sign"])
  }))

const fromDataDir = (dataDir: string, now: number): Effect.Effect<TlsMaterial, TlsError | DataDir.DataDirError> =>
  Effect.gen(function* () {
    const paths = tlsPaths(dataDir)
    const written: Array<string> = []
    const storedCa = usablePair(yield* readPair(paths.ca, paths.caKey), now)
    let ca: Pair
    let issuer: Effect.Effect<Issuer, TlsError>
    let caCertificate: X509Certificate | undefined
    if (storedCa !== undefined && storedCa.certificate.ca) {
      ca = storedCa.pair
      issuer = importIssuer(ca)
      caCertificate = storedCa.certificate
    } else {
      const made = yield* makeCa(now)
      yield* writePair(made, paths.ca, paths.caKey)
      written.push(paths.ca, paths.caKey)
      ca = made
      issuer = Effect.succeed(made.issuer)
    }
    const storedServer = usablePair(yield* readPair(paths.server, paths.serverKey), now)
    // A server certificate is kept only if the CA in force issued it: after a new CA, it is remade.
    const keepServer =
      storedServer !== undefined &&
      caCertificate !== undefined &&
      storedServer.certificate.checkIssued(caCertificate) &&
      storedServer.certificate.verify(caCertificate.publicKey)
    let server: Pair
    if (keepServer) {
      server = storedServer.pair
    } else {
      server = yield* makeServer(yield* issuer, now)
      yield* writePair(server, paths.server, paths.serverKey)
      written.push(paths.server, paths.serverKey)
    }
    return { cert: server.certPem, key: server.keyPem, caPem: ca.certPem, caFile: paths.ca, written }
  })

const inMemory = (now: number): Effect.Effect<TlsMaterial, TlsError> =>
  Effect.gen(function* () {
    const ca = yield* makeCa(now)
    const server = yield* makeServer(ca.issuer, now)
    return { cert: server.certPem, key: server.keyPem, caPem: ca.certPem, caFile: undefined, written: [] }
  })

const userSupplied = (certPath: string, keyPath: string, now: number): Effect.Effect<TlsMaterial, ConfigError | DataDir.DataDirError> =>
  Effect.gen(function* () {
    const cert = yield* DataDir.readNamedFile(certPath, "--tls-cert")
    const key = yield* DataDir.readNamedFile(keyPath, "--tls-key")
    // The first certificate of a chain file is the server's own (RFC 8446 §4.4.2 order).
    const certificate = parseCertificate(cert)
    if (certificate === undefined) return yield* new ConfigError({ message: `--tls-cert: ${certPath} holds no PEM certificate` })
    if (!keyMatches(certificate, key)) {
      return yield* new ConfigError({ message: `--tls-key: ${keyPath} is not the private key of the certificate in ${certPath}` })
    }
    if (Date.parse(certificate.validTo) <= now) {
      return yield* new ConfigError({ message: `--tls-cert: the certificate in ${certPath} expired on ${certificate.validTo}` })
    }
    return { cert, key, caPem: undefined, caFile: undefined, written: [] }
  })

/**
 * The TLS material in force for these options: the user's own, or the data dir's (made or renewed
 * as needed), or fresh in-memory material for `:memory:`.
 *
 * @category constructors
 */
export const loadTlsMaterial = (options: {
  readonly dataDir: string
  readonly tlsCert?: string | undefined
  readonly tlsKey?: string | undefined
}): Effect.Effect<TlsMaterial, ConfigError | DataDir.DataDirError | TlsError> =>
  Effect.flatMap(Clock.currentTimeMillis, (now): Effect.Effect<TlsMaterial, ConfigError | DataDir.DataDirError | TlsError> => {
    if (options.tlsCert !== undefined && options.tlsKey !== undefined) return userSupplied(options.tlsCert, options.tlsKey, now)
    return DataDir.isMemory(options.dataDir) ? inMemory(now) : fromDataDir(options.dataDir, now)
  })

/**
 * `material` with its CA certificate on disk: as it is when the CA is already a file (or there is no
 * CA of the broker's own); otherwise the PEM is written to `ca.pem` in a fresh private folder under
 * the system's temporary directory, removed with that folder when the scope closes.
 *
 * @category constructors
 */
export const withCaFile = (material: TlsMaterial): Effect.Effect<TlsMaterial, DataDir.DataDirError, Scope.Scope> => {
  const caPem = material.caPem
  if (caPem === undefined || material.caFile !== undefined) return Effect.succeed(material)
  return Effect.map(
    Effect.acquireRelease(
      Effect.try({
        try: () => {
          const folder = mkdtempSync(join(tmpdir(), "sealcast-ca-"))
          const file = join(folder, "ca.pem")
          writeFileSync(file, caPem, { mode: DataDir.PUBLIC })
          return { folder, file }
        },
        catch: (cause) => new DataDir.DataDirError({ message: `Cannot write the CA certificate to a temporary file: ${String(cause)}` })
      }),
      ({ folder }) => Effect.sync(() => rmSync(folder, { recursive: true, force: true }))
    ),
    ({ file }) => ({ ...material, caFile: file })
  )
}
