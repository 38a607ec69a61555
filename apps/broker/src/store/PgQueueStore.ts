/**
 * The core's QueueStore on PostgreSQL: the tables of `SqliteQueueStore.ts` (queues, the names deleted
 * in the last minute, each queue's messages in their order, each queue's rule state), each action's
 * changes in one transaction.
 *
 * The Sqs service applies actions one after the other and answers only after `apply` commits, so a
 * SendMessage is acknowledged after its row commits and a receive, delete or visibility change is in
 * the database before its answer (docs/SEMANTICS.md §8). A broker reads the queues once, at start.
 *
 * @since 0.1.0
 */
import { type Errors, Queue, type QueueMessages, QueueStore } from "@sealcast/core"
import { Effect } from "effect"
import type pg from "pg"
import * as JsonBytes from "./internal/jsonBytes.js"
import { decodeMeta, encodeMeta } from "./internal/queueMeta.js"
import { inTransaction, query } from "./PgDatabase.js"

const SAVING = "Cannot save the queue change"
const LOADING = "Cannot load the queues"

const applyOne = (client: pg.PoolClient, change: QueueStore.QueueChange): Effect.Effect<void, Errors.StoreFailure> => {
  const run = (text: string, values: ReadonlyArray<unknown>) => Effect.asVoid(query(client, SAVING, { text, values: [...values] }))
  switch (change._tag) {
    case "PutQueue": {
      const key = Queue.keyOf(change.queue.accountId, change.queue.name)
      return Effect.zipRight(
        run("INSERT INTO queues (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [
          key,
          JsonBytes.stringify(change.queue)
        ]),
        run("DELETE FROM queue_deletions WHERE key = $1", [key])
      )
    }
    case "DeleteQueue":
      return Effect.all(
        [
          run("DELETE FROM queues WHERE key = $1", [change.key]),
          run("DELETE FROM queue_messages WHERE queue_key = $1", [change.key]),
          run("DELETE FROM queue_meta WHERE queue_key = $1", [change.key]),
          run("DELETE FROM queue_deletions WHERE deleted_at <= $1", [change.deletedAt - Queue.RECREATE_AFTER_DELETE_MS]),
          run(
            "INSERT INTO queue_deletions (key, deleted_at) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET deleted_at = excluded.deleted_at",
            [change.key, change.deletedAt]
          )
        ],
        { discard: true }
      )
    case "PutMessage":
      // An update keeps the row's `seq`, so a message keeps its place in the queue's order.
      return run(
        "INSERT INTO queue_messages (queue_key, message_id, value) VALUES ($1, $2, $3) " +
          "ON CONFLICT (queue_key, message_id) DO UPDATE SET value = excluded.value",
        [change.key, change.message.messageId, JsonBytes.stringify(change.message)]
      )
    case "DeleteMessage":
      return run("DELETE FROM queue_messages WHERE queue_key = $1 AND message_id = $2", [change.key, change.messageId])
    case "PutMeta":
      return run(
        "INSERT INTO queue_meta (queue_key, value) VALUES ($1, $2) ON CONFLICT (queue_key) DO UPDATE SET value = excluded.value",
        [change.key, encodeMeta(change.meta)]
      )
  }
}

/**
 * A store on an open, migrated database (`PgDatabase.open`).
 *
 * @category constructors
 */
export const make = (pool: pg.Pool): QueueStore.QueueStoreService => ({
  load: Effect.gen(function* () {
    const queues = yield* query<{ readonly value: string }>(pool, LOADING, { text: "SELECT value FROM queues" })
    const messages = yield* query<{ readonly queue_key: string; readonly value: string }>(pool, LOADING, {
      text: "SELECT queue_key, value FROM queue_messages ORDER BY seq"
    })
    const metas = yield* query<{ readonly queue_key: string; readonly value: string }>(pool, LOADING, {
      text: "SELECT queue_key, value FROM queue_meta"
    })
    const deletions = yield* query<{ readonly key: string; readonly deleted_at: string }>(pool, LOADING, {
      text: "SELECT key, deleted_at FROM queue_deletions"
    })
    const changes: Array<QueueStore.QueueChange> = []
    for (const row of queues.rows) changes.push({ _tag: "PutQueue", queue: JsonBytes.parse(row.value) as Queue.Queue })
    for (const row of messages.rows) {
      changes.push({ _tag: "PutMessage", key: row.queue_key, message: JsonBytes.parse(row.value) as QueueMessages.QueueMessage })
    }
    for (const row of metas.rows) changes.push({ _tag: "PutMeta", key: row.queue_key, meta: decodeMeta(row.value) })
    const loaded = QueueStore.applyChanges(QueueStore.empty(), changes)
    // BIGINT arrives as text from the driver; a deletion time is well inside a double's exact range.
    const deletedAt = new Map(deletions.rows.map((row) => [row.key, Number(row.deleted_at)] as const))
    return { ...loaded, directory: { ...loaded.directory, deletedAt } }
  }),
  apply: (changes) =>
    inTransaction(pool, SAVING, (client) => Effect.forEach(changes, (change) => applyOne(client, change), { discard: true }))
})
