import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { parseIsoBasic } from "../../../src/auth/internal/time.js"

/** The check the parser made before it validated by arithmetic: build the instant, read it back. */
const readBack = (year: number, month: number, day: number, hour: number, minute: number, second: number) => {
  const ms = Date.UTC(year, month - 1, day, hour, minute, second)
  const back = new Date(ms)
  return back.getUTCFullYear() === year && back.getUTCMonth() === month - 1 && back.getUTCDate() === day &&
      hour < 24 && minute < 60 && second < 60
    ? ms
    : undefined
}

const pad = (n: number, width: number) => String(n).padStart(width, "0")

describe("parseIsoBasic", () => {
  it("accepts exactly the dates that exist, as a Date read back would, and gives their instant", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ min: 0, max: 9999 }), fc.constantFrom(1900, 2000, 2024, 2025, 2100, 2400)),
        fc.integer({ min: 0, max: 13 }),
        fc.integer({ min: 0, max: 32 }),
        fc.integer({ min: 0, max: 25 }),
        fc.integer({ min: 0, max: 61 }),
        fc.integer({ min: 0, max: 61 }),
        (year, month, day, hour, minute, second) => {
          const text = `${pad(year, 4)}${pad(month, 2)}${pad(day, 2)}T${pad(hour, 2)}${pad(minute, 2)}${pad(second, 2)}Z`
          expect(parseIsoBasic(text)).toBe(readBack(year, month, day, hour, minute, second))
        }
      ),
      { numRuns: 5000 }
    )
  })

  it("reads the text by position exactly as the regular expression it replaced did", () => {
    const ISO_BASIC = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/
    const byExpression = (text: string) => {
      const m = ISO_BASIC.exec(text)
      return m === null ? undefined : readBack(+m[1]!, +m[2]!, +m[3]!, +m[4]!, +m[5]!, +m[6]!)
    }
    // Valid dates with one character replaced, cut or added, and arbitrary texts.
    const near = fc.tuple(
      fc.date({ min: new Date("0100-01-01T00:00:00Z"), max: new Date("9999-12-31T23:59:59Z"), noInvalidDate: true }),
      fc.nat(17),
      fc.constantFrom("", "0", "9", "T", "Z", "/", ":", "٣", "\n", " ", "+", "-", "a"),
      fc.constantFrom("replace", "insert", "cut")
    ).map(([date, at, char, edit]) => {
      const text = date.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "")
      return edit === "replace"
        ? text.slice(0, at) + char + text.slice(at + 1)
        : edit === "insert"
        ? text.slice(0, at) + char + text.slice(at)
        : text.slice(0, at) + text.slice(at + 1)
    })
    fc.assert(
      fc.property(fc.oneof(near, fc.string({ maxLength: 20 }), fc.stringMatching(/^[0-9TZ]{14,18}$/)), (text) => {
        expect(parseIsoBasic(text)).toBe(byExpression(text))
      }),
      { numRuns: 5000 }
    )
  })

  it("29 February only in leap years; years before 100 are refused", () => {
    expect(parseIsoBasic("20240229T000000Z")).toBe(Date.UTC(2024, 1, 29))
    expect(parseIsoBasic("21000229T000000Z")).toBeUndefined()
    expect(parseIsoBasic("20000229T000000Z")).toBe(Date.UTC(2000, 1, 29))
    expect(parseIsoBasic("00500101T000000Z")).toBeUndefined()
  })
})
