import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Errors, MessageStore, Sns, Sqs } from "@sealcast/core"
import { Duration, Effect, type Scope } from "effect"
import * as fc from "fast-check"
import * as Dispatcher from "../../src/delivery/Dispatcher.js"
import * as Functions from "../../src/delivery/Functions.js"
import * as Outbox from "../../src/delivery/Outbox.js"
import type { SigningIdentity } from "../../src/delivery/Signature.js"
import * as Log from "../../src/Log.js"
import * as Metrics from "../../src/metrics/Metrics.js"
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

/** Node's timers may fire up to a millisecond early against Date.now() (its timers round to whole milliseconds). */
const CLOCK_SLACK_MS = 5

const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/11111111-2222-3333-4444-555555555555`

/** The broker's logger at debug level, its lines kept as level, message and the other fields. */
const logKept = () => {
  const lines: Array<{ readonly level: string; readonly message: string; readonly fields: Readonly<Record<string, unknown>> }> = []
  const layer = Log.layer("debug", (line) => {
    const { level, message, ...fields } = JSON.parse(line) as Record<string, unknown>
    delete fields["time"]
    lines.push({ level: String(level), message: String(message), fields })
  })
  return { lines, layer }
}

let identity: SigningIdentity
let certHost: Awaited<ReturnType<typeof startCertificateHost>>

beforeAll(async () => {
  identity = await makeIdentity()
  certHost = await startCertificateHost(identity)
})
afterAll(() => certHost.close())

interface Env {
  readonly sns: Sns.SnsService
  readonly sqs: Sqs.SqsService
  readonly store: MessageStore.MessageStoreService
  readonly outbox: Outbox.Outbox
  readonly metrics: Metrics.Metrics
  readonly functions: Functions.Functions
  readonly kms: ReturnType<typeof makeTestKms>
}

/** A running Sns service with the dispatcher and metrics started, for the length of `test`. */
const withBroker = (
  test: (env: Env) => Effect.Effect<void, unknown, Scope.Scope>,
  options: {
    readonly concurrency?: number
    readonly caPem?: string
    readonly sqs?: (sqs: Sqs.SqsService) => Sqs.SqsService
    readonly sns?: (sns: Sns.SnsService) => Sns.SnsService
  } = {}
) => {
  const kms = makeTestKms(KEY_ARN)
  const outbox = Outbox.make()
  const metrics = Metrics.make()
  const functions = Functions.make()
  return Effect.gen(function* () {
    yield* Metrics.follow(metrics)
    const sqs = yield* Sqs.Sqs
    const sns = yield* Sns.Sns
    yield* Dispatcher.start({
      origin: certHost.origin,
      signing: identity,
      functions,
      outbox,
      metrics,
      concurrency: options.concurrency,
      caPem: options.caPem
    }).pipe(
      Effect.provideService(Sqs.Sqs, options.sqs === undefined ? sqs : options.sqs(sqs)),
      Effect.provideService(Sns.Sns, options.sns === undefined ? sns : options.sns(sns))
    )
    yield* test({ sns, sqs, store: yield* MessageStore.MessageStore, outbox, metrics, functions, kms })
  }).pipe(Effect.scoped, Effect.provide(snsLayer(kms.service)))
}

const subscriber = (...args: Parameters<typeof startSubscriber>) =>
  Effect.acquireRelease(Effect.promise(() => startSubscriber(...args)), (s) => Effect.promise(() => s.close()))

const json = (body: string) => JSON.parse(body) as Record<string, unknown>

/** A FIFO queue whose policy lets the topic write into it, subscribed to it with raw delivery; its URL. */
const subscribeFifoQueue = (sns: Sns.SnsService, sqs: Sqs.SqsService, topicArn: string, name: string) =>
  Effect.gen(function* () {
    const { queueUrl } = yield* sqs.createQueue({ name, attributes: { FifoQueue: "true", Policy: allowTopic(queueArn(name), topicArn) }, tags: {} }, ctx)
    yield* sns.subscribe({ topicArn, protocol: "sqs", endpoint: queueArn(name), attributes: { RawMessageDelivery: "true" }, returnSubscriptionArn: false }, ctx)
    return queueUrl
  })

/** Confirms an HTTP subscription with the token its endpoint received, as a subscriber would. */
const confirmFromEndpoint = (sns: Sns.SnsService, received: ReadonlyArray<{ readonly body: string }>) =>
  Effect.gen(function* () {
    yield* eventually(() => received.some((r) => json(r.body)["Type"] === "SubscriptionConfirmation"))
    const request = json(received.find((r) => json(r.body)["Type"] === "SubscriptionConfirmation")!.body)
    return yield* sns.confirmSubscription(
      { topicArn: request["TopicArn"] as string, token: request["Token"] as string, authenticateOnUnsubscribe: false },
      undefined
    )
  })

describe("Dispatcher", () => {
  it.live("HTTP: confirmation request, then signed notifications exactly as SNS sends them", () =>
    withBroker(({ sns, metrics }) =>
      Effect.gen(function* () {
        const endpoint = yield* subscriber()
        const { topicArn } = yield* sns.createTopic({ name: "orders", attributes: {}, tags: [], dataProtectionPolicy: undefined }, ctx)
        yield* sns.subscribe({ topicArn, protocol: "http", endpoint: endpoint.url, attributes: {}, returnSubscriptionArn: false }, ctx)
        yield* eventually(() => endpoint.received.length === 1)

        const request = endpoint.received[0]!
        expect(request.headers["x-amz-sns-message-type"]).toBe("SubscriptionConfirmation")
        expect(request.headers["x-amz-sns-topic-arn"]).toBe(topicArn)
        expect(request.headers["x-amz-sns-subscription-arn"]).toBeUndefined()
        expect(request.headers["user-agent"]).toBe("Amazon Simple Notification Service Agent")
        expect(request.headers["content-type"]).toBe("text/plain; charset=UTF-8")
        const confirmation = json(request.body)
        expect(Object.keys(confirmation)).toEqual([
          "Type", "MessageId", "Token", "TopicArn", "Message", "SubscribeURL", "Timestamp", "SignatureVersion", "Signature", "SigningCertURL"
        ])
        expect(confirmation["Message"]).toBe(
          `You have chosen to subscribe to the topic ${topicArn}.\nTo confirm the subscription, visit the SubscribeURL included in this message.`
        )
        expect(confirmation["SubscribeURL"]).toBe(
          `${certHost.origin}/?Action=ConfirmSubscription&TopicArn=${encodeURIComponent(topicArn)}&Token=${confirmation["Token"] as string}`
        )
        expect(confirmation["SigningCertURL"]).toBe(`${certHost.origin}/_sealcast/signing-cert.pem`)
        expect(request.headers["x-amz-sns-message-id"]).toBe(confirmation["MessageId"])
        yield* Effect.promise(() => validateWithAwsValidator(certHost.host, confirmation))

        const { subscriptionArn } = yield* confirmFromEndpoint(sns, endpoint.received)
        const published = yield* sns.publish(
          publishInput(topicArn, "hello \"world\"\nline two", {
            subject: "Greeting",
            messageAttributes: {
              colour: { dataType: "String", stringValue: "blue" },
              blob: { dataType: "Binary", binaryValue: new Uint8Array([0, 1, 255]) }
            }
          }),
          ctx
        )
        yield* eventually(() => endpoint.received.length === 2)

        const delivery = endpoint.received[1]!
        expect(delivery.headers["x-amz-sns-message-type"]).toBe("Notification")
        expect(delivery.headers["x-amz-sns-message-id"]).toBe(published.messageId)
        expect(delivery.headers["x-amz-sns-subscription-arn"]).toBe(subscriptionArn)
        expect(delivery.headers["x-amz-sns-rawdelivery"]).toBeUndefined()
        const notification = json(delivery.body)
        expect(Object.keys(notification)).toEqual([
          "Type", "MessageId", "TopicArn", "Subject", "Message", "Timestamp", "SignatureVersion", "Signature", "SigningCertURL", "UnsubscribeURL", "MessageAttributes"
        ])
        expect(notification["Message"]).toBe("hello \"world\"\nline two")
        expect(notification["SignatureVersion"]).toBe("1")
        expect(notification["Timestamp"]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
        expect(notification["UnsubscribeURL"]).toBe(`${certHost.origin}/?Action=Unsubscribe&SubscriptionArn=${encodeURIComponent(subscriptionArn)}`)
        expect(notification["MessageAttributes"]).toEqual({ colour: { Type: "String", Value: "blue" }, blob: { Type: "Binary", Value: "AAH/" } })
        // SNS's own layout: one field a line, " : " between name and value.
        expect(delivery.body.startsWith(`{\n  "Type" : "Notification",\n  "MessageId" : "${published.messageId}",\n`)).toBe(true)
        yield* Effect.promise(() => validateWithAwsValidator(certHost.host, notification))

        yield* eventually(() => metrics.render([], Metrics.everything).includes(`sealcast_sns_notifications_delivered_total{topic_arn="${topicArn}",protocol="http"} 1`))
        expect(metrics.render([], Metrics.everything)).toContain(`sealcast_sns_messages_published_total{topic_arn="${topicArn}"} 1`)
      })
    ))

  it.live("a subscription still pending when delivery starts (say, after a crash) gets its confirmation request", () => {
    const kms = makeTestKms(KEY_ARN)
    return Effect.gen(function* () {
      const sns = yield* Sns.Sns
      const endpoint = yield* subscriber()
      const { topicArn } = yield* sns.createTopic({ name: "restarted", attributes: {}, tags: [], dataProtectionPolicy: undefined }, ctx)
      yield* sns.subscribe({ topicArn, protocol: "http", endpoint: endpoint.url, attributes: {}, returnSubscriptionArn: false }, ctx)
      // Subscribe itself sends nothing: the request below comes from delivery's start.
      expect(endpoint.received).toEqual([])
      yield* Dispatcher.start({ origin: certHost.origin, signing: identity, functions: Functions.make(), outbox: Outbox.make(), metrics: Metrics.make() })
      yield* eventually(() => endpoint.received.length === 1)
      expect(json(endpoint.received[0]!.body)["Type"]).toBe("SubscriptionConfirmation")
    }).pipe(Effect.scoped, Effect.provide(snsLayer(kms.service)))
  })

  it.live("SignatureVersion 2 topics are signed with SHA256withRSA, and validate", () =>
    withBroker(({ sns }) =>
      Effect.gen(function* () {
        const endpoint = yield* subscriber()
        const { topicArn } = yield* sns.createTopic({ name: "v2", attributes: { SignatureVersion: "2" }, tags: [], dataProtectionPolicy: undefined }, ctx)
        yield* sns.subscribe({ topicArn, protocol: "http", endpoint: endpoint.url, attributes: {}, returnSubscriptionArn: false }, ctx)
        yield* confirmFromEndpoint(sns, endpoint.received)
        yield* Effect.promise(() => validateWithAwsValidator(certHost.host, json(endpoint.received[0]!.body)))
        yield* sns.publish(publishInput(topicArn, "signed twice as strong"), ctx)
        yield* eventually(() => endpoint.received.length === 2)
        const notification = json(endpoint.received[1]!.body)
        expect(notification["SignatureVersion"]).toBe("2")
        expect(notification["Subject"]).toBeUndefined()
        expect(notification["MessageAttributes"]).toBeUndefined()
        yield* Effect.promise(() => validateWithAwsValidator(certHost.host, notification))
        const forged = { ...notification, Message: "signed twice as weak" }
        yield* Effect.promise(() => expect(validateWithAwsValidator(certHost.host, forged)).rejects.toThrow(/invalid/))
      })
    ))

  it.live("raw message delivery posts the bare message with x-amz-sns-rawdelivery, and the policy's content type", () =>
    withBroker(({ sns }) =>
      Effect.gen(function* () {
        const endpoint = yield* subscriber()
        const { topicArn } = yield* sns.createTopic({ name: "raw", attributes: {}, tags: [], dataProtectionPolicy: undefined }, ctx)
        const attributes = { RawMessageDelivery: "true", DeliveryPolicy: JSON.stringify({ requestPolicy: { headerContentType: "application/json" } }) }
        yield* sns.subscribe({ topicArn, protocol: "http", endpoint: endpoint.url, attributes, returnSubscriptionArn: false }, ctx)
        yield* confirmFromEndpoint(sns, endpoint.received)
        yield* sns.publish(publishInput(topicArn, `{"order":42}`), ctx)
        yield* eventually(() => endpoint.received.length === 2)
        const delivery = endpoint.received[1]!
        expect(delivery.body).toBe(`{"order":42}`)
        expect(delivery.headers["x-amz-sns-rawdelivery"]).toBe("true")
        expect(delivery.headers["content-type"]).toBe("application/json")
      })
    ))

  it.live("an encrypted topic's body is stored sealed and reaches the subscriber in plaintext, opened at delivery", () =>
    withBroker(({ sns, store, kms }) =>
      Effect.gen(function* () {
        const { topicArn } = yield* sns.createTopic({ name: "secret", attributes: { KmsMasterKeyId: KEY_ARN }, tags: [], dataProtectionPolicy: undefined }, ctx)
        const secure = yield* subscriber(undefined, identity)
        yield* sns.subscribe({ topicArn, protocol: "https", endpoint: secure.url, attributes: {}, returnSubscriptionArn: false }, ctx)
        yield* confirmFromEndpoint(sns, secure.received)
        expect(kms.counts.decrypt).toBe(0)
        const { messageId } = yield* sns.publish(publishInput(topicArn, "the launch code is 0000"), ctx)
        const stored = yield* store.get(messageId)
        expect(stored?.body._tag).toBe("Sealed")
        yield* eventually(() => secure.received.length === 2)
        expect(json(secure.received[1]!.body)["Message"]).toBe("the launch code is 0000")
        expect(kms.counts.decrypt).toBeGreaterThanOrEqual(1)
      }),
      // The dispatcher trusts the system CAs and `caPem`: here the endpoint's own self-signed certificate.
      { caPem: identity.certificatePem }
    ))

  it.live("a sealed message's attempts started together open its body once and each subscription gets the plaintext", () => {
    let opens = 0
    return withBroker(({ sns, functions }) =>
      Effect.gen(function* () {
        const received: Array<string> = []
        const { topicArn } = yield* sns.createTopic({ name: "fanned", attributes: { KmsMasterKeyId: KEY_ARN }, tags: [], dataProtectionPolicy: undefined }, ctx)
        for (const name of ["reader-a", "reader-b", "reader-c"]) {
          functions.register(name, (event) => {
            for (const record of event.Records) received.push(record.Sns.Message)
          })
          const endpoint = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`
          yield* sns.subscribe({ topicArn, protocol: "lambda", endpoint, attributes: {}, returnSubscriptionArn: false }, ctx)
        }
        yield* sns.publish(publishInput(topicArn, "the gate code is 4321"), ctx)
        yield* eventually(() => received.length === 3)
        expect(received).toEqual(["the gate code is 4321", "the gate code is 4321", "the gate code is 4321"])
        expect(opens).toBe(1)
      }), {
      sns: (service) => ({
        ...service,
        openBody: (message) =>
          Effect.suspend(() => {
            opens++
            return service.openBody(message)
          }),
        openBodyNow: (message, at) => {
          const opened = service.openBodyNow(message, at)
          if (opened !== undefined) opens++
          return opened
        }
      })
    })
  })

  it.live("a failing endpoint is retried by its DeliveryPolicy, then dropped and counted", () =>
    withBroker(({ sns, store, metrics }) =>
      Effect.gen(function* () {
        const endpoint = yield* subscriber((_body, headers) => (headers["x-amz-sns-message-type"] === "Notification" ? 500 : 200))
        const { topicArn } = yield* sns.createTopic({ name: "flaky", attributes: {}, tags: [], dataProtectionPolicy: undefined }, ctx)
        // One immediate retry, then one after a second: three attempts in all.
        const policy = { healthyRetryPolicy: { numRetries: 2, numNoDelayRetries: 1, minDelayTarget: 1, maxDelayTarget: 1 } }
        yield* sns.subscribe({ topicArn, protocol: "http", endpoint: endpoint.url, attributes: { DeliveryPolicy: JSON.stringify(policy) }, returnSubscriptionArn: false }, ctx)
        yield* confirmFromEndpoint(sns, endpoint.received)
        yield* sns.publish(publishInput(topicArn, "nobody home"), ctx)
        const notifications = () => endpoint.received.filter((r) => r.headers["x-amz-sns-message-type"] === "Notification")
        yield* eventually(() => metrics.render([], Metrics.everything).includes(`sealcast_sns_notifications_dropped_total{topic_arn="${topicArn}",protocol="http"} 1`))
        // Dropped: nothing of it is pending, so nothing more can be sent.
        expect(yield* store.pendingCount).toBe(0)
        expect(metrics.render([], Metrics.everything)).toContain(`sealcast_sns_notifications_failed_total{topic_arn="${topicArn}",protocol="http"} 3`)
        const at = notifications().map((r) => r.at)
        expect(at.length).toBe(3)
        // The retry's delay is a lower bound (it is due no sooner), which a slow machine only lengthens.
        expect(at[2]! - at[1]!).toBeGreaterThanOrEqual(1000 - CLOCK_SLACK_MS)
      })
    ))

  it.live("more due deliveries than attempt slots: each message reaches the subscriber exactly once", () => {
    const kms = makeTestKms(KEY_ARN)
    return Effect.gen(function* () {
      const sns = yield* Sns.Sns
      const store = yield* MessageStore.MessageStore
      const endpoint = yield* subscriber()
      const notifications = () => endpoint.received.filter((r) => r.headers["x-amz-sns-message-type"] === "Notification")
      const bodies = Array.from({ length: 60 }, (_, i) => `message ${i}`)
      yield* Effect.scoped(
        Effect.gen(function* () {
          yield* Dispatcher.start({ origin: certHost.origin, signing: identity, functions: Functions.make(), outbox: Outbox.make(), metrics: Metrics.make(), concurrency: 3 })
          const { topicArn } = yield* sns.createTopic({ name: "backlog", attributes: {}, tags: [], dataProtectionPolicy: undefined }, ctx)
          yield* sns.subscribe({ topicArn, protocol: "http", endpoint: endpoint.url, attributes: { RawMessageDelivery: "true" }, returnSubscriptionArn: false }, ctx)
          yield* confirmFromEndpoint(sns, endpoint.received)
          yield* Effect.forEach(bodies, (body) => sns.publish(publishInput(topicArn, body), ctx), { concurrency: 8, discard: true })
          yield* eventually(() => store.pendingCount.pipe(Effect.runSync) === 0)
        })
      )
      // Delivery has stopped, and a stop waits for every attempt in flight: whatever was sent has arrived.
      expect(notifications().map((r) => r.body).sort()).toEqual([...bodies].sort())
    }).pipe(Effect.scoped, Effect.provide(snsLayer(kms.service)))
  })

  it.live("stopping lets an attempt in flight finish and settle, and starts nothing new", () => {
    const kms = makeTestKms(KEY_ARN)
    return Effect.gen(function* () {
      const sns = yield* Sns.Sns
      const store = yield* MessageStore.MessageStore
      let arrived = 0
      // The first notification is answered only when the test says: as the stop begins.
      let answer: () => void = () => {}
      const answered = new Promise<void>((resolve) => {
        answer = resolve
      })
      const endpoint = yield* subscriber(async (_body, headers) => {
        if (headers["x-amz-sns-message-type"] !== "Notification") return 200
        arrived++
        await answered
        return 200
      })
      const { topicArn } = yield* sns.createTopic({ name: "stopping", attributes: {}, tags: [], dataProtectionPolicy: undefined }, ctx)
      yield* sns.subscribe({ topicArn, protocol: "http", endpoint: endpoint.url, attributes: {}, returnSubscriptionArn: false }, ctx)
      yield* Effect.scoped(
        Effect.gen(function* () {
          yield* Dispatcher.start({ origin: certHost.origin, signing: identity, functions: Functions.make(), outbox: Outbox.make(), metrics: Metrics.make(), concurrency: 1 })
          yield* confirmFromEndpoint(sns, endpoint.received)
          yield* sns.publish(publishInput(topicArn, "first"), ctx)
          yield* sns.publish(publishInput(topicArn, "second"), ctx)
          yield* eventually(() => arrived === 1)
          // Finalizers run in reverse: this one first, then delivery's stop, in the same run of the
          // fiber, before the answer can travel back from the endpoint through the worker thread.
          yield* Effect.addFinalizer(() => Effect.sync(answer))
        })
      )
      // The scope has closed: the stop waited for the first attempt to be answered and settled, and started nothing after it.
      expect(endpoint.received.filter((r) => r.headers["x-amz-sns-message-type"] === "Notification").map((r) => JSON.parse(r.body).Message)).toEqual(["first"])
      expect(yield* store.pendingCount).toBe(1)
      expect(arrived).toBe(1)
    }).pipe(Effect.scoped, Effect.provide(snsLayer(kms.service)))
  })

  it.live("FIFO: each message group reaches a subscription in sequence order, one at a time, under concurrency and retries", () => {
    const failedOnce = new Set<string>()
    const inProgress = new Set<string>()
    let overlapped = false
    // The queue's writes as the dispatcher makes them (the deliveries of one turn in one write): each
    // holds its groups a moment, so two of one group in flight at once would overlap, and a write
    // holding a fifth message for the first time fails, as a failed store write fails all of its batch.
    const flaky = (sqs: Sqs.SqsService): Sqs.SqsService => ({
      ...sqs,
      deliverFromTopics: (deliveries) => {
        const groups = deliveries.map((delivery) => delivery.messageGroupId!)
        if (groups.some((group) => inProgress.has(group)) || new Set(groups).size < groups.length) overlapped = true
        for (const group of groups) inProgress.add(group)
        const failing = deliveries.filter((d) => Number(d.body.split(":")[1]) % 5 === 0 && !failedOnce.has(d.body))
        for (const d of failing) failedOnce.add(d.body)
        return Effect.sleep(Duration.millis(Math.random() * 10)).pipe(
          Effect.zipRight(
            failing.length > 0
              ? Effect.fail(new Errors.StoreFailure({ message: `the write of ${failing.map((d) => d.body).join(", ")} failed` }))
              : sqs.deliverFromTopics(deliveries)
          ),
          Effect.ensuring(Effect.sync(() => groups.forEach((group) => inProgress.delete(group))))
        )
      }
    })
    return withBroker(
      ({ sns, sqs }) =>
        Effect.gen(function* () {
          // A FIFO topic delivers only to SQS queues (docs/SEMANTICS.md §9): the subscriber is a FIFO queue, whose receive order is its write order per group.
          const { topicArn } = yield* sns.createTopic({ name: "ledger.fifo", attributes: { FifoTopic: "true" }, tags: [], dataProtectionPolicy: undefined }, ctx)
          const url = yield* subscribeFifoQueue(sns, sqs, topicArn, "ledger.fifo")
          const groups = ["a", "b", "c"]
          const perGroup = 20
          for (let i = 1; i <= perGroup; i++) {
            for (const group of groups) {
              yield* sns.publish(publishInput(topicArn, `${group}:${i}`, { messageGroupId: group, messageDeduplicationId: `${group}-${i}` }), ctx)
            }
          }
          const received = (yield* drainQueue(sqs, url, groups.length * perGroup)).map((m) => m.message.body)
          const expected = Array.from({ length: perGroup }, (_, i) => i + 1)
          for (const group of groups) {
            expect(received.filter((m) => m.startsWith(`${group}:`)).map((m) => Number(m.split(":")[1]))).toEqual(expected)
          }
          expect(failedOnce.size).toBe(groups.length * (perGroup / 5))
          expect(overlapped).toBe(false)
        }),
      { concurrency: 8, sqs: flaky }
    )
  })

  it.live("FIFO across a restart: a head waiting for its retry is still sent before the later messages of its group", () => {
    const kms = makeTestKms(KEY_ARN)
    return Effect.gen(function* () {
      const sns = yield* Sns.Sns
      const sqs = yield* Sqs.Sqs
      const store = yield* MessageStore.MessageStore
      // In the first life every write of "first" fails, so it is waiting for a retry when delivery stops.
      let firstLife = true
      const failingFirst: Sqs.SqsService = {
        ...sqs,
        deliverFromTopics: (deliveries) =>
          firstLife && deliveries.some((delivery) => delivery.body === "first")
            ? Effect.fail(new Errors.StoreFailure({ message: "the write of first failed" }))
            : sqs.deliverFromTopics(deliveries)
      }
      const { topicArn } = yield* sns.createTopic({ name: "restart.fifo", attributes: { FifoTopic: "true" }, tags: [], dataProtectionPolicy: undefined }, ctx)
      const url = yield* subscribeFifoQueue(sns, sqs, topicArn, "restart.fifo")
      const start = Dispatcher.start({ origin: certHost.origin, signing: identity, functions: Functions.make(), outbox: Outbox.make(), metrics: Metrics.make() }).pipe(
        Effect.provideService(Sqs.Sqs, failingFirst)
      )
      const publishInGroup = (body: string) => sns.publish(publishInput(topicArn, body, { messageGroupId: "g", messageDeduplicationId: body }), ctx)
      // First life: "first" fails; SQS's retry policy tries three times more at once, then waits a
      // second (docs/SEMANTICS.md §9), and that retry is stored before the stop.
      yield* Effect.scoped(
        Effect.gen(function* () {
          yield* start
          yield* publishInGroup("first")
          yield* eventually(() => Effect.runSync(store.due(Number.MAX_SAFE_INTEGER, 10)).some((d) => d.attempts >= 4))
        })
      )
      firstLife = false
      // While no delivery runs, a later message of the same group is accepted.
      yield* publishInGroup("second")
      // Second life: "second" is due at once, but its lane's head is "first", waiting for its retry.
      yield* Effect.scoped(
        Effect.gen(function* () {
          yield* start
          expect((yield* drainQueue(sqs, url, 2)).map((m) => m.message.body)).toEqual(["first", "second"])
        })
      )
    }).pipe(Effect.scoped, Effect.provide(snsLayer(kms.service)))
  })

  it.live("a stop waits for an attempt in flight no longer than its grace, says so, and leaves the delivery pending", () => {
    const kms = makeTestKms(KEY_ARN)
    const logged = logKept()
    return Effect.gen(function* () {
      const sns = yield* Sns.Sns
      const store = yield* MessageStore.MessageStore
      const functions = Functions.make()
      let called = false
      // Answers within its 15-second timeout, but long after the stop's grace.
      functions.register("slow", () => {
        called = true
        return new Promise((resolve) => setTimeout(resolve, 10_000).unref())
      })
      const { topicArn } = yield* sns.createTopic({ name: "slow", attributes: {}, tags: [], dataProtectionPolicy: undefined }, ctx)
      const endpoint = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:slow`
      yield* sns.subscribe({ topicArn, protocol: "lambda", endpoint, attributes: {}, returnSubscriptionArn: false }, ctx)
      yield* Effect.scoped(
        Effect.gen(function* () {
          yield* Dispatcher.start({
            origin: certHost.origin,
            signing: identity,
            functions,
            outbox: Outbox.make(),
            metrics: Metrics.make(),
            stopGrace: Duration.millis(200)
          })
          yield* sns.publish(publishInput(topicArn, "slow"), ctx)
          yield* eventually(() => called)
        })
      )
      expect(logged.lines).toContainEqual({
        level: "warn",
        message: "stopped with delivery attempts unfinished; they stay pending and are sent after a restart",
        fields: { attempts: 1 }
      })
      expect(yield* store.pendingCount).toBe(1)
    }).pipe(Effect.scoped, Effect.provide(snsLayer(kms.service)), Effect.provide(logged.layer))
  })

  it.live("a message that cannot be read is a settled outcome, logged by message id, its retry not spent; the others go on and a stop does not wait on it", () => {
    const kms = makeTestKms(KEY_ARN)
    const logged = logKept()
    return Effect.gen(function* () {
      const sns = yield* Sns.Sns
      const store = yield* MessageStore.MessageStore
      const functions = Functions.make()
      const received: Array<string> = []
      functions.register("reader", (event) => {
        for (const record of event.Records) received.push(record.Sns.Message)
      })
      const { topicArn } = yield* sns.createTopic({ name: "unreadable", attributes: {}, tags: [], dataProtectionPolicy: undefined }, ctx)
      const endpoint = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:reader`
      yield* sns.subscribe({ topicArn, protocol: "lambda", endpoint, attributes: {}, returnSubscriptionArn: false }, ctx)
      // Published before delivery starts, so delivery reads both messages from the store.
      const { messageId: unreadable } = yield* sns.publish(publishInput(topicArn, "unreadable"), ctx)
      yield* sns.publish(publishInput(topicArn, "readable"), ctx)
      const damaged: MessageStore.MessageStoreService = {
        ...store,
        get: (messageId) =>
          messageId === unreadable ? Effect.fail(new Errors.StoreFailure({ message: "the stored envelope has a malformed Sealed body" })) : store.get(messageId)
      }
      yield* Effect.scoped(
        Effect.gen(function* () {
          yield* Dispatcher.start({
            origin: certHost.origin,
            signing: identity,
            functions,
            outbox: Outbox.make(),
            metrics: Metrics.make()
          }).pipe(Effect.provideService(MessageStore.MessageStore, damaged))
          yield* eventually(() => received.includes("readable") && logged.lines.some((l) => l.fields["messageId"] === unreadable))
        })
      )
      expect(received).toEqual(["readable"])
      const line = logged.lines.find((l) => l.fields["messageId"] === unreadable)!
      expect(line.level).toBe("error")
      expect(String(line.fields["reason"])).toContain("malformed Sealed body")
      expect(logged.lines.map((l) => l.message)).not.toContain("stopped with delivery attempts unfinished; they stay pending and are sent after a restart")
      expect(yield* store.due(Number.MAX_SAFE_INTEGER, 10)).toEqual([expect.objectContaining({ messageId: unreadable, attempts: 0 })])
    }).pipe(Effect.scoped, Effect.provide(snsLayer(kms.service)), Effect.provide(logged.layer))
  })

  it.live("lambda: registered functions get Lambda's SNS event; a throw is a failed attempt that is retried", () =>
    withBroker(({ sns, functions, metrics }) =>
      Effect.gen(function* () {
        const events: Array<Functions.SnsEvent> = []
        let calls = 0
        functions.register("audit", (event) => {
          calls++
          if (calls === 1) throw new Error("cold start")
          events.push(event)
        })
        const { topicArn } = yield* sns.createTopic({ name: "audit", attributes: {}, tags: [], dataProtectionPolicy: undefined }, ctx)
        const functionArn = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:audit`
        const { subscriptionArn } = yield* sns.subscribe({ topicArn, protocol: "lambda", endpoint: functionArn, attributes: {}, returnSubscriptionArn: true }, ctx)
        const structured = JSON.stringify({ default: "for everyone", lambda: "for functions" })
        yield* sns.publish(
          publishInput(topicArn, structured, { messageStructure: "json", messageAttributes: { n: { dataType: "String", stringValue: "v" } } }),
          ctx
        )
        yield* eventually(() => events.length === 1)
        expect(calls).toBe(2)
        const record = events[0]!.Records[0]!
        expect(Object.keys(record)).toEqual(["EventSource", "EventVersion", "EventSubscriptionArn", "Sns"])
        expect(record.EventSource).toBe("aws:sns")
        expect(record.EventVersion).toBe("1.0")
        expect(record.EventSubscriptionArn).toBe(subscriptionArn)
        expect(record.Sns.Message).toBe("for functions")
        expect(record.Sns.Subject).toBeNull()
        expect(record.Sns.MessageAttributes).toEqual({ n: { Type: "String", Value: "v" } })
        expect(record.Sns.SigningCertUrl).toBe(`${certHost.origin}/_sealcast/signing-cert.pem`)
        expect(record.Sns.UnsubscribeUrl).toContain("Action=Unsubscribe")
        // AWS's validator reads Lambda's spellings too; the signature covers the same fields.
        yield* Effect.promise(() => validateWithAwsValidator(certHost.host, { ...record.Sns }))
        yield* eventually(() => metrics.render([], Metrics.everything).includes(`sealcast_sns_notifications_delivered_total{topic_arn="${topicArn}",protocol="lambda"} 1`))
      })
    ))

  it.live("application: an enabled device endpoint's push goes to the outbox; a disabled one's is settled without delivery", () =>
    withBroker(({ sns, store, outbox }) =>
      Effect.gen(function* () {
        const { topicArn } = yield* sns.createTopic({ name: "devices", attributes: {}, tags: [], dataProtectionPolicy: undefined }, ctx)
        const { platformApplicationArn } = yield* sns.createPlatformApplication({ name: "app", platform: "GCM", attributes: { PlatformCredential: "k" } }, ctx)
        const endpoint = (token: string) => sns.createPlatformEndpoint({ applicationArn: platformApplicationArn, token, customUserData: undefined, attributes: {} }, ctx)
        const { endpointArn: on } = yield* endpoint("on")
        const { endpointArn: off } = yield* endpoint("off")
        yield* sns.setEndpointAttributes(off, { Enabled: "false" }, ctx)
        for (const arn of [on, off]) yield* sns.subscribe({ topicArn, protocol: "application", endpoint: arn, attributes: {}, returnSubscriptionArn: false }, ctx)
        yield* sns.publish(publishInput(topicArn, JSON.stringify({ default: "d", GCM: "g" }), { messageStructure: "json" }), ctx)
        yield* eventually(() => outbox.snapshot().entries.length === 1)
        yield* eventually(() => Effect.runSync(store.pendingCount) === 0)
        expect(outbox.snapshot().entries.map((e) => [e.protocol, e.endpoint, e.body])).toEqual([["application", on, "g"]])
      })
    ))

  it.live("email, email-json and sms go to the outbox; email confirmations carry their SubscribeURL", () =>
    withBroker(({ sns, outbox }) =>
      Effect.gen(function* () {
        const { topicArn } = yield* sns.createTopic({ name: "people", attributes: {}, tags: [], dataProtectionPolicy: undefined }, ctx)
        for (const [protocol, endpoint] of [["email", "ann@example.com"], ["email-json", "bob@example.com"]] as const) {
          yield* sns.subscribe({ topicArn, protocol, endpoint, attributes: {}, returnSubscriptionArn: false }, ctx)
        }
        yield* sns.subscribe({ topicArn, protocol: "sms", endpoint: "+15555550100", attributes: {}, returnSubscriptionArn: false }, ctx)
        yield* eventually(() => outbox.snapshot().entries.length === 2)
        for (const request of outbox.snapshot().entries) {
          expect(request.type).toBe("SubscriptionConfirmation")
          const token = new URL(request.subscribeUrl!).searchParams.get("Token")!
          yield* sns.confirmSubscription({ topicArn, token, authenticateOnUnsubscribe: false }, undefined)
        }
        const structured = JSON.stringify({ default: "plain words", email: "dear Ann", sms: "txt" })
        const { messageId } = yield* sns.publish(publishInput(topicArn, structured, { subject: "News", messageStructure: "json" }), ctx)
        yield* eventually(() => outbox.snapshot().entries.length === 5)
        const notes = outbox.snapshot().entries.filter((e) => e.type === "Notification")
        const byProtocol = Object.fromEntries(notes.map((e) => [e.protocol, e]))
        expect(byProtocol["email"]!.body).toBe("dear Ann")
        expect(byProtocol["email"]!.subject).toBe("News")
        expect(byProtocol["sms"]!.body).toBe("txt")
        const envelope = json(byProtocol["email-json"]!.body)
        expect(envelope["Message"]).toBe("plain words")
        expect(envelope["MessageId"]).toBe(messageId)
        yield* Effect.promise(() => validateWithAwsValidator(certHost.host, envelope))
        const response = outbox.response("000000000000")
        expect(response.status).toBe(200)
        expect(response.contentType).toBe("application/json")
        expect(JSON.parse(response.body).counts).toEqual({ email: 2, "email-json": 2, sms: 1 })
      })
    ))

  it.live("a sealed body that does not open is logged once, without its plaintext, and counted against the subscription it holds back", () => {
    const kms = makeTestKms(KEY_ARN)
    // The key has been disabled since the message was published: every Decrypt is refused.
    let decryptRefused = false
    const service = {
      ...kms.service,
      decrypt: (...args: Parameters<typeof kms.service.decrypt>) =>
        decryptRefused ? Effect.fail(new Errors.KMSInvalidState({ message: `${KEY_ARN} is disabled.` })) : kms.service.decrypt(...args)
    }
    const log = logKept()
    const metrics = Metrics.make()
    const functions = Functions.make()
    let calls = 0
    functions.register("reader", () => {
      calls++
    })
    return Effect.gen(function* () {
      const sns = yield* Sns.Sns
      const store = yield* MessageStore.MessageStore
      yield* Dispatcher.start({
        origin: certHost.origin,
        signing: identity,
        functions,
        outbox: Outbox.make(),
        metrics
      })
      const { topicArn } = yield* sns.createTopic({ name: "sealed", attributes: { KmsMasterKeyId: KEY_ARN }, tags: [], dataProtectionPolicy: undefined }, ctx)
      const functionArn = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:reader`
      const { subscriptionArn } = yield* sns.subscribe({ topicArn, protocol: "lambda", endpoint: functionArn, attributes: {}, returnSubscriptionArn: true }, ctx)
      decryptRefused = true
      const { messageId } = yield* sns.publish(publishInput(topicArn, "the vault code is 1234"), ctx)
      // Lambda's policy retries three times at once: four refusals, one log line.
      const refusals = `sealcast_sns_sealed_body_refusals_total{topic_arn="${topicArn}",subscription_arn="${subscriptionArn}"}`
      yield* eventually(() => metrics.render([], Metrics.everything).includes(`${refusals} 4`))
      const logged = log.lines.filter((l) => l.message.includes("sealed message body could not be opened"))
      expect(logged).toEqual([
        {
          level: "error",
          message: "a sealed message body could not be opened; its deliveries are held back",
          fields: { messageId, topicArn, keyArn: KEY_ARN, reason: `KMSInvalidState: ${KEY_ARN} is disabled.` }
        }
      ])
      expect(JSON.stringify(log.lines)).not.toContain("1234")
      expect(calls).toBe(0)
      expect(yield* store.pendingCount).toBe(1)
    }).pipe(Effect.scoped, Effect.provide(snsLayer(service)), Effect.provide(log.layer))
  })
})

describe("Dispatcher (interleavings)", () => {
  it("whatever order functions answer in, each message is delivered exactly once, failures retried, within the attempt slots", async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.array(fc.boolean(), { minLength: 1, maxLength: 12 }), async (s, failsFirst) => {
        const kms = makeTestKms(KEY_ARN)
        const functions = Functions.make()
        const concurrency = 2
        const bodies = failsFirst.map((_, i) => `m${i}`)
        const delivered = new Map<string, number>()
        const failedOnce = new Set<string>()
        let running = 0
        let mostRunning = 0
        functions.register("f", async (event) => {
          const body = event.Records[0]!.Sns.Message
          running++
          mostRunning = Math.max(mostRunning, running)
          try {
            // fc.scheduler decides when each invocation answers, relative to every other.
            await s.schedule(Promise.resolve(), body)
          } finally {
            running--
          }
          if (failsFirst[Number(body.slice(1))] === true && !failedOnce.has(body)) {
            failedOnce.add(body)
            throw new Error("fails its first attempt")
          }
          delivered.set(body, (delivered.get(body) ?? 0) + 1)
        })
        const program = Effect.gen(function* () {
          const sns = yield* Sns.Sns
          const store = yield* MessageStore.MessageStore
          yield* Effect.scoped(
            Effect.gen(function* () {
              yield* Dispatcher.start({ origin: certHost.origin, signing: identity, functions, outbox: Outbox.make(), metrics: Metrics.make(), concurrency })
              const { topicArn } = yield* sns.createTopic({ name: "interleaved", attributes: {}, tags: [], dataProtectionPolicy: undefined }, ctx)
              const functionArn = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:f`
              yield* sns.subscribe({ topicArn, protocol: "lambda", endpoint: functionArn, attributes: {}, returnSubscriptionArn: true }, ctx)
              yield* Effect.forEach(bodies, (body) => sns.publish(publishInput(topicArn, body), ctx), { discard: true })
              // Let the scheduler release answers one at a time until everything is settled; between
              // answers, one event-loop turn lets delivery act. The bound only catches a hang.
              for (let turn = 0; turn < 100_000; turn++) {
                if (delivered.size === bodies.length && (yield* store.pendingCount) === 0) break
                if (s.count() > 0) yield* Effect.promise(() => s.waitOne())
                else yield* Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)))
              }
            })
          )
          // Stopped: every attempt in flight has finished.
          expect(yield* store.pendingCount).toBe(0)
        }).pipe(Effect.provide(snsLayer(kms.service)))
        await Effect.runPromise(program)
        expect(Object.fromEntries(delivered)).toEqual(Object.fromEntries(bodies.map((b) => [b, 1])))
        expect(mostRunning).toBeLessThanOrEqual(concurrency)
      }),
      { numRuns: 25 }
    )
  })
})
