/**
 * The core's `MessageStore` port on PostgreSQL (`--database-url`), with `SqliteMessageStore.ts`'s
 * semantics and its group commit.
 *
 * `append` and `settle` resolve only after their transaction has committed (the port's durability
 * rule). The writes handed over in one event-loop turn (internal/NextTurn.ts) form a group, and one
 * group commits at a time: whatever arrives while a commit is in flight forms the next group, so
 * under load each commit carries more callers instead of each caller paying a round trip to the
 * server and a WAL flush of its own. A group is written with one multi-row statement per table
 * (`unnest` of one array per column), the cheap path taken almost always. Only if some caller's
 * write is refused (a duplicate message id) is the group rolled back and written again with each
 * caller in its own savepoint, so the refused caller fails alone. If the commit itself fails (the
 * server is gone), every caller in the group fails with `StoreFailure`: none was acknowledged.
 *
 * Several brokers may share the database, and each delivery is attempted by one of them at a time:
 * a delivery is leased to the broker (`node`) that may attempt it, until an instant on the
 * database's clock. An append leases a standard topic's deliveries to the broker that accepted the
 * message (which attempts them at once); `due` claims what is due and free, or leased to this
 * broker, or whose lease ran out (a broker that died), skipping rows another broker is claiming at
 * that moment (`FOR UPDATE SKIP LOCKED`), and renews the lease; a Retry extends it past the next attempt's due
 * instant; a broker that stops gives its leases back. A live broker renews its leases every
 * `HEARTBEAT_MS`, so a lease runs out only for a broker that is gone (killed, or cut off from the
 * database), `LEASE_MS` after its last renewal: its deliveries are attempted again by another broker
 * within seconds, not after the longest attempt could take.
 *
 * A FIFO topic's publish does not join the group commit: it runs in a transaction of its own
 * holding the topic's lock (`fifoTopics`), so brokers number and deduplicate one topic's messages
 * in turn. Its deliveries are leased to no broker when appended, and of each FIFO lane (subscription
 * and message group) `due` claims only the head, the delivery with the lowest sequence number: the
 * next is claimable only once the head is delivered or given up, by whichever broker claims it then.
 * So one broker at a time attempts a lane, in sequence-number order, across the cluster; a broker
 * that dies holding a lane's head loses it when its lease runs out, like any other.
 *
 * @since 0.1.0
 */
import { Errors, MessageStore } from "@sealcast/core"
import type { Message } from "@sealcast/core"
import { Effect, Layer } from "effect"
import type pg from "pg"
import { batchUntilNextTurn } from "../internal/NextTurn.js"
import { attributesOf, attributesText } from "./internal/storedAttributes.js"
import * as PgDatabase from "./PgDatabase.js"

/**
 * The PostgreSQL store: the port, plus `close`.
 *
 * @category models
 */
export interface PgMessageStoreService extends MessageStore.MessageStoreService {
  /**
   * Commits the writes already queued, refuses any later `append` or `settle`, gives this broker's
   * leases back, and ends the pool if this store opened it.
   */
  readonly close: Effect.Effect<void>
}

/** A `messages` row as node-postgres returns it (`bytea` comes back as `Buffer`, `bigint` as number). */
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
  readonly body_text: Buffer | null
  readonly envelope_algorithm: string | null
  readonly envelope_key_arn: string | null
  readonly envelope_encrypted_data_key: Buffer | null
  readonly envelope_nonce: Buffer | null
  readonly envelope_ciphertext: Buffer | null
}

const MESSAGE_COLUMNS =
  "id, topic_arn, timestamp, subject, attributes, message_structure, publisher, fifo_group_id, fifo_deduplication_id, " +
  "fifo_sequence_number, body_kind, body_text, envelope_algorithm, envelope_key_arn, envelope_encrypted_data_key, " +
  "envelope_nonce, envelope_ciphertext"

/** Every message of a group in one statement, in acceptance order (`seq` is drawn row by row in that order). */
const INSERT_MESSAGES = `INSERT INTO messages (${MESSAGE_COLUMNS})
  SELECT ${MESSAGE_COLUMNS} FROM unnest(
    $1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
    $10::text[], $11::text[], $12::bytea[], $13::text[], $14::text[], $15::bytea[], $16::bytea[], $17::bytea[]
  ) WITH ORDINALITY AS m(${MESSAGE_COLUMNS}, n) ORDER BY n`

/**
 * How long a lease lasts after it was taken or last renewed: three heartbeats, so a broker that
 * misses one (a slow database, a long pause of its event loop) keeps its leases.
 *
 * @category utils
 */
export const LEASE_MS = 15_000

/**
 * How often a broker renews its leases.
 *
 * @category utils
 */
export const HEARTBEAT_MS = 5_000

/** The database's clock in ms since the epoch: every broker's leases are measured on the one clock. */
const DATABASE_NOW = "(extract(epoch FROM clock_timestamp()) * 1000)::bigint"

/**
 * A standard topic's deliveries are leased to the broker that accepted the message, which attempts
 * them at once. A FIFO message's are leased to none: whichever broker holds its lane when it comes to
 * the lane's head claims it (`CLAIM_DUE`), so a lane passes from one broker to another only when it
 * runs dry, not at every message published through another broker.
 */
const INSERT_DELIVERIES = `INSERT INTO deliveries (message_id, subscription_arn, attempts, due_at, fifo_group_id, fifo_sequence, leased_by, leased_until)
  SELECT message_id, subscription_arn, 0, due_at, fifo_group_id, fifo_sequence,
    CASE WHEN fifo_group_id IS NULL THEN $6 END, CASE WHEN fifo_group_id IS NULL THEN ${DATABASE_NOW} + $7 END
  FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::numeric[])
  WITH ORDINALITY AS d(message_id, subscription_arn, due_at, fifo_group_id, fifo_sequence, n) ORDER BY n`

/**
 * A FIFO delivery's lane (subscription and message group) still owes an earlier delivery: one with a
 * lower sequence number, or the same one accepted before (the stores' contract suite writes such
 * messages; a topic's own sequencer never does). Reads the lane's index (`deliveries_by_lane`).
 */
const EARLIER_IN_LANE = `EXISTS (SELECT 1 FROM deliveries AS e
    WHERE e.subscription_arn = d.subscription_arn AND e.fifo_group_id = d.fifo_group_id
      AND (e.fifo_sequence, e.seq) < (d.fifo_sequence, d.seq))`

/**
 * The deliveries a broker could ever claim: a standard topic's, and of each FIFO lane only its head,
 * so a lane's next delivery waits until the one before it is delivered or given up, whichever broker
 * attempts it (docs/ARCHITECTURE.md, "A cluster").
 */
const CLAIMABLE = `(d.fifo_group_id IS NULL OR NOT ${EARLIER_IN_LANE})`

/**
 * Claims (or renews) the due deliveries this broker may attempt; the rows come back in no order. A
 * lane's head leased by a live broker is that broker's, so one broker at a time attempts a lane.
 * Rows another broker is claiming at that moment are skipped; one it claimed meanwhile is read again
 * as committed (the lease test fails), and a lane's earlier delivery ended meanwhile only makes the
 * head wait for the next read.
 */
const CLAIM_DUE = `WITH claimed AS (
    SELECT message_id, subscription_arn FROM deliveries AS d
    WHERE due_at <= $1 AND (leased_by IS NULL OR leased_by = $3 OR leased_until <= ${DATABASE_NOW}) AND ${CLAIMABLE}
    ORDER BY due_at, seq LIMIT $2
    FOR UPDATE SKIP LOCKED
  )
  UPDATE deliveries AS d SET leased_by = $3, leased_until = ${DATABASE_NOW} + $4
  FROM claimed WHERE d.message_id = claimed.message_id AND d.subscription_arn = claimed.subscription_arn
  RETURNING d.message_id AS "messageId", d.subscription_arn AS "subscriptionArn", d.attempts, d.due_at AS "dueAt", d.replayed, d.seq`

/**
 * The earliest instant this broker could claim a delivery: another broker's lease postpones its row,
 * and a FIFO delivery behind its lane's head counts only once it is the head (the broker that ends
 * the head reads at once; should that broker be gone, the head's lease running out wakes this one).
 */
const NEXT_DUE_AT = `SELECT MIN(CASE WHEN leased_by <> $1 AND leased_until > ${DATABASE_NOW} THEN GREATEST(due_at, leased_until) ELSE due_at END) AS next
  FROM deliveries AS d WHERE ${CLAIMABLE}`

/**
 * A Retry keeps the lease, running on past the next attempt's due instant: the broker that made the
 * attempt makes the next one, and knows the subscription (another broker's registry may not yet).
 */
const RETRY_DELIVERIES = `UPDATE deliveries AS d SET attempts = u.attempts, due_at = u.due_at,
    leased_until = GREATEST(d.leased_until, u.due_at + ${LEASE_MS})
  FROM unnest($1::text[], $2::text[], $3::integer[], $4::bigint[]) AS u(message_id, subscription_arn, attempts, due_at)
  WHERE d.message_id = u.message_id AND d.subscription_arn = u.subscription_arn`

/** Renews every lease this broker holds; a Retry's lease that already runs further is kept. */
const RENEW_LEASES = `UPDATE deliveries SET leased_until = GREATEST(leased_until, ${DATABASE_NOW} + $2) WHERE leased_by = $1`

const END_DELIVERIES = `DELETE FROM deliveries AS d USING unnest($1::text[], $2::text[]) AS u(message_id, subscription_arn)
  WHERE d.message_id = u.message_id AND d.subscription_arn = u.subscription_arn`

/** A plain `Uint8Array` copy of a `bytea`, so callers never hold a `Buffer` with its different `slice`. */
const blob = (value: Buffer | null, column: string): Uint8Array => {
  if (value === null) throw new Error(`column ${column} is empty`)
  return new Uint8Array(value)
}

const bodyOf = (row: MessageRow): Message.MessageBody => {
  if (row.body_kind === "Plain" && row.body_text !== null) return { _tag: "Plain", text: row.body_text.toString("utf8") }
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

/** PostgreSQL refuses a negative LIMIT; the port means "at most `limit`". */
const atMost = (limit: number) => Math.max(0, Math.floor(limit))

/** The appends of a group as `INSERT_MESSAGES`' and `INSERT_DELIVERIES`' arrays. */
const appendValues = (entries: ReadonlyArray<MessageStore.AppendEntry>) => {
  const columns: Array<Array<unknown>> = Array.from({ length: 17 }, () => [])
  const deliveries: [Array<string>, Array<string>, Array<number>, Array<string | null>, Array<string | null>] = [[], [], [], [], []]
  for (const { message, subscriptionArns } of entries) {
    const { body, fifo } = message
    const envelope = body._tag === "Sealed" ? body.envelope : undefined
    const values = [
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
      body._tag === "Plain" ? Buffer.from(body.text, "utf8") : null,
      envelope?.algorithm ?? null,
      envelope?.keyArn ?? null,
      envelope?.encryptedDataKey ?? null,
      envelope?.nonce ?? null,
      envelope?.ciphertext ?? null
    ]
    values.forEach((value, i) => columns[i]!.push(value))
    for (const subscriptionArn of new Set(subscriptionArns)) {
      deliveries[0].push(message.messageId)
      deliveries[1].push(subscriptionArn)
      deliveries[2].push(message.timestamp)
      deliveries[3].push(fifo?.messageGroupId ?? null)
      deliveries[4].push(fifo?.sequenceNumber ?? null)
    }
  }
  return { columns, deliveries }
}

/**
 * The settlements of a group as one update and one delete, with the effect of applying them in
 * order: once a delivery has ended, a later Retry finds nothing to update; of several Retries the
 * last one stands.
 */
const settleValues = (settlements: ReadonlyArray<MessageStore.Settlement>) => {
  const ended = new Map<string, MessageStore.Settlement>()
  const retried = new Map<string, { readonly settlement: MessageStore.Settlement; readonly attempts: number; readonly dueAt: number }>()
  for (const settlement of settlements) {
    const key = `${settlement.messageId}\u0000${settlement.subscriptionArn}`
    if (ended.has(key)) continue
    if (settlement.outcome._tag === "Retry") {
      retried.set(key, { settlement, attempts: settlement.outcome.attempts, dueAt: settlement.outcome.dueAt })
    } else {
      retried.delete(key)
      ended.set(key, settlement)
    }
  }
  const retries = [...retried.values()]
  const ends = [...ended.values()]
  return {
    retry: [retries.map((r) => r.settlement.messageId), retries.map((r) => r.settlement.subscriptionArn), retries.map((r) => r.attempts), retries.map((r) => r.dueAt)],
    end: [ends.map((s) => s.messageId), ends.map((s) => s.subscriptionArn)]
  }
}

/** One caller's write. */
type Write =
  | { readonly _tag: "Append"; readonly entries: ReadonlyArray<MessageStore.AppendEntry> }
  | { readonly _tag: "Settle"; readonly settlements: ReadonlyArray<MessageStore.Settlement> }

/** One caller's write, waiting for its group's commit. */
interface QueuedWrite {
  readonly write: Write
  /** What the caller was doing, for the `StoreFailure` it gets if its write is refused or the commit fails. */
  readonly doing: string
  readonly resume: (result: Effect.Effect<void, Errors.StoreFailure>) => void
}

/** A write refused for what it holds (a message id already stored), not for the state of the server. */
const isRefusal = (cause: unknown) => PgDatabase.sqlState(cause) === "23505"

const refusal = (doing: string, cause: unknown): Errors.StoreFailure => {
  const detail = cause instanceof Error && "detail" in cause && typeof cause.detail === "string" ? cause.detail : ""
  const id = /^Key \(id\)=\((.*)\) already exists\.$/.exec(detail)?.[1]
  return id === undefined ? PgDatabase.pgFailure(doing, cause) : new Errors.StoreFailure({ message: `Message ${id} is already stored` })
}

/**
 * Writes a group's writes on `client`, inside its transaction. A settle only ever names a delivery
 * read from the store, whose append committed before, so appends and settles of one group never
 * touch the same row, and the appends go first.
 */
const writeAll = async (client: pg.PoolClient, node: string, writes: ReadonlyArray<Write>): Promise<void> => {
  const entries = writes.flatMap((w) => (w._tag === "Append" ? w.entries : []))
  const settlements = writes.flatMap((w) => (w._tag === "Settle" ? w.settlements : []))
  if (entries.length > 0) {
    const { columns, deliveries } = appendValues(entries)
    await client.query({ name: "sealcast-insert-messages", text: INSERT_MESSAGES, values: columns })
    if (deliveries[0].length > 0) await client.query({ name: "sealcast-insert-deliveries", text: INSERT_DELIVERIES, values: [...deliveries, node, LEASE_MS] })
  }
  if (settlements.length > 0) {
    const { retry, end } = settleValues(settlements)
    if (retry[0]!.length > 0) await client.query({ name: "sealcast-retry-deliveries", text: RETRY_DELIVERIES, values: retry })
    if (end[0]!.length > 0) await client.query({ name: "sealcast-end-deliveries", text: END_DELIVERIES, values: end })
  }
}

/**
 * Commits one group: the whole group at once, or after a refusal each caller in its own savepoint.
 * Never rejects: every caller is resumed, with success or its failure.
 */
const commitGroup = async (pool: pg.Pool, node: string, group: ReadonlyArray<QueuedWrite>): Promise<void> => {
  let client: pg.PoolClient
  try {
    client = await pool.connect()
  } catch (cause) {
    for (const queued of group) queued.resume(Effect.fail(PgDatabase.pgFailure(queued.doing, cause)))
    return
  }
  let broken = false
  const refused = new Map<QueuedWrite, Errors.StoreFailure>()
  try {
    try {
      await client.query("BEGIN")
      await writeAll(client, node, group.map((queued) => queued.write))
      await client.query("COMMIT")
    } catch (cause) {
      await client.query("ROLLBACK")
      // Only a refused write is worth a second try; a failed connection would fail again.
      if (!isRefusal(cause)) throw cause
      await client.query("BEGIN")
      for (const queued of group) {
        await client.query("SAVEPOINT caller")
        try {
          await writeAll(client, node, [queued.write])
          await client.query("RELEASE SAVEPOINT caller")
        } catch (refusedCause) {
          if (!isRefusal(refusedCause)) throw refusedCause
          await client.query("ROLLBACK TO SAVEPOINT caller")
          refused.set(queued, refusal(queued.doing, refusedCause))
        }
      }
      await client.query("COMMIT")
    }
  } catch (cause) {
    broken = true
    for (const queued of group) queued.resume(Effect.fail(PgDatabase.pgFailure(queued.doing, cause)))
    return
  } finally {
    // A connection whose transaction failed is closed, not reused in an unknown state.
    client.release(broken || undefined)
  }
  for (const queued of group) {
    const failure = refused.get(queued)
    queued.resume(failure === undefined ? Effect.void : Effect.fail(failure))
  }
}

/**
 * @category models
 */
export interface PgMessageStoreOptions {
  /** This broker's name in the leases it holds: unique among the brokers sharing the database. */
  readonly node: string
  /** Whether `close` ends the pool. */
  readonly ownsPool?: boolean
}

/**
 * A store on an open, migrated database (`PgDatabase.open`).
 *
 * @category constructors
 */
export const make = (pool: pg.Pool, options: PgMessageStoreOptions): PgMessageStoreService => {
  let closed = false
  /** Handed over by the turn's batch, waiting for the commit in flight to finish. */
  let waiting: Array<QueuedWrite> = []
  /** The commits in flight and those queued behind them; undefined when idle. */
  let committing: Promise<void> | undefined

  const drain = async () => {
    while (waiting.length > 0) {
      const group = waiting
      waiting = []
      await commitGroup(pool, options.node, group)
    }
    committing = undefined
  }
  const queue = batchUntilNextTurn<QueuedWrite>((batch) => {
    waiting.push(...batch)
    committing ??= drain()
  })

  /** Queues a write for the group commit and resumes once it is committed (or refused). */
  const enqueue = (doing: string, write: Write): Effect.Effect<void, Errors.StoreFailure> =>
    Effect.async<void, Errors.StoreFailure>((resume) => {
      if (closed) {
        resume(Effect.fail(closedFailure()))
        return
      }
      const queued: QueuedWrite = { write, doing, resume }
      queue.add(queued)
      // A write interrupted before its group's commit starts is taken out: nothing of it is written.
      // Once its commit has started, an interruption cannot undo it (the caller just never hears).
      return Effect.sync(() => {
        if (queue.remove(queued)) return
        const at = waiting.indexOf(queued)
        if (at >= 0) waiting.splice(at, 1)
      })
    })

  // A renewal that fails (the database unreachable) is tried again at the next beat; if the database
  // stays away longer than a lease, another broker may attempt these deliveries too, as at-least-once allows.
  const heartbeat = setInterval(() => {
    pool.query({ name: "sealcast-renew-leases", text: RENEW_LEASES, values: [options.node, LEASE_MS] }).catch(() => undefined)
  }, HEARTBEAT_MS)
  heartbeat.unref()

  const read = <R extends pg.QueryResultRow>(doing: string, config: pg.QueryConfig, db: PgDatabase.Queryable = pool) =>
    Effect.map(PgDatabase.query<R>(db, doing, config), ({ rows }) => rows)

  const messages = (doing: string, config: pg.QueryConfig, db: PgDatabase.Queryable = pool) =>
    Effect.flatMap(read<MessageRow>(doing, config, db), (rows) =>
      Effect.try({ try: () => rows.map(fromRow), catch: (cause) => PgDatabase.pgFailure(doing, cause) })
    )

  const listByTopic = (topicArn: string, since: number, limit: number, db: PgDatabase.Queryable = pool) =>
    messages("Cannot list the topic's messages", {
      text: "SELECT * FROM messages WHERE topic_arn = $1 AND timestamp >= $2 ORDER BY seq LIMIT $3",
      values: [topicArn, since, atMost(limit)]
    }, db)

  const closedFailure = () => new Errors.StoreFailure({ message: "The message store is closed" })

  /**
   * A FIFO topic's publish, from reading its state to committing what it accepted, in one
   * transaction holding the topic's advisory lock: brokers publishing to one topic take turns, and
   * each decides on what the others committed (docs/ARCHITECTURE.md, "A cluster"). Topics whose
   * names hash alike share a lock, which only makes them wait for each other.
   */
  const fifoTopics: MessageStore.SharedFifoTopics = {
    hold: (topicArn, body) =>
      Effect.suspend(() => {
        if (closed) return Effect.fail(closedFailure())
        const doing = "Cannot store the messages"
        return PgDatabase.inTransaction(pool, doing, (client) =>
          Effect.gen(function* () {
            yield* PgDatabase.query(client, doing, { text: "SELECT pg_advisory_xact_lock(hashtext($1))", values: [`sealcast-fifo ${topicArn}`] })
            const latest = yield* read<{ readonly id: string }>(doing, {
              name: "sealcast-latest-of-topic",
              text: "SELECT id FROM messages WHERE topic_arn = $1 ORDER BY seq DESC LIMIT 1",
              values: [topicArn]
            }, client)
            return yield* body({
              latest: latest[0]?.id,
              recent: (since) => listByTopic(topicArn, since, 1_000_000, client),
              append: (entries) =>
                Effect.tryPromise({
                  try: () => writeAll(client, options.node, [{ _tag: "Append", entries }]),
                  catch: (cause) => (isRefusal(cause) ? refusal(doing, cause) : PgDatabase.pgFailure(doing, cause))
                })
            })
          })
        )
      })
  }

  return {
    append: (entries) => enqueue("Cannot store the messages", { _tag: "Append", entries }),
    get: (messageId) =>
      Effect.map(
        messages("Cannot read the message", { name: "sealcast-select-message", text: "SELECT * FROM messages WHERE id = $1", values: [messageId] }),
        (rows) => rows[0]
      ),
    listByTopic: (topicArn, { since = Number.MIN_SAFE_INTEGER, limit }) => listByTopic(topicArn, since, limit),
    due: (now, limit) =>
      Effect.map(
        read<MessageStore.PendingDelivery & { readonly seq: number }>("Cannot read the due deliveries", {
          name: "sealcast-claim-due",
          text: CLAIM_DUE,
          values: [now, atMost(limit), options.node, LEASE_MS]
        }),
        (rows) =>
          rows
            .sort((a, b) => a.dueAt - b.dueAt || a.seq - b.seq)
            .map(({ messageId, subscriptionArn, attempts, dueAt, replayed }) => ({ messageId, subscriptionArn, attempts, dueAt, replayed }))
      ),
    nextDueAt: Effect.map(
      read<{ readonly next: number | null }>("Cannot read the next due delivery", { name: "sealcast-next-due", text: NEXT_DUE_AT, values: [options.node] }),
      (rows) => rows[0]?.next ?? undefined
    ),
    settle: (settlements) => enqueue("Cannot record the delivery outcomes", { _tag: "Settle", settlements }),
    pendingCount: Effect.map(
      read<{ readonly n: number }>("Cannot count the pending deliveries", { text: "SELECT COUNT(*) AS n FROM deliveries" }),
      (rows) => rows[0]?.n ?? 0
    ),
    // Two statements in one transaction: within one statement the insert would still see the
    // withdrawn rows and skip their messages. A replayed FIFO delivery joins its lane, unleased, as a
    // published one does (`INSERT_DELIVERIES`).
    replay: (subscriptionArn, messageIds, dueAt) =>
      PgDatabase.inTransaction(pool, "Cannot store the replay's deliveries", (client) =>
        Effect.zipRight(
          read("Cannot store the replay's deliveries", { text: "DELETE FROM deliveries WHERE subscription_arn = $1 AND replayed", values: [subscriptionArn] }, client),
          Effect.map(
            read<{ readonly n: number }>("Cannot store the replay's deliveries", {
              text: `WITH added AS (
                  INSERT INTO deliveries (message_id, subscription_arn, attempts, due_at, fifo_group_id, fifo_sequence, replayed)
                  SELECT m.id, $1, 0, $3, m.fifo_group_id, m.fifo_sequence_number::numeric, true FROM unnest($2::text[]) WITH ORDINALITY AS u(id, n) JOIN messages m ON m.id = u.id ORDER BY u.n
                  ON CONFLICT (message_id, subscription_arn) DO NOTHING RETURNING 1)
                SELECT COUNT(*)::int AS n FROM added`,
              values: [subscriptionArn, [...new Set(messageIds)], dueAt]
            }, client),
            (rows) => rows[0]?.n ?? 0
          )
        )
      ),
    replaysPending: (subscriptionArn) =>
      Effect.map(
        read<{ readonly n: number }>("Cannot count the replay's deliveries", {
          text: "SELECT COUNT(*)::int AS n FROM deliveries WHERE subscription_arn = $1 AND replayed",
          values: [subscriptionArn]
        }),
        (rows) => rows[0]?.n ?? 0
      ),
    removeSubscription: (subscriptionArn) =>
      Effect.asVoid(read("Cannot remove the subscription's deliveries", { text: "DELETE FROM deliveries WHERE subscription_arn = $1", values: [subscriptionArn] })),
    // The deliveries go with their messages by the foreign key's ON DELETE CASCADE.
    removeTopic: (topicArn) =>
      Effect.asVoid(read("Cannot remove the topic's messages", { text: "DELETE FROM messages WHERE topic_arn = $1", values: [topicArn] })),
    fifoTopics,
    // $2 is a JSON object of archived topics' cutoffs (MessageStore's `prune`), each already the
    // lesser of the two instants.
    prune: (before, archiveCutoffs) =>
      Effect.map(
        PgDatabase.query(pool, "Cannot prune old messages", {
          text: `DELETE FROM messages WHERE timestamp < COALESCE(($2::jsonb ->> topic_arn)::bigint, $1)
                   AND NOT EXISTS (SELECT 1 FROM deliveries WHERE deliveries.message_id = messages.id)`,
          values: [before, JSON.stringify(MessageStore.pruneCutoffs(before, archiveCutoffs))]
        }),
        ({ rowCount }) => rowCount ?? 0
      ),
    close: Effect.promise(async () => {
      if (closed) return
      closed = true
      clearInterval(heartbeat)
      queue.flushNow()
      await committing
      // A broker that stops gives its leases back, so another need not wait for them to run out.
      // If the database cannot be reached now, they run out all the same.
      await pool.query({ text: "UPDATE deliveries SET leased_by = NULL, leased_until = NULL WHERE leased_by = $1", values: [options.node] }).catch(() => undefined)
      if (options.ownsPool === true) await pool.end()
    })
  }
}

/**
 * Connects to the database at `url` and a store, leasing as `node`, that owns the pool: its `close`
 * ends it.
 *
 * @category constructors
 */
export const open = (options: { readonly url: string; readonly node: string }): Effect.Effect<PgMessageStoreService, Errors.StoreFailure> =>
  Effect.map(PgDatabase.open(options.url), (pool) => make(pool, { node: options.node, ownsPool: true }))

/**
 * A store with its own pool on the database at `url`, closed when the layer's scope ends.
 *
 * @category layers
 */
export const layer = (options: { readonly url: string; readonly node: string }): Layer.Layer<MessageStore.MessageStore, Errors.StoreFailure> =>
  Layer.scoped(MessageStore.MessageStore, Effect.acquireRelease(open(options), (store) => store.close))

/**
 * A store on the shared `PgDatabase` (which the topics and keys tables use too), leasing under the
 * broker's node id (`--node-id`, unique among the brokers sharing the database); its scope's end
 * commits what is queued, and the database layer ends the pool.
 *
 * @category layers
 */
export const layerFromDatabase = (options: { readonly node: string }): Layer.Layer<MessageStore.MessageStore, never, PgDatabase.PgDatabase> =>
  Layer.scoped(
    MessageStore.MessageStore,
    Effect.flatMap(PgDatabase.PgDatabase, ({ pool }) => Effect.acquireRelease(Effect.sync(() => make(pool, options)), (store) => store.close))
  )
