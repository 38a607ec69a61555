/**
 * The ciphertext blob: what Encrypt and GenerateDataKey return and Decrypt takes back.
 *
 * Format version 1 (the package README has the same table):
 *
 * | offset | bytes | field |
 * | --- | --- | --- |
 * | 0 | 1 | format version, `0x01` |
 * | 1 | 16 | key id (the UUID's 16 bytes, RFC 9562 §4) |
 * | 17 | 4 | key-material version, unsigned big-endian |
 * | 21 | 12 | AES-GCM nonce (SP 800-38D §8.2.2, random) |
 * | 33 | n | AES-256-GCM ciphertext of the n-byte plaintext |
 * | 33 + n | 16 | GCM authentication tag (SP 800-38D §5.2.1.2, full 128 bits) |
 *
 * The additional authenticated data is the 21-byte header followed by the canonical encoding of the
 * encryption context (`@sealcast/core` EncryptionContext: pair count, then sorted pairs, every part
 * length-prefixed). Binding the header means a blob cannot be re-labelled with another key or
 * version; binding the context means Decrypt succeeds only with exactly the context of Encrypt.
 *
 * @since 0.1.0
 */
import { canonicalize, type EncryptionContext } from "@sealcast/core/EncryptionContext"
import { NONCE_BYTES, TAG_BYTES } from "@sealcast/core/Cipher"
import { Either } from "effect"
import { invalidCiphertext, type InvalidCiphertextException } from "./Errors.js"

/** @category encoding */
export const FORMAT_VERSION = 1
/** @category encoding */
export const HEADER_BYTES = 21
/** Everything but the ciphertext proper. @category encoding */
export const OVERHEAD_BYTES = HEADER_BYTES + NONCE_BYTES + TAG_BYTES

/** @category models */
export interface Header {
  readonly keyId: string
  readonly materialVersion: number
}

/** @category models */
export interface Blob extends Header {
  readonly nonce: Uint8Array
  /** Ciphertext and tag, as the Cipher service seals them. */
  readonly sealed: Uint8Array
}

/** A hex digit's value, or -1. */
const hexDigit = (code: number): number => {
  if (code >= 48 && code <= 57) return code - 48 // 0-9
  const lower = code | 0x20
  return lower >= 97 && lower <= 102 ? lower - 87 : -1 // a-f, A-F
}

/**
 * The 16 bytes of a UUID's 32 hex digits, hyphens skipped (RFC 9562 §4). Reads the text in one pass
 * without building intermediate strings: this runs on every Encrypt and GenerateDataKey.
 */
const uuidToBytes = (uuid: string): Uint8Array => {
  const out = new Uint8Array(16)
  let digits = 0
  for (let i = 0; i < uuid.length; i++) {
    const code = uuid.charCodeAt(i)
    if (code === 45) continue // "-"
    const value = hexDigit(code)
    if (value < 0 || digits === 32) throw new RangeError(`not a UUID: ${uuid}`)
    out[digits >> 1] = (out[digits >> 1]! << 4) | value
    digits++
  }
  if (digits !== 32) throw new RangeError(`not a UUID: ${uuid}`)
  return out
}

const bytesToUuid = (bytes: Uint8Array): string => {
  let h = ""
  for (const b of bytes) h += b.toString(16).padStart(2, "0")
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`
}

/**
 * The 21-byte header. Key ids are always UUIDs this package made, so a malformed one is a
 * programming error and throws.
 *
 * @category encoding
 */
export const encodeHeader = (header: Header): Uint8Array => {
  const out = new Uint8Array(HEADER_BYTES)
  out[0] = FORMAT_VERSION
  out.set(uuidToBytes(header.keyId), 1)
  new DataView(out.buffer).setUint32(17, header.materialVersion)
  return out
}

/**
 * The AES-GCM additional authenticated data: header, then canonical context.
 *
 * @category encoding
 */
export const additionalData = (header: Header, context: EncryptionContext): Uint8Array => {
  const head = encodeHeader(header)
  const ctx = canonicalize(context)
  const out = new Uint8Array(head.length + ctx.length)
  out.set(head, 0)
  out.set(ctx, head.length)
  return out
}

/** @category encoding */
export const encode = (blob: Blob): Uint8Array => {
  const head = encodeHeader(blob)
  const out = new Uint8Array(HEADER_BYTES + NONCE_BYTES + blob.sealed.length)
  out.set(head, 0)
  out.set(blob.nonce, HEADER_BYTES)
  out.set(blob.sealed, HEADER_BYTES + NONCE_BYTES)
  return out
}

/**
 * Reads a blob from untrusted bytes. Too short, an unknown format version or a zero material
 * version are `InvalidCiphertextException`, like any other bad ciphertext.
 *
 * @category encoding
 */
export const decode = (bytes: Uint8Array): Either.Either<Blob, InvalidCiphertextException> => {
  if (bytes.length < OVERHEAD_BYTES || bytes[0] !== FORMAT_VERSION) return Either.left(invalidCiphertext())
  const materialVersion = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(17)
  if (materialVersion === 0) return Either.left(invalidCiphertext())
  return Either.right({
    keyId: bytesToUuid(bytes.subarray(1, 17)),
    materialVersion,
    nonce: bytes.slice(HEADER_BYTES, HEADER_BYTES + NONCE_BYTES),
    sealed: bytes.slice(HEADER_BYTES + NONCE_BYTES)
  })
}
