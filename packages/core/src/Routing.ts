/**
 * Which subscriptions receive a message, and with which delivery policy.
 *
 * The decision is taken once, when the message is accepted (issue: "the routing decision … is made when
 * the message is accepted"), on the plaintext body before it is sealed; only the decision is stored
 * with the message, never the plaintext.
 *
 * @since 0.1.0
 */
import { Either } from "effect"
import * as DeliveryPolicy from "./DeliveryPolicy.js"
import type { InvalidParameter } from "./Errors.js"
import * as FilterPolicy from "./FilterPolicy.js"
import * as Replay from "./Replay.js"
import type { Subscription } from "./Subscription.js"
import type { Topic } from "./Topic.js"

/**
 * Compiles a policy as Subscribe or SetSubscriptionAttributes would.
 *
 * @category validation
 */
export const compile = (
  policy: string,
  scope: string,
  call: FilterPolicy.PolicyCall = "SetSubscriptionAttributes"
): Either.Either<FilterPolicy.CompiledFilterPolicy, InvalidParameter> =>
  FilterPolicy.parse(policy, scope === "MessageBody" ? "MessageBody" : "MessageAttributes", call)

/**
 * A subscription with its filter policy compiled, as the registry keeps it: compiled once when the
 * subscription value is put into the registry, so routing a message compiles nothing.
 *
 * @category models
 */
export interface Recipient {
  readonly subscription: Subscription
  /** Undefined when the subscription has no filter policy. */
  readonly filterPolicy: FilterPolicy.CompiledFilterPolicy | undefined
}

/**
 * Compiles a subscription's filter policy. Subscribe and SetSubscriptionAttributes refuse a policy
 * that does not compile, so every stored one does.
 *
 * @category constructors
 */
export const recipient = (subscription: Subscription): Recipient => {
  const text = subscription.attributes["FilterPolicy"]
  return {
    subscription,
    filterPolicy:
      text === undefined || text === ""
        ? undefined
        : Either.getOrUndefined(compile(text, subscription.attributes["FilterPolicyScope"] ?? "MessageAttributes"))
  }
}

/**
 * The routing decision for one message.
 *
 * @category models
 */
export interface Decision {
  readonly subscriptionArns: ReadonlyArray<string>
  /** Per filter verdict other than Matched, how many subscriptions it kept the message from. */
  readonly filteredOut: Readonly<Partial<Record<Exclude<FilterPolicy.Verdict, "Matched">, number>>>
}

/**
 * Confirmed subscriptions whose filter policy (if any) accepts the message. Pending subscriptions get
 * nothing: SNS delivers only to confirmed ones; nor does one whose replay has an ending point
 * (`Replay.receivesNewMessages`).
 *
 * @category rules
 */
export const route = (
  recipients: ReadonlyArray<Recipient>,
  message: FilterPolicy.FilterableMessage
): Decision => {
  // Prepared for the first filter policy only: most subscriptions have none.
  let prepared: FilterPolicy.PreparedMessage | undefined
  const subscriptionArns: Array<string> = []
  const filteredOut: Partial<Record<Exclude<FilterPolicy.Verdict, "Matched">, number>> = {}
  for (const { subscription, filterPolicy } of recipients) {
    if (subscription.status !== "Confirmed" || !Replay.receivesNewMessages(subscription.replay)) continue
    const verdict = filterPolicy === undefined ? "Matched" : FilterPolicy.evaluate(filterPolicy, (prepared ??= FilterPolicy.prepare(message)))
    if (verdict === "Matched") subscriptionArns.push(subscription.arn)
    else filteredOut[verdict] = (filteredOut[verdict] ?? 0) + 1
  }
  return { subscriptionArns, filteredOut }
}

/**
 * Whether the recipient's filter policy (if any) accepts a message: for a replayed message, which
 * the subscription's filter policy chooses as it would a published one (docs/SEMANTICS.md §7).
 *
 * @category rules
 */
export const accepts = (recipient: Recipient, message: FilterPolicy.FilterableMessage): boolean =>
  recipient.filterPolicy === undefined || FilterPolicy.evaluate(recipient.filterPolicy, FilterPolicy.prepare(message)) === "Matched"

/**
 * The HTTP/S delivery policy in force for a subscription: the topic's, with the subscription's own
 * fields over it unless the topic disables subscription overrides (SNS guide, "Creating an HTTP/S
 * delivery policy").
 *
 * @category rules
 */
export const deliveryPolicyFor = (topic: Topic | undefined, s: Subscription): DeliveryPolicy.HttpDeliveryPolicy => {
  const topicText = topic?.attributes["DeliveryPolicy"]
  const fromTopic =
    topicText === undefined || topicText === ""
      ? undefined
      : Either.getOrUndefined(DeliveryPolicy.parseTopicPolicy(topicText))
  const base: DeliveryPolicy.HttpDeliveryPolicy = fromTopic ?? {
    retry: DeliveryPolicy.defaultRetryPolicy,
    maxReceivesPerSecond: undefined,
    headerContentType: undefined
  }
  const subText = s.attributes["DeliveryPolicy"]
  if (fromTopic?.disableSubscriptionOverrides === true || subText === undefined || subText === "") return base
  const own = Either.getOrUndefined(DeliveryPolicy.parseSubscriptionPolicy(subText)) ?? {}
  return {
    retry: own.retry ?? base.retry,
    maxReceivesPerSecond: own.maxReceivesPerSecond ?? base.maxReceivesPerSecond,
    headerContentType: own.headerContentType ?? base.headerContentType
  }
}

/**
 * The EffectiveDeliveryPolicy attribute of an HTTP/S subscription.
 *
 * @category encoding
 */
export const effectiveDeliveryPolicy = (topic: Topic | undefined, s: Subscription): string => {
  const policy = deliveryPolicyFor(topic, s)
  return JSON.stringify({
    healthyRetryPolicy: policy.retry,
    ...(policy.maxReceivesPerSecond === undefined ? {} : { throttlePolicy: { maxReceivesPerSecond: policy.maxReceivesPerSecond } }),
    ...(policy.headerContentType === undefined ? {} : { requestPolicy: { headerContentType: policy.headerContentType } }),
    guaranteed: false
  })
}
