/**
 * Small statistics for the harness's own measurements.
 */

/** The value at quantile `q` (0..1) of ascending `sorted` values, nearest rank; NaN when empty. */
export const percentile = (sorted: ReadonlyArray<number>, q: number): number =>
  sorted.length === 0 ? Number.NaN : sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN

/** The middle value; for an even count, the mean of the middle two. NaN for none. */
export const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  if (sorted.length === 0) return Number.NaN
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

/** Runs `step` repeatedly for about `seconds`, returning how many times it ran and the time taken. */
export const repeatFor = (seconds: number, step: () => void): { readonly count: number; readonly elapsedMs: number } => {
  const started = performance.now()
  const until = started + seconds * 1000
  let count = 0
  let now = started
  while (now < until) {
    step()
    count += 1
    now = performance.now()
  }
  return { count, elapsedMs: now - started }
}
