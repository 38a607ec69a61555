/**
 * Byte-level percent-encoding and the other small helpers the signature modules share.
 *
 * Everything works on UTF-8 bytes, never on JavaScript's UTF-16 code units, so a malformed escape or
 * an unpaired surrogate can never throw: untrusted input only ever yields a wrong signature.
 */
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js"
import { hexDigitValue } from "../../internal/hexDigit.js"

export { bytesToHex, utf8ToBytes }

const HEX_DIGITS = "0123456789ABCDEF"

/** RFC 3986 §2.3 unreserved characters: the only ones SigV4 (and SigV2) leave unescaped. */
const isUnreserved = (byte: number): boolean =>
  (byte >= 0x41 && byte <= 0x5a) || // A-Z
  (byte >= 0x61 && byte <= 0x7a) || // a-z
  (byte >= 0x30 && byte <= 0x39) || // 0-9
  byte === 0x2d || byte === 0x2e || byte === 0x5f || byte === 0x7e // - . _ ~

/**
 * Percent-encodes every byte but the unreserved ones, with upper-case hex digits, as the SigV4
 * "UriEncode" function requires (AWS General Reference, "Create a canonical request").
 */
export const percentEncode = (bytes: Uint8Array): string => {
  let out = ""
  for (const byte of bytes) {
    out += isUnreserved(byte) ? String.fromCharCode(byte) : `%${HEX_DIGITS[byte >> 4]}${HEX_DIGITS[byte & 0x0f]}`
  }
  return out
}

/**
 * Undoes `%XX` escapes (RFC 3986 §2.1) on the UTF-8 bytes of `text`. A `%` not followed by two hex
 * digits is kept as a literal byte rather than rejected: it then simply re-encodes as `%25`.
 */
export const percentDecode = (text: string): Uint8Array => {
  const bytes = utf8ToBytes(text)
  const out = new Uint8Array(bytes.length)
  let n = 0
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!
    const high = byte === 0x25 && i + 2 < bytes.length ? hexDigitValue(bytes[i + 1]!) : -1
    const low = high >= 0 ? hexDigitValue(bytes[i + 2]!) : -1
    if (low >= 0) {
      out[n++] = (high << 4) | low
      i += 2
    } else {
      out[n++] = byte
    }
  }
  return out.slice(0, n)
}

/**
 * The bytes a byte string stands for (one character per byte, as Node hands over header values).
 * All-ASCII text, the usual case, is returned as it is, since its UTF-8 encoding is the same bytes
 * and a native hash takes a string without a copy. A character above U+00FF cannot have come off
 * the wire; it stands for its UTF-8 bytes, so text built in memory is still hashed as signers do.
 */
export const byteStringBytes = (text: string): Uint8Array | string => {
  if (/^[\x00-\x7f]*$/.test(text)) return text
  const out: Array<number> = []
  for (const char of text) {
    const code = char.codePointAt(0)!
    if (code <= 0xff) out.push(code)
    else out.push(...utf8ToBytes(char))
  }
  return Uint8Array.from(out)
}

const readableDecoder = new TextDecoder("utf-8", { fatal: false })

/** A byte string shown as the UTF-8 text it carries (invalid sequences as U+FFFD), for messages. */
export const byteStringText = (text: string): string => {
  const bytes = byteStringBytes(text)
  return typeof bytes === "string" ? bytes : readableDecoder.decode(bytes)
}

/** A component as the client meant it (escapes undone), encoded the one way SigV4 accepts. */
export const reencode = (component: string): string => percentEncode(percentDecode(component))

const utf8Decoder = new TextDecoder("utf-8", { fatal: false })

/** Decodes a URI component to text; invalid UTF-8 becomes U+FFFD instead of an exception. */
export const decodeComponent = (component: string): string => utf8Decoder.decode(percentDecode(component))

/** Decodes an `application/x-www-form-urlencoded` component, where `+` stands for a space (WHATWG URL §5.1). */
export const decodeFormComponent = (component: string): string => decodeComponent(component.replaceAll("+", " "))

/** One `key=value` of a query string, still encoded exactly as it arrived. */
export interface RawQueryPair {
  readonly key: string
  readonly value: string
}

/**
 * Splits a raw query string on `&`, each piece at its first `=`; a piece without `=` has an empty
 * value, and empty pieces (`a=1&&b=2`) carry nothing and are dropped.
 */
export const splitQuery = (rawQuery: string): ReadonlyArray<RawQueryPair> =>
  rawQuery
    .split("&")
    .filter((piece) => piece !== "")
    .map((piece) => {
      const eq = piece.indexOf("=")
      return eq < 0 ? { key: piece, value: "" } : { key: piece.slice(0, eq), value: piece.slice(eq + 1) }
    })

const NO_VALUES: ReadonlyArray<string> = []

/** Every value of the query parameter `name` (matched after decoding, case-sensitively), in order. */
export const queryValues = (rawQuery: string, name: string): ReadonlyArray<string> =>
  // Signed POST requests have no query at all: nothing to split.
  rawQuery === ""
    ? NO_VALUES
    : splitQuery(rawQuery).flatMap((pair) => (decodeComponent(pair.key) === name ? [decodeComponent(pair.value)] : []))

/**
 * Every value of header `name` (matched case-insensitively, RFC 9110 §5.1), in request order. A
 * request has a dozen headers or so, and most are asked for once: one pass that compares lengths
 * before case-folding costs less than building an index of them all. Names are ASCII tokens (RFC 9110
 * §5.6.2; Node's parser refuses others), so folding never changes a length.
 */
export const headerValues = (
  rawHeaders: ReadonlyArray<readonly [string, string]>,
  name: string
): ReadonlyArray<string> => {
  const wanted = name.toLowerCase()
  let values: Array<string> | undefined
  for (const [key, value] of rawHeaders) {
    if (key.length === wanted.length && (key === wanted || key.toLowerCase() === wanted)) {
      if (values === undefined) values = [value]
      else values.push(value)
    }
  }
  return values ?? NO_VALUES
}

/**
 * Compares two texts (hex or base64 signatures, session tokens) in time that depends only on their
 * lengths, so a forger cannot learn a signature character by character from response times. Lengths
 * are public (a signature's length is fixed). The UTF-16 code units are compared as they are, so
 * neither side is first copied into bytes.
 */
export const constantTimeEqualText = (a: string, b: string): boolean => {
  if (a.length !== b.length) return false
  let difference = 0
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i)
  return difference === 0
}

/** Standard base64 (RFC 4648 §4), as SigV2 signatures are written. */
export const base64 = (bytes: Uint8Array): string => {
  let binary = ""
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary)
}

/**
 * `name=value` pairs, already encoded (so ASCII, where code-unit order is byte order), sorted by name
 * and then by value and joined with `&`: the canonical parameter order of SigV4's query string and
 * SigV2's string to sign. Comparing names first keeps `a=2` before `a-b=1`.
 */
export const joinSortedPairs = (pairs: ReadonlyArray<readonly [string, string]>): string =>
  [...pairs]
    .sort(([nameA, valueA], [nameB, valueB]) =>
      nameA !== nameB ? (nameA < nameB ? -1 : 1) : valueA < valueB ? -1 : valueA > valueB ? 1 : 0
    )
    .map(([name, value]) => `${name}=${value}`)
    .join("&")
