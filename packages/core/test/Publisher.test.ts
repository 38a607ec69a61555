/**
 * Publish on a store whose group commit answers by callback (`MessageStore.appendNow`), the way the
 * embedding API takes it: the answer comes only after the commit, a refused write fails its publish
 * with the store's failure, a message handed to the commit is stored and announced even if the
 * publish is interrupted while it waits, and an encrypted body is sealed when the store writes it,
 * under the key check made at the publish.
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
    appendNow: (entriesOf, committed) => {
      waiting.push((refusal) => (refusal === undefined ? memory.appendNow!(entriesOf, committed) : committed(refusal)))
    }
  }
  const settle = (refusal: StoreFailure | undefined) => {
    const writes = waiting
    waiting = []
    for (const write of writes) write(refusal)
  }
  return { store, memory, commit: () => settle(undefined), refuse: (refusal: StoreFailure) => settle(refusal) }
}

/** The core's noble cipher, counting its seals. */
const countingCipher = () => {
  const noble = Cipher.makeNoble()
  const counted = { seals: 0 }
  const cipher: Cipher.CipherService = {
    ...noble,
    seal: (key, nonce, aad, plaintext) => {
      counted.seals++
      return noble.seal(key, nonce, aad, plaintext)
    }
  }
  return { cipher, counted }
}

/** A topic on the held store; encrypted under a test KMS key when `kmsKeyAlias` is given. */
const withTopic = (held: ReturnType<typeof heldStore>, kmsKeyAlias?: string) =>
  Effect.gen(function* () {
    const ids = Ids.makeSeeded(5)
    const kms = TestKms.makeTestKms("us-east-1", "000000000000", () => 0, (n) => Effect.runSync(ids.randomBytes(n)))
    const { cipher, counted } = countingCipher()
    const sns = yield* Sns.make.pipe(
      Effect.provide(
        Layer.mergeAll(
          TestKms.layer(kms),
          Layer.succeed(MessageStore.MessageStore, held.store),
          RegistryStore.layerMemory,
          Layer.succeed(Cipher.Cipher, cipher),
          Layer.succeed(Ids.Ids, ids)
        )
      )
    )
    const attributes = kmsKeyAlias === undefined ? {} : { KmsMasterKeyId: kms.createKey(kmsKeyAlias, Effect.runSync(ids.randomBytes(32))) }
    const { topicArn } = yield* sns.createTopic({ name: "t", attributes, tags: [], dataProtectionPolicy: undefined }, ctx)
    const events = yield* sns.events
    return { sns, topicArn, events, kms, counted }
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

  it.scoped("an encrypted publish is checked against its key when published, and sealed when the store asks for its record", () =>
    Effect.gen(function* () {
      const held = heldStore()
      const { counted, kms, sns, topicArn } = yield* withTopic(held, "alias/orders")
      // The first publish waits for a data key from KMS, so it takes `append`, which commits at once.
      yield* sns.publish(input(topicArn, "first"), ctx)
      expect(counted.seals).toBe(1)
      const publishing = yield* Effect.fork(sns.publish(input(topicArn, "second"), ctx))
      yield* Effect.yieldNow()
      expect(counted.seals).toBe(1)
      // Accepted under an enabled key: disabling it before the commit changes nothing of this message.
      kms.setState("alias/orders", "Disabled")
      held.commit()
      const { messageId } = yield* Fiber.join(publishing)
      expect(counted.seals).toBe(2)
      const stored = yield* held.memory.get(messageId)
      expect(stored?.body._tag).toBe("Sealed")
      kms.setState("alias/orders", "Enabled")
      expect(yield* sns.openBody(stored!)).toBe("second")
      kms.setState("alias/orders", "Disabled")
      expect((yield* Effect.flip(sns.publish(input(topicArn, "third"), ctx)))._tag).toBe("KMSDisabled")
      expect(counted.seals).toBe(2)
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
