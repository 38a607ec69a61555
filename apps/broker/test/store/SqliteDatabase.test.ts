import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Layer } from "effect"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll } from "vitest"
import * as SqliteDatabase from "../../src/store/SqliteDatabase.js"

const root = mkdtempSync(join(tmpdir(), "sealcast-db-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))

describe("SqliteDatabase", () => {
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
