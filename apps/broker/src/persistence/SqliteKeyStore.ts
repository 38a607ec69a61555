/**
 * kms-sim's KeyStore on SQLite: key records (material only ever wrapped under the root key) and
 * aliases as record tables.
 *
 * @since 0.1.0
 */
import { KeyStore } from "@sealcast/kms-sim"
import type Database from "better-sqlite3"
import { Effect } from "effect"
import { makeRecordTable } from "../store/SqliteRecords.js"
import { recordTypes } from "./RecordSchemas.js"

const failure = (e: { readonly message: string }) => new KeyStore.KeyStoreFailure({ message: e.message })

/**
 * @category constructors
 */
export const make = (db: Database.Database): Effect.Effect<KeyStore.KeyStoreService, KeyStore.KeyStoreFailure> =>
  Effect.gen(function* () {
    const keys = yield* makeRecordTable(db, "kms-key", recordTypes.key)
    const aliases = yield* makeRecordTable(db, "kms-alias", recordTypes.alias)
    const service: KeyStore.KeyStoreService = {
      load: Effect.map(Effect.all([keys.all, aliases.all]), ([k, a]) => ({ keys: [...k.values()], aliases: [...a.values()] })).pipe(
        Effect.mapError(failure)
      ),
      putKey: (key) => Effect.mapError(keys.put(key.keyId, key), failure),
      deleteKey: (keyId) => Effect.mapError(Effect.asVoid(keys.delete(keyId)), failure),
      putAlias: (alias) => Effect.mapError(aliases.put(alias.aliasArn, alias), failure),
      deleteAlias: (aliasArn) => Effect.mapError(Effect.asVoid(aliases.delete(aliasArn)), failure)
    }
    return service
  }).pipe(Effect.mapError(failure))
