/**
 * What the crash and chaos suites use to plan their kills: a seeded generator, so a failing schedule
 * can be replayed from the seed the suite prints, and a plain wait between the moments it picks.
 */

/** mulberry32: a small seeded generator of numbers in [0, 1). */
export const seeded = (seed: number): (() => number) => {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = Math.imul(state ^ (state >>> 15), state | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Waits `ms`: the load runs for a while before the next kill, not a check that something did not happen. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
