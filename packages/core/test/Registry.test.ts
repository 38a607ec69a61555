import { Effect, Either, Layer } from "effect"
import { describe, expect, it } from "vitest"
import * as Cipher from "../src/Cipher.js"
import * as Ids from "../src/Ids.js"
import * as MessageStore from "../src/MessageStore.js"
import * as Paging from "../src/Paging.js"
import * as RegistryStore from "../src/RegistryStore.js"
import type { RequestContext } from "../src/RequestContext.js"
import * as Sns from "../src/Sns.js"
import * as TestKms from "./support/TestKms.js"

const caller = (accountId: string): RequestContext => ({
  accountId,
  principalArn: `arn:aws:iam::${accountId}:root`,
  region: "us-east-1",
  transport: "https",
  auth: "sigv4"
})

const makeSns = () => {
  const ids = Ids.makeSeeded(7)
  const kms = TestKms.makeTestKms("us-east-1", "000000000000", () => 0, (n) => Effect.runSync(ids.randomBytes(n)))
  return Effect.runSync(
    Sns.make.pipe(
      Effect.provide(
        Layer.mergeAll(TestKms.layer(kms), MessageStore.layerMemory, RegistryStore.layerMemory, Cipher.layerNoble, Layer.succeed(Ids.Ids, ids))
      )
    )
  )
}

describe("authorization", () => {
  it("names the action it refuses, for every subscription action and a topic action", () => {
    const sns = makeSns()
    const owner = caller("000000000000")
    const stranger = caller("111111111111")
    const { topicArn } = Effect.runSync(
      sns.createTopic({ name: "t", attributes: {}, tags: [], dataProtectionPolicy: undefined }, owner)
    )
    const { subscriptionArn } = Effect.runSync(
      sns.subscribe({ topicArn, protocol: "sms", endpoint: "+15555550100", attributes: {}, returnSubscriptionArn: true }, owner)
    )
    const requests: ReadonlyArray<readonly [string, string, Effect.Effect<unknown, { readonly _tag: string; readonly message?: string }>]> = [
      ["SetSubscriptionAttributes", subscriptionArn, sns.setSubscriptionAttributes(subscriptionArn, "RawMessageDelivery", "true", stranger)],
      ["GetSubscriptionAttributes", subscriptionArn, sns.getSubscriptionAttributes(subscriptionArn, stranger)],
      ["Unsubscribe", subscriptionArn, sns.unsubscribe(subscriptionArn, stranger)],
      ["DeleteTopic", topicArn, sns.deleteTopic(topicArn, stranger)]
    ]
    for (const [action, resource, request] of requests) {
      const refused = Effect.runSync(Effect.either(request))
      expect(Either.isLeft(refused) && refused.left._tag, action).toBe("AuthorizationError")
      expect(Either.isLeft(refused) && refused.left.message, action).toBe(
        `User: arn:aws:iam::111111111111:root is not authorized to perform: SNS:${action} on resource: ${resource}`
      )
    }
    // The owner is served, so each refusal above was about the caller.
    expect(Either.isRight(Effect.runSync(Effect.either(sns.getSubscriptionAttributes(subscriptionArn, owner))))).toBe(true)
  })
})

describe("paging", () => {
  it("returns at most a page and a token that resumes after it; a token past the end is refused", () => {
    const items = Array.from({ length: 5 }, (_, i) => i)
    const first = Either.getOrThrow(Paging.page(items, undefined, 2))
    expect(first).toEqual({ items: [0, 1], nextToken: "2" })
    expect(Either.getOrThrow(Paging.page(items, first.nextToken, 2))).toEqual({ items: [2, 3], nextToken: "4" })
    expect(Either.getOrThrow(Paging.page(items, "4", 2))).toEqual({ items: [4], nextToken: undefined })
    for (const token of ["6", "-1", "x", "1e3"]) {
      const refused = Paging.page(items, token, 2)
      expect(Either.isLeft(refused) && refused.left._tag, token).toBe("InvalidParameter")
    }
  })
})
