/**
 * The one contract every `RegistryStore` implementation keeps (packages/core/src/RegistryStore.ts),
 * run against each implementation as `MessageStoreContract.ts` is. What the Sns service relies on:
 * an applied change is there when the store is opened again (docs/CONTRACT.md, "At rest"); `load`
 * lists topics, subscriptions, platform applications, endpoints and SMS accounts in the order they
 * were first stored, an update keeping its place
 * (ListSubscriptions and ListSubscriptionsByTopic page in creation order, before a restart and
 * after); deletions remove exactly what they name; applying a change again, or deleting what is not
 * there, changes nothing; and a load, first or later, reads what is stored without consuming it.
 *
 * `registryStoreContract(name, makeBacking)` registers the suite; `makeBacking` must give a fresh,
 * empty backing each time it is called.
 *
 * @since 0.1.0
 */
import { describe, expect, it } from "@effect/vitest"
import { type Errors, Platform, Registry, type RegistryStore, type RequestContext, Sms, type Subscription, Topic } from "@sealcast/core"
import { Effect, Either, Exit, Scope } from "effect"
import * as fc from "fast-check"

/**
 * Where a store keeps its state (a database file, a connection, the process's memory): `open` gives
 * a store over it until the scope closes, and a later `open` sees what an earlier one applied.
 *
 * @category models
 */
export interface RegistryStoreBacking {
  readonly open: Effect.Effect<RegistryStore.RegistryStoreService, Errors.StoreFailure, Scope.Scope>
}

const ctx: RequestContext.RequestContext = {
  accountId: "000000000000",
  principalArn: "arn:aws:iam::000000000000:root",
  region: "us-east-1",
  transport: "https",
  auth: "sigv4"
}

const noFilterPolicyCheck = () => Either.void

/** The subscription id of the `n`th subscription a test makes: a UUID, as the service's are. */
const subscriptionId = (n: number) => `00000000-0000-4000-8000-${n.toString().padStart(12, "0")}`

const createTopic = (registry: Registry.Registry, name: string, attributes: Readonly<Record<string, string>> = {}) =>
  Either.getOrThrow(Registry.createTopic(registry, { name, attributes, tags: [], dataProtectionPolicy: undefined }, ctx, 1_767_225_600_000))

const subscribe = (registry: Registry.Registry, topic: Topic.Topic, endpoint: string, n: number, protocol = "https") =>
  Either.getOrThrow(
    Registry.subscribe(registry, { topicArn: topic.arn, protocol, endpoint, attributes: {} }, ctx, 1_767_225_600_000 + n, { id: subscriptionId(n), token: `token-${n}` }, noFilterPolicyCheck)
  )

/** Opens the store, applies each operation's changes (one `apply` each) and closes it. */
const applyAll = (backing: RegistryStoreBacking, ...operations: ReadonlyArray<ReadonlyArray<Registry.Change>>) =>
  Effect.scoped(Effect.flatMap(backing.open, (store) => Effect.forEach(operations, (changes) => store.apply(changes), { discard: true })))

/** Opens the store again and loads it. */
const reload = (backing: RegistryStoreBacking) => Effect.scoped(Effect.flatMap(backing.open, (store) => store.load))

/** What a registry holds, as `load` lists it: in the order its records were first stored. */
const listed = (registry: Registry.Registry) => ({
  topics: [...registry.topics.values()],
  subscriptions: [...registry.subscriptions.values()],
  platformApplications: [...registry.platformApplications.values()],
  platformEndpoints: [...registry.platformEndpoints.values()],
  smsAccounts: [...registry.smsAccounts.values()]
})

/** A store without platform applications, endpoints or SMS settings. */
const noMobileRecords = { platformApplications: [], platformEndpoints: [], smsAccounts: [] }

const arnsOf = (loaded: { readonly topics: ReadonlyArray<Topic.Topic>; readonly subscriptions: ReadonlyArray<Subscription.Subscription> }) => ({
  topics: loaded.topics.map((t) => t.arn),
  subscriptions: loaded.subscriptions.map((s) => s.arn)
})

// ---------------------------------------------------------------------------------------------------
// The model test: random operations of the service's registry, each one's changes applied as the
// service applies them, the store opened again now and then; what it loads is the registry.

type Operation =
  | { readonly _tag: "CreateTopic"; readonly name: string }
  | { readonly _tag: "SetDisplayName"; readonly name: string; readonly value: string }
  | { readonly _tag: "Subscribe"; readonly name: string; readonly endpoint: number; readonly protocol: "https" | "email" | "lambda" }
  | { readonly _tag: "Confirm"; readonly pick: number }
  | { readonly _tag: "Unsubscribe"; readonly pick: number }
  | { readonly _tag: "DeleteTopic"; readonly name: string }
  | { readonly _tag: "Reopen" }

const NAMES = ["orders", "audit", "billing", "alerts.fifo"] as const

const arbitraryOperation: fc.Arbitrary<Operation> = fc.oneof(
  fc.record({ _tag: fc.constant("CreateTopic" as const), name: fc.constantFrom(...NAMES) }),
  fc.record({ _tag: fc.constant("SetDisplayName" as const), name: fc.constantFrom(...NAMES), value: fc.string({ maxLength: 20 }) }),
  fc.record({
    _tag: fc.constant("Subscribe" as const),
    name: fc.constantFrom(...NAMES),
    endpoint: fc.integer({ min: 0, max: 3 }),
    protocol: fc.constantFrom("https" as const, "email" as const, "lambda" as const)
  }),
  fc.record({ _tag: fc.constant("Confirm" as const), pick: fc.nat() }),
  fc.record({ _tag: fc.constant("Unsubscribe" as const), pick: fc.nat() }),
  fc.record({ _tag: fc.constant("DeleteTopic" as const), name: fc.constantFrom(...NAMES) }),
  fc.constant({ _tag: "Reopen" as const })
)

const topicArnOf = (name: string) => `arn:aws:sns:${ctx.region}:${ctx.accountId}:${name}`

/**
 * What a Subscribe names: a FIFO topic takes only SQS queues (docs/SEMANTICS.md §9), so there the
 * subscriber is a FIFO queue, of the topic's account (confirmed at once) or of another (pending).
 */
const subscriberOf = (name: string, protocol: "https" | "email" | "lambda", n: number) =>
  name.endsWith(".fifo")
    ? { protocol: "sqs", endpoint: `arn:aws:sqs:${ctx.region}:${n % 2 === 0 ? ctx.accountId : "111111111111"}:reader-${n}.fifo` }
    : { protocol, endpoint: endpointOf(protocol, n) }

const endpointOf = (protocol: "https" | "email" | "lambda", n: number) =>
  protocol === "https"
    ? `https://subscriber-${n}.example.test/notify`
    : protocol === "email"
      ? `reader-${n}@example.test`
      : `arn:aws:lambda:${ctx.region}:${ctx.accountId}:function:reader-${n}`

/** The operation's outcome on `registry`: a refused one (a topic that is not there, say) changes nothing. */
const perform = (registry: Registry.Registry, operation: Exclude<Operation, { readonly _tag: "Reopen" }>, n: number): Registry.Changed<unknown> => {
  const subscriptions = [...registry.subscriptions.values()]
  const picked = (pick: number) => subscriptions[pick % Math.max(1, subscriptions.length)]
  const outcome: Either.Either<Registry.Changed<unknown>, unknown> = (() => {
    switch (operation._tag) {
      case "CreateTopic":
        return Registry.createTopic(
          registry,
          { name: operation.name, attributes: operation.name.endsWith(".fifo") ? { FifoTopic: "true" } : {}, tags: [], dataProtectionPolicy: undefined },
          ctx,
          n
        )
      case "SetDisplayName":
        return Registry.setTopicAttribute(registry, topicArnOf(operation.name), "DisplayName", operation.value, ctx, 0)
      case "Subscribe":
        return Registry.subscribe(
          registry,
          { topicArn: topicArnOf(operation.name), ...subscriberOf(operation.name, operation.protocol, operation.endpoint), attributes: {} },
          ctx,
          n,
          { id: subscriptionId(n), token: `token-${n}` },
          noFilterPolicyCheck
        )
      case "Confirm": {
        const s = picked(operation.pick)
        return s?.confirmationToken === undefined ? Either.left("nothing to confirm") : Registry.confirmSubscription(registry, s.topicArn, s.confirmationToken, false)
      }
      case "Unsubscribe": {
        const s = picked(operation.pick)
        return s === undefined ? Either.left("no subscription") : Registry.unsubscribe(registry, s.arn, ctx)
      }
      case "DeleteTopic":
        return Registry.deleteTopic(registry, topicArnOf(operation.name), ctx)
    }
  })()
  return Either.getOrElse(outcome, () => ({ registry, changes: [], result: undefined }))
}

/**
 * Registers the contract's tests for one implementation.
 *
 * @category contracts
 */
export const registryStoreContract = (name: string, makeBacking: () => RegistryStoreBacking): void => {
  describe(`RegistryStore contract: ${name}`, () => {
    it.effect("a new store loads no topics and no subscriptions", () =>
      Effect.gen(function* () {
        expect(yield* reload(makeBacking())).toEqual({ topics: [], subscriptions: [], ...noMobileRecords })
      }))

    it.effect("every applied change is there, record for record, when the store is opened again", () =>
      Effect.gen(function* () {
        const backing = makeBacking()
        const created = Either.getOrThrow(
          Registry.createTopic(
            Registry.empty(),
            { name: "orders", attributes: { KmsMasterKeyId: "alias/orders", DisplayName: "Orders" }, tags: [{ key: "env", value: "dev" }], dataProtectionPolicy: undefined },
            ctx,
            1_767_225_600_000
          )
        )
        const https = subscribe(created.registry, created.result, "https://example.test/notify", 1)
        const email = subscribe(https.registry, created.result, "ann@example.test", 2, "email")
        const confirmed = Either.getOrThrow(Registry.confirmSubscription(email.registry, created.result.arn, "token-1", true))
        const raw = Either.getOrThrow(Registry.setSubscriptionAttribute(confirmed.registry, https.result.arn, "RawMessageDelivery", "true", ctx, noFilterPolicyCheck, 3))
        const unsubscribed = Either.getOrThrow(Registry.unsubscribe(raw.registry, email.result.arn, ctx))
        yield* applyAll(backing, created.changes, https.changes, email.changes, confirmed.changes, raw.changes, unsubscribed.changes)

        const loaded = yield* reload(backing)
        expect(loaded).toEqual(listed(unsubscribed.registry))
        expect(loaded.topics[0]!.subscriptionsDeleted).toBe(1)
        expect(loaded.subscriptions[0]).toMatchObject({ status: "Confirmed", confirmationWasAuthenticated: true, attributes: { RawMessageDelivery: "true" } })
      }))

    it.effect("an archived FIFO topic keeps its ArchivePolicy and the instant its archive began", () =>
      Effect.gen(function* () {
        const backing = makeBacking()
        const created = createTopic(Registry.empty(), "orders.fifo", { FifoTopic: "true" })
        const archived = Either.getOrThrow(
          Registry.setTopicAttribute(created.registry, created.result.arn, "ArchivePolicy", '{"MessageRetentionPeriod":"30"}', ctx, 1_767_300_000_000)
        )
        yield* applyAll(backing, created.changes, archived.changes)
        const loaded = yield* reload(backing)
        expect(Topic.archive(loaded.topics[0]!)).toEqual({ policy: { messageRetentionPeriodDays: 30 }, archivedSince: 1_767_300_000_000 })
      }))

    it.effect("a subscription's replay (window and ReplayStatus) survives a reload, and so does its end", () =>
      Effect.gen(function* () {
        const backing = makeBacking()
        const created = createTopic(Registry.empty(), "orders.fifo", { FifoTopic: "true", ArchivePolicy: '{"MessageRetentionPeriod":"30"}' })
        // A FIFO topic takes SQS queues only (docs/SEMANTICS.md §9).
        const subscribed = subscribe(created.registry, created.result, `arn:aws:sqs:${ctx.region}:${ctx.accountId}:replay.fifo`, 1, "sqs")
        const policy = JSON.stringify({ PointType: "Timestamp", StartingPoint: new Date(1_767_225_600_000).toISOString() })
        const set = Either.getOrThrow(
          Registry.setSubscriptionAttribute(subscribed.registry, subscribed.result.arn, "ReplayPolicy", policy, ctx, noFilterPolicyCheck, 1_767_300_000_000)
        )
        const pending = set.registry.subscriptions.get(subscribed.result.arn)!.replay!
        const started = Either.getOrThrow(Registry.advanceReplay(set.registry, subscribed.result.arn, pending, { _tag: "Started", inserted: 2 }))
        yield* applyAll(backing, created.changes, subscribed.changes, set.changes, started.changes)
        expect((yield* reload(backing)).subscriptions[0]!.replay).toEqual({
          status: "In progress",
          startingPoint: 1_767_225_600_000,
          endingPoint: undefined,
          requestedAt: 1_767_300_000_000
        })
        const stopped = Either.getOrThrow(
          Registry.setSubscriptionAttribute(started.registry, subscribed.result.arn, "ReplayPolicy", "", ctx, noFilterPolicyCheck, 1_767_300_000_001)
        )
        yield* applyAll(backing, stopped.changes)
        const loaded = yield* reload(backing)
        expect(loaded.subscriptions[0]!.replay).toBeUndefined()
        expect(loaded).toEqual(listed(stopped.registry))
      }))

    it.effect("load lists records in the order they were first stored, an updated one in its place", () =>
      Effect.gen(function* () {
        const backing = makeBacking()
        const zeta = createTopic(Registry.empty(), "zeta")
        const alpha = createTopic(zeta.registry, "alpha")
        const mid = createTopic(alpha.registry, "mid")
        const s1 = subscribe(mid.registry, mid.result, "https://example.test/1", 1)
        const s2 = subscribe(s1.registry, zeta.result, "https://example.test/2", 2)
        const s3 = subscribe(s2.registry, alpha.result, "https://example.test/3", 3)
        yield* applyAll(backing, zeta.changes, alpha.changes, mid.changes, s1.changes, s2.changes, s3.changes)
        // Updates of the first topic and the first subscription, in a later opening of the store.
        const renamed = Either.getOrThrow(Registry.setTopicAttribute(s3.registry, zeta.result.arn, "DisplayName", "Z", ctx, 0))
        const confirmed = Either.getOrThrow(Registry.confirmSubscription(renamed.registry, mid.result.arn, "token-1", false))
        yield* applyAll(backing, renamed.changes, confirmed.changes)

        const loaded = yield* reload(backing)
        expect(arnsOf(loaded)).toEqual({
          topics: [zeta.result.arn, alpha.result.arn, mid.result.arn],
          subscriptions: [s1.result.arn, s2.result.arn, s3.result.arn]
        })
        expect(loaded).toEqual(listed(confirmed.registry))
      }))

    it.effect("DeleteTopic removes the topic and the subscriptions it names, and nothing else", () =>
      Effect.gen(function* () {
        const backing = makeBacking()
        const orders = createTopic(Registry.empty(), "orders")
        const audit = createTopic(orders.registry, "audit")
        const s1 = subscribe(audit.registry, orders.result, "https://example.test/1", 1)
        const s2 = subscribe(s1.registry, audit.result, "https://example.test/2", 2)
        const s3 = subscribe(s2.registry, orders.result, "https://example.test/3", 3)
        yield* applyAll(backing, orders.changes, audit.changes, s1.changes, s2.changes, s3.changes)
        const deleted = Either.getOrThrow(Registry.deleteTopic(s3.registry, orders.result.arn, ctx))
        expect(deleted.changes).toEqual([{ _tag: "DeleteTopic", topicArn: orders.result.arn, subscriptionArns: [s1.result.arn, s3.result.arn] }])
        yield* applyAll(backing, deleted.changes)

        expect(yield* reload(backing)).toEqual({ topics: [audit.result], subscriptions: [s2.result], ...noMobileRecords })
      }))

    it.effect("DeleteSubscription removes the subscription and stores the topic it carries, when it carries one", () =>
      Effect.gen(function* () {
        const backing = makeBacking()
        const orders = createTopic(Registry.empty(), "orders")
        const s1 = subscribe(orders.registry, orders.result, "https://example.test/1", 1)
        const s2 = subscribe(s1.registry, orders.result, "https://example.test/2", 2)
        yield* applyAll(backing, orders.changes, s1.changes, s2.changes)
        const unsubscribed = Either.getOrThrow(Registry.unsubscribe(s2.registry, s1.result.arn, ctx))
        yield* applyAll(backing, unsubscribed.changes, [{ _tag: "DeleteSubscription", subscriptionArn: s2.result.arn, topic: undefined }])

        const loaded = yield* reload(backing)
        expect(loaded.subscriptions).toEqual([])
        expect(loaded.topics).toEqual([{ ...orders.result, subscriptionsDeleted: 1 }])
      }))

    it.effect("platform applications, endpoints and SMS accounts are kept, updated in place, and deleted with what they name", () =>
      Effect.gen(function* () {
        const backing = makeBacking()
        const app = Either.getOrThrow(Platform.createApplication(Registry.empty(), { name: "app", platform: "GCM", attributes: { PlatformCredential: "k" } }, ctx, 1))
        const other = Either.getOrThrow(
          Platform.createApplication(app.registry, { name: "other", platform: "APNS", attributes: { PlatformCredential: "k", PlatformPrincipal: "p" } }, ctx, 2)
        )
        const endpoint = (registry: Registry.Registry, applicationArn: string, token: string, n: number) =>
          Either.getOrThrow(Platform.createEndpoint(registry, { applicationArn, token, customUserData: "u", attributes: {} }, ctx, n, subscriptionId(n)))
        const e1 = endpoint(other.registry, app.result.arn, "t1", 1)
        const e2 = endpoint(e1.registry, other.result.arn, "t2", 2)
        const e3 = endpoint(e2.registry, app.result.arn, "t3", 3)
        const sms = Either.getOrThrow(Sms.setAttributes(e3.registry, ctx.accountId, { DefaultSMSType: "Transactional" }))
        const sandbox = Either.getOrThrow(Sms.createSandboxNumber(sms.registry, ctx.accountId, "+15555550100", undefined, "123456"))
        yield* applyAll(backing, app.changes, other.changes, e1.changes, e2.changes, e3.changes, sms.changes, sandbox.changes)
        const disabled = Either.getOrThrow(Platform.setEndpointAttributes(sandbox.registry, e1.result.arn, { Enabled: "false" }, ctx))
        const rekeyed = Either.getOrThrow(Platform.setApplicationAttributes(disabled.registry, app.result.arn, { PlatformCredential: "k2" }, ctx))
        yield* applyAll(backing, disabled.changes, rekeyed.changes)
        expect(yield* reload(backing)).toEqual(listed(rekeyed.registry))

        const deletedApp = Either.getOrThrow(Platform.deleteApplication(rekeyed.registry, app.result.arn, ctx))
        const deletedEndpoint = Either.getOrThrow(Platform.deleteEndpoint(deletedApp.registry, e2.result.arn, ctx))
        yield* applyAll(backing, deletedApp.changes, deletedEndpoint.changes, deletedEndpoint.changes)
        const loaded = yield* reload(backing)
        expect(loaded).toEqual(listed(deletedEndpoint.registry))
        expect(loaded.platformApplications.map((a) => a.arn)).toEqual([other.result.arn])
        expect(loaded.platformEndpoints).toEqual([])
        expect(loaded.smsAccounts).toEqual([sandbox.registry.smsAccounts.get(ctx.accountId)])
      }))

    it.effect("applying changes again changes nothing, and deleting what is not stored is no failure", () =>
      Effect.gen(function* () {
        const backing = makeBacking()
        const orders = createTopic(Registry.empty(), "orders")
        const s1 = subscribe(orders.registry, orders.result, "https://example.test/1", 1)
        const audit = createTopic(s1.registry, "audit")
        const deleted = Either.getOrThrow(Registry.deleteTopic(audit.registry, audit.result.arn, ctx))
        const once = [orders.changes, s1.changes, audit.changes, deleted.changes]
        yield* applyAll(backing, ...once)
        const afterOnce = yield* reload(backing)
        yield* applyAll(backing, ...once, deleted.changes)
        yield* applyAll(backing, [
          { _tag: "DeleteTopic", topicArn: "arn:aws:sns:us-east-1:000000000000:never", subscriptionArns: [`arn:aws:sns:us-east-1:000000000000:never:${subscriptionId(9)}`] },
          { _tag: "DeleteSubscription", subscriptionArn: `${orders.result.arn}:${subscriptionId(8)}`, topic: undefined }
        ])

        expect(yield* reload(backing)).toEqual(afterOnce)
        expect(afterOnce).toEqual({ topics: [orders.result], subscriptions: [s1.result], ...noMobileRecords })
      }))

    it.effect("the changes of one apply take effect in their order; an empty apply changes nothing", () =>
      Effect.gen(function* () {
        const backing = makeBacking()
        const orders = createTopic(Registry.empty(), "orders").result
        const audit = createTopic(Registry.empty(), "audit").result
        const renamedAudit: Topic.Topic = { ...audit, attributes: { ...audit.attributes, DisplayName: "Audit" } }
        yield* applyAll(backing, [
          { _tag: "PutTopic", topic: orders },
          { _tag: "DeleteTopic", topicArn: orders.arn, subscriptionArns: [] },
          { _tag: "DeleteTopic", topicArn: audit.arn, subscriptionArns: [] },
          { _tag: "PutTopic", topic: audit },
          { _tag: "PutTopic", topic: renamedAudit }
        ], [])

        expect(yield* reload(backing)).toEqual({ topics: [renamedAudit], subscriptions: [], ...noMobileRecords })
      }))

    it.effect("a second load reads the same records; changes applied between loads are in the next one, not in the last one's answer", () =>
      Effect.gen(function* () {
        const backing = makeBacking()
        const orders = createTopic(Registry.empty(), "orders")
        const s1 = subscribe(orders.registry, orders.result, "https://example.test/1", 1)
        const audit = createTopic(s1.registry, "audit")
        yield* Effect.scoped(
          Effect.gen(function* () {
            const store = yield* backing.open
            yield* store.apply(orders.changes)
            yield* store.apply(s1.changes)
            const first = yield* store.load
            expect(yield* store.load).toEqual(first)
            yield* store.apply(audit.changes)
            expect(first).toEqual(listed(s1.registry))
            expect(yield* store.load).toEqual(listed(audit.registry))
          })
        )
        expect(yield* reload(backing)).toEqual(listed(audit.registry))
        expect(yield* reload(backing)).toEqual(listed(audit.registry))
      }))

    it.effect("model: after any sequence of the registry's operations, the store opened again or not, it loads the registry", () =>
      Effect.promise(() =>
        fc.assert(
          fc.asyncProperty(fc.array(arbitraryOperation, { maxLength: 30 }), async (operations) => {
            const backing = makeBacking()
            let scope = Effect.runSync(Scope.make())
            const program = Effect.gen(function* () {
              let registry = Registry.empty()
              let n = 0
              let store = yield* Scope.extend(backing.open, scope)
              for (const operation of operations) {
                if (operation._tag === "Reopen") {
                  yield* Scope.close(scope, Exit.void)
                  scope = yield* Scope.make()
                  store = yield* Scope.extend(backing.open, scope)
                  continue
                }
                const changed = perform(registry, operation, ++n)
                yield* store.apply(changed.changes)
                registry = changed.registry
              }
              expect(yield* store.load).toEqual(listed(registry))
              yield* Scope.close(scope, Exit.void)
              expect(yield* reload(backing)).toEqual(listed(registry))
            })
            await Effect.runPromise(program.pipe(Effect.ensuring(Effect.suspend(() => Scope.close(scope, Exit.void)))))
          }),
          { numRuns: 40 }
        )
      ))
  })
}
