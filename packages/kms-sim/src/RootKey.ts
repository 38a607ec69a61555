/**
 * The root key: the one AES-256 key that wraps every KMS key's material at rest.
 *
 * Key material is written only wrapped (AES-256-GCM under the root key, SP 800-38D), with additional
 * data binding the key id and material version, so a wrapped blob cannot be moved to another key or
 * version in the store and still open. Reading the root key from a file or an environment variable
 * is the broker's I/O; parsing the text is a pure function here.
 *
 * @since 0.1.0
 */
import { type CipherService, KEY_BYTES } from "@sealcast/core/Cipher"
import { utf8ToBytes } from "@noble/hashes/utils.js"
import { Context, Data, Either, Encoding, Layer } from "effect"
import type { WrappedMaterial } from "./Key.js"

/** @category models */
export interface RootKeyService {
  readonly bytes: Uint8Array
}

/** @category services */
export class RootKey extends Context.Tag("@sealcast/kms-sim/RootKey")<RootKey, RootKeyService>() {}

/** @category errors */
export class RootKeyError extends Data.TaggedError("RootKeyError")<{ readonly message: string }> {}

/**
 * Reads a root key from text (a file's contents or an environment variable): 64 hex digits or
 * base64 of exactly 32 bytes, surrounding whitespace ignored.
 *
 * @category constructors
 */
export const parse = (text: string): Either.Either<Uint8Array, RootKeyError> => {
  const trimmed = text.trim()
  const decoded = /^[0-9a-fA-F]{64}$/.test(trimmed) ? Encoding.decodeHex(trimmed) : Encoding.decodeBase64(trimmed)
  return Either.isRight(decoded) && decoded.right.length === KEY_BYTES
    ? Either.right(decoded.right)
    : Either.left(
        new RootKeyError({ message: `The root key must be ${KEY_BYTES} bytes, written as 64 hex digits or in base64.` })
      )
}

/**
 * The warning the broker logs when it made a root key itself inside the data directory.
 *
 * @category constructors
 */
export const developmentDefaultWarning = (path: string): string =>
  `The KMS root key was generated at ${path}, beside the data it protects: anyone who can read the data ` +
  `directory can decrypt the key store. For anything but development, pass a root key file kept elsewhere.`

/**
 * A layer holding `bytes`; anything but 32 bytes is refused at once rather than at first use.
 *
 * @category layers
 */
export const layer = (bytes: Uint8Array): Layer.Layer<RootKey> => {
  if (bytes.length !== KEY_BYTES) throw new RangeError(`root key must be ${KEY_BYTES} bytes, got ${bytes.length}`)
  return Layer.succeed(RootKey, { bytes: bytes.slice() })
}

const WRAP_LABEL = utf8ToBytes("sealcast/kms-sim key material v1")

/**
 * The wrapping AAD: a label, then the key id and material version, so a wrapped blob opens only for
 * the key and version it was made for (SP 800-38D §5.2.1.1, additional authenticated data).
 *
 * @category encoding
 */
export const wrapAad = (keyId: string, version: number): Uint8Array => {
  const id = utf8ToBytes(keyId)
  const out = new Uint8Array(WRAP_LABEL.length + 1 + id.length + 4)
  out.set(WRAP_LABEL, 0)
  out.set(id, WRAP_LABEL.length + 1)
  new DataView(out.buffer).setUint32(out.length - 4, version)
  return out
}

/**
 * Wraps key material under the root key with `nonce` (12 fresh random bytes from `Ids`; SP 800-38D
 * §8.2 forbids ever reusing one under the same key).
 *
 * @category constructors
 */
export const wrapMaterial = (
  cipher: CipherService,
  root: RootKeyService,
  material: { readonly keyId: string; readonly version: number; readonly bytes: Uint8Array },
  nonce: Uint8Array,
  createdAt: number
): WrappedMaterial => ({
  version: material.version,
  createdAt,
  nonce,
  sealed: cipher.seal(root.bytes, nonce, wrapAad(material.keyId, material.version), material.bytes)
})

/**
 * Unwraps material; a failure means the store was tampered with or the root key is wrong.
 *
 * @category constructors
 */
export const unwrapMaterial = (
  cipher: CipherService,
  root: RootKeyService,
  keyId: string,
  wrapped: WrappedMaterial
) => cipher.open(root.bytes, wrapped.nonce, wrapAad(keyId, wrapped.version), wrapped.sealed)
