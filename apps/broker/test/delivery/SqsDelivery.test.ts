/**
 * SNS → SQS delivery through the dispatcher, into a real Sqs service over the simulated KMS
 * (docs/SEMANTICS.md §8): the signed notification exactly as SNS writes it into a queue, raw delivery
 * with message attributes and its 10-attribute limit, the queue policy refusing until it allows the
 * topic (counted, logged once with what to change, picked up by the retries), an encrypted queue
 * whose key policy must let sns.amazonaws.com use it, and subscription dead-letter queues.
 */
import { describe, expect, it } from "@effect/vitest"
import { type QueueMessages, Sns, Sqs } from "@sealcast/core"
import { KmsSim } from "@sealcast/kms-sim/KmsSim"
import { Effect, type Scope } from "effect"
import * as Dispatcher from "../../src/delivery/Dispatcher.js"
import * as Functions from "../../src/delivery/Functions.js"
import * as Outbox from "../../src/delivery/Outbox.js"
import type { SigningIdentity } from "../../src/delivery/Signature.js"
import * as Log from "../../src/Log.js"
import * as Metrics from "../../src/metrics/Metrics.js"
import { afterAll, beforeAll } from "vitest"
import {
  ACCOUNT,
  allowTopic,
  ctx,
  drainQueue,
  eventually,
  makeIdentity,
  makeTestKms,
  publishInput,
  queueArn,
  REGION,
  snsLayer,
  startCertificateHost,
  startSubscriber,
  validateWithAwsValidator
} from "./support/Fixtures.js"

const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/11111111-2222-3333-4444-555555555555`

let identity: SigningIdentity
let certHost: Awaited<ReturnType<typeof startCertificateHost>>

beforeAll(async () => {
  identity = await makeIdentity()
  certHost = await startCertificateHost(identity)
})
afterAll(() => certHost.close())

const logKept = () => {
  const lines: Array<{ readonly level: string; readonly message: string; readonly fields: Readonly<Record<string, unknown>> }> = []
  /** When each line was logged, kept apart so tests compare lines without it. */
  const times: Array<string> = []
  const layer = Log.layer("debug", (line) => {
    const { level, message, time, ...fields } = JSON.parse(line) as Record<string, unknown>
    times.push(String(time))
    lines.push({ level: String(level), message: String(message), fields })
  })
  return { lines, times, layer }
}

const receiveAll = (sqs: Sqs.SqsService, url: string) =>
  sqs.receiveMessage(url, { maxNumberOfMessages: 10, visibilityTimeout: undefined, waitTimeSeconds: 0, receiveRequestAttemptId: undefined }, ctx)

/**
 * Receives from the queue until `count` messages came, within a bounded wait. `explain` adds to a
 * timeout's message what delivery did meanwhile, so a failure says where the message stopped.
 */
const receiveCount = (sqs: Sqs.SqsService, url: string, count: number, explain: () => string = () => "") =>
  Effect.gen(function* () {
    const got: Array<QueueMessages.Delivered> = []
    const deadline = Date.now() + 30_000
    while (got.length < count) {
      if (Date.now() > deadline) return yield* Effect.die(new Error(`only ${got.length} of ${count} messages arrived${explain()}`))
      got.push(...(yield* receiveAll(sqs, url)))
      if (got.length < count) yield* Effect.sleep("20 millis")
    }
    return got
  })

const withDispatcher = <A, E>(
  test: (env: { sns: Sns.SnsService; sqs: Sqs.SqsService; metrics: Metrics.Metrics }) => Effect.Effect<A, E, KmsSim | Scope.Scope>,
  log = logKept(),
  lenientQueuePolicies = false
) => {
  const metrics = Metrics.make()
  return Effect.gen(function* () {
    yield* Dispatcher.start({ origin: certHost.origin, signing: identity, functions: Functions.make(), outbox: Outbox.make(), metrics, lenientQueuePolicies })
    return yield* test({ sns: yield* Sns.Sns, sqs: yield* Sqs.Sqs, metrics })
  }).pipe(Effect.scoped, Effect.provide(snsLayer(makeTestKms(KEY_ARN).service)), Effect.provide(log.layer))
}

/** What delivery did, for a timeout's message: its counters, and its log lines with when and which attempt. */
const deliveryTrace = (metrics: Metrics.Metrics, log: ReturnType<typeof logKept>) => () =>
  [
    `; gave up at ${new Date().toISOString()}`,
    ...metrics.render([], Metrics.everything).split("\n").filter((l) => l.startsWith("sealcast_sns_")),
    ...log.lines.map((l, i) => `${log.times[i]} ${l.level} ${l.message} attempts=${String(l.fields["attempts"] ?? "-")} ${String(l.fields["reason"] ?? "").slice(0, 80)}`)
  ].join("\n")

const createQueue = (sqs: Sqs.SqsService, name: string, attributes: Record<string, string> = {}) =>
  Effect.map(sqs.createQueue({ name, attributes, tags: {} }, ctx), (r) => r.queueUrl)

describe("SNS → SQS delivery", () => {
  it.live("writes the signed notification SNS writes into a queue, once the queue policy allows the topic", () => {
    const log = logKept()
    return withDispatcher(({ sns, sqs, metrics }) =>
      Effect.gen(function* () {
        const { topicArn } = yield* sns.createTopic({ name: "orders", attributes: {}, tags: [], dataProtectionPolicy: undefined }, ctx)
        const url = yield* createQueue(sqs, "orders-queue")
        const { subscriptionArn } = yield* sns.subscribe(
          { topicArn, protocol: "sqs", endpoint: queueArn("orders-queue"), attributes: {}, returnSubscriptionArn: true },
          ctx
        )
        const { messageId } = yield* sns.publish(publishInput(topicArn, "first", { subject: "S", messageAttributes: { colour: { dataType: "String", stringValue: "blue" } } }), ctx)
        const refusals = `sealcast_sns_sqs_deliveries_refused_total{topic_arn="${topicArn}",queue_arn="${queueArn("orders-queue")}",reason="queue_policy"}`
        // SQS's policy retries three times at once: four refusals before the first pause, one log line.
        yield* eventually(() => metrics.render([], Metrics.everything).includes(`${refusals} 4`))
        const reason = `queue ${queueArn("orders-queue")}'s policy does not allow sns.amazonaws.com to SendMessage for topic ${topicArn}`
        expect(log.lines.filter((l) => l.message.startsWith("the queue refused a delivery"))).toEqual([
          {
            level: "warn",
            message: "the queue refused a delivery; it is retried by the subscription's retry policy",
            fields: { messageId, subscriptionArn, queueArn: queueArn("orders-queue"), reason }
          }
        ])
        // The policy fixed, the next retry (a second apart) delivers.
        yield* sqs.setQueueAttributes(url, { Policy: allowTopic(queueArn("orders-queue"), topicArn) }, ctx)
        const [received] = yield* receiveCount(sqs, url, 1, deliveryTrace(metrics, log))
        const notification = JSON.parse(received!.message.body) as Record<string, unknown>
        expect(Object.keys(notification)).toEqual([
          "Type", "MessageId", "TopicArn", "Subject", "Message", "Timestamp", "SignatureVersion", "Signature", "SigningCertURL", "UnsubscribeURL", "MessageAttributes"
        ])
        expect(notification).toMatchObject({ Type: "Notification", MessageId: messageId, TopicArn: topicArn, Subject: "S", Message: "first" })
        expect(notification["MessageAttributes"]).toEqual({ colour: { Type: "String", Value: "blue" } })
        expect(received!.message.attributes).toEqual({})
        yield* Effect.promise(() => validateWithAwsValidator(certHost.host, notification))
        yield* eventually(() => metrics.render([], Metrics.everything).includes(`sealcast_sns_notifications_delivered_total{topic_arn="${topicArn}",protocol="sqs"} 1`))
      }), log)
  })

  it.live("raw delivery writes the message with its attributes as SQS message attributes; past 10 it is discarded into the dead-letter queue", () =>
    withDispatcher(({ sns, sqs, metrics }) =>
      Effect.gen(function* () {
        const { topicArn } = yield* sns.createTopic({ name: "raw", attributes: {}, tags: [], dataProtectionPolicy: undefined }, ctx)
        const url = yield* createQueue(sqs, "raw-queue", { Policy: allowTopic(queueArn("raw-queue"), topicArn) })
        const dlqUrl = yield* createQueue(sqs, "raw-dlq", { Policy: allowTopic(queueArn("raw-dlq"), topicArn) })
        yield* sns.subscribe(
          {
            topicArn,
            protocol: "sqs",
            endpoint: queueArn("raw-queue"),
            attributes: { RawMessageDelivery: "true", RedrivePolicy: JSON.stringify({ deadLetterTargetArn: queueArn("raw-dlq") }) },
            returnSubscriptionArn: true
          },
          ctx
        )
        const attributes = (n: number) =>
          Object.fromEntries(Array.from({ length: n }, (_, i) => [`a${i}`, { dataType: "String", stringValue: `v${i}` }]))
        yield* sns.publish(publishInput(topicArn, "ten", { messageAttributes: attributes(10) }), ctx)
        const [raw] = yield* receiveCount(sqs, url, 1)
        expect(raw!.message.body).toBe("ten")
        expect(raw!.message.attributes).toEqual(attributes(10))
        const { messageId } = yield* sns.publish(publishInput(topicArn, "eleven", { messageAttributes: attributes(11) }), ctx)
        // A client-side error: not retried, dropped at once, and moved to the dead-letter queue as the notification (which carries all 11).
        const [dead] = yield* receiveCount(sqs, dlqUrl, 1)
        const document = JSON.parse(dead!.message.body) as Record<string, unknown>
        expect(document).toMatchObject({ Type: "Notification", MessageId: messageId, Message: "eleven" })
        expect(Object.keys(document["MessageAttributes"] as object)).toHaveLength(11)
        expect(metrics.render([], Metrics.everything)).toContain(`sealcast_sns_notifications_dropped_total{topic_arn="${topicArn}",protocol="sqs"} 1`)
        expect(yield* receiveAll(sqs, url)).toEqual([])
      })
    ))

  it.live("a FIFO topic delivers into a FIFO queue in group order with its deduplication ids", () =>
    withDispatcher(({ sns, sqs }) =>
      Effect.gen(function* () {
        const { topicArn } = yield* sns.createTopic({ name: "ordered.fifo", attributes: { FifoTopic: "true" }, tags: [], dataProtectionPolicy: undefined }, ctx)
        const url = yield* createQueue(sqs, "ordered.fifo", { FifoQueue: "true", Policy: allowTopic(queueArn("ordered.fifo"), topicArn) })
        yield* sns.subscribe({ topicArn, protocol: "sqs", endpoint: queueArn("ordered.fifo"), attributes: { RawMessageDelivery: "true" }, returnSubscriptionArn: true }, ctx)
        for (const [i, body] of ["a", "b", "c", "d"].entries()) {
          yield* sns.publish(publishInput(topicArn, body, { messageGroupId: "g", messageDeduplicationId: `dedup-${i}` }), ctx)
        }
        const got = yield* drainQueue(sqs, url, 4)
        expect(got.map((m) => [m.message.body, m.message.groupId, m.message.deduplicationId])).toEqual([
          ["a", "g", "dedup-0"],
          ["b", "g", "dedup-1"],
          ["c", "g", "dedup-2"],
          ["d", "g", "dedup-3"]
        ])
      })
    ))

  it.live("an encrypted queue takes SNS's writes only when its key policy lets sns.amazonaws.com use the key", () => {
    const log = logKept()
    return withDispatcher(({ sns, sqs, metrics }) =>
      Effect.gen(function* () {
        const kms = yield* KmsSim
        const root = { accountId: ACCOUNT, principalArn: `arn:aws:iam::${ACCOUNT}:root` }
        const key = (yield* kms.createKey({}, root)).KeyMetadata
        const { topicArn } = yield* sns.createTopic({ name: "sealed-fanout", attributes: {}, tags: [], dataProtectionPolicy: undefined }, ctx)
        const url = yield* createQueue(sqs, "sealed", { KmsMasterKeyId: key.Arn, Policy: allowTopic(queueArn("sealed"), topicArn) })
        yield* sns.subscribe({ topicArn, protocol: "sqs", endpoint: queueArn("sealed"), attributes: { RawMessageDelivery: "true" }, returnSubscriptionArn: true }, ctx)
        yield* sns.publish(publishInput(topicArn, "secret"), ctx)
        const refusals = `sealcast_sns_sqs_deliveries_refused_total{topic_arn="${topicArn}",queue_arn="${queueArn("sealed")}",reason="kms_key"}`
        yield* eventually(() => metrics.render([], Metrics.everything).includes(`${refusals} 4`))
        const reason = String(log.lines.find((l) => l.message.startsWith("the queue refused a delivery"))?.fields["reason"])
        expect(reason).toContain(`queue ${queueArn("sealed")}'s KMS key ${key.Arn} does not let sns.amazonaws.com use it (kms:GenerateDataKey*, kms:Decrypt)`)
        yield* kms.putKeyPolicy(
          {
            KeyId: key.KeyId,
            Policy: JSON.stringify({
              Version: "2012-10-17",
              Statement: [
                { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kms:*", Resource: "*" },
                { Effect: "Allow", Principal: { Service: "sns.amazonaws.com" }, Action: ["kms:GenerateDataKey*", "kms:Decrypt"], Resource: "*" }
              ]
            })
          },
          root
        )
        const [received] = yield* receiveCount(sqs, url, 1, deliveryTrace(metrics, log))
        expect(received!.message.body).toBe("secret")
        expect(JSON.stringify(log.lines)).not.toContain("secret\"")
      }), log)
  })

  it.live("under alias/aws/sqs the queue never takes SNS's writes, and the log says why", () => {
    const log = logKept()
    return withDispatcher(({ sns, sqs, metrics }) =>
      Effect.gen(function* () {
        const { topicArn } = yield* sns.createTopic({ name: "managed", attributes: {}, tags: [], dataProtectionPolicy: undefined }, ctx)
        yield* createQueue(sqs, "managed", { KmsMasterKeyId: "alias/aws/sqs", Policy: allowTopic(queueArn("managed"), topicArn) })
        yield* sns.subscribe({ topicArn, protocol: "sqs", endpoint: queueArn("managed"), attributes: {}, returnSubscriptionArn: true }, ctx)
        yield* sns.publish(publishInput(topicArn, "never"), ctx)
        const refusals = `sealcast_sns_sqs_deliveries_refused_total{topic_arn="${topicArn}",queue_arn="${queueArn("managed")}",reason="kms_key"}`
        yield* eventually(() => metrics.render([], Metrics.everything).includes(`${refusals} 4`))
        const reason = String(log.lines.find((l) => l.message.startsWith("the queue refused a delivery"))?.fields["reason"])
        expect(reason).toContain(`queue ${queueArn("managed")} is encrypted under the AWS managed key alias/aws/sqs, whose policy cannot be changed`)
      }), log)
  })

  it.live("--lenient-queue-policies delivers into a queue whose policy does not allow the topic", () =>
    withDispatcher(({ sns, sqs }) =>
      Effect.gen(function* () {
        const { topicArn } = yield* sns.createTopic({ name: "lenient", attributes: {}, tags: [], dataProtectionPolicy: undefined }, ctx)
        const url = yield* createQueue(sqs, "lenient")
        yield* sns.subscribe({ topicArn, protocol: "sqs", endpoint: queueArn("lenient"), attributes: { RawMessageDelivery: "true" }, returnSubscriptionArn: true }, ctx)
        yield* sns.publish(publishInput(topicArn, "let in"), ctx)
        const [received] = yield* receiveCount(sqs, url, 1)
        expect(received!.message.body).toBe("let in")
      }), logKept(), true))

  it.live("an HTTP subscription's given-up deliveries go to its dead-letter queue", () =>
    withDispatcher(({ sns, sqs }) =>
      Effect.gen(function* () {
        const endpoint = yield* Effect.acquireRelease(
          Effect.promise(() => startSubscriber((body) => (body.includes("SubscriptionConfirmation") ? 200 : 500))),
          (s) => Effect.promise(() => s.close())
        )
        const { topicArn } = yield* sns.createTopic({ name: "hooks", attributes: {}, tags: [], dataProtectionPolicy: undefined }, ctx)
        const dlqUrl = yield* createQueue(sqs, "hooks-dlq", { Policy: allowTopic(queueArn("hooks-dlq"), topicArn) })
        const noRetries = JSON.stringify({ healthyRetryPolicy: { numRetries: 0, minDelayTarget: 1, maxDelayTarget: 1, numNoDelayRetries: 0, numMinDelayRetries: 0, numMaxDelayRetries: 0, backoffFunction: "linear" } })
        yield* sns.subscribe(
          {
            topicArn,
            protocol: "http",
            endpoint: endpoint.url,
            attributes: { DeliveryPolicy: noRetries, RedrivePolicy: JSON.stringify({ deadLetterTargetArn: queueArn("hooks-dlq") }) },
            returnSubscriptionArn: true
          },
          ctx
        )
        yield* eventually(() => endpoint.received.length === 1)
        const request = JSON.parse(endpoint.received[0]!.body) as Record<string, string>
        yield* sns.confirmSubscription({ topicArn, token: request["Token"]!, authenticateOnUnsubscribe: false }, undefined)
        const { messageId } = yield* sns.publish(publishInput(topicArn, "bounced"), ctx)
        const [dead] = yield* receiveCount(sqs, dlqUrl, 1)
        expect(JSON.parse(dead!.message.body)).toMatchObject({ Type: "Notification", MessageId: messageId, TopicArn: topicArn, Message: "bounced" })
      })
    ))

  it.live("a cross-account queue gets a SubscriptionConfirmation message and stays pending until it is confirmed", () =>
    withDispatcher(({ sns, sqs }) =>
      Effect.gen(function* () {
        const other = { ...ctx, accountId: "111111111111", principalArn: "arn:aws:iam::111111111111:root" }
        const { topicArn } = yield* sns.createTopic({ name: "shared", attributes: {}, tags: [], dataProtectionPolicy: undefined }, ctx)
        const theirQueue = `arn:aws:sqs:${REGION}:111111111111:theirs`
        const { queueUrl } = yield* sqs.createQueue({ name: "theirs", attributes: { Policy: allowTopic(theirQueue, topicArn) }, tags: {} }, other)
        const { subscriptionArn } = yield* sns.subscribe({ topicArn, protocol: "sqs", endpoint: theirQueue, attributes: {}, returnSubscriptionArn: true }, ctx)
        expect((yield* sns.getSubscriptionAttributes(subscriptionArn, ctx))["PendingConfirmation"]).toBe("true")
        const [confirmation] = yield* receiveCountAs(sqs, queueUrl, other)
        const document = JSON.parse(confirmation!.message.body) as Record<string, string>
        expect(Object.keys(document)).toEqual([
          "Type", "MessageId", "Token", "TopicArn", "Message", "SubscribeURL", "Timestamp", "SignatureVersion", "Signature", "SigningCertURL"
        ])
        yield* Effect.promise(() => validateWithAwsValidator(certHost.host, document))
        yield* sns.confirmSubscription({ topicArn, token: document["Token"]!, authenticateOnUnsubscribe: false }, undefined)
        expect((yield* sns.getSubscriptionAttributes(subscriptionArn, ctx))["PendingConfirmation"]).toBe("false")
      })
    ))
})

/** As `receiveCount` for one message, received by the queue's own account `who`. */
const receiveCountAs = (sqs: Sqs.SqsService, url: string, who: typeof ctx) =>
  Effect.gen(function* () {
    const deadline = Date.now() + 30_000
    while (Date.now() < deadline) {
      const got = yield* sqs.receiveMessage(url, { maxNumberOfMessages: 1, visibilityTimeout: undefined, waitTimeSeconds: 0, receiveRequestAttemptId: undefined }, who)
      if (got.length > 0) return got
      yield* Effect.sleep("20 millis")
    }
    return yield* Effect.die(new Error("no message arrived"))
  })
