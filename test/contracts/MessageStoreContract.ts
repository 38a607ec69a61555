/**
 * The one contract every `MessageStore` implementation keeps (packages/core/src/MessageStore.ts, whose
 * doc comments are the specification), run against each implementation as NATS JetStream runs one
 * suite against its memory and file stores.
 *
 * `messageStoreContract(name, makeLayer)` registers the suite; `makeLayer` must give a fresh, empty
 * store each time it is called.
 *
 * @since 0.1.0
 */
import { describe, expect, it } from "@effect/vitest"
import { type Errors, type Message, MessageStore } from "@sealcast/core"
import { Context, Effect, Either, Exit, Layer, Scope } from "effect"
import * as fc from "fast-check"

type StoreLayer = Layer.Layer<MessageStore.MessageStore, Errors.StoreFailure>

const TOPIC = "arn:aws:sns:us-east-1:000000000000:orders"
const OTHER_TOPIC = "arn:aws:sns:us-east-1:000000000000:audit"
const sub = (n: number) => `${TOPIC}:00000000-0000-4000-8000-00000000000${n}`

/** A plain-text message with nothing optional set. */
const plain = (messageId: string, timestamp: number, topicArn = TOPIC): Message.StoredMessage => ({
  messageId,
  topicArn,
  subject: undefined,
  attributes: {},
  messageStructure: undefined,
  timestamp,
  publisher: "arn:aws:iam::000000000000:root",
  fifo: undefined,
  body: { _tag: "Plain", text: `body of ${messageId}` }
})

/** One outcome, settled on its own. */
const settleOne = (
  store: MessageStore.MessageStoreService,
  messageId: string,
  subscriptionArn: string,
  outcome: MessageStore.DeliveryOutcome
) => store.settle([{ messageId, subscriptionArn, outcome }])

const entry = (message: Message.StoredMessage, ...subscriptionArns: Array<string>): MessageStore.AppendEntry => ({
  message,
  subscriptionArns
})

/** Any message but its id: optional parts set or not, plain or sealed body, any attribute types. */
const arbitraryMessage: fc.Arbitrary<Omit<Message.StoredMessage, "messageId">> =
  fc.record({
    topicArn: fc.constantFrom(TOPIC, OTHER_TOPIC),
    subject: fc.option(fc.string({ maxLength: 99 }), { nil: undefined }),
    attributes: fc.dictionary(
      fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/),
      fc.oneof(
        fc.record({ dataType: fc.constantFrom("String", "Number", "String.Array"), stringValue: fc.string() }),
        fc.record({ dataType: fc.constantFrom("Binary", "Binary.png"), binaryValue: fc.uint8Array({ maxLength: 64 }) })
      ),
      { maxKeys: 4 }
    ),
    messageStructure: fc.constantFrom("json" as const, undefined),
    timestamp: fc.integer({ min: 0, max: 4_102_444_800_000 }),
    publisher: fc.constantFrom("arn:aws:iam::000000000000:root", "arn:aws:iam::111111111111:user/alice"),
    fifo: fc.option(
      fc.record({
        messageGroupId: fc.string({ minLength: 1, maxLength: 128 }),
        messageDeduplicationId: fc.string({ minLength: 1, maxLength: 128 }),
        sequenceNumber: fc.bigInt({ min: 0n, max: 10n ** 20n }).map(String)
      }),
      { nil: undefined }
    ),
    body: fc.oneof(
      fc.record({ _tag: fc.constant("Plain" as const), text: fc.string({ unit: "binary" }) }),
      fc.record({
        _tag: fc.constant("Sealed" as const),
        envelope: fc.record({
          algorithm: fc.constant("AES_256_GCM" as const),
          keyArn: fc.constant("arn:aws:kms:us-east-1:000000000000:key/9d8b4a2e-0c1f-4d3a-8e5b-6f7a8b9c0d1e"),
          encryptedDataKey: fc.uint8Array({ minLength: 1, maxLength: 200 }),
          nonce: fc.uint8Array({ minLength: 12, maxLength: 12 }),
          ciphertext: fc.uint8Array({ minLength: 16, maxLength: 300 })
        })
      })
    )
  })

/** Builds a fresh store from `makeLayer` in its own scope, for the property and model tests. */
const openStore = async (makeLayer: () => StoreLayer) => {
  const scope = Effect.runSync(Scope.make())
  const context = await Effect.runPromise(Layer.buildWithScope(makeLayer(), scope))
  return {
    store: Context.get(context, MessageStore.MessageStore),
    close: () => Effect.runPromise(Scope.close(scope, Exit.void))
  }
}

const deliveryKey = (d: { readonly messageId: string; readonly subscriptionArn: string }) =>
  `${d.messageId} -> ${d.subscriptionArn}`

// ---------------------------------------------------------------------------------------------------
// The model test: the store against a deliberately naive model (arrays in acceptance order).

interface Model {
  messages: Array<Message.StoredMessage>
  pending: Array<MessageStore.PendingDelivery>
}

type Real = MessageStore.MessageStoreService

const TOPICS = [TOPIC, OTHER_TOPIC] as const
const SUBSCRIPTIONS = [sub(1), sub(2), sub(3)] as const
const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(Effect.either(effect))

class Append implements fc.AsyncCommand<Model, Real> {
  constructor(readonly entries: ReadonlyArray<MessageStore.AppendEntry>) {}
  check = () => true
  async run(m: Model, r: Real) {
    const result = await run(r.append(this.entries))
    const ids = this.entries.map((e) => e.message.messageId)
    const refused = new Set(ids).size !== ids.length || ids.some((id) => m.messages.some((x) => x.messageId === id))
    expect(Either.isLeft(result)).toBe(refused)
    if (refused) return
    for (const { message, subscriptionArns } of this.entries) {
      m.messages.push(message)
      for (const subscriptionArn of new Set(subscriptionArns)) {
        m.pending.push({ messageId: message.messageId, subscriptionArn, attempts: 0, dueAt: message.timestamp, replayed: false })
      }
    }
  }
  toString = () =>
    `append(${this.entries.map((e) => `${e.message.messageId}@${e.message.timestamp} on ${e.message.topicArn.slice(-6)} to [${e.subscriptionArns.map((s) => s.slice(-1)).join(",")}]`).join("; ")})`
}

class Settle implements fc.AsyncCommand<Model, Real> {
  constructor(readonly pick: number, readonly outcome: MessageStore.DeliveryOutcome) {}
  check = (m: Readonly<Model>) => m.pending.length > 0
  async run(m: Model, r: Real) {
    const target = m.pending[this.pick % m.pending.length]!
    expect(await run(r.settle([{ messageId: target.messageId, subscriptionArn: target.subscriptionArn, outcome: this.outcome }]))).toEqual(Either.right(undefined))
    const i = m.pending.indexOf(target)
    if (this.outcome._tag === "Retry") m.pending[i] = { ...target, attempts: this.outcome.attempts, dueAt: this.outcome.dueAt }
    else m.pending.splice(i, 1)
  }
  toString = () => `settle(#${this.pick}, ${JSON.stringify(this.outcome)})`
}

/**
 * What `due` may answer: every pending delivery, or on a store that brokers share (`fifoTopics`) of
 * each FIFO lane (subscription and message group) only its head, the lowest sequence number and of
 * equal ones the first accepted (`pending` is in acceptance order).
 */
const claimable = (m: Readonly<Model>, r: Real): ReadonlyArray<MessageStore.PendingDelivery> => {
  if (r.fifoTopics === undefined) return m.pending
  const fifoOf = new Map(m.messages.map((x) => [x.messageId, x.fifo]))
  const lanes = m.pending.map((d) => {
    const fifo = fifoOf.get(d.messageId)
    return fifo === undefined ? undefined : { lane: `${d.subscriptionArn} ${fifo.messageGroupId}`, sequence: BigInt(fifo.sequenceNumber) }
  })
  return m.pending.filter((_, i) => {
    const place = lanes[i]
    return place === undefined ||
      !lanes.some((other, j) => other?.lane === place.lane && (other.sequence < place.sequence || (other.sequence === place.sequence && j < i)))
  })
}

class Due implements fc.AsyncCommand<Model, Real> {
  constructor(readonly now: number, readonly limit: number) {}
  check = () => true
  async run(m: Model, r: Real) {
    const got = Either.getOrThrow(await run(r.due(this.now, this.limit)))
    const eligible = claimable(m, r).filter((d) => d.dueAt <= this.now)
    const expected = [...eligible].sort((a, b) => a.dueAt - b.dueAt).slice(0, this.limit)
    // Ties in dueAt may come in any order; the due instants, and the deliveries themselves, may not.
    expect(got.map((d) => d.dueAt)).toEqual(expected.map((d) => d.dueAt))
    expect(new Set(got.map(deliveryKey)).size).toBe(got.length)
    for (const d of got) expect(eligible).toContainEqual(d)
  }
  toString = () => `due(${this.now}, ${this.limit})`
}

class ListByTopic implements fc.AsyncCommand<Model, Real> {
  constructor(readonly topicArn: string, readonly since: number | undefined, readonly limit: number) {}
  check = () => true
  async run(m: Model, r: Real) {
    const options = this.since === undefined ? { limit: this.limit } : { since: this.since, limit: this.limit }
    const got = Either.getOrThrow(await run(r.listByTopic(this.topicArn, options)))
    const expected = m.messages
      .filter((x) => x.topicArn === this.topicArn && (this.since === undefined || x.timestamp >= this.since))
      .slice(0, this.limit)
    expect(got).toEqual(expected)
  }
  toString = () => `listByTopic(${this.topicArn.slice(-6)}, since ${this.since}, limit ${this.limit})`
}

class Inspect implements fc.AsyncCommand<Model, Real> {
  constructor(readonly messageId: string) {}
  check = () => true
  async run(m: Model, r: Real) {
    expect(Either.getOrThrow(await run(r.get(this.messageId)))).toEqual(m.messages.find((x) => x.messageId === this.messageId))
    expect(Either.getOrThrow(await run(r.pendingCount))).toBe(m.pending.length)
    const waiting = claimable(m, r)
    const next = waiting.length === 0 ? undefined : Math.min(...waiting.map((d) => d.dueAt))
    expect(Either.getOrThrow(await run(r.nextDueAt))).toBe(next)
  }
  toString = () => `get(${this.messageId}), pendingCount, nextDueAt`
}

class ReplayFor implements fc.AsyncCommand<Model, Real> {
  constructor(readonly subscriptionArn: string, readonly messageIds: ReadonlyArray<string>, readonly dueAt: number) {}
  check = () => true
  async run(m: Model, r: Real) {
    const got = await run(r.replay(this.subscriptionArn, this.messageIds, this.dueAt))
    // The subscription's earlier replay is withdrawn; a stored message not still owed to it is owed again, replayed.
    m.pending = m.pending.filter((d) => !(d.subscriptionArn === this.subscriptionArn && d.replayed))
    let added = 0
    for (const messageId of new Set(this.messageIds)) {
      const stored = m.messages.some((x) => x.messageId === messageId)
      const owed = m.pending.some((d) => d.messageId === messageId && d.subscriptionArn === this.subscriptionArn)
      if (!stored || owed) continue
      m.pending.push({ messageId, subscriptionArn: this.subscriptionArn, attempts: 0, dueAt: this.dueAt, replayed: true })
      added++
    }
    expect(got).toEqual(Either.right(added))
    const pending = m.pending.filter((d) => d.subscriptionArn === this.subscriptionArn && d.replayed).length
    expect(await run(r.replaysPending(this.subscriptionArn))).toEqual(Either.right(pending))
  }
  toString = () => `replay(${this.subscriptionArn.slice(-1)}, [${this.messageIds.join(",")}], due ${this.dueAt})`
}

class RemoveSubscription implements fc.AsyncCommand<Model, Real> {
  constructor(readonly subscriptionArn: string) {}
  check = () => true
  async run(m: Model, r: Real) {
    expect(Either.isRight(await run(r.removeSubscription(this.subscriptionArn)))).toBe(true)
    m.pending = m.pending.filter((d) => d.subscriptionArn !== this.subscriptionArn)
  }
  toString = () => `removeSubscription(${this.subscriptionArn.slice(-1)})`
}

class RemoveTopic implements fc.AsyncCommand<Model, Real> {
  constructor(readonly topicArn: string) {}
  check = () => true
  async run(m: Model, r: Real) {
    expect(Either.isRight(await run(r.removeTopic(this.topicArn)))).toBe(true)
    const gone = new Set(m.messages.filter((x) => x.topicArn === this.topicArn).map((x) => x.messageId))
    m.messages = m.messages.filter((x) => !gone.has(x.messageId))
    m.pending = m.pending.filter((d) => !gone.has(d.messageId))
  }
  toString = () => `removeTopic(${this.topicArn.slice(-6)})`
}

class Prune implements fc.AsyncCommand<Model, Real> {
  constructor(readonly before: number, readonly archiveCutoffs: ReadonlyMap<string, number>) {}
  check = () => true
  async run(m: Model, r: Real) {
    // An archived topic's message goes only when older than both instants.
    const removable = (x: Message.StoredMessage) =>
      x.timestamp < this.before &&
      x.timestamp < (this.archiveCutoffs.get(x.topicArn) ?? this.before) &&
      !m.pending.some((d) => d.messageId === x.messageId)
    const expected = m.messages.filter(removable).length
    expect(await run(r.prune(this.before, this.archiveCutoffs))).toEqual(Either.right(expected))
    m.messages = m.messages.filter((x) => !removable(x))
  }
  toString = () =>
    `prune(before ${this.before}${[...this.archiveCutoffs].map(([t, c]) => `, ${t.slice(-6)} archived from ${c}`).join("")})`
}

const commands = () => {
  const time = fc.integer({ min: 0, max: 20 })
  const appendEntry = fc
    .record({
      id: fc.integer({ min: 0, max: 11 }).map((n) => `m${n}`),
      topicArn: fc.constantFrom(...TOPICS),
      timestamp: time,
      subscriptionArns: fc.array(fc.constantFrom(...SUBSCRIPTIONS), { maxLength: 4 }),
      // Few groups and sequence numbers, so lanes fill and numbers tie.
      fifo: fc.option(fc.record({ group: fc.constantFrom("g", "h"), sequence: fc.integer({ min: 1, max: 6 }) }), { nil: undefined })
    })
    .map(({ id, topicArn, timestamp, subscriptionArns, fifo }) =>
      entry(
        {
          ...plain(id, timestamp, topicArn),
          fifo: fifo === undefined
            ? undefined
            : { messageGroupId: fifo.group, messageDeduplicationId: id, sequenceNumber: String(fifo.sequence) }
        },
        ...subscriptionArns
      )
    )
  return fc.commands<Model, Real, false>(
    [
      fc.array(appendEntry, { minLength: 1, maxLength: 3 }).map((entries) => new Append(entries)),
      fc
        .tuple(
          fc.nat(),
          fc.oneof(
            fc.constant<MessageStore.DeliveryOutcome>({ _tag: "Delivered" }),
            fc.record({ _tag: fc.constant("Retry" as const), attempts: fc.integer({ min: 1, max: 5 }), dueAt: time }),
            fc.record({ _tag: fc.constant("Dropped" as const), attempts: fc.integer({ min: 1, max: 5 }) })
          )
        )
        .map(([pick, outcome]) => new Settle(pick, outcome)),
      fc.tuple(time, fc.integer({ min: 0, max: 6 })).map(([now, limit]) => new Due(now, limit)),
      fc
        .tuple(fc.constantFrom(...TOPICS), fc.option(time, { nil: undefined }), fc.integer({ min: 0, max: 6 }))
        .map(([topicArn, since, limit]) => new ListByTopic(topicArn, since, limit)),
      fc.integer({ min: 0, max: 11 }).map((n) => new Inspect(`m${n}`)),
      fc
        .tuple(fc.constantFrom(...SUBSCRIPTIONS), fc.array(fc.integer({ min: 0, max: 11 }).map((n) => `m${n}`), { maxLength: 5 }), time)
        .map(([subscriptionArn, ids, dueAt]) => new ReplayFor(subscriptionArn, ids, dueAt)),
      fc.constantFrom(...SUBSCRIPTIONS).map((s) => new RemoveSubscription(s)),
      fc.constantFrom(...TOPICS).map((t) => new RemoveTopic(t)),
      fc
        .tuple(time, fc.array(fc.tuple(fc.constantFrom(...TOPICS), time), { maxLength: 2 }))
        .map(([before, archived]) => new Prune(before, new Map(archived)))
    ],
    { maxCommands: 40 }
  )
}

// ---------------------------------------------------------------------------------------------------

/**
 * Registers the contract suite for one implementation.
 *
 * @category utils
 */
export const messageStoreContract = (
  name: string,
  makeLayer: () => StoreLayer,
  options: {
    /** Histories for the model test, each on a store of its own. */
    readonly modelRuns?: number
    /** Whether the store offers `appendNow`. */
    readonly appendNow?: boolean
  } = {}
): void => {
  const withStore = <A, E>(f: (store: MessageStore.MessageStoreService) => Effect.Effect<A, E>) =>
    Effect.flatMap(MessageStore.MessageStore, f).pipe(Effect.provide(makeLayer()))

  describe(`MessageStore contract: ${name}`, () => {
    it.effect("append commits every entry of a call, with one pending delivery per distinct subscription", () =>
      withStore((store) =>
        Effect.gen(function* () {
          const a = plain("a", 1000)
          const b = plain("b", 1001, OTHER_TOPIC)
          const c = plain("c", 1002)
          yield* store.append([entry(a, sub(1), sub(2), sub(1)), entry(b), entry(c, sub(3))])
          expect(yield* store.get("a")).toEqual(a)
          expect(yield* store.get("b")).toEqual(b)
          expect(yield* store.get("c")).toEqual(c)
          expect(yield* store.get("never")).toBeUndefined()
          expect(yield* store.pendingCount).toBe(3)
          const due = yield* store.due(2000, 10)
          expect(due.map((d) => d.dueAt)).toEqual([1000, 1000, 1002])
          for (const [messageId, subscriptionArn, dueAt] of [["a", sub(1), 1000], ["a", sub(2), 1000], ["c", sub(3), 1002]] as const) {
            expect(due).toContainEqual({ messageId, subscriptionArn, attempts: 0, dueAt, replayed: false })
          }
        })
      ))

    it.effect("a duplicate message id is refused with StoreFailure and nothing of that call is written", () =>
      withStore((store) =>
        Effect.gen(function* () {
          yield* store.append([entry(plain("a", 1000), sub(1))])
          const again = yield* Effect.flip(store.append([entry(plain("b", 1001), sub(1)), entry(plain("a", 1002), sub(2))]))
          expect(again._tag).toBe("StoreFailure")
          const twiceInOneCall = yield* Effect.flip(store.append([entry(plain("c", 1003), sub(1)), entry(plain("c", 1004))]))
          expect(twiceInOneCall._tag).toBe("StoreFailure")
          expect(yield* store.get("a")).toEqual(plain("a", 1000))
          expect(yield* store.get("b")).toBeUndefined()
          expect(yield* store.get("c")).toBeUndefined()
          expect(yield* store.pendingCount).toBe(1)
          expect((yield* store.listByTopic(TOPIC, { limit: 10 })).map((m) => m.messageId)).toEqual(["a"])
        })
      ))

    it.effect(`appendNow is ${options.appendNow === true ? "offered: it commits as append does, and tells once" : "not offered"}`, () =>
      withStore((store) =>
        Effect.gen(function* () {
          expect(store.appendNow !== undefined).toBe(options.appendNow === true)
          const appendNow = store.appendNow
          if (appendNow === undefined) return
          const told: Array<Errors.StoreFailure | undefined> = []
          const committed = (entries: ReadonlyArray<MessageStore.AppendEntry>) =>
            Effect.async<Errors.StoreFailure | undefined>((resume) =>
              appendNow(() => entries, (failure) => {
                told.push(failure)
                resume(Effect.succeed(failure))
              })
            )
          expect(yield* committed([entry(plain("a", 1000), sub(1), sub(2))])).toBeUndefined()
          expect(yield* store.get("a")).toEqual(plain("a", 1000))
          expect(yield* store.pendingCount).toBe(2)
          const refused = yield* committed([entry(plain("b", 1001), sub(1)), entry(plain("a", 1002))])
          expect(refused?._tag).toBe("StoreFailure")
          expect(yield* store.get("b")).toBeUndefined()
          expect(told).toHaveLength(2)
        })
      ))

    it.effect(`appendNow ${options.appendNow === true ? "asks for a write's entries once; one whose entries cannot be made fails alone" : "is not offered"}`, () =>
      withStore((store) =>
        Effect.gen(function* () {
          const appendNow = store.appendNow
          if (appendNow === undefined) return
          let asked = 0
          const written = (entriesOf: () => ReadonlyArray<MessageStore.AppendEntry>) =>
            Effect.async<Errors.StoreFailure | undefined>((resume) => appendNow(entriesOf, (failure) => resume(Effect.succeed(failure))))
          const told = yield* Effect.all(
            [
              written(() => {
                asked++
                return [entry(plain("a", 1000), sub(1))]
              }),
              written(() => {
                throw new Error("the body could not be sealed")
              }),
              written(() => [entry(plain("c", 1002), sub(1))])
            ],
            { concurrency: "unbounded" }
          )
          expect(asked).toBe(1)
          expect(told[0]).toBeUndefined()
          expect(told[1]?._tag).toBe("StoreFailure")
          expect(told[1]?.message).toContain("the body could not be sealed")
          expect(told[2]).toBeUndefined()
          expect((yield* store.listByTopic(TOPIC, { limit: 10 })).map((m) => m.messageId)).toEqual(["a", "c"])
          expect(yield* store.pendingCount).toBe(2)
        })
      ))

    it.effect("listByTopic returns the topic's messages in acceptance order, not timestamp order", () =>
      withStore((store) =>
        Effect.gen(function* () {
          // A clock may step back between two publishes; acceptance order is what counts.
          yield* store.append([entry(plain("first", 5000))])
          yield* store.append([entry(plain("elsewhere", 4000, OTHER_TOPIC))])
          yield* store.append([entry(plain("second", 3000)), entry(plain("third", 5000))])
          yield* store.append([entry(plain("fourth", 6000))])
          const ids = (messages: ReadonlyArray<Message.StoredMessage>) => messages.map((m) => m.messageId)
          expect(ids(yield* store.listByTopic(TOPIC, { limit: 10 }))).toEqual(["first", "second", "third", "fourth"])
          expect(ids(yield* store.listByTopic(OTHER_TOPIC, { limit: 10 }))).toEqual(["elsewhere"])
          expect(ids(yield* store.listByTopic(`${TOPIC}-none`, { limit: 10 }))).toEqual([])
        })
      ))

    it.effect("listByTopic keeps messages from `since` on (inclusive) and at most `limit`", () =>
      withStore((store) =>
        Effect.gen(function* () {
          yield* store.append([1000, 2000, 3000, 4000].map((t) => entry(plain(`m${t}`, t))))
          const ids = (messages: ReadonlyArray<Message.StoredMessage>) => messages.map((m) => m.messageId)
          expect(ids(yield* store.listByTopic(TOPIC, { since: 2000, limit: 10 }))).toEqual(["m2000", "m3000", "m4000"])
          expect(ids(yield* store.listByTopic(TOPIC, { since: 2001, limit: 1 }))).toEqual(["m3000"])
          expect(ids(yield* store.listByTopic(TOPIC, { limit: 2 }))).toEqual(["m1000", "m2000"])
          expect(ids(yield* store.listByTopic(TOPIC, { since: 4001, limit: 10 }))).toEqual([])
          expect(ids(yield* store.listByTopic(TOPIC, { limit: 0 }))).toEqual([])
        })
      ))

    it.effect("due returns deliveries with dueAt <= now, earliest first, at most limit; nextDueAt is the earliest", () =>
      withStore((store) =>
        Effect.gen(function* () {
          expect(yield* store.nextDueAt).toBeUndefined()
          yield* store.append([entry(plain("late", 3000), sub(1)), entry(plain("early", 1000), sub(2)), entry(plain("mid", 2000), sub(3))])
          expect(yield* store.nextDueAt).toBe(1000)
          expect((yield* store.due(2500, 10)).map((d) => d.messageId)).toEqual(["early", "mid"])
          expect((yield* store.due(3000, 2)).map((d) => d.messageId)).toEqual(["early", "mid"])
          expect((yield* store.due(3000, 0)).map((d) => d.messageId)).toEqual([])
          expect((yield* store.due(999, 10)).map((d) => d.messageId)).toEqual([])
        })
      ))

    it.effect("settle: Retry reschedules, Delivered and Dropped end the delivery, an unknown one is ignored", () =>
      withStore((store) =>
        Effect.gen(function* () {
          yield* store.append([entry(plain("a", 1000), sub(1), sub(2), sub(3))])
          yield* settleOne(store, "a", sub(1), { _tag: "Retry", attempts: 1, dueAt: 21_000 })
          expect(yield* store.due(20_000, 10)).toHaveLength(2)
          expect(yield* store.due(21_000, 10)).toContainEqual({ messageId: "a", subscriptionArn: sub(1), attempts: 1, dueAt: 21_000, replayed: false })
          yield* settleOne(store, "a", sub(2), { _tag: "Delivered" })
          yield* settleOne(store, "a", sub(3), { _tag: "Dropped", attempts: 3 })
          yield* settleOne(store, "a", sub(2), { _tag: "Delivered" })
          yield* settleOne(store, "nope", sub(1), { _tag: "Retry", attempts: 9, dueAt: 1 })
          expect(yield* store.pendingCount).toBe(1)
          expect(yield* store.nextDueAt).toBe(21_000)
          yield* settleOne(store, "a", sub(1), { _tag: "Delivered" })
          expect(yield* store.pendingCount).toBe(0)
          expect(yield* store.nextDueAt).toBeUndefined()
          // Settling ends the delivery, not the message.
          expect(yield* store.get("a")).toEqual(plain("a", 1000))
        })
      ))

    it.effect("settle takes a batch: every outcome in it is recorded, an unknown one ignored", () =>
      withStore((store) =>
        Effect.gen(function* () {
          yield* store.append([entry(plain("a", 1000), sub(1), sub(2)), entry(plain("b", 1000), sub(1))])
          yield* store.settle([
            { messageId: "a", subscriptionArn: sub(1), outcome: { _tag: "Delivered" } },
            { messageId: "nope", subscriptionArn: sub(1), outcome: { _tag: "Delivered" } },
            { messageId: "a", subscriptionArn: sub(2), outcome: { _tag: "Retry", attempts: 2, dueAt: 9000 } },
            { messageId: "b", subscriptionArn: sub(1), outcome: { _tag: "Dropped", attempts: 1 } }
          ])
          expect(yield* store.due(10_000, 10)).toEqual([{ messageId: "a", subscriptionArn: sub(2), attempts: 2, dueAt: 9000, replayed: false }])
          yield* store.settle([])
          expect(yield* store.pendingCount).toBe(1)
        })
      ))

    it.effect("replay owes stored messages to one subscription again, marked replayed, skipping what it is still owed", () =>
      withStore((store) =>
        Effect.gen(function* () {
          yield* store.append([entry(plain("a", 1000), sub(1)), entry(plain("b", 1001), sub(1)), entry(plain("c", 1002), sub(2))])
          yield* settleOne(store, "a", sub(1), { _tag: "Delivered" })
          // "b" is still owed to sub(1) as published; "gone" was never stored.
          expect(yield* store.replay(sub(1), ["c", "a", "b", "gone", "a"], 9000)).toBe(2)
          expect(yield* store.replaysPending(sub(1))).toBe(2)
          expect(yield* store.replaysPending(sub(2))).toBe(0)
          const due = yield* store.due(9000, 10)
          expect(due.filter((d) => d.replayed).map((d) => d.messageId).sort()).toEqual(["a", "c"])
          expect(due).toContainEqual({ messageId: "b", subscriptionArn: sub(1), attempts: 0, dueAt: 1001, replayed: false })
          expect(due).toContainEqual({ messageId: "c", subscriptionArn: sub(1), attempts: 0, dueAt: 9000, replayed: true })
          expect(yield* store.pendingCount).toBe(4)
          // A replayed delivery settles as any other; its message is kept from the sweep while it is owed.
          yield* settleOne(store, "c", sub(1), { _tag: "Retry", attempts: 1, dueAt: 9500 })
          expect(yield* store.prune(20_000, new Map())).toBe(0)
          yield* settleOne(store, "a", sub(1), { _tag: "Delivered" })
          expect(yield* store.replaysPending(sub(1))).toBe(1)
        })
      ))

    it.effect("a new replay withdraws the subscription's pending replayed deliveries first; an empty one only withdraws", () =>
      withStore((store) =>
        Effect.gen(function* () {
          yield* store.append([entry(plain("a", 1000)), entry(plain("b", 1001)), entry(plain("c", 1002), sub(1))])
          expect(yield* store.replay(sub(1), ["a", "b"], 5000)).toBe(2)
          expect(yield* store.replay(sub(2), ["a"], 5000)).toBe(1)
          // "a" is owed again, as the new replay's; "b" is withdrawn; the published "c" stays.
          expect(yield* store.replay(sub(1), ["a"], 6000)).toBe(1)
          const mine = (yield* store.due(10_000, 10)).filter((d) => d.subscriptionArn === sub(1))
          expect(mine).toHaveLength(2)
          expect(mine).toContainEqual({ messageId: "a", subscriptionArn: sub(1), attempts: 0, dueAt: 6000, replayed: true })
          expect(mine).toContainEqual({ messageId: "c", subscriptionArn: sub(1), attempts: 0, dueAt: 1002, replayed: false })
          expect(yield* store.replay(sub(1), [], 7000)).toBe(0)
          expect(yield* store.replaysPending(sub(1))).toBe(0)
          expect(yield* store.replaysPending(sub(2))).toBe(1)
          expect(yield* store.pendingCount).toBe(2)
        })
      ))

    it.effect("removeSubscription drops only that subscription's deliveries", () =>
      withStore((store) =>
        Effect.gen(function* () {
          yield* store.append([entry(plain("a", 1000), sub(1), sub(2)), entry(plain("b", 1000), sub(1))])
          yield* store.removeSubscription(sub(1))
          expect(yield* store.due(5000, 10)).toEqual([{ messageId: "a", subscriptionArn: sub(2), attempts: 0, dueAt: 1000, replayed: false }])
          expect(yield* store.get("b")).toEqual(plain("b", 1000))
        })
      ))

    it.effect("removeTopic deletes the topic's messages and their deliveries, and nothing else", () =>
      withStore((store) =>
        Effect.gen(function* () {
          yield* store.append([entry(plain("a", 1000), sub(1)), entry(plain("x", 1000, OTHER_TOPIC), sub(2))])
          yield* store.removeTopic(TOPIC)
          expect(yield* store.get("a")).toBeUndefined()
          expect(yield* store.listByTopic(TOPIC, { limit: 10 })).toEqual([])
          expect(yield* store.due(5000, 10)).toEqual([{ messageId: "x", subscriptionArn: sub(2), attempts: 0, dueAt: 1000, replayed: false }])
          expect(yield* store.get("x")).toEqual(plain("x", 1000, OTHER_TOPIC))
          // The id is free again once its message is gone.
          yield* store.append([entry(plain("a", 2000), sub(1))])
          expect(yield* store.pendingCount).toBe(2)
        })
      ))

    it.effect("prune removes only messages older than `before` with no pending delivery", () =>
      withStore((store) =>
        Effect.gen(function* () {
          yield* store.append([
            entry(plain("old-settled", 1000), sub(1)),
            entry(plain("old-pending", 1000), sub(2)),
            entry(plain("old-no-subscribers", 1500)),
            entry(plain("new-settled", 5000), sub(1))
          ])
          yield* settleOne(store, "old-settled", sub(1), { _tag: "Delivered" })
          yield* settleOne(store, "new-settled", sub(1), { _tag: "Dropped", attempts: 3 })
          expect(yield* store.prune(5000, new Map())).toBe(2)
          expect(yield* store.get("old-settled")).toBeUndefined()
          expect(yield* store.get("old-no-subscribers")).toBeUndefined()
          expect(yield* store.get("old-pending")).toBeDefined()
          expect(yield* store.get("new-settled")).toBeDefined()
          expect(yield* store.prune(5000, new Map())).toBe(0)
          expect(yield* store.pendingCount).toBe(1)
        })
      ))

    it.effect("prune keeps an archived topic's delivered messages until its retention cutoff, sealed bodies as stored", () =>
      withStore((store) =>
        Effect.gen(function* () {
          const sealed: Message.StoredMessage = {
            ...plain("archived-sealed", 2000),
            body: {
              _tag: "Sealed",
              envelope: {
                algorithm: "AES_256_GCM",
                keyArn: "arn:aws:kms:us-east-1:000000000000:key/00000000-0000-4000-8000-000000000000",
                encryptedDataKey: new Uint8Array([1, 2, 3]),
                nonce: new Uint8Array(12).fill(7),
                ciphertext: new Uint8Array([9, 8, 7, 6])
              }
            }
          }
          yield* store.append([
            entry(plain("archived-old", 1000), sub(1)),
            entry(sealed, sub(1)),
            entry(plain("archived-new", 3000), sub(1)),
            entry(plain("other-old", 1000, OTHER_TOPIC))
          ])
          for (const id of ["archived-old", "archived-sealed", "archived-new"]) {
            yield* settleOne(store, id, sub(1), { _tag: "Delivered" })
          }
          // The ordinary sweep would take everything before 5000; the archive keeps TOPIC's from 2000.
          const archive = new Map([[TOPIC, 2000]])
          expect(yield* store.prune(5000, archive)).toBe(2)
          expect(yield* store.get("archived-old")).toBeUndefined()
          expect(yield* store.get("other-old")).toBeUndefined()
          expect(yield* store.get("archived-sealed")).toEqual(sealed)
          expect((yield* store.listByTopic(TOPIC, { limit: 10 })).map((m) => m.messageId)).toEqual(["archived-sealed", "archived-new"])
          // As the retention period moves on, the archive's oldest message goes.
          expect(yield* store.prune(5000, new Map([[TOPIC, 2500]]))).toBe(1)
          expect(yield* store.get("archived-sealed")).toBeUndefined()
          // An archive cutoff later than `before` keeps nothing longer than the ordinary sweep would.
          expect(yield* store.prune(3500, new Map([[TOPIC, 9000]]))).toBe(1)
          expect(yield* store.get("archived-new")).toBeUndefined()
        })
      ))

    it("sealed envelopes, binary attributes and every metadata field round-trip byte for byte", async () => {
      const { store, close } = await openStore(makeLayer)
      try {
        let n = 0
        await fc.assert(
          fc.asyncProperty(
            arbitraryMessage,
            async (parts) => {
              // A fresh id on every run, shrinking included, so no run trips over an earlier one.
              const message: Message.StoredMessage = { messageId: `rt-${n++}`, ...parts }
              await Effect.runPromise(store.append([entry(message, sub(1))]))
              const back = await Effect.runPromise(store.get(message.messageId))
              expect(back).toEqual(message)
              if (back?.body._tag === "Sealed") expect(back.body.envelope.ciphertext).toBeInstanceOf(Uint8Array)
              const listed = await Effect.runPromise(store.listByTopic(message.topicArn, { since: message.timestamp, limit: 1_000 }))
              expect(listed.find((m) => m.messageId === message.messageId)).toEqual(message)
            }
          ),
          { numRuns: 100 }
        )
      } finally {
        await close()
      }
    }, 30_000)

    it.effect("many concurrent appends are all committed; a refused one does not take the others down", () =>
      withStore((store) =>
        Effect.gen(function* () {
          yield* store.append([entry(plain("taken", 1), sub(1))])
          const ids = Array.from({ length: 300 }, (_, i) => (i === 150 ? "taken" : `c${i}`))
          const results = yield* Effect.forEach(
            ids,
            (id, i) => Effect.either(store.append([entry(plain(id, 1000 + i), sub(1), sub(2))])),
            { concurrency: "unbounded" }
          )
          expect(results.filter(Either.isLeft)).toHaveLength(1)
          expect(Either.isLeft(results[150]!)).toBe(true)
          expect(yield* store.pendingCount).toBe(1 + 299 * 2)
          expect((yield* store.listByTopic(TOPIC, { limit: 1000 })).length).toBe(300)
          for (const id of ids) expect(yield* store.get(id)).toBeDefined()
        })
      ))

    it("behaves as a naive model under any sequence of operations", async () => {
      await fc.assert(
        fc.asyncProperty(commands(), async (cmds) => {
          const { store, close } = await openStore(makeLayer)
          try {
            await fc.asyncModelRun(() => ({ model: { messages: [], pending: [] }, real: store }), cmds)
          } finally {
            await close()
          }
        }),
        { numRuns: options.modelRuns ?? 1000 }
      )
    }, 120_000)
  })
}
