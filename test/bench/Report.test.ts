import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { cpuOverRuns, markdown, markdownOverRuns, type Results, targets, targetsOverRuns } from "./Report.js"

/** One whole run's figures, as `npm run bench` wrote them on a quiet 2-core machine. */
const recorded = JSON.parse(readFileSync(new URL("./fixtures/run.json", import.meta.url), "utf8")) as Results

/** The recorded run with scenario 12's rate replaced, which moves the 12 ÷ 1 and 12 ÷ 11 targets. */
const withEncryptedIngest = (requestsPerSecond: number): Results => ({
  ...recorded,
  ingestEncrypted: { ...recorded.ingestEncrypted, requestsPerSecond }
})

const ENCRYPTED_OVER_BARE = "12 ÷ 1: encrypted Publish, no subscriber, over the bare HTTPS server"
const PLAIN_OVER_MOTO = "11 ÷ moto: plain Publish, no subscriber, over moto's"

describe("targetsOverRuns", () => {
  const ceiling = recorded.ceiling.requestsPerSecond
  const runs = [0.4, 0.6, 0.55].map((ratio) => withEncryptedIngest(ratio * ceiling))

  it("keeps each run's value and judges the target on their median, not on any one run", () => {
    const target = targetsOverRuns(runs).find((t) => t.name === ENCRYPTED_OVER_BARE)
    expect(target?.values.map((v) => v?.toFixed(2))).toEqual(["0.40", "0.60", "0.55"])
    expect(target?.median).toBeCloseTo(0.55)
    expect([target?.min, target?.max].map((v) => v?.toFixed(2))).toEqual(["0.40", "0.60"])
    expect(target?.met).toBe(true)
    expect(targets(runs[0]!).find((t) => t.name === ENCRYPTED_OVER_BARE)?.met).toBe(false)
  })

  it("judges the median against the bound, so a median below it is not met", () => {
    const low = [0.4, 0.45, 0.6].map((ratio) => withEncryptedIngest(ratio * ceiling))
    expect(targetsOverRuns(low).find((t) => t.name === ENCRYPTED_OVER_BARE)?.met).toBe(false)
  })

  it("leaves out of the median a run that did not measure a target", () => {
    const withoutMoto: Results = { ...runs[1]!, moto: { skipped: "moto.server did not start" } }
    const target = targetsOverRuns([runs[0]!, withoutMoto, runs[2]!]).find((t) => t.name === PLAIN_OVER_MOTO)
    const measured = recorded.ingestPlain.requestsPerSecond / ("result" in recorded.moto ? recorded.moto.result.requestsPerSecond : Number.NaN)
    expect(target?.values[1]).toBeUndefined()
    expect(target?.median).toBeCloseTo(measured)
  })
})

describe("markdownOverRuns", () => {
  it("shows every run's value, the median and the spread, then the last run's figures", () => {
    const ceiling = recorded.ceiling.requestsPerSecond
    const report = markdownOverRuns([0.4, 0.6, 0.55].map((ratio) => withEncryptedIngest(ratio * ceiling)))
    const row = report.split("\n").find((line) => line.startsWith(`| ${ENCRYPTED_OVER_BARE} |`))
    expect(row).toBe(`| ${ENCRYPTED_OVER_BARE} | 0.40× | 0.60× | 0.55× | 0.55× | 0.40× – 0.60× | ≥ 0.5× | met |`)
    expect(report).toContain("Every figure of the last run (run 3):")
    expect(report).toContain("| 12 | Publish 1 KiB, encrypted topic (customer key), no subscriber | 7,585 req/s")
  })
})

/** The recorded run with the harness process's CPU per request in scenarios 1, 11 and 12. */
const withCpu = (bare: number, plain: number, encrypted: number): Results => ({
  ...recorded,
  ceiling: { ...recorded.ceiling, cpuMicrosPerRequest: bare },
  ingestPlain: { ...recorded.ingestPlain, cpuMicrosPerRequest: plain },
  ingestEncrypted: { ...recorded.ingestEncrypted, cpuMicrosPerRequest: encrypted }
})

describe("cpuOverRuns", () => {
  it("gives each run's CPU per request and the Publish targets' ratios by CPU, with their medians", () => {
    const rows = cpuOverRuns([withCpu(30, 70, 90), withCpu(40, 80, 100), withCpu(32, 72, 96)])
    const byName = new Map(rows.map((r) => [r.name.split(":")[0], r]))
    expect(byName.get("12")?.values).toEqual([90, 100, 96])
    expect(byName.get("12")?.median).toBe(96)
    expect(byName.get("12 ÷ 11 by CPU")?.values.map((v) => v.toFixed(2))).toEqual(["0.78", "0.80", "0.75"])
    expect(byName.get("12 ÷ 1 by CPU")?.median).toBeCloseTo(1 / 3)
  })

  it("is empty when a run did not measure it, so runs of both kinds are not mixed", () => {
    expect(cpuOverRuns([withCpu(30, 70, 90), recorded])).toEqual([])
    expect(cpuOverRuns([])).toEqual([])
  })

  it("reaches the reports: a table over the runs, and a cell in the last run's rows", () => {
    const runs = [withCpu(30, 70, 90), withCpu(40, 80, 100)]
    const report = markdownOverRuns(runs)
    expect(report).toContain("| 12 ÷ 11 by CPU: plain Publish's CPU over encrypted Publish's | 0.78× | 0.80× | 0.79× |")
    expect(markdown(runs[1]!)).toContain("100.0 µs of process CPU per request")
    expect(markdownOverRuns([recorded])).not.toContain("by CPU")
  })
})
