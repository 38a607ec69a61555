/**
 * The one contract every `QueueStore` implementation keeps (packages/core/src/sqs/QueueStore.ts), run
 * against each implementation as `RegistryStoreContract.ts` is. What the Sqs service relies on: the
 * changes between two values of the queue system, once applied, are there when the store is opened
 * again (docs/SEMANTICS.md §8): queues with their attributes and tags, names deleted in the last
 * minute, each queue's messages in their order (an update keeping its place) with their receive
 * state, binary attributes byte for byte, and each queue's FIFO and receive-attempt state.
 *
 * `queueStoreContract(name, makeBacking)` registers the suite; `makeBacking` must give a fresh, empty
 * backing each time it is called.
 *
 * @since 0.1.0
 */
import { describe, expect, it } from "@effect/vitest"
import { type Errors, Fifo, MessageMoves, Queue, QueueMessages, QueueStore } from "@sealcast/core"
import { Effect, Either, type Scope } from "effect"
import * as fc from "fast-check"

/**
 * Where a store keeps its state: `open` gives a store over it until the scope closes, and a later
 * `open` sees what an earlier one applied.
 *
 * @category models
 */
export interface QueueStoreBacking {
  readonly open: Effect.Effect<QueueStore.QueueStoreService, Errors.StoreFailure, Scope.Scope>
}

const OWNER: Queue.Owner = { accountId: "000000000000", region: "us-east-1", origin: "https://localhost:9324" }
const T0 = 1_767_225_600_000

/** A value of the queue system as plain lists, in the orders the service depends on. */
const view = (system: QueueStore.QueueSystem) => ({
  queues: [...system.directory.queues.entries()].sort(([a], [b]) => (a < b ? -1 : 1)),
  deletedAt: [...system.directory.deletedAt.entries()].sort(([a], [b]) => (a < b ? -1 : 1)),
  states: [...system.states.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([key, state]) => ({
      key,
      messages: [...state.messages.values()],
      lastSequence: state.fifo.lastSequence,
      seen: [...state.fifo.seen.entries()],
      receiveAttempts: [...state.receiveAttempts.entries()],
      lastPurgeAt: state.lastPurgeAt,
      moveTasks: state.moveTasks
    }))
})

const reload = (backing: QueueStoreBacking) => Effect.scoped(Effect.flatMap(backing.open, (store) => store.load))

/** Applies the changes from `before` to `after` through a store opened for the purpose. */
const store = (backing: QueueStoreBacking, before: QueueStore.QueueSystem, after: QueueStore.QueueSystem) =>
  Effect.scoped(Effect.flatMap(backing.open, (s) => s.apply(QueueStore.diff(before, after))))

const keyOf = (name: string) => Queue.keyOf(OWNER.accountId, name)

const withState = (system: QueueStore.QueueSystem, name: string, state: QueueMessages.QueueState): QueueStore.QueueSystem => {
  const states = new Map(system.states)
  states.set(keyOf(name), state)
  return { ...system, states }
}

const createQueue = (system: QueueStore.QueueSystem, name: string, now: number, attributes: Record<string, string> = {}) =>
  Either.map(Queue.createQueue(system.directory, { name, attributes: name.endsWith(".fifo") ? { FifoQueue: "true", ContentBasedDeduplication: "true", ...attributes } : attributes }, OWNER, now), (created) =>
    created.created ? withState({ ...system, directory: created.directory }, name, QueueMessages.empty()) : system
  )

const sendInput = (body: string, n: number, fifo: boolean, attributes: QueueMessages.SendInput["attributes"] = {}): QueueMessages.SendInput => ({
  body,
  attributes,
  delaySeconds: undefined,
  messageGroupId: fifo ? `g${n % 2}` : undefined,
  messageDeduplicationId: undefined,
  messageId: `00000000-0000-4000-8000-${n.toString().padStart(12, "0")}`,
  senderId: OWNER.accountId
})

type Operation =
  | { readonly _tag: "Create"; readonly name: string }
  | { readonly _tag: "Send"; readonly name: string; readonly body: string }
  | { readonly _tag: "Receive"; readonly name: string; readonly max: number }
  | { readonly _tag: "Delete"; readonly name: string; readonly pick: number }
  | { readonly _tag: "Hide"; readonly name: string; readonly pick: number; readonly seconds: number }
  | { readonly _tag: "Purge"; readonly name: string }
  | { readonly _tag: "Tag"; readonly name: string; readonly value: string }
  | { readonly _tag: "DeleteQueue"; readonly name: string }
  | { readonly _tag: "Wait"; readonly ms: number }
  | { readonly _tag: "Reopen" }

const NAMES = ["orders", "audit", "jobs.fifo"] as const

const arbitraryOperation: fc.Arbitrary<Operation> = fc.oneof(
  fc.record({ _tag: fc.constant("Create" as const), name: fc.constantFrom(...NAMES) }),
  fc.record({ _tag: fc.constant("Send" as const), name: fc.constantFrom(...NAMES), body: fc.string({ minLength: 1, maxLength: 12 }) }),
  fc.record({ _tag: fc.constant("Send" as const), name: fc.constantFrom(...NAMES), body: fc.string({ minLength: 1, maxLength: 12 }) }),
  fc.record({ _tag: fc.constant("Receive" as const), name: fc.constantFrom(...NAMES), max: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ _tag: fc.constant("Delete" as const), name: fc.constantFrom(...NAMES), pick: fc.nat() }),
  fc.record({ _tag: fc.constant("Hide" as const), name: fc.constantFrom(...NAMES), pick: fc.nat(), seconds: fc.integer({ min: 0, max: 60 }) }),
  fc.record({ _tag: fc.constant("Purge" as const), name: fc.constantFrom(...NAMES) }),
  fc.record({ _tag: fc.constant("Tag" as const), name: fc.constantFrom(...NAMES), value: fc.string({ maxLength: 8 }) }),
  fc.record({ _tag: fc.constant("DeleteQueue" as const), name: fc.constantFrom(...NAMES) }),
  fc.record({ _tag: fc.constant("Wait" as const), ms: fc.integer({ min: 0, max: 90_000 }) }),
  fc.constant({ _tag: "Reopen" as const })
)

/** The operation's outcome on `system`: a refused one (a queue that is not there, say) changes nothing. */
const perform = (system: QueueStore.QueueSystem, operation: Exclude<Operation, { readonly _tag: "Wait" | "Reopen" }>, n: number, now: number) => {
  const queue = system.directory.queues.get(keyOf(operation.name))
  const state = system.states.get(keyOf(operation.name))
  const handles = state === undefined ? [] : [...state.messages.values()].flatMap((m) => (m.lastReceive === undefined ? [] : [m.lastReceive.handle]))
  const picked = (pick: number) => handles[pick % Math.max(1, handles.length)]
  const outcome: Either.Either<QueueStore.QueueSystem, unknown> = (() => {
    if (operation._tag === "Create") return createQueue(system, operation.name, now)
    if (queue === undefined || state === undefined) return Either.left("no such queue")
    const on = (next: Either.Either<QueueMessages.QueueState, unknown>) => Either.map(next, (s) => withState(system, operation.name, s))
    switch (operation._tag) {
      case "Send":
        return on(Either.map(QueueMessages.send(state, queue, sendInput(operation.body, n, queue.fifo), now), (r) => r.state))
      case "Receive":
        return on(
          Either.map(
            QueueMessages.receive(state, queue, { maxNumberOfMessages: operation.max, visibilityTimeout: undefined, waitTimeSeconds: undefined, receiveRequestAttemptId: queue.fifo ? `a${n % 2}` : undefined, nonce: `n${n}` }, now),
            (r) => r.state
          )
        )
      case "Delete": {
        const handle = picked(operation.pick)
        return handle === undefined ? Either.left("nothing received") : on(Either.map(QueueMessages.deleteMessage(state, queue, handle, now), (r) => r.state))
      }
      case "Hide": {
        const handle = picked(operation.pick)
        return handle === undefined ? Either.left("nothing received") : on(Either.map(QueueMessages.changeVisibility(state, queue, handle, operation.seconds, now), (r) => r.state))
      }
      case "Purge":
        return on(QueueMessages.purge(state, queue, now))
      case "Tag":
        return Either.map(Queue.tag(queue, { team: operation.value }), (q) => ({ ...system, directory: Queue.updateQueue(system.directory, q) }))
      case "DeleteQueue":
        return Either.map(Queue.deleteQueue(system.directory, queue.url, now), (deleted) => {
          const states = new Map(system.states)
          states.delete(keyOf(operation.name))
          return { directory: deleted.directory, states }
        })
    }
  })()
  return Either.getOrElse(outcome, () => system)
}

/** A map that counts the walks over it: what `diff` must not do to a large queue's messages. */
class WalkCountingMap<K, V> extends Map<K, V> {
  walks = 0
  override entries() {
    this.walks++
    return super.entries()
  }
  override keys() {
    this.walks++
    return super.keys()
  }
  override values() {
    this.walks++
    return super.values()
  }
  override forEach(f: (value: V, key: K, map: Map<K, V>) => void, thisArg?: unknown) {
    this.walks++
    super.forEach(f, thisArg)
  }
  override [Symbol.iterator]() {
    this.walks++
    return super[Symbol.iterator]()
  }
}

const LARGE_QUEUE = 10_000

/**
 * @category contracts
 */
export const queueStoreContract = (name: string, makeBacking: () => QueueStoreBacking): void => {
  describe(`QueueStore contract: ${name}`, () => {
    it.effect("an empty store loads nothing", () =>
      Effect.gen(function* () {
        expect(view(yield* reload(makeBacking()))).toEqual(view(QueueStore.empty()))
      })
    )

    it.effect("queues, tags, messages in order with their receive state, binary attributes and FIFO state survive reopening", () =>
      Effect.gen(function* () {
        const backing = makeBacking()
        const empty = QueueStore.empty()
        let system = Either.getOrThrow(createQueue(empty, "orders", T0))
        system = Either.getOrThrow(createQueue(system, "jobs.fifo", T0))
        const orders = system.directory.queues.get(keyOf("orders"))!
        const jobs = system.directory.queues.get(keyOf("jobs.fifo"))!
        system = { ...system, directory: Queue.updateQueue(system.directory, Either.getOrThrow(Queue.tag(orders, { team: "a" }))) }
        yield* store(backing, empty, system)

        let before = system
        let state = system.states.get(keyOf("orders"))!
        const binary = { blob: { dataType: "Binary", binaryValue: new Uint8Array([0, 255, 128]) } }
        for (const [i, body] of ["first", "second", "third"].entries()) {
          state = Either.getOrThrow(QueueMessages.send(state, orders, sendInput(body, i, false, i === 0 ? binary : {}), T0 + i)).state
        }
        let fifoState = system.states.get(keyOf("jobs.fifo"))!
        fifoState = Either.getOrThrow(QueueMessages.send(fifoState, jobs, sendInput("fifo", 10, true), T0)).state
        system = withState(withState(system, "orders", state), "jobs.fifo", fifoState)
        yield* store(backing, before, system)

        // Receiving the first message updates it; it keeps its place ahead of the others.
        before = system
        const received = Either.getOrThrow(
          QueueMessages.receive(state, orders, { maxNumberOfMessages: 1, visibilityTimeout: 30, waitTimeSeconds: undefined, receiveRequestAttemptId: undefined, nonce: "abc" }, T0 + 10)
        )
        system = withState(system, "orders", received.state)
        yield* store(backing, before, system)

        const loaded = yield* reload(backing)
        expect(view(loaded)).toEqual(view(system))
        const messages = [...loaded.states.get(keyOf("orders"))!.messages.values()]
        expect(messages.map((m) => m.body)).toEqual(["first", "second", "third"])
        expect(messages[0]!.lastReceive?.handle).toBe(received.messages[0]!.receiptHandle)
        expect(messages[0]!.attributes["blob"]?.binaryValue).toEqual(new Uint8Array([0, 255, 128]))
        expect(loaded.states.get(keyOf("jobs.fifo"))!.fifo.lastSequence).toBe(fifoState.fifo.lastSequence)
        expect(loaded.directory.queues.get(keyOf("orders"))!.tags).toEqual({ team: "a" })
      })
    )

    it.effect("a sealed body is stored as its envelope and loads back byte for byte (docs/SEMANTICS.md §8)", () =>
      Effect.gen(function* () {
        const backing = makeBacking()
        const empty = QueueStore.empty()
        const system = Either.getOrThrow(createQueue(empty, "sealed", T0))
        yield* store(backing, empty, system)
        const queue = system.directory.queues.get(keyOf("sealed"))!
        const sealed: QueueMessages.QueueBody = {
          _tag: "Sealed",
          sse: "KMS",
          queueArn: queue.arn,
          envelope: {
            algorithm: "AES_256_GCM",
            keyArn: "arn:aws:kms:us-east-1:000000000000:key/k",
            encryptedDataKey: new Uint8Array([1, 2, 3, 0, 255]),
            nonce: new Uint8Array(12).fill(7),
            ciphertext: new Uint8Array([9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0])
          }
        }
        const state = Either.getOrThrow(
          QueueMessages.send(system.states.get(keyOf("sealed"))!, queue, { ...sendInput("the plaintext", 0, false), storedBody: sealed }, T0)
        ).state
        const next = withState(system, "sealed", state)
        yield* store(backing, system, next)
        const [loaded] = [...(yield* reload(backing)).states.get(keyOf("sealed"))!.messages.values()]
        expect(loaded!.body).toEqual(sealed)
      })
    )

    it.effect("a message move task is kept with its source queue, its progress too (docs/SEMANTICS.md §8)", () =>
      Effect.gen(function* () {
        const backing = makeBacking()
        const empty = QueueStore.empty()
        let system = Either.getOrThrow(createQueue(empty, "dlq", T0))
        const dlqArn = system.directory.queues.get(keyOf("dlq"))!.arn
        system = Either.getOrThrow(createQueue(system, "orders", T0, { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 1 }) }))
        yield* store(backing, empty, system)
        const input = { sourceArn: dlqArn, destinationArn: undefined, maxNumberOfMessagesPerSecond: 3 }
        const started = Either.getOrThrow(MessageMoves.start(system, input, OWNER.accountId, "task-1", T0)).system
        yield* store(backing, system, started)
        const advanced = MessageMoves.advance(started, T0 + 1000).system
        yield* store(backing, started, advanced)
        const loaded = yield* reload(backing)
        expect(view(loaded)).toEqual(view(advanced))
        expect(loaded.states.get(keyOf("dlq"))!.moveTasks).toEqual([
          expect.objectContaining({ taskId: "task-1", status: "COMPLETED", maxNumberOfMessagesPerSecond: 3, destinationArn: undefined, failureReason: undefined })
        ])
      })
    )

    it.effect("a deleted queue's messages go with it, and its name is remembered for a minute", () =>
      Effect.gen(function* () {
        const backing = makeBacking()
        const empty = QueueStore.empty()
        let system = Either.getOrThrow(createQueue(empty, "orders", T0))
        const orders = system.directory.queues.get(keyOf("orders"))!
        system = withState(system, "orders", Either.getOrThrow(QueueMessages.send(system.states.get(keyOf("orders"))!, orders, sendInput("x", 1, false), T0)).state)
        yield* store(backing, empty, system)
        const before = system
        const deleted = Either.getOrThrow(Queue.deleteQueue(system.directory, orders.url, T0 + 5))
        system = { directory: deleted.directory, states: new Map() }
        yield* store(backing, before, system)
        const loaded = yield* reload(backing)
        expect(view(loaded)).toEqual(view(system))
        expect(loaded.directory.deletedAt.get(keyOf("orders"))).toBe(T0 + 5)
        expect(Either.isLeft(Queue.createQueue(loaded.directory, { name: "orders", attributes: {} }, OWNER, T0 + 6))).toBe(true)
      })
    )

    it.effect("a FIFO queue's deduplication ids survive reopening, each as long as the window holds it, and the ids that left are not kept", () =>
      Effect.gen(function* () {
        const backing = makeBacking()
        const empty = QueueStore.empty()
        const created = Either.getOrThrow(createQueue(empty, "jobs.fifo", T0))
        yield* store(backing, empty, created)
        const queue = created.directory.queues.get(keyOf("jobs.fifo"))!
        let system = created
        let n = 0
        /** Sends `body` (deduplicated by its content) on what the store loads, and stores the outcome. */
        const sendAfterReload = (body: string, now: number) =>
          Effect.gen(function* () {
            const loaded = yield* reload(backing)
            expect(view(loaded)).toEqual(view(system))
            const sent = Either.getOrThrow(QueueMessages.send(loaded.states.get(keyOf("jobs.fifo"))!, queue, sendInput(body, n++, true), now))
            const next = withState(loaded, "jobs.fifo", sent.state)
            const changes = QueueStore.diff(loaded, next)
            yield* store(backing, loaded, next)
            system = QueueStore.settled(loaded, next)
            return { sent, changes }
          })

        const first = yield* sendAfterReload("a", T0)
        const again = yield* sendAfterReload("a", T0 + 1000)
        expect(again.sent).toMatchObject({ duplicate: true, messageId: first.sent.messageId })
        expect(again.changes).toEqual([])
        yield* sendAfterReload("b", T0 + Fifo.DEDUPLICATION_WINDOW_MS - 1)
        const past = yield* sendAfterReload("a", T0 + Fifo.DEDUPLICATION_WINDOW_MS)
        expect(past.sent.duplicate).toBe(false)
        // "a" left the window and came back in one action: its row is written again, not deleted.
        const deduplicationChanges = (changes: ReadonlyArray<QueueStore.QueueChange>) =>
          changes.filter((c) => c._tag === "PutDeduplicationId" || c._tag === "DeleteDeduplicationId")
        expect(deduplicationChanges(past.changes)).toEqual([
          { _tag: "PutDeduplicationId", key: keyOf("jobs.fifo"), deduplicationId: Fifo.contentDeduplicationId("a"), entry: expect.objectContaining({ messageId: past.sent.messageId }) }
        ])
        expect((yield* sendAfterReload("a", T0 + Fifo.DEDUPLICATION_WINDOW_MS + 1)).sent).toMatchObject({ duplicate: true, messageId: past.sent.messageId })

        // A message a minute for an hour: each send deletes the id accepted five minutes before, and
        // the store holds the last five.
        for (let minute = 6; minute <= 60; minute++) {
          const { changes } = yield* sendAfterReload(`m${minute}`, T0 + minute * 60_000)
          const deleted = deduplicationChanges(changes).flatMap((c) => (c._tag === "DeleteDeduplicationId" ? [c.deduplicationId] : []))
          if (minute >= 11) expect(deleted).toEqual([Fifo.contentDeduplicationId(`m${minute - 5}`)])
        }
        const loaded = yield* reload(backing)
        expect(view(loaded)).toEqual(view(system))
        expect([...loaded.states.get(keyOf("jobs.fifo"))!.fifo.seen.keys()]).toEqual([56, 57, 58, 59, 60].map((m) => Fifo.contentDeduplicationId(`m${m}`)))
      }), { timeout: 60_000 }
    )

    it.effect(`a queue of ${LARGE_QUEUE} messages: each action's changes are found without walking its messages, and stored`, () =>
      Effect.gen(function* () {
        const backing = makeBacking()
        const empty = QueueStore.empty()
        const created = Either.getOrThrow(createQueue(empty, "big", T0))
        const queue = created.directory.queues.get(keyOf("big"))!
        const filled = Array.from({ length: LARGE_QUEUE }, (_, i) => {
          const sent = Either.getOrThrow(QueueMessages.send(QueueMessages.empty(), queue, sendInput(`m${i}`, i, false), T0))
          return [...sent.state.messages.values()][0]!
        })
        let system = withState(created, "big", { ...QueueMessages.empty(), messages: new WalkCountingMap(filled.map((m) => [m.messageId, m] as const)) })
        yield* store(backing, empty, system)

        const step = (next: (state: QueueMessages.QueueState) => QueueMessages.QueueState) =>
          Effect.gen(function* () {
            const before = system
            const state = next(before.states.get(keyOf("big"))!)
            const after = withState(before, "big", { ...state, messages: new WalkCountingMap(state.messages) })
            const counted = [before.states.get(keyOf("big"))!.messages, after.states.get(keyOf("big"))!.messages] as Array<WalkCountingMap<string, unknown>>
            for (const map of counted) map.walks = 0
            const changes = QueueStore.diff(before, after)
            expect(counted.map((map) => map.walks)).toEqual([0, 0])
            yield* store(backing, before, after)
            system = QueueStore.settled(before, after)
            return changes
          })

        const sendChanges = yield* step((state) => Either.getOrThrow(QueueMessages.send(state, queue, sendInput("last", LARGE_QUEUE, false), T0 + 1)).state)
        expect(sendChanges.map((c) => c._tag)).toEqual(["PutMessage"])
        let handle = ""
        const receiveChanges = yield* step((state) => {
          const received = Either.getOrThrow(
            QueueMessages.receive(state, queue, { maxNumberOfMessages: 2, visibilityTimeout: 30, waitTimeSeconds: undefined, receiveRequestAttemptId: undefined, nonce: "n" }, T0 + 2)
          )
          handle = received.messages[0]!.receiptHandle
          return received.state
        })
        expect(receiveChanges.map((c) => c._tag)).toEqual(["PutMessage", "PutMessage"])
        const deleteChanges = yield* step((state) => Either.getOrThrow(QueueMessages.deleteMessage(state, queue, handle, T0 + 3)).state)
        expect(deleteChanges).toEqual([{ _tag: "DeleteMessage", key: keyOf("big"), messageId: filled[0]!.messageId }])

        const loaded = yield* reload(backing)
        expect(view(loaded)).toEqual(view(system))
        expect(loaded.states.get(keyOf("big"))!.messages.size).toBe(LARGE_QUEUE)
      }), { timeout: 120_000 }
    )

    it.effect("model: random actions, each one's changes applied, the store opened again now and then, load what the service holds", () =>
      Effect.promise(() =>
        fc.assert(
          fc.asyncProperty(fc.array(arbitraryOperation, { maxLength: 40 }), async (operations) => {
            const backing = makeBacking()
            await Effect.runPromise(
              Effect.scoped(
                Effect.gen(function* () {
                  const opened = yield* backing.open
                  let system = QueueStore.empty()
                  let now = T0
                  for (const [n, operation] of operations.entries()) {
                    if (operation._tag === "Wait") now += operation.ms
                    else if (operation._tag === "Reopen") expect(view(yield* reload(backing))).toEqual(view(system))
                    else {
                      const next = perform(system, operation, n, now)
                      yield* opened.apply(QueueStore.diff(system, next))
                      system = QueueStore.settled(system, next)
                    }
                  }
                  expect(view(yield* reload(backing))).toEqual(view(system))
                })
              )
            )
          }),
          { numRuns: 60 }
        )
      )
    )
  })
}
