/**
 * The core's QueueStore on PostgreSQL: the tables of `SqliteQueueStore.ts` (queues, the names deleted
 * in the last minute, each queue's messages in their order, each queue's rule state), each action's
 * changes in one transaction; and each queue's FIFO deduplication ids, one row each.
 *
 * The Sqs service applies actions one after the other and answers only after `apply` commits, so a
 * SendMessage is acknowledged after its row commits and a receive, delete or visibility change is in
 * the database before its answer (docs/SEMANTICS.md §8). A broker reads the queues once, at start;
 * after that it reads only what other brokers changed: each transaction raises the queues' version
 * (`PgShared.ts`) and records its changes in `queue_changes` under that version, and an action runs
 * holding the version's lock, so two brokers never receive one message at once.
 *
 * @since 0.1.0
 */
import { type Errors, Queue, type QueueMessages, QueueStore } from "@sealcast/core"
import { Effect } from "effect"
import type pg from "pg"
import * as JsonBytes from "./internal/jsonBytes.js"
import { decodeMeta, type DeduplicationRow, encodeMeta, putDeduplicationIdOf } from "./internal/queueMeta.js"
import { query, type Queryable } from "./PgDatabase.js"
import * as PgShared from "./PgShared.js"

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
          run("DELETE FROM queue_deduplication WHERE queue_key = $1", [change.key]),
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
    case "PutDeduplicationId":
      return run(
        "INSERT INTO queue_deduplication (queue_key, deduplication_id, message_id, sequence_number, accepted_at) VALUES ($1, $2, $3, $4, $5) " +
          "ON CONFLICT (queue_key, deduplication_id) DO UPDATE " +
          "SET message_id = excluded.message_id, sequence_number = excluded.sequence_number, accepted_at = excluded.accepted_at",
        [change.key, storedDeduplicationId(change.deduplicationId), change.entry.messageId, change.entry.sequenceNumber, change.entry.acceptedAt]
      )
    case "DeleteDeduplicationId":
      return run("DELETE FROM queue_deduplication WHERE queue_key = $1 AND deduplication_id = $2", [change.key, storedDeduplicationId(change.deduplicationId)])
  }
}

/**
 * A deduplication id as `queue_deduplication` holds it. A queue that deduplicates per message group
 * keys its ids `<group>\u0000<id>` (`QueueMessages.send`), and PostgreSQL's text cannot hold U+0000;
 * a space stands for it, which neither a group nor a deduplication id may contain.
 */
const storedDeduplicationId = (id: string): string => id.replaceAll("\u0000", " ")
const deduplicationIdOf = (stored: string): string => stored.replaceAll(" ", "\u0000")

/** Versions of `queue_changes` kept: a broker further behind reads every queue again. */
const CHANGES_KEPT = 10_000

type StoredChange = Exclude<QueueStore.QueueChange, { readonly _tag: "PutMeta" }> | { readonly _tag: "PutMeta"; readonly key: string; readonly meta: string }

const encodeChanges = (changes: ReadonlyArray<QueueStore.QueueChange>): string =>
  JsonBytes.stringify(changes.map((c): StoredChange => (c._tag === "PutMeta" ? { ...c, meta: encodeMeta(c.meta) } : c)))

const decodeChanges = (text: string): ReadonlyArray<QueueStore.QueueChange> =>
  (JsonBytes.parse(text) as ReadonlyArray<StoredChange>).map((c) => (c._tag === "PutMeta" ? { ...c, meta: decodeMeta(c.meta) } : c))

const loadFrom = (db: Queryable) =>
  Effect.gen(function* () {
    const queues = yield* query<{ readonly value: string }>(db, LOADING, { text: "SELECT value FROM queues" })
    const messages = yield* query<{ readonly queue_key: string; readonly value: string }>(db, LOADING, {
      text: "SELECT queue_key, value FROM queue_messages ORDER BY seq"
    })
    const metas = yield* query<{ readonly queue_key: string; readonly value: string }>(db, LOADING, {
      text: "SELECT queue_key, value FROM queue_meta"
    })
    // In each queue's order of acceptance: the sequence numbers increase with it.
    const deduplicationIds = yield* query<DeduplicationRow>(db, LOADING, {
      text: "SELECT queue_key, deduplication_id, message_id, sequence_number, accepted_at FROM queue_deduplication ORDER BY queue_key, sequence_number"
    })
    const deletions = yield* query<{ readonly key: string; readonly deleted_at: string }>(db, LOADING, {
      text: "SELECT key, deleted_at FROM queue_deletions"
    })
    const changes: Array<QueueStore.QueueChange> = []
    for (const row of queues.rows) changes.push({ _tag: "PutQueue", queue: JsonBytes.parse(row.value) as Queue.Queue })
    for (const row of messages.rows) {
      changes.push({ _tag: "PutMessage", key: row.queue_key, message: JsonBytes.parse(row.value) as QueueMessages.QueueMessage })
    }
    for (const row of metas.rows) changes.push({ _tag: "PutMeta", key: row.queue_key, meta: decodeMeta(row.value) })
    for (const row of deduplicationIds.rows) changes.push(putDeduplicationIdOf(row, deduplicationIdOf(row.deduplication_id)))
    const loaded = QueueStore.applyChanges(QueueStore.empty(), changes)
    // BIGINT arrives as text from the driver; a deletion time is well inside a double's exact range.
    const deletedAt = new Map(deletions.rows.map((row) => [row.key, Number(row.deleted_at)] as const))
    return { ...loaded, directory: { ...loaded.directory, deletedAt } }
  })

/**
 * `system` brought from version `known` to the database's: the recorded changes after `known`, in
 * order, or every queue read again when some of them are no longer kept.
 */
const catchUpFrom = (db: Queryable, system: QueueStore.QueueSystem, known: number | undefined) =>
  Effect.gen(function* () {
    const rows = known === undefined
      ? []
      : (yield* query<{ readonly version: number; readonly changes: string }>(db, LOADING, {
        text: "SELECT version, changes FROM queue_changes WHERE version > $1 ORDER BY version, id",
        values: [known]
      })).rows
    if (known === undefined || rows[0]?.version !== known + 1) {
      const fresh = yield* loadFrom(db)
      return { system: fresh, changes: QueueStore.diff(system, fresh) }
    }
    const changes = rows.flatMap((row) => decodeChanges(row.changes))
    return { system: QueueStore.applyChanges(system, changes), changes }
  })

/**
 * A store on an open, migrated database (`PgDatabase.open`).
 *
 * @category constructors
 */
export const make = (pool: pg.Pool): QueueStore.QueueStoreService => {
  const version = PgShared.make(pool, "queues")
  return {
    load: version.read(loadFrom),
    apply: (changes) =>
      version.write(SAVING, (client, at) =>
        Effect.gen(function* () {
          yield* Effect.forEach(changes, (change) => applyOne(client, change), { discard: true })
          yield* query(client, SAVING, { text: "INSERT INTO queue_changes (version, changes) VALUES ($1, $2)", values: [at, encodeChanges(changes)] })
          if (at % 1000 === 0) yield* query(client, SAVING, { text: "DELETE FROM queue_changes WHERE version <= $1", values: [at - CHANGES_KEPT] })
        })
      ),
    shared: {
      catchUp: (system) =>
        Effect.flatMap(version.behind, (behind) =>
          behind ? version.read((client) => catchUpFrom(client, system, version.known())) : Effect.succeed(undefined)
        ),
      exclusive: (system, body) => version.exclusive((client, known) => catchUpFrom(client, system, known), (caughtUp) => body(caughtUp ?? { system, changes: [] }))
    }
  }
}
