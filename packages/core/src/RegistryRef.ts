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
import { RegistryStore } from "./RegistryStore.js"

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
}

/**
 * Loads the registry from the store once.
 *
 * @category constructors
 */
export const make = (
  onChanged: (changes: ReadonlyArray<Registry.Change>) => Effect.Effect<void>
): Effect.Effect<RegistryRef, StoreFailure, RegistryStore | MessageStore> =>
  Effect.gen(function* () {
    const registryStore = yield* RegistryStore
    const messages = yield* MessageStore
    const loaded = yield* registryStore.load
    let current = Registry.fromLists(loaded.topics, loaded.subscriptions, loaded)
    const lock = yield* Effect.makeSemaphore(1)
    return {
      unsafeGet: () => current,
      get: Effect.sync(() => current),
      mutate: (operation) =>
        lock.withPermits(1)(
          Effect.gen(function* () {
            const changed = yield* operation(current)
            if (changed.changes.length > 0) {
              yield* registryStore.apply(changed.changes)
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
