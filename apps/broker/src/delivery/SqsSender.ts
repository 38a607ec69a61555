/**
 * The sqs sender: writes each delivery into its queue in process, through the Sqs service, as SNS
 * does, as the service principal `sns.amazonaws.com` (SNS Developer Guide, "Fanout to Amazon SQS
 * queues"). The queue receives the signed notification document, or with RawMessageDelivery the
 * message as published with its message attributes as SQS message attributes (SNS guide, "Amazon SNS
 * raw message delivery"). A FIFO topic's group and deduplication ids go with it.
 *
 * The deliveries started in one turn of the event loop go to the service together, as one action
 * with one commit (`Sqs.deliverFromTopics`); each is answered only after that commit.
 *
 * The service refuses a write the queue policy or the queue's KMS key policy does not allow
 * (docs/SEMANTICS.md §8); a refused attempt is a failed one, retried by the subscription's retry
 * policy, counted, and logged once per message with the service's words on what to change.
 *
 * @since 0.1.0
 */
import type { Message, QueueErrors, Sqs } from "@sealcast/core"
import { Cause, Either, Exit, Option, Runtime } from "effect"
import { batchUntilNextTurn } from "../internal/NextTurn.js"
import * as Envelope from "./Envelope.js"
import type { Notifier, SendFailure, Sender, Target } from "./Sender.js"

/**
 * "For SQS subscriptions, a maximum of 10 message attributes can be sent when Raw Message Delivery
 * is enabled … Messages with more than 10 message attributes directed towards Raw Message Delivery
 * enabled Amazon SQS subscriptions will be discarded as client side errors" (SNS guide, "Amazon SNS
 * message attributes").
 *
 * @category constants
 */
export const MAX_RAW_ATTRIBUTES = 10

/**
 * What the queue receives for a delivery: the notification document, or for raw delivery the
 * message and its attributes. Dead-letter queues receive the same (`SubscriptionDlq`).
 *
 * @category models
 */
export interface QueueMessage {
  readonly body: string
  readonly attributes: Message.MessageAttributes
}

/**
 * @category encoding
 */
export const queueMessageFor = (target: Target, text: string, notifier: Notifier): QueueMessage =>
  target.subscription.attributes["RawMessageDelivery"] === "true"
    ? { body: text, attributes: target.message.attributes }
    : { body: Envelope.encode(notifier.signed(target, text)), attributes: {} }

/**
 * A write the service refused, as the log and metrics name it.
 *
 * @category models
 */
export type Refusal = "queue_policy" | "kms_key"

/**
 * @category models
 */
export interface Options {
  /** `--lenient-queue-policies`: the queue policy is not asked. */
  readonly lenientQueuePolicies: boolean
  /** Told of every refused write, with the service's reason. */
  readonly refused: (target: Target, refusal: Refusal, reason: string) => void
}

const refusalOf = (tag: string): Refusal | undefined => (tag === "AccessDenied" ? "queue_policy" : tag.startsWith("Kms") ? "kms_key" : undefined)

/** A delivery waiting for its turn's action, and the callback its answer goes to. */
interface Waiting {
  readonly target: Target
  readonly delivery: Sqs.TopicDelivery
  readonly done: (failure: SendFailure | undefined) => void
}

/**
 * @category constructors
 */
export const make = (sqs: Sqs.SqsService, notifier: Notifier, runtime: Runtime.Runtime<never>, options: Options): Sender => {
  const runCallback = Runtime.runCallback(runtime)
  const answer = ({ target, done }: Waiting, written: Either.Either<unknown, QueueErrors.SqsError>) => {
    if (Either.isRight(written)) return done(undefined)
    const error = written.left
    const refusal = refusalOf(error._tag)
    if (refusal !== undefined) options.refused(target, refusal, error.message)
    // A deleted queue is stale subscription metadata, a client-side error SNS does not retry
    // (SNS guide, "Amazon SNS dead-letter queues", "Why do message deliveries fail?").
    done(error._tag === "QueueDoesNotExist" ? { reason: `${error._tag}: ${error.message}`, permanent: true } : { reason: `${error._tag}: ${error.message}` })
  }
  const turn = batchUntilNextTurn<Waiting>((batch) =>
    runCallback(sqs.deliverFromTopics(batch.map((w) => w.delivery)), {
      onExit: (exit) => {
        if (Exit.isSuccess(exit)) return exit.value.forEach((written, i) => answer(batch[i]!, written))
        // The store failed the action (nothing of it was stored) or it broke: every delivery failed.
        const failure = Cause.failureOption(exit.cause)
        const failed: SendFailure = Option.isSome(failure)
          ? { reason: `${failure.value._tag}: ${failure.value.message}` }
          : { reason: Cause.pretty(exit.cause), beforeEndpoint: true }
        for (const { done } of batch) done(failed)
      }
    })
  )
  return {
    send: (target, text, _now, done) => {
      const { message, subscription, topic } = target
      const queued = queueMessageFor(target, text, notifier)
      if (Object.keys(queued.attributes).length > MAX_RAW_ATTRIBUTES) {
        return done({
          reason: `the message has ${Object.keys(queued.attributes).length} message attributes; SQS takes at most ${MAX_RAW_ATTRIBUTES}, so raw delivery discards it`,
          permanent: true
        })
      }
      turn.add({
        target,
        done,
        delivery: {
          queueArn: subscription.endpoint,
          topicArn: topic.arn,
          topicAccountId: topic.accountId,
          body: queued.body,
          attributes: queued.attributes,
          messageGroupId: message.fifo?.messageGroupId,
          messageDeduplicationId: message.fifo?.messageDeduplicationId,
          checkQueuePolicy: !options.lenientQueuePolicies
        }
      })
    }
  }
}
