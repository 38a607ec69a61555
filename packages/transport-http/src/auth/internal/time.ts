/**
 * The timestamp formats request signing meets, parsed strictly (never with `Date.parse`, whose
 * leniency differs between engines). Each parser returns milliseconds since the epoch, or `undefined`.
 */
import { Either } from "effect"
import { RequestExpired } from "../AuthErrors.js"

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

/** Gregorian leap years. */
const isLeapYear = (year: number) => year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)

/**
 * Validates the fields and returns epoch milliseconds; `Date.UTC` alone would roll 32 January over,
 * and reads years 0 to 99 as 1900 to 1999, so those are refused. The fields are checked by
 * arithmetic rather than by a `Date` read back: every signed request's date passes here.
 */
const utc = (year: number, month: number, day: number, hour: number, minute: number, second: number) =>
  year >= 100 && month >= 1 && month <= 12 && day >= 1 &&
    day <= (month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1]!) &&
    hour < 24 && minute < 60 && second < 60
    ? Date.UTC(year, month - 1, day, hour, minute, second)
    : undefined

/** The value of the `count` decimal digits of `text` from `start`, or -1 if one of them is not a digit. */
const digitsAt = (text: string, start: number, count: number): number => {
  let value = 0
  for (let i = start; i < start + count; i++) {
    const digit = text.charCodeAt(i) - 0x30
    if (!(digit >= 0 && digit <= 9)) return -1
    value = value * 10 + digit
  }
  return value
}

/**
 * SigV4's `X-Amz-Date`: ISO 8601 basic format, UTC, whole seconds, `20150830T123600Z`
 * (`YYYYMMDDTHHMMSSZ`). Read by position rather than by a regular expression's groups: every signed
 * request's date passes here (docs/PERFORMANCE.md, "SigV4 and the Publish form with fewer objects").
 */
export const parseIsoBasic = (text: string): number | undefined => {
  if (text.length !== 16 || text.charCodeAt(8) !== 0x54 || text.charCodeAt(15) !== 0x5a) return undefined
  const year = digitsAt(text, 0, 4)
  const month = digitsAt(text, 4, 2)
  const day = digitsAt(text, 6, 2)
  const hour = digitsAt(text, 9, 2)
  const minute = digitsAt(text, 11, 2)
  const second = digitsAt(text, 13, 2)
  return year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0
    ? undefined
    : utc(year, month, day, hour, minute, second)
}

/** Formats epoch milliseconds as SigV4's ISO 8601 basic format (seconds truncated). */
export const formatIsoBasic = (ms: number): string =>
  new Date(ms).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "")

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
const IMF_FIXDATE = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/

/** The HTTP `Date` header's preferred format, IMF-fixdate (RFC 9110 §5.6.7): `Sun, 30 Aug 2015 12:36:00 GMT`. */
export const parseImfFixdate = (text: string): number | undefined => {
  const m = IMF_FIXDATE.exec(text)
  const month = m === null ? -1 : MONTHS.indexOf(m[2]!)
  return m === null || month < 0 ? undefined : utc(+m[3]!, month + 1, +m[1]!, +m[4]!, +m[5]!, +m[6]!)
}

const ISO_EXTENDED = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/

/**
 * SigV2's `Timestamp` and `Expires`: ISO 8601 extended format (`2011-10-03T15:19:30Z`, optionally
 * with fractional seconds or a numeric offset; without a zone it is read as UTC).
 */
export const parseIsoExtended = (text: string): number | undefined => {
  const m = ISO_EXTENDED.exec(text)
  if (m === null) return undefined
  const base = utc(+m[1]!, +m[2]!, +m[3]!, +m[4]!, +m[5]!, +m[6]!)
  if (base === undefined) return undefined
  const fraction = m[7] === undefined ? 0 : Math.floor(Number(`0.${m[7]}`) * 1000)
  const zone = m[8] ?? "Z"
  if (zone === "Z") return base + fraction
  const digits = zone.replace(":", "")
  const offsetMinutes = (+digits.slice(1, 3) * 60 + +digits.slice(3, 5)) * (digits[0] === "-" ? -1 : 1)
  return base + fraction - offsetMinutes * 60_000
}

/** AWS refuses a request dated more than 15 minutes from its clock, either way. */
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000

/**
 * Refuses a request dated more than 15 minutes ahead of `now`, and, when `past` is set, more than 15
 * minutes behind it, with AWS's texts ("Signature expired: … (… - 15 min.)").
 */
export const checkClockSkew = (
  instant: number,
  now: number,
  { past }: { readonly past: boolean }
): Either.Either<void, RequestExpired> => {
  const [earliest, latest] = [now - MAX_CLOCK_SKEW_MS, now + MAX_CLOCK_SKEW_MS]
  if (instant > latest) {
    return Either.left(
      new RequestExpired({
        message: `Signature not yet current: ${formatIsoBasic(instant)} is still later than ${formatIsoBasic(latest)} ` +
          `(${formatIsoBasic(now)} + 15 min.)`
      })
    )
  }
  if (past && instant < earliest) {
    return Either.left(
      new RequestExpired({
        message: `Signature expired: ${formatIsoBasic(instant)} is now earlier than ${formatIsoBasic(earliest)} ` +
          `(${formatIsoBasic(now)} - 15 min.)`
      })
    )
  }
  return Either.void
}
