/**
 * The oracle: what SNS (and KMS, as far as SNS sees its keys) must answer, computed by the pure
 * functions Sealcast's broker runs (`@sealcast/core` for topics, subscriptions, filter policies,
 * publish checks, FIFO deduplication and the encryption rules; `@sealcast/kms-sim` for key states and
 * identifiers). Nothing here restates a rule: each function composes the core's in the order the
 * broker's service does (packages/core/src/Sns.ts and Publisher.ts), and returns either the error
 * code the endpoint must answer or the value it must agree with.
 *
 * @since 0.1.0
 */
import * as Encryption from "@sealcast/core/Encryption"
import type { InvalidParameter } from "@sealcast/core/Errors"
import * as Fifo from "@sealcast/core/Fifo"
import * as Kms from "@sealcast/core/Kms"
import type { MessageAttributes } from "@sealcast/core/Message"
import * as Publish from "@sealcast/core/Publish"
import * as Registry from "@sealcast/core/Registry"
import type { RequestContext } from "@sealcast/core/RequestContext"
import * as Routing from "@sealcast/core/Routing"
import type { Subscription } from "@sealcast/core/Subscription"
import * as Topic from "@sealcast/core/Topic"
import * as Identifiers from "@sealcast/kms-sim/Identifiers"
import * as Key from "@sealcast/kms-sim/Key"
import { Either } from "effect"

/**
 * What the model expects of one call: an error code, or success with a value to compare.
 *
 * @category models
 */
export type Expected<A> = { readonly ok: false; readonly code: string } | { readonly ok: true; readonly value: A }

const refused = (code: string): Expected<never> => ({ ok: false, code })
const accepted = <A>(value: A): Expected<A> => ({ ok: true, value })
const fromEither = <A>(either: Either.Either<A, { readonly _tag: string }>): Expected<A> =>
  Either.isLeft(either) ? refused(either.left._tag) : accepted(either.right)

/**
 * The endpoint as the model sees it: the SNS registry, the KMS keys and aliases, each FIFO topic's
 * deduplication state, and where each subscription delivers in the kit's receiver.
 *
 * @category models
 */
export interface ModelState {
  readonly accountId: string
  readonly region: string
  registry: Registry.Registry
  keys: Map<string, Key.KeyRecord>
  aliases: Map<string, Identifiers.AliasRecord>
  fifo: Map<string, Fifo.FifoState>
  /** The model's confirmation token of each pending subscription, by subscription ARN. */
  readonly tokens: Map<string, string>
}

/**
 * @category constructors
 */
export const empty = (accountId: string, region: string): ModelState => ({
  accountId,
  region,
  registry: Registry.empty(),
  keys: new Map(),
  aliases: new Map(),
  fifo: new Map(),
  tokens: new Map()
})

/**
 * The caller as the core sees it: the run's credentials, over the transport the call took, signed
 * with SigV4.
 *
 * @category constructors
 */
export const contextOf = (model: ModelState, transport: "https" | "http"): RequestContext => ({
  accountId: model.accountId,
  principalArn: `arn:aws:iam::${model.accountId}:root`,
  region: model.region,
  transport,
  auth: "sigv4"
})

const checkFilterPolicy =
  (call: "Subscribe" | "SetSubscriptionAttributes") =>
  (policy: string, scope: string): Either.Either<void, InvalidParameter> =>
    Either.map(Routing.compile(policy, scope, call), () => undefined)

/**
 * CreateTopic, with the transport rule first (packages/core/src/Sns.ts, createTopic).
 *
 * @category operations
 */
export const createTopic = (
  model: ModelState,
  name: string,
  attributes: Readonly<Record<string, string>>,
  ctx: RequestContext
): Expected<string> => {
  const input: Topic.CreateTopicInput = { name, attributes, tags: [], dataProtectionPolicy: undefined }
  const now = Date.now()
  const requested = Topic.make(input, ctx, now)
  if (Either.isLeft(requested)) return refused(requested.left._tag)
  const secure = Encryption.requireSecureTransport(requested.right, ctx)
  if (Either.isLeft(secure)) return refused(secure.left._tag)
  const existing = model.registry.topics.get(requested.right.arn)
  if (existing !== undefined) {
    const again = Encryption.requireSecureTransport(existing, ctx)
    if (Either.isLeft(again)) return refused(again.left._tag)
  }
  const changed = Registry.createTopic(model.registry, input, ctx, now)
  if (Either.isLeft(changed)) return refused(changed.left._tag)
  model.registry = changed.right.registry
  return accepted(changed.right.result.arn)
}

/**
 * DeleteTopic; the topic's FIFO state goes with it.
 *
 * @category operations
 */
export const deleteTopic = (model: ModelState, topicArn: string, ctx: RequestContext): Expected<void> => {
  const topic = model.registry.topics.get(topicArn)
  if (topic !== undefined) {
    const secure = Encryption.requireSecureTransport(topic, ctx)
    if (Either.isLeft(secure)) return refused(secure.left._tag)
  }
  const changed = Registry.deleteTopic(model.registry, topicArn, ctx)
  if (Either.isLeft(changed)) return refused(changed.left._tag)
  model.registry = changed.right.registry
  model.fifo.delete(topicArn)
  return accepted(undefined)
}

/**
 * SetTopicAttributes: the topic as it was and as it would be must both allow the transport
 * (packages/core/src/Sns.ts, setTopicAttributes).
 *
 * @category operations
 */
export const setTopicAttribute = (
  model: ModelState,
  topicArn: string,
  name: string,
  value: string,
  ctx: RequestContext
): Expected<void> => {
  const topic = Registry.findTopic(model.registry, topicArn)
  if (Either.isLeft(topic)) return refused(topic.left._tag)
  if (name === "KmsMasterKeyId") {
    const after = Topic.setAttribute(topic.right, name, value, Date.now())
    if (Either.isLeft(after)) return refused(after.left._tag)
    const secureAfter = Encryption.requireSecureTransport(after.right, ctx)
    const secureBefore = Encryption.requireSecureTransport(topic.right, ctx)
    if (Either.isLeft(secureBefore)) return refused(secureBefore.left._tag)
    if (Either.isLeft(secureAfter)) return refused(secureAfter.left._tag)
  } else {
    const secure = Encryption.requireSecureTransport(topic.right, ctx)
    if (Either.isLeft(secure)) return refused(secure.left._tag)
  }
  const changed = Registry.setTopicAttribute(model.registry, topicArn, name, value, ctx, Date.now())
  if (Either.isLeft(changed)) return refused(changed.left._tag)
  model.registry = changed.right.registry
  return accepted(undefined)
}

/**
 * GetTopicAttributes: the attributes as SNS describes the topic.
 *
 * @category operations
 */
export const topicAttributes = (
  model: ModelState,
  topicArn: string,
  ctx: RequestContext
): Expected<Record<string, string>> => {
  const topic = Registry.topicFor(model.registry, topicArn, ctx, "GetTopicAttributes")
  if (Either.isLeft(topic)) return refused(topic.left._tag)
  const secure = Encryption.requireSecureTransport(topic.right, ctx)
  if (Either.isLeft(secure)) return refused(secure.left._tag)
  return accepted(Topic.describe(topic.right, Registry.subscriptionCounts(model.registry, topicArn), Date.now()))
}

/**
 * Subscribe. `subscriptionId` is the last part of the ARN the endpoint answered with, so the model's
 * ARNs are the endpoint's; the model's confirmation token is the same id.
 *
 * @category operations
 */
export const subscribe = (
  model: ModelState,
  input: Registry.SubscribeInput,
  subscriptionId: string,
  ctx: RequestContext
): Expected<Subscription> => {
  const topic = model.registry.topics.get(input.topicArn)
  if (topic !== undefined) {
    const secure = Encryption.requireSecureTransport(topic, ctx)
    if (Either.isLeft(secure)) return refused(secure.left._tag)
  }
  const changed = Registry.subscribe(model.registry, input, ctx, Date.now(), { id: subscriptionId, token: subscriptionId }, checkFilterPolicy("Subscribe"))
  if (Either.isLeft(changed)) return refused(changed.left._tag)
  model.registry = changed.right.registry
  const subscription = changed.right.result
  if (subscription.confirmationToken !== undefined) model.tokens.set(subscription.arn, subscription.confirmationToken)
  return accepted(subscription)
}

/**
 * ConfirmSubscription with the token SNS sent to the subscription `subscriptionArn`.
 *
 * @category operations
 */
export const confirmSubscription = (model: ModelState, topicArn: string, subscriptionArn: string): Expected<Subscription> => {
  const token = model.tokens.get(subscriptionArn) ?? ""
  const changed = Registry.confirmSubscription(model.registry, topicArn, token, false)
  if (Either.isLeft(changed)) return refused(changed.left._tag)
  model.registry = changed.right.registry
  model.tokens.delete(subscriptionArn)
  return accepted(changed.right.result)
}

/**
 * Unsubscribe, signed.
 *
 * @category operations
 */
export const unsubscribe = (model: ModelState, subscriptionArn: string, ctx: RequestContext): Expected<void> => {
  const changed = Registry.unsubscribe(model.registry, subscriptionArn, ctx)
  if (Either.isLeft(changed)) return refused(changed.left._tag)
  model.registry = changed.right.registry
  model.tokens.delete(subscriptionArn)
  return accepted(undefined)
}

/**
 * SetSubscriptionAttributes.
 *
 * @category operations
 */
export const setSubscriptionAttribute = (
  model: ModelState,
  subscriptionArn: string,
  name: string,
  value: string,
  ctx: RequestContext
): Expected<void> => {
  const changed = Registry.setSubscriptionAttribute(model.registry, subscriptionArn, name, value, ctx, checkFilterPolicy("SetSubscriptionAttributes"), Date.now())
  if (Either.isLeft(changed)) return refused(changed.left._tag)
  model.registry = changed.right.registry
  return accepted(undefined)
}

/**
 * The key a topic's KmsMasterKeyId names, checked as SNS checks it on every publish: it resolves in
 * the caller's account (KMS's identifier rules), is a symmetric encryption key and is Enabled; a
 * KMS refusal becomes SNS's `KMS*` error (docs/SEMANTICS.md §1.7, §2).
 *
 * @category rules
 */
export const checkKeyForPublish = (model: ModelState, keyIdText: string): Either.Either<void, string> => {
  const directory: Identifiers.Directory = { keys: model.keys, aliases: model.aliases }
  const usable = Identifiers.parseKeyRef(keyIdText).pipe(
    Either.flatMap((ref) => Identifiers.resolve(directory, ref, model.region, model.accountId, true)),
    Either.flatMap((key) => Key.checkSymmetricUse(key, "GenerateDataKey")),
    Either.flatMap(Key.checkEnabled)
  )
  return Either.isLeft(usable) ? Either.left(Kms.failureFor(usable.left._tag, usable.left.message)._tag) : Either.void
}

/**
 * A message the model accepted: who must receive it, and its FIFO ids.
 *
 * @category models
 */
export interface Accepted {
  readonly subscriptionArns: ReadonlyArray<string>
  readonly fifo: { readonly messageGroupId: string; readonly messageDeduplicationId: string } | undefined
}

/** One message's checks after its topic's, in the order of Publisher.prepare. */
const prepareMessage = (model: ModelState, topic: Topic.Topic, input: Publish.MessageInput): Expected<Accepted> => {
  const valid = Publish.validateMessage(topic, input)
  if (Either.isLeft(valid)) return refused(valid.left._tag)
  const plan = Encryption.planBody(topic)
  if (plan._tag === "Seal") {
    const key = checkKeyForPublish(model, plan.kmsKeyId)
    if (Either.isLeft(key)) return refused(key.left)
  }
  const routing = Routing.route(Registry.recipientsOf(model.registry, topic.arn), { attributes: valid.right.attributes, body: valid.right.body })
  return accepted({ subscriptionArns: routing.subscriptionArns, fifo: valid.right.fifo })
}

const topicForPublish = (model: ModelState, topicArn: string, ctx: RequestContext): Expected<Topic.Topic> =>
  fromEither(
    Either.flatMap(Registry.topicFor(model.registry, topicArn, ctx, "Publish"), (topic) =>
      Either.map(Encryption.requireSecureTransport(topic, ctx), () => topic)
    )
  )

/**
 * Publish, up to FIFO sequencing, which needs the endpoint's MessageId (see `sequence`).
 *
 * @category operations
 */
export const publish = (model: ModelState, topicArn: string, input: Publish.MessageInput, ctx: RequestContext): Expected<Accepted> => {
  const topic = topicForPublish(model, topicArn, ctx)
  return topic.ok ? prepareMessage(model, topic.value, input) : topic
}

/**
 * What PublishBatch must answer: a refusal of the whole request, or each entry's own outcome.
 *
 * @category operations
 */
export const publishBatch = (
  model: ModelState,
  topicArn: string,
  entries: ReadonlyArray<Publish.BatchEntryInput>,
  ctx: RequestContext
): Expected<ReadonlyArray<{ readonly id: string; readonly outcome: Expected<Accepted> }>> => {
  const topic = topicForPublish(model, topicArn, ctx)
  if (!topic.ok) return topic
  const batch = Publish.validateBatch(entries)
  if (Either.isLeft(batch)) return refused(batch.left._tag)
  const forTopic = Publish.validateBatchForTopic(topic.value, entries)
  if (Either.isLeft(forTopic)) return refused(forTopic.left._tag)
  return accepted(entries.map((entry) => ({ id: entry.id, outcome: prepareMessage(model, topic.value, entry) })))
}

/**
 * FIFO deduplication of an accepted message: a duplicate inside the window must answer with the
 * first message's id and is not delivered again (Fifo.decide).
 *
 * @category operations
 */
export const sequence = (
  model: ModelState,
  topicArn: string,
  deduplicationId: string,
  messageId: string
): { readonly duplicateOf: string | undefined } => {
  const decision = Fifo.decide(model.fifo.get(topicArn) ?? Fifo.empty(), deduplicationId, messageId, Date.now())
  if (decision._tag === "Duplicate") return { duplicateOf: decision.messageId }
  model.fifo.set(topicArn, decision.state)
  return { duplicateOf: undefined }
}

/**
 * A key CreateKey made, as the model holds it: symmetric, Enabled, with no material (the model never
 * encrypts).
 *
 * @category operations
 */
export const createKey = (model: ModelState, keyId: string): void => {
  model.keys.set(keyId, {
    keyId,
    arn: Key.keyArn(model.region, model.accountId, keyId),
    accountId: model.accountId,
    region: model.region,
    creationDate: Date.now(),
    description: "",
    keySpec: "SYMMETRIC_DEFAULT",
    keyUsage: "ENCRYPT_DECRYPT",
    keyManager: "CUSTOMER",
    state: "Enabled",
    policy: "",
    tags: [],
    rotation: { enabled: false, periodInDays: Key.DEFAULT_ROTATION_PERIOD_DAYS },
    materials: []
  })
}

const keyNamed = (model: ModelState, keyIdText: string): Either.Either<Key.KeyRecord, { readonly _tag: string }> =>
  Either.flatMap(Identifiers.parseKeyRef(keyIdText), (ref) =>
    Identifiers.resolve({ keys: model.keys, aliases: model.aliases }, ref, model.region, model.accountId, false)
  )

/**
 * A key state change (EnableKey, DisableKey, ScheduleKeyDeletion, CancelKeyDeletion) by kms-sim's
 * rules for the key's state (KMS Developer Guide, "Key states of AWS KMS keys").
 *
 * @category operations
 */
export const changeKey = (
  model: ModelState,
  keyIdText: string,
  change: "EnableKey" | "DisableKey" | "ScheduleKeyDeletion" | "CancelKeyDeletion"
): Expected<void> => {
  const changed = Either.flatMap(keyNamed(model, keyIdText), (key) => {
    switch (change) {
      case "EnableKey":
        return Key.enable(key)
      case "DisableKey":
        return Key.disable(key)
      case "ScheduleKeyDeletion":
        return Key.scheduleDeletion(key, 7, Date.now())
      case "CancelKeyDeletion":
        return Key.cancelDeletion(key)
    }
  })
  if (Either.isLeft(changed)) return refused(changed.left._tag)
  model.keys.set(changed.right.keyId, changed.right)
  return accepted(undefined)
}

/**
 * CreateAlias: a valid name not yet taken, naming a key that is not pending deletion.
 *
 * @category operations
 */
export const createAlias = (model: ModelState, aliasName: string, targetKeyId: string): Expected<void> => {
  const named = Identifiers.checkAliasName(aliasName)
  if (Either.isLeft(named)) return refused(named.left._tag)
  const key = Either.flatMap(keyNamed(model, targetKeyId), Key.checkNotPendingDeletion)
  if (Either.isLeft(key)) return refused(key.left._tag)
  const arn = Identifiers.aliasArn(model.region, model.accountId, aliasName)
  if (model.aliases.has(arn)) return refused("AlreadyExistsException")
  const now = Date.now()
  model.aliases.set(arn, { aliasName, aliasArn: arn, accountId: model.accountId, targetKeyId: key.right.keyId, creationDate: now, lastUpdatedDate: now })
  return accepted(undefined)
}

/**
 * The message attributes of a publish, in the core's form.
 *
 * @category constructors
 */
export const stringAttributes = (attributes: Readonly<Record<string, { readonly type: string; readonly value: string }>>): MessageAttributes =>
  Object.fromEntries(Object.entries(attributes).map(([name, a]) => [name, { dataType: a.type, stringValue: a.value }]))
