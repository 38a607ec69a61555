/**
 * The SNS → SQS steps of a history: queues created with a policy that allows SNS to send the
 * history's topics' messages (or not), `sqs` subscriptions (raw or not, with filter policies), and
 * reads of the queues. Publishing is the SNS steps' (src/Steps.ts), which hand each message routed to
 * an `sqs` subscription to the fanout oracle (src/FanoutModel.ts).
 *
 * SNS writes into queues asynchronously, so a read during a history proves only what arrives: every
 * message it returns must be one the model delivered there, and from a FIFO queue (what a FIFO topic
 * delivers to) in its group's order, each then deleted. What must NOT arrive (refused by the
 * queue's policy, filtered out) is judged at the end (`drain`), after the kit's barrier on every
 * topic (src/Settle.ts), and after every delivery the model requires, the barrier message included,
 * has been received from its queue by bounded long polls (WaitTimeSeconds 1); a last short poll must
 * then find nothing. Nothing is judged by sleeping.
 *
 * @since 0.1.0
 */
import { CreateQueueCommand, DeleteMessageCommand, ReceiveMessageCommand } from "@aws-sdk/client-sqs"
import { SubscribeCommand } from "@aws-sdk/client-sns"
import * as Endpoint from "./Endpoint.js"
import * as FanoutModel from "./FanoutModel.js"
import { call, Divergence, type History, type Outcome, show } from "./History.js"
import * as Model from "./Model.js"
import * as QueueModel from "./QueueModel.js"
import { type QueueSlot, queueName, queueUrl, sqsCode } from "./QueueSteps.js"
import type { FilterSpec, HistoryModel, TopicSlot } from "./Steps.js"

/**
 * The AWS documentation behind each fanout expectation.
 *
 * @category models
 */
export const fanoutDocs = {
  subscribe:
    "SNS Developer Guide, \"Fanout to Amazon SQS queues\" and \"Subscribing an Amazon SQS queue to an Amazon SNS topic\" (the queue ARN as endpoint; the queue policy must allow sns.amazonaws.com sqs:SendMessage with aws:SourceArn the topic) — https://docs.aws.amazon.com/sns/latest/dg/subscribe-sqs-queue-to-sns-topic.html",
  delivery:
    "SNS Developer Guide, \"Fanout to Amazon SQS queues\", \"Amazon SNS raw message delivery\" and \"Amazon SNS message filtering\" (a queue whose policy allows the topic receives each message its subscription's filter accepts: the notification document, or the raw message with its attributes; no other) — https://docs.aws.amazon.com/sns/latest/dg/sns-large-payload-raw-message-delivery.html",
  createQueue: "SQS API Reference, CreateQueue (Policy) — https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html"
} as const

/**
 * Who a queue's policy lets SNS write for: no policy, one topic or the other (`ArnEquals`
 * aws:SourceArn), both (`ArnLike` on the history's topic names), the topics' account
 * (`aws:SourceAccount`), or a statement for the account's root instead of the service principal.
 *
 * @category models
 */
export type PolicyChoice = "none" | "topic0" | "topic1" | "bothTopics" | "account" | "accountRoot"

/**
 * @category models
 */
export type FanoutStepSpec =
  | { readonly call: "CreatePolicyQueue"; readonly queue: QueueSlot; readonly policy: PolicyChoice }
  | { readonly call: "SubscribeQueue"; readonly topic: TopicSlot; readonly queue: QueueSlot; readonly raw: boolean; readonly filter: FilterSpec | undefined }
  | { readonly call: "ReadQueue"; readonly queue: QueueSlot }

const FANOUT_CALLS: ReadonlySet<string> = new Set(["CreatePolicyQueue", "SubscribeQueue", "ReadQueue"])

/**
 * @category guards
 */
export const isFanoutStep = (spec: { readonly call: string }): spec is FanoutStepSpec => FANOUT_CALLS.has(spec.call)

const queueArn = (m: HistoryModel, q: QueueSlot): string => `arn:aws:sqs:${m.oracle.region}:${m.oracle.accountId}:${queueName(m, q)}`
const topicArnOf = (m: HistoryModel, slot: number | "*"): string => `arn:aws:sns:${m.oracle.region}:${m.oracle.accountId}:${m.prefix}t${slot}`
const subscribedTopicArn = (m: HistoryModel, t: TopicSlot): string => `${topicArnOf(m, t.slot)}${t.fifo ? ".fifo" : ""}`

/** The Policy attribute a choice writes, in the form the SNS Developer Guide's step 2 shows. */
export const policyText = (m: HistoryModel, q: QueueSlot, choice: PolicyChoice): string | undefined => {
  const statement = (principal: object, condition: object) =>
    JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: principal, Action: "sqs:SendMessage", Resource: queueArn(m, q), Condition: condition }]
    })
  const sns = { Service: "sns.amazonaws.com" }
  switch (choice) {
    case "none":
      return undefined
    case "topic0":
      return statement(sns, { ArnEquals: { "aws:SourceArn": topicArnOf(m, 0) } })
    case "topic1":
      return statement(sns, { ArnEquals: { "aws:SourceArn": topicArnOf(m, 1) } })
    case "bothTopics":
      return statement(sns, { ArnLike: { "aws:SourceArn": topicArnOf(m, "*") } })
    case "account":
      return statement(sns, { StringEquals: { "aws:SourceAccount": m.oracle.accountId } })
    case "accountRoot":
      return statement({ AWS: `arn:aws:iam::${m.oracle.accountId}:root` }, { ArnEquals: { "aws:SourceArn": topicArnOf(m, 0) } })
  }
}

const snsCode = (error: unknown) => Endpoint.errorCode(error, "sns")

const compareOutcome = (name: string, expected: Model.Expected<unknown>, actual: Outcome<unknown>, doc: string): void => {
  if (expected.ok === actual.ok && (expected.ok || actual.ok || expected.code === actual.code)) return
  throw new Divergence({ call: name, expected: show(expected), actual: show(actual), doc, fingerprint: `${name}:${show(expected)}:${show(actual)}` })
}

const RECEIVE: QueueModel.ReceiveInput = { maxNumberOfMessages: 10, visibilityTimeout: 600, receiveRequestAttemptId: undefined }

/**
 * One receive from a fanout queue: a long poll (WaitTimeSeconds 1) while the model has a delivery
 * not yet received there, else a short poll. Every message returned must be one of the queue's
 * deliveries, with the content SNS writes; it is then received in the model too (visibility 600 s,
 * so it is not seen again). Answers how many deliveries are still to come.
 *
 * @category operations
 */
export const readQueue = async (m: HistoryModel, h: History, url: string): Promise<number> => {
  const options = QueueModel.receiveOptions(m.queues, url, RECEIVE)
  if (!options.ok || options.value._tag !== "Choose") return 0
  const expectation = options.value
  const request = {
    QueueUrl: url,
    MaxNumberOfMessages: RECEIVE.maxNumberOfMessages,
    VisibilityTimeout: RECEIVE.visibilityTimeout,
    WaitTimeSeconds: expectation.receivable.length > 0 ? 1 : 0,
    MessageAttributeNames: ["All"]
  }
  const actual = await call(h, "ReceiveMessage", request, () => h.world.endpoint.sqs.send(new ReceiveMessageCommand(request)), sqsCode)
  compareOutcome("ReceiveMessage", { ok: true, value: undefined }, actual, fanoutDocs.delivery)
  if (!actual.ok) return expectation.receivable.length
  const got: Array<{ readonly messageId: string; readonly receiptHandle: string }> = []
  for (const message of actual.value.Messages ?? []) {
    const body = message.Body ?? ""
    const delivery = FanoutModel.identify(m.fanout, url, body)
    if (delivery === undefined) {
      const refused = FanoutModel.refusedAs(m.fanout, url, body)
      throw new Divergence({
        call: `ReceiveMessage from ${url}`,
        expected: "only messages SNS delivers there: routed by the subscription's filter policy, allowed by the queue's policy",
        actual: `${body.slice(0, 300)}${refused === undefined ? "" : ` (published to ${refused.topicArn}, which the queue's policy does not let sns.amazonaws.com send for)`}`,
        doc: refused === undefined ? fanoutDocs.delivery : fanoutDocs.subscribe,
        fingerprint: `fanout:unexpected:${refused === undefined ? "routed" : "policy"}`
      })
    }
    checkContent(delivery, body, message.MD5OfMessageAttributes, expectation)
    got.push({ messageId: delivery.modelId, receiptHandle: message.ReceiptHandle ?? "" })
  }
  const wrong = QueueModel.checkChoice(expectation, got.map((x) => x.messageId), RECEIVE.maxNumberOfMessages)
  if (wrong !== undefined) {
    throw new Divergence({ call: `ReceiveMessage from ${url}`, expected: "messages not yet received", actual: wrong, doc: fanoutDocs.delivery, fingerprint: "fanout:not-receivable" })
  }
  QueueModel.receiveChosen(m.queues, url, expectation.queue, RECEIVE, got)
  for (const x of got) m.fanout.received.add(x.messageId)
  // A FIFO group stays blocked while one of its messages is in flight: each is deleted once read,
  // so the group's later deliveries can be received.
  if (expectation.queue.fifo) for (const x of got) await deleteRead(m, h, url, x)
  return expectation.receivable.length - got.length
}

const deleteRead = async (m: HistoryModel, h: History, url: string, read: { readonly messageId: string; readonly receiptHandle: string }): Promise<void> => {
  const handle = QueueModel.usableHandles(m.queues, url).find((x) => x.messageId === read.messageId && x.endpoint === read.receiptHandle)
  if (handle === undefined) return
  const shown = { QueueUrl: url, ReceiptHandle: `<handle ${read.receiptHandle.slice(0, 12)}… of ${read.messageId}>` }
  const actual = await call(h, "DeleteMessage", shown, () => h.world.endpoint.sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: read.receiptHandle })), sqsCode)
  compareOutcome("DeleteMessage", QueueModel.changeMessage(m.queues, url, handle.model, undefined), actual, fanoutDocs.delivery)
}

const checkContent = (
  delivery: FanoutModel.Delivery,
  body: string,
  md5: string | undefined,
  expectation: Extract<QueueModel.ReceiveExpectation, { readonly _tag: "Choose" }>
): void => {
  const differ = (field: string, want: string, actual: string) => {
    throw new Divergence({
      call: `delivery of ${delivery.snsMessageId} to ${delivery.queueUrl}${delivery.raw ? " (raw)" : ""}`,
      expected: `${field} ${want}`,
      actual: `${field} ${actual}`,
      doc: fanoutDocs.delivery,
      fingerprint: `fanout:${field}`
    })
  }
  const sent = expectation.receivable.find((r) => r.messageId === delivery.modelId)
  if (delivery.raw) {
    if (md5 !== sent?.md5OfMessageAttributes) differ("MD5OfMessageAttributes", String(sent?.md5OfMessageAttributes), String(md5))
    return
  }
  const notification = FanoutModel.notificationOf(body)!
  if (notification.Type !== "Notification") differ("Type", "Notification", String(notification.Type))
  if (notification.TopicArn !== delivery.topicArn) differ("TopicArn", delivery.topicArn, String(notification.TopicArn))
  if (notification.Message !== delivery.body) differ("Message", delivery.body, String(notification.Message))
  if (md5 !== undefined) differ("MD5OfMessageAttributes", "absent (a notification carries no SQS message attributes)", md5)
}

/**
 * The end of a history, after the barrier: every delivery the model requires is received from its
 * queue within `--wait`, and a last short poll of each queue finds nothing more.
 *
 * @category operations
 */
export const drain = async (m: HistoryModel, h: History): Promise<void> => {
  const urls = new Set([...m.fanout.deliveries.values(), ...m.fanout.refused].map((d) => d.queueUrl))
  const deadline = Date.now() + h.world.deliveryWaitMs
  for (const url of urls) {
    let left = await readQueue(m, h, url)
    while (left > 0 && Date.now() < deadline) left = await readQueue(m, h, url)
    if (left > 0) {
      const missing = [...m.fanout.deliveries.values()].filter((d) => d.queueUrl === url && !m.fanout.received.has(d.modelId))
      throw new Divergence({
        call: `delivery to ${url}`,
        expected: `${missing.map((d) => `${d.snsMessageId}${d.raw ? " (raw)" : ""}`).join(", ")} received within ${h.world.deliveryWaitMs} ms`,
        actual: `${missing.length} never arrived`,
        doc: fanoutDocs.delivery,
        fingerprint: "fanout:missing"
      })
    }
    await readQueue(m, h, url)
  }
}

/**
 * Runs one fanout step against the endpoint and the model.
 *
 * @category operations
 */
export const run = async (spec: FanoutStepSpec, m: HistoryModel, h: History): Promise<void> => {
  const https = Model.contextOf(m.oracle, "https")
  switch (spec.call) {
    case "CreatePolicyQueue": {
      const name = queueName(m, spec.queue)
      const policy = policyText(m, spec.queue, spec.policy)
      const attributes: Record<string, string> = { ...(policy === undefined ? {} : { Policy: policy }), ...(spec.queue.fifo ? { FifoQueue: "true" } : {}) }
      const actual = await call(h, "CreateQueue", { QueueName: name, Attributes: attributes }, () =>
        h.world.endpoint.sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes })), sqsCode)
      if (actual.ok && actual.value.QueueUrl !== undefined) h.world.ledger.queue(actual.value.QueueUrl)
      compareOutcome("CreateQueue", QueueModel.createQueue(m.oracle, m.queues, name, attributes, {}), actual, fanoutDocs.createQueue)
      return
    }
    case "SubscribeQueue": {
      const arn = subscribedTopicArn(m, spec.topic)
      const endpoint = queueArn(m, spec.queue)
      const attributes: Record<string, string> = {
        ...(spec.raw ? { RawMessageDelivery: "true" } : {}),
        ...(spec.filter === undefined ? {} : { FilterPolicy: spec.filter.policy, FilterPolicyScope: spec.filter.scope })
      }
      const input = { TopicArn: arn, Protocol: "sqs", Endpoint: endpoint, Attributes: attributes, ReturnSubscriptionArn: true }
      const actual = await call(h, "Subscribe", input, () => h.world.endpoint.sns.send(new SubscribeCommand(input)), snsCode)
      const id = actual.ok ? (actual.value.SubscriptionArn ?? "").split(":").pop() ?? "" : "refused"
      const expected = Model.subscribe(m.oracle, { topicArn: arn, protocol: "sqs", endpoint, attributes }, id, https)
      compareOutcome("Subscribe", expected, actual, fanoutDocs.subscribe)
      if (expected.ok && actual.ok && actual.value.SubscriptionArn !== expected.value.arn) {
        throw new Divergence({
          call: "Subscribe",
          expected: `SubscriptionArn ${expected.value.arn} (a queue of the topic's account is confirmed at once)`,
          actual: `SubscriptionArn ${actual.value.SubscriptionArn}`,
          doc: fanoutDocs.subscribe,
          fingerprint: "Subscribe:sqs-arn"
        })
      }
      return
    }
    case "ReadQueue":
      await readQueue(m, h, queueUrl(m, spec.queue))
      return
  }
}

/**
 * Whether a fanout step can run: a queue is created once (its policy is never changed, so a refused
 * delivery stays refused), a subscription's topic and queue exist, a read's queue exists.
 *
 * @category operations
 */
export const applicable = (spec: FanoutStepSpec, m: HistoryModel): boolean => {
  const queueExists = QueueModel.queueAt(m.queues, queueUrl(m, spec.queue))._tag === "Right"
  switch (spec.call) {
    case "CreatePolicyQueue":
      return !queueExists
    case "SubscribeQueue":
      return queueExists && m.oracle.registry.topics.has(subscribedTopicArn(m, spec.topic))
    case "ReadQueue":
      return queueExists
  }
}
