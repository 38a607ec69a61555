/**
 * The delivery scheduler: everything delivery knows about what to send next, in one declared value
 * (`DeliveryState`), and the transitions that change it. The shell (`Dispatcher`) reads the store,
 * hands what it read to a transition, and carries out what the transition answers: the attempts to
 * start, whether to read the store, when to wake.
 *
 * The transitions do no I/O, read no clock (the shell passes `now`), call nothing back and throw
 * nothing: each is a function of the state and its arguments. They update the state value they are
 * given rather than copying it, because one runs for every delivery and a copy of the backlog and
 * the sets per delivery would be the hot path's largest cost; nothing else holds the state.
 *
 * The rules it keeps:
 * - Nothing in flight twice: a delivery started and not yet settled in the store is skipped by
 *   reads and announcements alike, and so is one waiting in the backlog. A read of due rows takes a
 *   while on a database server, and an outcome may be settled meanwhile: the read may have found
 *   that delivery still pending, so it is skipped too.
 * - At most `concurrency` attempts wait for their endpoints at once. An attempt frees its slot when
 *   its answer comes (`answered`), not when its outcome is committed (`settled`), so the store's
 *   commit latency does not hold slots.
 * - FIFO topics: the deliveries of one message group to one subscription form a lane, sent one at
 *   a time in sequence-number order; the next waits until the head is delivered or dropped (SNS
 *   guide, "Message ordering details for FIFO topics"). A head waiting for its retry holds its lane.
 * - HTTP/S throttle policies (`maxReceivesPerSecond`) cap the attempts started per subscription in
 *   any one-second window (SNS guide, "Amazon SNS message delivery retries", throttle policy).
 * - Announcements first: a new message's deliveries are known the moment it is committed, so while
 *   announcements flow the store is read only every READ_INTERVAL_MS (for retries come due and FIFO
 *   messages), or FULL_BACKLOG_READ_INTERVAL_MS while the backlog can fill every slot; without
 *   them, whenever the backlog is spent. An announced FIFO message is read for at the next pass.
 *
 * @since 0.1.0
 */
import type { MessageStore } from "@sealcast/core"

/** How often the store is read for due deliveries while announcements keep the backlog busy. */
export const READ_INTERVAL_MS = 50

/**
 * How often instead while the backlog alone fills every attempt slot: a read then starts nothing
 * sooner, and each read looks past everything in flight and waiting, so under a steady overload
 * reads every READ_INTERVAL_MS cost a tenth of delivery's CPU time (docs/PERFORMANCE.md, "Fewer
 * reads of due rows while the backlog is full").
 */
export const FULL_BACKLOG_READ_INTERVAL_MS = 250

/** The throttle policy's window (`maxReceivesPerSecond`). */
const THROTTLE_WINDOW_MS = 1000

/** Started candidates dropped from the front of the backlog array once this many have piled up. */
const COMPACT_AFTER = 1024

/**
 * A FIFO message's place: its lane is the subscription and message group, its order the sequence
 * number.
 *
 * @category models
 */
export interface LaneOf {
  readonly messageGroupId: string
  readonly sequenceNumber: string
}

/**
 * A due delivery, admitted to the backlog, and what the scheduler works out about it once.
 *
 * @category models
 */
export interface Candidate {
  readonly delivery: MessageStore.PendingDelivery
  /** `deliveryKey(delivery)`, computed once at admission. */
  readonly key: string
  /** The FIFO lane (subscription and message group), or none for a standard topic's delivery. */
  readonly lane: string | undefined
}

/**
 * Everything delivery knows. Nothing else in delivery is mutable scheduling state.
 *
 * @category models
 */
export interface DeliveryState {
  /** Attempts waiting for their endpoints at once, at most. */
  readonly concurrency: number
  /**
   * How many deliveries may wait in the backlog before announcements stop adding to it (endpoints
   * slower than publishers): the rest are in the store, where reads find them. Kept small because
   * each read looks past what waits.
   */
  readonly announcedLimit: number
  /** Deliveries started and not yet settled in the store, by key: reads of due rows skip them. */
  readonly inFlight: Set<string>
  /** Attempts still waiting for their endpoints: what `concurrency` limits. */
  attempting: number
  /** Lane -> the message at its head: in flight, or waiting for its retry. */
  readonly lanes: Map<string, string>
  /**
   * Lane -> when its head, waiting for its retry, falls due. The store's earliest due instant can be
   * a delivery blocked behind such a head, which says nothing of when the head itself is due.
   */
  readonly laneRetries: Map<string, number>
  /** Subscription -> when its attempts started within the last throttle window (throttle policy only). */
  readonly starts: Map<string, Array<number>>
  /**
   * Deliveries to start, in order, from `next` on: what reads of the store found due, then what was
   * announced since. Starting them as slots free up, before reading again, reads each due row about
   * once or twice rather than once per finished attempt.
   */
  backlog: Array<Candidate>
  next: number
  /** The backlog's deliveries not started yet, by key: neither a read nor an announcement adds them twice. */
  readonly queued: Set<string>
  /** Deliveries of messages just accepted (standard topics), waiting for the next pass to join the backlog. */
  announced: Array<MessageStore.PendingDelivery>
  /** Whether announcements came since the store was last read. */
  announcedSinceRead: boolean
  /** When the store was last read for due deliveries; minus infinity makes the next pass read. */
  lastRead: number
  /** Whether a read of due rows is under way (`readBegun` to `dueRowsAdmitted`). */
  reading: boolean
  /** Deliveries whose outcomes were settled while the read under way was made: it may hold them as they were. */
  readonly settledWhileReading: Set<string>
  /** Rows the last read left behind (behind a FIFO lane, throttled), so the next read looks past them. */
  skipped: number
  /** Set when delivery stops: nothing starts after that. */
  stopping: boolean
}

/**
 * @category constructors
 */
export const initial = (concurrency: number): DeliveryState => {
  const slots = Math.max(1, Math.floor(concurrency))
  return {
    concurrency: slots,
    announcedLimit: 4 * slots,
    inFlight: new Set(),
    attempting: 0,
    lanes: new Map(),
    laneRetries: new Map(),
    starts: new Map(),
    backlog: [],
    next: 0,
    queued: new Set(),
    announced: [],
    announcedSinceRead: false,
    lastRead: Number.NEGATIVE_INFINITY,
    reading: false,
    settledWhileReading: new Set(),
    skipped: 0,
    stopping: false
  }
}

/** @category keys */
export const deliveryKey = (d: MessageStore.PendingDelivery): string => `${d.messageId}\u0000${d.subscriptionArn}`

/** @category keys */
export const laneKey = (subscriptionArn: string, messageGroupId: string): string => `${subscriptionArn}\u0000${messageGroupId}`

/**
 * Sequence numbers are decimal strings without leading zeros: longer is larger, else compare as text.
 *
 * @category rules
 */
export const compareSequence = (a: string, b: string): number => (a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0)

/**
 * Whether an attempt could start now if one were due: a slot is free and delivery is not stopping.
 *
 * @category queries
 */
export const hasFreeSlot = (state: DeliveryState): boolean => state.attempting < state.concurrency && !state.stopping

// ---------------------------------------------------------------------------------------------
// Transition: an announcement admitted
// ---------------------------------------------------------------------------------------------

/**
 * A message was accepted (committed) for these subscriptions. A standard topic's deliveries join
 * the announcements, unless the backlog is already full, when reads of the store find them. A FIFO
 * message waits for its lane, which a read of the store works out in order: the next pass reads,
 * whatever the interval.
 *
 * @category transitions
 */
export const announcementAdmitted = (
  state: DeliveryState,
  messageId: string,
  acceptedAt: number,
  fifo: boolean,
  subscriptionArns: ReadonlyArray<string>
): void => {
  if (fifo) {
    state.lastRead = Number.NEGATIVE_INFINITY
    return
  }
  if (state.queued.size + state.announced.length + subscriptionArns.length > state.announcedLimit) return
  state.announcedSinceRead = true
  for (const subscriptionArn of subscriptionArns) state.announced.push({ messageId, subscriptionArn, attempts: 0, dueAt: acceptedAt, replayed: false })
}

/**
 * Restart recovery: the pending rows of FIFO lanes, as a new process finds them in the store. A
 * delivery already attempted (`attempts` above 0) is its lane's head, waiting for its retry: it holds
 * its lane again, so no later message of the group overtakes it while its retry is not yet due.
 * `laneOf` as for `dueRowsAdmitted`.
 *
 * @category transitions
 */
export const lanesRecovered = (
  state: DeliveryState,
  rows: ReadonlyArray<MessageStore.PendingDelivery>,
  laneOf: (delivery: MessageStore.PendingDelivery) => LaneOf | undefined
): void => {
  const heads = new Map<string, string>()
  for (const delivery of rows) {
    if (delivery.attempts === 0) continue
    const place = laneOf(delivery)
    if (place === undefined) continue
    const lane = laneKey(delivery.subscriptionArn, place.messageGroupId)
    const held = heads.get(lane)
    if (held !== undefined && compareSequence(held, place.sequenceNumber) < 0) continue
    heads.set(lane, place.sequenceNumber)
    state.lanes.set(lane, delivery.messageId)
    state.laneRetries.set(lane, delivery.dueAt)
  }
}

/**
 * A subscription was deleted: its lanes and throttle window go.
 *
 * @category transitions
 */
export const subscriptionRemoved = (state: DeliveryState, subscriptionArn: string): void => {
  const prefix = `${subscriptionArn}\u0000`
  for (const lane of state.lanes.keys()) {
    if (!lane.startsWith(prefix)) continue
    state.lanes.delete(lane)
    state.laneRetries.delete(lane)
  }
  state.starts.delete(subscriptionArn)
}

// ---------------------------------------------------------------------------------------------
// Transition: a pass begins, due rows admitted
// ---------------------------------------------------------------------------------------------

/**
 * A pass begins at `now`: announced deliveries join the backlog, skipping any already started or
 * waiting (a delivery is visible in the store from its commit, a moment before its announcement is
 * taken), and the backlog's started part is dropped once large. Answers whether the pass must read
 * the store: at least every `readInterval` while announcements keep the backlog full, and
 * whenever the backlog is spent and no announcement came since the last read.
 *
 * @category transitions
 */
export const passBegun = (state: DeliveryState, now: number): boolean => {
  if (state.next >= COMPACT_AFTER) {
    state.backlog = state.backlog.slice(state.next)
    state.next = 0
  }
  for (const delivery of state.announced) {
    const key = deliveryKey(delivery)
    if (state.inFlight.has(key) || state.queued.has(key)) continue
    state.queued.add(key)
    state.backlog.push({ delivery, key, lane: undefined })
  }
  state.announced = []
  return now - state.lastRead >= readInterval(state) || (state.next >= state.backlog.length && !state.announcedSinceRead)
}

/**
 * How long after a read the next one is due while announcements flow: longer while the deliveries
 * waiting in the backlog are enough to fill every attempt slot.
 *
 * @category queries
 */
export const readInterval = (state: DeliveryState): number =>
  state.backlog.length - state.next >= state.concurrency ? FULL_BACKLOG_READ_INTERVAL_MS : READ_INTERVAL_MS

/**
 * How many due rows the pass reads. Deliveries in flight or waiting are still pending, so a read
 * returns them again: it reads past them, as many more as there are attempt slots, plus those the
 * last read had to leave behind.
 *
 * @category queries
 */
export const readLimit = (state: DeliveryState): number => state.inFlight.size + state.queued.size + state.concurrency + state.skipped

/**
 * The shell starts reading due rows, which it hands to `dueRowsAdmitted` once read.
 *
 * @category transitions
 */
export const readBegun = (state: DeliveryState): void => {
  state.reading = true
  state.settledWhileReading.clear()
}

/**
 * Due rows read at `now` (at most `limit`, oldest due first) join the front of the backlog: what was
 * due in the store goes before what was announced, it was due first. Of each FIFO lane only its
 * lowest sequence number joins, and only when the lane is free or that delivery is its head (a
 * retry). `laneOf` gives a row's FIFO place, or `undefined` for a standard topic's delivery or a
 * message no longer stored (its attempt finds that out). Answers whether the read was full (more
 * may be due).
 *
 * @category transitions
 */
export const dueRowsAdmitted = (
  state: DeliveryState,
  rows: ReadonlyArray<MessageStore.PendingDelivery>,
  limit: number,
  laneOf: (delivery: MessageStore.PendingDelivery) => LaneOf | undefined,
  now: number
): boolean => {
  state.skipped = 0
  // Lanes whose head is already in the backlog, not started yet: nothing of theirs may join it.
  let waitingLanes: Set<string> | undefined
  for (let i = state.next; i < state.backlog.length; i++) {
    const lane = state.backlog[i]!.lane
    if (lane !== undefined) (waitingLanes ??= new Set()).add(lane)
  }
  // Per FIFO lane, the waiting delivery with the lowest sequence number.
  let laneChoice: Map<string, { readonly messageId: string; readonly sequenceNumber: string }> | undefined
  const found: Array<Candidate> = []
  for (const delivery of rows) {
    const key = deliveryKey(delivery)
    if (state.inFlight.has(key) || state.queued.has(key) || state.settledWhileReading.has(key)) continue
    const place = laneOf(delivery)
    if (place === undefined) {
      found.push({ delivery, key, lane: undefined })
      continue
    }
    const lane = laneKey(delivery.subscriptionArn, place.messageGroupId)
    const head = state.lanes.get(lane)
    const chosen = laneChoice?.get(lane)
    if (
      (head !== undefined && head !== delivery.messageId) ||
      waitingLanes?.has(lane) === true ||
      (chosen !== undefined && compareSequence(chosen.sequenceNumber, place.sequenceNumber) < 0)
    ) {
      state.skipped++
      continue
    }
    if (chosen !== undefined) state.skipped++
    ;(laneChoice ??= new Map()).set(lane, { messageId: delivery.messageId, sequenceNumber: place.sequenceNumber })
    found.push({ delivery, key, lane })
  }
  const admitted =
    laneChoice === undefined ? found : found.filter(({ delivery, lane }) => lane === undefined || laneChoice.get(lane)?.messageId === delivery.messageId)
  for (const { key } of admitted) state.queued.add(key)
  state.backlog = state.next === 0 && state.backlog.length === 0 ? admitted : admitted.concat(state.backlog.slice(state.next))
  state.next = 0
  state.lastRead = now
  state.announcedSinceRead = false
  state.reading = false
  state.settledWhileReading.clear()
  return rows.length >= limit
}

// ---------------------------------------------------------------------------------------------
// Transition: what to start now
// ---------------------------------------------------------------------------------------------

/**
 * What a pass decided: the attempts to start (each already counted in flight), when the earliest
 * throttle lifts, and whether there is more to do at once.
 *
 * @category models
 */
export interface Started {
  readonly starts: ReadonlyArray<Candidate>
  readonly throttleLifts: number | undefined
  readonly more: boolean
}

/**
 * Takes from the backlog what may start at `now`, as slots allow; a throttled subscription's
 * delivery is left to a later read. `rateOf` gives a subscription's `maxReceivesPerSecond`, or
 * `undefined` when it has none (every protocol but HTTP/S, and HTTP/S without a throttle policy).
 * `readFull` is what `dueRowsAdmitted` answered for this pass (false when it did not read).
 *
 * @category transitions
 */
export const startNow = (
  state: DeliveryState,
  rateOf: (subscriptionArn: string) => number | undefined,
  now: number,
  readFull: boolean
): Started => {
  const starts: Array<Candidate> = []
  let throttleLifts: number | undefined
  while (state.next < state.backlog.length && state.attempting < state.concurrency && !state.stopping) {
    const candidate = state.backlog[state.next++]!
    state.queued.delete(candidate.key)
    const rate = rateOf(candidate.delivery.subscriptionArn)
    if (rate !== undefined) {
      const lifts = throttle(state, candidate.delivery.subscriptionArn, rate, now)
      if (lifts !== undefined) {
        state.skipped++
        throttleLifts = Math.min(throttleLifts ?? Infinity, lifts)
        continue
      }
    }
    if (candidate.lane !== undefined) {
      state.lanes.set(candidate.lane, candidate.delivery.messageId)
      state.laneRetries.delete(candidate.lane)
    }
    state.inFlight.add(candidate.key)
    state.attempting++
    starts.push(candidate)
  }
  return { starts, throttleLifts, more: readFull || (state.next < state.backlog.length && !state.stopping) }
}

/** The throttle window: counts a start at `now` and answers undefined, or answers when the window lets one start. */
const throttle = (state: DeliveryState, subscriptionArn: string, rate: number, now: number): number | undefined => {
  const window = (state.starts.get(subscriptionArn) ?? []).filter((t) => t > now - THROTTLE_WINDOW_MS)
  state.starts.set(subscriptionArn, window)
  if (window.length >= rate) return window[0]! + THROTTLE_WINDOW_MS
  window.push(now)
  return undefined
}

// ---------------------------------------------------------------------------------------------
// Transitions: an attempt answered, an outcome settled
// ---------------------------------------------------------------------------------------------

/**
 * An attempt's endpoint answered (or the attempt broke): its slot is free.
 *
 * @category transitions
 */
export const answered = (state: DeliveryState): void => {
  state.attempting--
}

/**
 * An attempt's outcome is settled in the store (or could not be, `committed` false): reads may see
 * its row again. A committed outcome that ends the delivery (delivered or dropped, `ended`) frees
 * its FIFO lane, and the lane's next message is found by a read: the next pass reads, whatever the
 * interval. A committed retry of a lane's head (`retryAt`) holds the lane until then. Answers
 * whether nothing is in flight any more.
 *
 * @category transitions
 */
export const outcomeSettled = (
  state: DeliveryState,
  candidate: Candidate,
  committed: boolean,
  ended: boolean,
  retryAt: number | undefined
): boolean => {
  state.inFlight.delete(candidate.key)
  if (state.reading) state.settledWhileReading.add(candidate.key)
  const { lane } = candidate
  if (committed && lane !== undefined && state.lanes.get(lane) === candidate.delivery.messageId) {
    if (ended) {
      state.lanes.delete(lane)
      state.laneRetries.delete(lane)
      state.lastRead = Number.NEGATIVE_INFINITY
    } else if (retryAt !== undefined) {
      state.laneRetries.set(lane, retryAt)
    }
  }
  return state.inFlight.size === 0
}

/**
 * Delivery stops: nothing starts after this. Answers whether nothing is in flight.
 *
 * @category transitions
 */
export const stopped = (state: DeliveryState): boolean => {
  state.stopping = true
  return state.inFlight.size === 0
}

// ---------------------------------------------------------------------------------------------
// What to wait for
// ---------------------------------------------------------------------------------------------

/**
 * What the shell waits for after a pass: a wake-up (an announcement or an answer), a wake-up or an
 * instant, or first the store's next due instant (`wakeAfterNextDue`).
 *
 * @category models
 */
export type Wait =
  | { readonly _tag: "Wake" }
  | { readonly _tag: "WakeOrAt"; readonly at: number }
  | { readonly _tag: "AskStore" }

const WAKE: Wait = { _tag: "Wake" }
const ASK_STORE: Wait = { _tag: "AskStore" }

/**
 * After a pass that left nothing to do at once. With every slot taken, only an answer can start
 * anything, and it wakes the loop. While announcements flow, the store is read again once the read
 * interval has passed, which finds whatever has come due by then: no need to ask when that is.
 *
 * @category queries
 */
export const waitAfterPass = (state: DeliveryState, throttleLifts: number | undefined): Wait => {
  if (state.attempting >= state.concurrency) return WAKE
  if (state.announcedSinceRead) return { _tag: "WakeOrAt", at: Math.min(state.lastRead + readInterval(state), throttleLifts ?? Infinity) }
  return ASK_STORE
}

/**
 * Given the store's earliest due instant: when to wake at the latest, or `undefined` to wait for a
 * wake-up only. A delivery due now but not started (in flight, behind its lane, or over capacity)
 * is started after an answer, which wakes the loop, or once its lane's head falls due again.
 *
 * @category queries
 */
export const wakeAfterNextDue = (
  state: DeliveryState,
  nextDueAt: number | undefined,
  throttleLifts: number | undefined,
  now: number
): number | undefined => {
  let at = nextDueAt !== undefined && nextDueAt > now ? nextDueAt : Infinity
  if (throttleLifts !== undefined) at = Math.min(at, throttleLifts)
  // A head due already is found by the next read like any due row (and one whose topic has gone
  // since must not keep the loop awake).
  for (const retryAt of state.laneRetries.values()) if (retryAt > now) at = Math.min(at, retryAt)
  return at === Infinity ? undefined : at
}
