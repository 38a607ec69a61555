/**
 * Message archiving for FIFO topics: the topic's ArchivePolicy, the archive's time window, and the
 * shape of a subscription's ReplayPolicy (docs/SEMANTICS.md §7, "Message archiving").
 *
 * SNS Developer Guide, "Amazon SNS message archiving and replay for FIFO topics": a topic owner keeps
 * a FIFO topic's messages "for up to 365 days" by setting the topic's ArchivePolicy, and a subscriber
 * asks for archived messages by setting a ReplayPolicy on its subscription.
 *
 * @since 0.1.0
 */
import { Either } from "effect"
import { invalidParameter, type InvalidParameter } from "./Errors.js"

/** One day in milliseconds: the unit of `MessageRetentionPeriod`. */
export const DAY_MS = 24 * 60 * 60 * 1000

/** The retention period's bounds, in days ("a retention period ranging from 1 to 365 days"). */
export const MIN_RETENTION_DAYS = 1
export const MAX_RETENTION_DAYS = 365

/**
 * A decoded ArchivePolicy.
 *
 * @category models
 */
export interface ArchivePolicy {
  readonly messageRetentionPeriodDays: number
}

const asObject = (text: string): Record<string, unknown> | undefined => {
  try {
    const doc: unknown = JSON.parse(text)
    return typeof doc === "object" && doc !== null && !Array.isArray(doc) ? (doc as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

const DAYS = /^[0-9]{1,3}$/

/**
 * Decodes `{"MessageRetentionPeriod": "<days>"}`. The period is a whole number of days from 1 to 365,
 * written as a string (as the developer guide's examples do) or a JSON number; no other key is taken.
 *
 * @category validation
 */
export const parseArchivePolicy = (value: string): Either.Either<ArchivePolicy, InvalidParameter> => {
  const bad = (reason: string) => Either.left(invalidParameter("ArchivePolicy", reason))
  const doc = asObject(value)
  if (doc === undefined) return bad("ArchivePolicy must be a JSON object")
  const unknown = Object.keys(doc).find((k) => k !== "MessageRetentionPeriod")
  if (unknown !== undefined) return bad(`Unknown key ${unknown}; only MessageRetentionPeriod is allowed`)
  const period = doc["MessageRetentionPeriod"]
  if (period === undefined) return bad("MessageRetentionPeriod is required")
  const text = typeof period === "number" ? String(period) : period
  if (typeof text !== "string" || !DAYS.test(text)) {
    return bad(`MessageRetentionPeriod must be a whole number of days from ${MIN_RETENTION_DAYS} to ${MAX_RETENTION_DAYS}`)
  }
  const days = Number(text)
  if (days < MIN_RETENTION_DAYS || days > MAX_RETENTION_DAYS) {
    return bad(`MessageRetentionPeriod must be a whole number of days from ${MIN_RETENTION_DAYS} to ${MAX_RETENTION_DAYS}`)
  }
  return Either.right({ messageRetentionPeriodDays: days })
}

/**
 * The archive's oldest instant at `now`: a message accepted at or after it is kept. The archive holds
 * nothing from before archiving was turned on (`archivedSince`), and nothing older than the retention
 * period. This is the topic's BeginningArchiveTime ("the earliest starting point at which a message in
 * the topic's archive can be replayed from", SNS API Reference, GetTopicAttributes).
 *
 * @category rules
 */
export const beginningArchiveTime = (policy: ArchivePolicy, archivedSince: number, now: number): number =>
  Math.max(archivedSince, now - policy.messageRetentionPeriodDays * DAY_MS)

/**
 * A decoded ReplayPolicy: replay the archived messages accepted from `startingPoint` to `endingPoint`
 * (both ms since the epoch; no end means up to the moment the replay starts).
 *
 * @category models
 */
export interface ReplayPolicy {
  readonly startingPoint: number
  readonly endingPoint: number | undefined
}

/** ISO 8601 date-time with a zone, as the developer guide writes the points ("2023-08-01T00:00:00.000Z"). */
const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):(\d{2}))$/

const isLeapYear = (year: number): boolean => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0

/** Days in a month of the proleptic Gregorian calendar that ISO 8601 uses (§4.3.2.1). */
const daysIn = (year: number, month: number): number =>
  month === 2 ? (isLeapYear(year) ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31

/**
 * An ISO 8601 instant in ms, or undefined when it is malformed or names no real instant. Each field
 * is checked against its calendar range first: `Date.parse` rolls 2026-02-30 over to 2 March and takes
 * hour 24, where a timestamp that names no day is an invalid parameter.
 */
const readInstant = (value: unknown): number | undefined => {
  if (typeof value !== "string") return undefined
  const m = ISO_INSTANT.exec(value)
  if (m === null) return undefined
  const [year, month, day, hour, minute, second, zoneHour, zoneMinute] = m.slice(1).map((f) => (f === undefined ? 0 : Number(f)))
  if (month! < 1 || month! > 12 || day! < 1 || day! > daysIn(year!, month!)) return undefined
  if (hour! > 23 || minute! > 59 || second! > 59 || zoneHour! > 23 || zoneMinute! > 59) return undefined
  const ms = Date.parse(value)
  return Number.isNaN(ms) ? undefined : ms
}

/**
 * Decodes `{"PointType":"Timestamp","StartingPoint":"<ISO 8601>","EndingPoint":"<ISO 8601>"}`;
 * EndingPoint is optional and, when given, is not before StartingPoint.
 *
 * @category validation
 */
export const parseReplayPolicy = (value: string): Either.Either<ReplayPolicy, InvalidParameter> => {
  const bad = (reason: string) => Either.left(invalidParameter("ReplayPolicy", reason))
  const doc = asObject(value)
  if (doc === undefined) return bad("ReplayPolicy must be a JSON object")
  const unknown = Object.keys(doc).find((k) => k !== "PointType" && k !== "StartingPoint" && k !== "EndingPoint")
  if (unknown !== undefined) return bad(`Unknown key ${unknown}`)
  if (doc["PointType"] !== "Timestamp") return bad("PointType must be Timestamp")
  const startingPoint = readInstant(doc["StartingPoint"])
  if (startingPoint === undefined) return bad("StartingPoint must be an ISO 8601 timestamp, such as 2023-08-01T00:00:00.000Z")
  if (doc["EndingPoint"] === undefined) return Either.right({ startingPoint, endingPoint: undefined })
  const endingPoint = readInstant(doc["EndingPoint"])
  if (endingPoint === undefined) return bad("EndingPoint must be an ISO 8601 timestamp, such as 2023-08-01T00:00:00.000Z")
  if (endingPoint < startingPoint) return bad("EndingPoint must not be before StartingPoint")
  return Either.right({ startingPoint, endingPoint })
}

/**
 * The retention sweep's cutoff for an archived topic at `now`: its messages accepted before this
 * instant have outlived the retention period and may go.
 *
 * @category rules
 */
export const retentionCutoff = (policy: ArchivePolicy, now: number): number =>
  now - policy.messageRetentionPeriodDays * DAY_MS
