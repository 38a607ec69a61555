import { KeyStore } from "@sealcast/kms-sim"
import { Effect, Layer } from "effect"
import * as PgDatabase from "sealcast/store/PgDatabase"
import * as PgKeyStore from "sealcast/store/PgKeyStore"
import * as SqliteKeyStore from "sealcast/store/SqliteKeyStore"
import * as SqliteDatabase from "sealcast/store/SqliteDatabase"
import { afterAll } from "vitest"
import { startPostgres } from "../../apps/broker/test/support/Postgres.js"
import { keyStoreContract, keyStoreKeepsNoClearMaterial } from "./KeyStoreContract.js"

const sqlite = Layer.effect(
  KeyStore.KeyStore,
  Effect.flatMap(SqliteDatabase.open(":memory:"), (db) => SqliteKeyStore.make(db)).pipe(
    Effect.mapError((e) => new KeyStore.KeyStoreFailure({ message: e.message }))
  )
)

const postgres = await startPostgres()
afterAll(() => postgres.stop())

// A real PostgreSQL server, each store in a fresh schema of its own, its pool ended with the test's scope.
const pg = Layer.scoped(
  KeyStore.KeyStore,
  Effect.promise(postgres.freshSchema).pipe(
    Effect.flatMap((url) => Effect.acquireRelease(PgDatabase.open(url), (pool) => Effect.promise(() => pool.end()))),
    Effect.map(PgKeyStore.make),
    Effect.mapError((e) => new KeyStore.KeyStoreFailure({ message: e.message }))
  )
)

keyStoreContract("memory (kms-sim)", KeyStore.layerMemory)
keyStoreKeepsNoClearMaterial("memory (kms-sim)", KeyStore.layerMemory)
keyStoreContract("SQLite (broker)", sqlite)
keyStoreKeepsNoClearMaterial("SQLite (broker)", sqlite)
keyStoreContract("PostgreSQL (broker)", pg)
keyStoreKeepsNoClearMaterial("PostgreSQL (broker)", pg)
