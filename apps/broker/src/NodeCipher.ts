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
import { Either, Layer } from "effect"
import { type Cipher as NodeCipherStream, createCipheriv, createDecipheriv, type Decipher } from "node:crypto"

const ALGORITHM = "aes-256-gcm"

/**
 * How much input each `update` call takes: large bodies in pieces halve the CPU of a seal
 * (docs/PERFORMANCE.md, "AES-256-GCM in 64 KiB pieces").
 */
const PIECE_BYTES = 64 * 1024

/**
 * Runs `input` through `stream` piece by piece, copying each piece's output into `out` from its
 * start, so every byte is copied once into one plain `Uint8Array` (not a pooled `Buffer`). GCM is a
 * stream mode: output is exactly as long as input (SP 800-38D §7.1), so `out` is sized up front.
 * Returns how many bytes were written.
 */
const updateInto = (stream: NodeCipherStream | Decipher, input: Uint8Array, out: Uint8Array): number => {
  let written = 0
  for (let at = 0; at < input.length; at += PIECE_BYTES) {
    // A body of one piece goes in as it is (a view per call shows at 1 KiB).
    const piece = stream.update(input.length <= PIECE_BYTES ? input : input.subarray(at, at + PIECE_BYTES))
    out.set(piece, written)
    written += piece.length
  }
  return written
}

/**
 * @category constructors
 */
export const makeNode = (): Cipher.CipherService => ({
  seal: (key, nonce, aad, plaintext) => {
    Cipher.checkSizes(key, nonce)
    const cipher = createCipheriv(ALGORITHM, key, nonce, { authTagLength: Cipher.TAG_BYTES })
    cipher.setAAD(aad)
    const sealed = new Uint8Array(plaintext.length + Cipher.TAG_BYTES)
    const written = updateInto(cipher, plaintext, sealed)
    // GCM's `final` outputs nothing and computes the tag, which goes last.
    const rest = cipher.final()
    sealed.set(rest, written)
    sealed.set(cipher.getAuthTag(), written + rest.length)
    return sealed
  },
  open: (key, nonce, aad, sealed) =>
    Either.try({
      try: () => {
        Cipher.checkSizes(key, nonce)
        // A sealed box is at least its tag; anything shorter cannot authenticate (SP 800-38D §7.2).
        if (sealed.length < Cipher.TAG_BYTES) throw new RangeError("sealed box is shorter than its 16-byte tag")
        const split = sealed.length - Cipher.TAG_BYTES
        const decipher = createDecipheriv(ALGORITHM, key, nonce, { authTagLength: Cipher.TAG_BYTES })
        decipher.setAAD(aad)
        decipher.setAuthTag(sealed.subarray(split))
        const opened = new Uint8Array(split)
        const written = updateInto(decipher, sealed.subarray(0, split), opened)
        // `final` throws when the tag does not match; nothing decrypted is returned before it passes.
        opened.set(decipher.final(), written)
        return opened
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
