import { describe, expect, it } from "@effect/vitest"
import { type Message, MessageStore, type Replay } from "@sealcast/core"
import { Effect } from "effect"
import * as fc from "fast-check"
import { archived } from "../../src/delivery/Replayer.js"

const TOPIC = "arn:aws:sns:us-east-1:000000000000:orders.fifo"

const message = (n: number, timestamp: number): Message.StoredMessage => ({
  messageId: `m${n}`,
  topicArn: TOPIC,
  subject: undefined,
  attributes: {},
  messageStructure: undefined,
  timestamp,
  publisher: "arn:aws:iam::000000000000:root",
  fifo: undefined,
  body: { _tag: "Plain", text: `m${n}` }
})

describe("Replayer: reading the archive", () => {
  it("reads every message of the window once, in archive order, whatever the page size and however many share an instant", async () => {
    await fc.assert(
      fc.asyncProperty(
        // Non-decreasing instants, many of them equal, as a burst of publishes in one millisecond has.
        fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 40 }),
        fc.integer({ min: 0, max: 30 }),
        fc.option(fc.integer({ min: 0, max: 40 }), { nil: undefined }),
        fc.integer({ min: 1, max: 5 }),
        async (steps, start, end, page) => {
          let at = 0
          const messages = steps.map((step, n) => message(n, (at += step)))
          const store = MessageStore.makeMemory()
          await Effect.runPromise(store.append(messages.map((m) => ({ message: m, subscriptionArns: [] }))))
          const replay: Replay.Replay = { status: "Pending", startingPoint: start, endingPoint: end, requestedAt: 35 }
          const got = await Effect.runPromise(archived(store, TOPIC, replay, page))
          const last = end ?? 35
          expect(got.map((m) => m.messageId)).toEqual(messages.filter((m) => m.timestamp >= start && m.timestamp <= last).map((m) => m.messageId))
        }
      ),
      { numRuns: 300 }
    )
  })
})
