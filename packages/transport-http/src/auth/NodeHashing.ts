/**
 * `Hashing` on `node:crypto`: the same bytes as the `@noble/hashes` reference, computed natively.
 * The server uses this one.
 *
 * @since 0.1.0
 */
import { createHash, createHmac } from "node:crypto"
import type { Hashing } from "./Hashing.js"

const asBytes = (buffer: Buffer): Uint8Array => new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)

/**
 * @category constructors
 */
export const nodeHashing: Hashing = {
  sha256: (data) => asBytes(createHash("sha256").update(data).digest()),
  hmacSha256: (key, data) => asBytes(createHmac("sha256", key).update(data).digest()),
  hmacSha1: (key, data) => asBytes(createHmac("sha1", key).update(data).digest())
}
