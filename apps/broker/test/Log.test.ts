import { Effect, Runtime } from "effect"
import { describe, expect, it } from "vitest"
import * as Log from "../src/Log.js"

const keeping = () => {
  const lines: Array<Record<string, unknown>> = []
  return { lines, write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) }
}

const linesOf = (threshold: Log.Level, program: Effect.Effect<void>) => {
  const kept = keeping()
  Effect.runSync(Effect.provide(program, Log.layer(threshold, kept.write)))
  return kept.lines
}

describe("Log", () => {
  it("writes Effect's log lines as the broker's JSON lines, annotations as fields", () => {
    const lines = linesOf("debug", Effect.annotateLogs(Effect.logDebug("request"), { requestId: "r-1", status: 200 }))
    expect(lines).toEqual([{ time: expect.any(String), level: "debug", message: "request", requestId: "r-1", status: 200 }])
    expect(new Date(String(lines[0]!["time"])).toISOString()).toBe(lines[0]!["time"])
  })

  it("keeps Effect's lines under the threshold out, and maps Effect's levels onto the broker's", () => {
    const program = Effect.all([Effect.logDebug("d"), Effect.logInfo("i"), Effect.logWarning("w"), Effect.logError("e"), Effect.logFatal("f")])
    expect(linesOf("warn", Effect.asVoid(program)).map((l) => [l["level"], l["message"]])).toEqual([
      ["warn", "w"],
      ["error", "e"],
      ["error", "f"]
    ])
  })

  it("the plain function of a runtime writes the same lines through the same logger and threshold", () => {
    const kept = keeping()
    const runtime = Log.runtime("info", kept.write)
    const log = Log.plainFrom(runtime)
    log("debug", "left out", { n: 1 })
    log("info", "ready", { https: "https://127.0.0.1:9443", http: null })
    log("error", "stopped")
    Runtime.runSync(runtime)(Effect.annotateLogs(Effect.logWarning("from an effect"), { n: 2 }))
    expect(kept.lines).toEqual([
      { time: expect.any(String), level: "info", message: "ready", https: "https://127.0.0.1:9443", http: null },
      { time: expect.any(String), level: "error", message: "stopped" },
      { time: expect.any(String), level: "warn", message: "from an effect", n: 2 }
    ])
  })

  it("Log.plain is the current fiber's logger", () => {
    const kept = keeping()
    Effect.runSync(Effect.provide(Effect.map(Log.plain, (log) => log("warn", "pruning failed", { error: "disk full" })), Log.layer("warn", kept.write)))
    expect(kept.lines).toEqual([{ time: expect.any(String), level: "warn", message: "pruning failed", error: "disk full" }])
  })
})
