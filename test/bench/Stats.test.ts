import { describe, expect, it } from "vitest"
import { median, percentile } from "./Stats.js"

describe("median", () => {
  it("is the middle value of an odd count, the mean of the middle two of an even one", () => {
    expect(median([5, 1, 3])).toBe(3)
    expect(median([4, 1, 3, 2])).toBe(2.5)
    expect(median([])).toBeNaN()
  })
})

describe("percentile", () => {
  it("takes the nearest rank of ascending values", () => {
    expect(percentile([1, 2, 3, 4], 0.5)).toBe(2)
    expect(percentile([1, 2, 3, 4], 0.99)).toBe(4)
    expect(percentile([], 0.5)).toBeNaN()
  })
})
