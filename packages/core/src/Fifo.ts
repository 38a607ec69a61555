/**
 * FIFO topics: deduplication inside a 5-minute window and per-topic sequence numbers (docs/SEMANTICS.md §4;
 * SNS guide, "Message deduplication for FIFO topics").
 *
 * @since 0.1.0
 */
import { sha256 } from "@noble/hashes/sha2.js"
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js"
import { Data, Either, HashMap, Option, type Order, RedBlackTree as Tree } from "effect"
import { invalidParameter, type InvalidParameter } from "./Errors.js"

/** "the deduplication interval is five minutes". */
export const DEDUPLICATION_WINDOW_MS = 5 * 60 * 1000

/** Group and deduplication ids: up to 128 characters. */
export const MAX_ID_LENGTH = 128

/** Alphanumerics and punctuation `!"#$%&'()*+,-./:;<=>?@[\]^_\`{|}~`, as SQS and SNS document. */
const ID_CHARS = /^[\x21-\x7e]+$/

/**
 * @category models
 */
export interface DeduplicationEntry {
  readonly messageId: string
  readonly sequenceNumber: string
  readonly acceptedAt: number
}

/** When an id was accepted, and the order of acceptance, which breaks ties (a `Data` tuple: compared by value). */
type Accepted = readonly [at: number, seq: number]
const byAcceptance: Order.Order<Accepted> = (a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0)
const bySeq: Order.Order<number> = (a, b) => (a < b ? -1 : a > b ? 1 : 0)

interface Held {
  readonly key: Accepted
  readonly entry: DeduplicationEntry
}

/**
 * The deduplication ids seen inside the window, as a persistent map: it reads as a `Map` in the
 * order the ids were accepted, and an accept makes a new value sharing all but O(log n) of the old
 * one. Beside the ids it keeps them by the instant they were accepted, so the ones the window has
 * left are dropped from the front without a walk of the rest: a FIFO queue or topic taking hundreds
 * of messages a second holds tens of thousands of ids, and copying them on every accept made each
 * one cost O(n) (docs/PERFORMANCE.md, "FIFO deduplication ids and message groups as indexes").
 *
 * It also keeps them by the order of acceptance alone (`seq`, counted along the values made from one
 * another, its lineage), so that what changed between a value and one made from it is read without
 * walking either (`changes`): a store writes each id as it is accepted and as it leaves.
 *
 * @category models
 */
export class DeduplicationWindow implements ReadonlyMap<string, DeduplicationEntry> {
  readonly #ids: HashMap.HashMap<string, Held>
  readonly #byAcceptance: Tree.RedBlackTree<Accepted, string>
  readonly #bySeq: Tree.RedBlackTree<number, string>
  readonly #nextSeq: number
  /** Shared by the values made from one another by `set`, `pruned` and `delete`: their `seq`s agree. */
  readonly #lineage: object

  private constructor(
    ids: HashMap.HashMap<string, Held>,
    byAcceptance: Tree.RedBlackTree<Accepted, string>,
    bySeq: Tree.RedBlackTree<number, string>,
    nextSeq: number,
    lineage: object
  ) {
    this.#ids = ids
    this.#byAcceptance = byAcceptance
    this.#bySeq = bySeq
    this.#nextSeq = nextSeq
    this.#lineage = lineage
  }

  static empty(): DeduplicationWindow {
    return new DeduplicationWindow(HashMap.empty(), Tree.empty(byAcceptance), Tree.empty(bySeq), 0, {})
  }

  /** `seen` itself when it is a window, else one with the same entries (a store's decoded `Map`). */
  static from(seen: ReadonlyMap<string, DeduplicationEntry>): DeduplicationWindow {
    if (seen instanceof DeduplicationWindow) return seen
    let window = DeduplicationWindow.empty()
    for (const [id, entry] of seen) window = window.set(id, entry)
    return window
  }

  get size(): number {
    return HashMap.size(this.#ids)
  }

  get(id: string): DeduplicationEntry | undefined {
    const found = HashMap.get(this.#ids, id)
    return Option.isSome(found) ? found.value.entry : undefined
  }

  has(id: string): boolean {
    return HashMap.has(this.#ids, id)
  }

  *entries(): MapIterator<[string, DeduplicationEntry]> {
    for (const [, id] of this.#byAcceptance) yield [id, this.get(id)!]
  }

  *keys(): MapIterator<string> {
    for (const [, id] of this.#byAcceptance) yield id
  }

  *values(): MapIterator<DeduplicationEntry> {
    for (const [, id] of this.#byAcceptance) yield this.get(id)!
  }

  [Symbol.iterator](): MapIterator<[string, DeduplicationEntry]> {
    return this.entries()
  }

  forEach(f: (entry: DeduplicationEntry, id: string, map: ReadonlyMap<string, DeduplicationEntry>) => void): void {
    for (const [id, entry] of this.entries()) f(entry, id, this)
  }

  /** `id` accepted as `entry`, after any earlier acceptance of it. */
  set(id: string, entry: DeduplicationEntry): DeduplicationWindow {
    const { byAcceptance, bySeq } = this.#without(id)
    const key: Accepted = Data.tuple(entry.acceptedAt, this.#nextSeq)
    return new DeduplicationWindow(
      HashMap.set(this.#ids, id, { key, entry }),
      Tree.insert(byAcceptance, key, id),
      Tree.insert(bySeq, key[1], id),
      this.#nextSeq + 1,
      this.#lineage
    )
  }

  /** Without `id` (a store's record that it left the window). */
  delete(id: string): DeduplicationWindow {
    if (!HashMap.has(this.#ids, id)) return this
    const { byAcceptance, bySeq } = this.#without(id)
    return new DeduplicationWindow(HashMap.remove(this.#ids, id), byAcceptance, bySeq, this.#nextSeq, this.#lineage)
  }

  /** Without the ids accepted `DEDUPLICATION_WINDOW_MS` or longer before `now`. */
  pruned(now: number): DeduplicationWindow {
    let ids = this.#ids
    let byAcceptedAt = this.#byAcceptance
    let bySeqs = this.#bySeq
    for (;;) {
      const oldest = Tree.first(byAcceptedAt)
      if (Option.isNone(oldest) || now - oldest.value[0][0] < DEDUPLICATION_WINDOW_MS) break
      byAcceptedAt = Tree.removeFirst(byAcceptedAt, oldest.value[0])
      bySeqs = Tree.removeFirst(bySeqs, oldest.value[0][1])
      ids = HashMap.remove(ids, oldest.value[1])
    }
    return ids === this.#ids ? this : new DeduplicationWindow(ids, byAcceptedAt, bySeqs, this.#nextSeq, this.#lineage)
  }

  /**
   * What turns `previous` into `current`: the ids to put (accepted, or accepted again, since) and
   * the ids to delete (gone from the window), as a store writes them.
   *
   * When `current` was made from `previous` (by `set`, `pruned` and `delete`, as an action's
   * `decide` makes it), this reads only what changed, O(k log n) for k changes: the ids put are
   * those with a `seq` from `previous`'s next one on; and the ids gone are found walking `previous`
   * from its oldest, stopping at the first id `current` holds unchanged. That walk finds them all
   * when they left from the front of the window, as `pruned` drops them: `decide` never sets an id
   * the window holds (one inside it is a duplicate, one past it is pruned first), so an id `current`
   * holds unchanged was in the tree, ahead of every later one, whenever `pruned` ran. Ids taken out
   * otherwise (`delete`, an id set again) show in the count, and then, as for values not made from
   * one another or a plain `Map` (a store's decoded one), both are compared in full.
   */
  static changes(
    previous: ReadonlyMap<string, DeduplicationEntry>,
    current: ReadonlyMap<string, DeduplicationEntry>
  ): WindowChanges {
    if (previous === current) return { put: [], deleted: [] }
    if (previous instanceof DeduplicationWindow && current instanceof DeduplicationWindow) {
      const read = current.#madeFrom(previous)
      if (read !== undefined) return read
    }
    const put: Array<readonly [string, DeduplicationEntry]> = []
    for (const [id, entry] of current) if (!sameEntry(previous.get(id), entry)) put.push([id, entry])
    const deleted: Array<string> = []
    for (const id of previous.keys()) if (!current.has(id)) deleted.push(id)
    return { put, deleted }
  }

  #madeFrom(previous: DeduplicationWindow): WindowChanges | undefined {
    if (previous.#lineage !== this.#lineage || previous.#nextSeq > this.#nextSeq) return undefined
    const put: Array<readonly [string, DeduplicationEntry]> = []
    let added = 0
    for (const [, id] of Tree.greaterThanEqual(this.#bySeq, previous.#nextSeq)) {
      put.push([id, this.get(id)!])
      if (!HashMap.has(previous.#ids, id)) added++
    }
    const deleted: Array<string> = []
    for (const [key, id] of previous.#byAcceptance) {
      const now = HashMap.get(this.#ids, id)
      if (Option.isNone(now)) deleted.push(id)
      else if (now.value.key[1] === key[1]) break
    }
    return previous.size - deleted.length + added === this.size ? { put, deleted } : undefined
  }

  #without(id: string): { readonly byAcceptance: Tree.RedBlackTree<Accepted, string>; readonly bySeq: Tree.RedBlackTree<number, string> } {
    const previous = HashMap.get(this.#ids, id)
    return Option.isSome(previous)
      ? { byAcceptance: Tree.removeFirst(this.#byAcceptance, previous.value.key), bySeq: Tree.removeFirst(this.#bySeq, previous.value.key[1]) }
      : { byAcceptance: this.#byAcceptance, bySeq: this.#bySeq }
  }
}

/**
 * The difference of two windows (`DeduplicationWindow.changes`).
 *
 * @category models
 */
export interface WindowChanges {
  readonly put: ReadonlyArray<readonly [string, DeduplicationEntry]>
  readonly deleted: ReadonlyArray<string>
}

const sameEntry = (a: DeduplicationEntry | undefined, b: DeduplicationEntry): boolean =>
  a !== undefined && a.messageId === b.messageId && a.sequenceNumber === b.sequenceNumber && a.acceptedAt === b.acceptedAt

/**
 * A topic's FIFO state: the last sequence number handed out and the deduplication ids seen inside the
 * window.
 *
 * @category models
 */
export interface FifoState {
  readonly lastSequence: bigint
  readonly seen: ReadonlyMap<string, DeduplicationEntry>
}

export const empty = (): FifoState => ({ lastSequence: 0n, seen: DeduplicationWindow.empty() })

/**
 * @category validation
 */
export const validateId = (parameter: string, id: string): Either.Either<string, InvalidParameter> =>
  id.length >= 1 && id.length <= MAX_ID_LENGTH && ID_CHARS.test(id)
    ? Either.right(id)
    : Either.left(
        invalidParameter(
          parameter,
          `${parameter} can be up to ${MAX_ID_LENGTH} alphanumeric or punctuation characters`
        )
      )

/**
 * Content-based deduplication: "Amazon SNS uses a SHA-256 hash to generate the message deduplication
 * ID using the body of the message".
 *
 * @category rules
 */
export const contentDeduplicationId = (body: string): string => bytesToHex(sha256(utf8ToBytes(body)))

/**
 * The outcome of offering a message to a FIFO topic.
 *
 * @category models
 */
export type Decision =
  | { readonly _tag: "Duplicate"; readonly messageId: string; readonly sequenceNumber: string }
  | { readonly _tag: "Accept"; readonly sequenceNumber: string; readonly state: FifoState }

/**
 * Decides a publish. A deduplication id seen less than 5 minutes ago answers with the first message's
 * id and sequence number and stores nothing; otherwise the message gets the next sequence number.
 *
 * Sequence numbers are `max(last + 1, now × 10^6)`: strictly increasing, and still increasing after a
 * restart that lost the counter, since the clock has moved on (unless a topic takes over a million
 * messages in one millisecond).
 *
 * @category rules
 */
export const decide = (
  state: FifoState,
  deduplicationId: string,
  messageId: string,
  now: number
): Decision => {
  const previous = state.seen.get(deduplicationId)
  if (previous !== undefined && now - previous.acceptedAt < DEDUPLICATION_WINDOW_MS) {
    return { _tag: "Duplicate", messageId: previous.messageId, sequenceNumber: previous.sequenceNumber }
  }
  const floor = BigInt(Math.max(0, Math.floor(now))) * 1_000_000n
  const next = state.lastSequence + 1n > floor ? state.lastSequence + 1n : floor
  const sequenceNumber = next.toString().padStart(20, "0")
  const seen = DeduplicationWindow.from(state.seen).pruned(now).set(deduplicationId, { messageId, sequenceNumber, acceptedAt: now })
  return { _tag: "Accept", sequenceNumber, state: { lastSequence: next, seen } }
}

/**
 * Rebuilds a topic's state from its recently stored messages (after a restart).
 *
 * @category constructors
 */
export const fromRecent = (
  recent: ReadonlyArray<{ readonly deduplicationId: string } & DeduplicationEntry>
): FifoState => {
  let lastSequence = 0n
  let seen = DeduplicationWindow.empty()
  for (const r of recent) {
    const seq = BigInt(r.sequenceNumber)
    if (seq > lastSequence) lastSequence = seq
    seen = seen.set(r.deduplicationId, { messageId: r.messageId, sequenceNumber: r.sequenceNumber, acceptedAt: r.acceptedAt })
  }
  return { lastSequence, seen }
}
