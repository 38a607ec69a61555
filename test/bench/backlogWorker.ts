/**
 * Scenario 8, in a fresh process so that nothing measured before pollutes its heap: the resident set
 * before and after 100,000 encrypted 1 KiB messages wait for a subscriber that is down. The broker's
 * services run on a durable data dir; the subscriber is a Lambda function that was never registered
 * and no delivery engine runs, so every delivery stays pending in the store.
 */
import { Effect } from "effect"
import { answer, parentMessages } from "./Child.js"
import { openEmbedded, publishMany } from "./Embedded.js"

/** What the harness asks for. */
export interface BacklogJob {
  readonly dataDir: string
  readonly messages: number
  readonly messageBytes: number
}

/** What the harness gets back; sizes in MB (10^6 bytes). */
export interface BacklogResult {
  readonly rssBeforeMB: number
  readonly rssAfterMB: number
  readonly heapUsedBeforeMB: number
  readonly heapUsedAfterMB: number
  readonly pending: number
  readonly publishesPerSecond: number
}

/**
 * Resident set and heap once what the last publishes left in transit is gone: a few full
 * collections (the worker runs with `--expose-gc`), each after a turn of the event loop. Measured
 * right after the last publish, one collection still finds the last group commits' buffers held by
 * callbacks not yet run, and the figure then swings by tens of MB from run to run.
 */
const memory = async () => {
  for (let i = 0; i < 5; i++) {
    globalThis.gc?.()
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  const usage = process.memoryUsage()
  return { rss: usage.rss / 1e6, heapUsed: usage.heapUsed / 1e6 }
}

const job = await parentMessages()<BacklogJob>()
const broker = await openEmbedded(job.dataDir)
// One publish first, so the before figure includes the code and caches every publish needs.
await publishMany(broker, broker.encryptedTopicArn, job.messageBytes, { count: 1 })
const before = await memory()
const run = await publishMany(broker, broker.encryptedTopicArn, job.messageBytes, { count: job.messages })
const after = await memory()
const pending = await Effect.runPromise(broker.store.pendingCount)
await broker.close()
const result: BacklogResult = {
  rssBeforeMB: before.rss,
  rssAfterMB: after.rss,
  heapUsedBeforeMB: before.heapUsed,
  heapUsedAfterMB: after.heapUsed,
  pending,
  publishesPerSecond: run.perSecond
}
answer(result)
process.exit(0)
