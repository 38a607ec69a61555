/**
 * The SNS service: every action, as effects over the pure registry and rules, with the ports (KMS,
 * stores, cipher, ids, clock) as services. The transport decodes a request, calls one method here,
 * and encodes the answer. Its parts: the registry in force and how it changes (`RegistryRef.ts`),
 * Publish and PublishBatch (`Publisher.ts`), FIFO deduplication and sequencing (`FifoSequencer.ts`).
 *
 * @since 0.1.0
 */
import { Clock, Context, Effect, Either, Layer, PubSub, type Scope } from "effect"
import type { Queue } from "effect"
import { Cipher, type CipherOpenError } from "./Cipher.js"
import * as DataKeys from "./DataKeys.js"
import * as Encryption from "./Encryption.js"
import {
  invalidParameter,
  type InvalidParameter,
  type KmsFailure,
  type SnsError,
  type StoreFailure
} from "./Errors.js"
import * as FifoSequencer from "./FifoSequencer.js"
import { Ids } from "./Ids.js"
import { Kms } from "./Kms.js"
import type { StoredMessage } from "./Message.js"
import { MessageStore } from "./MessageStore.js"
import * as Paging from "./Paging.js"
import * as Permissions from "./Permissions.js"
import * as Platform from "./Platform.js"
import type * as Publish from "./Publish.js"
import * as Publisher from "./Publisher.js"
import * as Registry from "./Registry.js"
import * as RegistryRef from "./RegistryRef.js"
import type * as Replay from "./Replay.js"
import { RegistryStore } from "./RegistryStore.js"
import type { RequestContext } from "./RequestContext.js"
import * as Routing from "./Routing.js"
import * as Sms from "./Sms.js"
import * as Subscription from "./Subscription.js"
import * as Topic from "./Topic.js"

/** ListTopics and ListSubscriptions return 100 a page (docs/SEMANTICS.md §4). */
export const PAGE_SIZE = 100

/**
 * What happened, for the shell: delivery wakes on accepted messages and sends confirmation requests
 * for new pending subscriptions; metrics count both.
 *
 * @category models
 */
export type Event =
  | { readonly _tag: "RegistryChanged"; readonly changes: ReadonlyArray<Registry.Change> }
  | Publisher.MessagesAccepted
  | Publisher.DirectMessageAccepted

/**
 * @category models
 */
export type PublishResult = Publisher.PublishResult

/**
 * @category models
 */
export type PublishBatchResult = Publisher.PublishBatchResult

/**
 * @category models
 */
export interface SubscriptionSummary {
  readonly subscriptionArn: string
  readonly owner: string
  readonly protocol: string
  readonly endpoint: string
  readonly topicArn: string
}

/**
 * A platform application or a device endpoint as the list actions answer it.
 *
 * @category models
 */
export interface ArnWithAttributes {
  readonly arn: string
  readonly attributes: Record<string, string>
}

/**
 * @category models
 */
export interface SnsService {
  readonly createTopic: (input: Topic.CreateTopicInput, ctx: RequestContext) => Effect.Effect<{ readonly topicArn: string }, SnsError>
  readonly deleteTopic: (topicArn: string, ctx: RequestContext) => Effect.Effect<void, SnsError>
  readonly listTopics: (
    nextToken: string | undefined,
    ctx: RequestContext
  ) => Effect.Effect<{ readonly topicArns: ReadonlyArray<string>; readonly nextToken: string | undefined }, SnsError>
  readonly getTopicAttributes: (topicArn: string, ctx: RequestContext) => Effect.Effect<Record<string, string>, SnsError>
  readonly setTopicAttributes: (
    topicArn: string,
    name: string,
    value: string,
    ctx: RequestContext
  ) => Effect.Effect<void, SnsError>
  readonly subscribe: (
    input: Registry.SubscribeInput & { readonly returnSubscriptionArn: boolean },
    ctx: RequestContext
  ) => Effect.Effect<{ readonly subscriptionArn: string }, SnsError>
  /** `ctx` is undefined for the unsigned confirmation link SNS hands out. */
  readonly confirmSubscription: (
    input: { readonly topicArn: string; readonly token: string; readonly authenticateOnUnsubscribe: boolean },
    ctx: RequestContext | undefined
  ) => Effect.Effect<{ readonly subscriptionArn: string }, SnsError>
  /** `ctx` is undefined for the unsigned UnsubscribeURL link. */
  readonly unsubscribe: (subscriptionArn: string, ctx: RequestContext | undefined) => Effect.Effect<void, SnsError>
  readonly listSubscriptions: (
    nextToken: string | undefined,
    ctx: RequestContext
  ) => Effect.Effect<{ readonly subscriptions: ReadonlyArray<SubscriptionSummary>; readonly nextToken: string | undefined }, SnsError>
  readonly listSubscriptionsByTopic: (
    topicArn: string,
    nextToken: string | undefined,
    ctx: RequestContext
  ) => Effect.Effect<{ readonly subscriptions: ReadonlyArray<SubscriptionSummary>; readonly nextToken: string | undefined }, SnsError>
  readonly getSubscriptionAttributes: (
    subscriptionArn: string,
    ctx: RequestContext
  ) => Effect.Effect<Record<string, string>, SnsError>
  readonly setSubscriptionAttributes: (
    subscriptionArn: string,
    name: string,
    value: string,
    ctx: RequestContext
  ) => Effect.Effect<void, SnsError>
  readonly publish: (input: Publish.PublishInput, ctx: RequestContext) => Effect.Effect<PublishResult, SnsError>
  /**
   * `publish` outside the runtime when nothing in it waits but the commit (`Publisher.publishNow`):
   * false, with nothing done, when `publish` must take the message.
   */
  readonly publishNow?: (
    input: Publish.PublishInput,
    ctx: RequestContext,
    done: (result: Either.Either<PublishResult, SnsError>) => void
  ) => boolean
  readonly publishBatch: (
    topicArn: string,
    entries: ReadonlyArray<Publish.BatchEntryInput>,
    ctx: RequestContext
  ) => Effect.Effect<PublishBatchResult, SnsError>
  readonly tagResource: (resourceArn: string, tags: ReadonlyArray<Topic.Tag>, ctx: RequestContext) => Effect.Effect<void, SnsError>
  readonly untagResource: (resourceArn: string, keys: ReadonlyArray<string>, ctx: RequestContext) => Effect.Effect<void, SnsError>
  readonly listTagsForResource: (resourceArn: string, ctx: RequestContext) => Effect.Effect<ReadonlyArray<Topic.Tag>, SnsError>
  readonly addPermission: (
    input: {
      readonly topicArn: string
      readonly label: string
      readonly accountIds: ReadonlyArray<string>
      readonly actions: ReadonlyArray<string>
    },
    ctx: RequestContext
  ) => Effect.Effect<void, SnsError>
  readonly removePermission: (topicArn: string, label: string, ctx: RequestContext) => Effect.Effect<void, SnsError>
  readonly getDataProtectionPolicy: (resourceArn: string, ctx: RequestContext) => Effect.Effect<string | undefined, SnsError>
  readonly putDataProtectionPolicy: (resourceArn: string, policy: string, ctx: RequestContext) => Effect.Effect<void, SnsError>

  readonly createPlatformApplication: (
    input: Platform.CreateApplicationInput,
    ctx: RequestContext
  ) => Effect.Effect<{ readonly platformApplicationArn: string }, SnsError>
  readonly getPlatformApplicationAttributes: (arn: string, ctx: RequestContext) => Effect.Effect<Record<string, string>, SnsError>
  readonly setPlatformApplicationAttributes: (
    arn: string,
    attributes: Readonly<Record<string, string>>,
    ctx: RequestContext
  ) => Effect.Effect<void, SnsError>
  readonly listPlatformApplications: (
    nextToken: string | undefined,
    ctx: RequestContext
  ) => Effect.Effect<{ readonly items: ReadonlyArray<ArnWithAttributes>; readonly nextToken: string | undefined }, SnsError>
  readonly deletePlatformApplication: (arn: string, ctx: RequestContext) => Effect.Effect<void, SnsError>
  readonly createPlatformEndpoint: (
    input: Platform.CreateEndpointInput,
    ctx: RequestContext
  ) => Effect.Effect<{ readonly endpointArn: string }, SnsError>
  readonly getEndpointAttributes: (arn: string, ctx: RequestContext) => Effect.Effect<Record<string, string>, SnsError>
  readonly setEndpointAttributes: (
    arn: string,
    attributes: Readonly<Record<string, string>>,
    ctx: RequestContext
  ) => Effect.Effect<void, SnsError>
  readonly listEndpointsByPlatformApplication: (
    applicationArn: string,
    nextToken: string | undefined,
    ctx: RequestContext
  ) => Effect.Effect<{ readonly items: ReadonlyArray<ArnWithAttributes>; readonly nextToken: string | undefined }, SnsError>
  readonly deleteEndpoint: (arn: string, ctx: RequestContext) => Effect.Effect<void, SnsError>

  readonly setSmsAttributes: (attributes: Readonly<Record<string, string>>, ctx: RequestContext) => Effect.Effect<void, SnsError>
  readonly getSmsAttributes: (names: ReadonlyArray<string>, ctx: RequestContext) => Effect.Effect<Record<string, string>, SnsError>
  readonly checkIfPhoneNumberIsOptedOut: (phoneNumber: string, ctx: RequestContext) => Effect.Effect<boolean, SnsError>
  readonly listPhoneNumbersOptedOut: (
    nextToken: string | undefined,
    ctx: RequestContext
  ) => Effect.Effect<{ readonly phoneNumbers: ReadonlyArray<string>; readonly nextToken: string | undefined }, SnsError>
  readonly optInPhoneNumber: (phoneNumber: string, ctx: RequestContext) => Effect.Effect<void, SnsError>
  readonly getSmsSandboxAccountStatus: (ctx: RequestContext) => Effect.Effect<{ readonly isInSandbox: boolean }, SnsError>
  readonly createSmsSandboxPhoneNumber: (
    phoneNumber: string,
    languageCode: string | undefined,
    ctx: RequestContext
  ) => Effect.Effect<void, SnsError>
  readonly verifySmsSandboxPhoneNumber: (phoneNumber: string, oneTimePassword: string, ctx: RequestContext) => Effect.Effect<void, SnsError>
  readonly deleteSmsSandboxPhoneNumber: (phoneNumber: string, ctx: RequestContext) => Effect.Effect<void, SnsError>
  readonly listSmsSandboxPhoneNumbers: (
    nextToken: string | undefined,
    maxResults: number | undefined,
    ctx: RequestContext
  ) => Effect.Effect<
    { readonly phoneNumbers: ReadonlyArray<{ readonly phoneNumber: string; readonly status: string }>; readonly nextToken: string | undefined },
    SnsError
  >
  readonly listOriginationNumbers: (
    nextToken: string | undefined,
    maxResults: number | undefined,
    ctx: RequestContext
  ) => Effect.Effect<{ readonly phoneNumbers: ReadonlyArray<never>; readonly nextToken: string | undefined }, SnsError>

  /** The registry as it is now (delivery and inspection read it). */
  readonly registry: Effect.Effect<Registry.Registry>
  /**
   * Puts in force the topics and subscriptions other brokers sharing the store committed since it
   * was last read; a request runs it first (docs/ARCHITECTURE.md, "A cluster").
   */
  readonly catchUp: Effect.Effect<void, StoreFailure>
  /**
   * The body of a stored message in plaintext, for delivery only: a sealed body is opened with its
   * data key (KMS Decrypt, reused for up to 5 minutes).
   */
  readonly openBody: (message: StoredMessage) => Effect.Effect<string, KmsFailure | CipherOpenError>
  /**
   * `openBody` at `at` when nothing has to wait (a plain body, or a data key opened in the last 5
   * minutes), as plain code; else undefined, and `openBody` opens it. Delivery tries this first, so
   * a sealed body costs no fiber (docs/PERFORMANCE.md, "Opening a sealed body without a fiber").
   */
  readonly openBodyNow: (message: StoredMessage, at: number) => Either.Either<string, CipherOpenError> | undefined
  /**
   * Records a step of a subscription's replay, which the shell carries out (`Registry.advanceReplay`:
   * a step for a replay that a newer ReplayPolicy superseded changes nothing).
   */
  readonly advanceReplay: (subscriptionArn: string, replay: Replay.Replay, event: Replay.Event) => Effect.Effect<void, StoreFailure>
  /** Events for the shell (delivery, metrics). */
  readonly events: Effect.Effect<Queue.Dequeue<Event>, never, Scope.Scope>
}

/**
 * @category services
 */
export class Sns extends Context.Tag("@sealcast/core/Sns")<Sns, SnsService>() {}

/** The account a principal ARN belongs to (`arn:aws:iam::<account>:…`). */
const accountOfPrincipal = (principalArn: string): string => principalArn.split(":")[4] ?? ""

const summary = (s: Subscription.Subscription): SubscriptionSummary => ({
  subscriptionArn: s.status === "Confirmed" ? s.arn : "PendingConfirmation",
  owner: s.accountId,
  protocol: s.protocol,
  endpoint: s.endpoint,
  topicArn: s.topicArn
})

/**
 * Builds the service from its ports. Loads the registry from the store once.
 *
 * @category constructors
 */
export const make: Effect.Effect<SnsService, StoreFailure, Kms | MessageStore | RegistryStore | Cipher | Ids> = Effect.gen(
  function* () {
    const cipher = yield* Cipher
    const ids = yield* Ids
    const messages = yield* MessageStore
    const pubsub = yield* PubSub.unbounded<Event>()
    const fifo = yield* FifoSequencer.make(messages)
    const registryRef = yield* RegistryRef.make((changes) => {
      for (const change of changes) if (change._tag === "DeleteTopic") fifo.forget(change.topicArn)
      return PubSub.publish(pubsub, { _tag: "RegistryChanged", changes })
    })
    const currentRegistry = registryRef.get
    const mutate = registryRef.mutate
    // The data-key caches and the AAD prefix memo live and die with this service value; Publish seals
    // with them and `openBody` opens with them.
    const dataKeys = yield* DataKeys.make
    const aadPrefixOf = Encryption.makeAadPrefixes()
    // The events PubSub is unbounded, so offering never waits.
    const publisher = yield* Publisher.make({
      registry: registryRef,
      dataKeys,
      aadPrefixOf,
      fifo,
      announce: (accepted) => pubsub.unsafeOffer(accepted)
    })

    const now = Clock.currentTimeMillis

    const checkFilterPolicy =
      (call: "Subscribe" | "SetSubscriptionAttributes") =>
      (policy: string, scope: string): Either.Either<void, InvalidParameter> =>
        Either.map(Routing.compile(policy, scope, call), () => undefined)

    // Every request naming an encrypted topic, or a subscription to one, needs HTTPS and SigV4
    // (docs/SEMANTICS.md §1.9): these read the topic as it is now.
    const secureForTopic = (topicArn: string, ctx: RequestContext | undefined) =>
      Encryption.requireSecureTransportIfAny(registryRef.unsafeGet().topics.get(topicArn), ctx)
    const secureForSubscription = (subscriptionArn: string, ctx: RequestContext | undefined) => {
      const current = registryRef.unsafeGet()
      const subscription = current.subscriptions.get(subscriptionArn)
      return Encryption.requireSecureTransportIfAny(subscription === undefined ? undefined : current.topics.get(subscription.topicArn), ctx)
    }

    const service: SnsService = {
      createTopic: (input, ctx) =>
        Effect.gen(function* () {
          const at = yield* now
          // An encrypted topic, asked for or already there, is only touched over HTTPS with SigV4;
          // checked before anything is created (docs/SEMANTICS.md §1.9).
          const requested = yield* Topic.make(input, ctx, at)
          yield* Encryption.requireSecureTransport(requested, ctx)
          const existing = registryRef.unsafeGet().topics.get(requested.arn)
          if (existing !== undefined) yield* Encryption.requireSecureTransport(existing, ctx)
          const topic = yield* mutate((r) => Registry.createTopic(r, input, ctx, at))
          return { topicArn: topic.arn }
        }),

      deleteTopic: (topicArn, ctx) =>
        Effect.gen(function* () {
          const topic = registryRef.unsafeGet().topics.get(topicArn)
          if (topic !== undefined) yield* Encryption.requireSecureTransport(topic, ctx)
          yield* mutate((r) => Registry.deleteTopic(r, topicArn, ctx))
        }),

      listTopics: (nextToken, ctx) =>
        Effect.gen(function* () {
          const registry = yield* currentRegistry
          const arns = [...registry.topics.values()].filter((t) => t.accountId === ctx.accountId).map((t) => t.arn).sort()
          const page = yield* Paging.page(arns, nextToken, PAGE_SIZE)
          return { topicArns: page.items, nextToken: page.nextToken }
        }),

      getTopicAttributes: (topicArn, ctx) =>
        Effect.gen(function* () {
          const registry = yield* currentRegistry
          const topic = yield* Registry.topicFor(registry, topicArn, ctx, "GetTopicAttributes")
          yield* Encryption.requireSecureTransport(topic, ctx)
          return Topic.describe(topic, Registry.subscriptionCounts(registry, topic.arn), yield* now)
        }),

      setTopicAttributes: (topicArn, name, value, ctx) =>
        Effect.gen(function* () {
          const registry = yield* currentRegistry
          const topic = yield* Registry.findTopic(registry, topicArn)
          // Turning encryption on must itself come over HTTPS with SigV4, as must any change to an
          // encrypted topic (docs/SEMANTICS.md §1.9).
          const at = yield* now
          const after = name === "KmsMasterKeyId" ? yield* Topic.setAttribute(topic, name, value, at) : topic
          yield* Encryption.requireSecureTransport(topic, ctx)
          yield* Encryption.requireSecureTransport(after, ctx)
          yield* mutate((r) => Registry.setTopicAttribute(r, topicArn, name, value, ctx, at))
        }),

      subscribe: (input, ctx) =>
        Effect.gen(function* () {
          yield* secureForTopic(input.topicArn, ctx)
          const at = yield* now
          const id = yield* ids.uuid
          const token = Array.from(yield* ids.randomBytes(32), (b) => b.toString(16).padStart(2, "0")).join("")
          const subscription = yield* mutate((r) => Registry.subscribe(r, input, ctx, at, { id, token }, checkFilterPolicy("Subscribe")))
          return {
            subscriptionArn:
              subscription.status === "Confirmed" || input.returnSubscriptionArn ? subscription.arn : "pending confirmation"
          }
        }),

      confirmSubscription: (input, ctx) =>
        Effect.map(
          Effect.zipRight(secureForTopic(input.topicArn, ctx), mutate((r) => Registry.confirmSubscription(r, input.topicArn, input.token, ctx !== undefined && input.authenticateOnUnsubscribe))),
          (s) => ({ subscriptionArn: s.arn })
        ),

      unsubscribe: (subscriptionArn, ctx) =>
        Effect.zipRight(secureForSubscription(subscriptionArn, ctx), mutate((r) => Registry.unsubscribe(r, subscriptionArn, ctx))),

      listSubscriptions: (nextToken, ctx) =>
        Effect.gen(function* () {
          const registry = yield* currentRegistry
          const mine = [...registry.subscriptions.values()].filter((s) => s.accountId === ctx.accountId)
          const page = yield* Paging.page(mine, nextToken, PAGE_SIZE)
          return { subscriptions: page.items.map(summary), nextToken: page.nextToken }
        }),

      listSubscriptionsByTopic: (topicArn, nextToken, ctx) =>
        Effect.gen(function* () {
          const registry = yield* currentRegistry
          const topic = yield* Registry.topicFor(registry, topicArn, ctx, "ListSubscriptionsByTopic")
          yield* Encryption.requireSecureTransport(topic, ctx)
          const page = yield* Paging.page(Registry.subscriptionsOf(registry, topic.arn), nextToken, PAGE_SIZE)
          return { subscriptions: page.items.map(summary), nextToken: page.nextToken }
        }),

      getSubscriptionAttributes: (subscriptionArn, ctx) =>
        Effect.gen(function* () {
          const registry = yield* currentRegistry
          const s = yield* Registry.findSubscription(registry, subscriptionArn)
          yield* Registry.authorizeSubscription(registry, s, ctx, "GetSubscriptionAttributes")
          const topic = registry.topics.get(s.topicArn)
          yield* Encryption.requireSecureTransportIfAny(topic, ctx)
          const http = s.protocol === "http" || s.protocol === "https"
          const effective = http ? Routing.effectiveDeliveryPolicy(topic, s) : undefined
          return Subscription.describe(s, effective)
        }),

      setSubscriptionAttributes: (subscriptionArn, name, value, ctx) =>
        Effect.zipRight(
          secureForSubscription(subscriptionArn, ctx),
          Effect.flatMap(now, (at) => mutate((r) => Registry.setSubscriptionAttribute(r, subscriptionArn, name, value, ctx, checkFilterPolicy("SetSubscriptionAttributes"), at)))
        ),

      publish: publisher.publish,
      publishNow: publisher.publishNow,

      publishBatch: publisher.publishBatch,

      tagResource: (resourceArn, tags, ctx) =>
        Effect.zipRight(secureForTopic(resourceArn, ctx), mutate((r) =>
          Either.gen(function* () {
            const topic = yield* Registry.resourceFor(r, resourceArn, ctx, "TagResource")
            const merged = yield* Topic.validateTags(topic.tags, tags)
            return Registry.updateTopic(r, { ...topic, tags: merged })
          })
        )),

      untagResource: (resourceArn, keys, ctx) =>
        Effect.zipRight(secureForTopic(resourceArn, ctx), mutate((r) =>
          Either.gen(function* () {
            const topic = yield* Registry.resourceFor(r, resourceArn, ctx, "UntagResource")
            yield* Topic.validateTagKeys(keys)
            return Registry.updateTopic(r, { ...topic, tags: topic.tags.filter((t) => !keys.includes(t.key)) })
          })
        )),

      listTagsForResource: (resourceArn, ctx) =>
        Effect.zipRight(secureForTopic(resourceArn, ctx), Effect.map(
          Effect.flatMap(currentRegistry, (r) => Registry.resourceFor(r, resourceArn, ctx, "ListTagsForResource")),
          (topic) => topic.tags
        )),

      addPermission: (input, ctx) =>
        Effect.zipRight(secureForTopic(input.topicArn, ctx), mutate((r) =>
          Either.gen(function* () {
            const topic = yield* Registry.topicFor(r, input.topicArn, ctx, "AddPermission")
            return Registry.updateTopic(r, yield* Permissions.add(topic, input.label, input.accountIds, input.actions))
          })
        )),

      removePermission: (topicArn, label, ctx) =>
        Effect.zipRight(secureForTopic(topicArn, ctx), mutate((r) =>
          Either.gen(function* () {
            const topic = yield* Registry.topicFor(r, topicArn, ctx, "RemovePermission")
            return Registry.updateTopic(r, yield* Permissions.remove(topic, label))
          })
        )),

      getDataProtectionPolicy: (resourceArn, ctx) =>
        Effect.zipRight(secureForTopic(resourceArn, ctx), Effect.map(
          Effect.flatMap(currentRegistry, (r) => Registry.resourceFor(r, resourceArn, ctx, "GetDataProtectionPolicy")),
          (topic) => topic.dataProtectionPolicy
        )),

      putDataProtectionPolicy: (resourceArn, policy, ctx) =>
        Effect.zipRight(secureForTopic(resourceArn, ctx), Effect.flatMap(now, (at) => mutate((r) =>
          Either.gen(function* () {
            const topic = yield* Registry.resourceFor(r, resourceArn, ctx, "PutDataProtectionPolicy")
            return Registry.updateTopic(r, yield* Topic.setAttribute(topic, "DataProtectionPolicy", policy, at))
          })
        ))),

      createPlatformApplication: (input, ctx) =>
        Effect.flatMap(now, (at) =>
          Effect.map(mutate((r) => Platform.createApplication(r, input, ctx, at)), (a) => ({ platformApplicationArn: a.arn }))
        ),

      getPlatformApplicationAttributes: (arn, ctx) =>
        Effect.map(
          Effect.flatMap(currentRegistry, (r) => Platform.applicationFor(r, arn, ctx, "GetPlatformApplicationAttributes")),
          Platform.describeApplication
        ),

      setPlatformApplicationAttributes: (arn, attributes, ctx) => mutate((r) => Platform.setApplicationAttributes(r, arn, attributes, ctx)),

      listPlatformApplications: (nextToken, ctx) =>
        Effect.gen(function* () {
          const registry = yield* currentRegistry
          const mine = [...registry.platformApplications.values()].filter((a) => a.accountId === ctx.accountId)
          const page = yield* Paging.page(mine, nextToken, Platform.PAGE_SIZE)
          return { items: page.items.map((a) => ({ arn: a.arn, attributes: Platform.describeApplication(a) })), nextToken: page.nextToken }
        }),

      deletePlatformApplication: (arn, ctx) => mutate((r) => Platform.deleteApplication(r, arn, ctx)),

      createPlatformEndpoint: (input, ctx) =>
        Effect.gen(function* () {
          const at = yield* now
          const id = yield* ids.uuid
          const endpoint = yield* mutate((r) => Platform.createEndpoint(r, input, ctx, at, id))
          return { endpointArn: endpoint.arn }
        }),

      getEndpointAttributes: (arn, ctx) =>
        Effect.map(Effect.flatMap(currentRegistry, (r) => Platform.endpointFor(r, arn, ctx, "GetEndpointAttributes")), Platform.describeEndpoint),

      setEndpointAttributes: (arn, attributes, ctx) => mutate((r) => Platform.setEndpointAttributes(r, arn, attributes, ctx)),

      listEndpointsByPlatformApplication: (applicationArn, nextToken, ctx) =>
        Effect.gen(function* () {
          const registry = yield* currentRegistry
          const application = yield* Platform.applicationFor(registry, applicationArn, ctx, "ListEndpointsByPlatformApplication")
          const page = yield* Paging.page(Platform.endpointsOf(registry, application.arn), nextToken, Platform.PAGE_SIZE)
          return { items: page.items.map((e) => ({ arn: e.arn, attributes: Platform.describeEndpoint(e) })), nextToken: page.nextToken }
        }),

      deleteEndpoint: (arn, ctx) => mutate((r) => Platform.deleteEndpoint(r, arn, ctx)),

      setSmsAttributes: (attributes, ctx) => mutate((r) => Sms.setAttributes(r, ctx.accountId, attributes)),

      getSmsAttributes: (names, ctx) => Effect.map(currentRegistry, (r) => Sms.getAttributes(r, ctx.accountId, names)),

      // No phone replies STOP to a local broker, so no number is ever opted out (docs/SEMANTICS.md §7).
      checkIfPhoneNumberIsOptedOut: (phoneNumber) => Effect.as(Sms.validatePhoneNumber(phoneNumber, "phoneNumber"), false),

      listPhoneNumbersOptedOut: (nextToken) =>
        Effect.map(Paging.page<string>([], nextToken, PAGE_SIZE), (page) => ({ phoneNumbers: page.items, nextToken: page.nextToken })),

      optInPhoneNumber: (phoneNumber) => Effect.asVoid(Sms.validatePhoneNumber(phoneNumber, "phoneNumber")),

      // Out of the sandbox from the start: any number can be texted (docs/SEMANTICS.md §7).
      getSmsSandboxAccountStatus: () => Effect.succeed({ isInSandbox: false }),

      createSmsSandboxPhoneNumber: (phoneNumber, languageCode, ctx) =>
        Effect.gen(function* () {
          const at = yield* now
          const digits = Array.from(yield* ids.randomBytes(6), (b) => String(b % 10)).join("")
          const added = yield* mutate((r) => Sms.createSandboxNumber(r, ctx.accountId, phoneNumber, languageCode, digits))
          if (added.oneTimePassword === undefined) return
          pubsub.unsafeOffer({
            _tag: "DirectMessageAccepted",
            kind: "sms",
            accountId: ctx.accountId,
            target: added.phoneNumber,
            messageId: ids.unsafeUuidV7(at),
            subject: undefined,
            text: `Your Amazon SNS verification code is: ${added.oneTimePassword}`,
            timestamp: at
          })
        }),

      verifySmsSandboxPhoneNumber: (phoneNumber, oneTimePassword, ctx) =>
        mutate((r) => Sms.verifySandboxNumber(r, ctx.accountId, phoneNumber, oneTimePassword)),

      deleteSmsSandboxPhoneNumber: (phoneNumber, ctx) => mutate((r) => Sms.deleteSandboxNumber(r, ctx.accountId, phoneNumber)),

      listSmsSandboxPhoneNumbers: (nextToken, maxResults, ctx) =>
        Effect.gen(function* () {
          if (maxResults !== undefined && (maxResults < 1 || maxResults > 100)) return yield* Effect.fail(invalidParameter("MaxResults"))
          const numbers = Sms.accountOf(yield* currentRegistry, ctx.accountId).sandboxNumbers
          const page = yield* Paging.page(numbers, nextToken, maxResults ?? 100)
          return { phoneNumbers: page.items.map((n) => ({ phoneNumber: n.phoneNumber, status: n.status })), nextToken: page.nextToken }
        }),

      // A local broker owns no origination numbers: texts go to the outbox.
      listOriginationNumbers: (nextToken, maxResults) =>
        Effect.gen(function* () {
          if (maxResults !== undefined && (maxResults < 1 || maxResults > 30)) return yield* Effect.fail(invalidParameter("MaxResults"))
          const page = yield* Paging.page<never>([], nextToken, maxResults ?? 30)
          return { phoneNumbers: page.items, nextToken: page.nextToken }
        }),

      registry: currentRegistry,
      catchUp: registryRef.catchUp,

      // Runs for every delivery of a sealed body: the clock is read in place, and a data key opened
      // in the last 5 minutes is used without a KMS call or a generator.
      openBody: (message) => {
        const body = message.body
        if (body._tag === "Plain") return Effect.succeed(body.text)
        return Effect.clockWith((clock) => {
          const at = clock.unsafeCurrentTimeMillis()
          const caller = { accountId: accountOfPrincipal(message.publisher), principalArn: message.publisher }
          return Encryption.openBody({ dataKeys, cipher, aadPrefixOf }, body.envelope, message.topicArn, caller, message.messageId, at)
        })
      },
      openBodyNow: (message, at) => {
        const body = message.body
        if (body._tag === "Plain") return Either.right(body.text)
        return Encryption.openBodyNow({ dataKeys, cipher, aadPrefixOf }, body.envelope, message.topicArn, message.messageId, at)
      },

      advanceReplay: (subscriptionArn, replay, event) => mutate((r) => Registry.advanceReplay(r, subscriptionArn, replay, event)),

      events: PubSub.subscribe(pubsub)
    }
    return service
  }
)

/**
 * @category layers
 */
export const layer: Layer.Layer<Sns, StoreFailure, Kms | MessageStore | RegistryStore | Cipher | Ids> = Layer.effect(Sns, make)
