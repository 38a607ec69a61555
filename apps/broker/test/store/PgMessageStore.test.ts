/**
 * The leases of `PgMessageStore.ts`: brokers sharing one database never attempt the same delivery at
 * once. Each broker is a store of its own (its own pool and node name) on one fresh schema.
 */
import { describe, expect, it } from "@effect/vitest"
import { type Errors, FifoSequencer } from "@sealcast/core"
import type { Message, MessageStore } from "@sealcast/core"
import { Effect, Schedule } from "effect"
import { afterAll } from "vitest"
import * as PgDatabase from "../../src/store/PgDatabase.js"
import * as PgMessageStore from "../../src/store/PgMessageStore.js"
import { startPostgres } from "../support/Postgres.js"

const postgres = await startPostgres()
afterAll(() => postgres.stop())

const TOPIC = "arn:aws:sns:us-east-1:000000000000:shared"
const SUBSCRIPTION = `${TOPIC}:00000000-0000-4000-8000-000000000001`

const plain = (messageId: string, timestamp: number): Message.StoredMessage => ({
  messageId,
  topicArn: TOPIC,
  subject: undefined,
  attributes: {},
  messageStructure: undefined,
  timestamp,
  publisher: "arn:aws:iam::000000000000:root",
  fifo: undefined,
  body: { _tag: "Plain", text: `body of ${messageId}` }
})

/** A broker's store on `url`, closed with the test's scope. */
const broker = (url: string, node: string) => Effect.acquireRelease(PgMessageStore.open({ url, node }), (store) => store.close)

const key = (d: MessageStore.PendingDelivery) => d.messageId


describe("PgMessageStore leases", () => {
  it.scoped("a broker's new deliveries are its own: another broker neither reads them as due nor waits on them", () =>
    Effect.gen(function* () {
      const url = yield* Effect.promise(postgres.freshSchema)
      const a = yield* broker(url, "a")
      const b = yield* broker(url, "b")
      yield* a.append([{ message: plain("m1", 1000), subscriptionArns: [SUBSCRIPTION] }])
      expect(yield* b.due(5000, 10)).toEqual([])
      // Another broker's lease postpones the row for it past the due instant, to when the lease ends.
      expect(yield* b.nextDueAt).toBeGreaterThan(Date.now())
      expect((yield* a.due(5000, 10)).map(key)).toEqual(["m1"])
      expect(yield* a.nextDueAt).toBe(1000)
      expect(yield* b.pendingCount).toBe(1)
    }))

  it.scoped("the broker that retried a delivery keeps it, past the retry's due instant", () =>
    Effect.gen(function* () {
      const url = yield* Effect.promise(postgres.freshSchema)
      const a = yield* broker(url, "a")
      const b = yield* broker(url, "b")
      yield* a.append([{ message: plain("m1", 1000), subscriptionArns: [SUBSCRIPTION] }])
      const later = Date.now() + 2 * PgMessageStore.LEASE_MS
      yield* a.settle([{ messageId: "m1", subscriptionArn: SUBSCRIPTION, outcome: { _tag: "Retry", attempts: 1, dueAt: later } }])
      expect(yield* b.due(later, 10)).toEqual([])
      expect(yield* a.due(later, 10)).toEqual([{ messageId: "m1", subscriptionArn: SUBSCRIPTION, attempts: 1, dueAt: later, replayed: false }])
    }))

  it.scoped("brokers claiming at the same moment split the due deliveries: none is claimed twice, none is left", () =>
    Effect.gen(function* () {
      const url = yield* Effect.promise(postgres.freshSchema)
      // The broker that accepted the messages stops, giving their deliveries back.
      const writer = yield* PgMessageStore.open({ url, node: "writer" })
      const ids = Array.from({ length: 400 }, (_, i) => `m${i}`)
      yield* writer.append(ids.map((id, i) => ({ message: plain(id, 1000 + i), subscriptionArns: [SUBSCRIPTION] })))
      yield* writer.close
      const brokers = yield* Effect.all(["a", "b", "c", "d"].map((node) => broker(url, node)))
      // Each broker, all at once, claims a few, delivers them (ending them), and goes on until a
      // read finds nothing left. A delivery two brokers held at once would be delivered twice.
      const claims = yield* Effect.forEach(
        brokers,
        (store) =>
          Effect.iterate({ delivered: [] as Array<string>, done: false }, {
            while: (state) => !state.done,
            body: (state) =>
              Effect.flatMap(store.due(Number.MAX_SAFE_INTEGER, 7), (due) =>
                Effect.as(
                  store.settle(due.map((d) => ({ messageId: d.messageId, subscriptionArn: d.subscriptionArn, outcome: { _tag: "Delivered" } }))),
                  { delivered: [...state.delivered, ...due.map(key)], done: due.length === 0 }
                ))
          }),
        { concurrency: "unbounded" }
      )
      const all = claims.flatMap((c) => c.delivered)
      expect(all.length).toBe(ids.length)
      expect(new Set(all)).toEqual(new Set(ids))
      // Every broker took part: the claims were made side by side, not one broker after another.
      for (const claim of claims) expect(claim.delivered.length).toBeGreaterThan(0)
    }))

  it.scoped("a broker that stops gives its leases back", () =>
    Effect.gen(function* () {
      const url = yield* Effect.promise(postgres.freshSchema)
      const b = yield* broker(url, "b")
      const a = yield* PgMessageStore.open({ url, node: "a" })
      yield* a.append([{ message: plain("m1", 1000), subscriptionArns: [SUBSCRIPTION] }])
      expect(yield* b.due(5000, 10)).toEqual([])
      yield* a.close
      expect((yield* b.due(5000, 10)).map(key)).toEqual(["m1"])
    }))

  it.scoped("a lease that ran out (its broker is gone) is claimed by another broker", () =>
    Effect.gen(function* () {
      const url = yield* Effect.promise(postgres.freshSchema)
      const a = yield* broker(url, "a")
      const b = yield* broker(url, "b")
      yield* a.append([{ message: plain("m1", 1000), subscriptionArns: [SUBSCRIPTION] }])
      // Broker a is gone; its lease is made to have run out, as it would LEASE_MS later.
      const pool = yield* Effect.acquireRelease(PgDatabase.open(url), (p) => Effect.promise(() => p.end()))
      yield* Effect.promise(() => pool.query("UPDATE deliveries SET leased_until = leased_until - $1", [PgMessageStore.LEASE_MS + 1]))
      expect((yield* b.due(5000, 10)).map(key)).toEqual(["m1"])
      expect(yield* a.due(5000, 10)).toEqual([])
    }))

  it.scopedLive("a live broker's heartbeat renews its leases before they run out, so no other broker claims them", () =>
    Effect.gen(function* () {
      const url = yield* Effect.promise(postgres.freshSchema)
      const a = yield* broker(url, "a")
      const b = yield* broker(url, "b")
      yield* a.append([{ message: plain("m1", 1000), subscriptionArns: [SUBSCRIPTION] }])
      const pool = yield* Effect.acquireRelease(PgDatabase.open(url), (p) => Effect.promise(() => p.end()))
      const remainingMs = () =>
        Effect.promise(() =>
          pool.query<{ readonly left: number }>("SELECT leased_until - (extract(epoch FROM clock_timestamp()) * 1000)::bigint AS left FROM deliveries")
        ).pipe(Effect.map(({ rows }) => rows[0]!.left))
      // The lease is made nearly spent; the next beat (within HEARTBEAT_MS) takes it to a full LEASE_MS again.
      yield* Effect.promise(() => pool.query("UPDATE deliveries SET leased_until = (extract(epoch FROM clock_timestamp()) * 1000)::bigint + 1000"))
      yield* remainingMs().pipe(
        Effect.filterOrFail((left) => left > PgMessageStore.LEASE_MS - PgMessageStore.HEARTBEAT_MS, () => "not yet renewed"),
        Effect.retry(Schedule.spaced("200 millis").pipe(Schedule.upTo(`${3 * PgMessageStore.HEARTBEAT_MS} millis`)))
      )
      expect(yield* b.due(Date.now() + 1000, 10)).toEqual([])
    }), 30_000)
})

const FIFO_TOPIC = "arn:aws:sns:us-east-1:000000000000:ledger.fifo"

/** Sequences one message through `sequencer` and stores it as the Publisher does; answers the outcome. */
const publishFifo = (sequencer: FifoSequencer.FifoSequencer, messageId: string, deduplicationId: string, at: number) =>
  sequencer.sequence<FifoSequencer.Outcome, Errors.StoreFailure>(
    FIFO_TOPIC,
    at,
    [{ deduplicationId, messageId }],
    (outcomes, append) => {
      const outcome = outcomes[0]!
      if (outcome._tag === "Duplicate") return Effect.succeed(outcome)
      const message: Message.StoredMessage = {
        ...plain(messageId, at),
        topicArn: FIFO_TOPIC,
        fifo: { messageGroupId: "g", messageDeduplicationId: deduplicationId, sequenceNumber: outcome.sequenceNumber }
      }
      return Effect.as(append([{ message, subscriptionArns: [] }]), outcome)
    },
    () => undefined
  )

describe("PgMessageStore FIFO topics", () => {
  it.scoped("two brokers sequencing one topic at once hand out distinct, rising numbers and share deduplication", () =>
    Effect.gen(function* () {
      const url = yield* Effect.promise(postgres.freshSchema)
      const a = yield* FifoSequencer.make(yield* broker(url, "a"))
      const b = yield* FifoSequencer.make(yield* broker(url, "b"))
      // One instant for every publish, so only the lock keeps the two brokers' numbers apart.
      const at = Date.now()
      const outcomes = yield* Effect.all(
        Array.from({ length: 20 }, (_, i) => publishFifo(i % 2 === 0 ? a : b, `m${i}`, `d${i}`, at)),
        { concurrency: "unbounded" }
      )
      const numbers = outcomes.map((o) => (o._tag === "Accepted" ? BigInt(o.sequenceNumber) : -1n))
      expect(numbers.every((n) => n > 0n)).toBe(true)
      expect(new Set(numbers).size).toBe(20)

      const first = yield* publishFifo(a, "once", "same", at)
      const again = yield* publishFifo(b, "twice", "same", at)
      expect(first._tag).toBe("Accepted")
      expect(again).toEqual({ _tag: "Duplicate", messageId: "once", sequenceNumber: (first as { readonly sequenceNumber: string }).sequenceNumber })
      const next = yield* publishFifo(b, "after", "other", at)
      expect(next._tag === "Accepted" && BigInt(next.sequenceNumber) > BigInt(first._tag === "Accepted" ? first.sequenceNumber : "0")).toBe(true)
    }))
})

const LANES_TOPIC = "arn:aws:sns:us-east-1:000000000000:lanes.fifo"
const LANES_SUBSCRIPTION = `${LANES_TOPIC}:00000000-0000-4000-8000-000000000002`

/** A FIFO message of `group` with sequence number `sequence`, accepted at `timestamp`. */
const fifoMessage = (messageId: string, group: string, sequence: number, timestamp: number): Message.StoredMessage => ({
  ...plain(messageId, timestamp),
  topicArn: LANES_TOPIC,
  fifo: { messageGroupId: group, messageDeduplicationId: messageId, sequenceNumber: String(sequence) }
})

const toLanes = (...messages: ReadonlyArray<Message.StoredMessage>) => messages.map((message) => ({ message, subscriptionArns: [LANES_SUBSCRIPTION] }))

const ended = (messageId: string, outcome: MessageStore.DeliveryOutcome): MessageStore.Settlement => ({ messageId, subscriptionArn: LANES_SUBSCRIPTION, outcome })

describe("PgMessageStore FIFO lanes across brokers", () => {
  it.scoped("of each lane only the head is claimed, by one broker, whichever accepted the messages; the next once it has ended", () =>
    Effect.gen(function* () {
      const url = yield* Effect.promise(postgres.freshSchema)
      const a = yield* broker(url, "a")
      const b = yield* broker(url, "b")
      // Group g's messages accepted alternately through a and b, group h's through a.
      yield* a.append(toLanes(fifoMessage("g1", "g", 1, 1000), fifoMessage("h3", "h", 3, 1000)))
      yield* b.append(toLanes(fifoMessage("g2", "g", 2, 1000)))
      yield* a.append(toLanes(fifoMessage("g4", "g", 4, 1000)))
      // b claims the heads, though a accepted them; nothing of g's is left for a, g2 and g4 wait behind g1.
      expect((yield* b.due(5000, 10)).map(key).sort()).toEqual(["g1", "h3"])
      expect(yield* a.due(5000, 10)).toEqual([])
      // For a, the earliest claimable instant is when b's leases run out, not g2's due instant.
      expect(yield* a.nextDueAt).toBeGreaterThan(Date.now())
      yield* b.settle([ended("h3", { _tag: "Delivered" })])

      // A head waiting for its retry holds its lane: g2 waits, though due, and the retry stays b's.
      const later = Date.now() + 2 * PgMessageStore.LEASE_MS
      yield* b.settle([ended("g1", { _tag: "Retry", attempts: 1, dueAt: later })])
      expect(yield* a.due(Number.MAX_SAFE_INTEGER, 10)).toEqual([])
      expect(yield* b.due(later - 1, 10)).toEqual([])
      expect(yield* b.due(later, 10)).toEqual([{ messageId: "g1", subscriptionArn: LANES_SUBSCRIPTION, attempts: 1, dueAt: later, replayed: false }])

      // Delivered, it frees the lane: g2 is the head, for whichever broker reads first.
      yield* b.settle([ended("g1", { _tag: "Delivered" })])
      expect(yield* a.nextDueAt).toBe(1000)
      expect((yield* a.due(5000, 10)).map(key)).toEqual(["g2"])
      expect(yield* b.due(5000, 10)).toEqual([])
      // Given up (dead-lettered), it frees the lane all the same.
      yield* a.settle([ended("g2", { _tag: "Dropped", attempts: 3 })])
      expect((yield* b.due(5000, 10)).map(key)).toEqual(["g4"])
    }))

  it.scoped("a broker that dies holding a lane's head loses it when its lease runs out, and another goes on with the lane", () =>
    Effect.gen(function* () {
      const url = yield* Effect.promise(postgres.freshSchema)
      const a = yield* broker(url, "a")
      const b = yield* broker(url, "b")
      yield* a.append(toLanes(fifoMessage("g1", "g", 1, 1000), fifoMessage("g2", "g", 2, 1000)))
      expect((yield* a.due(5000, 10)).map(key)).toEqual(["g1"])
      expect(yield* b.due(5000, 10)).toEqual([])
      // Broker a is gone; its lease is made to have run out, as it would LEASE_MS later.
      const pool = yield* Effect.acquireRelease(PgDatabase.open(url), (p) => Effect.promise(() => p.end()))
      yield* Effect.promise(() => pool.query("UPDATE deliveries SET leased_until = leased_until - $1 WHERE leased_by = 'a'", [PgMessageStore.LEASE_MS + 1]))
      expect(yield* b.nextDueAt).toBe(1000)
      expect((yield* b.due(5000, 10)).map(key)).toEqual(["g1"])
      yield* b.settle([ended("g1", { _tag: "Delivered" })])
      expect((yield* b.due(5000, 10)).map(key)).toEqual(["g2"])
    }))

  it.scoped("brokers claiming one lane's messages at once claim each once, in sequence-number order", () =>
    Effect.gen(function* () {
      const url = yield* Effect.promise(postgres.freshSchema)
      const writer = yield* broker(url, "writer")
      const groups = ["g", "h", "i"]
      const perGroup = 40
      const messages = Array.from({ length: perGroup * groups.length }, (_, i) => fifoMessage(`m${i}`, groups[i % groups.length]!, i + 1, 1000))
      yield* writer.append(toLanes(...messages))
      const brokers = yield* Effect.all(["a", "b", "c", "d"].map((node) => broker(url, node)))
      const groupOf = new Map(messages.map((m) => [m.messageId, m.fifo!.messageGroupId]))
      const sequenceOf = new Map(messages.map((m) => [m.messageId, Number(m.fifo!.sequenceNumber)]))
      // Claims as the brokers' reads return them, in one list across brokers.
      const claimed: Array<string> = []
      yield* Effect.forEach(
        brokers,
        (store) =>
          Effect.iterate(false, {
            while: (done) => !done,
            body: () =>
              Effect.flatMap(store.due(Number.MAX_SAFE_INTEGER, 2), (due) => {
                claimed.push(...due.map(key))
                return Effect.as(store.settle(due.map((d) => ended(d.messageId, { _tag: "Delivered" }))), due.length === 0 && claimed.length === messages.length)
              })
          }),
        { concurrency: "unbounded" }
      )
      expect([...claimed].sort()).toEqual(messages.map((m) => m.messageId).sort())
      for (const group of groups) {
        const order = claimed.filter((id) => groupOf.get(id) === group).map((id) => sequenceOf.get(id)!)
        expect(order).toEqual([...order].sort((x, y) => x - y))
      }
    }))
})
