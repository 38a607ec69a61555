/**
 * The model-based test of the queue: random histories of SendMessage, ReceiveMessage,
 * ChangeMessageVisibility, DeleteMessage, PurgeQueue and clock moves, on a standard or a FIFO queue
 * with a dead-letter queue, run through the pure queue functions and against a deliberately simple
 * model. After every command: nothing acknowledged is lost (every message sent is in the queue or its
 * dead-letter queue until deleted, purged or past its retention), and the approximate counts are
 * exact. At every receive: nothing deleted comes back, nothing is returned before its delay or
 * visibility timeout ends, a receive that returns less than it may leaves nothing receivable, a
 * message goes to the dead-letter queue exactly when it was received maxReceiveCount times, and on a
 * FIFO queue messages come in order within their group and a group's messages in flight all come from
 * one receive. FIFO sends are deduplicated exactly inside the 5-minute window and numbered in order.
 */
import { Either } from "effect"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import * as Fifo from "../../src/Fifo.js"
import * as Queue from "../../src/sqs/Queue.js"
import * as QueueMessages from "../../src/sqs/QueueMessages.js"

const OWNER: Queue.Owner = { accountId: "000000000000", region: "us-east-1", origin: "https://localhost:9324" }
const T0 = 1_800_000_000_000
const RETENTION_MS = 600_000
const DLQ_RETENTION_MS = 900_000
const VISIBILITY_MS = 30_000
const MAX_RECEIVES = 2

// ---------------------------------------------------------------------------------------------------
// The model: what SQS promises, kept as plainly as possible.

interface ModelMessage {
  readonly id: string
  readonly group: string | undefined
  readonly order: number
  location: "source" | "dlq"
  /** When retention counts from. */
  enqueuedAt: number
  /** The end of its delay, then of its latest visibility timeout. */
  visibleAt: number
  receives: number
  latestHandle: string | undefined
  /** Which receive returned it last. */
  batch: number
}

interface Model {
  readonly fifo: boolean
  now: number
  live: Map<string, ModelMessage>
  deleted: Set<string>
  handles: Array<{ readonly id: string; readonly handle: string; readonly receivedAt: number }>
  dedup: Map<string, { readonly id: string; readonly at: number }>
  lastSequence: bigint
  lastPurgeAt: number | undefined
  batches: number
  sent: number
}

interface Real {
  readonly queue: Queue.Queue
  readonly dlq: Queue.Queue
  state: QueueMessages.QueueState
  dlqState: QueueMessages.QueueState
}

const isInflight = (m: ModelMessage, now: number) => m.latestHandle !== undefined && m.visibleAt > now

const expireModel = (model: Model) => {
  for (const m of model.live.values()) {
    const retention = m.location === "source" ? RETENTION_MS : DLQ_RETENTION_MS
    if (model.now - m.enqueuedAt >= retention) model.live.delete(m.id)
  }
}

const sourceMessages = (model: Model) => [...model.live.values()].filter((m) => m.location === "source").sort((a, b) => a.order - b.order)

/** The messages a receive may return now: all visible ones, or on a FIFO queue each free group's visible head run. */
const receivable = (model: Model): Array<ModelMessage> => {
  const source = sourceMessages(model)
  if (!model.fifo) return source.filter((m) => m.visibleAt <= model.now)
  const blocked = new Set(source.filter((m) => isInflight(m, model.now)).map((m) => m.group!))
  const out: Array<ModelMessage> = []
  for (const m of source) {
    if (blocked.has(m.group!)) continue
    if (m.visibleAt > model.now) blocked.add(m.group!)
    else out.push(m)
  }
  return out
}

/** Every invariant that holds between commands. */
const checkInvariants = (model: Model, real: Real) => {
  expireModel(model)
  const source = QueueMessages.expire(real.state, real.queue, model.now)
  const dlq = QueueMessages.expire(real.dlqState, real.dlq, model.now)
  // Nothing acknowledged is lost, nothing deleted or expired stays.
  const expected = (location: "source" | "dlq") =>
    [...model.live.values()].filter((m) => m.location === location).map((m) => m.id).sort()
  expect([...source.messages.keys()].sort()).toEqual(expected("source"))
  expect([...dlq.messages.keys()].sort()).toEqual(expected("dlq"))
  for (const id of model.deleted) expect(source.messages.has(id) || dlq.messages.has(id)).toBe(false)
  const messages = sourceMessages(model)
  expect(QueueMessages.counts(source, model.now)).toEqual({
    visible: messages.filter((m) => m.visibleAt <= model.now).length,
    inflight: messages.filter((m) => isInflight(m, model.now)).length,
    delayed: messages.filter((m) => m.latestHandle === undefined && m.visibleAt > model.now).length
  })
}

// ---------------------------------------------------------------------------------------------------
// Commands.

/** The `back`-th latest receipt handle: recent ones are mostly in flight, older ones mostly stale. */
const recentHandle = (m: Model, back: number) => m.handles[m.handles.length - 1 - (back % m.handles.length)]!

type Cmd = fc.Command<Model, Real>

class Send implements Cmd {
  constructor(
    readonly group: string,
    readonly dedupId: string,
    readonly delaySeconds: number | undefined
  ) {}
  check = () => true
  run(m: Model, r: Real) {
    const id = `m${++m.sent}`
    const result = QueueMessages.send(
      r.state,
      r.queue,
      {
        body: `body of ${id}`,
        attributes: {},
        delaySeconds: m.fifo ? undefined : this.delaySeconds,
        messageGroupId: m.fifo ? this.group : undefined,
        messageDeduplicationId: m.fifo ? this.dedupId : undefined,
        messageId: id,
        senderId: OWNER.accountId
      },
      m.now
    )
    expect(Either.isRight(result)).toBe(true)
    const sent = Either.getOrThrow(result)
    r.state = sent.state
    if (m.fifo) {
      const seen = m.dedup.get(this.dedupId)
      if (seen !== undefined && m.now - seen.at < Fifo.DEDUPLICATION_WINDOW_MS) {
        // A duplicate inside the window: the first message's id, nothing added.
        expect(sent.duplicate).toBe(true)
        expect(sent.messageId).toBe(seen.id)
        return checkInvariants(m, r)
      }
      expect(sent.duplicate).toBe(false)
      const sequence = BigInt(sent.sequenceNumber!)
      expect(sequence).toBeGreaterThan(m.lastSequence)
      m.lastSequence = sequence
      m.dedup.set(this.dedupId, { id, at: m.now })
    }
    expect(sent.messageId).toBe(id)
    m.live.set(id, {
      id,
      group: m.fifo ? this.group : undefined,
      order: m.sent,
      location: "source",
      enqueuedAt: m.now,
      visibleAt: m.now + (m.fifo ? 0 : (this.delaySeconds ?? 0) * 1000),
      receives: 0,
      latestHandle: undefined,
      batch: 0
    })
    checkInvariants(m, r)
  }
  toString = () => `Send(group=${this.group}, dedup=${this.dedupId}, delay=${String(this.delaySeconds)})`
}

class Receive implements Cmd {
  constructor(
    readonly max: number,
    readonly visibilityTimeout: number | undefined
  ) {}
  check = () => true
  run(m: Model, r: Real) {
    expireModel(m)
    const eligible = receivable(m)
    const result = Either.getOrThrow(
      QueueMessages.receive(
        r.state,
        r.queue,
        { maxNumberOfMessages: this.max, visibilityTimeout: this.visibilityTimeout, waitTimeSeconds: undefined, receiveRequestAttemptId: undefined, nonce: `n${m.batches}` },
        m.now
      )
    )
    const batch = ++m.batches
    // Redrive: exactly the receivable messages already received maxReceiveCount times.
    for (const moved of result.redriven) {
      const known = m.live.get(moved.messageId)!
      expect(eligible).toContain(known)
      expect(known.receives).toBe(MAX_RECEIVES)
      known.location = "dlq"
      known.latestHandle = undefined
      known.visibleAt = m.now
      if (m.fifo) known.enqueuedAt = m.now
    }
    const returned = result.messages.map((x) => x.message.messageId)
    for (const [i, got] of result.messages.entries()) {
      const id = got.message.messageId
      expect(m.deleted.has(id)).toBe(false)
      const known = m.live.get(id)!
      // Only what is receivable now: not delayed, not in flight, not behind its group.
      expect(eligible).toContain(known)
      expect(known.receives).toBeLessThan(MAX_RECEIVES)
      expect(got.message.receiveCount).toBe(known.receives + 1)
      if (m.fifo) {
        // In order within the group: every earlier message of the group still here came before it
        // in this same receive.
        for (const earlier of sourceMessages(m).filter((x) => x.group === known.group && x.order < known.order)) {
          expect(returned.slice(0, i)).toContain(earlier.id)
        }
      }
      known.receives++
      known.latestHandle = got.receiptHandle
      known.visibleAt = m.now + (this.visibilityTimeout === undefined ? VISIBILITY_MS : this.visibilityTimeout * 1000)
      known.batch = batch
      m.handles.push({ id, handle: got.receiptHandle, receivedAt: m.now })
    }
    expect(returned.length).toBeLessThanOrEqual(this.max)
    if (returned.length < this.max) {
      // A receive that could take more left nothing receivable behind.
      const taken = new Set([...returned, ...result.redriven.map((x) => x.messageId)])
      expect(eligible.filter((x) => !taken.has(x.id)).map((x) => x.id)).toEqual([])
    }
    r.state = result.state
    r.dlqState = QueueMessages.acceptRedriven(r.dlqState, r.dlq, result.redriven, m.now)
    if (m.fifo) {
      // A group's messages in flight all come from one receive.
      const inflight = sourceMessages(m).filter((x) => isInflight(x, m.now))
      for (const group of new Set(inflight.map((x) => x.group))) {
        expect(new Set(inflight.filter((x) => x.group === group).map((x) => x.batch)).size).toBe(1)
      }
    }
    checkInvariants(m, r)
  }
  toString = () => `Receive(max=${this.max}, visibility=${String(this.visibilityTimeout)})`
}

class ChangeVisibility implements Cmd {
  constructor(
    readonly index: number,
    readonly timeout: number
  ) {}
  check = (m: Readonly<Model>) => m.handles.length > 0
  run(m: Model, r: Real) {
    expireModel(m)
    const { id, handle } = recentHandle(m, this.index)
    const result = QueueMessages.changeVisibility(r.state, r.queue, handle, this.timeout, m.now)
    const known = m.live.get(id)
    if (known === undefined || known.location !== "source") {
      expect(Either.isLeft(result) && result.left._tag).toBe("InvalidParameterValue")
    } else if (known.latestHandle !== handle || !isInflight(known, m.now)) {
      // The handle's receive is over: success, nothing changes.
      expect(Either.getOrThrow(result).changed).toBe(false)
      r.state = Either.getOrThrow(result).state
    } else {
      expect(Either.getOrThrow(result).changed).toBe(true)
      r.state = Either.getOrThrow(result).state
      known.visibleAt = m.now + this.timeout * 1000
    }
    checkInvariants(m, r)
  }
  toString = () => `ChangeMessageVisibility(#${this.index}, ${this.timeout} s)`
}

class Delete implements Cmd {
  constructor(readonly index: number) {}
  check = (m: Readonly<Model>) => m.handles.length > 0
  run(m: Model, r: Real) {
    expireModel(m)
    const { id, handle } = recentHandle(m, this.index)
    const result = QueueMessages.deleteMessage(r.state, r.queue, handle, m.now)
    const known = m.live.get(id)
    if (known === undefined || known.location !== "source") {
      expect(Either.getOrThrow(result).deleted).toBe(false)
    } else if (m.fifo && (known.latestHandle !== handle || !isInflight(known, m.now))) {
      expect(Either.isLeft(result) && result.left._tag).toBe("InvalidParameterValue")
    } else if (known.latestHandle !== handle) {
      // An older handle succeeds and deletes nothing.
      expect(Either.getOrThrow(result).deleted).toBe(false)
    } else {
      expect(Either.getOrThrow(result).deleted).toBe(true)
      m.live.delete(id)
      m.deleted.add(id)
    }
    if (Either.isRight(result)) r.state = result.right.state
    checkInvariants(m, r)
  }
  toString = () => `DeleteMessage(#${this.index})`
}

class Purge implements Cmd {
  check = () => true
  run(m: Model, r: Real) {
    const result = QueueMessages.purge(r.state, r.queue, m.now)
    if (m.lastPurgeAt !== undefined && m.now - m.lastPurgeAt < QueueMessages.PURGE_INTERVAL_MS) {
      expect(Either.isLeft(result) && result.left._tag).toBe("PurgeQueueInProgress")
    } else {
      r.state = Either.getOrThrow(result)
      m.lastPurgeAt = m.now
      for (const x of sourceMessages(m)) m.live.delete(x.id)
    }
    checkInvariants(m, r)
  }
  toString = () => "PurgeQueue"
}

class Advance implements Cmd {
  constructor(readonly ms: number) {}
  check = () => true
  run(m: Model, r: Real) {
    m.now += this.ms
    checkInvariants(m, r)
  }
  toString = () => `Clock.advance(${(this.ms / 1000).toFixed(0)} s)`
}

const send = fc
  .tuple(fc.constantFrom("g1", "g2"), fc.constantFrom("d1", "d2", "d3", "d4"), fc.constantFrom(undefined, 0, 10))
  .map(([g, d, delay]) => new Send(g, d, delay))
const receive = fc.tuple(fc.integer({ min: 1, max: 3 }), fc.constantFrom(undefined, undefined, 0, 5)).map(([max, vt]) => new Receive(max, vt))
const changeVisibility = fc.tuple(fc.nat({ max: 4 }), fc.constantFrom(0, 10, 100)).map(([i, t]) => new ChangeVisibility(i, t))
const remove = fc.nat({ max: 4 }).map((i) => new Delete(i))
const advance = fc.constantFrom(1_000, 4_000, 9_000, 29_000, 30_000, 99_000, 5 * 60_000, 10 * 60_000).map((ms) => new Advance(ms))

/** Sends, receives and deletes are drawn more often than the rest, so histories reach deep states. */
const commands = fc.commands([send, send, receive, receive, receive, changeVisibility, remove, remove, fc.constant(new Purge()), advance, advance], {
  maxCommands: 80,
  size: "max"
})

const setup = (fifo: boolean) => () => {
  const suffix = fifo ? ".fifo" : ""
  const base = fifo ? { FifoQueue: "true" } : {}
  const dlq = Either.getOrThrow(
    Queue.make({ name: `dead${suffix}`, attributes: { ...base, MessageRetentionPeriod: String(DLQ_RETENTION_MS / 1000) } }, OWNER, T0)
  )
  const queue = Either.getOrThrow(
    Queue.make(
      {
        name: `work${suffix}`,
        attributes: {
          ...base,
          MessageRetentionPeriod: String(RETENTION_MS / 1000),
          VisibilityTimeout: String(VISIBILITY_MS / 1000),
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: MAX_RECEIVES })
        }
      },
      OWNER,
      T0
    )
  )
  const model: Model = {
    fifo,
    now: T0,
    live: new Map(),
    deleted: new Set(),
    handles: [],
    dedup: new Map(),
    lastSequence: 0n,
    lastPurgeAt: undefined,
    batches: 0,
    sent: 0
  }
  return { model, real: { queue, dlq, state: QueueMessages.empty(), dlqState: QueueMessages.empty() } }
}

describe("Queue model", () => {
  it.each([false, true])("keeps SQS's promises over random histories (FIFO: %s)", (fifo) => {
    fc.assert(fc.property(commands, (cmds) => fc.modelRun(setup(fifo), cmds)), { numRuns: 500 })
  })
})
