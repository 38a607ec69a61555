/**
 * The registry in force for one SNS service, and the one way it changes: a pure registry operation
 * (`Registry.ts`) is run against it, its changes are persisted, then the new value replaces the old.
 *
 * @since 0.1.0
 */
import { Effect, type Either } from "effect"
import type { StoreFailure } from "./Errors.js"
import { MessageStore } from "./MessageStore.js"
import * as Registry from "./Registry.js"
import * as RegistryStore from "./RegistryStore.js"

/**
 * @category models
 */
export interface RegistryRef {
  /**
   * The registry in force, read in place: Publish takes it without an effect step. Always a whole
   * value, since only `mutate` replaces it, in one assignment.
   */
  readonly unsafeGet: () => Registry.Registry
  /** The registry in force. */
  readonly get: Effect.Effect<Registry.Registry>
  /**
   * Runs a pure registry operation under a lock, so operations apply one after the other. When it
   * changes anything: the changes are stored, the messages of deleted topics and subscriptions are
   * dropped, the new registry is put in force, and `onChanged` hears the changes.
   */
  readonly mutate: <A, E>(
    operation: (registry: Registry.Registry) => Either.Either<Registry.Changed<A>, E>
  ) => Effect.Effect<A, E | StoreFailure>
  /**
   * Puts in force what other brokers sharing the store committed since it was last read (nothing
   * to do for a store of this process's own).
   */
  readonly catchUp: Effect.Effect<void, StoreFailure>
}

/**
 * Loads the registry from the store once.
 *
 * @category constructors
 */
export const make = (
  onChanged: (changes: ReadonlyArray<Registry.Change>) => Effect.Effect<void>
): Effect.Effect<RegistryRef, StoreFailure, RegistryStore.RegistryStore | MessageStore> =>
  Effect.gen(function* () {
    const registryStore = yield* RegistryStore.RegistryStore
    const messages = yield* MessageStore
    const loaded = yield* registryStore.load
    let current = Registry.fromLists(loaded.topics, loaded.subscriptions, loaded)
    const lock = yield* Effect.makeSemaphore(1)
    const shared = registryStore.shared
    const putInForce = (caughtUp: RegistryStore.Loaded | undefined) => {
      if (caughtUp !== undefined) current = Registry.fromLists(caughtUp.topics, caughtUp.subscriptions, caughtUp)
    }
    // Another broker's change is put in force before the operation reads the registry, under the
    // cluster's write lock, so two brokers' operations apply one after the other.
    const exclusive = <A, E>(body: Effect.Effect<A, E>): Effect.Effect<A, E | StoreFailure> =>
      shared === undefined ? body : shared.exclusive((caughtUp) => Effect.zipRight(Effect.sync(() => putInForce(caughtUp)), body))
    return {
      unsafeGet: () => current,
      get: Effect.sync(() => current),
      catchUp: shared === undefined ? Effect.void : lock.withPermits(1)(Effect.map(shared.catchUp, putInForce)),
      mutate: (operation) =>
        lock.withPermits(1)(
          Effect.gen(function* () {
            // Stored first (committed when `exclusive` ends), put in force after.
            const changed = yield* exclusive(
              Effect.suspend(() => operation(current)).pipe(
                Effect.tap((changed) => (changed.changes.length > 0 ? registryStore.apply(changed.changes) : Effect.void))
              )
            )
            if (changed.changes.length > 0) {
              for (const change of changed.changes) {
                if (change._tag === "DeleteTopic") yield* messages.removeTopic(change.topicArn)
                if (change._tag === "DeleteSubscription") yield* messages.removeSubscription(change.subscriptionArn)
              }
              current = changed.registry
              yield* onChanged(changed.changes)
            }
            return changed.result
          })
        )
    }
  })
