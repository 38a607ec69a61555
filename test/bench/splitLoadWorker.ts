/**
 * The load generator for the cluster scenarios, in a process of its own: one autocannon instance
 * per broker, all in this process at once, each with its share of the connections and requests
 * signed for its endpoint. One broker gets one instance with every connection, so one broker and
 * two are driven by the same generator at the same total concurrency.
 */
import autocannon from "autocannon"
import { answer, parentMessages } from "./Child.js"
import type { LoadJob } from "./loadWorker.js"
import { type LoadResult, loadResultOf } from "./LoadResult.js"

/** What the harness asks for: each target as `loadWorker.ts` would take it, for the same seconds. */
export interface SplitLoadJob {
  readonly targets: ReadonlyArray<Omit<LoadJob, "durationSeconds">>
  readonly durationSeconds: number
}

/** The targets' figures, and all of them together (requests summed; latencies the worst target's). */
export interface SplitLoadResult extends LoadResult {
  readonly perTarget: ReadonlyArray<LoadResult>
}

const job = await parentMessages()<SplitLoadJob>()
const results = await Promise.all(
  job.targets.map((target) =>
    autocannon({
      url: target.url,
      connections: target.connections,
      duration: job.durationSeconds,
      requests: target.requests,
      ...(target.caPem === undefined ? {} : { tlsOptions: { ca: target.caPem } })
    })
  )
)
const perTarget: ReadonlyArray<LoadResult> = results.map(loadResultOf)
const sum = (of: (r: LoadResult) => number) => perTarget.reduce((total, r) => total + of(r), 0)
const worst = (of: (r: LoadResult) => number) => Math.max(...perTarget.map(of))
const splitResult: SplitLoadResult = {
  requestsPerSecond: sum((r) => r.requestsPerSecond),
  p50Ms: worst((r) => r.p50Ms),
  p99Ms: worst((r) => r.p99Ms),
  total: sum((r) => r.total),
  errors: sum((r) => r.errors),
  non2xx: sum((r) => r.non2xx),
  timeouts: sum((r) => r.timeouts),
  bytesPerSecond: sum((r) => r.bytesPerSecond),
  perTarget
}
answer(splitResult)
process.exit(0)
