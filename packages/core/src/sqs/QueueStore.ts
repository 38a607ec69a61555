/**
 * The queue store port: where queues and their messages are kept across restarts.
 *
 * The Sqs service holds one value, `QueueSystem` (the queue directory and each queue's messages); an
 * action computes the next value with the pure model, the store writes the difference, and only then
 * does the new value replace the old. So an acknowledged SendMessage survives a crash, a message
 * received and not deleted comes back after its visibility timeout even across a restart, and a
 * deleted one never does (docs/CONTRACT.md, "At rest").
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer } from "effect"
import type { StoreFailure } from "../Errors.js"
import type * as Fifo from "../Fifo.js"
import * as Queue from "./Queue.js"
import * as QueueMessages from "./QueueMessages.js"

/**
 * Every queue and every queue's messages: the one value the Sqs service holds.
 *
 * @category models
 */
export interface QueueSystem {
  readonly directory: Queue.Directory
  /** By `<account>/<name>` (`Queue.keyOf`), one for each queue in the directory. */
  readonly states: ReadonlyMap<string, QueueMessages.QueueState>
}

export const empty = (): QueueSystem => ({ directory: Queue.emptyDirectory(), states: new Map() })

/**
 * The rule state of a queue besides its messages: FIFO deduplication and sequence, receive
 * attempts, last purge.
 *
 * @category models
 */
export interface QueueMeta {
  readonly fifo: Fifo.FifoState
  readonly receiveAttempts: QueueMessages.QueueState["receiveAttempts"]
  readonly lastPurgeAt: number | undefined
}

/**
 * One change to the stored value. `key` is the queue's `<account>/<name>`.
 *
 * @category models
 */
export type QueueChange =
  | { readonly _tag: "PutQueue"; readonly queue: Queue.Queue }
  /** The queue and all its messages go; the name is remembered for the 60-second rule. */
  | { readonly _tag: "DeleteQueue"; readonly key: string; readonly deletedAt: number }
  | { readonly _tag: "PutMessage"; readonly key: string; readonly message: QueueMessages.QueueMessage }
  | { readonly _tag: "DeleteMessage"; readonly key: string; readonly messageId: string }
  | { readonly _tag: "PutMeta"; readonly key: string; readonly meta: QueueMeta }

/**
 * The changes that turn `before` into `after`. The model returns unchanged queues and messages as the
 * same objects, so comparing references finds exactly what an action touched.
 *
 * @category constructors
 */
export const diff = (before: QueueSystem, after: QueueSystem): ReadonlyArray<QueueChange> => {
  const changes: Array<QueueChange> = []
  for (const key of before.directory.queues.keys()) {
    if (!after.directory.queues.has(key)) changes.push({ _tag: "DeleteQueue", key, deletedAt: after.directory.deletedAt.get(key)! })
  }
  for (const [key, queue] of after.directory.queues) {
    if (before.directory.queues.get(key) !== queue) changes.push({ _tag: "PutQueue", queue })
  }
  for (const [key, state] of after.states) {
    const previous = before.states.get(key)
    if (previous === state) continue
    if (previous?.messages !== state.messages) {
      for (const [id, message] of state.messages) {
        if (previous?.messages.get(id) !== message) changes.push({ _tag: "PutMessage", key, message })
      }
      if (previous !== undefined) {
        for (const id of previous.messages.keys()) if (!state.messages.has(id)) changes.push({ _tag: "DeleteMessage", key, messageId: id })
      }
    }
    if (
      previous === undefined ||
      previous.fifo !== state.fifo ||
      previous.receiveAttempts !== state.receiveAttempts ||
      previous.lastPurgeAt !== state.lastPurgeAt
    ) {
      changes.push({ _tag: "PutMeta", key, meta: { fifo: state.fifo, receiveAttempts: state.receiveAttempts, lastPurgeAt: state.lastPurgeAt } })
    }
  }
  return changes
}

/**
 * The queue keys a list of changes touches (the long polls to wake).
 *
 * @category getters
 */
export const touchedKeys = (changes: ReadonlyArray<QueueChange>): ReadonlySet<string> =>
  new Set(changes.map((c) => (c._tag === "PutQueue" ? Queue.keyOf(c.queue.accountId, c.queue.name) : c.key)))

const stateOf = (system: { readonly states: Map<string, QueueMessages.QueueState> }, key: string) =>
  system.states.get(key) ?? QueueMessages.empty()

/**
 * Applies changes to a value: what a store does, in memory. `diff` and `applyChanges` agree:
 * `applyChanges(before, diff(before, after))` equals `after`.
 *
 * @category constructors
 */
export const applyChanges = (system: QueueSystem, changes: ReadonlyArray<QueueChange>): QueueSystem => {
  const queues = new Map(system.directory.queues)
  const deletedAt = new Map(system.directory.deletedAt)
  const next = { states: new Map(system.states) }
  for (const change of changes) {
    switch (change._tag) {
      case "PutQueue": {
        const key = Queue.keyOf(change.queue.accountId, change.queue.name)
        queues.set(key, change.queue)
        deletedAt.delete(key)
        if (!next.states.has(key)) next.states.set(key, QueueMessages.empty())
        break
      }
      case "DeleteQueue":
        queues.delete(change.key)
        next.states.delete(change.key)
        for (const [k, at] of deletedAt) if (change.deletedAt - at >= Queue.RECREATE_AFTER_DELETE_MS) deletedAt.delete(k)
        deletedAt.set(change.key, change.deletedAt)
        break
      case "PutMessage": {
        const state = stateOf(next, change.key)
        const messages = new Map(state.messages)
        messages.set(change.message.messageId, change.message)
        next.states.set(change.key, { ...state, messages })
        break
      }
      case "DeleteMessage": {
        const state = stateOf(next, change.key)
        const messages = new Map(state.messages)
        messages.delete(change.messageId)
        next.states.set(change.key, { ...state, messages })
        break
      }
      case "PutMeta":
        next.states.set(change.key, { ...stateOf(next, change.key), ...change.meta })
        break
    }
  }
  return { directory: { queues, deletedAt }, states: next.states }
}

/**
 * A value brought up to date with what other brokers committed, and the changes that did it (the
 * long polls to wake).
 *
 * @category models
 */
export interface CaughtUp {
  readonly system: QueueSystem
  readonly changes: ReadonlyArray<QueueChange>
}

/**
 * What a store that other brokers write too (PostgreSQL, docs/ARCHITECTURE.md "A cluster") adds.
 *
 * @category models
 */
export interface SharedQueueStore {
  /**
   * `system` with the changes other brokers committed since this store last read or wrote, or
   * `undefined` when there are none (one cheap read of a version number).
   */
  readonly catchUp: (system: QueueSystem) => Effect.Effect<CaughtUp | undefined, StoreFailure>
  /**
   * Runs `body` as the only writer of the queues in the cluster, on `system` caught up. `apply`
   * inside `body` writes in the same transaction, committed when `body` succeeds and rolled back
   * when it fails; so an SQS message is received by one broker at a time.
   */
  readonly exclusive: <A, E>(system: QueueSystem, body: (caughtUp: CaughtUp) => Effect.Effect<A, E>) => Effect.Effect<A, E | StoreFailure>
}

/**
 * @category models
 */
export interface QueueStoreService {
  readonly load: Effect.Effect<QueueSystem, StoreFailure>
  /** Applies the changes of one action atomically; the action is acknowledged only after. */
  readonly apply: (changes: ReadonlyArray<QueueChange>) => Effect.Effect<void, StoreFailure>
  /** Present when other brokers share the store. */
  readonly shared?: SharedQueueStore
}

/**
 * @category services
 */
export class QueueStore extends Context.Tag("@sealcast/core/QueueStore")<QueueStore, QueueStoreService>() {}

/**
 * Keeps nothing beyond the process: `--data-dir :memory:`.
 *
 * @category constructors
 */
export const makeMemory = (): QueueStoreService => {
  let stored = empty()
  return {
    load: Effect.sync(() => stored),
    apply: (changes) =>
      Effect.sync(() => {
        stored = applyChanges(stored, changes)
      })
  }
}

/**
 * @category layers
 */
export const layerMemory: Layer.Layer<QueueStore> = Layer.sync(QueueStore, makeMemory)
