import { describe, expect, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import * as fc from "fast-check"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll } from "vitest"
import * as SqliteDatabase from "../../src/store/SqliteDatabase.js"
import { makeRecordTable } from "../../src/store/SqliteRecords.js"

const root = mkdtempSync(join(tmpdir(), "sealcast-records-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))

/** A KMS key record, the kind of state the broker keeps here: bytes, a date and plain fields. */
const KeyRecord = Schema.Struct({
  keyId: Schema.String,
  state: Schema.Literal("Enabled", "Disabled", "PendingDeletion"),
  createdAt: Schema.Date,
  encryptedMaterial: Schema.Uint8ArrayFromSelf
})

const withDatabase = <A, E>(path: string, f: (db: import("better-sqlite3").Database) => Effect.Effect<A, E>) =>
  Effect.acquireUseRelease(SqliteDatabase.open(path), f, (db) => Effect.sync(() => db.close()))

describe("SqliteRecords", () => {
  it.effect("put, get, all and delete; a replaced record keeps its place; kinds are separate", () =>
    withDatabase(":memory:", (db) =>
      Effect.gen(function* () {
        const topics = yield* makeRecordTable(db, "topics", Schema.Struct({ name: Schema.String }))
        const aliases = yield* makeRecordTable(db, "aliases", Schema.String)
        yield* topics.put("b", { name: "b" })
        yield* topics.put("a", { name: "a" })
        yield* topics.put("b", { name: "b2" })
        yield* aliases.put("b", "alias/b")
        expect([...(yield* topics.all)]).toEqual([["b", { name: "b2" }], ["a", { name: "a" }]])
        expect(yield* topics.get("a")).toEqual({ name: "a" })
        expect(yield* topics.get("zzz")).toBeUndefined()
        expect(yield* topics.delete("b")).toBe(true)
        expect(yield* topics.delete("b")).toBe(false)
        expect([...(yield* topics.all).keys()]).toEqual(["a"])
        expect(yield* aliases.get("b")).toBe("alias/b")
      })
    ))

  it.effect("records survive closing and reopening the file, bytes and dates included", () =>
    Effect.gen(function* () {
      const path = join(root, "keys", "sealcast.db")
      const record = {
        keyId: "9d8b4a2e-0c1f-4d3a-8e5b-6f7a8b9c0d1e",
        state: "Enabled" as const,
        createdAt: new Date("2026-01-02T03:04:05.678Z"),
        encryptedMaterial: new Uint8Array([0, 255, 1, 254, 36, 98])
      }
      yield* withDatabase(path, (db) => Effect.flatMap(makeRecordTable(db, "keys", KeyRecord), (keys) => keys.put(record.keyId, record)))
      const back = yield* withDatabase(path, (db) => Effect.flatMap(makeRecordTable(db, "keys", KeyRecord), (keys) => keys.get(record.keyId)))
      expect(back).toEqual(record)
      expect(back?.encryptedMaterial).toBeInstanceOf(Uint8Array)
    }))

  it.effect("any JSON value with bytes anywhere in it round-trips", () =>
    withDatabase(":memory:", (db) =>
      Effect.gen(function* () {
        const table = yield* makeRecordTable(db, "anything", Schema.Unknown)
        const value = fc.letrec((tie) => ({
          leaf: fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.uint8Array({ maxLength: 40 })),
          node: fc.oneof({ depthSize: "small" }, tie("leaf"), fc.array(tie("node"), { maxLength: 4 }), fc.dictionary(fc.string(), tie("node"), { maxKeys: 4 }))
        })).node
        let n = 0
        fc.assert(
          fc.property(value, (v) => {
            const key = `k${n++}`
            Effect.runSync(table.put(key, v))
            expect(Effect.runSync(table.get(key))).toEqual(v)
          }),
          { numRuns: 300 }
        )
        // An object that merely has a `$bytes` key of another type stays an object.
        yield* table.put("lookalike", { $bytes: 5 })
        expect(yield* table.get("lookalike")).toEqual({ $bytes: 5 })
      })
    ))

  it.effect("a stored value that no longer decodes is a StoreFailure naming the kind and key", () =>
    withDatabase(":memory:", (db) =>
      Effect.gen(function* () {
        const keys = yield* makeRecordTable(db, "keys", KeyRecord)
        db.prepare("INSERT INTO records (kind, key, value) VALUES ('keys', 'broken', ?)").run('{"keyId":"x"}')
        db.prepare("INSERT INTO records (kind, key, value) VALUES ('keys', 'garbled', ?)").run("{not json")
        const broken = yield* Effect.flip(keys.get("broken"))
        expect(broken.message).toContain('The stored keys record "broken" is unreadable')
        const garbled = yield* Effect.flip(keys.get("garbled"))
        expect(garbled._tag).toBe("StoreFailure")
        // JSON's own words, not "An unknown error occurred in Effect.try".
        expect(garbled.message).toMatch(/^The stored keys record "garbled" is unreadable: .*JSON/)
        expect(garbled.message).not.toContain("unknown error")
        expect((yield* Effect.flip(keys.all))._tag).toBe("StoreFailure")
      })
    ))
})
