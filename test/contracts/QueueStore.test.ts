import { QueueStore } from "@sealcast/core"
import * as PgDatabase from "sealcast/store/PgDatabase"
import * as PgQueueStore from "sealcast/store/PgQueueStore"
import * as SqliteDatabase from "sealcast/store/SqliteDatabase"
import * as SqliteQueueStore from "sealcast/store/SqliteQueueStore"
import { Effect } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll } from "vitest"
import { startPostgres } from "../../apps/broker/test/support/Postgres.js"
import { queueStoreContract } from "./QueueStoreContract.js"

const root = mkdtempSync(join(tmpdir(), "sealcast-queue-contract-"))
const connections: Array<{ readonly close: () => unknown }> = []
const postgres = await startPostgres()
afterAll(() => {
  for (const db of connections) db.close()
  rmSync(root, { recursive: true, force: true })
  postgres.stop()
})
let files = 0

// The process's memory is the backing: opening again is the same store, as `--data-dir :memory:` has it.
queueStoreContract("memory (core)", () => {
  const store = QueueStore.makeMemory()
  return { open: Effect.succeed(store) }
})
// One connection to an in-memory database: each opening makes the store again over what it holds.
queueStoreContract("SQLite (broker), in memory", () => {
  const db = Effect.runSync(SqliteDatabase.open(":memory:"))
  connections.push(db)
  return { open: SqliteQueueStore.make(db) }
})
// A file, opened and closed each time, as across restarts.
queueStoreContract("SQLite (broker), on a file", () => {
  const path = join(root, `store-${files++}`, "sealcast.db")
  return {
    open: Effect.acquireRelease(SqliteDatabase.open(path), (db) => Effect.sync(() => db.close())).pipe(Effect.flatMap(SqliteQueueStore.make))
  }
})
// A fresh schema of a real PostgreSQL server, connected to and disconnected from each time, as across restarts.
queueStoreContract("PostgreSQL (broker)", () => {
  const url = postgres.freshSchema()
  return {
    open: Effect.promise(() => url).pipe(
      Effect.flatMap((u) => Effect.acquireRelease(PgDatabase.open(u), (pool) => Effect.promise(() => pool.end()))),
      Effect.map(PgQueueStore.make)
    )
  }
})
