/**
 * A queue's messages as a persistent map: it reads as the `Map` it replaces (insertion order, a
 * message put again keeps its place), and an update makes a new value sharing all but O(log n) of
 * the old one, which stays as it was. Beside the order it keeps the indexes the queue's rules read:
 * the messages visible as of an instant in send order, the others by the instant they become
 * visible, every message by the instant its retention counts from, and each message group's messages
 * (with the group's received ones apart) with the groups in the order of their oldest message; so a
 * receive finds its messages, a FIFO receive its groups' heads, and retention its expired ones,
 * without walking the queue (docs/PERFORMANCE.md, "A queue's messages as an indexed value").
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
 * One message group's messages (those with a `groupId`), by their place in the order; and of them
 * the ones ever received, which are the only ones that can be in flight.
 */
interface Group {
  readonly messages: Tree.RedBlackTree<number, QueueMessage>
  readonly received: Tree.RedBlackTree<number, QueueMessage>
}

const emptyGroup: Group = Object.freeze({ messages: Tree.empty(bySeq), received: Tree.empty(bySeq) })

const firstKey = <K, V>(tree: Tree.RedBlackTree<K, V>): K | undefined => {
  const head = Tree.first(tree)
  return Option.isSome(head) ? head.value[0] : undefined
}

/** Every index of the map, as one value: a change makes a new one. */
interface Parts {
  readonly ids: HashMap.HashMap<string, Entry>
  readonly order: Tree.RedBlackTree<number, QueueMessage>
  /** The messages with `visibleAt <= asOf`, by their place in the order. */
  readonly ready: Tree.RedBlackTree<number, QueueMessage>
  /** The messages with `visibleAt > asOf`, by `visibleAt`. */
  readonly pending: Tree.RedBlackTree<Timed, QueueMessage>
  /** How many of `pending` were never received (delayed rather than in flight). */
  readonly pendingUnreceived: number
  readonly enqueued: Tree.RedBlackTree<Timed, QueueMessage>
  readonly groups: HashMap.HashMap<string, Group>
  /** Each group by the place of its oldest message: the order a FIFO receive visits the groups in. */
  readonly groupsByOldest: Tree.RedBlackTree<number, string>
  readonly asOf: number
  readonly nextSeq: number
}

/** `parts` with `group`'s messages changed to `next`: the group dropped when empty, its place moved. */
const withGroup = (parts: Parts, group: string, previous: Group, next: Group): Pick<Parts, "groups" | "groupsByOldest"> => {
  const before = firstKey(previous.messages)
  const after = firstKey(next.messages)
  let byOldest = parts.groupsByOldest
  if (before !== after) {
    if (before !== undefined) byOldest = Tree.removeFirst(byOldest, before)
    if (after !== undefined) byOldest = Tree.insert(byOldest, after, group)
  }
  const groups = Tree.size(next.messages) === 0 ? HashMap.remove(parts.groups, group) : HashMap.set(parts.groups, group, next)
  return { groups, groupsByOldest: byOldest }
}

const groupOf = (parts: Parts, group: string): Group => Option.getOrElse(HashMap.get(parts.groups, group), () => emptyGroup)

/**
 * @category models
 */
export class MessageMap implements ReadonlyMap<string, QueueMessage> {
  // A private field, so equality in tests reads the map's entries and not the shape of its trees.
  readonly #parts: Parts

  private constructor(parts: Parts) {
    this.#parts = parts
  }

  /** No messages; nothing visible yet. */
  static empty(): MessageMap {
    return new MessageMap({
      ids: HashMap.empty(),
      order: Tree.empty(bySeq),
      ready: Tree.empty(bySeq),
      pending: Tree.empty(byTimeThenSeq),
      pendingUnreceived: 0,
      enqueued: Tree.empty(byTimeThenSeq),
      groups: HashMap.empty(),
      groupsByOldest: Tree.empty(bySeq),
      asOf: -Infinity,
      nextSeq: 0
    })
  }

  /** `messages` itself when it is a `MessageMap`, else one with the same messages in the same order. */
  static from(messages: ReadonlyMap<string, QueueMessage>): MessageMap {
    if (messages instanceof MessageMap) return messages
    let map = MessageMap.empty()
    for (const message of messages.values()) map = map.set(message)
    return map
  }

  get size(): number {
    return HashMap.size(this.#parts.ids)
  }

  get(id: string): QueueMessage | undefined {
    const entry = HashMap.get(this.#parts.ids, id)
    return Option.isSome(entry) ? entry.value.message : undefined
  }

  has(id: string): boolean {
    return HashMap.has(this.#parts.ids, id)
  }

  *values(): MapIterator<QueueMessage> {
    for (const [, message] of this.#parts.order) yield message
  }

  *keys(): MapIterator<string> {
    for (const [, message] of this.#parts.order) yield message.messageId
  }

  *entries(): MapIterator<[string, QueueMessage]> {
    for (const [, message] of this.#parts.order) yield [message.messageId, message]
  }

  [Symbol.iterator](): MapIterator<[string, QueueMessage]> {
    return this.entries()
  }

  forEach(f: (message: QueueMessage, id: string, map: ReadonlyMap<string, QueueMessage>) => void): void {
    for (const [, message] of this.#parts.order) f(message, message.messageId, this)
  }

  /** Puts `message` under its id: last in the order when new, in its place when already here. */
  set(message: QueueMessage): MessageMap {
    const id = message.messageId
    const previous = HashMap.get(this.#parts.ids, id)
    const base = Option.isSome(previous) ? this.#without(previous.value) : this.#parts
    const seq = Option.isSome(previous) ? previous.value.seq : base.nextSeq
    const visible = message.visibleAt <= base.asOf
    const group = message.groupId
    let grouped: Pick<Parts, "groups" | "groupsByOldest"> = base
    if (group !== undefined) {
      const was = groupOf(base, group)
      grouped = withGroup(base, group, was, {
        messages: Tree.insert(was.messages, seq, message),
        received: message.lastReceive === undefined ? was.received : Tree.insert(was.received, seq, message)
      })
    }
    return new MessageMap({
      ...grouped,
      ids: HashMap.set(base.ids, id, { seq, message }),
      order: Tree.insert(base.order, seq, message),
      ready: visible ? Tree.insert(base.ready, seq, message) : base.ready,
      pending: visible ? base.pending : Tree.insert(base.pending, timed(message.visibleAt, seq), message),
      pendingUnreceived: base.pendingUnreceived + (!visible && message.lastReceive === undefined ? 1 : 0),
      enqueued: Tree.insert(base.enqueued, timed(message.enqueuedAt, seq), message),
      asOf: base.asOf,
      nextSeq: Math.max(base.nextSeq, seq + 1)
    })
  }

  /** Takes out the message with this id, if there is one. */
  delete(id: string): MessageMap {
    const entry = HashMap.get(this.#parts.ids, id)
    return Option.isSome(entry) ? new MessageMap(this.#without(entry.value)) : this
  }

  #without({ message, seq }: Entry): Parts {
    const parts = this.#parts
    const visible = message.visibleAt <= parts.asOf
    const group = message.groupId
    let grouped: Pick<Parts, "groups" | "groupsByOldest"> = parts
    if (group !== undefined) {
      const was = groupOf(parts, group)
      grouped = withGroup(parts, group, was, {
        messages: Tree.removeFirst(was.messages, seq),
        received: message.lastReceive === undefined ? was.received : Tree.removeFirst(was.received, seq)
      })
    }
    return {
      ...grouped,
      ids: HashMap.remove(parts.ids, message.messageId),
      order: Tree.removeFirst(parts.order, seq),
      ready: visible ? Tree.removeFirst(parts.ready, seq) : parts.ready,
      pending: visible ? parts.pending : Tree.removeFirst(parts.pending, timed(message.visibleAt, seq)),
      pendingUnreceived: parts.pendingUnreceived - (!visible && message.lastReceive === undefined ? 1 : 0),
      enqueued: Tree.removeFirst(parts.enqueued, timed(message.enqueuedAt, seq)),
      asOf: parts.asOf,
      nextSeq: parts.nextSeq
    }
  }

  /**
   * The same messages with the visible ones counted as of `now`: the messages whose `visibleAt` came
   * move to the visible index. An earlier `now` changes nothing (the index then holds some not visible
   * at `now`, which the readers below skip).
   */
  advance(now: number): MessageMap {
    const parts = this.#parts
    if (now <= parts.asOf) return this
    let ready = parts.ready
    let pending = parts.pending
    let unreceived = parts.pendingUnreceived
    for (;;) {
      const head = Tree.first(pending)
      if (Option.isNone(head) || head.value[0][0] > now) break
      const [key, message] = head.value
      pending = Tree.removeFirst(pending, key)
      ready = Tree.insert(ready, key[1], message)
      if (message.lastReceive === undefined) unreceived--
    }
    return new MessageMap({ ...parts, ready, pending, pendingUnreceived: unreceived, asOf: now })
  }

  /**
   * The messages visible at `now` (`visibleAt <= now`), in the map's order, read lazily. Complete when
   * the map was advanced to `now` or later.
   */
  *visible(now: number): Generator<QueueMessage> {
    for (const [, message] of this.#parts.ready) if (message.visibleAt <= now) yield message
  }

  /** The earliest `visibleAt` after `now`, or Infinity. Exact when the map was advanced to `now` or later. */
  nextVisibleAfter(now: number): number {
    if (now >= this.#parts.asOf) {
      const head = Tree.first(this.#parts.pending)
      return Option.isSome(head) ? head.value[0][0] : Infinity
    }
    let next = Infinity
    for (const message of this.values()) if (message.visibleAt > now) next = Math.min(next, message.visibleAt)
    return next
  }

  /** The message whose retention counts from the earliest instant (the first to expire), if any. */
  oldestEnqueued(): QueueMessage | undefined {
    const head = Tree.first(this.#parts.enqueued)
    return Option.isSome(head) ? head.value[1] : undefined
  }

  /** The message groups, each by the place of its oldest message in the order. */
  *groupsByOldest(): Generator<string> {
    for (const [, group] of this.#parts.groupsByOldest) yield group
  }

  /** The messages of `group`, in the map's order. */
  *ofGroup(group: string): Generator<QueueMessage> {
    for (const [, message] of groupOf(this.#parts, group).messages) yield message
  }

  /**
   * The messages of `group` that were ever received, in the map's order: the only ones that can be in
   * flight, so "is a message of this group in flight" reads these and not the whole group.
   */
  *receivedOfGroup(group: string): Generator<QueueMessage> {
    for (const [, message] of groupOf(this.#parts, group).received) yield message
  }

  /**
   * How many messages at `now` are visible, in flight (received, `visibleAt` to come) and delayed
   * (never received, `visibleAt` to come); without a walk when the map was advanced to `now`.
   */
  counts(now: number): { readonly visible: number; readonly inflight: number; readonly delayed: number } {
    const parts = this.#parts
    if (now === parts.asOf) {
      const waiting = Tree.size(parts.pending)
      return { visible: Tree.size(parts.ready), inflight: waiting - parts.pendingUnreceived, delayed: parts.pendingUnreceived }
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
