/**
 * JSON that keeps bytes: a `Uint8Array` is written as `{"$bytes":"<base64>"}` and read back as a
 * `Uint8Array`, so binary message attributes and key material survive a text column byte for byte.
 * Only an object whose single key is `$bytes` holding a string is read as bytes.
 */

const BYTES_KEY = "$bytes"

const replacer = (_key: string, value: unknown): unknown =>
  value instanceof Uint8Array ? { [BYTES_KEY]: Buffer.from(value.buffer, value.byteOffset, value.length).toString("base64") } : value

const reviver = (_key: string, value: unknown): unknown => {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return value
  const keys = Object.keys(value)
  const encoded = (value as Record<string, unknown>)[BYTES_KEY]
  return keys.length === 1 && typeof encoded === "string" ? new Uint8Array(Buffer.from(encoded, "base64")) : value
}

/** `JSON.stringify` with bytes as tagged base64. */
export const stringify = (value: unknown): string => JSON.stringify(value, replacer)

/** `JSON.parse` turning tagged base64 back into `Uint8Array`s; throws on text that is not JSON. */
export const parse = (text: string): unknown => JSON.parse(text, reviver)
