/**
 * The core's RegistryStore on PostgreSQL: topics, subscriptions, platform applications and endpoints
 * and SMS account settings as record tables (`PgRecords.ts`), each operation's changes in one
 * transaction.
 *
 * @since 0.1.0
 */
import type { Errors, Registry, RegistryStore } from "@sealcast/core"
import { Effect } from "effect"
import type pg from "pg"
import { inTransaction } from "./PgDatabase.js"
import { makeRecordTable } from "./PgRecords.js"
import { recordTypes } from "./SqliteRecords.js"

const topics = makeRecordTable("topic", recordTypes.topic)
const subscriptions = makeRecordTable("subscription", recordTypes.subscription)
const applications = makeRecordTable("platformApplication", recordTypes.platformApplication)
const endpoints = makeRecordTable("platformEndpoint", recordTypes.platformEndpoint)
const smsAccounts = makeRecordTable("smsAccount", recordTypes.smsAccount)

const applyOne = (client: pg.PoolClient, change: Registry.Change): Effect.Effect<void, Errors.StoreFailure> => {
  switch (change._tag) {
    case "PutTopic":
      return topics.put(client, change.topic.arn, change.topic)
    case "DeleteTopic":
      return Effect.zipRight(
        Effect.forEach(change.subscriptionArns, (arn) => subscriptions.delete(client, arn), { discard: true }),
        Effect.asVoid(topics.delete(client, change.topicArn))
      )
    case "PutSubscription":
      return subscriptions.put(client, change.subscription.arn, change.subscription)
    case "DeleteSubscription":
      return Effect.zipRight(
        Effect.asVoid(subscriptions.delete(client, change.subscriptionArn)),
        change.topic === undefined ? Effect.void : topics.put(client, change.topic.arn, change.topic)
      )
    case "PutPlatformApplication":
      return applications.put(client, change.application.arn, change.application)
    case "DeletePlatformApplication":
      return Effect.zipRight(
        Effect.forEach(change.endpointArns, (arn) => endpoints.delete(client, arn), { discard: true }),
        Effect.asVoid(applications.delete(client, change.applicationArn))
      )
    case "PutPlatformEndpoint":
      return endpoints.put(client, change.endpoint.arn, change.endpoint)
    case "DeletePlatformEndpoint":
      return Effect.asVoid(endpoints.delete(client, change.endpointArn))
    case "PutSmsAccount":
      return smsAccounts.put(client, change.account.accountId, change.account)
  }
}

/**
 * A store on an open, migrated database (`PgDatabase.open`).
 *
 * @category constructors
 */
export const make = (pool: pg.Pool): RegistryStore.RegistryStoreService => ({
  load: Effect.map(
    Effect.all([topics.all(pool), subscriptions.all(pool), applications.all(pool), endpoints.all(pool), smsAccounts.all(pool)]),
    ([t, s, a, e, m]) => ({
      topics: [...t.values()],
      subscriptions: [...s.values()],
      platformApplications: [...a.values()],
      platformEndpoints: [...e.values()],
      smsAccounts: [...m.values()]
    })
  ),
  apply: (changes) =>
    inTransaction(pool, "Cannot save the registry change", (client) => Effect.forEach(changes, (change) => applyOne(client, change), { discard: true }))
})
