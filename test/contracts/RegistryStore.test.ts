import { RegistryStore } from "@sealcast/core"
import * as PgDatabase from "sealcast/store/PgDatabase"
import * as PgRegistryStore from "sealcast/store/PgRegistryStore"
import * as SqliteDatabase from "sealcast/store/SqliteDatabase"
import * as SqliteRegistryStore from "sealcast/store/SqliteRegistryStore"
import { Effect } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll } from "vitest"
import { startPostgres } from "../../apps/broker/test/support/Postgres.js"
import { registryStoreContract } from "./RegistryStoreContract.js"

const root = mkdtempSync(join(tmpdir(), "sealcast-registry-contract-"))
const connections: Array<{ readonly close: () => unknown }> = []
const postgres = await startPostgres()
afterAll(() => {
  for (const db of connections) db.close()
  rmSync(root, { recursive: true, force: true })
  postgres.stop()
})
let files = 0

// The process's memory is the backing: opening again is the same store, as `--data-dir :memory:` has it.
registryStoreContract("memory (core)", () => {
  const store = RegistryStore.makeMemory()
  return { open: Effect.succeed(store) }
})
// One connection to an in-memory database: each opening makes the store again over what it holds.
registryStoreContract("SQLite (broker), in memory", () => {
  const db = Effect.runSync(SqliteDatabase.open(":memory:"))
  connections.push(db)
  return { open: SqliteRegistryStore.make(db) }
})
// A file, opened and closed each time, as across restarts.
registryStoreContract("SQLite (broker), on a file", () => {
  const path = join(root, `store-${files++}`, "sealcast.db")
  return {
    open: Effect.acquireRelease(SqliteDatabase.open(path), (db) => Effect.sync(() => db.close())).pipe(Effect.flatMap(SqliteRegistryStore.make))
  }
})
// A fresh schema of a real PostgreSQL server, connected to and disconnected from each time, as across restarts.
registryStoreContract("PostgreSQL (broker)", () => {
  const url = postgres.freshSchema()
  return {
    open: Effect.promise(() => url).pipe(
      Effect.flatMap((u) => Effect.acquireRelease(PgDatabase.open(u), (pool) => Effect.promise(() => pool.end()))),
      Effect.map(PgRegistryStore.make)
    )
  }
})
