/**
 * kms-sim's KeyStore on SQLite: key records (material only ever wrapped under the root key),
 * aliases and the root key's check value as record tables.
 *
 * @since 0.1.0
 */
import { KeyStore } from "@sealcast/kms-sim"
import type Database from "better-sqlite3"
import { Effect, Schema } from "effect"
import { makeRecordTable, recordTypes } from "./SqliteRecords.js"

/** The one record of its kind: the root key's check value (`RootKey.checkValue`), never the key. */
const RootKeyCheckRecord = Schema.Struct({ check: Schema.Uint8ArrayFromSelf })
const ROOT_KEY_CHECK = "root-key"

const failure = (e: { readonly message: string }) => new KeyStore.KeyStoreFailure({ message: e.message })

/**
 * @category constructors
 */
export const make = (db: Database.Database): Effect.Effect<KeyStore.KeyStoreService, KeyStore.KeyStoreFailure> =>
  Effect.gen(function* () {
    const keys = yield* makeRecordTable(db, "kms-key", recordTypes.key)
    const aliases = yield* makeRecordTable(db, "kms-alias", recordTypes.alias)
    const rootKeyChecks = yield* makeRecordTable(db, "kms-root-key-check", RootKeyCheckRecord)
    const service: KeyStore.KeyStoreService = {
      load: Effect.map(Effect.all([keys.all, aliases.all, rootKeyChecks.get(ROOT_KEY_CHECK)]), ([k, a, check]) => ({
        keys: [...k.values()],
        aliases: [...a.values()],
        rootKeyCheck: check?.check
      })).pipe(Effect.mapError(failure)),
      putKey: (key) => Effect.mapError(keys.put(key.keyId, key), failure),
      deleteKey: (keyId) => Effect.mapError(Effect.asVoid(keys.delete(keyId)), failure),
      putAlias: (alias) => Effect.mapError(aliases.put(alias.aliasArn, alias), failure),
      deleteAlias: (aliasArn) => Effect.mapError(Effect.asVoid(aliases.delete(aliasArn)), failure),
      putRootKeyCheck: (check) => Effect.mapError(rootKeyChecks.put(ROOT_KEY_CHECK, { check }), failure)
    }
    return service
  }).pipe(Effect.mapError(failure))
