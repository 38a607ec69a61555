/**
 * A queue's rule state (FIFO sequence, receive attempts, last purge, message movement tasks) as JSON
 * text, the same in the SQLite and PostgreSQL queue stores: maps as entry lists, the sequence number
 * as decimal text (JSON has no bigint). The FIFO deduplication ids are rows of their own
 * (`queue_deduplication`); a row written before them holds them in `seen`, which the schema step
 * that made that table copied into it, and which is read no more.
 *
 * @since 0.1.0
 */
import type { MessageMoveTask, QueueMessages, QueueStore } from "@sealcast/core"

interface StoredMeta {
  readonly lastSequence: string
  readonly receiveAttempts: ReadonlyArray<readonly [string, QueueMessages.ReceiveAttempt]>
  readonly lastPurgeAt: number | null
  /** Absent in a row written before message movement tasks were kept. */
  readonly moveTasks?: ReadonlyArray<MessageMoveTask.MoveTask>
}

export const encodeMeta = (meta: QueueStore.QueueMeta): string =>
  JSON.stringify({
    lastSequence: meta.lastSequence.toString(),
    receiveAttempts: [...meta.receiveAttempts],
    lastPurgeAt: meta.lastPurgeAt ?? null,
    moveTasks: meta.moveTasks
  } satisfies StoredMeta)

export const decodeMeta = (text: string): QueueStore.QueueMeta => {
  const stored = JSON.parse(text) as StoredMeta
  return {
    lastSequence: BigInt(stored.lastSequence),
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

/** A row of `queue_deduplication`, as both stores read it (a BIGINT arrives as a number, `PgDatabase.ts`). */
export interface DeduplicationRow {
  readonly queue_key: string
  readonly deduplication_id: string
  readonly message_id: string
  readonly sequence_number: string
  readonly accepted_at: number
}

/** The change that loads `row`, whose id the store has read back as `deduplicationId`. */
export const putDeduplicationIdOf = (row: DeduplicationRow, deduplicationId: string): QueueStore.QueueChange => ({
  _tag: "PutDeduplicationId",
  key: row.queue_key,
  deduplicationId,
  entry: { messageId: row.message_id, sequenceNumber: row.sequence_number, acceptedAt: row.accepted_at }
})
