import { Effect, Either, Layer } from "effect"
import { describe, expect, it } from "vitest"
import * as Cipher from "../src/Cipher.js"
import * as Ids from "../src/Ids.js"
import * as MessageStore from "../src/MessageStore.js"
import * as Paging from "../src/Paging.js"
import * as Registry from "../src/Registry.js"
import * as RegistryStore from "../src/RegistryStore.js"
import type { RequestContext } from "../src/RequestContext.js"
import * as Routing from "../src/Routing.js"
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

describe("registry indexes", () => {
  const owner = caller("000000000000")
  const stranger = caller("111111111111")
  const checkFilterPolicy = (policy: string, scope: string) => Either.map(Routing.compile(policy, scope), () => undefined)
  /** What a registry's indexes must be: the ones built afresh from its topics and subscriptions. */
  const rebuilt = (registry: Registry.Registry) =>
    Registry.fromLists([...registry.topics.values()], [...registry.subscriptions.values()])
  const indexesOf = (registry: Registry.Registry) => ({
    topicPolicies: [...registry.topicPolicies.entries()].sort(([a], [b]) => a.localeCompare(b)),
    recipientsByTopic: [...registry.recipientsByTopic.entries()].sort(([a], [b]) => a.localeCompare(b))
  })

  it("agree with the registry's topics and subscriptions after every operation", () => {
    let registry = Registry.empty()
    const step = <A>(changed: Either.Either<Registry.Changed<A>, unknown>): A => {
      const right = Either.getOrThrowWith(changed, (e) => new Error(JSON.stringify(e)))
      registry = right.registry
      expect(indexesOf(registry)).toEqual(indexesOf(rebuilt(registry)))
      return right.result
    }
    const topic = (name: string) => step(Registry.createTopic(registry, { name, attributes: {}, tags: [], dataProtectionPolicy: undefined }, owner, 1))
    const subscribe = (topicArn: string, n: number, attributes: Record<string, string> = {}) =>
      step(
        Registry.subscribe(
          registry,
          { topicArn, protocol: "lambda", endpoint: `arn:aws:lambda:us-east-1:000000000000:function:f${n}`, attributes },
          owner,
          2,
          { id: `0000000${n}-0000-4000-8000-000000000000`, token: "t" },
          checkFilterPolicy
        )
      )
    const a = topic("a")
    const b = topic("b")
    const first = subscribe(a.arn, 1)
    const second = subscribe(a.arn, 2, { FilterPolicy: JSON.stringify({ k: ["v"] }) })
    subscribe(b.arn, 3)
    step(Registry.setSubscriptionAttribute(registry, first.arn, "FilterPolicy", JSON.stringify({ k: ["w"] }), owner, checkFilterPolicy, 0))
    expect(Registry.subscriptionsOf(registry, a.arn).map((s) => s.arn)).toEqual([first.arn, second.arn])
    expect(Registry.recipientsOf(registry, a.arn)[0]?.filterPolicy).toBeDefined()
    step(Registry.unsubscribe(registry, second.arn, owner))
    step(Registry.deleteTopic(registry, b.arn, owner))
    expect(Registry.recipientsOf(registry, b.arn)).toEqual([])
    expect(Registry.subscriptionsOf(registry, a.arn).map((s) => s.arn)).toEqual([first.arn])
  })

  it("hold the policy in force: a grant set, then replaced, is what authorization reads", () => {
    const created = Either.getOrThrow(
      Registry.createTopic(Registry.empty(), { name: "t", attributes: {}, tags: [], dataProtectionPolicy: undefined }, owner, 1)
    )
    const grant = (actions: ReadonlyArray<string>) =>
      JSON.stringify({
        Statement: [{ Effect: "Allow", Principal: { AWS: "arn:aws:iam::111111111111:root" }, Action: actions, Resource: created.result.arn }]
      })
    const withPolicy = (registry: Registry.Registry, actions: ReadonlyArray<string>) =>
      Either.getOrThrow(Registry.setTopicAttribute(registry, created.result.arn, "Policy", grant(actions), owner, 0)).registry
    const publishRefusal = (registry: Registry.Registry) => {
      const outcome = Registry.topicFor(registry, created.result.arn, stranger, "Publish")
      return Either.isLeft(outcome) ? outcome.left.message : "allowed"
    }
    const granted = withPolicy(created.registry, ["SNS:Publish"])
    expect(publishRefusal(created.registry)).toBe(
      `User: ${stranger.principalArn} is not authorized to perform: SNS:Publish on resource: ${created.result.arn}`
    )
    expect(publishRefusal(granted)).toBe("allowed")
    expect(publishRefusal(withPolicy(granted, ["SNS:Subscribe"]))).toBe(
      `User: ${stranger.principalArn} is not authorized to perform: SNS:Publish on resource: ${created.result.arn}`
    )
  })
})
