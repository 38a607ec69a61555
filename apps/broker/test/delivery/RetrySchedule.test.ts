import { describe, expect, it } from "@effect/vitest"
import { DeliveryPolicy } from "@sealcast/core"
import { Effect, Option } from "effect"
import * as RetrySchedule from "../../src/delivery/RetrySchedule.js"

/** The delay in seconds before each retry number, read off the decision taken at instant 1000; none once dropped. */
const delays = (policy: DeliveryPolicy.RetryPolicy, retries: ReadonlyArray<number>) =>
  Effect.sync(() =>
    retries.map((retry) => {
      const decided = RetrySchedule.afterFailedAttempt(policy, retry, 1000)
      expect(decided.attempts).toBe(retry)
      return decided._tag === "Retry" ? Option.some((decided.dueAt - 1000) / 1000) : Option.none()
    })
  )

describe("RetrySchedule", () => {
  it.effect("steps the HTTP/S default policy: three retries 20 seconds apart, then none", () =>
    Effect.gen(function* () {
      expect(yield* delays(DeliveryPolicy.defaultRetryPolicy, [1, 2, 3, 4])).toEqual([Option.some(20), Option.some(20), Option.some(20), Option.none()])
    }))

  it.effect("follows a custom policy's four phases", () =>
    Effect.gen(function* () {
      const policy: DeliveryPolicy.RetryPolicy = {
        numRetries: 6,
        numNoDelayRetries: 1,
        numMinDelayRetries: 1,
        numMaxDelayRetries: 1,
        minDelayTarget: 2,
        maxDelayTarget: 10,
        backoffFunction: "linear"
      }
      expect(yield* delays(policy, [1, 2, 3, 4, 5, 6, 7])).toEqual([0, 2, 2, 6, 10, 10].map(Option.some).concat([Option.none()]))
    }))

  it.effect("AWS-managed endpoints: 3 immediate, 2 at 1 s, backoff to 20 s, then 20 s for 100,000 retries", () =>
    Effect.gen(function* () {
      const got = yield* delays(RetrySchedule.awsManagedPolicy, [1, 3, 4, 5, 6, 15, 16, 100_015, 100_016])
      expect(got).toEqual([0, 0, 1, 1, 1, 20, 20, 20].map(Option.some).concat([Option.none()]))
    }))

  it.effect("customer-managed endpoints: 2 at 10 s, backoff to 600 s, then 38 at 600 s; 50 attempts in all", () =>
    Effect.gen(function* () {
      const got = yield* delays(RetrySchedule.customerManagedPolicy, [1, 2, 3, 12, 13, 50, 51])
      expect(got).toEqual([10, 10, 10, 600, 600, 600].map(Option.some).concat([Option.none()]))
    }))
})
