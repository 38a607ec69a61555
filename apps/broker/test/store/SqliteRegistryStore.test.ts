// What every registry store keeps is test/contracts/RegistryStoreContract.ts; here, what only SQLite's does.
import { describe, expect, it } from "@effect/vitest"
import { Registry, type RequestContext, type Subscription } from "@sealcast/core"
import { Effect, Either } from "effect"
import * as SqliteDatabase from "../../src/store/SqliteDatabase.js"
import * as SqliteRegistryStore from "../../src/store/SqliteRegistryStore.js"

const ctx: RequestContext.RequestContext = {
  accountId: "000000000000",
  principalArn: "arn:aws:iam::000000000000:root",
  region: "us-east-1",
  transport: "https",
  auth: "sigv4"
}

describe("SqliteRegistryStore", () => {
  it.effect("an operation whose changes cannot all be written writes none of them", () =>
    Effect.gen(function* () {
      const db = yield* SqliteDatabase.open(":memory:")
      const store = yield* SqliteRegistryStore.make(db)
      const created = Either.getOrThrow(Registry.createTopic(Registry.empty(), { name: "t", attributes: {}, tags: [], dataProtectionPolicy: undefined }, ctx, 1))
      const subscribed = Either.getOrThrow(
        Registry.subscribe(created.registry, { topicArn: created.result.arn, protocol: "https", endpoint: "https://example.test/x", attributes: {} }, ctx, 2, { id: "s1", token: "tok" }, () => Either.void)
      )
      // A record its Schema refuses to encode fails the write after the topic's was made.
      const unwritable = { ...subscribed.result, protocol: "carrier-pigeon" } as unknown as Subscription.Subscription
      const failure = yield* Effect.flip(store.apply([...created.changes, { _tag: "PutSubscription", subscription: unwritable }]))
      expect(failure._tag).toBe("StoreFailure")
      expect(failure.message).toMatch(/^Cannot save the registry change: /)
      expect(yield* store.load).toEqual({ topics: [], subscriptions: [], platformApplications: [], platformEndpoints: [], smsAccounts: [] })
      db.close()
    }))
})
