/**
 * The core's RegistryStore on PostgreSQL: topics, subscriptions, platform applications and endpoints
 * and SMS account settings as record tables (`PgRecords.ts`), each operation's changes in one
 * transaction that raises the registry's version (`PgShared.ts`): a broker that finds the version
 * moved reads the registry again (it changes seldom, and is small).
 *
 * @since 0.1.0
 */
import type { Errors, Registry, RegistryStore } from "@sealcast/core"
import { Effect } from "effect"
import type pg from "pg"
import type { Queryable } from "./PgDatabase.js"
import { makeRecordTable } from "./PgRecords.js"
import * as PgShared from "./PgShared.js"
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
export const make = (pool: pg.Pool): RegistryStore.RegistryStoreService => {
  const version = PgShared.make(pool, "registry")
  const loadFrom = (db: Queryable) =>
    Effect.map(
      Effect.all([topics.all(db), subscriptions.all(db), applications.all(db), endpoints.all(db), smsAccounts.all(db)]),
      ([t, s, a, e, m]): RegistryStore.Loaded => ({
        topics: [...t.values()],
        subscriptions: [...s.values()],
        platformApplications: [...a.values()],
        platformEndpoints: [...e.values()],
        smsAccounts: [...m.values()]
      })
    )
  return {
    load: version.read(loadFrom),
    apply: (changes) =>
      version.write("Cannot save the registry change", (client) => Effect.forEach(changes, (change) => applyOne(client, change), { discard: true })),
    shared: {
      catchUp: Effect.flatMap(version.behind, (behind) => (behind ? version.read(loadFrom) : Effect.succeed(undefined))),
      exclusive: (body) => version.exclusive(loadFrom, body)
    }
  }
}
