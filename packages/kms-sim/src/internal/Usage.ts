/**
 * How often each operation succeeded on each key, for metrics and cost estimates.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import type { UsageCount } from "../KmsSim.js"

export interface Usage {
  readonly count: (keyArn: string, operation: string) => Effect.Effect<void>
  /** A copy of the counts so far. */
  readonly counts: Effect.Effect<ReadonlyArray<UsageCount>>
}

export const makeUsage = (): Usage => {
  // Updated in place: a copy per request made counting cost as much as the key policy check.
  // Each update is one synchronous step, and `counts` hands out a copy.
  const usageCounts = new Map<string, UsageCount>()
  return {
    count: (keyArn, operation) =>
      Effect.sync(() => {
        const id = `${keyArn} ${operation}`
        usageCounts.set(id, { keyArn, operation, count: (usageCounts.get(id)?.count ?? 0) + 1 })
      }),
    counts: Effect.sync(() => [...usageCounts.values()])
  }
}
