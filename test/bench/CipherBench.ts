/**
 * Scenario 6: AES-256-GCM seal throughput of the core's portable layer (`@noble/ciphers`), the
 * broker's `node:crypto` layer, and bare `node:crypto` calls with nothing around them (the limit).
 */
import * as NodeCipher from "sealcast/NodeCipher"
import { Cipher, Encryption } from "@sealcast/core"
import { createCipheriv, randomBytes, randomUUID } from "node:crypto"
import { percentile, repeatFor } from "./Stats.js"

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

/** Measurement rounds per size; the implementations take turns within each round. */
const ROUNDS = 5

/**
 * Seals for about `seconds` per size and implementation, in `ROUNDS` rounds where the three take
 * turns, after a warm-up; each figure is the median round, so a burst of load from a neighbour on a
 * shared machine hits all three alike and moves no figure much. One nonce is reused: the sealed
 * boxes are thrown away, and nonce uniqueness (SP 800-38D §8) only matters for ciphertexts someone
 * keeps.
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
  const names = ["noble", "nodeLayer", "rawNode"] as const
  return SIZES.map((bytes) => {
    const plaintext = new Uint8Array(randomBytes(bytes))
    for (const name of names) repeatFor(seconds / 10, () => implementations[name](plaintext))
    const rounds = { noble: [] as Array<number>, nodeLayer: [] as Array<number>, rawNode: [] as Array<number> }
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const name of names) {
        const { count, elapsedMs } = repeatFor(seconds / ROUNDS, () => implementations[name](plaintext))
        rounds[name].push((count * bytes) / 1e6 / (elapsedMs / 1000))
      }
    }
    const median = (values: Array<number>) => percentile([...values].sort((a, b) => a - b), 0.5)
    return {
      bytes,
      nobleMBps: median(rounds.noble),
      nodeLayerMBps: median(rounds.nodeLayer),
      rawNodeMBps: median(rounds.rawNode)
    }
  })
}
