/**
 * The core's `Cipher` service on `node:crypto` (OpenSSL, AES-NI where the CPU has it).
 *
 * Same contract and same bytes as the core's portable `@noble/ciphers` layer: AES-256-GCM with a
 * 96-bit nonce, sealed form `ciphertext || tag` with the full 16-byte tag (NIST SP 800-38D §7.1), and
 * wrong key or nonce sizes refused before OpenSSL sees them (a 16-byte key must never quietly become
 * AES-128). A property test proves both layers give identical bytes.
 *
 * @since 0.1.0
 */
import { Cipher } from "@sealcast/core"
import { Effect, Layer } from "effect"
import { createCipheriv, createDecipheriv } from "node:crypto"

const ALGORITHM = "aes-256-gcm"

/** Copies OpenSSL's output pieces into one plain `Uint8Array` (not a pooled `Buffer`). */
const concat = (...parts: ReadonlyArray<Uint8Array>): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

/**
 * @category constructors
 */
export const makeNode = (): Cipher.CipherService => ({
  seal: (key, nonce, aad, plaintext) => {
    Cipher.checkSizes(key, nonce)
    const cipher = createCipheriv(ALGORITHM, key, nonce, { authTagLength: Cipher.TAG_BYTES })
    cipher.setAAD(aad)
    const body = cipher.update(plaintext)
    const rest = cipher.final()
    return concat(body, rest, cipher.getAuthTag())
  },
  open: (key, nonce, aad, sealed) =>
    Effect.try({
      try: () => {
        Cipher.checkSizes(key, nonce)
        // A sealed box is at least its tag; anything shorter cannot authenticate (SP 800-38D §7.2).
        if (sealed.length < Cipher.TAG_BYTES) throw new RangeError("sealed box is shorter than its 16-byte tag")
        const split = sealed.length - Cipher.TAG_BYTES
        const decipher = createDecipheriv(ALGORITHM, key, nonce, { authTagLength: Cipher.TAG_BYTES })
        decipher.setAAD(aad)
        decipher.setAuthTag(sealed.subarray(split))
        const body = decipher.update(sealed.subarray(0, split))
        // `final` throws when the tag does not match; nothing decrypted is returned before it passes.
        return concat(body, decipher.final())
      },
      catch: (cause) =>
        new Cipher.CipherOpenError({
          reason: cause instanceof RangeError ? cause.message : "authentication tag mismatch"
        })
    })
})

/**
 * The broker's layer: the same `Cipher` tag as the core's `layerNoble`, many times faster.
 *
 * @category layers
 */
export const layerNode: Layer.Layer<Cipher.Cipher> = Layer.sync(Cipher.Cipher, makeNode)
