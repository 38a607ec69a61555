import { describe, expect, it } from "vitest"
import { joinSegments, type LoadResult } from "./LoadResult.js"

const segment = (requestsPerSecond: number, p50Ms: number, p99Ms: number, errors = 0): LoadResult => ({
  requestsPerSecond,
  p50Ms,
  p99Ms,
  total: requestsPerSecond * 5,
  errors,
  non2xx: 0,
  timeouts: 0,
  bytesPerSecond: requestsPerSecond * 300
})

describe("joinSegments", () => {
  it("gives the rate over all the segments, the median p50, the largest p99 and the summed counts", () => {
    const joined = joinSegments([segment(10_000, 2, 9), segment(14_000, 1, 5, 1), segment(12_000, 3, 7)])
    expect(joined.requestsPerSecond).toBe(12_000)
    expect(joined.p50Ms).toBe(2)
    expect(joined.p99Ms).toBe(9)
    expect(joined.total).toBe(180_000)
    expect(joined.errors).toBe(1)
    expect(joined.bytesPerSecond).toBe(3_600_000)
  })

  it("refuses to join nothing rather than answer NaN", () => {
    expect(() => joinSegments([])).toThrow(RangeError)
  })
})
