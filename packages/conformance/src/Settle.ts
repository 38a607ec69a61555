/**
 * The end of a history: every delivery the model says must arrive is awaited (bounded), and what must
 * NOT arrive is judged after a barrier, never after a sleep. For each topic with a confirmed
 * subscription the kit subscribes one more endpoint, confirms it and publishes a barrier message that
 * must reach it; once the barrier is in, what the topic was going to deliver has been delivered, and
 * anything else that arrived (a filtered-out message, a refused publish, a FIFO duplicate, a message
 * to a pending or removed subscription) is a divergence. FIFO deliveries must keep their group's
 * publish order. The barrier message goes to the topics' queues too, and then each queue is drained
 * (src/FanoutSteps.ts): what its policy refused or its filter dropped must not be there. A FIFO
 * topic's subscribers are queues only, so its barrier is the message alone, awaited in its queues.
 *
 * @since 0.1.0
 */
import { ConfirmSubscriptionCommand, PublishCommand, SetTopicAttributesCommand, SubscribeCommand } from "@aws-sdk/client-sns"
import type { Topic } from "@sealcast/core/Topic"
import { Either } from "effect"
import * as Endpoint from "./Endpoint.js"
import * as History from "./History.js"
import { drain } from "./FanoutSteps.js"
import { call, Divergence } from "./History.js"
import * as Model from "./Model.js"
import { docs, expectRouted, type HistoryModel } from "./Steps.js"

const snsCode = (error: unknown) => Endpoint.errorCode(error, "sns")

/** Fails the history with what the barrier phase itself could not do. */
const barrierFailed = (callName: string, expected: string, actual: string): never => {
  throw new Divergence({ call: callName, expected, actual, doc: docs.delivery, fingerprint: `barrier:${callName}` })
}

/**
 * Publishes a barrier on every topic that has a confirmed subscription, then compares every path's
 * deliveries with the model's.
 *
 * @category operations
 */
export const settle = async (m: HistoryModel, h: History.History): Promise<void> => {
  const { endpoint, receiver, deliveryWaitMs } = h.world
  const https = Model.contextOf(m.oracle, "https")
  const topics = [...m.oracle.registry.topics.values()].filter((t) =>
    [...m.oracle.registry.subscriptions.values()].some((s) => s.topicArn === t.arn && s.status === "Confirmed")
  )
  if (topics.length === 0 && h.expected.size === 0) return
  if (h.world.signal?.aborted === true) throw new History.Interrupted()
  h.step = h.calls.length === 0 ? 1 : (h.calls[h.calls.length - 1]?.step ?? 0) + 1
  for (const topic of topics) {
    const kmsKeyId = topic.attributes["KmsMasterKeyId"]
    if (kmsKeyId !== undefined && kmsKeyId !== "" && Either.isLeft(Model.checkKeyForPublish(m.oracle, kmsKeyId))) {
      // The barrier must be publishable: the topic's key is unusable, so encryption is turned off first.
      const off = await call(h, "SetTopicAttributes", { TopicArn: topic.arn, AttributeName: "KmsMasterKeyId", AttributeValue: "" }, () =>
        endpoint.sns.send(new SetTopicAttributesCommand({ TopicArn: topic.arn, AttributeName: "KmsMasterKeyId", AttributeValue: "" })), snsCode)
      if (!off.ok) barrierFailed("SetTopicAttributes", "success", `error ${off.code}`)
      Model.setTopicAttribute(m.oracle, topic.arn, "KmsMasterKeyId", "", https)
    }
    const path = `/${h.prefix}barrier/${topic.name}`
    const url = `${m.origin}${path}`
    // A FIFO topic takes no HTTP subscription (docs/SEMANTICS.md §9): its subscribers are the
    // history's queues, and the barrier message goes to them alone, awaited there by `drain`.
    if (topic.fifo) {
      await publishBarrier(m, h, topic)
      continue
    }
    const subscribed = await call(h, "Subscribe", { TopicArn: topic.arn, Protocol: "http", Endpoint: url, ReturnSubscriptionArn: true }, () =>
      endpoint.sns.send(new SubscribeCommand({ TopicArn: topic.arn, Protocol: "http", Endpoint: url, ReturnSubscriptionArn: true })), snsCode)
    if (!subscribed.ok) return barrierFailed("Subscribe", "success", `error ${subscribed.code}`)
    const arn = subscribed.value.SubscriptionArn ?? ""
    const confirmation = await receiver.waitFor(path, (d) => d.type === "SubscriptionConfirmation", deliveryWaitMs)
    if (confirmation?.token === undefined) return barrierFailed("Subscribe", `a SubscriptionConfirmation at ${path}`, "none arrived")
    const token = confirmation.token
    const confirmed = await call(h, "ConfirmSubscription", { TopicArn: topic.arn, Token: "<the token SNS posted>" }, () =>
      endpoint.sns.send(new ConfirmSubscriptionCommand({ TopicArn: topic.arn, Token: token })), snsCode)
    if (!confirmed.ok) return barrierFailed("ConfirmSubscription", "success", `error ${confirmed.code}`)
    Model.subscribe(m.oracle, { topicArn: topic.arn, protocol: "http", endpoint: url, attributes: {} }, arn.split(":").pop() ?? "", https)
    Model.confirmSubscription(m.oracle, topic.arn, arn)
    const messageId = await publishBarrier(m, h, topic)
    const arrived = await receiver.waitFor(path, (d) => d.type === "Notification" && d.messageId === messageId, deliveryWaitMs)
    if (arrived === undefined) barrierFailed("Publish", `the barrier message ${messageId} at ${path} within ${deliveryWaitMs} ms`, "it did not arrive")
  }
  await compareDeliveries(h)
  await drain(m, h)
}

/** Publishes the barrier message on `topic`, in the model too, and answers its MessageId. */
const publishBarrier = async (m: HistoryModel, h: History.History, topic: Topic): Promise<string> => {
  const body = JSON.stringify({ kit: `${h.prefix}barrier` })
  const fifo = topic.fifo ? { MessageGroupId: "barrier", MessageDeduplicationId: `${h.prefix}barrier` } : {}
  const published = await call(h, "Publish", { TopicArn: topic.arn, Message: body, ...fifo }, () =>
    h.world.endpoint.sns.send(new PublishCommand({ TopicArn: topic.arn, Message: body, ...fifo })), snsCode)
  if (!published.ok) return barrierFailed("Publish", "success (the barrier message)", `error ${published.code}`)
  const messageId = published.value.MessageId ?? ""
  const expected = Model.publish(m.oracle, topic.arn, {
    message: body,
    subject: undefined,
    messageStructure: undefined,
    messageAttributes: {},
    messageGroupId: topic.fifo ? "barrier" : undefined,
    messageDeduplicationId: topic.fifo ? `${h.prefix}barrier` : undefined
  }, Model.contextOf(m.oracle, "https"))
  if (expected.ok) {
    if (expected.value.fifo !== undefined) Model.sequence(m.oracle, topic.arn, expected.value.fifo.messageDeduplicationId, messageId)
    expectRouted(m, h, expected.value.subscriptionArns, messageId, body, expected.value.fifo, {})
  }
  return messageId
}

const compareDeliveries = async (h: History.History): Promise<void> => {
  const { receiver, deliveryWaitMs } = h.world
  const deadline = Date.now() + deliveryWaitMs
  for (const [path, expected] of h.expected) {
    for (const want of expected) {
      const got = await receiver.waitFor(path, (d) => d.type === "Notification" && d.messageId === want.messageId, Math.max(0, deadline - Date.now()))
      if (got === undefined) {
        throw new Divergence({
          call: `delivery of step ${want.step}'s message to ${path}`,
          expected: `Notification ${want.messageId} arrives`,
          actual: "it did not arrive before the barrier and the wait",
          doc: docs.delivery,
          fingerprint: "delivery:missing"
        })
      }
      if (got.message !== want.body) {
        throw new Divergence({
          call: `delivery of step ${want.step}'s message to ${path}`,
          expected: `Message ${want.body}`,
          actual: `Message ${got.message}`,
          doc: docs.delivery,
          fingerprint: "delivery:body"
        })
      }
    }
  }
  const prefix = `/${h.prefix}`
  for (const [path, expected] of h.expected) checkFifoOrder(path, expected, receiver.deliveries(path))
  for (const path of pathsWithDeliveries(h, prefix)) {
    const wanted = new Set((h.expected.get(path) ?? []).map((e) => e.messageId))
    for (const d of receiver.deliveries(path)) {
      if (d.type !== "Notification" || wanted.has(d.messageId)) continue
      const refusedAt = h.refusedBodies.get(d.message)
      throw new Divergence({
        call: `delivery to ${path}`,
        expected: "nothing but the messages the model routes there",
        actual: `Notification ${d.messageId} arrived: ${d.message}${refusedAt === undefined ? "" : ` (published at step ${refusedAt}, which must be refused)`}`,
        doc: refusedAt === undefined ? docs.delivery : docs.sigv4,
        fingerprint: `delivery:unexpected:${refusedAt === undefined ? "routed" : "refused"}`
      })
    }
  }
}

const pathsWithDeliveries = (h: History.History, prefix: string): ReadonlyArray<string> => {
  const paths = new Set<string>(h.expected.keys())
  // Every endpoint a history may have subscribed: its topic slots and endpoint slots (src/Groups.ts).
  for (const slot of [0, 1]) {
    for (const fifo of ["", "f"]) for (const e of [0, 1]) paths.add(`${prefix}t${slot}${fifo}/e${e}`)
  }
  return [...paths]
}

/** Within each FIFO message group, deliveries keep the order the messages were published in. */
const checkFifoOrder = (path: string, expected: ReadonlyArray<{ readonly messageId: string; readonly group: string | undefined; readonly step: number }>, arrived: ReadonlyArray<{ readonly type: string; readonly messageId: string }>): void => {
  const groups = new Set(expected.flatMap((e) => (e.group === undefined ? [] : [e.group])))
  for (const group of groups) {
    const want = expected.filter((e) => e.group === group).map((e) => e.messageId)
    const wanted = new Set(want)
    const got = arrived.filter((d) => d.type === "Notification" && wanted.has(d.messageId)).map((d) => d.messageId)
    if (got.join() !== want.join()) {
      throw new Divergence({
        call: `FIFO delivery of group ${group} to ${path}`,
        expected: want.join(", "),
        actual: got.join(", "),
        doc: docs.fifoOrder,
        fingerprint: "fifo:order"
      })
    }
  }
}
