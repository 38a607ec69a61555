import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as net from "node:net"
import { afterAll } from "vitest"
import * as PgDatabase from "../../src/store/PgDatabase.js"
import * as PgQueueStore from "../../src/store/PgQueueStore.js"
import * as StoredWindow from "../support/StoredDeduplicationWindow.js"
import { startPostgres } from "../support/Postgres.js"

const postgres = await startPostgres()
afterAll(() => postgres.stop())

/** Opens the database at `url` for the test's scope. */
const opened = (url: string) => Effect.acquireRelease(PgDatabase.open(url), (pool) => Effect.promise(() => pool.end()))

const schemaVersion = (url: string) =>
  Effect.scoped(Effect.flatMap(opened(url), (pool) => Effect.promise(() => pool.query<{ version: number }>("SELECT version FROM sealcast_schema")))).pipe(
    Effect.map(({ rows }) => rows.map((row) => row.version))
  )

/** A loopback port nothing listens on: one just let go. */
const closedPort = (): Promise<number> =>
  new Promise((resolve) => {
    const server = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })

describe("PgDatabase", () => {
  it.effect("migrates a fresh database to the current schema version, in one row", () =>
    Effect.gen(function* () {
      const url = yield* Effect.promise(postgres.freshSchema)
      expect(yield* schemaVersion(url)).toEqual([PgDatabase.SCHEMA_VERSION])
    }))

  it.effect("migrates the FIFO deduplication ids a queue's rule state held into rows of their own: each still deduplicates", () =>
    Effect.gen(function* () {
      const url = yield* Effect.promise(postgres.freshSchema)
      yield* Effect.scoped(
        Effect.flatMap(opened(url), (pool) =>
          Effect.gen(function* () {
            yield* PgQueueStore.make(pool).apply([{ _tag: "PutQueue", queue: StoredWindow.queue }])
            // The database as the step before `queue_deduplication` left it, the rule state as then written.
            yield* Effect.promise(() => pool.query("DROP TABLE queue_deduplication"))
            yield* Effect.promise(() => pool.query("INSERT INTO queue_meta (queue_key, value) VALUES ($1, $2)", [StoredWindow.key, StoredWindow.meta]))
            yield* Effect.promise(() => pool.query("UPDATE sealcast_schema SET version = $1", [PgDatabase.SCHEMA_VERSION - 1]))
          })
        )
      )
      const loaded = yield* Effect.scoped(Effect.flatMap(opened(url), (pool) => PgQueueStore.make(pool).load))
      StoredWindow.expectStillDeduplicating(loaded)
      expect(yield* schemaVersion(url)).toEqual([PgDatabase.SCHEMA_VERSION])
    }))

  it.effect("opening again keeps the data and does not migrate again", () =>
    Effect.gen(function* () {
      const url = yield* Effect.promise(postgres.freshSchema)
      yield* Effect.scoped(
        Effect.flatMap(opened(url), (pool) => Effect.promise(() => pool.query("INSERT INTO records (kind, key, value) VALUES ('t', 'k', '1')")))
      )
      const { rows } = yield* Effect.scoped(Effect.flatMap(opened(url), (pool) => Effect.promise(() => pool.query("SELECT value FROM records"))))
      expect(rows).toEqual([{ value: "1" }])
      expect(yield* schemaVersion(url)).toEqual([PgDatabase.SCHEMA_VERSION])
    }))

  it.effect("brokers starting on one fresh database at once migrate it once, under the advisory lock", () =>
    Effect.gen(function* () {
      const url = yield* Effect.promise(postgres.freshSchema)
      yield* Effect.scoped(Effect.all(Array.from({ length: 4 }, () => opened(url)), { concurrency: "unbounded" }))
      expect(yield* schemaVersion(url)).toEqual([PgDatabase.SCHEMA_VERSION])
    }))

  it.effect("refuses a database written by a newer schema, naming both versions", () =>
    Effect.gen(function* () {
      const url = yield* Effect.promise(postgres.freshSchema)
      yield* Effect.scoped(
        Effect.flatMap(opened(url), (pool) => Effect.promise(() => pool.query("UPDATE sealcast_schema SET version = $1", [PgDatabase.SCHEMA_VERSION + 1])))
      )
      const refused = yield* Effect.flip(PgDatabase.open(url))
      expect(refused._tag).toBe("StoreFailure")
      expect(refused.message).toContain(`schema version ${PgDatabase.SCHEMA_VERSION + 1}, newer than this broker's ${PgDatabase.SCHEMA_VERSION}`)
    }))

  it.effect("a database nobody answers for is a StoreFailure naming it, without its password", () =>
    Effect.gen(function* () {
      const port = yield* Effect.promise(closedPort)
      const refused = yield* Effect.flip(PgDatabase.open(`postgres://sealcast:hunter2@127.0.0.1:${port}/sealcast`))
      expect(refused.message).toContain(`Cannot reach the PostgreSQL database postgres://sealcast@127.0.0.1:${port}/sealcast: `)
      expect(refused.message).toContain("ECONNREFUSED")
      expect(refused.message).not.toContain("hunter2")
    }))
})
