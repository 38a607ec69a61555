/**
 * A queue's rule state (FIFO deduplication and sequence, receive attempts, last purge, message
 * movement tasks) as JSON text, the same in the SQLite and PostgreSQL queue stores: maps as entry
 * lists, the sequence number as decimal text (JSON has no bigint).
 *
 * @since 0.1.0
 */
import type { Fifo, MessageMoveTask, QueueMessages, QueueStore } from "@sealcast/core"

interface StoredMeta {
  readonly lastSequence: string
  readonly seen: ReadonlyArray<readonly [string, Fifo.DeduplicationEntry]>
  readonly receiveAttempts: ReadonlyArray<readonly [string, QueueMessages.ReceiveAttempt]>
  readonly lastPurgeAt: number | null
  /** Absent in a row written before message movement tasks were kept. */
  readonly moveTasks?: ReadonlyArray<MessageMoveTask.MoveTask>
}

export const encodeMeta = (meta: QueueStore.QueueMeta): string =>
  JSON.stringify({
    lastSequence: meta.fifo.lastSequence.toString(),
    seen: [...meta.fifo.seen],
    receiveAttempts: [...meta.receiveAttempts],
    lastPurgeAt: meta.lastPurgeAt ?? null,
    moveTasks: meta.moveTasks
  } satisfies StoredMeta)

export const decodeMeta = (text: string): QueueStore.QueueMeta => {
  const stored = JSON.parse(text) as StoredMeta
  return {
    fifo: { lastSequence: BigInt(stored.lastSequence), seen: new Map(stored.seen) },
    receiveAttempts: new Map(stored.receiveAttempts),
    lastPurgeAt: stored.lastPurgeAt ?? undefined,
    // JSON has no undefined: an absent optional member of a task reads back as undefined.
    moveTasks: (stored.moveTasks ?? []).map((task) => ({
      ...task,
      destinationArn: task.destinationArn ?? undefined,
      maxNumberOfMessagesPerSecond: task.maxNumberOfMessagesPerSecond ?? undefined,
      failureReason: task.failureReason ?? undefined
    }))
  }
}
