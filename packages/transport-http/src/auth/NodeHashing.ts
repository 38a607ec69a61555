/**
 * `Hashing` on `node:crypto`: the same bytes as the `@noble/hashes` reference, computed natively.
 * The server uses this one.
 *
 * @since 0.1.0
 */
import { createHmac, hash } from "node:crypto"
import type { Hashing } from "./Hashing.js"

const asBytes = (buffer: Buffer): Uint8Array => new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)

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
  hmacSha256Hex: (key, data) => createHmac("sha256", key).update(data).digest("hex")
}
