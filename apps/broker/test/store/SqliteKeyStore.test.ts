import { KeyStore } from "@sealcast/kms-sim"
import { keyStoreContract, keyStoreKeepsNoClearMaterial } from "@sealcast/kms-sim/testing/KeyStoreContract"
import { Effect, Layer } from "effect"
import * as SqliteKeyStore from "../../src/store/SqliteKeyStore.js"
import * as SqliteDatabase from "../../src/store/SqliteDatabase.js"

const layer = Layer.effect(
  KeyStore.KeyStore,
  Effect.flatMap(SqliteDatabase.open(":memory:"), (db) => SqliteKeyStore.make(db)).pipe(
    Effect.mapError((e) => new KeyStore.KeyStoreFailure({ message: e.message }))
  )
)

keyStoreContract("SqliteKeyStore", layer)
keyStoreKeepsNoClearMaterial("SqliteKeyStore", layer)
