/**
 * The registry store port: where topics and subscriptions are kept across restarts.
 *
 * The Sns service writes every change through it before the change becomes visible, so an
 * acknowledged CreateTopic or Subscribe survives a crash (docs/CONTRACT.md, "At rest").
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer } from "effect"
import type { StoreFailure } from "./Errors.js"
import type { PlatformApplication, PlatformEndpoint } from "./Platform.js"
import type { Change, MobileRecords } from "./Registry.js"
import type { SmsAccount } from "./Sms.js"
import type { Subscription } from "./Subscription.js"
import type { Topic } from "./Topic.js"

/**
 * Every record a registry store holds.
 *
 * @category models
 */
export type Loaded = { readonly topics: ReadonlyArray<Topic>; readonly subscriptions: ReadonlyArray<Subscription> } & MobileRecords

/**
 * What a store that other brokers write too (PostgreSQL, docs/ARCHITECTURE.md "A cluster") adds:
 * a way to see their changes, and a write lock held across the whole cluster.
 *
 * @category models
 */
export interface SharedStore<S> {
  /**
   * Every record again when another broker committed a change since this store last read or wrote,
   * else `undefined` (one cheap read of a version number).
   */
  readonly catchUp: Effect.Effect<S | undefined, StoreFailure>
  /**
   * Runs `body` as the only writer of this store in the cluster, given every record when another
   * broker changed any since this store last read or wrote. `apply` inside `body` writes in the same
   * transaction, committed when `body` succeeds and rolled back when it fails.
   */
  readonly exclusive: <A, E>(body: (caughtUp: S | undefined) => Effect.Effect<A, E>) => Effect.Effect<A, E | StoreFailure>
}

/**
 * @category models
 */
export interface RegistryStoreService {
  /** Every record, each kind in the order its records were first stored. */
  readonly load: Effect.Effect<Loaded, StoreFailure>
  /** Applies the changes of one operation atomically. */
  readonly apply: (changes: ReadonlyArray<Change>) => Effect.Effect<void, StoreFailure>
  /** Present when other brokers share the store. */
  readonly shared?: SharedStore<Loaded>
}

/**
 * @category services
 */
export class RegistryStore extends Context.Tag("@sealcast/core/RegistryStore")<RegistryStore, RegistryStoreService>() {}

/**
 * Keeps nothing beyond the process: `--data-dir :memory:`.
 *
 * @category constructors
 */
export const makeMemory = (): RegistryStoreService => {
  const topics = new Map<string, Topic>()
  const subscriptions = new Map<string, Subscription>()
  const platformApplications = new Map<string, PlatformApplication>()
  const platformEndpoints = new Map<string, PlatformEndpoint>()
  const smsAccounts = new Map<string, SmsAccount>()
  return {
    load: Effect.sync(() => ({
      topics: [...topics.values()],
      subscriptions: [...subscriptions.values()],
      platformApplications: [...platformApplications.values()],
      platformEndpoints: [...platformEndpoints.values()],
      smsAccounts: [...smsAccounts.values()]
    })),
    apply: (changes) =>
      Effect.sync(() => {
        for (const change of changes) {
          switch (change._tag) {
            case "PutTopic":
              topics.set(change.topic.arn, change.topic)
              break
            case "DeleteTopic":
              topics.delete(change.topicArn)
              for (const arn of change.subscriptionArns) subscriptions.delete(arn)
              break
            case "PutSubscription":
              subscriptions.set(change.subscription.arn, change.subscription)
              break
            case "DeleteSubscription":
              subscriptions.delete(change.subscriptionArn)
              if (change.topic !== undefined) topics.set(change.topic.arn, change.topic)
              break
            case "PutPlatformApplication":
              platformApplications.set(change.application.arn, change.application)
              break
            case "DeletePlatformApplication":
              platformApplications.delete(change.applicationArn)
              for (const arn of change.endpointArns) platformEndpoints.delete(arn)
              break
            case "PutPlatformEndpoint":
              platformEndpoints.set(change.endpoint.arn, change.endpoint)
              break
            case "DeletePlatformEndpoint":
              platformEndpoints.delete(change.endpointArn)
              break
            case "PutSmsAccount":
              smsAccounts.set(change.account.accountId, change.account)
              break
          }
        }
      })
  }
}

/**
 * @category layers
 */
export const layerMemory: Layer.Layer<RegistryStore> = Layer.sync(RegistryStore, makeMemory)
