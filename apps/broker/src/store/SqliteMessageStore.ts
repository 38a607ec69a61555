/**
 * The core's `MessageStore` port on SQLite (better-sqlite3), the broker's durable store.
 *
 * `append` resolves only after its transaction has committed (the port's durability rule), and
 * commits are grouped: every write (`append`, `settle`, `removeTopic`, `removeSubscription`,
 * `prune`) that arrives before the event loop's next check phase joins one group, handed to the
 * writer as one message and committed in one transaction, so a burst of concurrent Publish calls, or
 * of delivery outcomes, pays for one WAL commit instead of one each (`SqliteWrites` has the group's
 * rules, among them how a refused write fails alone). The writes are committed on a writer thread
 * with its own connection (`SqliteWriter`), so neither the commits nor SQLite's WAL checkpoints
 * stall the event loop that serves publishers; the reads stay on this thread's connection, which
 * sees every committed write. Why WAL with `synchronous=NORMAL` keeps the "survives kill -9" promise
 * is explained in `SqliteDatabase.ts`.
 *
 * @since 0.1.0
 */
import { Errors, MessageStore } from "@sealcast/core"
import type { Message } from "@sealcast/core"
import type Database from "better-sqlite3"
import { Effect, Layer, Schema } from "effect"
import type { WorkerEntry } from "../internal/WorkerEntry.js"
import * as JsonBytes from "./internal/jsonBytes.js"
import { storeFailure } from "./internal/storeFailure.js"
import * as SqliteDatabase from "./SqliteDatabase.js"
import * as SqliteWriter from "./SqliteWriter.js"
import * as SqliteWrites from "./SqliteWrites.js"

/**
 * The SQLite store: the port, plus `close`.
 *
 * @category models
 */
export interface SqliteMessageStoreService extends MessageStore.MessageStoreService {
  /**
   * Commits the writes already queued, refuses any later write, waits for the writer to close its
   * connection, and closes the database if this store opened it.
   */
  readonly close: Effect.Effect<void>
}

/** A `messages` row as better-sqlite3 returns it (BLOBs come back as `Buffer`). */
interface MessageRow {
  readonly id: string
  readonly topic_arn: string
  readonly timestamp: number
  readonly subject: string | null
  readonly attributes: string
  readonly message_structure: string | null
  readonly publisher: string
  readonly fifo_group_id: string | null
  readonly fifo_deduplication_id: string | null
  readonly fifo_sequence_number: string | null
  readonly body_kind: string
  readonly body_text: string | null
  readonly envelope_algorithm: string | null
  readonly envelope_key_arn: string | null
  readonly envelope_encrypted_data_key: Uint8Array | null
  readonly envelope_nonce: Uint8Array | null
  readonly envelope_ciphertext: Uint8Array | null
}

/** Message attributes as stored: JSON whose Binary values are tagged base64 (SEMANTICS.md §4 types). */
const StoredAttributes = Schema.Record({
  key: Schema.String,
  value: Schema.Union(
    Schema.Struct({ dataType: Schema.String, stringValue: Schema.String }),
    Schema.Struct({ dataType: Schema.String, binaryValue: Schema.Uint8ArrayFromSelf })
  )
})
const isStoredAttributes = Schema.is(StoredAttributes)

/**
 * The stored attributes, checked rather than decoded: the parsed JSON already has the right shape,
 * and a decode would rebuild the record by assignment, turning an attribute named `__proto__` (a
 * valid SNS name, SEMANTICS.md §4) into the object's prototype instead of one of its keys.
 */
const attributesOf = (json: string): Message.StoredMessage["attributes"] => {
  if (json === SqliteWrites.NO_ATTRIBUTES) return {}
  const parsed = JsonBytes.parse(json)
  if (!isStoredAttributes(parsed)) throw new Error("the stored message attributes are malformed")
  return parsed
}

/** A plain `Uint8Array` copy of a BLOB, so callers never hold a `Buffer` with its different `slice`. */
const blob = (value: Uint8Array | null, column: string): Uint8Array => {
  if (value === null) throw new Error(`column ${column} is empty`)
  return new Uint8Array(value)
}

const bodyOf = (row: MessageRow): Message.MessageBody => {
  if (row.body_kind === "Plain" && row.body_text !== null) return { _tag: "Plain", text: row.body_text }
  if (row.body_kind === "Sealed" && row.envelope_algorithm === "AES_256_GCM" && row.envelope_key_arn !== null) {
    return {
      _tag: "Sealed",
      envelope: {
        algorithm: "AES_256_GCM",
        keyArn: row.envelope_key_arn,
        encryptedDataKey: blob(row.envelope_encrypted_data_key, "envelope_encrypted_data_key"),
        nonce: blob(row.envelope_nonce, "envelope_nonce"),
        ciphertext: blob(row.envelope_ciphertext, "envelope_ciphertext")
      }
    }
  }
  throw new Error(`message ${row.id} has a malformed ${row.body_kind} body`)
}

const fromRow = (row: MessageRow): Message.StoredMessage => ({
  messageId: row.id,
  topicArn: row.topic_arn,
  subject: row.subject ?? undefined,
  attributes: attributesOf(row.attributes),
  messageStructure: row.message_structure === "json" ? "json" : undefined,
  timestamp: row.timestamp,
  publisher: row.publisher,
  fifo:
    row.fifo_group_id === null || row.fifo_deduplication_id === null || row.fifo_sequence_number === null
      ? undefined
      : {
        messageGroupId: row.fifo_group_id,
        messageDeduplicationId: row.fifo_deduplication_id,
        sequenceNumber: row.fifo_sequence_number
      },
  body: bodyOf(row)
})

/** SQLite treats a negative LIMIT as "no limit"; the port means "at most `limit`". */
const atMost = (limit: number) => Math.max(0, Math.floor(limit))

/** One caller's write, waiting for its group's commit. */
interface QueuedWrite {
  readonly write: SqliteWrites.Write
  readonly answer: (outcome: SqliteWrites.WriteOutcome) => void
}

/**
 * A store on an open, migrated database (`SqliteDatabase.open`): reads on `db`, writes on a writer
 * thread with its own connection to the same file (`SqliteWriter.onThread`, started from
 * `writerEntry` if given), or in this thread if `db` is in memory. `close` leaves `db` open unless
 * `ownsDatabase`.
 *
 * @category constructors
 */
export const make = (
  db: Database.Database,
  options: { readonly ownsDatabase?: boolean; readonly writerEntry?: WorkerEntry } = {}
): Effect.Effect<SqliteMessageStoreService, Errors.StoreFailure> =>
  Effect.try({
    try: () => {
      // Prepared once, reused for every call.
      const selectMessage = db.prepare<[string], MessageRow>("SELECT * FROM messages WHERE id = ?")
      const selectByTopic = db.prepare<[string, number, number], MessageRow>(
        "SELECT * FROM messages WHERE topic_arn = ? AND timestamp >= ? ORDER BY seq LIMIT ?"
      )
      // Named as the port names them, so each row already is a `PendingDelivery`: the dispatcher
      // reads this on every pass, and a second object per row would be garbage at once.
      const selectDue = db.prepare<[number, number], MessageStore.PendingDelivery>(
        `SELECT message_id AS messageId, subscription_arn AS subscriptionArn, attempts, due_at AS dueAt
         FROM deliveries WHERE due_at <= ? ORDER BY due_at, rowid LIMIT ?`
      )
      const selectNextDueAt = db.prepare<[], { readonly next: number | null }>(
        "SELECT MIN(due_at) AS next FROM deliveries"
      )
      const countPending = db.prepare<[], { readonly n: number }>("SELECT COUNT(*) AS n FROM deliveries")
      const writer = db.memory ? SqliteWriter.inProcess(db) : SqliteWriter.onThread(db.name, options.writerEntry)

      let queue: Array<QueuedWrite> = []
      let flushScheduled = false
      let closing: Promise<void> | undefined

      const commitQueued = (): void => {
        flushScheduled = false
        const group = queue
        queue = []
        if (group.length === 0) return
        // The writer answers one outcome per write, in order.
        writer.write(
          group.map((queued) => queued.write),
          (outcomes) => group.forEach((queued, i) => queued.answer(outcomes[i]!))
        )
      }

      /**
       * Queues a write for the group commit and resumes once it is committed (or refused). The
       * first write of a turn schedules the commit with setImmediate, which runs after the I/O
       * callbacks of this loop turn, so the Publish calls parsed (and the deliveries answered) in
       * the same turn share one commit.
       */
      const enqueue = <A>(write: SqliteWrites.Write, succeed: (changes: number) => Effect.Effect<A>) =>
        Effect.async<A, Errors.StoreFailure>((resume) => {
          if (closing !== undefined) {
            resume(Effect.fail(new Errors.StoreFailure({ message: "The message store is closed" })))
            return
          }
          const queued: QueuedWrite = {
            write,
            answer: (outcome) =>
              resume(typeof outcome === "number" ? succeed(outcome) : Effect.fail(new Errors.StoreFailure({ message: outcome })))
          }
          queue.push(queued)
          if (!flushScheduled) {
            flushScheduled = true
            setImmediate(commitQueued)
          }
          // A write interrupted before its group is handed to the writer is taken out of the queue:
          // nothing of it is written. Once handed over, an interruption cannot undo it (the caller
          // just never hears).
          return Effect.sync(() => {
            queue = queue.filter((q) => q !== queued)
          })
        })

      const run = <A>(doing: string, f: () => A): Effect.Effect<A, Errors.StoreFailure> =>
        Effect.try({ try: f, catch: (cause) => storeFailure(doing, cause) })

      return {
        append: (entries) => enqueue(SqliteWrites.appendWrite(entries), () => Effect.void),
        get: (messageId) =>
          run("Cannot read the message", () => {
            const row = selectMessage.get(messageId)
            return row === undefined ? undefined : fromRow(row)
          }),
        listByTopic: (topicArn, { since = Number.MIN_SAFE_INTEGER, limit }) =>
          run("Cannot list the topic's messages", () => selectByTopic.all(topicArn, since, atMost(limit)).map(fromRow)),
        due: (now, limit) =>
          run("Cannot read the due deliveries", () => selectDue.all(now, atMost(limit))),
        nextDueAt: run("Cannot read the next due delivery", () => selectNextDueAt.get()?.next ?? undefined),
        // In the group commit, the settles of a busy dispatcher share one transaction per event-loop
        // turn with the appends, instead of paying a WAL commit each.
        settle: (settlements) => enqueue(SqliteWrites.settleWrite(settlements), () => Effect.void),
        pendingCount: run("Cannot count the pending deliveries", () => countPending.get()?.n ?? 0),
        // Writes too, so they go through the same queue: ordered with the appends and settles before them.
        removeSubscription: (subscriptionArn) => enqueue(["removeSubscription", subscriptionArn], () => Effect.void),
        removeTopic: (topicArn) => enqueue(["removeTopic", topicArn], () => Effect.void),
        prune: (before) => enqueue(["prune", before], Effect.succeed),
        close: Effect.promise(() =>
          closing ??= (async () => {
            commitQueued()
            await writer.close()
            if (options.ownsDatabase === true) db.close()
          })()
        )
      }
    },
    catch: (cause) => storeFailure("Cannot prepare the message store", cause)
  })

/**
 * Opens the database at `path` (`":memory:"` for tests) and a store that owns it: its `close`
 * closes the database.
 *
 * @category constructors
 */
export const open = (options: { readonly path: string }): Effect.Effect<SqliteMessageStoreService, Errors.StoreFailure> =>
  Effect.flatMap(SqliteDatabase.open(options.path), (db) =>
    make(db, { ownsDatabase: true }).pipe(Effect.tapError(() => Effect.sync(() => db.close())))
  )

/**
 * A store with its own database at `path`, closed when the layer's scope ends.
 *
 * @category layers
 */
export const layer = (options: { readonly path: string }): Layer.Layer<MessageStore.MessageStore, Errors.StoreFailure> =>
  Layer.scoped(MessageStore.MessageStore, Effect.acquireRelease(open(options), (store) => store.close))

/**
 * A store on the shared `SqliteDatabase` (which the topics and keys tables use too); its scope's end
 * commits what is queued, and the database layer closes the file.
 *
 * @category layers
 */
export const layerFromDatabase: Layer.Layer<
  MessageStore.MessageStore,
  Errors.StoreFailure,
  SqliteDatabase.SqliteDatabase
> = Layer.scoped(
  MessageStore.MessageStore,
  Effect.flatMap(SqliteDatabase.SqliteDatabase, ({ db }) => Effect.acquireRelease(make(db), (store) => store.close))
)
