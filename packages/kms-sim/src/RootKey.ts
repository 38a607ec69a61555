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
import { hmac } from "@noble/hashes/hmac.js"
import { sha256 } from "@noble/hashes/sha2.js"
import { utf8ToBytes } from "@noble/hashes/utils.js"
import { Context, Data, Effect, Either, Encoding, Layer } from "effect"
import type { KeyRecord, WrappedMaterial } from "./Key.js"

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

const CHECK_LABEL = utf8ToBytes("sealcast/kms-sim root key check v1")

/**
 * The root key's check value: HMAC-SHA-256 keyed with the root key over a fixed label (RFC 2104,
 * FIPS 198-1). Kept with the key store, so a start with another root key is refused before any key
 * is used; it tells nothing about the key (HMAC is a PRF) and is never the key itself.
 *
 * @category encoding
 */
export const checkValue = (root: RootKeyService): Uint8Array => hmac(sha256, root.bytes, CHECK_LABEL)

/** Compares in constant time: the check value is a MAC. */
export const checkValueMatches = (root: RootKeyService, stored: Uint8Array): boolean => {
  const expected = checkValue(root)
  if (stored.length !== expected.length) return false
  let difference = 0
  for (let i = 0; i < expected.length; i++) difference |= expected[i]! ^ stored[i]!
  return difference === 0
}

/**
 * The key store cannot be used with this root key: it was written under another one
 * (`OtherRootKey`, found by the check value), or the material of the keys in `keyIds` does not
 * open under it (`RecordsDoNotOpen`: damaged or altered records, or, in a store without a check
 * value yet, another root key).
 *
 * @category errors
 */
export class KeyStoreRootKeyMismatch extends Data.TaggedError("KeyStoreRootKeyMismatch")<{
  readonly message: string
  readonly reason: "OtherRootKey" | "RecordsDoNotOpen"
  /** How many keys the store holds. */
  readonly keyCount: number
  /** The keys whose material does not open (`RecordsDoNotOpen`). */
  readonly keyIds: ReadonlyArray<string>
}> {}

/**
 * The ids of the keys some of whose material does not open under the root key.
 *
 * @category utils
 */
export const keysThatDoNotOpen = (
  cipher: CipherService,
  root: RootKeyService,
  keys: ReadonlyArray<KeyRecord>
): Effect.Effect<ReadonlyArray<string>> =>
  Effect.map(
    Effect.forEach(keys, (key) =>
      Effect.map(
        Effect.forEach(key.materials, (material) => Effect.either(unwrapMaterial(cipher, root, key.keyId, material))),
        (opened) => (opened.some(Either.isLeft) ? [key.keyId] : [])
      )),
    (ids) => ids.flat()
  )

/**
 * Checks the root key against a loaded store: the check value if the store has one, then every
 * key's material. Returns the check value to store when the store has none (a store from before
 * check values, or an empty one) or an outdated one in an empty store; undefined when it is in place.
 *
 * @category utils
 */
export const verifyAgainstStore = (
  cipher: CipherService,
  root: RootKeyService,
  store: { readonly keys: ReadonlyArray<KeyRecord>; readonly rootKeyCheck?: Uint8Array | undefined }
): Effect.Effect<Uint8Array | undefined, KeyStoreRootKeyMismatch> =>
  Effect.gen(function* () {
    const keyCount = store.keys.length
    const matches = store.rootKeyCheck !== undefined && checkValueMatches(root, store.rootKeyCheck)
    if (store.rootKeyCheck !== undefined && !matches && keyCount > 0) {
      return yield* new KeyStoreRootKeyMismatch({
        message: `the key store's ${keyCount} keys were written under another root key`,
        reason: "OtherRootKey",
        keyCount,
        keyIds: []
      })
    }
    const keyIds = yield* keysThatDoNotOpen(cipher, root, store.keys)
    if (keyIds.length > 0) {
      return yield* new KeyStoreRootKeyMismatch({
        message: `the material of ${keyIds.length} of the key store's ${keyCount} keys does not open under the root key: ${keyIds.join(", ")}`,
        reason: "RecordsDoNotOpen",
        keyCount,
        keyIds
      })
    }
    return matches ? undefined : checkValue(root)
  })
