/**
 * kms-sim's KeyStore on PostgreSQL: key records (material only ever wrapped under the root key, as
 * in `SqliteKeyStore.ts`), aliases and the root key's check value as record tables (`PgRecords.ts`).
 * Each write raises the key store's version (`PgShared.ts`); a broker that finds it moved reads
 * the keys again.
 *
 * @since 0.1.0
 */
import { KeyStore } from "@sealcast/kms-sim"
import { Errors } from "@sealcast/core"
import { Effect, Schema } from "effect"
import type pg from "pg"
import type { Queryable } from "./PgDatabase.js"
import { makeRecordTable } from "./PgRecords.js"
import * as PgShared from "./PgShared.js"
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
export const make = (pool: pg.Pool): KeyStore.KeyStoreService => {
  const version = PgShared.make(pool, "keys")
  const loadFrom = (db: Queryable) =>
    Effect.map(Effect.all([keys.all(db), aliases.all(db), rootKeyChecks.get(db, ROOT_KEY_CHECK)]), ([k, a, check]): KeyStore.KeyStoreSnapshot => ({
      keys: [...k.values()],
      aliases: [...a.values()],
      rootKeyCheck: check?.check
    }))
  const write = (doing: string, run: (client: pg.PoolClient) => Effect.Effect<unknown, Errors.StoreFailure>) =>
    Effect.mapError(version.write(doing, (client) => Effect.asVoid(run(client))), failure)
  return {
    load: Effect.mapError(version.read(loadFrom), failure),
    putKey: (key) => write("Cannot save the key", (client) => keys.put(client, key.keyId, key)),
    deleteKey: (keyId) => write("Cannot delete the key", (client) => keys.delete(client, keyId)),
    putAlias: (alias) => write("Cannot save the alias", (client) => aliases.put(client, alias.aliasArn, alias)),
    deleteAlias: (aliasArn) => write("Cannot delete the alias", (client) => aliases.delete(client, aliasArn)),
    putRootKeyCheck: (check) => write("Cannot save the root key check", (client) => rootKeyChecks.put(client, ROOT_KEY_CHECK, { check })),
    shared: {
      catchUp: Effect.mapError(
        Effect.flatMap(version.behind, (behind) => (behind ? version.read(loadFrom) : Effect.succeed(undefined))),
        failure
      ),
      exclusive: (body) => Effect.mapError(version.exclusive(loadFrom, body), (e) => (e instanceof Errors.StoreFailure ? failure(e) : e))
    }
  }
}
