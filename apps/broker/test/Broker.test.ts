import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Either, Scope } from "effect"
import { describe, expect, it } from "vitest"
import { closeWithin, launch, startBroker, StartupError, StopTimeout } from "../src/Broker.js"
import { decodeBrokerOptions } from "../src/config/BrokerOptions.js"

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
describe("startBroker", () => {
  it("with :memory: resolves to the endpoint, the credentials and the CA, also as a file until stop", async () => {
    const broker = await startBroker({ port: 0, dataDir: ":memory:", logLevel: "error" })
    try {
      expect(broker).toMatchObject({ region: "us-east-1", accountId: "000000000000", dataDir: ":memory:" })
      expect(broker.endpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
      expect(broker.credentials.accessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/)
      expect(broker.caPem).toMatch(/^-----BEGIN CERTIFICATE-----/)
      expect(readFileSync(broker.caFile!, "utf8")).toBe(broker.caPem)
    } finally {
      await broker.stop()
    }
    expect(existsSync(broker.caFile!)).toBe(false)
  })
})

describe("startBroker refusals", () => {
  it("rejects options that do not decode with the broker's own StartupError", async () => {
    const refused = await startBroker({ port: -1, dataDir: ":memory:" }).then(() => undefined, (error: unknown) => error)
    expect(refused).toBeInstanceOf(StartupError)
    expect((refused as StartupError).message).toMatch(/port/)
  })
})

describe("launch", () => {
  it("a start that cannot go on gives its StartupError, having stopped what it started: the data dir is free again", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "sealcast-launch-"))
    const holder = await startBroker({ port: 0, dataDir: ":memory:", logLevel: "error" })
    try {
      const taken = Number(new URL(holder.endpoint).port)
      const refused = await launch(Either.getOrThrow(decodeBrokerOptions({ port: taken, dataDir, logLevel: "error" })))
      const error = Either.getOrThrow(Either.flip(refused.started))
      expect(error).toBeInstanceOf(StartupError)
      expect((error as StartupError).message).toMatch(`Cannot listen on 127.0.0.1:${taken}`)
      const second = await launch(Either.getOrThrow(decodeBrokerOptions({ port: 0, dataDir, logLevel: "error" })))
      const running = Either.getOrThrow(second.started)
      expect(running.dataDir).toBe(dataDir)
      await running.stop()
    } finally {
      await holder.stop()
      rmSync(dataDir, { recursive: true, force: true })
    }
  })
})
