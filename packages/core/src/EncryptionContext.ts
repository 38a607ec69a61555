/**
 * Canonical bytes for an encryption context (a string-to-string map), used as AES-GCM additional
 * authenticated data.
 *
 * Rule: pairs sorted by key (UTF-8 byte order), then for each pair the key and the value, each as a
 * 4-byte big-endian length followed by its UTF-8 bytes, all after a 4-byte pair count. Length prefixes
 * make the encoding injective: `{ab: "c"}` and `{a: "bc"}` give different bytes, which a plain
 * concatenation would not (the classic canonicalisation bug).
 *
 * @since 0.1.0
 */
import { utf8ToBytes } from "@noble/hashes/utils.js"

/**
 * @category models
 */
export type EncryptionContext = Readonly<Record<string, string>>

const compareBytes = (a: Uint8Array, b: Uint8Array): number => {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!
  return a.length - b.length
}

/**
 * @category encoding
 */
export const canonicalize = (context: EncryptionContext): Uint8Array => {
  const pairs = Object.entries(context)
    .map(([k, v]) => [utf8ToBytes(k), utf8ToBytes(v)] as const)
    .sort((x, y) => compareBytes(x[0], y[0]))
  let size = 4
  for (const [k, v] of pairs) size += 8 + k.length + v.length
  const out = new Uint8Array(size)
  const view = new DataView(out.buffer)
  view.setUint32(0, pairs.length)
  let at = 4
  for (const [k, v] of pairs) {
    view.setUint32(at, k.length)
    out.set(k, at + 4)
    at += 4 + k.length
    view.setUint32(at, v.length)
    out.set(v, at + 4)
    at += 4 + v.length
  }
  return out
}

/**
 * The context SNS uses when it asks KMS for a topic's data key (docs/SEMANTICS.md §1.8).
 *
 * @category constructors
 */
export const forTopic = (topicArn: string): EncryptionContext => ({ "aws:sns:topicArn": topicArn })

/**
 * The context SQS uses for a queue's data keys: "aws:sqs:arn" and the queue's ARN (SQS Developer
 * Guide, "Key management", the encryption context; docs/SEMANTICS.md §8).
 *
 * @category constructors
 */
export const forQueue = (queueArn: string): EncryptionContext => ({ "aws:sqs:arn": queueArn })
