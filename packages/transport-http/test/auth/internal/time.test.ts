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

  it("29 February only in leap years; years before 100 are refused", () => {
    expect(parseIsoBasic("20240229T000000Z")).toBe(Date.UTC(2024, 1, 29))
    expect(parseIsoBasic("21000229T000000Z")).toBeUndefined()
    expect(parseIsoBasic("20000229T000000Z")).toBe(Date.UTC(2000, 1, 29))
    expect(parseIsoBasic("00500101T000000Z")).toBeUndefined()
  })
})
