/**
 * Message archiving: ArchivePolicy on FIFO topics, BeginningArchiveTime, the retention cutoffs, and
 * the ReplayPolicy's decoding (docs/SEMANTICS.md §7, "Message archiving"; replay itself: Replay.test.ts).
 */
import { Either } from "effect"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import * as Archive from "../src/Archive.js"
import * as Subscription from "../src/Subscription.js"
import * as Topic from "../src/Topic.js"

const owner = { accountId: "000000000000", region: "us-east-1" }
const DAY = Archive.DAY_MS
const messageOf = <A, E extends { readonly message: string }>(e: Either.Either<A, E>) => (Either.isLeft(e) ? e.left.message : "ok")
const fifoTopic = (attributes: Record<string, string>, now: number) =>
  Topic.make({ name: "orders.fifo", attributes: { FifoTopic: "true", ...attributes }, tags: [], dataProtectionPolicy: undefined }, owner, now)
const fifo = Either.getOrThrow(fifoTopic({}, 0))
const standard = Either.getOrThrow(Topic.make({ name: "orders", attributes: {}, tags: [], dataProtectionPolicy: undefined }, owner, 0))

describe("ArchivePolicy", () => {
  it("takes a MessageRetentionPeriod of 1 to 365 whole days, as a string or a number", () => {
    fc.assert(
      fc.property(fc.integer({ min: -5, max: 400 }), fc.boolean(), (days, asString) => {
        const text = JSON.stringify({ MessageRetentionPeriod: asString ? String(days) : days })
        const parsed = Archive.parseArchivePolicy(text)
        if (days >= 1 && days <= 365) expect(parsed).toEqual(Either.right({ messageRetentionPeriodDays: days }))
        else {
          expect(messageOf(parsed)).toBe(
            "Invalid parameter: ArchivePolicy Reason: MessageRetentionPeriod must be a whole number of days from 1 to 365"
          )
        }
      })
    )
  })

  it("refuses anything that is not such an object, with the reason", () => {
    const reason = (text: string) => messageOf(Archive.parseArchivePolicy(text))
    expect(reason("not json")).toBe("Invalid parameter: ArchivePolicy Reason: ArchivePolicy must be a JSON object")
    expect(reason("[]")).toBe("Invalid parameter: ArchivePolicy Reason: ArchivePolicy must be a JSON object")
    expect(reason("{}")).toBe("Invalid parameter: ArchivePolicy Reason: MessageRetentionPeriod is required")
    expect(reason('{"MessageRetentionPeriod":"30","Extra":1}')).toBe(
      "Invalid parameter: ArchivePolicy Reason: Unknown key Extra; only MessageRetentionPeriod is allowed"
    )
    for (const period of ['"1.5"', '"ten"', "1.5", '""', "true", "null"]) {
      expect(reason(`{"MessageRetentionPeriod":${period}}`)).toMatch(/MessageRetentionPeriod must be a whole number of days/)
    }
  })

  it("never throws, whatever the text", () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.json()), (text) => {
      expect(() => Archive.parseArchivePolicy(text)).not.toThrow()
    }))
  })

  it("is refused on a standard topic, at CreateTopic and SetTopicAttributes", () => {
    const policy = '{"MessageRetentionPeriod":"30"}'
    expect(messageOf(Topic.setAttribute(standard, "ArchivePolicy", policy, 0))).toBe(
      "Invalid parameter: ArchivePolicy Reason: ArchivePolicy is only supported for FIFO topics"
    )
    const created = Topic.make({ name: "plain", attributes: { ArchivePolicy: policy }, tags: [], dataProtectionPolicy: undefined }, owner, 0)
    expect(messageOf(created)).toBe("Invalid parameter: ArchivePolicy Reason: ArchivePolicy is only supported for FIFO topics")
  })

  it("starts the archive when first set, keeps its start when the period changes, and ends it when removed", () => {
    const on = Either.getOrThrow(Topic.setAttribute(fifo, "ArchivePolicy", '{"MessageRetentionPeriod":"30"}', 5 * DAY))
    expect(on.archivedSince).toBe(5 * DAY)
    const longer = Either.getOrThrow(Topic.setAttribute(on, "ArchivePolicy", '{"MessageRetentionPeriod":"90"}', 9 * DAY))
    expect(longer.archivedSince).toBe(5 * DAY)
    expect(Topic.archive(longer)).toEqual({ policy: { messageRetentionPeriodDays: 90 }, archivedSince: 5 * DAY })
    const off = Either.getOrThrow(Topic.setAttribute(longer, "ArchivePolicy", "", 10 * DAY))
    expect(off.archivedSince).toBeUndefined()
    expect(Topic.archive(off)).toBeUndefined()
    expect(off.attributes["ArchivePolicy"]).toBeUndefined()
  })

  it("set at CreateTopic, starts the archive at the topic's creation", () => {
    const created = Either.getOrThrow(fifoTopic({ ArchivePolicy: '{"MessageRetentionPeriod":"7"}' }, 3 * DAY))
    expect(Topic.archive(created)).toEqual({ policy: { messageRetentionPeriodDays: 7 }, archivedSince: 3 * DAY })
  })
})

describe("BeginningArchiveTime", () => {
  const counts = { confirmed: 0, pending: 0 }
  const archived = Either.getOrThrow(fifoTopic({ ArchivePolicy: '{"MessageRetentionPeriod":"2"}' }, 10 * DAY))

  it("is when archiving began, until the retention period has run past it", () => {
    expect(Topic.describe(archived, counts, 11 * DAY)["BeginningArchiveTime"]).toBe(new Date(10 * DAY).toISOString())
    expect(Topic.describe(archived, counts, 12 * DAY)["BeginningArchiveTime"]).toBe(new Date(10 * DAY).toISOString())
    expect(Topic.describe(archived, counts, 15 * DAY + 1)["BeginningArchiveTime"]).toBe(new Date(13 * DAY + 1).toISOString())
    expect(Topic.describe(archived, counts, 15 * DAY)["ArchivePolicy"]).toBe('{"MessageRetentionPeriod":"2"}')
  })

  it("is absent on a topic that keeps no archive, and cannot be set", () => {
    expect(Topic.describe(fifo, counts, DAY)["BeginningArchiveTime"]).toBeUndefined()
    expect(Topic.describe(standard, counts, DAY)["BeginningArchiveTime"]).toBeUndefined()
    expect(messageOf(Topic.setAttribute(archived, "BeginningArchiveTime", "2024-01-01T00:00:00Z", 0))).toBe(
      "Invalid parameter: AttributeName"
    )
  })
})

describe("retention cutoffs", () => {
  it("give each archived topic its retention period back from now, and no other topic a cutoff", () => {
    const archived = Either.getOrThrow(fifoTopic({ ArchivePolicy: '{"MessageRetentionPeriod":"3"}' }, 0))
    const cutoffs = Topic.archiveCutoffs([archived, fifo, standard], 10 * DAY)
    expect([...cutoffs]).toEqual([[archived.arn, 7 * DAY]])
  })
})

describe("ReplayPolicy", () => {
  const reason = (text: string) => messageOf(Archive.parseReplayPolicy(text))

  it("takes a Timestamp point type with a StartingPoint and an optional EndingPoint not before it", () => {
    expect(Archive.parseReplayPolicy('{"PointType":"Timestamp","StartingPoint":"2024-01-01T00:00:00.000Z"}')).toEqual(
      Either.right({ startingPoint: Date.UTC(2024, 0, 1), endingPoint: undefined })
    )
    expect(
      Archive.parseReplayPolicy('{"PointType":"Timestamp","StartingPoint":"2024-01-01T00:00:00Z","EndingPoint":"2024-01-02T01:00:00+01:00"}')
    ).toEqual(Either.right({ startingPoint: Date.UTC(2024, 0, 1), endingPoint: Date.UTC(2024, 0, 2) }))
  })

  it("refuses a malformed one with the reason", () => {
    expect(reason("{")).toBe("Invalid parameter: ReplayPolicy Reason: ReplayPolicy must be a JSON object")
    expect(reason('{"PointType":"Sequence","StartingPoint":"2024-01-01T00:00:00Z"}')).toBe(
      "Invalid parameter: ReplayPolicy Reason: PointType must be Timestamp"
    )
    expect(reason('{"PointType":"Timestamp"}')).toMatch(/StartingPoint must be an ISO 8601 timestamp/)
    expect(reason('{"PointType":"Timestamp","StartingPoint":"yesterday"}')).toMatch(/StartingPoint must be an ISO 8601 timestamp/)
    expect(reason('{"PointType":"Timestamp","StartingPoint":"2024-01-01T00:00:00Z","EndingPoint":5}')).toMatch(/EndingPoint must be an ISO 8601/)
    expect(reason('{"PointType":"Timestamp","StartingPoint":"2024-01-02T00:00:00Z","EndingPoint":"2024-01-01T00:00:00Z"}')).toBe(
      "Invalid parameter: ReplayPolicy Reason: EndingPoint must not be before StartingPoint"
    )
    expect(reason('{"PointType":"Timestamp","StartingPoint":"2024-01-01T00:00:00Z","Speed":2}')).toBe(
      "Invalid parameter: ReplayPolicy Reason: Unknown key Speed"
    )
  })

  it("refuses a timestamp that names no real instant (AWS: InvalidParameter), where Date.parse would roll it over", () => {
    const at = (point: string) => reason(`{"PointType":"Timestamp","StartingPoint":"${point}"}`)
    for (const impossible of [
      "2026-02-30T00:00:00Z",
      "2026-02-29T00:00:00Z",
      "2026-04-31T00:00:00.000Z",
      "2026-13-01T00:00:00Z",
      "2026-00-10T00:00:00Z",
      "2026-01-00T00:00:00Z",
      "2026-01-01T24:00:00Z",
      "2026-01-01T23:60:00Z",
      "2026-01-01T23:59:60Z",
      "2026-01-01T00:00:00+24:00"
    ]) {
      expect(at(impossible)).toBe("Invalid parameter: ReplayPolicy Reason: StartingPoint must be an ISO 8601 timestamp, such as 2023-08-01T00:00:00.000Z")
    }
    expect(reason('{"PointType":"Timestamp","StartingPoint":"2024-01-01T00:00:00Z","EndingPoint":"2025-02-29T00:00:00Z"}')).toMatch(
      /EndingPoint must be an ISO 8601 timestamp/
    )
    // The last day of each month, leap days of leap years (2000 is one, 2100 is not) are real.
    expect(at("2024-02-29T23:59:59.999Z")).toBe("ok")
    expect(at("2000-02-29T00:00:00Z")).toBe("ok")
    expect(at("2100-02-29T00:00:00Z")).not.toBe("ok")
    expect(at("2026-12-31T23:59:59+14:00")).toBe("ok")
  })

  it("a well-formed one is taken by a subscription's attribute check; a malformed one is refused; an empty one stops a replay", () => {
    const wellFormed = '{"PointType":"Timestamp","StartingPoint":"2024-01-01T00:00:00Z"}'
    expect(Subscription.validateAttribute("https", "ReplayPolicy", wellFormed)).toEqual(Either.right(wellFormed))
    expect(Subscription.validateAttribute("sqs", "ReplayPolicy", "")).toEqual(Either.right(""))
    expect(messageOf(Subscription.validateAttribute("https", "ReplayPolicy", '{"PointType":"Timestamp"}'))).toMatch(
      /StartingPoint must be an ISO 8601 timestamp/
    )
  })
})
