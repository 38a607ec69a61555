/**
 * The broker's one SQLite database: opened with the pragmas the durability promise needs, migrated
 * to the current schema, shared by the message store and the record tables.
 *
 * Why `synchronous=NORMAL` is enough (docs/CONTRACT.md, "At rest": acknowledged work survives `kill -9` of
 * the broker, not a power cut). In WAL mode a commit is a `write()` of the transaction's frames and a
 * commit frame into the `-wal` file; with `synchronous=NORMAL` SQLite skips the `fsync` at commit and
 * syncs only at checkpoints (sqlite.org/pragma.html#pragma_synchronous, sqlite.org/wal.html). Once
 * `write()` has returned, the bytes belong to the kernel's page cache, which outlives the process:
 * a SIGKILL cannot take them back, and the next open replays the WAL. Only an OS crash or power loss
 * before the next sync could lose the last commits, and the contract does not promise that.
 * `synchronous=FULL` would add one `fsync` per commit (milliseconds each) for a guarantee nobody asked
 * for; the durability test in `test/contracts` kills a writer with SIGKILL to hold us to this.
 *
 * @since 0.1.0
 */
import { Errors } from "@sealcast/core"
import Database from "better-sqlite3"
import { Context, Effect, Layer } from "effect"
import { mkdirSync } from "node:fs"
import { dirname, join } from "node:path"
import { storeFailure } from "./internal/storeFailure.js"

/**
 * The database file's name inside the data dir.
 *
 * @category utils
 */
export const DATABASE_FILE = "sealcast.db"

/**
 * How many WAL pages trigger an automatic checkpoint (see `open`).
 *
 * @category utils
 */
export const WAL_AUTOCHECKPOINT_PAGES = 1000

/**
 * Where the database lives in `dataDir`.
 *
 * @category utils
 */
export const databasePath = (dataDir: string): string => join(dataDir, DATABASE_FILE)

/**
 * The schema, one step per version; `PRAGMA user_version` records how many have run. Steps are only
 * ever appended: a released step is never edited, so every old database migrates the same way.
 *
 * - `messages`: the `INTEGER PRIMARY KEY` (rowid) `seq` is acceptance order; a new row always gets a
 *   larger one than every live row. A sealed body is stored as its envelope only (docs/SEMANTICS.md §1.6):
 *   there is no plaintext column it could leak into.
 * - `deliveries`: one row per delivery still owed; the foreign key cascades DeleteTopic.
 * - `records`: the generic durable key-value table (`SqliteRecords`) for topics, subscriptions and
 *   KMS key records, one `kind` per use.
 * - Step 2, SQS (`SqliteQueueStore`): `queues` (key `<account>/<name>`), `queue_deletions` (names
 *   deleted in the last minute), `queue_messages` (`seq` is the queue's order; an update keeps it) and
 *   `queue_meta` (each queue's FIFO and receive-attempt state).
 * - Step 3, message replay: `deliveries.replayed` marks a delivery a subscription's replay owes
 *   (docs/SEMANTICS.md §7, "Message replay"); rows from before it are ordinary deliveries.
 * - Step 4 drops `messages_by_timestamp`: no query reads it (`prune` compares each row's timestamp
 *   with its topic's own cutoff, which no index on `timestamp` can serve, and scans), and every
 *   message paid for a third index entry at its commit (docs/PERFORMANCE.md, "One index less per
 *   message").
 * - Step 5, FIFO deduplication ids one row each (`SqliteQueueStore`): `queue_deduplication`, each
 *   queue's ids inside the 5-minute window, written as they are accepted and as they leave. The ids
 *   `queue_meta` held in its `seen` list are copied in and taken out of it, so none is lost.
 */
const migrations: ReadonlyArray<string> = [
  `CREATE TABLE messages (
     seq INTEGER PRIMARY KEY,
     id TEXT NOT NULL UNIQUE,
     topic_arn TEXT NOT NULL,
     timestamp INTEGER NOT NULL,
     subject TEXT,
     attributes TEXT NOT NULL,
     message_structure TEXT,
     publisher TEXT NOT NULL,
     fifo_group_id TEXT,
     fifo_deduplication_id TEXT,
     fifo_sequence_number TEXT,
     body_kind TEXT NOT NULL CHECK (body_kind IN ('Plain', 'Sealed')),
     body_text TEXT,
     envelope_algorithm TEXT,
     envelope_key_arn TEXT,
     envelope_encrypted_data_key BLOB,
     envelope_nonce BLOB,
     envelope_ciphertext BLOB,
     CHECK (body_kind = 'Sealed' OR (body_text IS NOT NULL AND envelope_ciphertext IS NULL)),
     CHECK (body_kind = 'Plain' OR (body_text IS NULL AND envelope_ciphertext IS NOT NULL))
   );
   CREATE INDEX messages_by_topic ON messages (topic_arn, seq);
   CREATE INDEX messages_by_timestamp ON messages (timestamp);
   CREATE TABLE deliveries (
     message_id TEXT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
     subscription_arn TEXT NOT NULL,
     attempts INTEGER NOT NULL,
     due_at INTEGER NOT NULL,
     UNIQUE (message_id, subscription_arn)
   );
   CREATE INDEX deliveries_by_due_at ON deliveries (due_at);
   CREATE INDEX deliveries_by_subscription ON deliveries (subscription_arn);
   CREATE TABLE records (
     kind TEXT NOT NULL,
     key TEXT NOT NULL,
     value TEXT NOT NULL,
     UNIQUE (kind, key)
   );`,
  `CREATE TABLE queues (
     key TEXT PRIMARY KEY,
     value TEXT NOT NULL
   );
   CREATE TABLE queue_deletions (
     key TEXT PRIMARY KEY,
     deleted_at INTEGER NOT NULL
   );
   CREATE TABLE queue_messages (
     seq INTEGER PRIMARY KEY,
     queue_key TEXT NOT NULL,
     message_id TEXT NOT NULL,
     value TEXT NOT NULL,
     UNIQUE (queue_key, message_id)
   );
   CREATE TABLE queue_meta (
     queue_key TEXT PRIMARY KEY,
     value TEXT NOT NULL
   );`,
  `ALTER TABLE deliveries ADD COLUMN replayed INTEGER NOT NULL DEFAULT 0;`,
  `DROP INDEX messages_by_timestamp;`,
  `CREATE TABLE queue_deduplication (
     queue_key TEXT NOT NULL,
     deduplication_id TEXT NOT NULL,
     message_id TEXT NOT NULL,
     sequence_number TEXT NOT NULL,
     accepted_at INTEGER NOT NULL,
     PRIMARY KEY (queue_key, deduplication_id)
   ) WITHOUT ROWID;
   INSERT INTO queue_deduplication (queue_key, deduplication_id, message_id, sequence_number, accepted_at)
     SELECT m.queue_key, json_extract(e.value, '$[0]'), json_extract(e.value, '$[1].messageId'),
            json_extract(e.value, '$[1].sequenceNumber'), json_extract(e.value, '$[1].acceptedAt')
       FROM queue_meta AS m, json_each(m.value, '$.seen') AS e
       WHERE true
     ON CONFLICT (queue_key, deduplication_id) DO NOTHING;
   UPDATE queue_meta SET value = json_remove(value, '$.seen') WHERE json_type(value, '$.seen') IS NOT NULL;`
]

/**
 * The schema version this code writes.
 *
 * @category utils
 */
export const SCHEMA_VERSION = migrations.length

const migrate = (db: Database.Database): void => {
  const version = db.pragma("user_version", { simple: true }) as number
  if (version > SCHEMA_VERSION) {
    throw new Error(`the database has schema version ${version}, newer than this broker's ${SCHEMA_VERSION}`)
  }
  // Each step and its version bump commit together, so a crash mid-migration leaves the old version.
  migrations.slice(version).forEach((step, i) =>
    db.transaction(() => {
      db.exec(step)
      db.pragma(`user_version = ${version + i + 1}`)
    })()
  )
}

/**
 * The problems `PRAGMA quick_check` finds, at most `limit`; none for a sound database.
 *
 * quick_check reads every page of the file and checks each b-tree's structure (page format, cell
 * order, free-list), everything `integrity_check` does but matching index entries to their rows
 * (sqlite.org/pragma.html#pragma_quick_check). It is the check that finds an overwritten page at
 * open instead of as a 500 at the first request to touch it. Its cost grows with the file: 0.6 s
 * for a 244 MB store of 100,000 pending encrypted 1 KiB messages, file in the page cache (README,
 * "The data dir").
 *
 * @category utils
 */
export const integrityProblems = (db: Database.Database, limit = 10): ReadonlyArray<string> => {
  const rows = db.pragma(`quick_check(${limit})`) as ReadonlyArray<{ readonly quick_check: string }>
  const problems = rows.map((row) => row.quick_check)
  return problems.length === 1 && problems[0] === "ok" ? [] : problems
}

/** What quick_check found, as the reason a damaged database is refused. */
class DamagedDatabase extends Error {}

const isCorruption = (cause: unknown) =>
  cause instanceof Error && "code" in cause && typeof cause.code === "string" &&
  (cause.code.startsWith("SQLITE_CORRUPT") || cause.code === "SQLITE_NOTADB")

/**
 * Opens (creating if need be), checks (`integrityProblems`) and migrates the database at `path`;
 * `":memory:"` for a private in-memory one. The caller closes it.
 *
 * @category constructors
 */
export const open = (path: string): Effect.Effect<Database.Database, Errors.StoreFailure> =>
  Effect.try({
    try: () => {
      if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true })
      const db = new Database(path)
      try {
        db.pragma("journal_mode = WAL")
        db.pragma("synchronous = NORMAL")
        // Checkpoint when the WAL holds 1000 pages, SQLite's own default said out loud
        // (sqlite.org/pragma.html#pragma_wal_autocheckpoint): a larger WAL stalls the checkpointing
        // commit longer (docs/PERFORMANCE.md, "SQLite") and leaves more to replay after a crash.
        db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`)
        // SQLite leaves foreign keys off unless asked, per connection (sqlite.org/foreignkeys.html §2).
        db.pragma("foreign_keys = ON")
        // Wait rather than fail at once if another connection (an `sqlite3` shell) holds the lock.
        db.pragma("busy_timeout = 5000")
        const problems = integrityProblems(db)
        if (problems.length > 0) throw new DamagedDatabase(problems.join("; "))
        migrate(db)
        return db
      } catch (cause) {
        db.close()
        throw cause
      }
    },
    catch: (cause) =>
      cause instanceof DamagedDatabase || isCorruption(cause)
        ? storeFailure(`The database ${path} is damaged (restore it from a copy, or move it aside to start empty)`, cause)
        : storeFailure(`Cannot open the database ${path}`, cause)
  })

/**
 * @category models
 */
export interface SqliteDatabaseService {
  readonly db: Database.Database
}

/**
 * The open database, for the stores that share it.
 *
 * @category services
 */
export class SqliteDatabase extends Context.Tag("sealcast/SqliteDatabase")<
  SqliteDatabase,
  SqliteDatabaseService
>() {}

/**
 * Opens the database for the layer's lifetime and closes it when the scope ends.
 *
 * @category layers
 */
export const layer = (options: { readonly path: string }): Layer.Layer<SqliteDatabase, Errors.StoreFailure> =>
  Layer.scoped(
    SqliteDatabase,
    Effect.map(
      Effect.acquireRelease(open(options.path), (db) => Effect.sync(() => db.close())),
      (db) => ({ db })
    )
  )
