/**
 * The SNS → SQS side of the oracle: where a message routed to an `sqs` subscription ends up. The
 * routing is the core's (`Routing.route` through `Model.publish`), whether the queue takes it is the
 * core's `QueuePolicy.allowsTopic` on the queue as the queue model holds it, and the delivered message
 * goes into the queue model by the core's `QueueMessages.send`, as the broker's delivery writes it
 * through the Sqs service, a FIFO topic's group and deduplication ids with it into a FIFO queue
 * (docs/SEMANTICS.md §9). A refused delivery is remembered, so a message that
 * arrives anyway is named for what it is.
 *
 * @since 0.1.0
 */
import type { MessageAttributes } from "@sealcast/core/Message"
import * as Queue from "@sealcast/core/sqs/Queue"
import * as QueuePolicy from "@sealcast/core/sqs/QueuePolicy"
import type { Subscription } from "@sealcast/core/Subscription"
import { Either } from "effect"
import type { ModelState } from "./Model.js"
import * as QueueModel from "./QueueModel.js"

/**
 * One message SNS must write into a queue: the notification document (its `MessageId`, `TopicArn`
 * and `Message` are checked) or, for a raw subscription, the message and its attributes.
 *
 * @category models
 */
export interface Delivery {
  readonly modelId: string
  readonly queueUrl: string
  readonly topicArn: string
  readonly snsMessageId: string
  readonly body: string
  readonly raw: boolean
}

/**
 * @category models
 */
export interface FanoutState {
  readonly deliveries: Map<string, Delivery>
  /** Deliveries the queue's policy refuses: they never arrive. */
  readonly refused: Array<Delivery>
  /** The model ids of deliveries already received. */
  readonly received: Set<string>
}

/**
 * @category constructors
 */
export const empty = (): FanoutState => ({ deliveries: new Map(), refused: [], received: new Set() })

/** A queue ARN's URL at the queue model's origin (`<origin>/<account>/<name>`). */
export const queueUrlOfArn = (q: QueueModel.QueueModelState, arn: string): string => {
  const [, , , , account, name] = arn.split(":")
  return `${q.origin}/${account}/${name}`
}

/**
 * What SNS does with a message routed to the `sqs` subscription: nothing for a queue that does not
 * exist, a refusal where the queue policy does not allow the topic, else a write into the queue.
 *
 * @category operations
 */
export const deliver = (
  oracle: ModelState,
  q: QueueModel.QueueModelState,
  fanout: FanoutState,
  subscription: Subscription,
  snsMessageId: string,
  body: string,
  attributes: MessageAttributes,
  fifo: { readonly messageGroupId: string; readonly messageDeduplicationId: string } | undefined
): void => {
  const url = queueUrlOfArn(q, subscription.endpoint)
  const queue = QueueModel.queueAt(q, url)
  if (Either.isLeft(queue)) return
  const raw = subscription.attributes["RawMessageDelivery"] === "true"
  const delivery: Delivery = { modelId: `delivery-${fanout.deliveries.size + fanout.refused.length}`, queueUrl: url, topicArn: subscription.topicArn, snsMessageId, body, raw }
  if (!QueuePolicy.allowsTopic(queue.right, Queue.policyOf(q.system.directory, queue.right), subscription.topicArn, oracle.accountId)) {
    fanout.refused.push(delivery)
    return
  }
  const sent = QueueModel.sendMessage(
    oracle,
    q,
    url,
    {
      body,
      attributes: raw ? attributes : {},
      delaySeconds: undefined,
      // A FIFO topic's group and deduplication ids go with the message into a FIFO queue; a standard
      // queue gets neither (docs/SEMANTICS.md §9).
      messageGroupId: queue.right.fifo ? fifo?.messageGroupId : undefined,
      messageDeduplicationId: queue.right.fifo ? fifo?.messageDeduplicationId : undefined
    },
    delivery.modelId
  )
  if (sent.ok) fanout.deliveries.set(delivery.modelId, delivery)
  else fanout.refused.push(delivery)
}

/**
 * The delivery a received message is, among the queue's deliveries not yet received: a notification
 * by its SNS MessageId, a raw message by its body. `undefined` when it is none of them.
 *
 * @category operations
 */
export const identify = (fanout: FanoutState, url: string, body: string): Delivery | undefined => {
  const snsMessageId = notificationOf(body)?.MessageId
  for (const d of fanout.deliveries.values()) {
    if (d.queueUrl !== url || fanout.received.has(d.modelId)) continue
    if (d.raw ? d.body === body : d.snsMessageId === snsMessageId) return d
  }
  return undefined
}

/**
 * Whether a message that is no delivery is one the queue's policy refused.
 *
 * @category operations
 */
export const refusedAs = (fanout: FanoutState, url: string, body: string): Delivery | undefined => {
  const snsMessageId = notificationOf(body)?.MessageId
  return fanout.refused.find((d) => d.queueUrl === url && (d.raw ? d.body === body : d.snsMessageId === snsMessageId))
}

/**
 * The fields of a notification document the kit checks, when the body is one.
 *
 * @category encoding
 */
export const notificationOf = (body: string): { readonly Type?: unknown; readonly MessageId?: unknown; readonly TopicArn?: unknown; readonly Message?: unknown } | undefined => {
  try {
    const parsed: unknown = JSON.parse(body)
    return typeof parsed === "object" && parsed !== null && "Type" in parsed ? (parsed as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}
