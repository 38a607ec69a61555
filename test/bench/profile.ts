/**
 * `npm run profile --workspace=@sealcast/test -- <scenario> [seconds] [--cpu-only]`: one HTTPS
 * scenario of the benchmark under the same load, with the V8 CPU profiler on for the measured
 * seconds only (not start-up), then the CPU per request by step (`ProfileSummary.ts`), the figures
 * of docs/PERFORMANCE.md, "CPU per request". With `--cpu-only`, no profiler: the rate and the
 * process's CPU time per request alone, as the profiler's sampling slows what it measures.
 * `path-plain` and `path-encrypted` run the broker's request path without the network instead
 * (`RequestPath.ts`), `seconds` then counting thousands of requests; `embedded-plain` and
 * `embedded-encrypted` run scenario 4 (`Embedded.ts`: 64 publishers through the embedding API, no
 * HTTP) for `seconds` after 2 of warm-up, the rate and the CPU then per message published; `floors`
 * prints what an encrypted Publish's cryptography and stored row cost with nothing around them
 * (`Floors.ts`), to read beside `ceiling --cpu-only`. Scenarios: `ceiling` (the bare server),
 * `ceiling-next-turn` (the bare server answering as the broker answers a Publish, `Http.ts`), `plain` and
 * `encrypted` (Publish, no subscriber), `delivery` (encrypted Publish, one subscriber), `relay` (the
 * bare relay), `send` and `send-sse` (SendMessage of 1 KiB to a queue without encryption and to one
 * under SSE-SQS, scenarios 14 and 15), `fanout` (Publish of 1 KiB to an encrypted topic with four SSE-KMS
 * queue subscriptions, scenario 17; the rate is Publish requests, the line adds the queue messages landed),
 * `receive` (scenario 16: the SSE-SQS queue filled by `seconds` of SendMessage, then the 8 SDK
 * consumers' ReceiveMessage of 10 and DeleteMessage of each for `seconds`, with no warm-up beyond the
 * sends; the rate and the CPU are per message deleted). The `.cpuprofile` is written to the directory `PROFILE_DIR` names (default the
 * system's temporary directory), for Chrome DevTools.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { Session } from "node:inspector/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { ceiling, ceilingNextTurn, type HttpBench, type LoadShape, load, openHttpBench, publishLoad, relay } from "./Http.js"
import type { LoadResult } from "./loadWorker.js"
import { type CpuProfile, renderSummary, summarise } from "./ProfileSummary.js"
import { requestPathCpu } from "./RequestPath.js"
import { fanoutLoad } from "./FanoutBench.js"
import { openQueues, receiveDeleteLoad } from "./QueueBench.js"
import { openEmbedded, publishMany } from "./Embedded.js"
import { floors } from "./Floors.js"
import { messageOfSize, signPublish, signSqsJson } from "./Signing.js"

const SCENARIOS = ["ceiling", "ceiling-next-turn", "plain", "encrypted", "delivery", "relay", "send", "send-sse", "fanout", "receive", "path-plain", "path-encrypted", "embedded-plain", "embedded-encrypted", "floors"] as const
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
if (scenario === "floors") {
  // The mean group scenario 12's load gathers per turn with 32 connections (docs/PERFORMANCE.md).
  const measured = await floors(dataDir, 21)
  rmSync(dataDir, { recursive: true, force: true })
  process.stdout.write(`| floor | µs per Publish |\n| --- | --- |\n${measured.map((f) => `| ${f.step} | ${f.microseconds.toFixed(1)} |`).join("\n")}\n`)
  process.exit(0)
}
const bench = scenario.startsWith("path-") || scenario.startsWith("embedded-") ? undefined : await openHttpBench(dataDir)
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

/** Scenario 17: the four queues' messages that landed are reported beside the Publish rate. */
const fanout = async (bench: HttpBench): Promise<LoadResult> => {
  const result = await fanoutLoad(bench.broker, KIB, shape, started)
  process.stdout.write(`fanout: ${(result.landedDuringRun / seconds).toFixed(0)} queue messages landed per second\n`)
  return result
}

/** Scenario 16: the queue filled first, then received from and deleted, a deleted message counted as a request. */
const receiveLoad = async (bench: HttpBench): Promise<Pick<LoadResult, "requestsPerSecond" | "total" | "errors" | "non2xx">> => {
  const { sseSqsQueueUrl } = await openQueues(bench.broker)
  const fill = signSqsJson(bench.broker, "SendMessage", { QueueUrl: sseSqsQueueUrl, MessageBody: messageOfSize(KIB) })
  const filled = await load(bench.broker.endpoint, [fill], shape, bench.broker.caPem)
  await started()
  const consumed = await receiveDeleteLoad(bench.broker, sseSqsQueueUrl, { ...shape, warmupSeconds: 0 })
  process.stdout.write(
    `receive: ${filled.total} messages sent first; ${consumed.emptyReceives} empty receives; cycle p50 ${consumed.cycleP50Ms.toFixed(1)} ms\n`
  )
  return { requestsPerSecond: consumed.messagesPerSecond, total: consumed.deleted, errors: consumed.errors, non2xx: 0 }
}

/** The load scenarios, over HTTPS. */
const networkLoad = (bench: HttpBench): Promise<Pick<LoadResult, "requestsPerSecond" | "total" | "errors" | "non2xx">> => {
  if (scenario === "receive") return receiveLoad(bench)
  if (scenario === "send" || scenario === "send-sse") return sendLoad(bench)
  if (scenario === "fanout") return fanout(bench)
  const request = signPublish(bench.broker, bench.plainTopicArn, messageOfSize(KIB))
  // The warm-up runs before the profiler starts; `load` reports the measured seconds only.
  return scenario === "ceiling"
    ? ceiling(bench.broker, request, shape, started)
    : scenario === "ceiling-next-turn"
    ? ceilingNextTurn(bench.broker, request, shape, started)
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

/** Closes the embedded broker once the CPU is read, so closing it is not counted. */
let closeEmbedded = async (): Promise<void> => undefined

/** Scenario 4: `seconds` of publishes of 1 KiB through the embedding API after a warm-up, a message counted as a request. */
const embeddedLoad = async (encrypted: boolean) => {
  const broker = await openEmbedded(dataDir)
  closeEmbedded = broker.close
  const topicArn = encrypted ? broker.encryptedTopicArn : broker.plainTopicArn
  await publishMany(broker, topicArn, KIB, { seconds: shape.warmupSeconds })
  await started()
  const { published, perSecond } = await publishMany(broker, topicArn, KIB, { seconds })
  return { requestsPerSecond: perSecond, total: published, errors: 0, non2xx: 0 }
}

try {
  const result: Pick<LoadResult, "requestsPerSecond" | "total" | "errors" | "non2xx"> = bench === undefined
    ? scenario.startsWith("embedded-")
      ? await embeddedLoad(scenario === "embedded-encrypted")
      : await pathLoad(scenario === "path-encrypted", seconds * 1000)
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
  await closeEmbedded()
  await bench?.stop()
  rmSync(dataDir, { recursive: true, force: true })
}
