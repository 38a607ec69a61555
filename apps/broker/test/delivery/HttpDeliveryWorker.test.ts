import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import * as HttpDelivery from "../../src/delivery/HttpDelivery.js"
import * as WorkerEntry from "../../src/internal/WorkerEntry.js"
import { eventually, startSubscriber } from "./support/Fixtures.js"

const notification = (url: string, body = "hello"): HttpDelivery.Post => ({
  url,
  messageType: "Notification",
  messageId: "5d2b2f6c-9f0e-4c1a-8a8a-3f1c1d2e4b5a",
  topicArn: "arn:aws:sns:us-east-1:000000000000:orders",
  subscriptionArn: "arn:aws:sns:us-east-1:000000000000:orders:0f3a7c55-6d6e-4a51-9d59-1c5d5b0c8b11",
  raw: true,
  contentType: undefined,
  body
})

/** An endpoint that reads each request and never answers; it counts requests and closed connections. */
const silentEndpoint = Effect.acquireRelease(
  Effect.promise(async () => {
    const seen = { requests: 0, closed: 0 }
    const server = http.createServer((req, res) => {
      seen.requests++
      req.resume()
      res.on("close", () => seen.closed++)
    })
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, seen, server }
  }),
  ({ server }) =>
    Effect.promise(
      () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections()
          server.close(() => resolve())
        })
    )
)

const subscriber = Effect.acquireRelease(Effect.promise(() => startSubscriber()), (s) => Effect.promise(() => s.close()))

describe("HttpDelivery's worker", () => {
  it.scopedLive("abandoning a post cancels its request in the worker, and its outcome says so", () =>
    Effect.gen(function* () {
      const endpoint = yield* silentEndpoint
      const sender = yield* HttpDelivery.makeHttpPoster(undefined)
      let outcome: HttpDelivery.DeliveryFailed | undefined | "none" = "none"
      const abandon = sender.send(notification(endpoint.url), (failure) => {
        outcome = failure
      })
      yield* eventually(() => endpoint.seen.requests === 1)
      abandon()
      yield* eventually(() => endpoint.seen.closed === 1 && outcome !== "none")
      expect(outcome).toEqual(new HttpDelivery.DeliveryFailed({ reason: "the request was abandoned" }))
    }))

  it.scopedLive("interrupting `post` cancels its request in the worker", () =>
    Effect.gen(function* () {
      const endpoint = yield* silentEndpoint
      const sender = yield* HttpDelivery.makeHttpPoster(undefined)
      const posting = yield* Effect.fork(sender.post(notification(endpoint.url)))
      yield* eventually(() => endpoint.seen.requests === 1)
      yield* Fiber.interrupt(posting)
      yield* eventually(() => endpoint.seen.closed === 1)
    }))

  it.scopedLive("a worker that dies fails every post in flight, and the next post starts a new worker", () =>
    Effect.gen(function* () {
      const endpoint = yield* silentEndpoint
      const answering = yield* subscriber
      const crashing = WorkerEntry.typeScriptWorker(new URL("./support/CrashingWorker.ts", import.meta.url))
      const sender = yield* HttpDelivery.makeHttpPoster(undefined, crashing)
      const waiting = yield* Effect.fork(Effect.flip(sender.post(notification(endpoint.url))))
      yield* eventually(() => endpoint.seen.requests === 1)
      const crash = yield* Effect.flip(sender.post(notification(endpoint.url, "crash")))
      const inFlight = yield* Fiber.join(waiting)
      expect(crash.reason).toBe("the delivery worker exited with code 1")
      expect(inFlight.reason).toBe("the delivery worker exited with code 1")
      yield* sender.post(notification(answering.url, "after the crash"))
      expect(answering.received.map((r) => r.body)).toEqual(["after the crash"])
    }))

  it.scopedLive("a worker that cannot start fails its posts rather than leaving them waiting", () =>
    Effect.gen(function* () {
      const missing = { script: new URL("./NoSuchWorker.js", import.meta.url), eval: false }
      const sender = yield* HttpDelivery.makeHttpPoster(undefined, missing)
      const first = yield* Effect.flip(sender.post(notification("http://127.0.0.1:9/")))
      const second = yield* Effect.flip(sender.post(notification("http://127.0.0.1:9/")))
      expect(first.reason).toContain("the delivery worker failed")
      expect(second.reason).toContain("the delivery worker failed")
      const refused = yield* HttpDelivery.makeHttpPoster(undefined, { script: "not/an/absolute/path.js", eval: false })
      expect((yield* Effect.flip(refused.post(notification("http://127.0.0.1:9/")))).reason).toContain("must be an absolute path")
    }))

  it.scopedLive("posts after the sender's scope closed fail at once", () =>
    Effect.gen(function* () {
      const answering = yield* subscriber
      const sender = yield* Effect.scoped(
        Effect.gen(function* () {
          const open = yield* HttpDelivery.makeHttpPoster(undefined)
          yield* open.post(notification(answering.url))
          return open
        })
      )
      const failure = yield* Effect.flip(sender.post(notification(answering.url)))
      expect(failure.reason).toBe("the delivery worker is stopped")
      expect(answering.received).toHaveLength(1)
    }))
})
