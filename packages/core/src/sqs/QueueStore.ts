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
import type * as IamPolicy from "../IamPolicy.js"
import * as Fifo from "../Fifo.js"
import { MessageMap } from "./MessageMap.js"
import * as Queue from "./Queue.js"
import * as QueueMessages from "./QueueMessages.js"
import { QueueStates } from "./QueueStates.js"

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

export const empty = (): QueueSystem => ({ directory: Queue.emptyDirectory(), states: QueueStates.empty() })

/**
 * The rule state of a queue besides its messages and its FIFO deduplication ids: the last FIFO
 * sequence number, receive attempts, last purge, message movement tasks. The deduplication ids are
 * changes of their own, one id each (`PutDeduplicationId`, `DeleteDeduplicationId`): a FIFO queue
 * holds every id of the last 5 minutes, thousands at a steady 10 messages a second, and writing them
 * all with each accepted message cost O(window) per message (docs/PERFORMANCE.md, "FIFO
 * deduplication ids and message groups as indexes").
 *
 * @category models
 */
export interface QueueMeta {
  readonly lastSequence: bigint
  readonly receiveAttempts: QueueMessages.QueueState["receiveAttempts"]
  readonly lastPurgeAt: number | undefined
  readonly moveTasks: QueueMessages.QueueState["moveTasks"]
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
  /** The rule state; the queue's deduplication ids stay as they are. */
  | { readonly _tag: "PutMeta"; readonly key: string; readonly meta: QueueMeta }
  /** A deduplication id accepted (by `<group>\u0000<id>` when the queue deduplicates per message group). */
  | { readonly _tag: "PutDeduplicationId"; readonly key: string; readonly deduplicationId: string; readonly entry: Fifo.DeduplicationEntry }
  /** A deduplication id gone from the window. */
  | { readonly _tag: "DeleteDeduplicationId"; readonly key: string; readonly deduplicationId: string }

/**
 * The changes that turn `before` into `after`. The model returns unchanged queues and states as the
 * same objects, and a state whose messages it changed records which (`QueueMessages.MessageEdits`), so
 * an action's changes are found in time proportional to what it touched, not to the queue's length.
 * Messages changed without a record against `before`'s (a value not made by the model's actions) are
 * found by comparing every message.
 *
 * @category constructors
 */
export const diff = (before: QueueSystem, after: QueueSystem): ReadonlyArray<QueueChange> => {
  const changes: Array<QueueChange> = []
  if (before.directory !== after.directory) {
    for (const key of before.directory.queues.keys()) {
      if (!after.directory.queues.has(key)) changes.push({ _tag: "DeleteQueue", key, deletedAt: after.directory.deletedAt.get(key)! })
    }
    for (const [key, queue] of after.directory.queues) {
      if (before.directory.queues.get(key) !== queue) changes.push({ _tag: "PutQueue", queue })
    }
  }
  for (const key of changedKeys(before, after)) {
    const state = after.states.get(key)
    const previous = before.states.get(key)
    if (state === undefined || previous === state) continue
    if (previous?.messages !== state.messages) {
      if (previous !== undefined && state.edits?.base === previous.messages) {
        for (const id of state.edits.ids) {
          const message = state.messages.get(id)
          if (message !== undefined) changes.push({ _tag: "PutMessage", key, message })
          else if (previous.messages.has(id)) changes.push({ _tag: "DeleteMessage", key, messageId: id })
        }
      } else {
        for (const [id, message] of state.messages) {
          if (previous?.messages.get(id) !== message) changes.push({ _tag: "PutMessage", key, message })
        }
        if (previous !== undefined) {
          for (const id of previous.messages.keys()) if (!state.messages.has(id)) changes.push({ _tag: "DeleteMessage", key, messageId: id })
        }
      }
    }
    if (
      previous === undefined ||
      previous.fifo.lastSequence !== state.fifo.lastSequence ||
      previous.receiveAttempts !== state.receiveAttempts ||
      previous.lastPurgeAt !== state.lastPurgeAt ||
      previous.moveTasks !== state.moveTasks
    ) {
      const meta = { lastSequence: state.fifo.lastSequence, receiveAttempts: state.receiveAttempts, lastPurgeAt: state.lastPurgeAt, moveTasks: state.moveTasks }
      changes.push({ _tag: "PutMeta", key, meta })
    }
    if (previous?.fifo.seen !== state.fifo.seen) {
      const window = Fifo.DeduplicationWindow.changes(previous?.fifo.seen ?? new Map(), state.fifo.seen)
      for (const deduplicationId of window.deleted) changes.push({ _tag: "DeleteDeduplicationId", key, deduplicationId })
      for (const [deduplicationId, entry] of window.put) changes.push({ _tag: "PutDeduplicationId", key, deduplicationId, entry })
    }
  }
  return changes
}

/**
 * `after` once stored: the edits of the states `diff` read are dropped, so the next action's edits
 * count from what the store now holds.
 *
 * @category constructors
 */
export const settled = (before: QueueSystem, after: QueueSystem): QueueSystem => {
  let states = QueueStates.from(after.states)
  for (const key of changedKeys(before, after)) {
    const state = after.states.get(key)
    if (state !== undefined && state.edits !== undefined && before.states.get(key) !== state) states = states.set(key, QueueMessages.settled(state))
  }
  return { ...after, states: states.rebased() }
}

/**
 * The queues whose states may differ between the two values: those `after`'s states record as
 * changed since `before`'s (`QueueStates`), else every queue of `after`.
 */
const changedKeys = (before: QueueSystem, after: QueueSystem): Iterable<string> =>
  (after.states instanceof QueueStates ? after.states.changedSince(before.states) : undefined) ?? after.states.keys()

/**
 * The queue keys a list of changes touches (the long polls to wake).
 *
 * @category getters
 */
export const touchedKeys = (changes: ReadonlyArray<QueueChange>): ReadonlySet<string> =>
  new Set(changes.map((c) => (c._tag === "PutQueue" ? Queue.keyOf(c.queue.accountId, c.queue.name) : c.key)))

/**
 * A value a store may change in place: its own maps, never handed out. The messages of each state
 * are a persistent `MessageMap`, so a change to them costs O(log n) and leaves any value handed out
 * as it was.
 */
interface Draft {
  readonly queues: Map<string, Queue.Queue>
  readonly deletedAt: Map<string, number>
  readonly policies: Map<string, IamPolicy.PolicyDocument>
  readonly states: Map<string, QueueMessages.QueueState>
}

const changeMessages = (draft: Draft, key: string, change: (messages: MessageMap) => MessageMap): void => {
  const state = draft.states.get(key) ?? QueueMessages.empty()
  draft.states.set(key, { ...state, messages: change(MessageMap.from(state.messages)), edits: undefined })
}

const changeWindow = (draft: Draft, key: string, change: (seen: Fifo.DeduplicationWindow) => Fifo.DeduplicationWindow): void => {
  const state = draft.states.get(key) ?? QueueMessages.empty()
  draft.states.set(key, { ...state, fifo: { ...state.fifo, seen: change(Fifo.DeduplicationWindow.from(state.fifo.seen)) } })
}

const applyToDraft = (draft: Draft, changes: ReadonlyArray<QueueChange>): void => {
  for (const change of changes) {
    switch (change._tag) {
      case "PutQueue": {
        const key = Queue.keyOf(change.queue.accountId, change.queue.name)
        Queue.putPolicy(draft.policies, change.queue, draft.queues.get(key))
        draft.queues.set(key, change.queue)
        draft.deletedAt.delete(key)
        if (!draft.states.has(key)) draft.states.set(key, QueueMessages.empty())
        break
      }
      case "DeleteQueue":
        draft.queues.delete(change.key)
        draft.policies.delete(change.key)
        draft.states.delete(change.key)
        for (const [k, at] of draft.deletedAt) if (change.deletedAt - at >= Queue.RECREATE_AFTER_DELETE_MS) draft.deletedAt.delete(k)
        draft.deletedAt.set(change.key, change.deletedAt)
        break
      case "PutMessage":
        changeMessages(draft, change.key, (messages) => messages.set(change.message))
        break
      case "DeleteMessage":
        changeMessages(draft, change.key, (messages) => messages.delete(change.messageId))
        break
      case "PutMeta": {
        const { lastSequence, ...rest } = change.meta
        const state = draft.states.get(change.key) ?? QueueMessages.empty()
        draft.states.set(change.key, { ...state, ...rest, fifo: { lastSequence, seen: state.fifo.seen } })
        break
      }
      case "PutDeduplicationId":
        changeWindow(draft, change.key, (seen) => seen.set(change.deduplicationId, change.entry))
        break
      case "DeleteDeduplicationId":
        changeWindow(draft, change.key, (seen) => seen.delete(change.deduplicationId))
        break
    }
  }
}

const draftOf = (system: QueueSystem): Draft => ({
  queues: new Map(system.directory.queues),
  deletedAt: new Map(system.directory.deletedAt),
  policies: new Map(system.directory.policies),
  states: new Map(system.states)
})

const valueOf = (draft: Draft): QueueSystem => ({ directory: { queues: draft.queues, deletedAt: draft.deletedAt, policies: draft.policies }, states: draft.states })

/**
 * Applies changes to a value: what a store does, in memory. `diff` and `applyChanges` agree:
 * `applyChanges(before, diff(before, after))` equals `after` (edits aside). Each changed message
 * costs O(log n) in its queue's length.
 *
 * @category constructors
 */
export const applyChanges = (system: QueueSystem, changes: ReadonlyArray<QueueChange>): QueueSystem => {
  const draft = draftOf(system)
  applyToDraft(draft, changes)
  return valueOf(draft)
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
  // The store's own maps, changed in place, so an action costs what it changed; `load` hands out
  // copies (the messages are persistent values), so nothing the service holds changes under it.
  const stored = draftOf(empty())
  return {
    load: Effect.sync(() => valueOf(draftOf(valueOf(stored)))),
    apply: (changes) => Effect.sync(() => applyToDraft(stored, changes))
  }
}

/**
 * @category layers
 */
export const layerMemory: Layer.Layer<QueueStore> = Layer.sync(QueueStore, makeMemory)
