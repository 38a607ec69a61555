/**
 * A clock that moves only when the test says so: commands of a model test advance it explicitly.
 */
import { Clock, Effect } from "effect"

export interface ManualClock extends Clock.Clock {
  readonly advance: (ms: number) => void
  readonly now: () => number
}

export const make = (start: number): ManualClock => {
  let ms = start
  return {
    [Clock.ClockTypeId]: Clock.ClockTypeId,
    unsafeCurrentTimeMillis: () => ms,
    currentTimeMillis: Effect.sync(() => ms),
    unsafeCurrentTimeNanos: () => BigInt(ms) * 1_000_000n,
    currentTimeNanos: Effect.sync(() => BigInt(ms) * 1_000_000n),
    sleep: () => Effect.void,
    advance: (delta) => {
      ms += delta
    },
    now: () => ms
  }
}
