/**
 * The three hash primitives request signing needs, behind one small interface.
 *
 * SigV4 uses SHA-256 and HMAC-SHA256 (AWS General Reference, "Signature Version 4 signing process");
 * legacy SigV2 uses HMAC-SHA256 or HMAC-SHA1. This module's implementation is the portable reference
 * on `@noble/hashes`; `NodeHashing` provides the same interface on `node:crypto` (native, faster),
 * and a property test proves the two agree byte for byte.
 *
 * Inputs are bytes, or text standing for its UTF-8 bytes: what SigV4 hashes and signs is mostly text
 * (the canonical request, the string to sign, the scope's parts), and a native implementation can
 * hash a string without first copying it into a byte array.
 *
 * @since 0.1.0
 */
import { hmac } from "@noble/hashes/hmac.js"
import { sha1 } from "@noble/hashes/legacy.js"
import { sha256 } from "@noble/hashes/sha2.js"
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js"

/**
 * What may be hashed: bytes, or a text, which stands for its UTF-8 encoding (WHATWG Encoding
 * "UTF-8 encode": a lone surrogate becomes U+FFFD).
 *
 * @category models
 */
export type HashInput = Uint8Array | string

/**
 * @category models
 */
export interface Hashing {
  /** SHA-256 of `data` (FIPS 180-4 §6.2). */
  readonly sha256: (data: HashInput) => Uint8Array
  /** HMAC-SHA256 (RFC 2104) of `data` under `key`. */
  readonly hmacSha256: (key: HashInput, data: HashInput) => Uint8Array
  /** HMAC-SHA1 (RFC 2104), only for SigV2's `SignatureMethod=HmacSHA1`. */
  readonly hmacSha1: (key: HashInput, data: HashInput) => Uint8Array
  /**
   * `sha256` as lower-case hex, the form SigV4 writes its hashes in; a native implementation
   * answers it without first making a byte array.
   */
  readonly sha256Hex: (data: HashInput) => string
  /** `hmacSha256` as lower-case hex, the form of a SigV4 signature. */
  readonly hmacSha256Hex: (key: HashInput, data: HashInput) => string
}

const bytesOf = (input: HashInput): Uint8Array => (typeof input === "string" ? utf8ToBytes(input) : input)

/**
 * The portable implementation: pure JavaScript, runs anywhere.
 *
 * @category constructors
 */
export const nobleHashing: Hashing = {
  sha256: (data) => sha256(bytesOf(data)),
  hmacSha256: (key, data) => hmac(sha256, bytesOf(key), bytesOf(data)),
  hmacSha1: (key, data) => hmac(sha1, bytesOf(key), bytesOf(data)),
  sha256Hex: (data) => bytesToHex(sha256(bytesOf(data))),
  hmacSha256Hex: (key, data) => bytesToHex(hmac(sha256, bytesOf(key), bytesOf(data)))
}
