/**
 * The pure half of Sign, Verify, GenerateMac and VerifyMac: message digests and the digest rules of
 * MessageType, ECDSA over the four curves (`@noble/curves`), the RSASSA-PSS and RSASSA-PKCS1-v1_5
 * encodings of a digest (RFC 8017 §9), and HMAC (`@noble/hashes`, RFC 2104). The raw RSA operation on
 * an encoded message is the host's (`RsaPrimitives`).
 *
 * @since 0.1.0
 */
import { p256, p384, p521 } from "@noble/curves/nist.js"
import { secp256k1 } from "@noble/curves/secp256k1.js"
import { hmac } from "@noble/hashes/hmac.js"
import { sha224, sha256, sha384, sha512 } from "@noble/hashes/sha2.js"
import type { CHash } from "@noble/hashes/utils.js"
import { Either } from "effect"
import * as Errors from "../Errors.js"
import type { EccKeySpec, MacAlgorithm, SigningAlgorithm } from "../Key.js"

type Hash = CHash

const hashOf = (algorithm: SigningAlgorithm): Hash =>
  algorithm.endsWith("_256") ? sha256 : algorithm.endsWith("_384") ? sha384 : sha512

/**
 * The digest a signature is made over. With MessageType RAW, KMS hashes the message with the
 * algorithm's hash; with DIGEST the message is the digest, and must be exactly as long as that
 * hash's output (Sign API, "MessageType"), else a ValidationException.
 */
export const digestOf = (
  algorithm: SigningAlgorithm,
  message: Uint8Array,
  messageType: "RAW" | "DIGEST"
): Either.Either<Uint8Array, Errors.ValidationException> => {
  const hash = hashOf(algorithm)
  if (messageType === "RAW") return Either.right(hash(message))
  return message.length === hash.outputLen
    ? Either.right(message)
    : Either.left(new Errors.ValidationException({ message: `Digest is invalid length for algorithm ${algorithm}.` }))
}

const curves = {
  ECC_NIST_P256: p256,
  ECC_NIST_P384: p384,
  ECC_NIST_P521: p521,
  ECC_SECG_P256K1: secp256k1
} as const

/**
 * The DER prefix of each curve's SubjectPublicKeyInfo (RFC 5480 §2): the `id-ecPublicKey` and
 * named-curve identifiers and the BIT STRING header; the uncompressed point follows.
 */
const SPKI_PREFIX: Readonly<Record<EccKeySpec, string>> = {
  ECC_NIST_P256: "3059301306072a8648ce3d020106082a8648ce3d030107034200",
  ECC_NIST_P384: "3076301006072a8648ce3d020106052b81040022036200",
  ECC_NIST_P521: "30819b301006072a8648ce3d020106052b8104002303818600",
  ECC_SECG_P256K1: "3056301006072a8648ce3d020106052b8104000a034200"
} as const

const fromHex = (hex: string): Uint8Array => Uint8Array.from(hex.match(/../g) ?? [], (b) => parseInt(b, 16))

/** How many random bytes `eccSecretKey` reduces to a private scalar (FIPS 186-5 A.2.1: 64 bits more than the order). */
export const eccSeedBytes = (spec: EccKeySpec): number => curves[spec].lengths.seed ?? 0

/** A private scalar from `seed` random bytes, reduced without bias. */
export const eccSecretKey = (spec: EccKeySpec, seed: Uint8Array): Uint8Array => curves[spec].utils.randomSecretKey(seed)

/** The SubjectPublicKeyInfo DER of an ECC key, as GetPublicKey returns it. */
export const eccPublicKey = (spec: EccKeySpec, secretKey: Uint8Array): Uint8Array => {
  const prefix = fromHex(SPKI_PREFIX[spec])
  const point = curves[spec].getPublicKey(secretKey, false)
  const out = new Uint8Array(prefix.length + point.length)
  out.set(prefix, 0)
  out.set(point, prefix.length)
  return out
}

/** A DER TLV (X.690 §8.1): tag, definite length (short or long form), contents. */
const der = (tag: number, contents: Uint8Array): Uint8Array => {
  const n = contents.length
  const length = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff]
  return concat(Uint8Array.of(tag, ...length), contents)
}

/**
 * The PKCS #8 `PrivateKeyInfo` DER (RFC 5958 §2) of an ECC key: version 0, the SubjectPublicKeyInfo's
 * own AlgorithmIdentifier (`id-ecPublicKey` and the named curve, RFC 5480 §2.1.1), and an RFC 5915
 * `ECPrivateKey` (version 1, the scalar as a fixed-length OCTET STRING, the public point in `[1]`, the
 * parameters left to the AlgorithmIdentifier), as OpenSSL writes it.
 */
export const eccPrivateKeyInfo = (spec: EccKeySpec, secretKey: Uint8Array): Uint8Array => {
  const spki = eccPublicKey(spec, secretKey)
  // The SPKI is SEQUENCE { AlgorithmIdentifier, BIT STRING }: its AlgorithmIdentifier is the TLV after the outer header.
  const outerHeader = spki[1]! & 0x80 ? 2 + (spki[1]! & 0x7f) : 2
  const algorithm = spki.subarray(outerHeader, outerHeader + 2 + spki[outerHeader + 1]!)
  const point = curves[spec].getPublicKey(secretKey, false)
  const ecPrivateKey = der(
    0x30,
    concat(Uint8Array.of(0x02, 0x01, 0x01), der(0x04, secretKey), der(0xa1, der(0x03, concat(Uint8Array.of(0), point))))
  )
  return der(0x30, concat(Uint8Array.of(0x02, 0x01, 0x00), algorithm, der(0x04, ecPrivateKey)))
}

/**
 * ECDSA over a digest, DER-encoded (`ECDSA-Sig-Value`, RFC 3279 §2.2.3) as KMS returns it. The
 * nonce is derived from the key and digest (RFC 6979), so no randomness is drawn.
 */
export const ecdsaSign = (spec: EccKeySpec, secretKey: Uint8Array, digest: Uint8Array): Uint8Array =>
  curves[spec].sign(digest, secretKey, { prehash: false, format: "der" })

/** Verifies a DER ECDSA signature; high-S signatures, which other signers make, are accepted. */
export const ecdsaVerify = (spec: EccKeySpec, secretKey: Uint8Array, digest: Uint8Array, signature: Uint8Array): boolean => {
  try {
    return curves[spec].verify(signature, digest, curves[spec].getPublicKey(secretKey, false), {
      prehash: false,
      format: "der",
      lowS: false
    })
  } catch {
    return false
  }
}

const concat = (...parts: ReadonlyArray<Uint8Array>): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

const equal = (a: Uint8Array, b: Uint8Array): boolean => {
  if (a.length !== b.length) return false
  let difference = 0
  for (let i = 0; i < a.length; i++) difference |= a[i]! ^ b[i]!
  return difference === 0
}

/** MGF1 (RFC 8017 §B.2.1). */
const mgf1 = (hash: Hash, seed: Uint8Array, length: number): Uint8Array => {
  const out = new Uint8Array(length)
  const counter = new Uint8Array(4)
  for (let i = 0, at = 0; at < length; i++, at += hash.outputLen) {
    new DataView(counter.buffer).setUint32(0, i)
    out.set(hash(concat(seed, counter)).subarray(0, length - at), at)
  }
  return out
}

/** The encoded message as long as the modulus (RSASP1 takes k octets; RFC 8017 §8.1.1 step 2). */
const toModulusLength = (encoded: Uint8Array, modulusBits: number): Uint8Array =>
  concat(new Uint8Array(modulusBits / 8 - encoded.length), encoded)

/**
 * EMSA-PSS-ENCODE (RFC 8017 §9.1.1) of a digest, with MGF1 over the same hash and a salt as long as
 * the hash, as KMS signs (KMS Developer Guide, "Key spec reference", RSA key specs for signing).
 */
export const pssEncode = (algorithm: SigningAlgorithm, digest: Uint8Array, salt: Uint8Array, modulusBits: number): Uint8Array => {
  const hash = hashOf(algorithm)
  const emBits = modulusBits - 1
  const emLen = Math.ceil(emBits / 8)
  const h = hash(concat(new Uint8Array(8), digest, salt))
  const db = concat(new Uint8Array(emLen - salt.length - hash.outputLen - 2), Uint8Array.of(1), salt)
  const mask = mgf1(hash, h, db.length)
  for (let i = 0; i < db.length; i++) db[i]! ^= mask[i]!
  db[0]! &= 0xff >>> (8 * emLen - emBits)
  return toModulusLength(concat(db, h, Uint8Array.of(0xbc)), modulusBits)
}

/** EMSA-PSS-VERIFY (RFC 8017 §9.1.2), any salt length, on the encoded message RSAVP1 gave. */
export const pssVerify = (algorithm: SigningAlgorithm, digest: Uint8Array, encoded: Uint8Array, modulusBits: number): boolean => {
  const hash = hashOf(algorithm)
  const emBits = modulusBits - 1
  const emLen = Math.ceil(emBits / 8)
  // RSAVP1's k octets hold EM after 8k - emLen leading zero octets (none for these moduli).
  if (encoded.length !== modulusBits / 8 || encoded.subarray(0, encoded.length - emLen).some((b) => b !== 0)) return false
  const em = encoded.subarray(encoded.length - emLen)
  if (emLen < hash.outputLen + 2 || em[emLen - 1] !== 0xbc) return false
  const zeroBits = 8 * emLen - emBits
  const masked = em.subarray(0, emLen - hash.outputLen - 1)
  const h = em.subarray(emLen - hash.outputLen - 1, emLen - 1)
  if ((masked[0]! & ~(0xff >>> zeroBits) & 0xff) !== 0) return false
  const mask = mgf1(hash, h, masked.length)
  const db = masked.map((b, i) => b ^ mask[i]!)
  db[0]! &= 0xff >>> zeroBits
  const one = db.indexOf(1)
  if (one < 0 || db.subarray(0, one).some((b) => b !== 0)) return false
  return equal(hash(concat(new Uint8Array(8), digest, db.subarray(one + 1))), h)
}

/** The DER `DigestInfo` prefix of each hash (RFC 8017 §9.2, note 1). */
const DIGEST_INFO: Readonly<Record<string, string>> = {
  "32": "3031300d060960864801650304020105000420",
  "48": "3041300d060960864801650304020205000430",
  "64": "3051300d060960864801650304020305000440"
} as const

/** EMSA-PKCS1-v1_5-ENCODE (RFC 8017 §9.2) of a digest, as long as the modulus. */
export const pkcs1Encode = (digest: Uint8Array, modulusBits: number): Uint8Array => {
  const t = concat(fromHex(DIGEST_INFO[String(digest.length)] ?? ""), digest)
  const k = modulusBits / 8
  return concat(Uint8Array.of(0, 1), new Uint8Array(k - t.length - 3).fill(0xff), Uint8Array.of(0), t)
}

/** Whether RSAVP1's output is the PKCS #1 v1.5 encoding of `digest`. */
export const pkcs1Verify = (digest: Uint8Array, encoded: Uint8Array, modulusBits: number): boolean =>
  equal(encoded, pkcs1Encode(digest, modulusBits))

const macHashes: Readonly<Record<MacAlgorithm, Hash>> = {
  HMAC_SHA_224: sha224,
  HMAC_SHA_256: sha256,
  HMAC_SHA_384: sha384,
  HMAC_SHA_512: sha512
} as const

/** HMAC (RFC 2104) of `message` under `key`. */
export const mac = (algorithm: MacAlgorithm, key: Uint8Array, message: Uint8Array): Uint8Array =>
  hmac(macHashes[algorithm], key, message)

/** Compares a MAC in constant time. */
export const macMatches = (algorithm: MacAlgorithm, key: Uint8Array, message: Uint8Array, candidate: Uint8Array): boolean =>
  equal(mac(algorithm, key, message), candidate)
