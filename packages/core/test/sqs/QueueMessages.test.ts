/**
 * The message rules of a queue one at a time: send checks and delays, receive and visibility,
 * receipt handles, ChangeMessageVisibility's limits, DeleteMessage with old handles, retention,
 * PurgeQueue's interval, redrive, FIFO groups, deduplication, sequence numbers and receive attempts,
 * and the long-poll decision.
 */
import { Either } from "effect"
import { describe, expect, it } from "vitest"
import * as Fifo from "../../src/Fifo.js"
import * as Queue from "../../src/sqs/Queue.js"
import * as QueueMessages from "../../src/sqs/QueueMessages.js"
import * as ReceiptHandle from "../../src/sqs/ReceiptHandle.js"

const OWNER: Queue.Owner = { accountId: "000000000000", region: "us-east-1", origin: "https://localhost:9324" }
const T0 = 1_800_000_000_000

const makeQueue = (name: string, attributes: Record<string, string> = {}) =>
  Either.getOrThrow(Queue.make({ name, attributes: name.endsWith(".fifo") ? { FifoQueue: "true", ...attributes } : attributes }, OWNER, T0))

const tagOf = (e: Either.Either<unknown, { readonly _tag: string }>) => (Either.isLeft(e) ? e.left._tag : "Right")

let ids = 0
const sendInput = (body: string, extra: Partial<QueueMessages.SendInput> = {}): QueueMessages.SendInput => ({
  body,
  attributes: {},
  delaySeconds: undefined,
  messageGroupId: undefined,
  messageDeduplicationId: undefined,
  messageId: `m-${++ids}`,
  senderId: OWNER.accountId,
  ...extra
})

const receiveInput = (extra: Partial<QueueMessages.ReceiveInput> = {}): QueueMessages.ReceiveInput => ({
  maxNumberOfMessages: 10,
  visibilityTimeout: undefined,
  waitTimeSeconds: undefined,
  receiveRequestAttemptId: undefined,
  nonce: `n${++ids}`,
  ...extra
})

const send = (state: QueueMessages.QueueState, queue: Queue.Queue, body: string, now = T0, extra: Partial<QueueMessages.SendInput> = {}) =>
  Either.getOrThrow(QueueMessages.send(state, queue, sendInput(body, extra), now))

const receive = (state: QueueMessages.QueueState, queue: Queue.Queue, now = T0, extra: Partial<QueueMessages.ReceiveInput> = {}) =>
  Either.getOrThrow(QueueMessages.receive(state, queue, receiveInput(extra), now))

const bodies = (r: QueueMessages.ReceiveResult) => r.messages.map((m) => m.message.body)

describe("SendMessage", () => {
  const queue = makeQueue("q", { MaximumMessageSize: "1024" })

  it("answers the body's and attributes' MD5", () => {
    const r = send(QueueMessages.empty(), queue, "hello")
    expect(r.md5OfMessageBody).toBe("5d41402abc4b2a76b9719d911017c592")
    expect(r.md5OfMessageAttributes).toBeUndefined()
    expect(r.sequenceNumber).toBeUndefined()
  })

  it("takes the allowed characters only", () => {
    expect(tagOf(QueueMessages.send(QueueMessages.empty(), queue, sendInput("tab\t nl\n cr\r é \u{1F600} \uFFFD"), T0))).toBe("Right")
    for (const bad of ["\u0000", "\u0008", "\u001F", "\uFFFE", "\uD800", "x\uDC00"]) {
      expect(tagOf(QueueMessages.send(QueueMessages.empty(), queue, sendInput(bad), T0))).toBe("InvalidMessageContents")
    }
    expect(tagOf(QueueMessages.send(QueueMessages.empty(), queue, sendInput(""), T0))).toBe("MissingParameter")
  })

  it("counts body and attributes against MaximumMessageSize", () => {
    expect(tagOf(QueueMessages.send(QueueMessages.empty(), queue, sendInput("x".repeat(1024)), T0))).toBe("Right")
    const over = QueueMessages.send(QueueMessages.empty(), queue, sendInput("x".repeat(1025)), T0)
    expect(over).toEqual(
      Either.left(expect.objectContaining({ _tag: "InvalidParameterValue", message: "One or more parameters are invalid. Reason: Message must be shorter than 1024 bytes." }))
    )
    const withAttribute = sendInput("x".repeat(1010), { attributes: { k: { dataType: "String", stringValue: "0123456789" } } })
    expect(tagOf(QueueMessages.send(QueueMessages.empty(), queue, withAttribute, T0))).toBe("InvalidParameterValue")
  })

  it("checks message attributes", () => {
    const attempt = (attributes: QueueMessages.SendInput["attributes"]) =>
      tagOf(QueueMessages.send(QueueMessages.empty(), queue, sendInput("b", { attributes }), T0))
    expect(attempt({ n: { dataType: "Number.int", stringValue: "42" }, b: { dataType: "Binary", binaryValue: Uint8Array.of(1) } })).toBe("Right")
    expect(attempt({ n: { dataType: "Number", stringValue: "forty" } })).toBe("InvalidParameterValue")
    expect(attempt({ s: { dataType: "String", stringValue: "" } })).toBe("InvalidParameterValue")
    expect(attempt({ s: { dataType: "Text", stringValue: "x" } })).toBe("InvalidParameterValue")
    expect(attempt({ "AWS.x": { dataType: "String", stringValue: "x" } })).toBe("InvalidParameterValue")
    const eleven = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`a${i}`, { dataType: "String", stringValue: "v" }]))
    expect(attempt(eleven)).toBe("InvalidParameterValue")
  })

  it("delays by the message's DelaySeconds, else the queue's", () => {
    const delayed = makeQueue("d", { DelaySeconds: "10" })
    let state = send(QueueMessages.empty(), delayed, "queue delay").state
    state = send(state, delayed, "own delay", T0, { delaySeconds: 0 }).state
    expect(QueueMessages.counts(state, T0)).toEqual({ visible: 1, inflight: 0, delayed: 1 })
    expect(bodies(receive(state, delayed, T0))).toEqual(["own delay"])
    expect(bodies(receive(state, delayed, T0 + 10_000))).toEqual(["queue delay", "own delay"])
    expect(tagOf(QueueMessages.send(state, delayed, sendInput("b", { delaySeconds: 901 }), T0))).toBe("InvalidParameterValue")
  })

  it("refuses a deduplication id on a standard queue", () => {
    expect(tagOf(QueueMessages.send(QueueMessages.empty(), queue, sendInput("b", { messageDeduplicationId: "d" }), T0))).toBe("InvalidParameterValue")
  })
})

describe("ReceiveMessage, visibility and deletion", () => {
  const queue = makeQueue("q")

  it("hides a received message for the visibility timeout and counts its receives", () => {
    const state = send(QueueMessages.empty(), queue, "a").state
    const first = receive(state, queue, T0 + 1_000)
    const [m] = first.messages
    expect(m!.message.receiveCount).toBe(1)
    expect(QueueMessages.systemAttributes(m!.message)).toEqual({
      SenderId: OWNER.accountId,
      SentTimestamp: String(T0),
      ApproximateReceiveCount: "1",
      ApproximateFirstReceiveTimestamp: String(T0 + 1_000)
    })
    expect(QueueMessages.counts(first.state, T0 + 30_999)).toEqual({ visible: 0, inflight: 1, delayed: 0 })
    expect(receive(first.state, queue, T0 + 30_999).messages).toEqual([])
    const second = receive(first.state, queue, T0 + 31_000)
    expect(second.messages[0]!.message.receiveCount).toBe(2)
    expect(second.messages[0]!.message.firstReceivedAt).toBe(T0 + 1_000)
    expect(second.messages[0]!.receiptHandle).not.toBe(m!.receiptHandle)
  })

  it("takes the request's visibility timeout over the queue's and checks the ranges", () => {
    const state = send(QueueMessages.empty(), queue, "a").state
    const r = receive(state, queue, T0, { visibilityTimeout: 5 })
    expect(bodies(receive(r.state, queue, T0 + 5_000))).toEqual(["a"])
    for (const bad of [{ maxNumberOfMessages: 0 }, { maxNumberOfMessages: 11 }, { visibilityTimeout: 43_201 }, { waitTimeSeconds: 21 }]) {
      expect(tagOf(QueueMessages.receive(state, queue, receiveInput(bad), T0))).toBe("InvalidParameterValue")
    }
  })

  it("returns at most MaxNumberOfMessages, oldest first", () => {
    let state = QueueMessages.empty()
    for (const b of ["1", "2", "3"]) state = send(state, queue, b).state
    expect(bodies(receive(state, queue, T0, { maxNumberOfMessages: 2 }))).toEqual(["1", "2"])
  })

  it("deletes with the latest handle only; an older one succeeds without deleting", () => {
    const state = send(QueueMessages.empty(), queue, "a").state
    const first = receive(state, queue, T0, { visibilityTimeout: 0 })
    const second = receive(first.state, queue, T0)
    const old = Either.getOrThrow(QueueMessages.deleteMessage(second.state, queue, first.messages[0]!.receiptHandle, T0))
    expect(old.deleted).toBe(false)
    expect(old.state.messages.size).toBe(1)
    const latest = Either.getOrThrow(QueueMessages.deleteMessage(old.state, queue, second.messages[0]!.receiptHandle, T0 + 60_000))
    expect(latest.deleted).toBe(true)
    expect(latest.state.messages.size).toBe(0)
    // Deleting again succeeds: the message is gone.
    expect(Either.getOrThrow(QueueMessages.deleteMessage(latest.state, queue, second.messages[0]!.receiptHandle, T0)).deleted).toBe(false)
    expect(tagOf(QueueMessages.deleteMessage(latest.state, queue, "garbage", T0))).toBe("ReceiptHandleIsInvalid")
  })

  it("changes visibility from now, up to 12 hours after the receive", () => {
    const state = send(QueueMessages.empty(), queue, "a").state
    const r = receive(state, queue, T0)
    const handle = r.messages[0]!.receiptHandle
    const later = Either.getOrThrow(QueueMessages.changeVisibility(r.state, queue, handle, 100, T0 + 20_000)).state
    expect(receive(later, queue, T0 + 119_999).messages).toEqual([])
    expect(bodies(receive(later, queue, T0 + 120_000))).toEqual(["a"])
    expect(tagOf(QueueMessages.changeVisibility(r.state, queue, handle, 43_200, T0))).toBe("Right")
    expect(tagOf(QueueMessages.changeVisibility(r.state, queue, handle, 43_200, T0 + 1_000))).toBe("InvalidParameterValue")
    expect(tagOf(QueueMessages.changeVisibility(r.state, queue, handle, 43_201, T0))).toBe("InvalidParameterValue")
    const visible = Either.getOrThrow(QueueMessages.changeVisibility(r.state, queue, handle, 0, T0 + 1_000)).state
    expect(QueueMessages.counts(visible, T0 + 1_000).visible).toBe(1)
    // Once the handle's receive is over, a change succeeds and leaves the message visible.
    const after = Either.getOrThrow(QueueMessages.changeVisibility(visible, queue, handle, 10, T0 + 1_000))
    expect(after.changed).toBe(false)
    expect(QueueMessages.counts(after.state, T0 + 1_000).visible).toBe(1)
    const deleted = Either.getOrThrow(QueueMessages.deleteMessage(r.state, queue, handle, T0)).state
    expect(tagOf(QueueMessages.changeVisibility(deleted, queue, handle, 10, T0))).toBe("InvalidParameterValue")
  })

  it("reads back the handles it writes", () => {
    const handle = { messageId: "9b2f-…", receive: 3, nonce: "00ff" }
    expect(Either.getOrThrow(ReceiptHandle.decode(ReceiptHandle.encode(handle)))).toEqual(handle)
  })
})

describe("Retention and PurgeQueue", () => {
  it("drops messages after MessageRetentionPeriod, in flight or not", () => {
    const queue = makeQueue("q", { MessageRetentionPeriod: "60" })
    let state = send(QueueMessages.empty(), queue, "a").state
    state = send(state, queue, "b", T0 + 30_000).state
    state = receive(state, queue, T0 + 30_000, { maxNumberOfMessages: 1, visibilityTimeout: 600 }).state
    expect(QueueMessages.counts(QueueMessages.expire(state, queue, T0 + 59_999), T0 + 59_999)).toEqual({ visible: 1, inflight: 1, delayed: 0 })
    expect(bodies(receive(state, queue, T0 + 60_000))).toEqual(["b"])
    expect(QueueMessages.expire(state, queue, T0 + 90_000).messages.size).toBe(0)
  })

  it("purges once every 60 seconds", () => {
    const queue = makeQueue("q")
    const state = send(QueueMessages.empty(), queue, "a").state
    const purged = Either.getOrThrow(QueueMessages.purge(state, queue, T0))
    expect(purged.messages.size).toBe(0)
    expect(QueueMessages.purge(purged, queue, T0 + 59_999)).toEqual(
      Either.left(expect.objectContaining({ _tag: "PurgeQueueInProgress", message: "Only one PurgeQueue operation on q is allowed every 60 seconds." }))
    )
    expect(tagOf(QueueMessages.purge(purged, queue, T0 + 60_000))).toBe("Right")
  })
})

describe("Redrive", () => {
  it("moves a message received maxReceiveCount times at the next receive", () => {
    const dlq = makeQueue("dlq", { MessageRetentionPeriod: "1209600" })
    const queue = makeQueue("q", { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 2 }), VisibilityTimeout: "0" })
    let state = send(QueueMessages.empty(), queue, "poison").state
    for (const count of [1, 2]) {
      const r = receive(state, queue, T0)
      expect(r.messages.map((m) => m.message.receiveCount)).toEqual([count])
      state = r.state
    }
    const third = receive(state, queue, T0 + 1_000)
    expect(third.messages).toEqual([])
    expect(third.redriven.map((m) => m.body)).toEqual(["poison"])
    expect(third.state.messages.size).toBe(0)
    const dead = QueueMessages.acceptRedriven(QueueMessages.empty(), dlq, third.redriven, T0 + 1_000)
    const got = receive(dead, dlq, T0 + 1_000)
    expect(bodies(got)).toEqual(["poison"])
    // A standard dead-letter queue keeps the original enqueue time for retention.
    expect(got.messages[0]!.message.enqueuedAt).toBe(T0)
  })
})

describe("FIFO queues", () => {
  const queue = makeQueue("q.fifo")

  it("needs a group id, and a deduplication id unless content-based deduplication is on", () => {
    expect(tagOf(QueueMessages.send(QueueMessages.empty(), queue, sendInput("a", { messageDeduplicationId: "d" }), T0))).toBe("MissingParameter")
    expect(QueueMessages.send(QueueMessages.empty(), queue, sendInput("a", { messageGroupId: "g" }), T0)).toEqual(
      Either.left(
        expect.objectContaining({
          _tag: "InvalidParameterValue",
          message: "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly"
        })
      )
    )
    expect(tagOf(QueueMessages.send(QueueMessages.empty(), queue, sendInput("a", { messageGroupId: "g", messageDeduplicationId: "d", delaySeconds: 1 }), T0))).toBe(
      "InvalidParameterValue"
    )
    expect(tagOf(QueueMessages.send(QueueMessages.empty(), queue, sendInput("a", { messageGroupId: "g", messageDeduplicationId: "with space" }), T0))).toBe(
      "InvalidParameterValue"
    )
  })

  it("deduplicates inside 5 minutes and numbers messages in order", () => {
    const g = { messageGroupId: "g" }
    const first = send(QueueMessages.empty(), queue, "a", T0, { ...g, messageDeduplicationId: "d" })
    const dup = send(first.state, queue, "other", T0 + Fifo.DEDUPLICATION_WINDOW_MS - 1, { ...g, messageDeduplicationId: "d" })
    expect(dup.duplicate).toBe(true)
    expect(dup.messageId).toBe(first.messageId)
    expect(dup.sequenceNumber).toBe(first.sequenceNumber)
    expect(dup.state).toBe(first.state)
    const after = send(first.state, queue, "again", T0 + Fifo.DEDUPLICATION_WINDOW_MS, { ...g, messageDeduplicationId: "d" })
    expect(after.duplicate).toBe(false)
    expect(first.sequenceNumber).toMatch(/^\d{20,}$/)
    expect(BigInt(after.sequenceNumber!)).toBeGreaterThan(BigInt(first.sequenceNumber!))
  })

  it("deduplicates by the body's SHA-256 with ContentBasedDeduplication, per group with DeduplicationScope=messageGroup", () => {
    const content = makeQueue("c.fifo", { ContentBasedDeduplication: "true", DeduplicationScope: "messageGroup" })
    const a = send(QueueMessages.empty(), content, "same", T0, { messageGroupId: "g1" })
    expect(send(a.state, content, "same", T0, { messageGroupId: "g1" }).duplicate).toBe(true)
    expect(send(a.state, content, "same", T0, { messageGroupId: "g2" }).duplicate).toBe(false)
    expect(a.state.messages.get(a.messageId)!.deduplicationId).toBe(Fifo.contentDeduplicationId("same"))
  })

  it("blocks a group while one of its messages is in flight, and keeps its order", () => {
    let state = QueueMessages.empty()
    for (const [body, group] of [["a1", "a"], ["b1", "b"], ["a2", "a"], ["b2", "b"]] as const) {
      state = send(state, queue, body, T0, { messageGroupId: group, messageDeduplicationId: body }).state
    }
    const first = receive(state, queue, T0, { maxNumberOfMessages: 1 })
    expect(bodies(first)).toEqual(["a1"])
    const second = receive(first.state, queue, T0)
    expect(bodies(second)).toEqual(["b1", "b2"])
    expect(receive(second.state, queue, T0).messages).toEqual([])
    const deleted = Either.getOrThrow(QueueMessages.deleteMessage(second.state, queue, first.messages[0]!.receiptHandle, T0)).state
    expect(bodies(receive(deleted, queue, T0))).toEqual(["a2"])
    // When the visibility timeouts end without a delete, each group comes back in order, one group
    // whole before the next.
    expect(bodies(receive(second.state, queue, T0 + 30_000))).toEqual(["a1", "a2", "b1", "b2"])
    expect(bodies(receive(second.state, queue, T0 + 30_000, { maxNumberOfMessages: 3 }))).toEqual(["a1", "a2", "b1"])
  })

  it("refuses an expired or older receipt handle", () => {
    const state = send(QueueMessages.empty(), queue, "a", T0, { messageGroupId: "g", messageDeduplicationId: "d" }).state
    const r = receive(state, queue, T0)
    const handle = r.messages[0]!.receiptHandle
    const expired = QueueMessages.deleteMessage(r.state, queue, handle, T0 + 30_000)
    expect(expired).toEqual(Either.left(expect.objectContaining({ _tag: "InvalidParameterValue", message: expect.stringContaining("The receipt handle has expired.") })))
    expect(Either.getOrThrow(QueueMessages.deleteMessage(r.state, queue, handle, T0 + 29_999)).deleted).toBe(true)
  })

  it("answers a retried ReceiveRequestAttemptId with the same messages and handles, resetting their timeout", () => {
    let state = QueueMessages.empty()
    for (const b of ["1", "2"]) state = send(state, queue, b, T0, { messageGroupId: "g", messageDeduplicationId: b }).state
    const first = receive(state, queue, T0, { receiveRequestAttemptId: "attempt" })
    const retry = receive(first.state, queue, T0 + 10_000, { receiveRequestAttemptId: "attempt" })
    expect(retry.messages.map((m) => m.receiptHandle)).toEqual(first.messages.map((m) => m.receiptHandle))
    expect(retry.messages[0]!.message.visibleAt).toBe(T0 + 40_000)
    expect(retry.messages[0]!.message.receiveCount).toBe(1)
    // Once a message was changed, the id starts a new receive (here: the group is blocked).
    const changed = Either.getOrThrow(QueueMessages.changeVisibility(first.state, queue, first.messages[0]!.receiptHandle, 60, T0)).state
    expect(receive(changed, queue, T0 + 1_000, { receiveRequestAttemptId: "attempt" }).messages).toEqual([])
    // After 5 minutes the id is forgotten.
    const late = receive(first.state, queue, T0 + 5 * 60_000, { receiveRequestAttemptId: "attempt" })
    expect(late.messages.map((m) => m.message.receiveCount)).toEqual([2, 2])
  })

  it("a FIFO dead-letter queue restarts retention at the move", () => {
    const dlq = makeQueue("dlq.fifo")
    const moved = { ...send(QueueMessages.empty(), queue, "a", T0, { messageGroupId: "g", messageDeduplicationId: "d" }).state.messages.values().next().value! }
    const dead = QueueMessages.acceptRedriven(QueueMessages.empty(), dlq, [moved], T0 + 5_000)
    expect(dead.messages.get(moved.messageId)!.enqueuedAt).toBe(T0 + 5_000)
  })
})

describe("Long polling's decision", () => {
  it("is Ready, WaitUntil the next change, or Empty", () => {
    const queue = makeQueue("q")
    expect(QueueMessages.readiness(QueueMessages.empty(), queue, T0)).toEqual({ _tag: "Empty" })
    const delayed = send(QueueMessages.empty(), queue, "a", T0, { delaySeconds: 5 }).state
    expect(QueueMessages.readiness(delayed, queue, T0)).toEqual({ _tag: "WaitUntil", at: T0 + 5_000 })
    expect(QueueMessages.readiness(delayed, queue, T0 + 5_000)).toEqual({ _tag: "Ready" })
  })

  it("on a FIFO queue, waits while the only visible messages are behind an in-flight one", () => {
    const queue = makeQueue("q.fifo")
    let state = QueueMessages.empty()
    for (const b of ["1", "2"]) state = send(state, queue, b, T0, { messageGroupId: "g", messageDeduplicationId: b }).state
    const r = receive(state, queue, T0, { maxNumberOfMessages: 1 })
    expect(QueueMessages.readiness(r.state, queue, T0)).toEqual({ _tag: "WaitUntil", at: T0 + 30_000 })
  })

  it("on a FIFO queue, is Ready for a receive retried with the attempt id of one that got messages, until they are visible again", () => {
    const queue = makeQueue("q.fifo")
    const sent = send(QueueMessages.empty(), queue, "1", T0, { messageGroupId: "g", messageDeduplicationId: "1" }).state
    const first = receive(sent, queue, T0, { receiveRequestAttemptId: "a1", visibilityTimeout: 600 })
    expect(QueueMessages.readiness(first.state, queue, T0 + 1_000, "a1")).toEqual({ _tag: "Ready" })
    expect(QueueMessages.readiness(first.state, queue, T0 + 1_000, "a2")).toEqual({ _tag: "WaitUntil", at: T0 + 600_000 })
    expect(QueueMessages.readiness(first.state, queue, T0 + 1_000)).toEqual({ _tag: "WaitUntil", at: T0 + 600_000 })
    const retried = receive(first.state, queue, T0 + 1_000, { receiveRequestAttemptId: "a1", visibilityTimeout: 0 })
    expect(retried.messages.map((m) => m.receiptHandle)).toEqual(first.messages.map((m) => m.receiptHandle))
  })
})
