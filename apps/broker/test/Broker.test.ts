import { Effect, Scope } from "effect"
import { describe, expect, it } from "vitest"
import { closeWithin, StopTimeout } from "../src/Broker.js"

describe("closeWithin", () => {
  it("resolves once every finalizer has run", async () => {
    const scope = Effect.runSync(Scope.make())
    const ran: Array<string> = []
    Effect.runSync(Scope.addFinalizer(scope, Effect.sync(() => ran.push("first"))))
    const later = Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 10)))
    Effect.runSync(Scope.addFinalizer(scope, Effect.tap(later, () => ran.push("second"))))
    await closeWithin(scope, 10_000)
    expect(ran).toEqual(["second", "first"])
  })

  it("gives up with StopTimeout when a finalizer never ends", async () => {
    const scope = Effect.runSync(Scope.make())
    Effect.runSync(Scope.addFinalizer(scope, Effect.never))
    const stopped = await closeWithin(scope, 50).then(() => undefined, (error: unknown) => error)
    expect(stopped).toBeInstanceOf(StopTimeout)
    expect((stopped as StopTimeout).message).toBe("The broker did not stop within 0.05 s")
  })

  it("passes on a finalizer's failure", async () => {
    const scope = Effect.runSync(Scope.make())
    Effect.runSync(Scope.addFinalizer(scope, Effect.die(new Error("boom"))))
    await expect(closeWithin(scope, 10_000)).rejects.toThrow("boom")
  })
})
