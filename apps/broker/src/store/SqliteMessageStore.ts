/**
 * The core's `MessageStore` port on SQLite (better-sqlite3), the broker's durable store.
 *
 * `append` resolves only after its transaction has committed (the port's durability rule), and
 * commits are grouped: every `append` and `settle` that arrives before the event loop's next check
 * phase joins one transaction, so a burst of concurrent Publish calls, or of delivery outcomes, pays
 * for one WAL commit instead of one each. The group is first written as one plain transaction, the
 * cheap path taken almost always. Only if some caller's write is refused (a duplicate message id) is
 * that transaction rolled back and the group written again with each caller in its own savepoint,
 * so the refused caller fails alone and the others commit. If the commit itself fails, every caller
 * in the group fails with `StoreFailure`: none of them was written. Why WAL with
 * `synchronous=NORMAL` keeps the "survives kill -9" promise is explained in `SqliteDatabase.ts`.
 *
 * @since 0.1.0
 */
import { Errors, MessageStore } from "@sealcast/core"
import type { Message } from "@sealcast/core"
import type Database from "better-sqlite3"
import { Effect, Layer } from "effect"
import { batchUntilNextTurn } from "../internal/NextTurn.js"
import { storeFailure } from "./internal/storeFailure.js"
import { attributesOf, attributesText } from "./internal/storedAttributes.js"
import * as SqliteDatabase from "./SqliteDatabase.js"

/**
 * The SQLite store: the port, plus `close`.
 *
 * @category models
 */
export interface SqliteMessageStoreService extends MessageStore.MessageStoreService {
  /**
   * Commits the writes already queued, refuses any later `append` or `settle`, and closes the
   * database if this store opened it.
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

/** The values `insertMessage` binds, in its column order. */
type MessageValues = readonly [
  id: string,
  topicArn: string,
  timestamp: number,
  subject: string | null,
  attributes: string,
  messageStructure: string | null,
  publisher: string,
  fifoGroupId: string | null,
  fifoDeduplicationId: string | null,
  fifoSequenceNumber: string | null,
  bodyKind: string,
  bodyText: string | null,
  envelopeAlgorithm: string | null,
  envelopeKeyArn: string | null,
  envelopeEncryptedDataKey: Uint8Array | null,
  envelopeNonce: Uint8Array | null,
  envelopeCiphertext: Uint8Array | null
]

/**
 * A message as `insertMessage`'s values, bound by position, which is cheaper than by name
 * (docs/PERFORMANCE.md, "SQLite").
 */
const toValues = (message: Message.StoredMessage): MessageValues => {
  const { body, fifo } = message
  const envelope = body._tag === "Sealed" ? body.envelope : undefined
  return [
    message.messageId,
    message.topicArn,
    message.timestamp,
    message.subject ?? null,
    attributesText(message.attributes),
    message.messageStructure ?? null,
    message.publisher,
    fifo?.messageGroupId ?? null,
    fifo?.messageDeduplicationId ?? null,
    fifo?.sequenceNumber ?? null,
    body._tag,
    body._tag === "Plain" ? body.text : null,
    envelope?.algorithm ?? null,
    envelope?.keyArn ?? null,
    envelope?.encryptedDataKey ?? null,
    envelope?.nonce ?? null,
    envelope?.ciphertext ?? null
  ]
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
  /**
   * Runs before the group's transaction, for every write of the group in turn (an encrypted
   * publish's seal: `MessageStore.appendNow`); throws to refuse this caller's write.
   */
  readonly prepare: (() => void) | undefined
  /** Runs inside the group's transaction; throws to refuse this caller's write. */
  readonly write: () => void
  /** What the caller was doing, for the `StoreFailure` it gets if its write is refused or the commit fails. */
  readonly doing: string
  /** Told once: committed (no failure), or why not. */
  readonly settle: (failure: Errors.StoreFailure | undefined) => void
}

/** The failure a refused write reports: its own `StoreFailure` (a duplicate id), or SQLite's words. */
const refusal = (queued: QueuedWrite, cause: unknown): Errors.StoreFailure =>
  cause instanceof Errors.StoreFailure ? cause : storeFailure(queued.doing, cause)

const isUniqueViolation = (cause: unknown) =>
  cause instanceof Error && "code" in cause && cause.code === "SQLITE_CONSTRAINT_UNIQUE"

/**
 * A store on an open, migrated database (`SqliteDatabase.open`). `close` leaves the database open
 * unless `ownsDatabase`.
 *
 * @category constructors
 */
export const make = (
  db: Database.Database,
  options: { readonly ownsDatabase: boolean } = { ownsDatabase: false }
): Effect.Effect<SqliteMessageStoreService, Errors.StoreFailure> =>
  Effect.try({
    try: () => {
      // Prepared once, reused for every call.
      const insertMessage = db.prepare<[MessageValues]>(
        `INSERT INTO messages (id, topic_arn, timestamp, subject, attributes, message_structure, publisher,
           fifo_group_id, fifo_deduplication_id, fifo_sequence_number, body_kind, body_text,
           envelope_algorithm, envelope_key_arn, envelope_encrypted_data_key, envelope_nonce, envelope_ciphertext)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
      )
      const insertDelivery = db.prepare<[string, string, number]>(
        "INSERT INTO deliveries (message_id, subscription_arn, attempts, due_at) VALUES (?, ?, 0, ?)"
      )
      const selectMessage = db.prepare<[string], MessageRow>("SELECT * FROM messages WHERE id = ?")
      const selectByTopic = db.prepare<[string, number, number], MessageRow>(
        "SELECT * FROM messages WHERE topic_arn = ? AND timestamp >= ? ORDER BY seq LIMIT ?"
      )
      // Named as the port names them, so each row already is a `PendingDelivery`: the dispatcher
      // reads this on every pass, and a second object per row would be garbage at once.
      const selectDue = db.prepare<[number, number], Omit<MessageStore.PendingDelivery, "replayed"> & { replayed: number | boolean }>(
        `SELECT message_id AS messageId, subscription_arn AS subscriptionArn, attempts, due_at AS dueAt, replayed
         FROM deliveries WHERE due_at <= ? ORDER BY due_at, rowid LIMIT ?`
      )
      const withdrawReplays = db.prepare<[string]>("DELETE FROM deliveries WHERE subscription_arn = ? AND replayed = 1")
      // A message no longer stored, or still owed to the subscription, adds no row.
      const insertReplayed = db.prepare<[string, number, string]>(
        `INSERT INTO deliveries (message_id, subscription_arn, attempts, due_at, replayed)
         SELECT id, ?, 0, ?, 1 FROM messages WHERE id = ?
         ON CONFLICT (message_id, subscription_arn) DO NOTHING`
      )
      const countReplays = db.prepare<[string], { readonly n: number }>(
        "SELECT COUNT(*) AS n FROM deliveries WHERE subscription_arn = ? AND replayed = 1"
      )
      const replayAll = db.transaction((subscriptionArn: string, messageIds: ReadonlyArray<string>, dueAt: number): number => {
        withdrawReplays.run(subscriptionArn)
        let added = 0
        for (const messageId of messageIds) added += insertReplayed.run(subscriptionArn, dueAt, messageId).changes
        return added
      })
      const selectNextDueAt = db.prepare<[], { readonly next: number | null }>(
        "SELECT MIN(due_at) AS next FROM deliveries"
      )
      const countPending = db.prepare<[], { readonly n: number }>("SELECT COUNT(*) AS n FROM deliveries")
      const retryDelivery = db.prepare<[number, number, string, string]>(
        "UPDATE deliveries SET attempts = ?, due_at = ? WHERE message_id = ? AND subscription_arn = ?"
      )
      const endDelivery = db.prepare<[string, string]>(
        "DELETE FROM deliveries WHERE message_id = ? AND subscription_arn = ?"
      )
      const deleteBySubscription = db.prepare<[string]>("DELETE FROM deliveries WHERE subscription_arn = ?")
      // The deliveries go with their messages by the foreign key's ON DELETE CASCADE.
      const deleteByTopic = db.prepare<[string]>("DELETE FROM messages WHERE topic_arn = ?")
      // @cutoffs is a JSON object of archived topics' cutoffs (MessageStore's `prune`), each already
      // the lesser of the two instants.
      const deleteSettled = db.prepare<[{ readonly before: number; readonly cutoffs: string }]>(
        `DELETE FROM messages WHERE timestamp < COALESCE((SELECT value FROM json_each(@cutoffs) WHERE key = messages.topic_arn), @before)
           AND NOT EXISTS (SELECT 1 FROM deliveries WHERE deliveries.message_id = messages.id)`
      )

      const appendEntries = (entries: ReadonlyArray<MessageStore.AppendEntry>): void => {
        for (const { message, subscriptionArns } of entries) {
          try {
            insertMessage.run(toValues(message))
          } catch (cause) {
            if (isUniqueViolation(cause)) throw new Errors.StoreFailure({ message: `Message ${message.messageId} is already stored` })
            throw cause
          }
          // A Set only when there is something to deduplicate: one subscriber is the common case.
          const distinct = subscriptionArns.length > 1 ? new Set(subscriptionArns) : subscriptionArns
          for (const subscriptionArn of distinct) {
            insertDelivery.run(message.messageId, subscriptionArn, message.timestamp)
          }
        }
      }

      /** Set when a caller's write threw inside `writeGroup`, as opposed to its BEGIN or COMMIT failing. */
      let writeRefused = false

      /** The cheap path: the whole group in one transaction, no savepoints. */
      const writeGroup = db.transaction((group: ReadonlyArray<QueuedWrite>) => {
        writeRefused = false
        for (const queued of group) {
          try {
            queued.write()
          } catch (cause) {
            writeRefused = true
            throw cause
          }
        }
      })

      /** One caller's write, all or none; nested in `writeEachAlone`'s transaction it is a SAVEPOINT. */
      const writeInSavepoint = db.transaction((queued: QueuedWrite) => queued.write())

      /** The fallback after a refusal: each caller in its own savepoint, so a refused one fails alone. */
      const writeEachAlone = db.transaction(
        (group: ReadonlyArray<QueuedWrite>, refused: Map<QueuedWrite, Errors.StoreFailure>) => {
          for (const queued of group) {
            try {
              writeInSavepoint(queued)
            } catch (cause) {
              refused.set(queued, refusal(queued, cause))
            }
          }
        }
      )

      let closed = false

      /**
       * Each write's `prepare`, the group's one after another: a seal's OpenSSL calls run warm in
       * the CPU's caches when nothing else runs between them (docs/PERFORMANCE.md, "Sealing a
       * group's bodies together"). A write whose preparation throws is refused alone. Answers the
       * writes still to be made.
       */
      const prepareGroup = (queued: Array<QueuedWrite>): Array<QueuedWrite> => {
        let group = queued
        for (const write of queued) {
          if (write.prepare === undefined) continue
          try {
            write.prepare()
          } catch (cause) {
            group = group.filter((other) => other !== write)
            write.settle(refusal(write, cause))
          }
        }
        return group
      }

      const commitQueued = (queued: Array<QueuedWrite>): void => {
        const group = prepareGroup(queued)
        const refused = new Map<QueuedWrite, Errors.StoreFailure>()
        try {
          try {
            writeGroup(group)
          } catch (cause) {
            // better-sqlite3 has rolled the group back. Only a refused write is worth a second try;
            // a failed BEGIN or COMMIT would fail again.
            if (!writeRefused) throw cause
            writeEachAlone(group, refused)
          }
        } catch (cause) {
          for (const queued of group) queued.settle(storeFailure(queued.doing, cause))
          return
        }
        for (const queued of group) queued.settle(refused.get(queued))
      }

      /** The writes of one event-loop turn, committed together at its end (internal/NextTurn.ts). */
      const queue = batchUntilNextTurn(commitQueued)

      /**
       * Queues a write for the group commit and resumes once it is committed (or refused). The
       * first write of a turn schedules the commit, which runs after the I/O callbacks of this loop
       * turn, so the Publish calls parsed (and the deliveries answered) in the same turn share one
       * commit.
       */
      const enqueue = (doing: string, write: () => void): Effect.Effect<void, Errors.StoreFailure> =>
        Effect.async<void, Errors.StoreFailure>((resume) => {
          const queued = enqueueNow(doing, undefined, write, (failure) => resume(failure === undefined ? Effect.void : Effect.fail(failure)))
          // A write interrupted before its group commits is taken out of the queue: nothing of it is
          // written. Once committed, an interruption cannot undo it (the caller just never hears).
          return Effect.sync(() => {
            if (queued !== undefined) queue.remove(queued)
          })
        })

      /** `enqueue` with a plain callback; the queued write, or undefined when the store is closed. */
      const enqueueNow = (
        doing: string,
        prepare: QueuedWrite["prepare"],
        write: QueuedWrite["write"],
        settle: QueuedWrite["settle"]
      ): QueuedWrite | undefined => {
        if (closed) {
          settle(new Errors.StoreFailure({ message: "The message store is closed" }))
          return undefined
        }
        const queued: QueuedWrite = { prepare, write, doing, settle }
        queue.add(queued)
        return queued
      }

      const run = <A>(doing: string, f: () => A): Effect.Effect<A, Errors.StoreFailure> =>
        Effect.try({ try: f, catch: (cause) => storeFailure(doing, cause) })

      return {
        append: (entries) => enqueue("Cannot store the messages", () => appendEntries(entries)),
        appendNow: (entriesOf, committed) => {
          let entries: ReadonlyArray<MessageStore.AppendEntry> = []
          enqueueNow(
            "Cannot store the messages",
            () => {
              entries = entriesOf()
            },
            () => appendEntries(entries),
            committed
          )
        },
        get: (messageId) =>
          run("Cannot read the message", () => {
            const row = selectMessage.get(messageId)
            return row === undefined ? undefined : fromRow(row)
          }),
        listByTopic: (topicArn, { since = Number.MIN_SAFE_INTEGER, limit }) =>
          run("Cannot list the topic's messages", () => selectByTopic.all(topicArn, since, atMost(limit)).map(fromRow)),
        due: (now, limit) =>
          run("Cannot read the due deliveries", () => {
            const rows = selectDue.all(now, atMost(limit))
            // SQLite answers the flag as 0 or 1; turned into the port's boolean in place, one object per row.
            for (const row of rows) row.replayed = row.replayed === 1
            return rows as Array<MessageStore.PendingDelivery>
          }),
        nextDueAt: run("Cannot read the next due delivery", () => selectNextDueAt.get()?.next ?? undefined),
        // In the group commit, the settles of a busy dispatcher share one transaction per event-loop
        // turn with the appends, instead of paying a WAL commit each.
        settle: (settlements) =>
          enqueue("Cannot record the delivery outcomes", () => {
            for (const { messageId, subscriptionArn, outcome } of settlements) {
              if (outcome._tag === "Retry") retryDelivery.run(outcome.attempts, outcome.dueAt, messageId, subscriptionArn)
              else endDelivery.run(messageId, subscriptionArn)
            }
          }),
        pendingCount: run("Cannot count the pending deliveries", () => countPending.get()?.n ?? 0),
        replay: (subscriptionArn, messageIds, dueAt) =>
          run("Cannot store the replay's deliveries", () => replayAll(subscriptionArn, [...new Set(messageIds)], dueAt)),
        replaysPending: (subscriptionArn) =>
          run("Cannot count the replay's deliveries", () => countReplays.get(subscriptionArn)?.n ?? 0),
        removeSubscription: (subscriptionArn) =>
          run("Cannot remove the subscription's deliveries", () => {
            deleteBySubscription.run(subscriptionArn)
          }),
        removeTopic: (topicArn) =>
          run("Cannot remove the topic's messages", () => {
            deleteByTopic.run(topicArn)
          }),
        prune: (before, archiveCutoffs) =>
          run("Cannot prune old messages", () => deleteSettled.run({ before, cutoffs: JSON.stringify(MessageStore.pruneCutoffs(before, archiveCutoffs)) }).changes),
        close: Effect.sync(() => {
          if (closed) return
          closed = true
          queue.flushNow()
          if (options.ownsDatabase) db.close()
        })
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
