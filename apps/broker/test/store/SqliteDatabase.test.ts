import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Layer } from "effect"
import { closeSync, copyFileSync, fstatSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll } from "vitest"
import * as SqliteDatabase from "../../src/store/SqliteDatabase.js"
import * as SqliteQueueStore from "../../src/store/SqliteQueueStore.js"
import * as StoredWindow from "../support/StoredDeduplicationWindow.js"

const root = mkdtempSync(join(tmpdir(), "sealcast-db-"))

const messageIndexes = (db: { prepare: (sql: string) => { pluck: () => { all: () => Array<unknown> } } }) =>
  db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'messages' ORDER BY name").pluck().all()
afterAll(() => rmSync(root, { recursive: true, force: true }))

describe("SqliteDatabase", () => {
  // test/fixtures/datadir-schema1: a data dir written by the broker at schema version 1 (a topic, an
  // encrypted topic, a KMS key and its alias, an HTTP subscription to each, four messages whose
  // deliveries were refused and are still owed). test/e2e/DataDir.test.ts serves it.
  it.effect("migrates a schema-1 database: its records, messages and owed deliveries stay, and the queue tables start empty", () =>
    Effect.gen(function* () {
      const dir = join(root, "schema1")
      mkdirSync(dir)
      copyFileSync(new URL("../fixtures/datadir-schema1/sealcast.db", import.meta.url), join(dir, "sealcast.db"))
      const count = (db: { prepare: (sql: string) => { get: () => unknown } }, table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n
      const db = yield* SqliteDatabase.open(join(dir, "sealcast.db"))
      expect(db.pragma("user_version", { simple: true })).toBe(SqliteDatabase.SCHEMA_VERSION)
      expect(count(db, "messages")).toBe(4)
      expect(count(db, "deliveries")).toBe(4)
      const kinds = (db.prepare("SELECT kind FROM records ORDER BY kind").all() as ReadonlyArray<{ kind: string }>).map((r) => r.kind)
      expect(kinds).toEqual(["kms-alias", "kms-key", "kms-root-key-check", "subscription", "subscription", "topic", "topic"])
      const queues = yield* Effect.flatMap(SqliteQueueStore.make(db), (store) => store.load)
      expect(queues.directory.queues.size).toBe(0)
      expect(messageIndexes(db)).toEqual(["messages_by_topic", "sqlite_autoindex_messages_1"])
      db.close()
    }))

  it.effect("a fresh database indexes messages by topic and by id only", () =>
    Effect.gen(function* () {
      const db = yield* SqliteDatabase.open(":memory:")
      expect(messageIndexes(db)).toEqual(["messages_by_topic", "sqlite_autoindex_messages_1"])
      db.close()
    }))

  it.effect("migrates the FIFO deduplication ids a queue's rule state held into rows of their own: each still deduplicates", () =>
    Effect.gen(function* () {
      const path = join(root, "deduplication", "sealcast.db")
      const db = yield* SqliteDatabase.open(path)
      yield* Effect.flatMap(SqliteQueueStore.make(db), (store) => store.apply([{ _tag: "PutQueue", queue: StoredWindow.queue }]))
      // The database as the step before `queue_deduplication` left it, the rule state as then written.
      db.exec("DROP TABLE queue_deduplication")
      db.prepare("INSERT INTO queue_meta (queue_key, value) VALUES (?, ?)").run(StoredWindow.key, StoredWindow.meta)
      db.pragma(`user_version = ${SqliteDatabase.SCHEMA_VERSION - 1}`)
      db.close()
      const migrated = yield* SqliteDatabase.open(path)
      StoredWindow.expectStillDeduplicating(yield* Effect.flatMap(SqliteQueueStore.make(migrated), (store) => store.load))
      expect(JSON.parse(migrated.prepare("SELECT value FROM queue_meta").pluck().get() as string)).not.toHaveProperty("seen")
      migrated.close()
    }))

  it.effect("opens a file in WAL mode with synchronous=NORMAL, its checkpoint interval, foreign keys on, at the current schema version", () =>
    Effect.gen(function* () {
      const db = yield* SqliteDatabase.open(SqliteDatabase.databasePath(join(root, "fresh", "data")))
      expect(db.pragma("journal_mode", { simple: true })).toBe("wal")
      expect(db.pragma("synchronous", { simple: true })).toBe(1)
      expect(db.pragma("wal_autocheckpoint", { simple: true })).toBe(SqliteDatabase.WAL_AUTOCHECKPOINT_PAGES)
      expect(db.pragma("foreign_keys", { simple: true })).toBe(1)
      expect(db.pragma("user_version", { simple: true })).toBe(SqliteDatabase.SCHEMA_VERSION)
      db.close()
    }))

  it.effect("reopening keeps the data and does not migrate again", () =>
    Effect.gen(function* () {
      const path = join(root, "reopen", "sealcast.db")
      const first = yield* SqliteDatabase.open(path)
      first.prepare("INSERT INTO records (kind, key, value) VALUES ('t', 'k', '1')").run()
      first.close()
      const second = yield* SqliteDatabase.open(path)
      expect(second.prepare("SELECT value FROM records").pluck().get()).toBe("1")
      second.close()
    }))

  it.effect("refuses a database written by a newer schema, naming both versions", () =>
    Effect.gen(function* () {
      const path = join(root, "newer.db")
      const db = yield* SqliteDatabase.open(path)
      db.pragma(`user_version = ${SqliteDatabase.SCHEMA_VERSION + 1}`)
      db.close()
      const refused = yield* Effect.flip(SqliteDatabase.open(path))
      expect(refused._tag).toBe("StoreFailure")
      expect(refused.message).toContain(`schema version ${SqliteDatabase.SCHEMA_VERSION + 1}`)
    }))

  it.effect("a page overwritten with garbage is found at open, with the file and what quick_check found", () =>
    Effect.gen(function* () {
      const path = join(root, "damaged", "sealcast.db")
      const db = yield* SqliteDatabase.open(path)
      const insert = db.prepare("INSERT INTO records (kind, key, value) VALUES ('t', ?, ?)")
      for (let i = 0; i < 200; i++) insert.run(`k${i}`, "v".repeat(200))
      expect(SqliteDatabase.integrityProblems(db)).toEqual([])
      db.close()
      const fd = openSync(path, "r+")
      // The last page in use: a leaf of the records table or one of its indexes.
      const last = fstatSync(fd).size - 4096
      writeSync(fd, Buffer.alloc(4096, 0xa5), 0, 4096, last)
      closeSync(fd)
      const failure = yield* Effect.flip(SqliteDatabase.open(path))
      expect(failure._tag).toBe("StoreFailure")
      expect(failure.message).toContain(`The database ${path} is damaged (restore it from a copy, or move it aside to start empty): `)
    }))

  it.effect("a path it cannot create is a StoreFailure, not a thrown exception", () =>
    Effect.gen(function* () {
      const file = join(root, "a-file")
      writeFileSync(file, "not a directory")
      const refused = yield* Effect.flip(SqliteDatabase.open(join(file, "sealcast.db")))
      expect(refused.message).toMatch(/^Cannot open the database/)
    }))

  it.effect("the layer closes the database when its scope ends", () =>
    Effect.gen(function* () {
      const db = yield* Effect.scoped(
        Effect.map(Layer.build(SqliteDatabase.layer({ path: ":memory:" })), (context) => Context.get(context, SqliteDatabase.SqliteDatabase).db)
      )
      expect(db.open).toBe(false)
    }))
})
