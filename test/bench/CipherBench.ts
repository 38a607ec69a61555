/**
 * Scenario 6: AES-256-GCM seal throughput of the core's portable layer (`@noble/ciphers`), the
 * broker's `node:crypto` layer, and bare `node:crypto` calls with nothing around them (the limit).
 */
import * as NodeCipher from "@sealcast/broker/NodeCipher"
import { Cipher, Encryption } from "@sealcast/core"
import { createCipheriv, randomBytes, randomUUID } from "node:crypto"
import { repeatFor } from "./Stats.js"

export const SIZES = [1024, 64 * 1024, 256 * 1024] as const

/** One size's throughput, in MB/s (10^6 bytes a second) of plaintext sealed. */
export interface CipherRow {
  readonly bytes: number
  readonly nobleMBps: number
  readonly nodeLayerMBps: number
  readonly rawNodeMBps: number
}

/** The limit: what OpenSSL does for one seal when nothing copies or checks around it. */
const rawSeal = (key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): void => {
  const cipher = createCipheriv("aes-256-gcm", key, nonce, { authTagLength: Cipher.TAG_BYTES })
  cipher.setAAD(aad)
  cipher.update(plaintext)
  cipher.final()
  cipher.getAuthTag()
}

/**
 * Seals for about `seconds` per size and implementation, after a warm-up of a tenth of that. One
 * nonce is reused: the sealed boxes are thrown away, and nonce uniqueness (SP 800-38D §8) only
 * matters for ciphertexts someone keeps.
 */
export const cipherThroughput = (seconds: number): ReadonlyArray<CipherRow> => {
  const key = new Uint8Array(randomBytes(Cipher.KEY_BYTES))
  const nonce = new Uint8Array(randomBytes(Cipher.NONCE_BYTES))
  // The AAD the core binds a stored body to: its topic and message id.
  const aad = Encryption.bodyAad("arn:aws:sns:us-east-1:000000000000:bench-encrypted", randomUUID())
  const noble = Cipher.makeNoble()
  const node = NodeCipher.makeNode()
  const implementations = {
    noble: (plaintext: Uint8Array) => noble.seal(key, nonce, aad, plaintext),
    nodeLayer: (plaintext: Uint8Array) => node.seal(key, nonce, aad, plaintext),
    rawNode: (plaintext: Uint8Array) => rawSeal(key, nonce, aad, plaintext)
  }
  const megabytesPerSecond = (seal: (plaintext: Uint8Array) => unknown, plaintext: Uint8Array) => {
    repeatFor(seconds / 10, () => seal(plaintext))
    const { count, elapsedMs } = repeatFor(seconds, () => seal(plaintext))
    return (count * plaintext.length) / 1e6 / (elapsedMs / 1000)
  }
  return SIZES.map((bytes) => {
    const plaintext = new Uint8Array(randomBytes(bytes))
    return {
      bytes,
      nobleMBps: megabytesPerSecond(implementations.noble, plaintext),
      nodeLayerMBps: megabytesPerSecond(implementations.nodeLayer, plaintext),
      rawNodeMBps: megabytesPerSecond(implementations.rawNode, plaintext)
    }
  })
}
