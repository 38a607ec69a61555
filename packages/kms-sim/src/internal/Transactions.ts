/**
 * Transactions over the key store. Requests run one at a time under a semaphore, so concurrent
 * callers see a consistent state and the store sees changes in order: a request reads the published
 * state, records its changes, and the changes are written through before the new state is
 * published.
 *
 * @since 0.1.0
 */
import { Clock, Effect, type Either } from "effect"
import * as Errors from "../Errors.js"
import * as Key from "../Key.js"
import type { KeyStoreService } from "../KeyStore.js"
import type { KeyMaterial } from "./KeyMaterial.js"
import { applyChange, type Change, expiredChanges, fromSnapshot, nextDueAt, type State } from "./state.js"

/**
 * The state requests see, with the earliest time a key expires or falls due for rotation
 * (`nextDueAt`), so that requests before then skip the sweeps instead of visiting every key.
 */
export interface Published {
  readonly state: State
  readonly dueAt: number
}

/** One request's view of the state: changes are recorded, then written through and published together. */
export interface Tx {
  state: State
  readonly now: number
  readonly changes: Array<Change>
}

export const record = (tx: Tx, change: Change): void => {
  tx.state = applyChange(tx.state, change)
  tx.changes.push(change)
}

export const putKey = (tx: Tx, key: Key.KeyRecord): void => record(tx, { _tag: "PutKey", key })

/** Applies a pure transition and records the new key. */
export const transition = (tx: Tx, next: Either.Either<Key.KeyRecord, Errors.KmsError>) =>
  Effect.map(next, (k) => {
    putKey(tx, k)
    return k
  })

/** A key store failure, as KMS answers it. */
export const storeFailure = (e: { readonly message: string }) =>
  new Errors.KMSInternalException({ message: `The key store failed: ${e.message}` })

export interface Transactions {
  /**
   * The state in force and the earliest instant it has work due. Only `transact` replaces it, under
   * its lock; a read-only check may read it without the lock, since JavaScript runs one step at a time.
   */
  readonly published: () => Published
  /**
   * Runs `body` alone: reads the clock, deletes keys whose window passed and rotates keys that are
   * due (both only once the earliest due date has come), runs the request, writes every recorded
   * change through, then publishes the new state. A store failure leaves the in-memory state as it
   * was.
   */
  readonly transact: <A>(body: (tx: Tx) => Effect.Effect<A, Errors.KmsError>) => Effect.Effect<A, Errors.KmsError>
  /**
   * Publishes what other brokers sharing the store committed since it was last read (nothing to do
   * for a store of this process's own).
   */
  readonly catchUp: Effect.Effect<void, Errors.KmsError>
}

export const makeTransactions = (store: KeyStoreService, loaded: State, material: KeyMaterial): Effect.Effect<Transactions> =>
  Effect.map(Effect.makeSemaphore(1), (lock) => {
    let published: Published = { state: loaded, dueAt: nextDueAt(loaded) }

    const persist = (change: Change) => {
      switch (change._tag) {
        case "PutKey":
          return store.putKey(change.key)
        case "DeleteKey":
          return store.deleteKey(change.keyId)
        case "PutAlias":
          return store.putAlias(change.alias)
        case "DeleteAlias":
          return store.deleteAlias(change.aliasArn)
      }
    }

    /** Automatic rotation that fell due while no request came (KMS rotates on its own schedule). */
    const rotateDue = (tx: Tx) =>
      Effect.forEach([...tx.state.keys.values()].filter((k) => Key.isRotationDue(k, tx.now)), (k) =>
        Effect.map(material.generate(k.keyId, Key.nextMaterialVersion(k), tx.now), (m) =>
          record(tx, { _tag: "PutKey", key: Key.addMaterial(k, m, tx.now, false) })
        ), { discard: true })

    /** Runs the sweeps and the request on `state`; the result is kept, not raised, so changes made before a refusal still count. */
    const attempt = <A>(from: Published, body: (tx: Tx) => Effect.Effect<A, Errors.KmsError>) =>
      Effect.gen(function* () {
        const tx: Tx = { state: from.state, now: yield* Clock.currentTimeMillis, changes: [] }
        if (tx.now >= from.dueAt) {
          for (const change of expiredChanges(tx.state, tx.now)) record(tx, change)
          yield* rotateDue(tx)
        }
        const result = yield* Effect.either(body(tx))
        return { tx, result }
      })

    const writeThrough = (tx: Tx) => Effect.mapError(Effect.forEach(tx.changes, persist, { discard: true }), storeFailure)

    const publishedOf = (state: State): Published => ({ state, dueAt: nextDueAt(state) })

    const shared = store.shared

    /**
     * A request that changes nothing needs no lock beyond this process's. One that does, on a store
     * other brokers share, runs again under the cluster's write lock when another broker changed a
     * key meanwhile, so it decides on the keys as they are.
     */
    const writeShared = <A>(first: { readonly tx: Tx; readonly result: Either.Either<A, Errors.KmsError> }, body: (tx: Tx) => Effect.Effect<A, Errors.KmsError>, sharedStore: NonNullable<typeof shared>) =>
      Effect.mapError(
        sharedStore.exclusive((caughtUp) =>
          Effect.gen(function* () {
            const done = caughtUp === undefined ? first : yield* attempt(publishedOf(fromSnapshot(caughtUp.keys, caughtUp.aliases)), body)
            yield* writeThrough(done.tx)
            return done
          })
        ),
        (e) => (e._tag === "KeyStoreFailure" ? storeFailure(e) : e)
      )

    return {
      published: () => published,
      catchUp: shared === undefined
        ? Effect.void
        : lock.withPermits(1)(
          Effect.mapError(
            Effect.map(shared.catchUp, (caughtUp) => {
              if (caughtUp !== undefined) published = publishedOf(fromSnapshot(caughtUp.keys, caughtUp.aliases))
            }),
            storeFailure
          )
        ),
      transact: <A>(body: (tx: Tx) => Effect.Effect<A, Errors.KmsError>): Effect.Effect<A, Errors.KmsError> =>
        lock.withPermits(1)(
          Effect.gen(function* () {
            const first = yield* attempt(published, body)
            if (first.tx.changes.length === 0) return yield* first.result
            const done = shared === undefined ? yield* Effect.as(writeThrough(first.tx), first) : yield* writeShared(first, body, shared)
            published = publishedOf(done.tx.state)
            return yield* done.result
          })
        )
    }
  })
