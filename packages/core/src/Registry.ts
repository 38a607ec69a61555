/**
 * The registry: every topic and subscription, as one immutable value, and the pure operations on it.
 *
 * Each operation is `(registry, input, context, now[, fresh ids]) -> Either<error, result>`: no I/O, no
 * clock, no randomness. The Sns service runs them against the current registry, persists the change,
 * then swaps the new registry in.
 *
 * @since 0.1.0
 */
import { Either } from "effect"
import * as Archive from "./Archive.js"
import * as Arn from "./Arn.js"
import {
  AuthorizationError,
  FilterPolicyLimitExceeded,
  invalidParameter,
  type InvalidParameter,
  NotFound,
  type ReplayLimitExceeded,
  ResourceNotFound,
  SubscriptionLimitExceeded,
  type TagLimitExceeded,
  TopicLimitExceeded
} from "./Errors.js"
import type * as Platform from "./Platform.js"
import type { RequestContext } from "./RequestContext.js"
import * as Replay from "./Replay.js"
import * as Routing from "./Routing.js"
import type * as Sms from "./Sms.js"
import * as Subscription from "./Subscription.js"
import * as Topic from "./Topic.js"

/**
 * @category models
 */
export interface Registry {
  readonly topics: ReadonlyMap<string, Topic.Topic>
  readonly subscriptions: ReadonlyMap<string, Subscription.Subscription>
  /**
   * The parsed Policy attribute of each topic that has one, parsed when the topic value is put, so
   * authorizing a request parses nothing.
   */
  readonly topicPolicies: ReadonlyMap<string, TopicPolicy>
  /**
   * Each topic's subscriptions in creation order, with their filter policies compiled: what a publish
   * (the hot path) routes over, kept up to date by every operation rather than rebuilt per message.
   */
  readonly recipientsByTopic: ReadonlyMap<string, ReadonlyArray<Routing.Recipient>>
  /** Mobile push platform applications and device endpoints by ARN (`Platform.ts`). */
  readonly platformApplications: ReadonlyMap<string, Platform.PlatformApplication>
  readonly platformEndpoints: ReadonlyMap<string, Platform.PlatformEndpoint>
  /** Each account's SMS settings, opted-out numbers and sandbox numbers (`Sms.ts`). */
  readonly smsAccounts: ReadonlyMap<string, Sms.SmsAccount>
}

/**
 * The registry's records beyond topics and subscriptions, as a store loads them.
 *
 * @category models
 */
export interface MobileRecords {
  readonly platformApplications: ReadonlyArray<Platform.PlatformApplication>
  readonly platformEndpoints: ReadonlyArray<Platform.PlatformEndpoint>
  readonly smsAccounts: ReadonlyArray<Sms.SmsAccount>
}

const noMobileRecords: MobileRecords = { platformApplications: [], platformEndpoints: [], smsAccounts: [] } as const

/**
 * @category constructors
 */
export const fromLists = (
  topics: ReadonlyArray<Topic.Topic>,
  subscriptions: ReadonlyArray<Subscription.Subscription>,
  mobile: MobileRecords = noMobileRecords
): Registry => {
  const topicPolicies = new Map<string, TopicPolicy>()
  for (const t of topics) {
    const text = t.attributes["Policy"]
    if (text !== undefined) topicPolicies.set(t.arn, parseTopicPolicy(text))
  }
  const recipientsByTopic = new Map<string, Array<Routing.Recipient>>()
  const byArn = new Map<string, Subscription.Subscription>()
  for (const s of subscriptions) byArn.set(s.arn, s)
  for (const s of byArn.values()) {
    const list = recipientsByTopic.get(s.topicArn)
    if (list === undefined) recipientsByTopic.set(s.topicArn, [Routing.recipient(s)])
    else list.push(Routing.recipient(s))
  }
  return {
    topics: new Map(topics.map((t) => [t.arn, t])),
    subscriptions: byArn,
    topicPolicies,
    recipientsByTopic,
    platformApplications: new Map(mobile.platformApplications.map((a) => [a.arn, a])),
    platformEndpoints: new Map(mobile.platformEndpoints.map((e) => [e.arn, e])),
    smsAccounts: new Map(mobile.smsAccounts.map((a) => [a.accountId, a]))
  }
}

/**
 * A registry with no topics and no subscriptions.
 *
 * @category constructors
 */
export const empty = (): Registry => fromLists([], [])

/**
 * What a change did, so the shell can persist exactly that.
 *
 * @category models
 */
export type Change =
  | { readonly _tag: "PutTopic"; readonly topic: Topic.Topic }
  | { readonly _tag: "DeleteTopic"; readonly topicArn: string; readonly subscriptionArns: ReadonlyArray<string> }
  | { readonly _tag: "PutSubscription"; readonly subscription: Subscription.Subscription }
  | { readonly _tag: "DeleteSubscription"; readonly subscriptionArn: string; readonly topic: Topic.Topic | undefined }
  | { readonly _tag: "PutPlatformApplication"; readonly application: Platform.PlatformApplication }
  | { readonly _tag: "DeletePlatformApplication"; readonly applicationArn: string; readonly endpointArns: ReadonlyArray<string> }
  | { readonly _tag: "PutPlatformEndpoint"; readonly endpoint: Platform.PlatformEndpoint }
  | { readonly _tag: "DeletePlatformEndpoint"; readonly endpointArn: string }
  | { readonly _tag: "PutSmsAccount"; readonly account: Sms.SmsAccount }

/**
 * @category models
 */
export interface Changed<A> {
  readonly registry: Registry
  readonly changes: ReadonlyArray<Change>
  readonly result: A
}

const unchanged = <A>(registry: Registry, result: A): Changed<A> => ({ registry, changes: [], result })

/** Puts a topic value; its policy is parsed again only when the Policy text changed. */
const withTopic = (registry: Registry, topic: Topic.Topic): Registry => {
  const topics = new Map(registry.topics).set(topic.arn, topic)
  const text = topic.attributes["Policy"]
  if (text === registry.topics.get(topic.arn)?.attributes["Policy"]) return { ...registry, topics }
  const topicPolicies = new Map(registry.topicPolicies)
  if (text === undefined) topicPolicies.delete(topic.arn)
  else topicPolicies.set(topic.arn, parseTopicPolicy(text))
  return { ...registry, topics, topicPolicies }
}

/** Puts a subscription value; a replaced one keeps its place in its topic's list, as in `subscriptions`. */
const withSubscription = (registry: Registry, subscription: Subscription.Subscription): Registry => {
  const subscriptions = new Map(registry.subscriptions).set(subscription.arn, subscription)
  const before = registry.recipientsByTopic.get(subscription.topicArn) ?? []
  const at = before.findIndex((r) => r.subscription.arn === subscription.arn)
  const recipient = Routing.recipient(subscription)
  const after = at === -1 ? [...before, recipient] : before.map((r, i) => (i === at ? recipient : r))
  const recipientsByTopic = new Map(registry.recipientsByTopic).set(subscription.topicArn, after)
  return { ...registry, subscriptions, recipientsByTopic }
}

/** Removes a subscription from `subscriptions` and from its topic's list. */
const withoutSubscription = (registry: Registry, subscription: Subscription.Subscription): Registry => {
  const subscriptions = new Map(registry.subscriptions)
  subscriptions.delete(subscription.arn)
  const kept = (registry.recipientsByTopic.get(subscription.topicArn) ?? []).filter((r) => r.subscription.arn !== subscription.arn)
  const recipientsByTopic = new Map(registry.recipientsByTopic)
  if (kept.length === 0) recipientsByTopic.delete(subscription.topicArn)
  else recipientsByTopic.set(subscription.topicArn, kept)
  return { ...registry, subscriptions, recipientsByTopic }
}

/**
 * Resolves a topic ARN that the caller may use. Topics of other accounts are refused with
 * AuthorizationError unless the topic's policy grants the caller's account (checked by the caller of
 * this function for the action at hand).
 *
 * @category lookups
 */
export const findTopic = (
  registry: Registry,
  topicArn: string,
  parameter = "TopicArn"
): Either.Either<Topic.Topic, InvalidParameter | NotFound> => {
  // A topic in the registry has a valid ARN by construction, so only a miss is parsed: a malformed
  // ARN is InvalidParameter, a well-formed one that names nothing is NotFound.
  const topic = registry.topics.get(topicArn)
  if (topic !== undefined) return Either.right(topic)
  return Either.flatMap(Arn.parseTopicArn(topicArn, parameter), () => Either.left(new NotFound({ message: "Topic does not exist" })))
}

/**
 * SNS actions on a topic, as they appear in topic policies.
 *
 * @category models
 */
export type TopicAction =
  | "GetTopicAttributes"
  | "SetTopicAttributes"
  | "AddPermission"
  | "RemovePermission"
  | "DeleteTopic"
  | "Subscribe"
  | "ListSubscriptionsByTopic"
  | "Publish"
  | "TagResource"
  | "UntagResource"
  | "ListTagsForResource"
  | "GetDataProtectionPolicy"
  | "PutDataProtectionPolicy"

/**
 * SNS actions on a subscription. Only the subscriber's and the topic owner's accounts may perform
 * them; a topic policy does not grant them (SNS Developer Guide, "Example cases for Amazon SNS
 * access control").
 *
 * @category models
 */
export type SubscriptionAction = "GetSubscriptionAttributes" | "SetSubscriptionAttributes" | "Unsubscribe"

/**
 * SNS actions as a refusal names them (`SNS:<action>`).
 *
 * @category models
 */
export type Action = TopicAction | SubscriptionAction

const principalsOf = (principal: unknown): ReadonlyArray<string> => {
  if (principal === "*") return ["*"]
  if (typeof principal !== "object" || principal === null) return []
  const aws = (principal as Record<string, unknown>)["AWS"]
  return Array.isArray(aws) ? aws.filter((p): p is string => typeof p === "string") : typeof aws === "string" ? [aws] : []
}

const actionsOf = (action: unknown): ReadonlyArray<string> =>
  Array.isArray(action) ? action.filter((a): a is string => typeof a === "string") : typeof action === "string" ? [action] : []

/**
 * One Allow statement of a topic policy that can grant: its actions (lower-cased), its principals,
 * and the account its SourceOwner condition requires, if it has one.
 *
 * @category models
 */
export interface PolicyGrant {
  readonly actions: ReadonlyArray<string>
  readonly principals: ReadonlyArray<string>
  readonly sourceOwner: string | undefined
}

/**
 * A topic's access policy as the evaluator reads it: the statements that can grant anything.
 *
 * @category models
 */
export type TopicPolicy = ReadonlyArray<PolicyGrant>

/**
 * Parses a topic's Policy attribute. Only Allow statements are kept. Conditions other than the
 * default policy's SourceOwner are not evaluated, so a statement with any other condition is dropped:
 * it never grants. A document that is not JSON grants nothing.
 *
 * @category parsing
 */
export const parseTopicPolicy = (text: string): TopicPolicy => {
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch {
    return []
  }
  const statement = typeof doc === "object" && doc !== null ? (doc as Record<string, unknown>)["Statement"] : undefined
  const statements: ReadonlyArray<unknown> = Array.isArray(statement) ? statement : [statement]
  return statements.flatMap((raw): ReadonlyArray<PolicyGrant> => {
    if (typeof raw !== "object" || raw === null) return []
    const s = raw as Record<string, unknown>
    if (s["Effect"] !== "Allow") return []
    const condition = s["Condition"]
    let sourceOwner: string | undefined
    if (condition !== undefined) {
      if (typeof condition !== "object" || condition === null || Object.keys(condition).length !== 1) return []
      const equals = (condition as Record<string, unknown>)["StringEquals"]
      const owner = typeof equals === "object" && equals !== null ? (equals as Record<string, unknown>)["AWS:SourceOwner"] : undefined
      if (typeof owner !== "string") return []
      sourceOwner = owner
    }
    return [{ actions: actionsOf(s["Action"]).map((a) => a.toLowerCase()), principals: principalsOf(s["Principal"]), sourceOwner }]
  })
}

/**
 * Whether a topic policy lets an account other than the owner perform `action`: a grant whose
 * Principal names that account (id, root ARN, or a principal ARN in it) or `*`, whose Action names
 * `SNS:<action>`, `SNS:*` or `*`, and whose SourceOwner condition, if any, is the caller's account.
 *
 * @category rules
 */
export const policyAllows = (policy: TopicPolicy | undefined, context: RequestContext, action: TopicAction): boolean => {
  if (policy === undefined) return false
  const named = `sns:${action.toLowerCase()}`
  return policy.some(
    (grant) =>
      (grant.sourceOwner === undefined || grant.sourceOwner === context.accountId) &&
      grant.actions.some((a) => a === "*" || a === "sns:*" || a === named) &&
      grant.principals.some(
        (p) => p === "*" || p === context.accountId || p === Arn.accountRoot(context.accountId) || p === context.principalArn
      )
  )
}

/**
 * The one authorization evaluator: `action` on the resource `resourceArn` is allowed when the caller's
 * account owns it or a grant allows it; a refusal names the action and the resource, in AWS's words.
 */
const evaluate = (
  context: RequestContext,
  action: Action,
  resourceArn: string,
  allowed: boolean
): Either.Either<void, AuthorizationError> =>
  allowed
    ? Either.void
    : Either.left(
        new AuthorizationError({
          message: `User: ${context.principalArn} is not authorized to perform: SNS:${action} on resource: ${resourceArn}`
        })
      )

/**
 * The owner may do everything with its topics; anyone else needs the grant of the topic's policy as
 * the registry holds it parsed.
 *
 * @category rules
 */
export const authorize = (
  registry: Registry,
  topic: Topic.Topic,
  context: RequestContext,
  action: TopicAction
): Either.Either<Topic.Topic, AuthorizationError> =>
  Either.map(
    evaluate(
      context,
      action,
      topic.arn,
      topic.accountId === context.accountId || policyAllows(registry.topicPolicies.get(topic.arn), context, action)
    ),
    () => topic
  )

/**
 * Finds a topic and checks the caller may perform `action` on it.
 *
 * @category lookups
 */
export const topicFor = (
  registry: Registry,
  topicArn: string,
  context: RequestContext,
  action: TopicAction,
  parameter = "TopicArn"
): Either.Either<Topic.Topic, InvalidParameter | NotFound | AuthorizationError> =>
  Either.flatMap(findTopic(registry, topicArn, parameter), (topic) => authorize(registry, topic, context, action))

/**
 * The subscriptions of a topic, in creation order.
 *
 * @category lookups
 */
export const subscriptionsOf = (registry: Registry, topicArn: string): ReadonlyArray<Subscription.Subscription> =>
  recipientsOf(registry, topicArn).map((r) => r.subscription)

/**
 * The subscriptions of a topic with their compiled filter policies, in creation order: what routing
 * a published message reads.
 *
 * @category lookups
 */
export const recipientsOf = (registry: Registry, topicArn: string): ReadonlyArray<Routing.Recipient> =>
  registry.recipientsByTopic.get(topicArn) ?? []

/**
 * Topics an account may have, standard and FIFO, subscriptions a topic may have, and subscriptions
 * with a filter policy a topic and an account may have (SNS quotas; SNS Developer Guide, "Filter
 * policy constraints"; docs/SEMANTICS.md §4).
 *
 * @category limits
 */
export const quotas = {
  standardTopicsPerAccount: 100_000,
  fifoTopicsPerAccount: 1_000,
  subscriptionsPerStandardTopic: 12_500_000,
  subscriptionsPerFifoTopic: 100,
  filterPoliciesPerTopic: 200,
  filterPoliciesPerAccount: 10_000
} as const

const hasFilterPolicy = (attributes: Readonly<Record<string, string>>): boolean =>
  attributes["FilterPolicy"] !== undefined && attributes["FilterPolicy"] !== ""

/**
 * Refuses one more filter policy on `topicArn`'s subscriptions, or on those `accountId` owns, past
 * its quota: the subscription is still made without one (the guide: "This policy limit won't stop
 * Amazon SQS queue subscriptions from being created … it will fail when you attach the filter
 * policy").
 */
const checkFilterPolicyQuota = (
  registry: Registry,
  topicArn: string,
  accountId: string
): Either.Either<void, FilterPolicyLimitExceeded> => {
  const refuse = (what: string, quota: number) =>
    Either.left(
      new FilterPolicyLimitExceeded({
        message: `Filter policy limit exceeded: ${what} already has ${quota} subscriptions with a filter policy; remove one to attach another`
      })
    )
  const onTopic = recipientsOf(registry, topicArn).filter((r) => hasFilterPolicy(r.subscription.attributes)).length
  if (onTopic >= quotas.filterPoliciesPerTopic) return refuse(`topic ${topicArn}`, quotas.filterPoliciesPerTopic)
  if (registry.subscriptions.size >= quotas.filterPoliciesPerAccount) {
    let inAccount = 0
    for (const s of registry.subscriptions.values()) if (s.accountId === accountId && hasFilterPolicy(s.attributes)) inAccount++
    if (inAccount >= quotas.filterPoliciesPerAccount) return refuse(`account ${accountId}`, quotas.filterPoliciesPerAccount)
  }
  return Either.void
}

const isFifoTopic = (topic: Topic.Topic): boolean => topic.attributes["FifoTopic"] === "true"

/** Whether the account already has as many topics of `topic`'s kind as it may. */
const atTopicQuota = (registry: Registry, topic: Topic.Topic): boolean => {
  const fifo = isFifoTopic(topic)
  const quota = fifo ? quotas.fifoTopicsPerAccount : quotas.standardTopicsPerAccount
  if (registry.topics.size < quota) return false
  let count = 0
  for (const t of registry.topics.values()) if (t.accountId === topic.accountId && isFifoTopic(t) === fifo) count++
  return count >= quota
}

/**
 * CreateTopic. Idempotent for the same name and attributes (docs/SEMANTICS.md §4); a new topic past
 * the account's quota of its kind is TopicLimitExceeded.
 *
 * @category operations
 */
export const createTopic = (
  registry: Registry,
  input: Topic.CreateTopicInput,
  context: RequestContext,
  now: number
): Either.Either<Changed<Topic.Topic>, InvalidParameter | TagLimitExceeded | TopicLimitExceeded> =>
  Either.gen(function* () {
    const requested = yield* Topic.make(input, context, now)
    const existing = registry.topics.get(requested.arn)
    if (existing !== undefined) return unchanged(registry, yield* Topic.reconcileCreate(existing, requested))
    if (atTopicQuota(registry, requested)) {
      const [kind, quota] = isFifoTopic(requested) ? ["FIFO", quotas.fifoTopicsPerAccount] : ["standard", quotas.standardTopicsPerAccount]
      return yield* Either.left(
        new TopicLimitExceeded({
          message: `Topic limit exceeded: account ${requested.accountId} already has ${quota} ${kind} topics; delete one to create another`
        })
      )
    }
    return { registry: withTopic(registry, requested), changes: [{ _tag: "PutTopic", topic: requested }], result: requested }
  })

/**
 * DeleteTopic: removes the topic and its subscriptions. Deleting a topic that does not exist succeeds,
 * as in SNS.
 *
 * @category operations
 */
export const deleteTopic = (
  registry: Registry,
  topicArn: string,
  context: RequestContext
): Either.Either<Changed<void>, InvalidParameter | AuthorizationError> =>
  Either.gen(function* () {
    yield* Arn.parseTopicArn(topicArn)
    const topic = registry.topics.get(topicArn)
    if (topic === undefined) return unchanged(registry, undefined)
    yield* authorize(registry, topic, context, "DeleteTopic")
    const topics = new Map(registry.topics)
    topics.delete(topicArn)
    const topicPolicies = new Map(registry.topicPolicies)
    topicPolicies.delete(topicArn)
    const subscriptions = new Map(registry.subscriptions)
    const removed = subscriptionsOf(registry, topicArn).map((s) => s.arn)
    for (const arn of removed) subscriptions.delete(arn)
    const recipientsByTopic = new Map(registry.recipientsByTopic)
    recipientsByTopic.delete(topicArn)
    return {
      registry: { ...registry, topics, subscriptions, topicPolicies, recipientsByTopic },
      changes: [{ _tag: "DeleteTopic", topicArn, subscriptionArns: removed }],
      result: undefined
    }
  })

/**
 * SetTopicAttributes.
 *
 * @category operations
 */
export const setTopicAttribute = (
  registry: Registry,
  topicArn: string,
  name: string,
  value: string,
  context: RequestContext,
  now: number
): Either.Either<Changed<void>, InvalidParameter | NotFound | AuthorizationError> =>
  Either.gen(function* () {
    const topic = yield* topicFor(registry, topicArn, context, "SetTopicAttributes")
    const updated = yield* Topic.setAttribute(topic, name, value, now)
    return { registry: withTopic(registry, updated), changes: [{ _tag: "PutTopic", topic: updated }], result: undefined }
  })

/**
 * Replaces a topic with an updated copy (tags, data protection policy, permissions).
 *
 * @category operations
 */
export const updateTopic = (registry: Registry, topic: Topic.Topic): Changed<void> => ({
  registry: withTopic(registry, topic),
  changes: [{ _tag: "PutTopic", topic }],
  result: undefined
})

/**
 * Finds the topic a tagging or data-protection ARN names; these actions say ResourceNotFound.
 *
 * @category lookups
 */
export const resourceFor = (
  registry: Registry,
  resourceArn: string,
  context: RequestContext,
  action: TopicAction
): Either.Either<Topic.Topic, InvalidParameter | ResourceNotFound | AuthorizationError> =>
  Either.gen(function* () {
    yield* Arn.parseTopicArn(resourceArn, "ResourceArn")
    const topic = registry.topics.get(resourceArn)
    if (topic === undefined) return yield* Either.left(new ResourceNotFound({ message: "Resource does not exist" }))
    return yield* authorize(registry, topic, context, action)
  })

/**
 * The input of Subscribe, decoded from the wire.
 *
 * @category models
 */
export interface SubscribeInput {
  readonly topicArn: string
  readonly protocol: string
  readonly endpoint: string
  readonly attributes: Readonly<Record<string, string>>
}

/**
 * Subscribe. A repeat of an existing subscription (same topic, protocol and endpoint) returns it when
 * its attributes agree, and is refused otherwise. Protocols that need confirmation start pending with
 * a fresh token; the others are confirmed at once. `checkFilterPolicy` compiles FilterPolicy so an
 * invalid one is refused and never stored.
 *
 * @category operations
 */
export const subscribe = (
  registry: Registry,
  input: SubscribeInput,
  context: RequestContext,
  now: number,
  fresh: { readonly id: string; readonly token: string },
  checkFilterPolicy: (policy: string, scope: string) => Either.Either<void, InvalidParameter>
): Either.Either<
  Changed<Subscription.Subscription>,
  InvalidParameter | NotFound | AuthorizationError | SubscriptionLimitExceeded | FilterPolicyLimitExceeded | ReplayLimitExceeded
> =>
  Either.gen(function* () {
    const topic = yield* topicFor(registry, input.topicArn, context, "Subscribe")
    const protocol = yield* Subscription.validateProtocol(input.protocol).pipe(
      Either.flatMap((p) => Subscription.validateProtocolForTopic(p, topic.attributes["FifoTopic"] === "true"))
    )
    const endpoint = yield* Subscription.validateEndpoint(protocol, input.endpoint)
    if (protocol === "application" && !registry.platformEndpoints.has(endpoint)) {
      return yield* Either.left(invalidParameter("Endpoint", "Endpoint does not exist"))
    }
    // "FIFO topic subscriptions use FIFO queues, and standard topic subscriptions use standard
    // queues" is relaxed one way only: a FIFO topic may fan out to standard queues (SNS guide,
    // "Message ordering details for FIFO topics"), a standard topic never to a FIFO queue.
    if (protocol === "sqs" && Subscription.isFifoQueueEndpoint(endpoint) && topic.attributes["FifoTopic"] !== "true") {
      return yield* Either.left(invalidParameter("Endpoint", "FIFO SQS Queues can not be subscribed to standard SNS topics"))
    }
    const attributes = yield* Subscription.validateAttributes(protocol, input.attributes)
    if (attributes["FilterPolicy"] !== undefined && attributes["FilterPolicy"] !== "") {
      yield* checkFilterPolicy(attributes["FilterPolicy"], attributes["FilterPolicyScope"] ?? "MessageAttributes")
    }
    const replay = yield* replayFor(topic, attributes["ReplayPolicy"], now)
    for (const existing of registry.subscriptions.values()) {
      if (Subscription.isSameEndpoint(existing, topic.arn, protocol, endpoint)) {
        const same =
          Object.keys(attributes).length === Object.keys(existing.attributes).length &&
          Object.entries(attributes).every(([k, v]) => existing.attributes[k] === v)
        if (!same) return yield* Either.left(invalidParameter("Attributes", "Subscription already exists with different attributes"))
        return unchanged(registry, existing)
      }
    }
    const quota = isFifoTopic(topic) ? quotas.subscriptionsPerFifoTopic : quotas.subscriptionsPerStandardTopic
    if (recipientsOf(registry, topic.arn).length >= quota) {
      return yield* Either.left(
        new SubscriptionLimitExceeded({
          message: `Subscription limit exceeded: topic ${topic.arn} already has ${quota} subscriptions; unsubscribe one to add another`
        })
      )
    }
    if (hasFilterPolicy(attributes)) yield* checkFilterPolicyQuota(registry, topic.arn, context.accountId)
    if (replay !== undefined) yield* Replay.checkLimit(unfinishedReplays(registry, topic.accountId, undefined))
    const pending = Subscription.needsConfirmation(protocol, endpoint, topic.accountId, context.accountId)
    const subscription: Subscription.Subscription = {
      arn: `${topic.arn}:${fresh.id}`,
      topicArn: topic.arn,
      accountId: context.accountId,
      protocol,
      endpoint,
      status: pending ? "PendingConfirmation" : "Confirmed",
      confirmationToken: pending ? fresh.token : undefined,
      confirmationWasAuthenticated: !pending,
      attributes,
      createdAt: now,
      ...(replay === undefined ? {} : { replay })
    }
    return {
      registry: withSubscription(registry, subscription),
      changes: [{ _tag: "PutSubscription", subscription }],
      result: subscription
    }
  })

/**
 * ConfirmSubscription: the token from the SubscriptionConfirmation message confirms the pending
 * subscription it was made for. A token for an already confirmed subscription answers with its ARN.
 * `authenticated` is true when the confirming request was signed (then AuthenticateOnUnsubscribe may
 * be honoured).
 *
 * @category operations
 */
export const confirmSubscription = (
  registry: Registry,
  topicArn: string,
  token: string,
  authenticateOnUnsubscribe: boolean
): Either.Either<Changed<Subscription.Subscription>, InvalidParameter | NotFound> =>
  Either.gen(function* () {
    yield* findTopic(registry, topicArn)
    for (const s of registry.subscriptions.values()) {
      if (s.topicArn === topicArn && s.confirmationToken !== undefined && s.confirmationToken === token) {
        const confirmed: Subscription.Subscription = {
          ...s,
          status: "Confirmed",
          confirmationToken: undefined,
          confirmationWasAuthenticated: authenticateOnUnsubscribe
        }
        return {
          registry: withSubscription(registry, confirmed),
          changes: [{ _tag: "PutSubscription", subscription: confirmed }],
          result: confirmed
        }
      }
    }
    return yield* Either.left(invalidParameter("Token"))
  })

/**
 * Finds a subscription by ARN.
 *
 * @category lookups
 */
export const findSubscription = (
  registry: Registry,
  subscriptionArn: string
): Either.Either<Subscription.Subscription, InvalidParameter | NotFound> =>
  Either.flatMap(Arn.parseSubscriptionArn(subscriptionArn), () => {
    const s = registry.subscriptions.get(subscriptionArn)
    return s === undefined ? Either.left(new NotFound({ message: "Subscription does not exist" })) : Either.right(s)
  })

/**
 * The subscriber or the topic owner may read, change or remove a subscription.
 *
 * @category rules
 */
export const authorizeSubscription = (
  registry: Registry,
  subscription: Subscription.Subscription,
  context: RequestContext,
  action: SubscriptionAction
): Either.Either<Subscription.Subscription, AuthorizationError> =>
  Either.map(
    evaluate(
      context,
      action,
      subscription.arn,
      subscription.accountId === context.accountId ||
        registry.topics.get(subscription.topicArn)?.accountId === context.accountId
    ),
    () => subscription
  )

/**
 * Unsubscribe. `context` is undefined for the unsigned UnsubscribeURL link, which works unless the
 * subscription was confirmed with AuthenticateOnUnsubscribe. A well-formed ARN that names no
 * subscription (one already removed) succeeds and changes nothing, as AWS answers it although the
 * API reference lists NotFound (docs/SEMANTICS.md §3).
 *
 * @category operations
 */
export const unsubscribe = (
  registry: Registry,
  subscriptionArn: string,
  context: RequestContext | undefined
): Either.Either<Changed<void>, InvalidParameter | AuthorizationError> =>
  Either.gen(function* () {
    yield* Arn.parseSubscriptionArn(subscriptionArn)
    const s = registry.subscriptions.get(subscriptionArn)
    if (s === undefined) return { registry, changes: [], result: undefined }
    if (context === undefined) {
      if (s.confirmationWasAuthenticated && s.status === "Confirmed" && s.protocol !== "sqs" && s.protocol !== "lambda") {
        return yield* Either.left(
          new AuthorizationError({ message: "The subscription requires authentication to unsubscribe" })
        )
      }
    } else {
      yield* authorizeSubscription(registry, s, context, "Unsubscribe")
    }
    const removed = withoutSubscription(registry, s)
    const topic = registry.topics.get(s.topicArn)
    const counted = topic === undefined ? undefined : { ...topic, subscriptionsDeleted: topic.subscriptionsDeleted + 1 }
    return {
      registry: counted === undefined ? removed : withTopic(removed, counted),
      changes: [{ _tag: "DeleteSubscription", subscriptionArn: s.arn, topic: counted }],
      result: undefined
    }
  })

/**
 * SetSubscriptionAttributes.
 *
 * @category operations
 */
export const setSubscriptionAttribute = (
  registry: Registry,
  subscriptionArn: string,
  name: string,
  value: string,
  context: RequestContext,
  checkFilterPolicy: (policy: string, scope: string) => Either.Either<void, InvalidParameter>,
  now: number
): Either.Either<Changed<void>, InvalidParameter | NotFound | AuthorizationError | FilterPolicyLimitExceeded | ReplayLimitExceeded> =>
  Either.gen(function* () {
    const s = yield* Either.flatMap(findSubscription(registry, subscriptionArn), (s) =>
      authorizeSubscription(registry, s, context, "SetSubscriptionAttributes")
    )
    if (!Subscription.settableAttributes.includes(name)) return yield* Either.left(invalidParameter("AttributeName"))
    const checked = yield* Subscription.validateAttribute(s.protocol, name, value)
    const attributes = { ...s.attributes }
    if (checked === "" && name !== "RawMessageDelivery") delete attributes[name]
    else attributes[name] = checked
    if (attributes["FilterPolicy"] !== undefined) {
      yield* checkFilterPolicy(attributes["FilterPolicy"], attributes["FilterPolicyScope"] ?? "MessageAttributes")
    }
    if (hasFilterPolicy(attributes) && !hasFilterPolicy(s.attributes)) {
      yield* checkFilterPolicyQuota(registry, s.topicArn, s.accountId)
    }
    let updated: Subscription.Subscription = { ...s, attributes }
    if (name === "ReplayPolicy") {
      // Setting a policy starts a replay that supersedes the one before; an empty one stops it.
      const topic = registry.topics.get(s.topicArn)
      const replay = topic === undefined ? undefined : yield* replayFor(topic, attributes["ReplayPolicy"], now)
      if (topic !== undefined && replay !== undefined) yield* Replay.checkLimit(unfinishedReplays(registry, topic.accountId, s.arn))
      const { replay: _superseded, ...rest } = updated
      updated = replay === undefined ? rest : { ...rest, replay }
    }
    return {
      registry: withSubscription(registry, updated),
      changes: [{ _tag: "PutSubscription", subscription: updated }],
      result: undefined
    }
  })

/**
 * The replay a subscription's ReplayPolicy starts at `now`, once the policy is checked against the
 * topic's archive (docs/SEMANTICS.md §7, "Message replay"); none without a policy.
 */
const replayFor = (
  topic: Topic.Topic,
  policy: string | undefined,
  now: number
): Either.Either<Replay.Replay | undefined, InvalidParameter> => {
  if (policy === undefined || policy === "") return Either.right(undefined)
  return Either.map(
    Either.flatMap(Archive.parseReplayPolicy(policy), (parsed) => Replay.checkWindow(parsed, { fifo: topic.fifo, archive: Topic.archive(topic) }, now)),
    (parsed) => Replay.requested(parsed, now)
  )
}

/**
 * How many subscriptions to the topics `accountId` owns, other than `except`, have a replay not yet
 * finished: the limit is the topic owner's, whoever subscribed.
 */
const unfinishedReplays = (registry: Registry, accountId: string, except: string | undefined): number => {
  let count = 0
  for (const topic of registry.topics.values()) {
    if (topic.accountId !== accountId) continue
    for (const { subscription } of recipientsOf(registry, topic.arn)) {
      if (subscription.arn !== except && Replay.isUnfinished(subscription.replay)) count++
    }
  }
  return count
}

/**
 * A step of a subscription's replay, decided by the shell that carries it out: applied only while the
 * subscription still has that same replay, so a step decided for a superseded replay changes nothing.
 *
 * @category operations
 */
export const advanceReplay = (
  registry: Registry,
  subscriptionArn: string,
  replay: Replay.Replay,
  event: Replay.Event
): Either.Either<Changed<void>, never> => {
  const s = registry.subscriptions.get(subscriptionArn)
  if (s === undefined || !Replay.same(s.replay, replay)) return Either.right(unchanged(registry, undefined))
  const next = Replay.transition(s.replay!, event)
  if (next.status === s.replay!.status) return Either.right(unchanged(registry, undefined))
  const updated = { ...s, replay: next }
  return Either.right({
    registry: withSubscription(registry, updated),
    changes: [{ _tag: "PutSubscription", subscription: updated }],
    result: undefined
  })
}

/**
 * Confirmed and pending subscription counts of a topic.
 *
 * @category lookups
 */
export const subscriptionCounts = (
  registry: Registry,
  topicArn: string
): { readonly confirmed: number; readonly pending: number } => {
  let confirmed = 0
  let pending = 0
  for (const { subscription: s } of recipientsOf(registry, topicArn)) {
    if (s.status === "Confirmed") confirmed++
    else pending++
  }
  return { confirmed, pending }
}
