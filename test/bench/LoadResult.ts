/**
 * What a load generator answers the harness, read from autocannon's result: one reading for the
 * single-target generator (`loadWorker.ts`) and each target of the cluster's (`splitLoadWorker.ts`).
 */
import type autocannon from "autocannon"
import { median } from "./Stats.js"

/** What the harness gets back. */
export interface LoadResult {
  readonly requestsPerSecond: number
  readonly p50Ms: number
  readonly p99Ms: number
  readonly total: number
  /** Socket errors, timeouts and answers other than 2xx: all must be 0. */
  readonly errors: number
  readonly non2xx: number
  readonly timeouts: number
  readonly bytesPerSecond: number
}

/** The figures of one autocannon run. */
export const loadResultOf = (result: Awaited<ReturnType<typeof autocannon>>): LoadResult => ({
  requestsPerSecond: result.requests.average,
  p50Ms: result.latency.p50,
  p99Ms: result.latency.p99,
  total: result.requests.total,
  errors: result.errors,
  non2xx: result.non2xx,
  timeouts: result.timeouts,
  bytesPerSecond: result.throughput.average
})

/**
 * One target's figures from measured segments of equal length (`Http.ts`, `loadsInTurns`): the mean
 * of the segments' rates (their rate over all the measured seconds), the median of their p50s, the
 * largest of their p99s (a p99 over every request would need every latency; the largest segment's
 * is the figure nearest it that does not flatter), and every count summed.
 */
export const joinSegments = (segments: ReadonlyArray<LoadResult>): LoadResult => {
  if (segments.length === 0) throw new RangeError("joinSegments: no segment to join")
  const sum = (figure: (l: LoadResult) => number) => segments.reduce((total, l) => total + figure(l), 0)
  return {
    requestsPerSecond: sum((l) => l.requestsPerSecond) / segments.length,
    p50Ms: median(segments.map((l) => l.p50Ms)),
    p99Ms: Math.max(...segments.map((l) => l.p99Ms)),
    total: sum((l) => l.total),
    errors: sum((l) => l.errors),
    non2xx: sum((l) => l.non2xx),
    timeouts: sum((l) => l.timeouts),
    bytesPerSecond: sum((l) => l.bytesPerSecond) / segments.length
  }
}
