/**
 * Delivery retries as Effect `Schedule`s.
 *
 * SNS guide, "Amazon SNS message delivery retries": each protocol has a delivery policy of four
 * phases (immediate retries, pre-backoff, backoff, post-backoff). HTTP/S subscriptions take theirs
 * from the topic's and subscription's DeliveryPolicy; every other protocol has a policy SNS defines
 * and nobody can change. A policy becomes a Schedule whose input is the retry number (1 for the
 * first retry) and whose output is the delay before that retry; it stops when the policy is spent.
 * The dispatcher steps it once per failed attempt, with the attempt count the store keeps, so the
 * schedule needs no state of its own and survives a restart.
 *
 * @since 0.1.0
 */
import { DeliveryPolicy, Routing, type Subscription, type Topic } from "@sealcast/core"
import { Duration, Effect, Option, Schedule, ScheduleDecision } from "effect"

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
 * The policy as a Schedule: input the retry number, output the delay before it.
 *
 * @category constructors
 */
export const fromPolicy = (policy: DeliveryPolicy.RetryPolicy): Schedule.Schedule<Duration.Duration, number> =>
  Schedule.identity<number>().pipe(
    Schedule.whileInput((retry: number) => DeliveryPolicy.retryDelaySeconds(policy, retry) !== undefined),
    Schedule.addDelay((retry) => Duration.seconds(DeliveryPolicy.retryDelaySeconds(policy, retry) ?? 0)),
    Schedule.delays
  )

/**
 * One step of the schedule: the delay before retry number `retry`, or none when the policy is spent
 * and the delivery is to be dropped.
 *
 * @category rules
 */
export const delayBeforeRetry = (
  schedule: Schedule.Schedule<Duration.Duration, number>,
  retry: number,
  now: number
): Effect.Effect<Option.Option<Duration.Duration>> =>
  Effect.map(schedule.step(now, retry, schedule.initial), ([, delay, decision]) =>
    ScheduleDecision.isDone(decision) ? Option.none() : Option.some(delay)
  )
