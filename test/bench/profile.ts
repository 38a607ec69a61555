/**
 * `npm run profile --workspace=@sealcast/test -- <scenario> [seconds] [--cpu-only]`: one HTTPS
 * scenario of the benchmark under the same load, with the V8 CPU profiler on for the measured
 * seconds only (not start-up), then the CPU per request by step (`ProfileSummary.ts`), the figures
 * of docs/PERFORMANCE.md, "CPU per request". With `--cpu-only`, no profiler: the rate and the
 * process's CPU time per request alone, as the profiler's sampling slows what it measures.
 * `path-plain` and `path-encrypted` run the broker's request path without the network instead
 * (`RequestPath.ts`), `seconds` then counting thousands of requests. Scenarios: `ceiling` (the bare server), `plain` and
 * `encrypted` (Publish, no subscriber), `delivery` (encrypted Publish, one subscriber), `relay` (the
 * bare relay), `send` and `send-sse` (SendMessage of 1 KiB to a queue without encryption and to one
 * under SSE-SQS, scenarios 14 and 15). The `.cpuprofile` is written to the directory `PROFILE_DIR` names (default the
 * system's temporary directory), for Chrome DevTools.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { Session } from "node:inspector/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { ceiling, type HttpBench, type LoadShape, load, openHttpBench, publishLoad, relay } from "./Http.js"
import type { LoadResult } from "./loadWorker.js"
import { type CpuProfile, renderSummary, summarise } from "./ProfileSummary.js"
import { requestPathCpu } from "./RequestPath.js"
import { openQueues } from "./QueueBench.js"
import { messageOfSize, signPublish, signSqsJson } from "./Signing.js"

const SCENARIOS = ["ceiling", "plain", "encrypted", "delivery", "relay", "send", "send-sse", "path-plain", "path-encrypted"] as const
type Scenario = (typeof SCENARIOS)[number]

const scenario = process.argv[2] as Scenario
if (!SCENARIOS.includes(scenario)) {
  process.stderr.write(`usage: profile <${SCENARIOS.join("|")}> [seconds] [--cpu-only]\n`)
  process.exit(2)
}
const cpuOnly = process.argv.includes("--cpu-only")
const seconds = Number(process.argv.slice(3).find((arg) => !arg.startsWith("--")) ?? 10)
const shape: LoadShape = { connections: 32, durationSeconds: seconds, warmupSeconds: 2 }
const KIB = 1024

const dataDir = mkdtempSync(join(tmpdir(), "sealcast-profile-"))
const bench = scenario.startsWith("path-") ? undefined : await openHttpBench(dataDir)
const session = new Session()
session.connect()
await session.post("Profiler.enable")
// 250 µs samples: a few per Publish, few enough not to be most of what is measured.
await session.post("Profiler.setSamplingInterval", { interval: 250 })
let cpuAtStart = process.cpuUsage()
let startedAt = performance.now()
const started = async (): Promise<void> => {
  if (!cpuOnly) await session.post("Profiler.start")
  cpuAtStart = process.cpuUsage()
  startedAt = performance.now()
}

/** SendMessage of 1 KiB to one of the benchmark's queues, replayed as scenarios 14 and 15 replay it. */
const sendLoad = async (bench: HttpBench): Promise<LoadResult> => {
  const queues = await openQueues(bench.broker)
  const queueUrl = scenario === "send" ? queues.plainQueueUrl : queues.sseSqsQueueUrl
  const request = signSqsJson(bench.broker, "SendMessage", { QueueUrl: queueUrl, MessageBody: messageOfSize(KIB) })
  return load(bench.broker.endpoint, [request], shape, bench.broker.caPem, started)
}

/** The load scenarios, over HTTPS. */
const networkLoad = (bench: HttpBench): Promise<LoadResult> => {
  if (scenario === "send" || scenario === "send-sse") return sendLoad(bench)
  const request = signPublish(bench.broker, bench.plainTopicArn, messageOfSize(KIB))
  // The warm-up runs before the profiler starts; `load` reports the measured seconds only.
  return scenario === "ceiling"
    ? ceiling(bench.broker, request, shape, started)
    : scenario === "relay"
    ? relay(bench, request, shape, started)
    : publishLoad(
        bench,
        scenario === "plain" ? bench.plainIngestTopicArn : scenario === "encrypted" ? bench.encryptedIngestTopicArn : bench.encryptedTopicArn,
        KIB,
        shape,
        started
      )
}

/** The request path without the network: `requests` Publish requests through the handler. */
const pathLoad = async (encrypted: boolean, requests: number) => {
  await requestPathCpu(dataDir, { requests, encrypted, onMeasuring: started })
  return { requestsPerSecond: (requests * 1000) / (performance.now() - startedAt), total: requests, errors: 0, non2xx: 0 }
}
try {
  const result: Pick<LoadResult, "requestsPerSecond" | "total" | "errors" | "non2xx"> = bench === undefined
    ? await pathLoad(scenario === "path-encrypted", seconds * 1000)
    : await networkLoad(bench)
  const cpu = process.cpuUsage(cpuAtStart)
  const line = `${scenario}: ${Math.round(result.requestsPerSecond)} req/s, errors ${result.errors + result.non2xx}; ` +
    `process CPU ${((cpu.user + cpu.system) / result.total).toFixed(1)} µs per request ` +
    `(user ${(cpu.user / result.total).toFixed(1)}, system ${(cpu.system / result.total).toFixed(1)})`
  if (cpuOnly) {
    process.stdout.write(`${line}\n`)
  } else {
    const { profile } = (await session.post("Profiler.stop")) as { readonly profile: CpuProfile }
    const file = join(process.env["PROFILE_DIR"] ?? tmpdir(), `sealcast-${scenario}.cpuprofile`)
    writeFileSync(file, JSON.stringify(profile))
    process.stdout.write(`${line}; profile ${file}\n`)
    process.stdout.write(renderSummary(summarise(profile, result.total)))
  }
} finally {
  session.disconnect()
  await bench?.stop()
  rmSync(dataDir, { recursive: true, force: true })
}
