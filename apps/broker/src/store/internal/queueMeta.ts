/**
 * A queue's rule state (FIFO deduplication and sequence, receive attempts, last purge) as JSON text,
 * the same in the SQLite and PostgreSQL queue stores: maps as entry lists, the sequence number as
 * decimal text (JSON has no bigint).
 *
 * @since 0.1.0
 */
import type { Fifo, QueueMessages, QueueStore } from "@sealcast/core"

interface StoredMeta {
  readonly lastSequence: string
  readonly seen: ReadonlyArray<readonly [string, Fifo.DeduplicationEntry]>
  readonly receiveAttempts: ReadonlyArray<readonly [string, QueueMessages.ReceiveAttempt]>
  readonly lastPurgeAt: number | null
}

export const encodeMeta = (meta: QueueStore.QueueMeta): string =>
  JSON.stringify({
    lastSequence: meta.fifo.lastSequence.toString(),
    seen: [...meta.fifo.seen],
    receiveAttempts: [...meta.receiveAttempts],
    lastPurgeAt: meta.lastPurgeAt ?? null
  } satisfies StoredMeta)

export const decodeMeta = (text: string): QueueStore.QueueMeta => {
  const stored = JSON.parse(text) as StoredMeta
  return {
    fifo: { lastSequence: BigInt(stored.lastSequence), seen: new Map(stored.seen) },
    receiveAttempts: new Map(stored.receiveAttempts),
    lastPurgeAt: stored.lastPurgeAt ?? undefined
  }
}
