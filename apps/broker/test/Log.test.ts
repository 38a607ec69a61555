import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import * as Log from "../src/Log.js"

const linesOf = (threshold: Log.Level, program: Effect.Effect<void>) => {
  const lines: Array<Record<string, unknown>> = []
  const log = Log.make(threshold, (line) => lines.push(JSON.parse(line) as Record<string, unknown>))
  Effect.runSync(Effect.provide(program, Log.layerEffectLogger(log, threshold)))
  return lines
}

describe("Log", () => {
  it("writes Effect's log lines as the broker's JSON lines, annotations as fields", () => {
    const lines = linesOf("debug", Effect.annotateLogs(Effect.logDebug("request"), { requestId: "r-1", status: 200 }))
    expect(lines).toEqual([{ time: expect.any(String), level: "debug", message: "request", requestId: "r-1", status: 200 }])
  })

  it("keeps Effect's lines under the threshold out, and maps Effect's levels onto the broker's", () => {
    const program = Effect.all([Effect.logDebug("d"), Effect.logInfo("i"), Effect.logWarning("w"), Effect.logError("e"), Effect.logFatal("f")])
    expect(linesOf("warn", Effect.asVoid(program)).map((l) => [l["level"], l["message"]])).toEqual([
      ["warn", "w"],
      ["error", "e"],
      ["error", "f"]
    ])
  })
})
