/**
 * The ciphertext blob: what Encrypt and GenerateDataKey return and Decrypt takes back.
 *
 * Format version 1, and 2 for multi-Region keys (the package README has the same table):
 *
 * | offset | bytes | field |
 * | --- | --- | --- |
 * | 0 | 1 | format version: `0x01` for a key id that is a UUID, `0x02` for a multi-Region key id |
 * | 1 | 16 | key id: the UUID's 16 bytes (RFC 9562 §4), or the 32 hex digits after `mrk-` as 16 bytes |
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

/** The format of blobs under single-Region keys, whose ids are UUIDs. @category encoding */
export const FORMAT_VERSION = 1
/** The same format under multi-Region keys, whose ids are `mrk-` and 32 hex digits. @category encoding */
export const FORMAT_VERSION_MULTI_REGION = 2

const MULTI_REGION_PREFIX = "mrk-"
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

const bytesToHex = (bytes: Uint8Array): string => {
  let h = ""
  for (const b of bytes) h += b.toString(16).padStart(2, "0")
  return h
}

const bytesToUuid = (bytes: Uint8Array): string => {
  const h = bytesToHex(bytes)
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`
}

/**
 * The 21-byte header. Key ids are always ids this package made (a UUID, or `mrk-` and 32 hex
 * digits), so a malformed one is a programming error and throws.
 *
 * @category encoding
 */
export const encodeHeader = (header: Header): Uint8Array => {
  const out = new Uint8Array(HEADER_BYTES)
  const multiRegion = header.keyId.startsWith(MULTI_REGION_PREFIX)
  out[0] = multiRegion ? FORMAT_VERSION_MULTI_REGION : FORMAT_VERSION
  out.set(uuidToBytes(multiRegion ? header.keyId.slice(MULTI_REGION_PREFIX.length) : header.keyId), 1)
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
  const version = bytes[0]
  if (bytes.length < OVERHEAD_BYTES || (version !== FORMAT_VERSION && version !== FORMAT_VERSION_MULTI_REGION)) {
    return Either.left(invalidCiphertext())
  }
  const materialVersion = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(17)
  if (materialVersion === 0) return Either.left(invalidCiphertext())
  return Either.right({
    keyId: version === FORMAT_VERSION ? bytesToUuid(bytes.subarray(1, 17)) : MULTI_REGION_PREFIX + bytesToHex(bytes.subarray(1, 17)),
    materialVersion,
    nonce: bytes.slice(HEADER_BYTES, HEADER_BYTES + NONCE_BYTES),
    sealed: bytes.slice(HEADER_BYTES + NONCE_BYTES)
  })
}
