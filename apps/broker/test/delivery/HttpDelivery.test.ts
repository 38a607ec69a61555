import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as HttpDelivery from "../../src/delivery/HttpDelivery.js"
import { startSubscriber } from "./support/Fixtures.js"

const notification = (url: string, extra: Partial<HttpDelivery.Post> = {}): HttpDelivery.Post => ({
  url,
  messageType: "Notification",
  messageId: "5d2b2f6c-9f0e-4c1a-8a8a-3f1c1d2e4b5a",
  topicArn: "arn:aws:sns:us-east-1:000000000000:orders",
  subscriptionArn: "arn:aws:sns:us-east-1:000000000000:orders:0f3a7c55-6d6e-4a51-9d59-1c5d5b0c8b11",
  raw: false,
  contentType: undefined,
  body: "{\"Type\" : \"Notification\"}",
  ...extra
})

const subscriber = (...args: Parameters<typeof startSubscriber>) =>
  Effect.acquireRelease(Effect.promise(() => startSubscriber(...args)), (s) => Effect.promise(() => s.close()))

describe("HttpDelivery", () => {
  it.scoped("a notification carries SNS's headers, its Host and its length, and a 2xx answer is a delivery", () =>
    Effect.gen(function* () {
      const endpoint = yield* subscriber()
      const sender = yield* HttpDelivery.makeHttpPoster(undefined)
      const post = notification(endpoint.url, { body: "héllo" })
      yield* sender.post(post)
      yield* sender.post({ ...post, raw: true, contentType: "application/json" })
      const [first, second] = endpoint.received
      expect(first?.body).toBe("héllo")
      expect(first?.headers).toMatchObject({
        host: `127.0.0.1:${endpoint.port}`,
        "x-amz-sns-message-type": "Notification",
        "x-amz-sns-message-id": post.messageId,
        "x-amz-sns-topic-arn": post.topicArn,
        "x-amz-sns-subscription-arn": post.subscriptionArn,
        "content-type": HttpDelivery.DEFAULT_CONTENT_TYPE,
        "user-agent": HttpDelivery.USER_AGENT,
        "content-length": String(Buffer.byteLength("héllo"))
      })
      expect(first?.headers["x-amz-sns-rawdelivery"]).toBeUndefined()
      expect(first?.headers["authorization"]).toBeUndefined()
      expect(second?.headers["x-amz-sns-rawdelivery"]).toBe("true")
      expect(second?.headers["content-type"]).toBe("application/json")
    }))

  it.scoped("a confirmation has no subscription ARN header", () =>
    Effect.gen(function* () {
      const endpoint = yield* subscriber()
      const sender = yield* HttpDelivery.makeHttpPoster(undefined)
      yield* sender.post(notification(endpoint.url, { messageType: "SubscriptionConfirmation", subscriptionArn: undefined }))
      expect(endpoint.received[0]?.headers["x-amz-sns-message-type"]).toBe("SubscriptionConfirmation")
      expect(endpoint.received[0]?.headers["x-amz-sns-subscription-arn"]).toBeUndefined()
    }))

  it.scoped("credentials in the endpoint URL are sent as basic authorization", () =>
    Effect.gen(function* () {
      const endpoint = yield* subscriber()
      const sender = yield* HttpDelivery.makeHttpPoster(undefined)
      yield* sender.post(notification(endpoint.url.replace("http://", "http://alice:p%40ss@")))
      expect(endpoint.received[0]?.headers["authorization"]).toBe(`Basic ${Buffer.from("alice:p@ss").toString("base64")}`)
      expect(endpoint.received[0]?.headers["host"]).toBe(`127.0.0.1:${endpoint.port}`)
    }))

  it.scoped("another status, a bad URL, an unsupported scheme and an unsendable header are failed attempts, not throws", () =>
    Effect.gen(function* () {
      const endpoint = yield* subscriber(() => 503)
      const sender = yield* HttpDelivery.makeHttpPoster(undefined)
      const reasonOf = (post: HttpDelivery.Post) => Effect.flip(sender.post(post)).pipe(Effect.map((e) => e.reason))
      expect(yield* reasonOf(notification(endpoint.url))).toBe("HTTP 503")
      expect(yield* reasonOf(notification("not a url"))).toBe("not a URL: not a url")
      expect(yield* reasonOf(notification("ftp://127.0.0.1/"))).toBe("unsupported scheme ftp:")
      expect(yield* reasonOf(notification("http://%zz@127.0.0.1/"))).toContain("percent-encoding")
      expect(yield* reasonOf(notification(endpoint.url, { contentType: "text/plain\r\nx-injected: yes" }))).toContain("content-type")
      expect(endpoint.received).toHaveLength(1)
    }))

  it.scoped("a refused connection is a failed attempt", () =>
    Effect.gen(function* () {
      const closed = yield* Effect.promise(() => startSubscriber())
      yield* Effect.promise(() => closed.close())
      const sender = yield* HttpDelivery.makeHttpPoster(undefined)
      const failure = yield* Effect.flip(sender.post(notification(closed.url)))
      expect(failure._tag).toBe("DeliveryFailed")
      expect(failure.reason).toContain("ECONNREFUSED")
    }))
})
