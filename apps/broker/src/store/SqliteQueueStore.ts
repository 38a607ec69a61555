/**
 * The core's QueueStore on SQLite: queues, the names deleted in the last minute, each queue's
 * messages in their order, each queue's rule state (FIFO sequence, receive attempts, last purge) and
 * its FIFO deduplication ids one row each, each action's changes in one transaction.
 *
 * The Sqs service applies actions one after the other and answers only after `apply` returns, so a
 * SendMessage is acknowledged after its row commits, and a receive, delete or visibility change is on
 * disk before its answer: a message received and not deleted is receivable again after its visibility
 * timeout across a restart, and a deleted one never comes back (docs/SEMANTICS.md §8). Each `apply` is
 * one synchronous transaction, as the registry store's are; why WAL with `synchronous=NORMAL` keeps the
 * "survives kill -9" promise is explained in `SqliteDatabase.ts`.
 *
 * @since 0.1.0
 */
import { Errors, Queue, type QueueMessages, QueueStore } from "@sealcast/core"
import type Database from "better-sqlite3"
import { Effect } from "effect"
import * as JsonBytes from "./internal/jsonBytes.js"
import { decodeMeta, type DeduplicationRow, encodeMeta, putDeduplicationIdOf } from "./internal/queueMeta.js"
import { storeFailure } from "./internal/storeFailure.js"

/**
 * @category constructors
 */
export const make = (db: Database.Database): Effect.Effect<QueueStore.QueueStoreService, Errors.StoreFailure> =>
  Effect.try({
    try: () => {
      const putQueue = db.prepare("INSERT INTO queues (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
      const forgetDeletion = db.prepare("DELETE FROM queue_deletions WHERE key = ?")
      const deleteQueue = db.prepare("DELETE FROM queues WHERE key = ?")
      const deleteMessagesOf = db.prepare("DELETE FROM queue_messages WHERE queue_key = ?")
      const deleteMetaOf = db.prepare("DELETE FROM queue_meta WHERE queue_key = ?")
      const deleteDeduplicationOf = db.prepare("DELETE FROM queue_deduplication WHERE queue_key = ?")
      const forgetOldDeletions = db.prepare("DELETE FROM queue_deletions WHERE deleted_at <= ?")
      const putDeletion = db.prepare(
        "INSERT INTO queue_deletions (key, deleted_at) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET deleted_at = excluded.deleted_at"
      )
      // An update keeps the row's `seq`, so a message keeps its place in the queue's order.
      const putMessage = db.prepare(
        "INSERT INTO queue_messages (queue_key, message_id, value) VALUES (?, ?, ?) ON CONFLICT (queue_key, message_id) DO UPDATE SET value = excluded.value"
      )
      const deleteMessage = db.prepare("DELETE FROM queue_messages WHERE queue_key = ? AND message_id = ?")
      const putMeta = db.prepare(
        "INSERT INTO queue_meta (queue_key, value) VALUES (?, ?) ON CONFLICT (queue_key) DO UPDATE SET value = excluded.value"
      )
      const putDeduplicationId = db.prepare(
        "INSERT INTO queue_deduplication (queue_key, deduplication_id, message_id, sequence_number, accepted_at) VALUES (?, ?, ?, ?, ?) " +
          "ON CONFLICT (queue_key, deduplication_id) DO UPDATE SET message_id = excluded.message_id, sequence_number = excluded.sequence_number, accepted_at = excluded.accepted_at"
      )
      const deleteDeduplicationId = db.prepare("DELETE FROM queue_deduplication WHERE queue_key = ? AND deduplication_id = ?")
      const allQueues = db.prepare<[], { key: string; value: string }>("SELECT key, value FROM queues")
      const allDeletions = db.prepare<[], { key: string; deleted_at: number }>("SELECT key, deleted_at FROM queue_deletions")
      const allMessages = db.prepare<[], { queue_key: string; value: string }>("SELECT queue_key, value FROM queue_messages ORDER BY seq")
      const allMeta = db.prepare<[], { queue_key: string; value: string }>("SELECT queue_key, value FROM queue_meta")
      // In each queue's order of acceptance: the sequence numbers increase with it.
      const allDeduplicationIds = db.prepare<[], DeduplicationRow>(
        "SELECT queue_key, deduplication_id, message_id, sequence_number, accepted_at FROM queue_deduplication ORDER BY queue_key, sequence_number"
      )

      const applyOne = (change: QueueStore.QueueChange): void => {
        switch (change._tag) {
          case "PutQueue": {
            const key = Queue.keyOf(change.queue.accountId, change.queue.name)
            putQueue.run(key, JsonBytes.stringify(change.queue))
            forgetDeletion.run(key)
            return
          }
          case "DeleteQueue":
            deleteQueue.run(change.key)
            deleteMessagesOf.run(change.key)
            deleteMetaOf.run(change.key)
            deleteDeduplicationOf.run(change.key)
            forgetOldDeletions.run(change.deletedAt - Queue.RECREATE_AFTER_DELETE_MS)
            putDeletion.run(change.key, change.deletedAt)
            return
          case "PutMessage":
            putMessage.run(change.key, change.message.messageId, JsonBytes.stringify(change.message))
            return
          case "DeleteMessage":
            deleteMessage.run(change.key, change.messageId)
            return
          case "PutMeta":
            putMeta.run(change.key, encodeMeta(change.meta))
            return
          case "PutDeduplicationId":
            putDeduplicationId.run(change.key, change.deduplicationId, change.entry.messageId, change.entry.sequenceNumber, change.entry.acceptedAt)
            return
          case "DeleteDeduplicationId":
            deleteDeduplicationId.run(change.key, change.deduplicationId)
            return
        }
      }
      const applyAll = db.transaction((changes: ReadonlyArray<QueueStore.QueueChange>) => {
        for (const change of changes) applyOne(change)
      })

      const load = Effect.try({
        try: (): QueueStore.QueueSystem => {
          const changes: Array<QueueStore.QueueChange> = []
          for (const row of allQueues.all()) changes.push({ _tag: "PutQueue", queue: JsonBytes.parse(row.value) as Queue.Queue })
          for (const row of allMessages.all()) {
            changes.push({ _tag: "PutMessage", key: row.queue_key, message: JsonBytes.parse(row.value) as QueueMessages.QueueMessage })
          }
          for (const row of allMeta.all()) changes.push({ _tag: "PutMeta", key: row.queue_key, meta: decodeMeta(row.value) })
          for (const row of allDeduplicationIds.all()) changes.push(putDeduplicationIdOf(row, row.deduplication_id))
          const loaded = QueueStore.applyChanges(QueueStore.empty(), changes)
          const deletedAt = new Map(allDeletions.all().map((row) => [row.key, row.deleted_at] as const))
          return { ...loaded, directory: { ...loaded.directory, deletedAt } }
        },
        catch: (cause) => storeFailure("Cannot load the queues", cause)
      })

      return {
        load,
        apply: (changes) =>
          Effect.try({
            try: () => applyAll(changes),
            catch: (cause) => new Errors.StoreFailure({ message: `Cannot save the queue change: ${String(cause)}` })
          })
      }
    },
    catch: (cause) => storeFailure("Cannot prepare the queue store", cause)
  })
