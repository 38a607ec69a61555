/**
 * FIFO topics: deduplication inside a 5-minute window and per-topic sequence numbers (docs/SEMANTICS.md §4;
 * SNS guide, "Message deduplication for FIFO topics").
 *
 * @since 0.1.0
 */
import { sha256 } from "@noble/hashes/sha2.js"
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js"
import { Either } from "effect"
import { invalidParameter, type InvalidParameter } from "./Errors.js"

/** "the deduplication interval is five minutes". */
export const DEDUPLICATION_WINDOW_MS = 5 * 60 * 1000

/** Group and deduplication ids: up to 128 characters. */
export const MAX_ID_LENGTH = 128

/** Alphanumerics and punctuation `!"#$%&'()*+,-./:;<=>?@[\]^_\`{|}~`, as SQS and SNS document. */
const ID_CHARS = /^[\x21-\x7e]+$/

/**
 * @category models
 */
export interface DeduplicationEntry {
  readonly messageId: string
  readonly sequenceNumber: string
  readonly acceptedAt: number
}

/**
 * A topic's FIFO state: the last sequence number handed out and the deduplication ids seen inside the
 * window.
 *
 * @category models
 */
export interface FifoState {
  readonly lastSequence: bigint
  readonly seen: ReadonlyMap<string, DeduplicationEntry>
}

export const empty = (): FifoState => ({ lastSequence: 0n, seen: new Map() })

/**
 * @category validation
 */
export const validateId = (parameter: string, id: string): Either.Either<string, InvalidParameter> =>
  id.length >= 1 && id.length <= MAX_ID_LENGTH && ID_CHARS.test(id)
    ? Either.right(id)
    : Either.left(
        invalidParameter(
          parameter,
          `${parameter} can be up to ${MAX_ID_LENGTH} alphanumeric or punctuation characters`
        )
      )

/**
 * Content-based deduplication: "Amazon SNS uses a SHA-256 hash to generate the message deduplication
 * ID using the body of the message".
 *
 * @category rules
 */
export const contentDeduplicationId = (body: string): string => bytesToHex(sha256(utf8ToBytes(body)))

/**
 * The outcome of offering a message to a FIFO topic.
 *
 * @category models
 */
export type Decision =
  | { readonly _tag: "Duplicate"; readonly messageId: string; readonly sequenceNumber: string }
  | { readonly _tag: "Accept"; readonly sequenceNumber: string; readonly state: FifoState }

/**
 * Decides a publish. A deduplication id seen less than 5 minutes ago answers with the first message's
 * id and sequence number and stores nothing; otherwise the message gets the next sequence number.
 *
 * Sequence numbers are `max(last + 1, now × 10^6)`: strictly increasing, and still increasing after a
 * restart that lost the counter, since the clock has moved on (unless a topic takes over a million
 * messages in one millisecond).
 *
 * @category rules
 */
export const decide = (
  state: FifoState,
  deduplicationId: string,
  messageId: string,
  now: number
): Decision => {
  const previous = state.seen.get(deduplicationId)
  if (previous !== undefined && now - previous.acceptedAt < DEDUPLICATION_WINDOW_MS) {
    return { _tag: "Duplicate", messageId: previous.messageId, sequenceNumber: previous.sequenceNumber }
  }
  const floor = BigInt(Math.max(0, Math.floor(now))) * 1_000_000n
  const next = state.lastSequence + 1n > floor ? state.lastSequence + 1n : floor
  const sequenceNumber = next.toString().padStart(20, "0")
  const seen = new Map<string, DeduplicationEntry>()
  for (const [id, entry] of state.seen) if (now - entry.acceptedAt < DEDUPLICATION_WINDOW_MS) seen.set(id, entry)
  seen.set(deduplicationId, { messageId, sequenceNumber, acceptedAt: now })
  return { _tag: "Accept", sequenceNumber, state: { lastSequence: next, seen } }
}

/**
 * Rebuilds a topic's state from its recently stored messages (after a restart).
 *
 * @category constructors
 */
export const fromRecent = (
  recent: ReadonlyArray<{ readonly deduplicationId: string } & DeduplicationEntry>
): FifoState => {
  let lastSequence = 0n
  const seen = new Map<string, DeduplicationEntry>()
  for (const r of recent) {
    const seq = BigInt(r.sequenceNumber)
    if (seq > lastSequence) lastSequence = seq
    seen.set(r.deduplicationId, { messageId: r.messageId, sequenceNumber: r.sequenceNumber, acceptedAt: r.acceptedAt })
  }
  return { lastSequence, seen }
}
