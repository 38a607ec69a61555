/**
 * The load generator, in a process of its own: autocannon with keep-alive connections replaying the
 * given requests for a fixed time, answering one JSON line with what it saw. The harness runs it
 * twice per scenario, a warm-up and the measured seconds (`Http.ts`, `load`).
 */
import autocannon from "autocannon"
import { answer, parentMessages } from "./Child.js"
import { loadResultOf } from "./LoadResult.js"

export type { LoadResult } from "./LoadResult.js"

/** What the harness asks for. */
export interface LoadJob {
  /** `https://127.0.0.1:port` or `http://…`. */
  readonly url: string
  readonly connections: number
  readonly durationSeconds: number
  /** Sent in turn by every connection. */
  readonly requests: ReadonlyArray<{
    readonly method: string
    readonly path: string
    readonly headers: Readonly<Record<string, string>>
    readonly body: string
  }>
  /** The CA to trust for an `https` URL. */
  readonly caPem?: string | undefined
}

const job = await parentMessages()<LoadJob>()
const result = await autocannon({
  url: job.url,
  connections: job.connections,
  duration: job.durationSeconds,
  requests: job.requests,
  ...(job.caPem === undefined ? {} : { tlsOptions: { ca: job.caPem } })
})
answer(loadResultOf(result))
process.exit(0)
