import { describe, expect, it } from "@effect/vitest"
import { Queue, QueueMessages, QueueStore } from "@sealcast/core"
import { Deferred, Effect, Either, Fiber } from "effect"
import { afterAll } from "vitest"
import * as PgDatabase from "../../src/store/PgDatabase.js"
import * as PgQueueStore from "../../src/store/PgQueueStore.js"
import * as PgRegistryStore from "../../src/store/PgRegistryStore.js"
import * as PgShared from "../../src/store/PgShared.js"
import { startPostgres } from "../support/Postgres.js"

const postgres = await startPostgres()
afterAll(() => postgres.stop())

const OWNER: Queue.Owner = { accountId: "000000000000", region: "us-east-1", origin: "https://localhost:9324" }
const T0 = 1_767_225_600_000

/** Two pools on one fresh schema: two brokers' views of one database. */
const twoBrokers = Effect.gen(function* () {
  const url = yield* Effect.promise(postgres.freshSchema)
  const open = Effect.acquireRelease(PgDatabase.open(url), (pool) => Effect.promise(() => pool.end()))
  return [yield* open, yield* open] as const
})

const withQueue = (system: QueueStore.QueueSystem, name: string): QueueStore.QueueSystem => {
  const created = Either.getOrThrow(Queue.createQueue(system.directory, { name, attributes: {} }, OWNER, T0))
  const states = new Map(system.states)
  states.set(Queue.keyOf(OWNER.accountId, name), QueueMessages.empty())
  return { directory: created.directory, states }
}

const withMessage = (system: QueueStore.QueueSystem, name: string, body: string, n: number): QueueStore.QueueSystem => {
  const key = Queue.keyOf(OWNER.accountId, name)
  const queue = system.directory.queues.get(key)!
  const sent = Either.getOrThrow(QueueMessages.send(system.states.get(key)!, queue, {
    body,
    attributes: {},
    delaySeconds: undefined,
    messageGroupId: undefined,
    messageDeduplicationId: undefined,
    messageId: `00000000-0000-4000-8000-${n.toString().padStart(12, "0")}`,
    senderId: OWNER.accountId
  }, T0))
  const states = new Map(system.states)
  states.set(key, sent.state)
  return { ...system, states }
}

const bodies = (system: QueueStore.QueueSystem, name: string) =>
  [...(system.states.get(Queue.keyOf(OWNER.accountId, name))?.messages.values() ?? [])].map((m) => m.body)

describe("stores shared by brokers on one database", () => {
  it.scoped("a queue store catches up with another's commits: nothing when nothing changed, else exactly the changes", () =>
    Effect.gen(function* () {
      const [poolA, poolB] = yield* twoBrokers
      const [a, b] = [PgQueueStore.make(poolA), PgQueueStore.make(poolB)]
      const heldA = yield* a.load
      const heldB = yield* b.load
      expect(yield* b.shared!.catchUp(heldB)).toBeUndefined()

      const next = withMessage(withQueue(heldA, "orders"), "orders", "from a", 1)
      yield* a.apply(QueueStore.diff(heldA, next))
      const caughtUp = (yield* b.shared!.catchUp(heldB))!
      expect(caughtUp.changes.map((c) => c._tag)).toEqual(["PutQueue", "PutMessage", "PutMeta"])
      expect(bodies(caughtUp.system, "orders")).toEqual(["from a"])
      expect(yield* b.shared!.catchUp(caughtUp.system)).toBeUndefined()
      // And the store's own commits need no catching up.
      expect(yield* a.shared!.catchUp(next)).toBeUndefined()
    }))

  it.scoped("a broker whose changes are no longer kept reads every queue again", () =>
    Effect.gen(function* () {
      const [poolA, poolB] = yield* twoBrokers
      const [a, b] = [PgQueueStore.make(poolA), PgQueueStore.make(poolB)]
      const heldA = yield* a.load
      const heldB = yield* b.load
      const next = withMessage(withQueue(heldA, "orders"), "orders", "kept", 1)
      yield* a.apply(QueueStore.diff(heldA, next))
      yield* Effect.promise(() => poolA.query("DELETE FROM queue_changes"))
      const caughtUp = (yield* b.shared!.catchUp(heldB))!
      expect(bodies(caughtUp.system, "orders")).toEqual(["kept"])
      expect(QueueStore.touchedKeys(caughtUp.changes)).toEqual(new Set([Queue.keyOf(OWNER.accountId, "orders")]))
    }))

  it.scoped("exclusive makes writers take turns, the second deciding on what the first committed", () =>
    Effect.gen(function* () {
      const [poolA, poolB] = yield* twoBrokers
      const [a, b] = [PgQueueStore.make(poolA), PgQueueStore.make(poolB)]
      const start = withQueue(yield* a.load, "orders")
      yield* a.apply(QueueStore.diff(QueueStore.empty(), start))
      const heldB = yield* b.load
      const aInside = yield* Deferred.make<void>()
      const releaseA = yield* Deferred.make<void>()
      // A holds the lock, wrote its message, and waits; B's action starts meanwhile.
      const first = yield* Effect.fork(a.shared!.exclusive(start, (caughtUp) =>
        Effect.gen(function* () {
          const next = withMessage(caughtUp.system, "orders", "first", 1)
          yield* a.apply(QueueStore.diff(caughtUp.system, next))
          yield* Deferred.succeed(aInside, undefined)
          yield* Deferred.await(releaseA)
        })))
      yield* Deferred.await(aInside)
      const second = yield* Effect.fork(b.shared!.exclusive(heldB, (caughtUp) =>
        Effect.gen(function* () {
          const next = withMessage(caughtUp.system, "orders", "second", 2)
          yield* b.apply(QueueStore.diff(caughtUp.system, next))
          return bodies(caughtUp.system, "orders")
        })))
      yield* Deferred.succeed(releaseA, undefined)
      yield* Fiber.join(first)
      expect(yield* Fiber.join(second)).toEqual(["first"])
      expect(bodies(yield* a.load, "orders")).toEqual(["first", "second"])
    }))

  it.scoped("a body that fails writes nothing", () =>
    Effect.gen(function* () {
      const [poolA] = yield* twoBrokers
      const a = PgQueueStore.make(poolA)
      const held = yield* a.load
      const failed = yield* Effect.either(a.shared!.exclusive(held, (caughtUp) =>
        Effect.zipRight(a.apply(QueueStore.diff(caughtUp.system, withQueue(caughtUp.system, "never"))), Effect.fail("refused" as const))))
      expect(failed).toEqual(Either.left("refused"))
      expect((yield* a.load).directory.queues.size).toBe(0)
    }))

  it.scoped("a registry store reads the registry again once another broker changed it", () =>
    Effect.gen(function* () {
      const [poolA, poolB] = yield* twoBrokers
      const [a, b] = [PgRegistryStore.make(poolA), PgRegistryStore.make(poolB)]
      yield* b.load
      expect(yield* b.shared!.catchUp).toBeUndefined()
      yield* a.apply([{ _tag: "PutSmsAccount", account: { accountId: "000000000000", attributes: {}, sandboxNumbers: [] } }])
      expect((yield* b.shared!.catchUp)?.smsAccounts.map((s) => s.accountId)).toEqual(["000000000000"])
      expect(yield* b.shared!.catchUp).toBeUndefined()
    }))

  it.scoped("a request's catch-ups go by the versions it read first: what was committed before, not after", () =>
    Effect.gen(function* () {
      const [poolA, poolB] = yield* twoBrokers
      const [a, b] = [PgQueueStore.make(poolA), PgQueueStore.make(poolB)]
      const heldA = yield* a.load
      const heldB = yield* b.load
      const first = withQueue(heldA, "orders")
      yield* a.apply(QueueStore.diff(heldA, first))
      const seen = yield* PgShared.withVersions(poolB)(b.shared!.catchUp(heldB))
      expect(seen!.system.directory.queues.size).toBe(1)
      const during = yield* PgShared.withVersions(poolB)(
        Effect.zipRight(
          // Committed after this request read the versions: the next request's to see.
          a.apply(QueueStore.diff(first, withMessage(first, "orders", "later", 1))),
          b.shared!.catchUp(seen!.system)
        )
      )
      expect(during).toBeUndefined()
      const next = yield* PgShared.withVersions(poolB)(b.shared!.catchUp(seen!.system))
      expect(bodies(next!.system, "orders")).toEqual(["later"])
    }))

  it.scoped("versions read before the broker's own write ask for no catch-up (not every queue read again)", () =>
    Effect.gen(function* () {
      const [pool] = yield* twoBrokers
      const store = PgQueueStore.make(pool)
      const held = yield* store.load
      const next = withQueue(held, "orders")
      const caughtUp = yield* PgShared.withVersions(pool)(
        Effect.zipRight(store.apply(QueueStore.diff(held, next)), store.shared!.catchUp(next))
      )
      expect(caughtUp).toBeUndefined()
    }))
})
