import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import * as Functions from "../../src/delivery/Functions.js"

const event: Functions.SnsEvent = { Records: [] }
const arn = "arn:aws:lambda:us-east-1:000000000000:function:worker"

describe("Functions", () => {
  it.effect("finds a function by the name in its ARN, or by the full ARN; unregistered and failing ones fail the attempt", () =>
    Effect.gen(function* () {
      const functions = Functions.make()
      const missing = yield* Effect.either(functions.invoke(arn, event))
      expect(Either.isLeft(missing) && missing.left.reason).toBe(`Function not found: ${arn}`)

      const seen: Array<string> = []
      functions.register("worker", () => void seen.push("by name"))
      yield* functions.invoke(`${arn}:live`, event)
      functions.register(arn, async () => void seen.push("by ARN"))
      yield* functions.invoke(arn, event)
      expect(seen).toEqual(["by name", "by ARN"])

      functions.register(arn, () => Promise.reject(new Error("boom")))
      const rejected = yield* Effect.either(functions.invoke(arn, event))
      expect(Either.isLeft(rejected) && rejected.left.reason).toBe("boom")
      functions.unregister(arn)
      functions.unregister("worker")
      expect(Either.isLeft(yield* Effect.either(functions.invoke(arn, event)))).toBe(true)
    }))
})
