/**
 * Subscription dead-letter queues: a delivery SNS gives up on (its retry policy spent, or a
 * client-side error it does not retry) goes to the SQS queue its subscription's RedrivePolicy names,
 * `{"deadLetterTargetArn": "<queue arn>"}` (SNS Developer Guide, "Amazon SNS dead-letter queues").
 *
 * The queue receives what an SQS subscription would have: the signed notification document, or for
 * raw delivery the message with its attributes (`SqsSender.queueMessageFor`); a raw message with more
 * than SQS's 10 attributes goes as the notification document, which carries them all. The write is
 * SNS's, as for any SQS delivery: the dead-letter queue's policy must allow the topic and its KMS key
 * must let `sns.amazonaws.com` use it (docs/SEMANTICS.md §8). It is tried once; a refusal is logged
 * with its reason and the message is gone, as when no dead-letter queue is set.
 *
 * @since 0.1.0
 */
import type { Sqs } from "@sealcast/core"
import { Cause, Exit, Option, Runtime } from "effect"
import type * as Log from "../Log.js"
import * as Envelope from "./Envelope.js"
import type { Notifier, Target } from "./Sender.js"
import * as SqsSender from "./SqsSender.js"

/**
 * @category models
 */
export interface SubscriptionDlq {
  /**
   * Moves a given-up delivery to its subscription's dead-letter queue, if it has one. `text` is the
   * message as the subscription receives it; undefined when the body could not be opened, and then
   * nothing can be moved.
   */
  readonly moveToDlq: (target: Target, text: string | undefined, reason: string) => void
}

/**
 * The dead-letter queue a subscription's RedrivePolicy names, if any (Subscribe and
 * SetSubscriptionAttributes checked it is a queue ARN).
 *
 * @category rules
 */
export const deadLetterTargetOf = (attributes: Readonly<Record<string, string>>): string | undefined => {
  const text = attributes["RedrivePolicy"]
  if (text === undefined || text === "") return undefined
  const target: unknown = (JSON.parse(text) as Record<string, unknown>)["deadLetterTargetArn"]
  return typeof target === "string" ? target : undefined
}

/**
 * @category constructors
 */
export const make = (
  sqs: Sqs.SqsService,
  notifier: Notifier,
  runtime: Runtime.Runtime<never>,
  options: { readonly lenientQueuePolicies: boolean; readonly log: ReturnType<typeof Log.plainFrom> }
): SubscriptionDlq => {
  const runCallback = Runtime.runCallback(runtime)
  const { log } = options
  return {
    moveToDlq: (target, text, reason) => {
      const { message, subscription, topic } = target
      const queueArn = deadLetterTargetOf(subscription.attributes)
      if (queueArn === undefined) return
      const fields = { messageId: message.messageId, subscriptionArn: subscription.arn, deadLetterQueueArn: queueArn }
      if (text === undefined) {
        log("error", "a given-up delivery could not be moved to its dead-letter queue: its body could not be opened", { ...fields, reason })
        return
      }
      const queued = SqsSender.queueMessageFor(target, text, notifier)
      const { body, attributes } = Object.keys(queued.attributes).length > SqsSender.MAX_RAW_ATTRIBUTES
        ? { body: Envelope.encode(notifier.signed(target, text)), attributes: {} }
        : queued
      runCallback(
        sqs.deliverFromTopic({
          queueArn,
          topicArn: topic.arn,
          topicAccountId: topic.accountId,
          body,
          attributes,
          messageGroupId: message.fifo?.messageGroupId,
          messageDeduplicationId: message.fifo?.messageDeduplicationId,
          checkQueuePolicy: !options.lenientQueuePolicies
        }),
        {
          onExit: (exit) => {
            if (Exit.isSuccess(exit)) return log("info", "a given-up delivery was moved to its dead-letter queue", { ...fields, reason })
            const failure = Cause.failureOption(exit.cause)
            const refusal = Option.isSome(failure) ? `${failure.value._tag}: ${failure.value.message}` : Cause.pretty(exit.cause)
            log("error", "a given-up delivery could not be moved to its dead-letter queue", { ...fields, reason, refusal })
          }
        }
      )
    }
  }
}
