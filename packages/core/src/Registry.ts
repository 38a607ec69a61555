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
import * as Arn from "./Arn.js"
import {
  AuthorizationError,
  invalidParameter,
  type InvalidParameter,
  NotFound,
  ResourceNotFound,
  type TagLimitExceeded
} from "./Errors.js"
import type { RequestContext } from "./RequestContext.js"
import * as Subscription from "./Subscription.js"
import * as Topic from "./Topic.js"

/**
 * @category models
 */
export interface Registry {
  readonly topics: ReadonlyMap<string, Topic.Topic>
  readonly subscriptions: ReadonlyMap<string, Subscription.Subscription>
}

export const empty: Registry = { topics: new Map(), subscriptions: new Map() }

/**
 * @category constructors
 */
export const fromLists = (
  topics: ReadonlyArray<Topic.Topic>,
  subscriptions: ReadonlyArray<Subscription.Subscription>
): Registry => ({
  topics: new Map(topics.map((t) => [t.arn, t])),
  subscriptions: new Map(subscriptions.map((s) => [s.arn, s]))
})

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

/**
 * @category models
 */
export interface Changed<A> {
  readonly registry: Registry
  readonly changes: ReadonlyArray<Change>
  readonly result: A
}

const unchanged = <A>(registry: Registry, result: A): Changed<A> => ({ registry, changes: [], result })

const withTopic = (registry: Registry, topic: Topic.Topic): Registry => {
  const topics = new Map(registry.topics)
  topics.set(topic.arn, topic)
  return { ...registry, topics }
}

const withSubscription = (registry: Registry, subscription: Subscription.Subscription): Registry => {
  const subscriptions = new Map(registry.subscriptions)
  subscriptions.set(subscription.arn, subscription)
  return { ...registry, subscriptions }
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
 * Whether the topic's policy lets an account other than the owner perform `action`: an Allow statement
 * whose Principal names that account (id, root ARN, or a principal ARN in it) or `*`, and whose Action
 * names `SNS:<action>`, `SNS:*` or `*`. Conditions other than the default policy's SourceOwner are
 * not evaluated; a statement with any other condition does not grant.
 *
 * @category rules
 */
export const policyAllows = (topic: Topic.Topic, context: RequestContext, action: TopicAction): boolean => {
  const text = topic.attributes["Policy"]
  if (text === undefined) return false
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch {
    return false
  }
  const statement = (doc as Record<string, unknown>)["Statement"]
  const statements = Array.isArray(statement) ? statement : [statement]
  return statements.some((raw) => {
    if (typeof raw !== "object" || raw === null) return false
    const s = raw as Record<string, unknown>
    if (s["Effect"] !== "Allow") return false
    const actionOk = actionsOf(s["Action"]).some((a) => {
      const lower = a.toLowerCase()
      return lower === "*" || lower === "sns:*" || lower === `sns:${action.toLowerCase()}`
    })
    if (!actionOk) return false
    const condition = s["Condition"]
    if (condition !== undefined) {
      const owner = (condition as Record<string, Record<string, unknown>>)["StringEquals"]?.["AWS:SourceOwner"]
      if (Object.keys(condition as object).length !== 1 || owner !== context.accountId) return false
    }
    return principalsOf(s["Principal"]).some(
      (p) =>
        p === "*" || p === context.accountId || p === Arn.accountRoot(context.accountId) || p === context.principalArn
    )
  })
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
 * The owner may do everything with its topics; anyone else needs the topic policy's grant.
 *
 * @category rules
 */
export const authorize = (
  topic: Topic.Topic,
  context: RequestContext,
  action: TopicAction
): Either.Either<Topic.Topic, AuthorizationError> =>
  Either.map(
    evaluate(context, action, topic.arn, topic.accountId === context.accountId || policyAllows(topic, context, action)),
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
  Either.flatMap(findTopic(registry, topicArn, parameter), (topic) => authorize(topic, context, action))

/**
 * Subscriptions grouped by topic, built once per registry value: a registry never changes, so every
 * publish against it (the hot path) finds its topic's subscriptions without scanning all of them.
 */
const subscriptionsByTopic = new WeakMap<Registry, Map<string, Array<Subscription.Subscription>>>()

/**
 * The subscriptions of a topic, in creation order.
 *
 * @category lookups
 */
export const subscriptionsOf = (registry: Registry, topicArn: string): ReadonlyArray<Subscription.Subscription> => {
  let byTopic = subscriptionsByTopic.get(registry)
  if (byTopic === undefined) {
    byTopic = new Map()
    for (const s of registry.subscriptions.values()) {
      const list = byTopic.get(s.topicArn)
      if (list === undefined) byTopic.set(s.topicArn, [s])
      else list.push(s)
    }
    subscriptionsByTopic.set(registry, byTopic)
  }
  return byTopic.get(topicArn) ?? []
}

/**
 * CreateTopic. Idempotent for the same name and attributes (docs/SEMANTICS.md §4).
 *
 * @category operations
 */
export const createTopic = (
  registry: Registry,
  input: Topic.CreateTopicInput,
  context: RequestContext,
  now: number
): Either.Either<Changed<Topic.Topic>, InvalidParameter | TagLimitExceeded> =>
  Either.flatMap(Topic.make(input, context, now), (requested) => {
    const existing = registry.topics.get(requested.arn)
    if (existing !== undefined) return Either.map(Topic.reconcileCreate(existing, requested), (t) => unchanged(registry, t))
    return Either.right({
      registry: withTopic(registry, requested),
      changes: [{ _tag: "PutTopic", topic: requested }],
      result: requested
    })
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
    yield* authorize(topic, context, "DeleteTopic")
    const topics = new Map(registry.topics)
    topics.delete(topicArn)
    const subscriptions = new Map(registry.subscriptions)
    const removed: Array<string> = []
    for (const s of registry.subscriptions.values()) {
      if (s.topicArn === topicArn) {
        subscriptions.delete(s.arn)
        removed.push(s.arn)
      }
    }
    return {
      registry: { topics, subscriptions },
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
  context: RequestContext
): Either.Either<Changed<void>, InvalidParameter | NotFound | AuthorizationError> =>
  Either.gen(function* () {
    const topic = yield* topicFor(registry, topicArn, context, "SetTopicAttributes")
    const updated = yield* Topic.setAttribute(topic, name, value)
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
    return yield* authorize(topic, context, action)
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
): Either.Either<Changed<Subscription.Subscription>, InvalidParameter | NotFound | AuthorizationError> =>
  Either.gen(function* () {
    const topic = yield* topicFor(registry, input.topicArn, context, "Subscribe")
    const protocol = yield* Subscription.validateProtocol(input.protocol)
    const endpoint = yield* Subscription.validateEndpoint(protocol, input.endpoint)
    const attributes = yield* Subscription.validateAttributes(protocol, input.attributes)
    if (attributes["FilterPolicy"] !== undefined && attributes["FilterPolicy"] !== "") {
      yield* checkFilterPolicy(attributes["FilterPolicy"], attributes["FilterPolicyScope"] ?? "MessageAttributes")
    }
    for (const existing of registry.subscriptions.values()) {
      if (Subscription.isSameEndpoint(existing, topic.arn, protocol, endpoint)) {
        const same =
          Object.keys(attributes).length === Object.keys(existing.attributes).length &&
          Object.entries(attributes).every(([k, v]) => existing.attributes[k] === v)
        if (!same) return yield* Either.left(invalidParameter("Attributes", "Subscription already exists with different attributes"))
        return unchanged(registry, existing)
      }
    }
    const pending = Subscription.needsConfirmation(protocol)
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
      createdAt: now
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
 * subscription was confirmed with AuthenticateOnUnsubscribe.
 *
 * @category operations
 */
export const unsubscribe = (
  registry: Registry,
  subscriptionArn: string,
  context: RequestContext | undefined
): Either.Either<Changed<void>, InvalidParameter | NotFound | AuthorizationError> =>
  Either.gen(function* () {
    const s = yield* findSubscription(registry, subscriptionArn)
    if (context === undefined) {
      if (s.confirmationWasAuthenticated && s.status === "Confirmed" && s.protocol !== "sqs" && s.protocol !== "lambda") {
        return yield* Either.left(
          new AuthorizationError({ message: "The subscription requires authentication to unsubscribe" })
        )
      }
    } else {
      yield* authorizeSubscription(registry, s, context, "Unsubscribe")
    }
    const subscriptions = new Map(registry.subscriptions)
    subscriptions.delete(s.arn)
    const topic = registry.topics.get(s.topicArn)
    const counted = topic === undefined ? undefined : { ...topic, subscriptionsDeleted: topic.subscriptionsDeleted + 1 }
    const topics = counted === undefined ? registry.topics : new Map(registry.topics).set(counted.arn, counted)
    return {
      registry: { topics, subscriptions },
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
  checkFilterPolicy: (policy: string, scope: string) => Either.Either<void, InvalidParameter>
): Either.Either<Changed<void>, InvalidParameter | NotFound | AuthorizationError> =>
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
    const updated = { ...s, attributes }
    return {
      registry: withSubscription(registry, updated),
      changes: [{ _tag: "PutSubscription", subscription: updated }],
      result: undefined
    }
  })

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
  for (const s of registry.subscriptions.values()) {
    if (s.topicArn !== topicArn) continue
    if (s.status === "Confirmed") confirmed++
    else pending++
  }
  return { confirmed, pending }
}
