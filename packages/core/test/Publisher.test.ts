/**
 * Publish on a store whose group commit answers by callback (`MessageStore.appendNow`), the way the
 * embedding API takes it: the answer comes only after the commit, a refused write fails its publish
 * with the store's failure, and a message handed to the commit is stored and announced even if the
 * publish is interrupted while it waits.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Layer, Option, Queue } from "effect"
import * as Cipher from "../src/Cipher.js"
import { StoreFailure } from "../src/Errors.js"
import * as Ids from "../src/Ids.js"
import * as MessageStore from "../src/MessageStore.js"
import type { PublishInput } from "../src/Publish.js"
import * as RegistryStore from "../src/RegistryStore.js"
import type { RequestContext } from "../src/RequestContext.js"
import * as Sns from "../src/Sns.js"
import * as TestKms from "./support/TestKms.js"

const ctx: RequestContext = {
  accountId: "000000000000",
  principalArn: "arn:aws:iam::000000000000:root",
  region: "us-east-1",
  transport: "https",
  auth: "sigv4"
}

const input = (topicArn: string, message: string): PublishInput => ({
  topicArn,
  targetArn: undefined,
  phoneNumber: undefined,
  message,
  subject: undefined,
  messageStructure: undefined,
  messageAttributes: {},
  messageGroupId: undefined,
  messageDeduplicationId: undefined
})

/** The memory store with its group commit held: `appendNow`'s writes wait for `commit`, or are refused. */
const heldStore = () => {
  const memory = MessageStore.makeMemory()
  let waiting: Array<(refusal: StoreFailure | undefined) => void> = []
  const store: MessageStore.MessageStoreService = {
    ...memory,
    appendNow: (entries, committed) => {
      waiting.push((refusal) => (refusal === undefined ? memory.appendNow!(entries, committed) : committed(refusal)))
    }
  }
  const settle = (refusal: StoreFailure | undefined) => {
    const writes = waiting
    waiting = []
    for (const write of writes) write(refusal)
  }
  return { store, memory, commit: () => settle(undefined), refuse: (refusal: StoreFailure) => settle(refusal) }
}

const withTopic = (held: ReturnType<typeof heldStore>) =>
  Effect.gen(function* () {
    const ids = Ids.makeSeeded(5)
    const kms = TestKms.makeTestKms("us-east-1", "000000000000", () => 0, (n) => Effect.runSync(ids.randomBytes(n)))
    const sns = yield* Sns.make.pipe(
      Effect.provide(
        Layer.mergeAll(TestKms.layer(kms), Layer.succeed(MessageStore.MessageStore, held.store), RegistryStore.layerMemory, Cipher.layerNoble, Layer.succeed(Ids.Ids, ids))
      )
    )
    const { topicArn } = yield* sns.createTopic({ name: "t", attributes: {}, tags: [], dataProtectionPolicy: undefined }, ctx)
    const events = yield* sns.events
    return { sns, topicArn, events }
  })

/** The message ids the events announced as accepted so far. */
const announced = (events: Queue.Dequeue<Sns.Event>) =>
  Effect.map(Queue.takeAll(events), (taken) =>
    Array.from(taken).flatMap((event) => (event._tag === "MessagesAccepted" ? event.messages.map((m) => m.message.messageId) : [])))

describe("Publish through appendNow", () => {
  it.scoped("answers after the commit, and not before", () =>
    Effect.gen(function* () {
      const held = heldStore()
      const { events, sns, topicArn } = yield* withTopic(held)
      const publishing = yield* Effect.fork(sns.publish(input(topicArn, "hello"), ctx))
      yield* Effect.yieldNow()
      expect(Option.isNone(yield* Fiber.poll(publishing))).toBe(true)
      expect(yield* held.memory.listByTopic(topicArn, { limit: 10 })).toHaveLength(0)
      expect(yield* announced(events)).toEqual([])
      held.commit()
      const { messageId, sequenceNumber } = yield* Fiber.join(publishing)
      expect(sequenceNumber).toBeUndefined()
      const stored = yield* held.memory.get(messageId)
      expect(stored?.body).toEqual({ _tag: "Plain", text: "hello" })
      expect(yield* announced(events)).toEqual([messageId])
    }))

  it.scoped("fails with the store's failure when its write is refused, and announces nothing", () =>
    Effect.gen(function* () {
      const held = heldStore()
      const { events, sns, topicArn } = yield* withTopic(held)
      const publishing = yield* Effect.fork(sns.publish(input(topicArn, "hello"), ctx))
      yield* Effect.yieldNow()
      const refusal = new StoreFailure({ message: "Cannot store the messages: disk I/O error" })
      held.refuse(refusal)
      expect(yield* Fiber.await(publishing)).toEqual(Exit.fail(refusal))
      expect(yield* held.memory.listByTopic(topicArn, { limit: 10 })).toHaveLength(0)
      expect(yield* announced(events)).toEqual([])
    }))

  it.scoped("stores and announces a message whose publish was interrupted while its commit waited", () =>
    Effect.gen(function* () {
      const held = heldStore()
      const { events, sns, topicArn } = yield* withTopic(held)
      const publishing = yield* Effect.fork(sns.publish(input(topicArn, "hello"), ctx))
      yield* Effect.yieldNow()
      expect(Exit.isInterrupted(yield* Fiber.interrupt(publishing))).toBe(true)
      held.commit()
      const stored = yield* held.memory.listByTopic(topicArn, { limit: 10 })
      expect(stored.map((m) => m.body)).toEqual([{ _tag: "Plain", text: "hello" }])
      expect(yield* announced(events)).toEqual([stored[0]!.messageId])
    }))
})
