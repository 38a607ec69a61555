/**
 * The MD5 digests SQS answers with, which the SDKs recompute and compare: MD5OfMessageBody and
 * MD5OfMessageAttributes (Developer Guide, "Calculating the MD5 message digest for message
 * attributes"; RFC 1321).
 *
 * MD5 serves here only as the checksum the protocol fixes, never as a security measure.
 *
 * @since 0.1.0
 */
import { md5 } from "@noble/hashes/legacy.js"
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js"
import { Context, Layer } from "effect"
import type { MessageAttributes } from "../Message.js"

/**
 * MD5 (RFC 1321) as a service, so the broker can hash with `node:crypto` what the core hashes in
 * JavaScript: a 1 KiB body costs 21 µs here against 3 (docs/PERFORMANCE.md, "MD5 of a body as a
 * service").
 *
 * @category models
 */
export interface Md5Service {
  /** The digest in lower-case hex of `data`: of its UTF-8 bytes when it is text. */
  readonly hex: (data: string | Uint8Array) => string
}

/**
 * @category tags
 */
export class Md5 extends Context.Tag("@sealcast/core/Md5")<Md5, Md5Service>() {}

/**
 * MD5 on `@noble/hashes`, which runs anywhere.
 *
 * @category constructors
 */
export const makeNoble = (): Md5Service => ({ hex: (data) => bytesToHex(md5(typeof data === "string" ? utf8ToBytes(data) : data)) })

/**
 * @category layers
 */
export const layerNoble: Layer.Layer<Md5> = Layer.sync(Md5, makeNoble)

const noble = makeNoble()

/**
 * "An MD5 digest of the non-URL-encoded message body string": of its UTF-8 bytes, in lower-case hex.
 *
 * @category digests
 */
export const md5OfMessageBody = (body: string): string => noble.hex(body)

/** Transport types of the encoding: 1 for String and Number (and their custom types), 2 for Binary. */
const STRING_TRANSPORT = 1
const BINARY_TRANSPORT = 2

const lengthPrefixed = (bytes: Uint8Array): Array<Uint8Array> => {
  const length = new Uint8Array(4)
  new DataView(length.buffer).setUint32(0, bytes.length, false)
  return [length, bytes]
}

/**
 * The attribute encoding the digest is taken over, attribute by attribute in the order of their
 * names: the name, the data type and the value, each as a 4-byte big-endian length and its bytes
 * (names, types and string values in UTF-8), with one byte between type and value saying how the
 * value travels (1 string, 2 binary). "Sort the attributes by name in ascending order" compares the
 * names as the SDKs' sorted maps do, by UTF-16 code units.
 *
 * @category encoding
 */
export const encodeMessageAttributes = (attributes: MessageAttributes): Uint8Array => {
  const parts: Array<Uint8Array> = []
  for (const name of Object.keys(attributes).sort()) {
    const value = attributes[name]!
    parts.push(...lengthPrefixed(utf8ToBytes(name)), ...lengthPrefixed(utf8ToBytes(value.dataType)))
    if (value.binaryValue !== undefined) {
      parts.push(Uint8Array.of(BINARY_TRANSPORT), ...lengthPrefixed(value.binaryValue))
    } else {
      parts.push(Uint8Array.of(STRING_TRANSPORT), ...lengthPrefixed(utf8ToBytes(value.stringValue)))
    }
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

/**
 * MD5OfMessageAttributes, or `undefined` for a message without attributes (SQS then leaves the
 * element out).
 *
 * @category digests
 */
export const md5OfMessageAttributes = (attributes: MessageAttributes): string | undefined =>
  Object.keys(attributes).length === 0 ? undefined : noble.hex(encodeMessageAttributes(attributes))
