/**
 * The key store port: where keys (metadata, policy, tags, rotation, wrapped material) and aliases
 * persist.
 *
 * Everything is loaded once at start; every change is written through before the request that
 * made it answers. The store also keeps the root key's check value, so a start with another root
 * key is refused (`RootKey.verifyAgainstStore`). Key material reaches this port only wrapped under the root key (see
 * `RootKey.wrapMaterial`): no implementation ever sees it in the clear. One contract suite
 * (test/contracts/KeyStoreContract.ts) runs against every implementation: the memory one below,
 * and the broker's SQLite and PostgreSQL ones.
 *
 * @since 0.1.0
 */
import { Context, Data, Effect, Layer, Ref } from "effect"
import type { AliasRecord } from "./Identifiers.js"
import type { KeyRecord } from "./Key.js"

/** @category models */
export interface KeyStoreSnapshot {
  readonly keys: ReadonlyArray<KeyRecord>
  readonly aliases: ReadonlyArray<AliasRecord>
  /** The check value of the root key the store is kept under (`RootKey.checkValue`); absent until first put. */
  readonly rootKeyCheck?: Uint8Array | undefined
}

/** @category errors */
export class KeyStoreFailure extends Data.TaggedError("KeyStoreFailure")<{ readonly message: string }> {}

/**
 * What a store that other brokers write too (PostgreSQL) adds: a way to see their changes, and a
 * write lock held across the whole cluster.
 *
 * @category models
 */
export interface SharedKeyStore {
  /**
   * Every record again when another broker committed a change since this store last read or wrote,
   * else `undefined` (one cheap read of a version number).
   */
  readonly catchUp: Effect.Effect<KeyStoreSnapshot | undefined, KeyStoreFailure>
  /**
   * Runs `body` as the only writer of keys in the cluster, given every record when another broker
   * changed any since this store last read or wrote. The writes inside `body` commit together when
   * it succeeds and are rolled back when it fails.
   */
  readonly exclusive: <A, E>(
    body: (caughtUp: KeyStoreSnapshot | undefined) => Effect.Effect<A, E>
  ) => Effect.Effect<A, E | KeyStoreFailure>
}

/** @category models */
export interface KeyStoreService {
  readonly load: Effect.Effect<KeyStoreSnapshot, KeyStoreFailure>
  /** Inserts or replaces the record with this `keyId`. */
  readonly putKey: (key: KeyRecord) => Effect.Effect<void, KeyStoreFailure>
  /** Removes a key for good (its deletion window passed); absent keys are ignored. */
  readonly deleteKey: (keyId: string) => Effect.Effect<void, KeyStoreFailure>
  /** Inserts or replaces the alias with this `aliasArn`. */
  readonly putAlias: (alias: AliasRecord) => Effect.Effect<void, KeyStoreFailure>
  readonly deleteAlias: (aliasArn: string) => Effect.Effect<void, KeyStoreFailure>
  /** Records the root key's check value (never the key itself), replacing any before. */
  readonly putRootKeyCheck: (check: Uint8Array) => Effect.Effect<void, KeyStoreFailure>
  /** Present when other brokers share the store. */
  readonly shared?: SharedKeyStore
}

/** @category services */
export class KeyStore extends Context.Tag("@sealcast/kms-sim/KeyStore")<KeyStore, KeyStoreService>() {}

/**
 * An in-memory store (`:memory:` data dirs and tests).
 *
 * @category constructors
 */
export const makeMemory: Effect.Effect<KeyStoreService> = Effect.gen(function* () {
  const keys = yield* Ref.make(new Map<string, KeyRecord>())
  const aliases = yield* Ref.make(new Map<string, AliasRecord>())
  const rootKeyCheck = yield* Ref.make<Uint8Array | undefined>(undefined)
  const update = <K, V>(ref: Ref.Ref<Map<K, V>>, f: (m: Map<K, V>) => void) =>
    Ref.update(ref, (m) => {
      const next = new Map(m)
      f(next)
      return next
    })
  return {
    load: Effect.map(Effect.all([Ref.get(keys), Ref.get(aliases), Ref.get(rootKeyCheck)]), ([k, a, check]) => ({
      keys: [...k.values()],
      aliases: [...a.values()],
      rootKeyCheck: check
    })),
    putKey: (key) => update(keys, (m) => m.set(key.keyId, key)),
    deleteKey: (keyId) => update(keys, (m) => m.delete(keyId)),
    putAlias: (alias) => update(aliases, (m) => m.set(alias.aliasArn, alias)),
    deleteAlias: (aliasArn) => update(aliases, (m) => m.delete(aliasArn)),
    putRootKeyCheck: (check) => Ref.set(rootKeyCheck, check.slice())
  }
})

/** @category layers */
export const layerMemory: Layer.Layer<KeyStore> = Layer.effect(KeyStore, makeMemory)
