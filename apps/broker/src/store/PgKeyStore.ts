/**
 * kms-sim's KeyStore on PostgreSQL: key records (material only ever wrapped under the root key, as
 * in `SqliteKeyStore.ts`), aliases and the root key's check value as record tables (`PgRecords.ts`).
 *
 * @since 0.1.0
 */
import { KeyStore } from "@sealcast/kms-sim"
import { Effect, Schema } from "effect"
import type pg from "pg"
import { makeRecordTable } from "./PgRecords.js"
import { recordTypes } from "./SqliteRecords.js"

/** The one record of its kind: the root key's check value (`RootKey.checkValue`), never the key. */
const RootKeyCheckRecord = Schema.Struct({ check: Schema.Uint8ArrayFromSelf })
const ROOT_KEY_CHECK = "root-key"

const keys = makeRecordTable("kms-key", recordTypes.key)
const aliases = makeRecordTable("kms-alias", recordTypes.alias)
const rootKeyChecks = makeRecordTable("kms-root-key-check", RootKeyCheckRecord)

const failure = (e: { readonly message: string }) => new KeyStore.KeyStoreFailure({ message: e.message })

/**
 * A store on an open, migrated database (`PgDatabase.open`).
 *
 * @category constructors
 */
export const make = (pool: pg.Pool): KeyStore.KeyStoreService => ({
  load: Effect.map(Effect.all([keys.all(pool), aliases.all(pool), rootKeyChecks.get(pool, ROOT_KEY_CHECK)]), ([k, a, check]) => ({
    keys: [...k.values()],
    aliases: [...a.values()],
    rootKeyCheck: check?.check
  })).pipe(Effect.mapError(failure)),
  putKey: (key) => Effect.mapError(keys.put(pool, key.keyId, key), failure),
  deleteKey: (keyId) => Effect.mapError(Effect.asVoid(keys.delete(pool, keyId)), failure),
  putAlias: (alias) => Effect.mapError(aliases.put(pool, alias.aliasArn, alias), failure),
  deleteAlias: (aliasArn) => Effect.mapError(Effect.asVoid(aliases.delete(pool, aliasArn)), failure),
  putRootKeyCheck: (check) => Effect.mapError(rootKeyChecks.put(pool, ROOT_KEY_CHECK, { check }), failure)
})
