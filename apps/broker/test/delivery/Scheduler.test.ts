import { describe, expect, it } from "@effect/vitest"
import type { DeliveryPolicy, MessageStore } from "@sealcast/core"
import * as fc from "fast-check"
import * as RetrySchedule from "../../src/delivery/RetrySchedule.js"
import * as Scheduler from "../../src/delivery/Scheduler.js"

/**
 * A model test of the delivery scheduler. The real system is the scheduler's state driven the way
 * the shell (`Dispatcher`) drives it, against a store of pending rows kept here and the test's own
 * numeric clock; fast-check chooses publishes, passes, answers (delivered or failed), commits (or
 * failed commits), the passing of time and restarts. Every start is checked against the rules, and
 * a final drain checks that nothing published is lost.
 */

/** One retry at once, then one after a second: three attempts in all. */
const policy: DeliveryPolicy.RetryPolicy = {
  numRetries: 2,
  numNoDelayRetries: 1,
  numMinDelayRetries: 1,
  numMaxDelayRetries: 0,
  minDelayTarget: 1,
  maxDelayTarget: 1,
  backoffFunction: "linear"
}

/** A standard topic with two subscriptions (the second throttled), and a FIFO topic with two. */
const STANDARD_SUBSCRIPTIONS = ["std-a", "std-throttled"]
const FIFO_SUBSCRIPTIONS = ["fifo-a", "fifo-b"]

interface Row {
  readonly messageId: string
  readonly subscriptionArn: string
  attempts: number
  dueAt: number
  readonly replayed: boolean
  readonly order: number
}

interface Attempt {
  readonly candidate: Scheduler.Candidate
}

interface Answered {
  readonly candidate: Scheduler.Candidate
  readonly outcome: MessageStore.DeliveryOutcome
}

interface World {
  readonly concurrency: number
  readonly rate: number
  now: number
  state: Scheduler.DeliveryState
  readonly store: Map<string, Row>
  readonly fifo: Map<string, { readonly group: string; readonly seq: number }>
  /** Attempts started and not answered, answered and not committed: lost on a restart. */
  attempts: Array<Attempt>
  answered: Array<Answered>
  /** Keys started and not settled, in this life of the process. */
  inFlight: Set<string>
  /** Start instants per subscription, in this life (throttle windows do not survive a restart). */
  startsOf: Map<string, Array<number>>
  readonly published: Array<string>
  readonly ended: Map<string, MessageStore.DeliveryOutcome>
  /** Per FIFO lane, the sequence numbers in the order they were first delivered. */
  readonly firstDelivered: Map<string, Array<number>>
  nextOrder: number
  nextSeq: number
}

const key = (messageId: string, subscriptionArn: string) => `${messageId}\u0000${subscriptionArn}`

const rateOf = (w: World) => (subscriptionArn: string) => (subscriptionArn === "std-throttled" ? w.rate : undefined)

const laneOf = (w: World) => (d: MessageStore.PendingDelivery) => {
  const info = w.fifo.get(d.messageId)
  return info === undefined ? undefined : { messageGroupId: info.group, sequenceNumber: String(info.seq) }
}

const dueRows = (w: World, limit: number, now = w.now): Array<MessageStore.PendingDelivery> =>
  [...w.store.values()]
    .filter((r) => r.dueAt <= now)
    .sort((a, b) => a.dueAt - b.dueAt || a.order - b.order)
    .slice(0, limit)
    .map(({ messageId, subscriptionArn, attempts, dueAt, replayed }) => ({ messageId, subscriptionArn, attempts, dueAt, replayed }))

/** Checks a start against every rule, and records it. */
const checkStart = (w: World, candidate: Scheduler.Candidate) => {
  const { messageId, subscriptionArn } = candidate.delivery
  const k = key(messageId, subscriptionArn)
  // Nothing in flight twice.
  expect(w.inFlight.has(k), `${k} started while in flight`).toBe(false)
  // Only what is pending, and only once it is due (DeliveryPolicy delays).
  const row = w.store.get(k)
  expect(row, `${k} started but not pending`).toBeDefined()
  expect(row!.dueAt).toBeLessThanOrEqual(w.now)
  // FIFO: nothing of a lane in flight, nothing lower in the lane still pending.
  const info = w.fifo.get(messageId)
  if (info !== undefined) {
    for (const other of w.inFlight) {
      const [otherId, otherSub] = other.split("\u0000")
      expect(otherSub === subscriptionArn && w.fifo.get(otherId!)?.group === info.group, `lane ${subscriptionArn}/${info.group} has two in flight`).toBe(false)
    }
    for (const pending of w.store.values()) {
      const p = w.fifo.get(pending.messageId)
      if (pending.subscriptionArn === subscriptionArn && p?.group === info.group) expect(p.seq).toBeGreaterThanOrEqual(info.seq)
    }
  }
  // Throttle: at most `rate` starts in any one-second window.
  const starts = (w.startsOf.get(subscriptionArn) ?? []).filter((t) => t > w.now - 1000)
  if (subscriptionArn === "std-throttled") expect(starts.length).toBeLessThan(w.rate)
  w.startsOf.set(subscriptionArn, [...starts, w.now])
  w.inFlight.add(k)
  w.attempts.push({ candidate })
}

/** One pass of the shell: read when told, admit, start. */
const pass = (w: World): Scheduler.Started => {
  let full = false
  if (Scheduler.passBegun(w.state, w.now)) {
    const limit = Scheduler.readLimit(w.state)
    Scheduler.readBegun(w.state)
    full = Scheduler.dueRowsAdmitted(w.state, dueRows(w, limit), limit, laneOf(w), w.now)
  }
  const started = Scheduler.startNow(w.state, rateOf(w), w.now, full)
  for (const candidate of started.starts) checkStart(w, candidate)
  expect(w.state.attempting).toBeLessThanOrEqual(w.concurrency)
  return started
}

const answer = (w: World, index: number, delivered: boolean) => {
  const [attempt] = w.attempts.splice(index % w.attempts.length, 1)
  const d = attempt!.candidate.delivery
  Scheduler.answered(w.state)
  const outcome: MessageStore.DeliveryOutcome = delivered ? { _tag: "Delivered" } : RetrySchedule.afterFailedAttempt(policy, d.attempts + 1, w.now)
  w.answered.push({ candidate: attempt!.candidate, outcome })
}

const commit = (w: World, committed: boolean) => {
  for (const { candidate, outcome } of w.answered) {
    const k = candidate.key
    const ended = outcome._tag !== "Retry"
    if (committed) {
      const row = w.store.get(k)!
      if (outcome._tag === "Retry") {
        // The retry is due after the policy's delay for that retry number, from the answer.
        row.attempts = outcome.attempts
        row.dueAt = outcome.dueAt
      } else {
        w.store.delete(k)
        w.ended.set(k, outcome)
        const info = w.fifo.get(candidate.delivery.messageId)
        if (outcome._tag === "Delivered" && info !== undefined) {
          const lane = `${candidate.delivery.subscriptionArn}/${info.group}`
          w.firstDelivered.set(lane, [...(w.firstDelivered.get(lane) ?? []), info.seq])
        }
      }
    }
    Scheduler.outcomeSettled(w.state, candidate, committed, ended, outcome._tag === "Retry" ? outcome.dueAt : undefined)
    w.inFlight.delete(k)
  }
  w.answered = []
}

/** A new process: what it knew is gone, the store is what it finds, and it recovers its FIFO lanes from it as the shell does. */
const restart = (w: World) => {
  w.state = Scheduler.initial(w.concurrency)
  Scheduler.lanesRecovered(w.state, dueRows(w, Infinity, Number.MAX_SAFE_INTEGER), laneOf(w))
  w.attempts = []
  w.answered = []
  w.inFlight = new Set()
  w.startsOf = new Map()
}

const publish = (w: World, fifoGroup: string | undefined) => {
  const messageId = `m${w.published.length}`
  w.published.push(messageId)
  const subscriptions = fifoGroup === undefined ? STANDARD_SUBSCRIPTIONS : FIFO_SUBSCRIPTIONS
  if (fifoGroup !== undefined) w.fifo.set(messageId, { group: fifoGroup, seq: w.nextSeq++ })
  for (const subscriptionArn of subscriptions) {
    w.store.set(key(messageId, subscriptionArn), { messageId, subscriptionArn, attempts: 0, dueAt: w.now, replayed: false, order: w.nextOrder++ })
  }
  Scheduler.announcementAdmitted(w.state, messageId, w.now, fifoGroup !== undefined, subscriptions)
}

type Step =
  | { readonly _tag: "Publish"; readonly group: string | undefined }
  | { readonly _tag: "Pass" }
  | { readonly _tag: "Answer"; readonly index: number; readonly delivered: boolean }
  | { readonly _tag: "Commit"; readonly committed: boolean }
  | { readonly _tag: "Advance"; readonly ms: number }
  | { readonly _tag: "Restart" }

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.option(fc.constantFrom("g1", "g2"), { nil: undefined }).map((group): Step => ({ _tag: "Publish", group })) },
  { weight: 4, arbitrary: fc.constant<Step>({ _tag: "Pass" }) },
  { weight: 4, arbitrary: fc.record({ index: fc.nat(), delivered: fc.boolean() }).map((a): Step => ({ _tag: "Answer", ...a })) },
  // A store that refuses a commit now and then.
  { weight: 3, arbitrary: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }).map((committed): Step => ({ _tag: "Commit", committed })) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 1500 }).map((ms): Step => ({ _tag: "Advance", ms })) },
  { weight: 1, arbitrary: fc.constant<Step>({ _tag: "Restart" }) }
)

const apply = (w: World, s: Step) => {
  switch (s._tag) {
    case "Publish":
      return publish(w, s.group)
    case "Pass":
      return void pass(w)
    case "Answer":
      return w.attempts.length === 0 ? undefined : answer(w, s.index, s.delivered)
    case "Commit":
      return commit(w, s.committed)
    case "Advance":
      w.now += s.ms
      return
    case "Restart":
      return restart(w)
  }
}

/**
 * Runs the shell's loop with every endpoint answering and every commit going through, waking when
 * the scheduler says, until the store is empty. A wait for a wake-up with nothing in flight and
 * rows still pending would hang the real loop: it fails here.
 */
const drain = (w: World) => {
  for (let round = 0; round < 5000 && w.store.size > 0; round++) {
    const started = pass(w)
    // Each answer and each settled outcome wakes the real loop.
    const woken = w.attempts.length > 0 || w.answered.length > 0
    while (w.attempts.length > 0) answer(w, 0, true)
    commit(w, true)
    if (woken || started.more) continue
    const wait = Scheduler.waitAfterPass(w.state, started.throttleLifts)
    expect(wait._tag, "waits for an answer with none in flight").not.toBe("Wake")
    if (wait._tag === "WakeOrAt") {
      w.now = Math.max(w.now, wait.at)
      continue
    }
    const rows = [...w.store.values()]
    const nextDueAt = rows.length === 0 ? undefined : Math.min(...rows.map((r) => r.dueAt))
    const at = Scheduler.wakeAfterNextDue(w.state, nextDueAt, started.throttleLifts, w.now)
    if (at === undefined) {
      // Waiting for a wake-up is right only when nothing that is due could start.
      expect(dueRows(w, 1), "due rows left with nothing to wake the loop").toEqual([])
      return
    }
    w.now = Math.max(w.now, at)
  }
}

const newWorld = (concurrency: number, rate: number): World => ({
  concurrency,
  rate,
  now: 1_000_000,
  state: Scheduler.initial(concurrency),
  store: new Map(),
  fifo: new Map(),
  attempts: [],
  answered: [],
  inFlight: new Set(),
  startsOf: new Map(),
  published: [],
  ended: new Map(),
  firstDelivered: new Map(),
  nextOrder: 0,
  nextSeq: 1
})

describe("Scheduler (model)", () => {
  it("nothing lost, nothing in flight twice, FIFO order, throttles and retry delays kept, across restarts", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 3 }), fc.array(step, { maxLength: 80 }), (concurrency, rate, steps) => {
        const w = newWorld(concurrency, rate)
        for (const s of steps) apply(w, s)
        drain(w)
        // Nothing lost: every delivery of every message ended, delivered or dropped once its policy was spent.
        expect(w.store.size).toBe(0)
        for (const messageId of w.published) {
          const subscriptions = w.fifo.has(messageId) ? FIFO_SUBSCRIPTIONS : STANDARD_SUBSCRIPTIONS
          for (const subscriptionArn of subscriptions) {
            const outcome = w.ended.get(key(messageId, subscriptionArn))
            expect(outcome, `${messageId} to ${subscriptionArn}`).toBeDefined()
            if (outcome!._tag === "Dropped") expect(outcome!.attempts).toBe(policy.numRetries + 1)
          }
        }
        // FIFO: each lane's messages were first delivered in sequence order.
        for (const seqs of w.firstDelivered.values()) {
          const firsts = seqs.filter((s, i) => seqs.indexOf(s) === i)
          expect(firsts).toEqual([...firsts].sort((a, b) => a - b))
        }
      }),
      { numRuns: 1000 }
    )
  })

  it("restart: a FIFO head waiting for its retry still holds its lane in a new process", () => {
    const steps: Array<Step> = [
      { _tag: "Publish", group: "g1" },
      { _tag: "Pass" },
      { _tag: "Answer", index: 0, delivered: false },
      { _tag: "Commit", committed: true },
      { _tag: "Pass" },
      { _tag: "Answer", index: 0, delivered: false },
      { _tag: "Commit", committed: true },
      { _tag: "Publish", group: "g1" },
      { _tag: "Restart" },
      { _tag: "Pass" }
    ]
    const w = newWorld(1, 1)
    for (const s of steps) apply(w, s)
    drain(w)
    expect(w.store.size).toBe(0)
  })

  it("the retry decision: due again after the policy's delay for that retry, dropped once it is spent", () => {
    expect(RetrySchedule.afterFailedAttempt(policy, 1, 5000)).toEqual({ _tag: "Retry", attempts: 1, dueAt: 5000 })
    expect(RetrySchedule.afterFailedAttempt(policy, 2, 5000)).toEqual({ _tag: "Retry", attempts: 2, dueAt: 6000 })
    expect(RetrySchedule.afterFailedAttempt(policy, 3, 5000)).toEqual({ _tag: "Dropped", attempts: 3 })
  })

  it("a delivery settled while a read was under way is not started again from the row that read found", () => {
    const state = Scheduler.initial(4)
    const row = { messageId: "m1", subscriptionArn: "s", attempts: 0, dueAt: 0, replayed: false }
    const standard = () => undefined
    expect(Scheduler.passBegun(state, 0)).toBe(true)
    Scheduler.readBegun(state)
    Scheduler.dueRowsAdmitted(state, [row], 10, standard, 0)
    const first = Scheduler.startNow(state, () => undefined, 0, false)
    expect(first.starts.map((c) => c.delivery.messageId)).toEqual(["m1"])
    Scheduler.answered(state)
    // The next read is sent, the delivery's outcome commits, and then the read's rows come back with
    // the row as it was before that commit.
    expect(Scheduler.passBegun(state, 100)).toBe(true)
    Scheduler.readBegun(state)
    Scheduler.outcomeSettled(state, first.starts[0]!, true, true, undefined)
    Scheduler.dueRowsAdmitted(state, [row], 10, standard, 100)
    expect(Scheduler.startNow(state, () => undefined, 100, false).starts).toEqual([])
    // A later read that still finds it pending (the outcome was a retry, or was not committed) starts it.
    expect(Scheduler.passBegun(state, 200)).toBe(true)
    Scheduler.readBegun(state)
    Scheduler.dueRowsAdmitted(state, [row], 10, standard, 200)
    expect(Scheduler.startNow(state, () => undefined, 200, false).starts.map((c) => c.delivery.messageId)).toEqual(["m1"])
  })

  it("while announcements flow, the store is read every READ_INTERVAL_MS, or FULL_BACKLOG_READ_INTERVAL_MS while the backlog fills every slot", () => {
    const { FULL_BACKLOG_READ_INTERVAL_MS: full, READ_INTERVAL_MS: usual } = Scheduler
    const state = Scheduler.initial(2)
    const standard = () => undefined
    const read = (now: number) => {
      Scheduler.readBegun(state)
      Scheduler.dueRowsAdmitted(state, [], 10, standard, now)
    }
    expect(Scheduler.passBegun(state, 0)).toBe(true)
    read(0)
    // Three deliveries waiting for two slots.
    Scheduler.announcementAdmitted(state, "m1", 0, false, ["a", "b", "c"])
    expect(Scheduler.passBegun(state, usual)).toBe(false)
    expect(Scheduler.waitAfterPass(state, undefined)).toEqual({ _tag: "WakeOrAt", at: full })
    expect(Scheduler.passBegun(state, full - 1)).toBe(false)
    expect(Scheduler.passBegun(state, full)).toBe(true)
    read(full)
    // Two start; the one left waiting cannot fill the slots, so the usual interval is back.
    expect(Scheduler.startNow(state, () => undefined, full, false).starts.length).toBe(2)
    expect(Scheduler.passBegun(state, full + usual - 1)).toBe(false)
    expect(Scheduler.passBegun(state, full + usual)).toBe(true)
    // An announced FIFO message is read for at once, full backlog or not.
    read(full + usual)
    Scheduler.announcementAdmitted(state, "m3", full + usual, false, ["a", "b", "c"])
    expect(Scheduler.passBegun(state, full + usual + 1)).toBe(false)
    Scheduler.announcementAdmitted(state, "f1", full + usual + 1, true, ["fifo-a"])
    expect(Scheduler.passBegun(state, full + usual + 1)).toBe(true)
  })

  it("a FIFO head waiting for its retry holds its lane; the next message starts only once the head ends", () => {
    const state = Scheduler.initial(4)
    const lane = (d: MessageStore.PendingDelivery) => ({ messageGroupId: "g", sequenceNumber: d.messageId === "m1" ? "1" : "2" })
    const rows = [
      { messageId: "m1", subscriptionArn: "s", attempts: 0, dueAt: 0, replayed: false },
      { messageId: "m2", subscriptionArn: "s", attempts: 0, dueAt: 0, replayed: false }
    ]
    expect(Scheduler.passBegun(state, 0)).toBe(true)
    Scheduler.dueRowsAdmitted(state, rows, 10, lane, 0)
    const first = Scheduler.startNow(state, () => undefined, 0, false)
    expect(first.starts.map((c) => c.delivery.messageId)).toEqual(["m1"])
    // The head fails and waits for its retry: its outcome is committed, but the lane stays its.
    Scheduler.answered(state)
    Scheduler.outcomeSettled(state, first.starts[0]!, true, false, 200)
    Scheduler.passBegun(state, 100)
    Scheduler.dueRowsAdmitted(state, rows.slice(1), 10, lane, 100)
    expect(Scheduler.startNow(state, () => undefined, 100, false).starts).toEqual([])
    // The store's earliest due row is the blocked one; the loop still wakes when the head is due.
    expect(Scheduler.wakeAfterNextDue(state, 0, undefined, 100)).toBe(200)
    // Delivered on its retry: the lane is free, and the next pass reads at once.
    Scheduler.passBegun(state, 200)
    Scheduler.dueRowsAdmitted(state, rows.slice(0, 1), 10, lane, 200)
    const retry = Scheduler.startNow(state, () => undefined, 200, false)
    Scheduler.answered(state)
    Scheduler.outcomeSettled(state, retry.starts[0]!, true, true, undefined)
    expect(Scheduler.passBegun(state, 201)).toBe(true)
    Scheduler.dueRowsAdmitted(state, rows.slice(1), 10, lane, 201)
    expect(Scheduler.startNow(state, () => undefined, 201, false).starts.map((c) => c.delivery.messageId)).toEqual(["m2"])
  })
})
