/**
 * Small statistics for the harness's own measurements.
 */

/** The value at quantile `q` (0..1) of ascending `sorted` values, nearest rank; NaN when empty. */
export const percentile = (sorted: ReadonlyArray<number>, q: number): number =>
  sorted.length === 0 ? Number.NaN : sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN

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
