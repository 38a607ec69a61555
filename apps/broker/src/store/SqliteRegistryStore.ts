/**
 * The core's RegistryStore on SQLite: topics, subscriptions, platform applications and endpoints and
 * accounts' SMS settings as record tables, each operation's
 * changes in one transaction.
 *
 * @since 0.1.0
 */
import { Errors, type Registry, type RegistryStore } from "@sealcast/core"
import type Database from "better-sqlite3"
import { Effect } from "effect"
import { makeRecordTable, recordTypes } from "./SqliteRecords.js"

/**
 * @category constructors
 */
export const make = (db: Database.Database): Effect.Effect<RegistryStore.RegistryStoreService, Errors.StoreFailure> =>
  Effect.gen(function* () {
    const topics = yield* makeRecordTable(db, "topic", recordTypes.topic)
    const subscriptions = yield* makeRecordTable(db, "subscription", recordTypes.subscription)
    const applications = yield* makeRecordTable(db, "platformApplication", recordTypes.platformApplication)
    const endpoints = yield* makeRecordTable(db, "platformEndpoint", recordTypes.platformEndpoint)
    const smsAccounts = yield* makeRecordTable(db, "smsAccount", recordTypes.smsAccount)

    const applyOne = (change: Registry.Change): Effect.Effect<void, Errors.StoreFailure> => {
      switch (change._tag) {
        case "PutTopic":
          return topics.put(change.topic.arn, change.topic)
        case "DeleteTopic":
          return Effect.zipRight(
            Effect.forEach(change.subscriptionArns, (arn) => subscriptions.delete(arn), { discard: true }),
            Effect.asVoid(topics.delete(change.topicArn))
          )
        case "PutSubscription":
          return subscriptions.put(change.subscription.arn, change.subscription)
        case "DeleteSubscription":
          return Effect.zipRight(
            Effect.asVoid(subscriptions.delete(change.subscriptionArn)),
            change.topic === undefined ? Effect.void : topics.put(change.topic.arn, change.topic)
          )
        case "PutPlatformApplication":
          return applications.put(change.application.arn, change.application)
        case "DeletePlatformApplication":
          return Effect.zipRight(
            Effect.forEach(change.endpointArns, (arn) => endpoints.delete(arn), { discard: true }),
            Effect.asVoid(applications.delete(change.applicationArn))
          )
        case "PutPlatformEndpoint":
          return endpoints.put(change.endpoint.arn, change.endpoint)
        case "DeletePlatformEndpoint":
          return Effect.asVoid(endpoints.delete(change.endpointArn))
        case "PutSmsAccount":
          return smsAccounts.put(change.account.accountId, change.account)
      }
    }

    return {
      load: Effect.map(Effect.all([topics.all, subscriptions.all, applications.all, endpoints.all, smsAccounts.all]), ([t, s, a, e, m]) => ({
        topics: [...t.values()],
        subscriptions: [...s.values()],
        platformApplications: [...a.values()],
        platformEndpoints: [...e.values()],
        smsAccounts: [...m.values()]
      })),
      // better-sqlite3 is synchronous, so running the writes with `runSync` inside one SQLite
      // transaction keeps other fibers (the message store's group commits on the same connection) out
      // of it, and a failure rolls the whole operation back.
      apply: (changes) =>
        Effect.try({
          try: () => db.transaction(() => Effect.runSync(Effect.forEach(changes, applyOne, { discard: true })))(),
          catch: (cause) => new Errors.StoreFailure({ message: `Cannot save the registry change: ${String(cause)}` })
        })
    }
  })
