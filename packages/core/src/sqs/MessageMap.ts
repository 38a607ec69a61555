/**
 * A queue's messages as a persistent map: it reads as the `Map` it replaces (insertion order, a
 * message put again keeps its place), and an update makes a new value sharing all but O(log n) of
 * the old one, which stays as it was. Beside the order it keeps the indexes the queue's rules read:
 * the messages visible as of an instant in send order, the others by the instant they become
 * visible, and every message by the instant its retention counts from; so a receive finds its
 * messages, and retention its expired ones, without walking the queue (docs/PERFORMANCE.md, "A
 * queue's messages as an indexed value").
 *
 * @since 0.1.0
 */
import { Data, HashMap, Option, type Order, RedBlackTree as Tree } from "effect"
import type { QueueMessage } from "./QueueMessages.js"

/**
 * An instant and the message's place in the order, which breaks ties. A `Data` tuple, as the sorted
 * map finds the key to remove by `Equal`, which compares plain arrays by reference.
 */
type Timed = readonly [at: number, seq: number]
const timed = (at: number, seq: number): Timed => Data.tuple(at, seq)

const byTimeThenSeq: Order.Order<Timed> = (a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0)
const bySeq: Order.Order<number> = (a, b) => (a < b ? -1 : a > b ? 1 : 0)

interface Entry {
  readonly seq: number
  readonly message: QueueMessage
}

/**
 * @category models
 */
export class MessageMap implements ReadonlyMap<string, QueueMessage> {
  // Private fields, so equality in tests reads the map's entries and not the shape of its trees.
  readonly #ids: HashMap.HashMap<string, Entry>
  readonly #order: Tree.RedBlackTree<number, QueueMessage>
  /** The messages with `visibleAt <= asOf`, by their place in the order. */
  readonly #ready: Tree.RedBlackTree<number, QueueMessage>
  /** The messages with `visibleAt > asOf`, by `visibleAt`. */
  readonly #pending: Tree.RedBlackTree<Timed, QueueMessage>
  /** How many of `#pending` were never received (delayed rather than in flight). */
  readonly #pendingUnreceived: number
  readonly #enqueued: Tree.RedBlackTree<Timed, QueueMessage>
  readonly #asOf: number
  readonly #nextSeq: number

  private constructor(
    ids: HashMap.HashMap<string, Entry>,
    order: Tree.RedBlackTree<number, QueueMessage>,
    ready: Tree.RedBlackTree<number, QueueMessage>,
    pending: Tree.RedBlackTree<Timed, QueueMessage>,
    pendingUnreceived: number,
    enqueued: Tree.RedBlackTree<Timed, QueueMessage>,
    asOf: number,
    nextSeq: number
  ) {
    this.#ids = ids
    this.#order = order
    this.#ready = ready
    this.#pending = pending
    this.#pendingUnreceived = pendingUnreceived
    this.#enqueued = enqueued
    this.#asOf = asOf
    this.#nextSeq = nextSeq
  }

  /** No messages; nothing visible yet. */
  static empty(): MessageMap {
    return new MessageMap(
      HashMap.empty(),
      Tree.empty(bySeq),
      Tree.empty(bySeq),
      Tree.empty(byTimeThenSeq),
      0,
      Tree.empty(byTimeThenSeq),
      -Infinity,
      0
    )
  }

  /** `messages` itself when it is a `MessageMap`, else one with the same messages in the same order. */
  static from(messages: ReadonlyMap<string, QueueMessage>): MessageMap {
    if (messages instanceof MessageMap) return messages
    let map = MessageMap.empty()
    for (const message of messages.values()) map = map.set(message)
    return map
  }

  get size(): number {
    return HashMap.size(this.#ids)
  }

  get(id: string): QueueMessage | undefined {
    const entry = HashMap.get(this.#ids, id)
    return Option.isSome(entry) ? entry.value.message : undefined
  }

  has(id: string): boolean {
    return HashMap.has(this.#ids, id)
  }

  *values(): MapIterator<QueueMessage> {
    for (const [, message] of this.#order) yield message
  }

  *keys(): MapIterator<string> {
    for (const [, message] of this.#order) yield message.messageId
  }

  *entries(): MapIterator<[string, QueueMessage]> {
    for (const [, message] of this.#order) yield [message.messageId, message]
  }

  [Symbol.iterator](): MapIterator<[string, QueueMessage]> {
    return this.entries()
  }

  forEach(f: (message: QueueMessage, id: string, map: ReadonlyMap<string, QueueMessage>) => void): void {
    for (const [, message] of this.#order) f(message, message.messageId, this)
  }

  /** Puts `message` under its id: last in the order when new, in its place when already here. */
  set(message: QueueMessage): MessageMap {
    const id = message.messageId
    const previous = HashMap.get(this.#ids, id)
    const base: MessageMap = Option.isSome(previous) ? this.#without(previous.value) : this
    const seq = Option.isSome(previous) ? previous.value.seq : this.#nextSeq
    const entry: Entry = { seq, message }
    const visible = message.visibleAt <= base.#asOf
    return new MessageMap(
      HashMap.set(base.#ids, id, entry),
      Tree.insert(base.#order, seq, message),
      visible ? Tree.insert(base.#ready, seq, message) : base.#ready,
      visible ? base.#pending : Tree.insert(base.#pending, timed(message.visibleAt, seq), message),
      base.#pendingUnreceived + (!visible && message.lastReceive === undefined ? 1 : 0),
      Tree.insert(base.#enqueued, timed(message.enqueuedAt, seq), message),
      base.#asOf,
      Math.max(base.#nextSeq, seq + 1)
    )
  }

  /** Takes out the message with this id, if there is one. */
  delete(id: string): MessageMap {
    const entry = HashMap.get(this.#ids, id)
    return Option.isSome(entry) ? this.#without(entry.value) : this
  }

  #without({ message, seq }: Entry): MessageMap {
    const visible = message.visibleAt <= this.#asOf
    return new MessageMap(
      HashMap.remove(this.#ids, message.messageId),
      Tree.removeFirst(this.#order, seq),
      visible ? Tree.removeFirst(this.#ready, seq) : this.#ready,
      visible ? this.#pending : Tree.removeFirst(this.#pending, timed(message.visibleAt, seq)),
      this.#pendingUnreceived - (!visible && message.lastReceive === undefined ? 1 : 0),
      Tree.removeFirst(this.#enqueued, timed(message.enqueuedAt, seq)),
      this.#asOf,
      this.#nextSeq
    )
  }

  /**
   * The same messages with the visible ones counted as of `now`: the messages whose `visibleAt` came
   * move to the visible index. An earlier `now` changes nothing (the index then holds some not visible
   * at `now`, which the readers below skip).
   */
  advance(now: number): MessageMap {
    if (now <= this.#asOf) return this
    let ready = this.#ready
    let pending = this.#pending
    let unreceived = this.#pendingUnreceived
    for (;;) {
      const head = Tree.first(pending)
      if (Option.isNone(head) || head.value[0][0] > now) break
      const [key, message] = head.value
      pending = Tree.removeFirst(pending, key)
      ready = Tree.insert(ready, key[1], message)
      if (message.lastReceive === undefined) unreceived--
    }
    return new MessageMap(this.#ids, this.#order, ready, pending, unreceived, this.#enqueued, now, this.#nextSeq)
  }

  /**
   * The messages visible at `now` (`visibleAt <= now`), in the map's order, read lazily. Complete when
   * the map was advanced to `now` or later.
   */
  *visible(now: number): Generator<QueueMessage> {
    for (const [, message] of this.#ready) if (message.visibleAt <= now) yield message
  }

  /** The earliest `visibleAt` after `now`, or Infinity. Exact when the map was advanced to `now` or later. */
  nextVisibleAfter(now: number): number {
    if (now >= this.#asOf) {
      const head = Tree.first(this.#pending)
      return Option.isSome(head) ? head.value[0][0] : Infinity
    }
    let next = Infinity
    for (const message of this.values()) if (message.visibleAt > now) next = Math.min(next, message.visibleAt)
    return next
  }

  /** The message whose retention counts from the earliest instant (the first to expire), if any. */
  oldestEnqueued(): QueueMessage | undefined {
    const head = Tree.first(this.#enqueued)
    return Option.isSome(head) ? head.value[1] : undefined
  }

  /**
   * How many messages at `now` are visible, in flight (received, `visibleAt` to come) and delayed
   * (never received, `visibleAt` to come); without a walk when the map was advanced to `now`.
   */
  counts(now: number): { readonly visible: number; readonly inflight: number; readonly delayed: number } {
    if (now === this.#asOf) {
      const waiting = Tree.size(this.#pending)
      return { visible: Tree.size(this.#ready), inflight: waiting - this.#pendingUnreceived, delayed: this.#pendingUnreceived }
    }
    let visible = 0
    let inflight = 0
    let delayed = 0
    for (const message of this.values()) {
      if (message.visibleAt <= now) visible++
      else if (message.lastReceive === undefined) delayed++
      else inflight++
    }
    return { visible, inflight, delayed }
  }
}
