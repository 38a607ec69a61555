/**
 * Message replay (docs/SEMANTICS.md §7, "Message replay"): a ReplayPolicy's window against the topic's
 * archive, which archived messages a replay selects, and the ReplayStatus transitions, with a model
 * test of a subscription's replay through the registry.
 */
import { Either } from "effect"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import * as Archive from "../src/Archive.js"
import * as Registry from "../src/Registry.js"
import * as Replay from "../src/Replay.js"
import type { RequestContext } from "../src/RequestContext.js"
import * as Routing from "../src/Routing.js"
import * as Subscription from "../src/Subscription.js"

const DAY = Archive.DAY_MS
const T0 = Date.UTC(2026, 0, 10)
const owner: RequestContext = {
  accountId: "000000000000",
  principalArn: "arn:aws:iam::000000000000:root",
  region: "us-east-1",
  transport: "https",
  auth: "sigv4"
}
const messageOf = <A, E extends { readonly message: string }>(e: Either.Either<A, E>) => (Either.isLeft(e) ? e.left.message : "ok")
const iso = (ms: number) => new Date(ms).toISOString()
const policy = (start: number, end?: number) =>
  JSON.stringify({ PointType: "Timestamp", StartingPoint: iso(start), ...(end === undefined ? {} : { EndingPoint: iso(end) }) })
const checkFilterPolicy = (text: string, scope: string) => Either.map(Routing.compile(text, scope), () => undefined)

/** Another account, with archived topics of its own. */
const other: RequestContext = { ...owner, accountId: "111111111111", principalArn: "arn:aws:iam::111111111111:root" }
const ARCHIVED_FIFO = { FifoTopic: "true", ArchivePolicy: '{"MessageRetentionPeriod":"7"}' }

const createTopic = (registry: Registry.Registry, name: string, attributes: Record<string, string>, context = owner) =>
  Either.getOrThrow(Registry.createTopic(registry, { name, attributes, tags: [], dataProtectionPolicy: undefined }, context, T0))

/** A registry with an archived FIFO topic (archive begun at T0, 7 days kept) and a plain one. */
const world = () => {
  let registry = Registry.empty()
  const create = (name: string, attributes: Record<string, string>) => {
    const changed = createTopic(registry, name, attributes)
    registry = changed.registry
    return changed.result
  }
  const archived = create("orders.fifo", ARCHIVED_FIFO)
  const unarchived = create("plain.fifo", { FifoTopic: "true" })
  const standard = create("standard", {})
  return { registry, archived, unarchived, standard }
}

const subscribe = (registry: Registry.Registry, topicArn: string, attributes: Record<string, string>, now: number, id = "s1", context = owner) =>
  Registry.subscribe(
    registry,
    { topicArn, protocol: "sqs", endpoint: `arn:aws:sqs:us-east-1:${context.accountId}:${id}.fifo`, attributes },
    context,
    now,
    { id, token: id },
    checkFilterPolicy
  )

describe("a ReplayPolicy's window", () => {
  const archive = { policy: { messageRetentionPeriodDays: 7 }, archivedSince: T0 }
  const parsed = (start: number, end?: number) => ({ startingPoint: start, endingPoint: end })

  it("starts no earlier than BeginningArchiveTime and lies in the past, on an archived FIFO topic", () => {
    const now = T0 + 10 * DAY
    const beginning = now - 7 * DAY
    const check = (start: number, end?: number, topic = { fifo: true, archive }) => messageOf(Replay.checkWindow(parsed(start, end), topic, now))
    expect(check(beginning)).toBe("ok")
    expect(check(beginning, now)).toBe("ok")
    expect(check(now)).toBe("ok")
    expect(check(beginning - 1)).toBe(
      `Invalid parameter: ReplayPolicy Reason: StartingPoint must not be before the topic's BeginningArchiveTime (${iso(beginning)})`
    )
    expect(check(now + 1)).toBe("Invalid parameter: ReplayPolicy Reason: StartingPoint must not be in the future")
    expect(check(beginning, now + 1)).toBe("Invalid parameter: ReplayPolicy Reason: EndingPoint must not be in the future")
    expect(check(beginning, undefined, { fifo: true, archive: undefined as never })).toBe(
      "Invalid parameter: ReplayPolicy Reason: The topic has no ArchivePolicy, so it keeps no messages to replay"
    )
    expect(check(beginning, undefined, { fifo: false, archive })).toBe(
      "Invalid parameter: ReplayPolicy Reason: ReplayPolicy is only supported for subscriptions to FIFO topics"
    )
  })

  it("is checked against the subscription's topic at Subscribe and at SetSubscriptionAttributes", () => {
    const { registry, archived, unarchived, standard } = world()
    const now = T0 + DAY
    expect(messageOf(subscribe(registry, unarchived.arn, { ReplayPolicy: policy(T0) }, now))).toMatch(/The topic has no ArchivePolicy/)
    expect(messageOf(subscribe(registry, archived.arn, { ReplayPolicy: policy(T0 - 1) }, now))).toMatch(/BeginningArchiveTime/)
    expect(messageOf(subscribe(registry, archived.arn, { ReplayPolicy: '{"PointType":"Timestamp","StartingPoint":"2026-02-30T00:00:00Z"}' }, now))).toMatch(
      /StartingPoint must be an ISO 8601 timestamp/
    )
    const plain = Either.getOrThrow(
      Registry.subscribe(registry, { topicArn: standard.arn, protocol: "sqs", endpoint: "arn:aws:sqs:us-east-1:000000000000:q", attributes: {} }, owner, now, { id: "p", token: "p" }, checkFilterPolicy)
    )
    expect(messageOf(Registry.setSubscriptionAttribute(plain.registry, plain.result.arn, "ReplayPolicy", policy(T0), owner, checkFilterPolicy, now))).toMatch(
      /only supported for subscriptions to FIFO topics/
    )
    const made = Either.getOrThrow(subscribe(registry, archived.arn, { ReplayPolicy: policy(T0, T0 + 1000) }, now))
    expect(made.result.replay).toEqual({ status: "Pending", startingPoint: T0, endingPoint: T0 + 1000, requestedAt: now })
    expect(Subscription.describe(made.result, undefined)["ReplayStatus"]).toBe("Pending")
  })
})

describe("the limit on unfinished replays", () => {
  it("counts Pending and In progress replays, not finished ones nor a subscription's own", () => {
    expect(Replay.isUnfinished(undefined)).toBe(false)
    for (const status of ["Pending", "In progress", "Completed", "Failed"] as const) {
      expect(Replay.isUnfinished({ status, startingPoint: 0, endingPoint: undefined, requestedAt: 0 })).toBe(status === "Pending" || status === "In progress")
    }
    expect(Either.isRight(Replay.checkLimit(Replay.MAX_UNFINISHED_PER_ACCOUNT - 1))).toBe(true)
    expect(messageOf(Replay.checkLimit(Replay.MAX_UNFINISHED_PER_ACCOUNT))).toMatch(/already has 100 message replays that are not finished/)
    expect(Either.isRight(Replay.checkLimit(1, 2))).toBe(true)
    expect(Either.isLeft(Replay.checkLimit(2, 2))).toBe(true)
  })

  it("refuses one replay more in the account, over all its topics, at Subscribe and SetSubscriptionAttributes, and admits it once one finishes", () => {
    const { archived, ...rest } = world()
    let registry = rest.registry
    const put = <A>(changed: Registry.Changed<A>): A => {
      registry = changed.registry
      return changed.result
    }
    const now = T0 + DAY
    const returns = put(createTopic(registry, "returns.fifo", ARCHIVED_FIFO))
    // Another account's topic, which the owner may subscribe to as well: its replays are that account's.
    const grant = { Statement: [{ Effect: "Allow", Principal: { AWS: owner.accountId }, Action: "SNS:Subscribe" }] }
    const theirs = put(createTopic(registry, "theirs.fifo", { ...ARCHIVED_FIFO, Policy: JSON.stringify(grant) }, other))
    for (let i = 0; i < 3; i++) put(Either.getOrThrow(subscribe(registry, theirs.arn, { ReplayPolicy: policy(T0) }, now, `t${i}`, other)))
    // Spread over two topics, so neither comes near its quota of 100 subscriptions.
    const arns: Array<string> = []
    for (let i = 0; i < Replay.MAX_UNFINISHED_PER_ACCOUNT; i++) {
      const topic = i % 2 === 0 ? archived : returns
      arns.push(put(Either.getOrThrow(subscribe(registry, topic.arn, { ReplayPolicy: policy(T0) }, now, `r${i}`))).arn)
    }
    for (const topic of [archived, returns]) {
      const over = subscribe(registry, topic.arn, { ReplayPolicy: policy(T0) }, now, "extra")
      expect(Either.isLeft(over) && over.left._tag).toBe("ReplayLimitExceeded")
      expect(messageOf(over)).toBe(
        "The account already has 100 message replays that are not finished, the most that may run at once; try again once one completes"
      )
    }
    // The limit is the topic owner's: the other account's topic still admits one, whoever subscribes.
    expect(Either.isRight(subscribe(registry, theirs.arn, { ReplayPolicy: policy(T0) }, now, "extra"))).toBe(true)
    expect(Either.isRight(subscribe(registry, theirs.arn, { ReplayPolicy: policy(T0) }, now, "extra", other))).toBe(true)
    // A subscription without a policy is not a replay; setting one on it is refused too.
    const plain = Either.getOrThrow(subscribe(registry, returns.arn, {}, now, "plain"))
    const set = Registry.setSubscriptionAttribute(plain.registry, plain.result.arn, "ReplayPolicy", policy(T0), owner, checkFilterPolicy, now)
    expect(Either.isLeft(set) && set.left._tag).toBe("ReplayLimitExceeded")
    // A subscription that has one of the replays may replace it: a new policy supersedes its own.
    expect(Either.isRight(Registry.setSubscriptionAttribute(registry, arns[0]!, "ReplayPolicy", policy(T0 + 1), owner, checkFilterPolicy, now))).toBe(true)
    // A repeat Subscribe of an existing subscription starts nothing, so it is answered as before.
    expect(Either.getOrThrow(subscribe(registry, archived.arn, { ReplayPolicy: policy(T0) }, now, "r0")).result.arn).toBe(arns[0])
    // Once a replay on one topic finishes, the other topic admits one more.
    const first = registry.subscriptions.get(arns[0]!)!.replay!
    const finished = Either.getOrThrow(Registry.advanceReplay(registry, arns[0]!, first, { _tag: "Started", inserted: 0 })).registry
    expect(Either.isRight(subscribe(finished, returns.arn, { ReplayPolicy: policy(T0) }, now, "extra"))).toBe(true)
  })
})

describe("which archived messages a replay selects", () => {
  it("those in the window (both ends; no EndingPoint: up to when it was set) that the filter takes, in archive order", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ timestamp: fc.integer({ min: 0, max: 100 }), keep: fc.boolean() }), { maxLength: 30 }),
        fc.integer({ min: 0, max: 100 }),
        fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
        fc.integer({ min: 0, max: 100 }),
        (rows, start, end, requestedAt) => {
          const messages = rows.map((r, i) => ({ messageId: `m${i}`, ...r }))
          const replay: Replay.Replay = { status: "Pending", startingPoint: start, endingPoint: end, requestedAt }
          const last = end ?? requestedAt
          const expected = messages.filter((m) => m.timestamp >= start && m.timestamp <= last && m.keep).map((m) => m.messageId)
          expect(Replay.select(replay, messages, (m) => m.keep)).toEqual(expected)
        }
      )
    )
  })

  it("the subscription's filter policy chooses among them as it would among published ones", () => {
    const { registry, archived } = world()
    const made = Either.getOrThrow(subscribe(registry, archived.arn, { FilterPolicy: '{"kind":["order"]}' }, T0 + DAY))
    const recipient = Routing.recipient(made.result)
    const attrs = (kind: string) => ({ kind: { dataType: "String", stringValue: kind } })
    expect(Routing.accepts(recipient, { attributes: attrs("order"), body: "x" })).toBe(true)
    expect(Routing.accepts(recipient, { attributes: attrs("refund"), body: "x" })).toBe(false)
  })

  it("a subscription whose replay has an EndingPoint is routed no new message; without one, it is", () => {
    const { registry, archived } = world()
    const now = T0 + DAY
    const bounded = Either.getOrThrow(subscribe(registry, archived.arn, { ReplayPolicy: policy(T0, T0 + 5) }, now, "b"))
    const open = Either.getOrThrow(subscribe(bounded.registry, archived.arn, { ReplayPolicy: policy(T0) }, now, "o"))
    const routed = Routing.route(Registry.recipientsOf(open.registry, archived.arn), { attributes: {}, body: "x" })
    expect(routed.subscriptionArns).toEqual([open.result.arn])
  })
})

describe("ReplayStatus transitions", () => {
  const pending: Replay.Replay = { status: "Pending", startingPoint: 0, endingPoint: undefined, requestedAt: 10 }

  it("Pending starts (In progress, or Completed with nothing to send) or fails; In progress completes when drained", () => {
    expect(Replay.transition(pending, { _tag: "Started", inserted: 3 }).status).toBe("In progress")
    expect(Replay.transition(pending, { _tag: "Started", inserted: 0 }).status).toBe("Completed")
    expect(Replay.transition(pending, { _tag: "ArchiveGone" }).status).toBe("Failed")
    expect(Replay.transition(pending, { _tag: "Drained" }).status).toBe("Pending")
    const running = Replay.transition(pending, { _tag: "Started", inserted: 1 })
    expect(Replay.transition(running, { _tag: "Drained" }).status).toBe("Completed")
    expect(Replay.transition(running, { _tag: "ArchiveGone" }).status).toBe("In progress")
    for (const final of ["Completed", "Failed"] as const) {
      for (const event of [{ _tag: "Started", inserted: 2 }, { _tag: "Drained" }, { _tag: "ArchiveGone" }] as const) {
        expect(Replay.transition({ ...pending, status: final }, event).status).toBe(final)
      }
    }
  })
})

// ---------------------------------------------------------------------------------------------------
// The model test: a subscription's replay through the registry, as SetSubscriptionAttributes and the
// shell's steps change it, against a model that remembers only the current policy and its progress.

interface Model {
  /** The policy in force (its instant), or none. */
  current: { readonly requestedAt: number; readonly bounded: boolean } | undefined
  status: Replay.ReplayStatus | undefined
  /** Deliveries the current replay still owes, as the shell would see them. */
  owed: number
  now: number
}
interface Real {
  registry: Registry.Registry
  topicArn: string
  subscriptionArn: string
  /** The replay values the shell saw, so a late step for a superseded one can be tried. */
  seen: Array<Replay.Replay>
}

const replayOf = (r: Real) => r.registry.subscriptions.get(r.subscriptionArn)!.replay

const compare = (m: Model, r: Real) => {
  const replay = replayOf(r)
  expect(replay?.status).toBe(m.status)
  expect(replay?.requestedAt).toBe(m.current?.requestedAt)
  expect(Subscription.describe(r.registry.subscriptions.get(r.subscriptionArn)!, undefined)["ReplayStatus"]).toBe(m.status)
  const routed = Routing.route(Registry.recipientsOf(r.registry, r.topicArn), { attributes: {}, body: "x" }).subscriptionArns
  expect(routed.includes(r.subscriptionArn)).toBe(m.current === undefined || !m.current.bounded)
}

class SetPolicy implements fc.Command<Model, Real> {
  constructor(readonly advance: number, readonly bounded: boolean | undefined) {}
  check = () => true
  run(m: Model, r: Real) {
    m.now += this.advance
    const value = this.bounded === undefined ? "" : policy(T0, this.bounded ? T0 + 1 : undefined)
    r.registry = Either.getOrThrow(Registry.setSubscriptionAttribute(r.registry, r.subscriptionArn, "ReplayPolicy", value, owner, checkFilterPolicy, m.now)).registry
    m.current = this.bounded === undefined ? undefined : { requestedAt: m.now, bounded: this.bounded }
    m.status = this.bounded === undefined ? undefined : "Pending"
    m.owed = 0
    if (replayOf(r) !== undefined) r.seen.push(replayOf(r)!)
    compare(m, r)
  }
  toString = () => `+${this.advance} ms, ReplayPolicy=${this.bounded === undefined ? '""' : this.bounded ? "bounded" : "open"}`
}

class Step implements fc.Command<Model, Real> {
  constructor(readonly pick: number, readonly event: Replay.Event) {}
  check = (m: Readonly<Model>) => m.current !== undefined
  run(m: Model, r: Real) {
    // The shell steps the replay it saw: the current one, or (pick) one a later policy superseded.
    const seen = r.seen[this.pick % r.seen.length]!
    const stale = !Replay.same(replayOf(r), seen)
    // The shell reports a replay drained only once none of its deliveries is owed.
    if (this.event._tag === "Drained" && !stale && m.owed > 0) return compare(m, r)
    const event = this.event
    r.registry = Either.getOrThrow(Registry.advanceReplay(r.registry, r.subscriptionArn, seen, event)).registry
    if (!stale) {
      if (m.status === "Pending" && event._tag === "Started") {
        m.status = event.inserted === 0 ? "Completed" : "In progress"
        m.owed = event.inserted
      } else if (m.status === "Pending" && event._tag === "ArchiveGone") m.status = "Failed"
      else if (m.status === "In progress" && event._tag === "Drained") m.status = "Completed"
    }
    compare(m, r)
  }
  toString = () => `step #${this.pick} ${JSON.stringify(this.event)}`
}

class Deliver implements fc.Command<Model, Real> {
  check = (m: Readonly<Model>) => m.owed > 0
  run(m: Model, r: Real) {
    m.owed--
    compare(m, r)
  }
  toString = () => "one replayed delivery settled"
}

describe("a subscription's replay (model)", () => {
  it("ReplayStatus follows the latest policy; steps for a superseded replay change nothing; an ending point stops new messages", () => {
    const commands = fc.commands([
      fc.tuple(fc.integer({ min: 0, max: 1000 }), fc.option(fc.boolean(), { nil: undefined })).map(([advance, bounded]) => new SetPolicy(advance, bounded)),
      fc
        .tuple(
          fc.nat(),
          fc.oneof(
            fc.integer({ min: 0, max: 3 }).map((inserted): Replay.Event => ({ _tag: "Started", inserted })),
            fc.constant<Replay.Event>({ _tag: "Drained" }),
            fc.constant<Replay.Event>({ _tag: "ArchiveGone" })
          )
        )
        .map(([pick, event]) => new Step(pick, event)),
      fc.constant(new Deliver())
    ])
    fc.assert(
      fc.property(commands, (cmds) =>
        fc.modelRun(() => {
          const { registry, archived } = world()
          const made = Either.getOrThrow(subscribe(registry, archived.arn, {}, T0 + DAY))
          return {
            model: { current: undefined, status: undefined, owed: 0, now: T0 + DAY },
            real: { registry: made.registry, topicArn: archived.arn, subscriptionArn: made.result.arn, seen: [] }
          }
        }, cmds)
      ),
      { numRuns: 500 }
    )
  })
})
