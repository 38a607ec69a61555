import { describe, expect, it } from "@effect/vitest"
import { Registry, type RequestContext } from "@sealcast/core"
import { Effect, Either } from "effect"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as SqliteRegistryStore from "../../src/store/SqliteRegistryStore.js"
import * as SqliteDatabase from "../../src/store/SqliteDatabase.js"

const ctx: RequestContext.RequestContext = {
  accountId: "000000000000",
  principalArn: "arn:aws:iam::000000000000:root",
  region: "us-east-1",
  transport: "https",
  auth: "sigv4"
}

describe("SqliteRegistryStore", () => {
  it.effect("persists every change and loads it back after reopening", () =>
    Effect.gen(function* () {
      const path = join(mkdtempSync(join(tmpdir(), "sealcast-registry-")), "db.sqlite")
      const db = yield* SqliteDatabase.open(path)
      const store = yield* SqliteRegistryStore.make(db)
      const created = Either.getOrThrow(
        Registry.createTopic(Registry.empty, { name: "t", attributes: { KmsMasterKeyId: "alias/k" }, tags: [{ key: "env", value: "dev" }], dataProtectionPolicy: undefined }, ctx, 1)
      )
      yield* store.apply(created.changes)
      const subscribed = Either.getOrThrow(
        Registry.subscribe(created.registry, { topicArn: created.result.arn, protocol: "https", endpoint: "https://example.test/x", attributes: { RawMessageDelivery: "true" } }, ctx, 2, { id: "s1", token: "tok" }, () => Either.void)
      )
      yield* store.apply(subscribed.changes)
      db.close()

      const reopened = yield* SqliteRegistryStore.make(yield* SqliteDatabase.open(path))
      const loaded = yield* reopened.load
      expect(loaded.topics).toEqual([created.result])
      expect(loaded.subscriptions).toEqual([subscribed.result])

      const removed = Either.getOrThrow(Registry.deleteTopic(Registry.fromLists(loaded.topics, loaded.subscriptions), created.result.arn, ctx))
      yield* reopened.apply(removed.changes)
      expect(yield* reopened.load).toEqual({ topics: [], subscriptions: [] })
    }))
})
