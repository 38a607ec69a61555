import { KeyStore } from "@sealcast/kms-sim"
import { Effect, Layer } from "effect"
import * as SqliteKeyStore from "sealcast/store/SqliteKeyStore"
import * as SqliteDatabase from "sealcast/store/SqliteDatabase"
import { keyStoreContract, keyStoreKeepsNoClearMaterial } from "./KeyStoreContract.js"

const sqlite = Layer.effect(
  KeyStore.KeyStore,
  Effect.flatMap(SqliteDatabase.open(":memory:"), (db) => SqliteKeyStore.make(db)).pipe(
    Effect.mapError((e) => new KeyStore.KeyStoreFailure({ message: e.message }))
  )
)

keyStoreContract("memory (kms-sim)", KeyStore.layerMemory)
keyStoreKeepsNoClearMaterial("memory (kms-sim)", KeyStore.layerMemory)
keyStoreContract("SQLite (broker)", sqlite)
keyStoreKeepsNoClearMaterial("SQLite (broker)", sqlite)
