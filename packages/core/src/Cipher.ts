/**
 * AES-256-GCM sealing of message bodies (NIST SP 800-38D).
 *
 * A service with two layers: this portable one on `@noble/ciphers` (pure JavaScript, runs anywhere),
 * and a `node:crypto` one in the broker app (AES-NI, many times faster). A property test proves both
 * give identical bytes.
 *
 * Bytes in, bytes out. The sealed form is `ciphertext || tag` (16-byte tag), as SP 800-38D §7.1 and
 * every mainstream API lay it out.
 *
 * @since 0.1.0
 */
import { gcm } from "@noble/ciphers/aes.js"
import { Context, Data, Either, Layer } from "effect"

/** AES-256 keys are 32 bytes (FIPS 197 §5). */
export const KEY_BYTES = 32
/** The 96-bit IV that SP 800-38D §8.2 recommends; the only length we use. */
export const NONCE_BYTES = 12
/** The full 128-bit authentication tag (SP 800-38D §5.2.1.2). */
export const TAG_BYTES = 16

/**
 * A sealed box failed to open: wrong key, wrong AAD, or a changed byte (SP 800-38D §7.2).
 *
 * @category errors
 */
export class CipherOpenError extends Data.TaggedError("CipherOpenError")<{ readonly reason: string }> {}

/**
 * @category models
 */
export interface CipherService {
  /**
   * Encrypts under `key` with a 96-bit `nonce` that must never repeat for that key (SP 800-38D §8).
   * Reads `aad` and `plaintext` only while it runs and keeps neither, so a caller may hand it views
   * of buffers it writes again (`Encryption.SealScratch`); the sealed box is a fresh array.
   */
  readonly seal: (key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array) => Uint8Array
  /**
   * Authenticates then decrypts; any failure is a `CipherOpenError`, never a thrown exception. The
   * answer is an `Either`, which is also an `Effect`: a delivery tests it in place, with no fiber.
   */
  readonly open: (
    key: Uint8Array,
    nonce: Uint8Array,
    aad: Uint8Array,
    sealed: Uint8Array
  ) => Either.Either<Uint8Array, CipherOpenError>
}

/**
 * @category services
 */
export class Cipher extends Context.Tag("@sealcast/core/Cipher")<Cipher, CipherService>() {}

/**
 * Refuses keys and nonces of the wrong size before any cipher sees them: a short key must never be
 * silently accepted as AES-128 (SP 800-38D §5.1 leaves the key size to the caller).
 */
export const checkSizes = (key: Uint8Array, nonce: Uint8Array): void => {
  if (key.length !== KEY_BYTES) throw new RangeError(`AES-256-GCM key must be ${KEY_BYTES} bytes, got ${key.length}`)
  if (nonce.length !== NONCE_BYTES) {
    throw new RangeError(`AES-256-GCM nonce must be ${NONCE_BYTES} bytes, got ${nonce.length}`)
  }
}

/**
 * The portable service on `@noble/ciphers`.
 *
 * @category constructors
 */
export const makeNoble = (): CipherService => ({
  seal: (key, nonce, aad, plaintext) => {
    checkSizes(key, nonce)
    return gcm(key, nonce, aad).encrypt(plaintext)
  },
  open: (key, nonce, aad, sealed) =>
    Either.try({
      try: () => {
        checkSizes(key, nonce)
        return gcm(key, nonce, aad).decrypt(sealed)
      },
      catch: (cause) =>
        new CipherOpenError({
          reason: cause instanceof RangeError ? cause.message : "authentication tag mismatch"
        })
    })
})

/**
 * The portable layer: pure JavaScript, runs anywhere.
 *
 * @category layers
 */
export const layerNoble: Layer.Layer<Cipher> = Layer.sync(Cipher, makeNoble)
