/**
 * The broker's PostgreSQL database (`--database-url`): a connection pool, the schema migrated at
 * start, shared by the message store and the record tables, as `SqliteDatabase.ts` is for SQLite.
 *
 * Durability: a commit PostgreSQL has acknowledged is in its write-ahead log, flushed to disk
 * (`synchronous_commit = on`, the default); the broker answers a request only after that commit, so
 * acknowledged work survives the broker's `kill -9` and the database server's crash alike
 * (docs/CONTRACT.md, "At rest").
 *
 * Several brokers may open the same database at once. Migrations run under a transaction-level
 * advisory lock, so only one broker migrates and the others wait and find the schema current; a
 * database whose schema is newer than this broker knows is refused rather than written to.
 *
 * @since 0.1.0
 */
import { Errors } from "@sealcast/core"
import { Context, Effect, Layer } from "effect"
import pg from "pg"

/**
 * The schema, one step per version; `sealcast_schema.version` records how many have run. Steps are
 * only ever appended, as in `SqliteDatabase.ts`, whose tables these mirror:
 *
 * - `messages`: the identity `seq` is acceptance order. `body_text` is `bytea` (UTF-8) because
 *   PostgreSQL's `text` cannot hold U+0000, which a stored body may. A sealed body is stored as its
 *   envelope only (docs/SEMANTICS.md §1.6).
 * - `deliveries`: one row per delivery still owed; `seq` orders deliveries due at the same instant,
 *   as SQLite's rowid does; the foreign key cascades DeleteTopic.
 * - `records`: topics, subscriptions and KMS key records (`PgRecords.ts`), one `kind` per use;
 *   `seq` keeps the order keys were first put.
 * - Step 2: a delivery's lease (`PgMessageStore.ts`): the broker that may attempt it (`leased_by`)
 *   and until when (`leased_until`, ms on the database's clock); none when both are null.
 * - Step 3, SQS (`PgQueueStore.ts`): `queues` (key `<account>/<name>`), `queue_deletions` (names
 *   deleted in the last minute), `queue_messages` (`seq` is the queue's order; an update keeps it) and
 *   `queue_meta` (each queue's FIFO and receive-attempt state), as in `SqliteDatabase.ts`.
 * - Step 4, brokers sharing the database (`PgShared.ts`): `sealcast_versions`, one version per store
 *   whose records brokers hold in memory (registry, keys, queues), raised by every transaction that
 *   changes the store; `queue_changes`, the queue changes each version made, so a broker catches up
 *   with the queues by reading only what changed (the last 10 000 versions are kept); and an index
 *   of deliveries by the broker leasing them, for that broker's heartbeat (`PgMessageStore.ts`).
 * - Step 5, FIFO lanes across brokers (`PgMessageStore.ts`): a FIFO message's deliveries carry its
 *   message group and sequence number (copied from `messages` for the rows already owed), and an
 *   index finds each lane's (subscription and message group) earlier deliveries, so a broker claims
 *   only a lane's head.
 * - Step 6, message replay: `deliveries.replayed` marks a delivery a subscription's replay owes
 *   (docs/SEMANTICS.md §7, "Message replay"), as in `SqliteDatabase.ts`.
 * - Step 7, FIFO deduplication ids one row each (`PgQueueStore.ts`): `queue_deduplication`, as in
 *   `SqliteDatabase.ts`, the ids `queue_meta` held in its `seen` list copied in. U+0000, which joins
 *   a message group and a deduplication id, is written as a space (text, and so `jsonb`, cannot hold
 *   it): in the row's JSON text it is a `\u0000` escape after an even number of backslashes, made a
 *   space before the text is read as `jsonb`. `seen` stays in those rows (the queue's next write drops
 *   it) and is not read.
 */
const migrations: ReadonlyArray<string> = [
  `CREATE TABLE messages (
     seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
     id TEXT NOT NULL UNIQUE,
     topic_arn TEXT NOT NULL,
     timestamp BIGINT NOT NULL,
     subject TEXT,
     attributes TEXT NOT NULL,
     message_structure TEXT,
     publisher TEXT NOT NULL,
     fifo_group_id TEXT,
     fifo_deduplication_id TEXT,
     fifo_sequence_number TEXT,
     body_kind TEXT NOT NULL CHECK (body_kind IN ('Plain', 'Sealed')),
     body_text BYTEA,
     envelope_algorithm TEXT,
     envelope_key_arn TEXT,
     envelope_encrypted_data_key BYTEA,
     envelope_nonce BYTEA,
     envelope_ciphertext BYTEA,
     CHECK (body_kind = 'Sealed' OR (body_text IS NOT NULL AND envelope_ciphertext IS NULL)),
     CHECK (body_kind = 'Plain' OR (body_text IS NULL AND envelope_ciphertext IS NOT NULL))
   );
   CREATE INDEX messages_by_topic ON messages (topic_arn, seq);
   CREATE INDEX messages_by_timestamp ON messages (timestamp);
   CREATE TABLE deliveries (
     seq BIGINT GENERATED ALWAYS AS IDENTITY,
     message_id TEXT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
     subscription_arn TEXT NOT NULL,
     attempts INTEGER NOT NULL,
     due_at BIGINT NOT NULL,
     PRIMARY KEY (message_id, subscription_arn)
   );
   CREATE INDEX deliveries_by_due_at ON deliveries (due_at, seq);
   CREATE INDEX deliveries_by_subscription ON deliveries (subscription_arn);
   CREATE TABLE records (
     seq BIGINT GENERATED ALWAYS AS IDENTITY,
     kind TEXT NOT NULL,
     key TEXT NOT NULL,
     value TEXT NOT NULL,
     PRIMARY KEY (kind, key)
   );`,
  `ALTER TABLE deliveries ADD COLUMN leased_by TEXT, ADD COLUMN leased_until BIGINT;`,
  `CREATE TABLE queues (
     key TEXT PRIMARY KEY,
     value TEXT NOT NULL
   );
   CREATE TABLE queue_deletions (
     key TEXT PRIMARY KEY,
     deleted_at BIGINT NOT NULL
   );
   CREATE TABLE queue_messages (
     seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
     queue_key TEXT NOT NULL,
     message_id TEXT NOT NULL,
     value TEXT NOT NULL,
     UNIQUE (queue_key, message_id)
   );
   CREATE TABLE queue_meta (
     queue_key TEXT PRIMARY KEY,
     value TEXT NOT NULL
   );`,
  `CREATE TABLE sealcast_versions (
     store TEXT PRIMARY KEY,
     version BIGINT NOT NULL
   );
   INSERT INTO sealcast_versions (store, version) VALUES ('registry', 0), ('keys', 0), ('queues', 0);
   CREATE TABLE queue_changes (
     id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
     version BIGINT NOT NULL,
     changes TEXT NOT NULL
   );
   CREATE INDEX queue_changes_by_version ON queue_changes (version, id);
   CREATE INDEX deliveries_by_lessee ON deliveries (leased_by);`,
  `ALTER TABLE deliveries ADD COLUMN fifo_group_id TEXT, ADD COLUMN fifo_sequence NUMERIC;
   UPDATE deliveries AS d SET fifo_group_id = m.fifo_group_id, fifo_sequence = m.fifo_sequence_number::numeric
     FROM messages AS m WHERE m.id = d.message_id AND m.fifo_group_id IS NOT NULL;
   CREATE INDEX deliveries_by_lane ON deliveries (subscription_arn, fifo_group_id, fifo_sequence, seq) WHERE fifo_group_id IS NOT NULL;`,
  `ALTER TABLE deliveries ADD COLUMN replayed BOOLEAN NOT NULL DEFAULT false;`,
  String.raw`CREATE TABLE queue_deduplication (
     queue_key TEXT NOT NULL,
     deduplication_id TEXT NOT NULL,
     message_id TEXT NOT NULL,
     sequence_number TEXT NOT NULL,
     accepted_at BIGINT NOT NULL,
     PRIMARY KEY (queue_key, deduplication_id)
   );
   INSERT INTO queue_deduplication (queue_key, deduplication_id, message_id, sequence_number, accepted_at)
     SELECT m.queue_key, e.value ->> 0, e.value -> 1 ->> 'messageId', e.value -> 1 ->> 'sequenceNumber', (e.value -> 1 ->> 'acceptedAt')::bigint
       FROM queue_meta AS m,
            jsonb_array_elements(regexp_replace(m.value, '((?:^|[^\\])(?:\\\\)*)\\u0000', '\1 ', 'g')::jsonb -> 'seen') AS e
     ON CONFLICT (queue_key, deduplication_id) DO NOTHING;`
]

/**
 * The schema version this code writes.
 *
 * @category utils
 */
export const SCHEMA_VERSION = migrations.length

/** The advisory lock migrations hold: any fixed 64-bit number no other program on the database uses. */
const MIGRATION_LOCK = 0x5ea1ca57

/** How long a start waits for a connection before it gives up on the database. */
const CONNECT_TIMEOUT_MS = 10_000

/**
 * `url` without its password (and query), fit for a log line or an error message.
 *
 * @category utils
 */
export const redactedUrl = (url: string): string => {
  try {
    const parsed = new URL(url)
    const user = parsed.username === "" ? "" : `${decodeURIComponent(parsed.username)}@`
    return `${parsed.protocol}//${user}${parsed.host}${parsed.pathname}`
  } catch {
    return "the database URL"
  }
}

/** What went wrong, in words: a refused connection to `localhost` is an AggregateError without a message of its own. */
const describe = (cause: unknown): string => {
  if (cause instanceof AggregateError && cause.message === "") return cause.errors.map(describe).join("; ")
  if (cause instanceof Error) return cause.message !== "" ? cause.message : "code" in cause ? String(cause.code) : cause.name
  return String(cause)
}

/**
 * A `StoreFailure` saying what was being done and what PostgreSQL (or the network) answered.
 *
 * @category utils
 */
export const pgFailure = (doing: string, cause: unknown): Errors.StoreFailure =>
  cause instanceof Errors.StoreFailure ? cause : new Errors.StoreFailure({ message: `${doing}: ${describe(cause)}` })

/** PostgreSQL's SQLSTATE of an error, if it has one. */
export const sqlState = (cause: unknown): string | undefined =>
  cause instanceof Error && "code" in cause && typeof cause.code === "string" ? cause.code : undefined

/** 64-bit integers (`bigint`, `count(*)`) as numbers: every one the broker stores is a millisecond instant or a count. */
const INT8_OID = 20
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === INT8_OID ? (text: string) => Number(text) : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig["getTypeParser"]
}

/** A connection or the pool: anything that runs one statement. */
export type Queryable = pg.Pool | pg.PoolClient

/**
 * Runs `use` on one connection inside a transaction: committed if it succeeds, rolled back if it
 * fails. A connection whose statements failed is given back broken, so the pool closes it rather
 * than hand out a connection in an unknown state.
 *
 * @category utils
 */
export const inTransaction = <A, E = never>(
  pool: pg.Pool,
  doing: string,
  use: (client: pg.PoolClient) => Effect.Effect<A, E | Errors.StoreFailure>
): Effect.Effect<A, E | Errors.StoreFailure> =>
  Effect.acquireUseRelease(
    Effect.tryPromise({ try: () => pool.connect(), catch: (cause) => pgFailure(doing, cause) }),
    (client) =>
      Effect.tryPromise({ try: () => client.query("BEGIN"), catch: (cause) => pgFailure(doing, cause) }).pipe(
        Effect.zipRight(use(client)),
        Effect.tap(() => Effect.tryPromise({ try: () => client.query("COMMIT"), catch: (cause) => pgFailure(doing, cause) })),
        Effect.tapError(() => Effect.promise(() => client.query("ROLLBACK").then(() => undefined, () => undefined)))
      ),
    (client, exit) => Effect.sync(() => client.release(exit._tag === "Failure" ? true : undefined))
  )

/**
 * Runs one statement on `db`.
 *
 * @category utils
 */
export const query = <R extends pg.QueryResultRow = pg.QueryResultRow>(
  db: Queryable,
  doing: string,
  config: pg.QueryConfig
): Effect.Effect<pg.QueryResult<R>, Errors.StoreFailure> =>
  Effect.tryPromise({ try: () => db.query<R>(config), catch: (cause) => pgFailure(doing, cause) })

const migrate = (pool: pg.Pool, where: string) =>
  inTransaction(pool, `Cannot migrate the database ${where}`, (client) =>
    Effect.gen(function* () {
      const doing = `Cannot migrate the database ${where}`
      // Held until this transaction ends: a second broker starting now waits here, then finds the
      // schema current.
      yield* query(client, doing, { text: "SELECT pg_advisory_xact_lock($1)", values: [MIGRATION_LOCK] })
      yield* query(client, doing, { text: "CREATE TABLE IF NOT EXISTS sealcast_schema (version INTEGER NOT NULL)" })
      const rows = (yield* query<{ readonly version: number }>(client, doing, { text: "SELECT version FROM sealcast_schema" })).rows
      const version = rows[0]?.version ?? 0
      if (version > SCHEMA_VERSION) {
        return yield* new Errors.StoreFailure({
          message: `The database ${where} has schema version ${version}, newer than this broker's ${SCHEMA_VERSION}: ` +
            "it was written by a newer sealcast; run that version (or newer) on it"
        })
      }
      if (version === SCHEMA_VERSION) return
      for (const step of migrations.slice(version)) yield* query(client, doing, { text: step })
      yield* query(client, doing, {
        text: rows.length === 0 ? "INSERT INTO sealcast_schema (version) VALUES ($1)" : "UPDATE sealcast_schema SET version = $1",
        values: [SCHEMA_VERSION]
      })
    })
  )

/**
 * Connects to the database at `url` and migrates it; the caller ends the pool. A database that
 * cannot be reached, or whose schema is newer than this code's, is a `StoreFailure` saying so.
 *
 * @category constructors
 */
export const open = (url: string): Effect.Effect<pg.Pool, Errors.StoreFailure> =>
  Effect.suspend(() => {
    const where = redactedUrl(url)
    const pool = new pg.Pool({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, types })
    // A connection that breaks while idle in the pool (the server restarted) is dropped by the pool;
    // the error it raises has no caller to go to, and unheard it would end the process.
    pool.on("error", () => undefined)
    // The same for a connection that breaks while checked out between two statements (a transaction
    // waiting on its caller): its next statement fails, and that failure reaches the caller.
    pool.on("connect", (client) => client.on("error", () => undefined))
    return Effect.tryPromise({ try: () => pool.query("SELECT 1"), catch: (cause) => pgFailure(`Cannot reach the PostgreSQL database ${where}`, cause) }).pipe(
      Effect.zipRight(migrate(pool, where)),
      Effect.as(pool),
      Effect.tapError(() => Effect.promise(() => pool.end()))
    )
  })

/**
 * @category models
 */
export interface PgDatabaseService {
  readonly pool: pg.Pool
}

/**
 * The open database, for the stores that share it.
 *
 * @category services
 */
export class PgDatabase extends Context.Tag("sealcast/PgDatabase")<PgDatabase, PgDatabaseService>() {}

/**
 * Connects for the layer's lifetime and ends the pool when the scope ends.
 *
 * @category layers
 */
export const layer = (options: { readonly url: string }): Layer.Layer<PgDatabase, Errors.StoreFailure> =>
  Layer.scoped(
    PgDatabase,
    Effect.map(
      Effect.acquireRelease(open(options.url), (pool) => Effect.promise(() => pool.end())),
      (pool) => ({ pool })
    )
  )
