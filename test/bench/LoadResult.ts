/**
 * What a load generator answers the harness, read from autocannon's result: one reading for the
 * single-target generator (`loadWorker.ts`) and each target of the cluster's (`splitLoadWorker.ts`).
 */
import type autocannon from "autocannon"

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
