/**
 * The message store port: where accepted messages and their pending deliveries live.
 *
 * One interface, several implementations (as NATS JetStream has a memory and a file store): the
 * memory one below, and the SQLite and PostgreSQL ones in the broker app. One contract suite (in the
 * `test` workspace) runs against each.
 *
 * Durability rule: `append` resolves only when the messages are committed; a client is told its
 * MessageId only after that (docs/CONTRACT.md, "At rest").
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer } from "effect"
import { StoreFailure } from "./Errors.js"
import type { StoredMessage } from "./Message.js"

/**
 * A message and the subscriptions due to receive it, decided when it was accepted.
 *
 * @category models
 */
export interface AppendEntry {
  readonly message: StoredMessage
  readonly subscriptionArns: ReadonlyArray<string>
}

/**
 * One delivery still owed.
 *
 * @category models
 */
export interface PendingDelivery {
  readonly messageId: string
  readonly subscriptionArn: string
  /** Attempts made so far. */
  readonly attempts: number
  /** Not before this instant (ms since the epoch). */
  readonly dueAt: number
  /** Owed by a replay (`replay`): delivered marked as replayed (docs/SEMANTICS.md §7, "Message replay"). */
  readonly replayed: boolean
}

/**
 * What became of a delivery attempt.
 *
 * @category models
 */
export type DeliveryOutcome =
  | { readonly _tag: "Delivered" }
  | { readonly _tag: "Retry"; readonly attempts: number; readonly dueAt: number }
  | { readonly _tag: "Dropped"; readonly attempts: number }

/**
 * One attempt's outcome, for `settle`.
 *
 * @category models
 */
export interface Settlement {
  readonly messageId: string
  readonly subscriptionArn: string
  readonly outcome: DeliveryOutcome
}

/**
 * A FIFO topic held by one broker of several sharing a database, inside one transaction: the
 * topic's state is read and the messages it accepts are written under the topic's lock, so
 * sequence numbers and deduplication hold across brokers (docs/ARCHITECTURE.md, "A cluster").
 *
 * @category models
 */
export interface HeldFifoTopic {
  /** The id of the topic's latest stored message, read under the lock. */
  readonly latest: string | undefined
  /** The topic's messages from `since` (ms) on, oldest first, read in the lock's transaction. */
  readonly recent: (since: number) => Effect.Effect<ReadonlyArray<StoredMessage>, StoreFailure>
  /** Writes in the lock's transaction, committed when the held body succeeds. */
  readonly append: (entries: ReadonlyArray<AppendEntry>) => Effect.Effect<void, StoreFailure>
}

/**
 * @category models
 */
export interface SharedFifoTopics {
  /** Runs `body` holding the topic's lock, cluster-wide, and commits its writes before resolving. */
  readonly hold: <A, E>(topicArn: string, body: (held: HeldFifoTopic) => Effect.Effect<A, E>) => Effect.Effect<A, E | StoreFailure>
}

/**
 * @category models
 */
export interface MessageStoreService {
  /** Commits all entries atomically (all or none), then resolves. */
  readonly append: (entries: ReadonlyArray<AppendEntry>) => Effect.Effect<void, StoreFailure>
  /**
   * `append` for a caller outside the runtime: `committed` is called once, when the entries are
   * committed (with no failure) or not (with the `StoreFailure`). A store that offers it lets
   * Publish run without a fiber (docs/PERFORMANCE.md, "Publish without a fiber"). The entries are
   * asked of `entriesOf` once, when the store writes them and before `committed` hears of success:
   * a group commit asks every write of its group in turn before its transaction, so the work a
   * record still needs (an encrypted body's seal) runs for the whole group together
   * (docs/PERFORMANCE.md, "Sealing a group's bodies together"). If `entriesOf` throws, that write
   * alone fails.
   */
  readonly appendNow?: (entriesOf: () => ReadonlyArray<AppendEntry>, committed: (failure: StoreFailure | undefined) => void) => void
  readonly get: (messageId: string) => Effect.Effect<StoredMessage | undefined, StoreFailure>
  /** The topic's stored messages in acceptance order, oldest first, from `since` (ms) on. */
  readonly listByTopic: (
    topicArn: string,
    options: { readonly since?: number; readonly limit: number }
  ) => Effect.Effect<ReadonlyArray<StoredMessage>, StoreFailure>
  /**
   * Pending deliveries with `dueAt <= now`, earliest first, at most `limit`. A store that brokers
   * share (one with `fifoTopics`) answers, of each FIFO lane (subscription and message group), only
   * its head: the pending delivery with the lowest sequence number (of equal ones, the first
   * accepted), so a lane's next delivery is attempted, by whichever broker, only once the one before
   * it has ended. The other stores answer every due delivery and leave lanes to their one dispatcher.
   */
  readonly due: (now: number, limit: number) => Effect.Effect<ReadonlyArray<PendingDelivery>, StoreFailure>
  /**
   * The earliest `dueAt` of any pending delivery `due` could answer (on a shared store, not one
   * behind its lane's head), so the dispatcher knows how long to sleep.
   */
  readonly nextDueAt: Effect.Effect<number | undefined, StoreFailure>
  /**
   * Records attempts' outcomes, all in one commit; Delivered and Dropped end a delivery, and one
   * that is no longer pending is ignored. A batch, because a busy dispatcher finishes many attempts
   * in the same moment.
   */
  readonly settle: (settlements: ReadonlyArray<Settlement>) => Effect.Effect<void, StoreFailure>
  readonly pendingCount: Effect.Effect<number, StoreFailure>
  /**
   * A replay for one subscription, in one commit: the subscription's pending replayed deliveries are
   * withdrawn (a new replay supersedes the one before), then each stored message of `messageIds` is
   * owed to it again, replayed and due at `dueAt`, unless it is still owed to it already. Answers how
   * many deliveries it added.
   */
  readonly replay: (subscriptionArn: string, messageIds: ReadonlyArray<string>, dueAt: number) => Effect.Effect<number, StoreFailure>
  /** How many replayed deliveries the subscription is still owed. */
  readonly replaysPending: (subscriptionArn: string) => Effect.Effect<number, StoreFailure>
  /** Removes the subscription's pending deliveries (Unsubscribe). */
  readonly removeSubscription: (subscriptionArn: string) => Effect.Effect<void, StoreFailure>
  /** Removes the topic's messages and their deliveries (DeleteTopic). */
  readonly removeTopic: (topicArn: string) => Effect.Effect<void, StoreFailure>
  /**
   * The retention sweep: deletes messages accepted before `before` (ms) that have no pending
   * delivery, and returns how many. A topic in `archiveCutoffs` keeps an archive (its ArchivePolicy,
   * docs/SEMANTICS.md §7): its messages go only once accepted before both `before` and its cutoff,
   * so the archive is the topic's own message rows, kept after their delivery (`Archive.retentionCutoff`).
   */
  readonly prune: (before: number, archiveCutoffs: ReadonlyMap<string, number>) => Effect.Effect<number, StoreFailure>
  /** Present on a store that brokers share: FIFO topics then sequence under its lock, not in memory. */
  readonly fifoTopics?: SharedFifoTopics
}

/**
 * @category services
 */
export class MessageStore extends Context.Tag("@sealcast/core/MessageStore")<MessageStore, MessageStoreService>() {}

/**
 * Each archived topic's instant for `prune`: a message of the topic goes only when accepted before
 * both `before` and the topic's archive cutoff. As a plain object, so the SQL stores can pass it as
 * one JSON parameter.
 *
 * @category rules
 */
export const pruneCutoffs = (before: number, archiveCutoffs: ReadonlyMap<string, number>): Record<string, number> => {
  const out: Record<string, number> = {}
  for (const [topicArn, cutoff] of archiveCutoffs) out[topicArn] = Math.min(before, cutoff)
  return out
}

const key = (messageId: string, subscriptionArn: string) => `${messageId}\u0000${subscriptionArn}`

/**
 * The memory implementation: `--data-dir :memory:` and the core's own tests. Keeps nothing across a
 * restart. Messages are kept in acceptance order per topic.
 *
 * @category constructors
 */
export const makeMemory = (): MessageStoreService => {
  const messages = new Map<string, StoredMessage>()
  const byTopic = new Map<string, Array<string>>()
  const pending = new Map<string, PendingDelivery>()
  const pendingPerMessage = new Map<string, number>()

  const dropPending = (k: string) => {
    const d = pending.get(k)
    if (d === undefined) return
    pending.delete(k)
    const left = (pendingPerMessage.get(d.messageId) ?? 1) - 1
    if (left === 0) pendingPerMessage.delete(d.messageId)
    else pendingPerMessage.set(d.messageId, left)
  }

  /** Writes every entry, or none and says why. */
  const appendEntries = (entries: ReadonlyArray<AppendEntry>): StoreFailure | undefined => {
    const seen = new Set<string>()
    for (const { message } of entries) {
      if (messages.has(message.messageId) || seen.has(message.messageId)) {
        return new StoreFailure({ message: `Message ${message.messageId} is already stored` })
      }
      seen.add(message.messageId)
    }
    for (const { message, subscriptionArns } of entries) {
      messages.set(message.messageId, message)
      const list = byTopic.get(message.topicArn)
      if (list === undefined) byTopic.set(message.topicArn, [message.messageId])
      else list.push(message.messageId)
      for (const subscriptionArn of new Set(subscriptionArns)) {
        pending.set(key(message.messageId, subscriptionArn), {
          messageId: message.messageId,
          subscriptionArn,
          attempts: 0,
          dueAt: message.timestamp,
          replayed: false
        })
        pendingPerMessage.set(message.messageId, (pendingPerMessage.get(message.messageId) ?? 0) + 1)
      }
    }
    return undefined
  }

  return {
    append: (entries) =>
      Effect.suspend(() => {
        const failure = appendEntries(entries)
        return failure === undefined ? Effect.void : Effect.fail(failure)
      }),
    appendNow: (entriesOf, committed) => {
      let entries: ReadonlyArray<AppendEntry>
      try {
        entries = entriesOf()
      } catch (cause) {
        return committed(new StoreFailure({ message: `Cannot store the messages: ${cause instanceof Error ? cause.message : String(cause)}` }))
      }
      committed(appendEntries(entries))
    },
    get: (messageId) => Effect.sync(() => messages.get(messageId)),
    listByTopic: (topicArn, { since = Number.NEGATIVE_INFINITY, limit }) =>
      Effect.sync(() => {
        const out: Array<StoredMessage> = []
        for (const id of byTopic.get(topicArn) ?? []) {
          if (out.length >= limit) break
          const m = messages.get(id)
          if (m !== undefined && m.timestamp >= since) out.push(m)
        }
        return out
      }),
    due: (now, limit) =>
      Effect.sync(() =>
        [...pending.values()]
          .filter((d) => d.dueAt <= now)
          .sort((a, b) => a.dueAt - b.dueAt)
          .slice(0, limit)
      ),
    nextDueAt: Effect.sync(() => {
      let min: number | undefined
      for (const d of pending.values()) if (min === undefined || d.dueAt < min) min = d.dueAt
      return min
    }),
    settle: (settlements) =>
      Effect.sync(() => {
        for (const { messageId, subscriptionArn, outcome } of settlements) {
          const k = key(messageId, subscriptionArn)
          const d = pending.get(k)
          if (d === undefined) continue
          if (outcome._tag === "Retry") pending.set(k, { ...d, attempts: outcome.attempts, dueAt: outcome.dueAt })
          else dropPending(k)
        }
      }),
    pendingCount: Effect.sync(() => pending.size),
    replay: (subscriptionArn, messageIds, dueAt) =>
      Effect.sync(() => {
        for (const [k, d] of pending) if (d.subscriptionArn === subscriptionArn && d.replayed) dropPending(k)
        let added = 0
        for (const messageId of new Set(messageIds)) {
          const k = key(messageId, subscriptionArn)
          if (!messages.has(messageId) || pending.has(k)) continue
          pending.set(k, { messageId, subscriptionArn, attempts: 0, dueAt, replayed: true })
          pendingPerMessage.set(messageId, (pendingPerMessage.get(messageId) ?? 0) + 1)
          added++
        }
        return added
      }),
    replaysPending: (subscriptionArn) =>
      Effect.sync(() => {
        let n = 0
        for (const d of pending.values()) if (d.subscriptionArn === subscriptionArn && d.replayed) n++
        return n
      }),
    removeSubscription: (subscriptionArn) =>
      Effect.sync(() => {
        for (const [k, d] of pending) if (d.subscriptionArn === subscriptionArn) dropPending(k)
      }),
    removeTopic: (topicArn) =>
      Effect.sync(() => {
        for (const id of byTopic.get(topicArn) ?? []) {
          messages.delete(id)
          for (const [k, d] of pending) if (d.messageId === id) dropPending(k)
        }
        byTopic.delete(topicArn)
      }),
    prune: (before, archiveCutoffs) =>
      Effect.sync(() => {
        let removed = 0
        const cutoffs = pruneCutoffs(before, archiveCutoffs)
        for (const [topicArn, ids] of byTopic) {
          const cutoff = cutoffs[topicArn] ?? before
          const kept = ids.filter((id) => {
            const m = messages.get(id)
            if (m === undefined) return false
            if (m.timestamp < cutoff && !pendingPerMessage.has(id)) {
              messages.delete(id)
              removed++
              return false
            }
            return true
          })
          byTopic.set(topicArn, kept)
        }
        return removed
      })
  }
}

/**
 * @category layers
 */
export const layerMemory: Layer.Layer<MessageStore> = Layer.sync(MessageStore, makeMemory)
