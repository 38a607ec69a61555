/**
 * `Hashing` on `node:crypto`: the same bytes as the `@noble/hashes` reference, computed natively.
 * The server uses this one.
 *
 * @since 0.1.0
 */
import { createHmac, hash } from "node:crypto"
import type { HashInput, Hashing } from "./Hashing.js"

const asBytes = (buffer: Buffer): Uint8Array => new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)

/** SHA-256's block length in bytes (FIPS 180-4 §5.1.2): HMAC pads its key to it (RFC 2104 §2). */
const BLOCK_BYTES = 64
/** The longest data `hmacSha256Hex` hashes in its scratch; a SigV4 string to sign is about 150 bytes. */
const SCRATCH_DATA_BYTES = 1024

// The inputs of HMAC's two hashes, `(K ^ ipad) || data` and `(K ^ opad) || inner digest`, rewritten
// by every call of `hmacSha256HexOneShot`: it runs to the end without yielding, so no two calls overlap.
const innerInput = Buffer.allocUnsafeSlow(BLOCK_BYTES + SCRATCH_DATA_BYTES)
const outerInput = Buffer.allocUnsafeSlow(BLOCK_BYTES + 32)

/**
 * HMAC-SHA256 as RFC 2104 §2 defines it, `H((K ^ opad) || H((K ^ ipad) || data))`, over two one-shot
 * hashes: no `Hmac` object and its native context per signature (docs/PERFORMANCE.md, "SigV4 and the
 * Publish form with fewer objects"). `key` is at most one block long, `data` fits the scratch.
 */
const hmacSha256HexOneShot = (key: Uint8Array, data: HashInput): string => {
  for (let i = 0; i < BLOCK_BYTES; i++) {
    const byte = i < key.length ? key[i]! : 0
    innerInput[i] = byte ^ 0x36
    outerInput[i] = byte ^ 0x5c
  }
  let length: number
  if (typeof data === "string") {
    length = innerInput.write(data, BLOCK_BYTES, "utf8")
  } else {
    innerInput.set(data, BLOCK_BYTES)
    length = data.length
  }
  // The inner digest as a string of one character per byte ("binary" is Latin-1): a string costs
  // less to make than a Buffer.
  outerInput.write(hash("sha256", innerInput.subarray(0, BLOCK_BYTES + length), "binary"), BLOCK_BYTES, "latin1")
  return hash("sha256", outerInput, "hex")
}

/**
 * Whether `hmacSha256HexOneShot` takes these: a key of one block at most, and data that fits the
 * scratch (UTF-8 takes at most 3 bytes a UTF-16 code unit).
 */
const fitsOneShot = (key: Uint8Array, data: HashInput): boolean =>
  key.length <= BLOCK_BYTES && (typeof data === "string" ? data.length * 3 : data.length) <= SCRATCH_DATA_BYTES

/**
 * A text goes to `node:crypto` as a string, which encodes it as UTF-8 natively (a lone surrogate as
 * U+FFFD, as `TextEncoder` does), with no intermediate byte array. SHA-256 uses the one-shot
 * `crypto.hash`, which skips building a streaming `Hash` object for data that is all at hand. The hex
 * forms come straight from OpenSSL's digest as a string, with no `Buffer` in between.
 *
 * @category constructors
 */
export const nodeHashing: Hashing = {
  sha256: (data) => asBytes(hash("sha256", data, "buffer")),
  hmacSha256: (key, data) => asBytes(createHmac("sha256", key).update(data).digest()),
  hmacSha1: (key, data) => asBytes(createHmac("sha1", key).update(data).digest()),
  sha256Hex: (data) => hash("sha256", data, "hex"),
  hmacSha256Hex: (key, data) =>
    typeof key !== "string" && fitsOneShot(key, data)
      ? hmacSha256HexOneShot(key, data)
      : createHmac("sha256", key).update(data).digest("hex")
}
