import { Effect, Either, Layer } from "effect"
import { describe, expect, it } from "vitest"
import * as Cipher from "../src/Cipher.js"
import * as Errors from "../src/Errors.js"
import * as Ids from "../src/Ids.js"
import * as MessageStore from "../src/MessageStore.js"
import * as Paging from "../src/Paging.js"
import * as Registry from "../src/Registry.js"
import * as RegistryStore from "../src/RegistryStore.js"
import type { RequestContext } from "../src/RequestContext.js"
import * as Routing from "../src/Routing.js"
import * as Sns from "../src/Sns.js"
import type * as Subscription from "../src/Subscription.js"
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

describe("Unsubscribe (docs/SEMANTICS.md §3)", () => {
  it("removes a subscription once; again, or by an unsigned link, it succeeds and changes nothing", () => {
    const sns = makeSns()
    const owner = caller("000000000000")
    const { topicArn } = Effect.runSync(sns.createTopic({ name: "t", attributes: {}, tags: [], dataProtectionPolicy: undefined }, owner))
    const { subscriptionArn } = Effect.runSync(
      sns.subscribe({ topicArn, protocol: "sms", endpoint: "+15555550100", attributes: {}, returnSubscriptionArn: true }, owner)
    )
    Effect.runSync(sns.unsubscribe(subscriptionArn, owner))
    const subscriptions = () => Effect.runSync(sns.listSubscriptionsByTopic(topicArn, undefined, owner)).subscriptions
    expect(subscriptions()).toEqual([])
    expect(Either.isRight(Effect.runSync(Effect.either(sns.unsubscribe(subscriptionArn, owner))))).toBe(true)
    expect(Either.isRight(Effect.runSync(Effect.either(sns.unsubscribe(subscriptionArn, undefined))))).toBe(true)
    expect(subscriptions()).toEqual([])
    const malformed = Effect.runSync(Effect.either(sns.unsubscribe("nope", owner)))
    expect(Either.isLeft(malformed) && malformed.left._tag).toBe("InvalidParameter")
  })
})

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

describe("quotas (docs/SEMANTICS.md §4)", () => {
  const owner = caller("000000000000")
  const other = caller("111111111111")
  const checkFilterPolicy = (policy: string, scope: string) => Either.map(Routing.compile(policy, scope), () => undefined)
  const fifo = { FifoTopic: "true" }
  const create = (registry: Registry.Registry, name: string, attributes: Record<string, string>, context: RequestContext) =>
    Registry.createTopic(registry, { name, attributes, tags: [], dataProtectionPolicy: undefined }, context, 1)

  it("an account has at most 1000 FIFO topics; standard topics, other accounts and existing names are not counted against it", () => {
    let registry = Registry.empty()
    for (let i = 0; i < Registry.quotas.fifoTopicsPerAccount; i++) registry = Either.getOrThrow(create(registry, `t${i}.fifo`, fifo, owner)).registry
    const refused = create(registry, "one-more.fifo", fifo, owner)
    expect(Either.isLeft(refused) && refused.left).toEqual(
      new Errors.TopicLimitExceeded({
        message: "Topic limit exceeded: account 000000000000 already has 1000 FIFO topics; delete one to create another"
      })
    )
    expect(Either.isRight(create(registry, "t0.fifo", fifo, owner))).toBe(true)
    expect(Either.isRight(create(registry, "standard", {}, owner))).toBe(true)
    expect(Either.isRight(create(registry, "theirs.fifo", fifo, other))).toBe(true)
  })

  it("a FIFO topic has at most 100 subscriptions; a repeat of one it has is still answered", () => {
    let registry = Either.getOrThrow(create(Registry.empty(), "q.fifo", fifo, owner)).registry
    const topicArn = "arn:aws:sns:us-east-1:000000000000:q.fifo"
    const subscribe = (n: number) =>
      Registry.subscribe(
        registry,
        { topicArn, protocol: "sqs", endpoint: `arn:aws:sqs:us-east-1:000000000000:q${n}.fifo`, attributes: {} },
        owner,
        2,
        { id: `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`, token: "t" },
        checkFilterPolicy
      )
    for (let n = 0; n < Registry.quotas.subscriptionsPerFifoTopic; n++) registry = Either.getOrThrow(subscribe(n)).registry
    const refused = subscribe(100)
    expect(Either.isLeft(refused) && refused.left._tag).toBe("SubscriptionLimitExceeded")
    expect(Either.isLeft(refused) && refused.left.message).toBe(
      `Subscription limit exceeded: topic ${topicArn} already has 100 subscriptions; unsubscribe one to add another`
    )
    expect(Either.isRight(subscribe(0))).toBe(true)
  })
})

describe("the filter policy quota (SNS Developer Guide, \"Filter policy constraints\")", () => {
  const owner = caller("000000000000")
  const checkFilterPolicy = (policy: string, scope: string) => Either.map(Routing.compile(policy, scope), () => undefined)
  const filter = { FilterPolicy: JSON.stringify({ k: ["v"] }) }
  const topicArn = (t: number) => `arn:aws:sns:us-east-1:000000000000:t${t}`
  const subscription = (t: number, n: number, attributes: Record<string, string>): Subscription.Subscription => ({
    arn: `${topicArn(t)}:00000000-0000-4000-8000-${String(n).padStart(12, "0")}`,
    topicArn: topicArn(t),
    accountId: "000000000000",
    protocol: "lambda",
    endpoint: `arn:aws:lambda:us-east-1:000000000000:function:f${n}`,
    status: "Confirmed",
    confirmationToken: undefined,
    confirmationWasAuthenticated: true,
    attributes,
    createdAt: 0
  })
  /** `topics` topics, each with `filtered` subscriptions with a filter policy and one without. */
  const registryWith = (topics: number, filtered: number) => {
    const made = Array.from({ length: topics }, (_, t) =>
      Either.getOrThrow(Registry.createTopic(Registry.empty(), { name: `t${t}`, attributes: {}, tags: [], dataProtectionPolicy: undefined }, owner, 0)).result
    )
    const subscriptions = made.flatMap((_, t) => [
      ...Array.from({ length: filtered }, (_, n) => subscription(t, n, filter)),
      subscription(t, filtered, {})
    ])
    return Registry.fromLists(made, subscriptions)
  }
  const subscribe = (registry: Registry.Registry, t: number, attributes: Record<string, string>) =>
    Registry.subscribe(
      registry,
      { topicArn: topicArn(t), protocol: "lambda", endpoint: "arn:aws:lambda:us-east-1:000000000000:function:new", attributes },
      owner,
      1,
      { id: "ffffffff-0000-4000-8000-000000000000", token: "t" },
      checkFilterPolicy
    )
  const tagOf = (result: Either.Either<unknown, { readonly _tag: string }>) => (Either.isLeft(result) ? result.left._tag : "ok")

  it("a topic takes 200 subscriptions with a filter policy; past them a policy is refused, a subscription without one is not", () => {
    const full = registryWith(1, Registry.quotas.filterPoliciesPerTopic)
    const refused = subscribe(full, 0, filter)
    expect(Either.isLeft(refused) && refused.left.message).toBe(
      `Filter policy limit exceeded: topic ${topicArn(0)} already has 200 subscriptions with a filter policy; remove one to attach another`
    )
    expect(tagOf(refused)).toBe("FilterPolicyLimitExceeded")
    expect(tagOf(subscribe(full, 0, {}))).toBe("ok")
    expect(tagOf(subscribe(registryWith(1, Registry.quotas.filterPoliciesPerTopic - 1), 0, filter))).toBe("ok")
    // SetSubscriptionAttributes: attaching a policy to the one without is refused; replacing one is not.
    const set = (n: number) =>
      Registry.setSubscriptionAttribute(full, subscription(0, n, {}).arn, "FilterPolicy", JSON.stringify({ k: ["w"] }), owner, checkFilterPolicy, 1)
    expect(tagOf(set(Registry.quotas.filterPoliciesPerTopic))).toBe("FilterPolicyLimitExceeded")
    expect(tagOf(set(0))).toBe("ok")
  })

  it("an account takes 10,000 subscriptions with a filter policy across its topics", () => {
    const full = registryWith(50, 200)
    expect(tagOf(subscribe(full, 0, {}))).toBe("ok")
    const another = Either.getOrThrow(Registry.createTopic(full, { name: "t50", attributes: {}, tags: [], dataProtectionPolicy: undefined }, owner, 0))
    const past = subscribe(another.registry, 50, filter)
    expect(Either.isLeft(past) && past.left.message).toBe(
      "Filter policy limit exceeded: account 000000000000 already has 10000 subscriptions with a filter policy; remove one to attach another"
    )
  })
})
