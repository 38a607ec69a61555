/**
 * The retry decision, as pure functions.
 *
 * SNS guide, "Amazon SNS message delivery retries": each protocol has a delivery policy of four
 * phases (immediate retries, pre-backoff, backoff, post-backoff). HTTP/S subscriptions take theirs
 * from the topic's and subscription's DeliveryPolicy; every other protocol has a policy SNS defines
 * and nobody can change. After a failed attempt, the policy and the attempt count the store keeps
 * decide alone whether and when the next attempt is due, so the decision needs no state of its own
 * and survives a restart.
 *
 * @since 0.1.0
 */
import { DeliveryPolicy, type MessageStore, Routing, type Subscription, type Topic } from "@sealcast/core"

/**
 * AWS-managed endpoints (Lambda, SQS, Firehose): 3 retries without delay, 2 one second apart, 10
 * with exponential backoff from 1 to 20 seconds, then 100,000 twenty seconds apart.
 *
 * @category constants
 */
export const awsManagedPolicy: DeliveryPolicy.RetryPolicy = {
  numNoDelayRetries: 3,
  numMinDelayRetries: 2,
  minDelayTarget: 1,
  maxDelayTarget: 20,
  backoffFunction: "exponential",
  numMaxDelayRetries: 100_000,
  numRetries: 3 + 2 + 10 + 100_000
}

/**
 * Customer-managed endpoints (SMTP, SMS, mobile push): no immediate retry, 2 ten seconds apart, 10
 * with exponential backoff from 10 to 600 seconds, then 38 six hundred seconds apart.
 *
 * @category constants
 */
export const customerManagedPolicy: DeliveryPolicy.RetryPolicy = {
  numNoDelayRetries: 0,
  numMinDelayRetries: 2,
  minDelayTarget: 10,
  maxDelayTarget: 600,
  backoffFunction: "exponential",
  numMaxDelayRetries: 38,
  numRetries: 0 + 2 + 10 + 38
}

/**
 * The retry policy in force for a subscription.
 *
 * @category rules
 */
export const retryPolicyFor = (topic: Topic.Topic, subscription: Subscription.Subscription): DeliveryPolicy.RetryPolicy => {
  switch (subscription.protocol) {
    case "http":
    case "https":
      return Routing.deliveryPolicyFor(topic, subscription).retry
    case "lambda":
    case "sqs":
    case "firehose":
      return awsManagedPolicy
    case "email":
    case "email-json":
    case "sms":
    case "application":
      return customerManagedPolicy
  }
}

/**
 * What to store after a failed attempt, the `attempts`-th of its delivery (1 for the first): due
 * again after the delay of retry number `attempts`, or dropped once the policy is spent.
 *
 * @category rules
 */
export const afterFailedAttempt = (
  policy: DeliveryPolicy.RetryPolicy,
  attempts: number,
  now: number
): Extract<MessageStore.DeliveryOutcome, { readonly _tag: "Retry" | "Dropped" }> => {
  const delaySeconds = DeliveryPolicy.retryDelaySeconds(policy, attempts)
  return delaySeconds === undefined ? { _tag: "Dropped", attempts } : { _tag: "Retry", attempts, dueAt: now + delaySeconds * 1000 }
}
