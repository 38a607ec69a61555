import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { MessageStore, Sns } from "@sealcast/core"
import { Effect, type Scope } from "effect"
import * as Dispatcher from "../../src/delivery/Dispatcher.js"
import * as Functions from "../../src/delivery/Functions.js"
import * as Outbox from "../../src/delivery/Outbox.js"
import type { SigningIdentity } from "../../src/delivery/Signature.js"
import * as Metrics from "../../src/metrics/Metrics.js"
import {
  ACCOUNT,
  ctx,
  eventually,
  makeIdentity,
  makeTestKms,
  publishInput,
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

interface Env {
  readonly sns: Sns.SnsService
  readonly store: MessageStore.MessageStoreService
  readonly outbox: Outbox.Outbox
  readonly metrics: Metrics.Metrics
  readonly functions: Functions.Functions
  readonly kms: ReturnType<typeof makeTestKms>
}

/** A running Sns service with the dispatcher and metrics started, for the length of `test`. */
const withBroker = (
  test: (env: Env) => Effect.Effect<void, unknown, Scope.Scope>,
  options: { readonly concurrency?: number; readonly caPem?: string } = {}
) => {
  const kms = makeTestKms(KEY_ARN)
  const outbox = Outbox.make()
  const metrics = Metrics.make()
  const functions = Functions.make()
  return Effect.gen(function* () {
    yield* Metrics.follow(metrics)
    yield* Dispatcher.start({
      origin: certHost.origin,
      signing: identity,
      functions,
      outbox,
      metrics,
      log: () => {},
      concurrency: options.concurrency,
      caPem: options.caPem
    })
    yield* test({ sns: yield* Sns.Sns, store: yield* MessageStore.MessageStore, outbox, metrics, functions, kms })
  }).pipe(Effect.scoped, Effect.provide(snsLayer(kms.service)))
}

const subscriber = (...args: Parameters<typeof startSubscriber>) =>
  Effect.acquireRelease(Effect.promise(() => startSubscriber(...args)), (s) => Effect.promise(() => s.close()))

const json = (body: string) => JSON.parse(body) as Record<string, unknown>

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

        yield* eventually(() => metrics.render([]).includes(`sealcast_sns_notifications_delivered_total{topic_arn="${topicArn}",protocol="http"} 1`))
        expect(metrics.render([])).toContain(`sealcast_sns_messages_published_total{topic_arn="${topicArn}"} 1`)
      })
    ))

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
})
