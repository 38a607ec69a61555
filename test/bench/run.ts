/**
 * `npm run bench`: every scenario of the benchmark issue in one run of about six minutes, each limit
 * measured beside what it limits, because shared machines drift too much for absolute figures to
 * mean anything. Writes `bench-results.json` at the repository root and `test/bench/RESULTS.md`,
 * and prints the table.
 *
 * `SEALCAST_BENCH=cluster npm run bench` runs the cluster scenarios alone (18 to 23: SQLite against
 * PostgreSQL, one broker against two on one database; `ClusterBench.ts`), prints their table and
 * writes `bench-results.cluster.json`, leaving the full run's files as they are.
 * `SEALCAST_BENCH=targets` runs every scenario a target is judged on (1 to 17 and moto's), leaving
 * the cluster scenarios out.
 *
 * `SEALCAST_BENCH_RUNS=5` repeats the run five times in one sitting: the targets are judged on the
 * median of the runs, and `RESULTS.md` shows every run's value with the spread; `bench-runs.json`
 * keeps every run's figures (written after each run, so an interrupted sitting keeps what it measured).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { cpus, tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import type { BacklogJob, BacklogResult } from "./backlogWorker.js"
import { runWorker } from "./Child.js"
import { cipherThroughput } from "./CipherBench.js"
import { clusterLoads } from "./ClusterBench.js"
import { motoFanoutLoad } from "./FanoutBench.js"
import { filterThroughput } from "./FilterBench.js"
import { openEmbedded, PUBLISHERS, publishMany, rawStoreInserts } from "./Embedded.js"
import { deliveryLatency, drainDeliveries, type LoadShape, loadsInTurns, motoLoads, openHttpBench, publishLoad, publishTarget, relay, startCeiling } from "./Http.js"
import { CONSUMERS, motoQueueLoads, queueScenarios } from "./QueueBench.js"
import { clusterMarkdown, markdown, markdownOverRuns, type Results } from "./Report.js"
import { signPublish, messageOfSize } from "./Signing.js"

const KIB = 1024
const SHAPE: LoadShape = { connections: 32, durationSeconds: 10, warmupSeconds: 2 }
/** 256 KiB requests: fewer connections, so the sockets' buffers are not what is measured. */
const LARGE_SHAPE: LoadShape = { ...SHAPE, connections: 8 }
const BACKLOG_MESSAGES = 100_000
const SETTINGS: Results["settings"] = {
  connections: SHAPE.connections,
  largeConnections: LARGE_SHAPE.connections,
  durationSeconds: SHAPE.durationSeconds,
  warmupSeconds: SHAPE.warmupSeconds,
  embeddedPublishers: PUBLISHERS,
  rawStoreBatch: PUBLISHERS
}
const ONLY = process.env["SEALCAST_BENCH"] ?? ""
const RUNS = Number(process.env["SEALCAST_BENCH_RUNS"] ?? "1")
if (!Number.isInteger(RUNS) || RUNS < 1) {
  throw new Error(`SEALCAST_BENCH_RUNS=${process.env["SEALCAST_BENCH_RUNS"]}: give a whole number of runs, 1 or more`)
}

const step = (what: string) => process.stderr.write(`bench: ${what}\n`)
const scratch: Array<string> = []
const tempDataDir = (name: string) => {
  const dir = mkdtempSync(join(tmpdir(), `sealcast-bench-${name}-`))
  scratch.push(dir)
  return dir
}

/** The cluster scenarios alone: their table printed, their figures beside the full run's. */
const clusterOnly = async () => {
  const cluster = await clusterLoads(SHAPE, KIB, tempDataDir, step)
  writeFileSync(fileURLToPath(new URL("../../bench-results.cluster.json", import.meta.url)), `${JSON.stringify(cluster, null, 2)}\n`)
  process.stdout.write(clusterMarkdown(cluster, SETTINGS))
}

/** One run of every scenario a target is judged on, and of the cluster scenarios when asked. */
const measure = async (withCluster: boolean): Promise<Results> => {
  step("6 cipher")
  const cipher = cipherThroughput(1)

  step("10 filter policies")
  const routing = filterThroughput(1000, 2)

  step("4 embedded publish")
  const embeddedDir = tempDataDir("embedded")
  const embeddedBroker = await openEmbedded(embeddedDir)
  const embeddedPlain = await publishMany(embeddedBroker, embeddedBroker.plainTopicArn, KIB, { seconds: 5 })
  const embeddedEncrypted = await publishMany(embeddedBroker, embeddedBroker.encryptedTopicArn, KIB, { seconds: 5 })
  await embeddedBroker.close()

  step("5 raw store")
  const rawStore = await rawStoreInserts(embeddedDir, tempDataDir("raw"), PUBLISHERS, 3)

  step("setting up the broker and the subscriber")
  const bench = await openHttpBench(tempDataDir("https"))
  const results = await (async () => {
    try {
      step("1, 11 and 12 in turns: the bare server, Publish to a plain and to an encrypted topic with no subscriber")
      const bareServer = await startCeiling(bench.broker)
      const [ceilingResult, ingestPlain, ingestEncrypted] = await loadsInTurns(
        [
          bareServer.target(signPublish(bench.broker, bench.plainTopicArn, messageOfSize(KIB))),
          publishTarget(bench, bench.plainIngestTopicArn, KIB),
          publishTarget(bench, bench.encryptedIngestTopicArn, KIB)
        ],
        SHAPE
      ).finally(bareServer.close)
      step("13 relay")
      const relayResult = await relay(bench, signPublish(bench.broker, bench.plainTopicArn, messageOfSize(KIB)), SHAPE)
      await drainDeliveries(bench, 30)
      step("2 publish, plain topic")
      const publishPlain = await publishLoad(bench, bench.plainTopicArn, KIB, SHAPE)
      await drainDeliveries(bench, 30)
      step("3 publish, encrypted topic")
      const publishEncrypted = await publishLoad(bench, bench.encryptedTopicArn, KIB, SHAPE)
      await drainDeliveries(bench, 30)
      step("9 large messages")
      const large = await publishLoad(bench, bench.encryptedTopicArn, 256 * KIB, LARGE_SHAPE)
      await drainDeliveries(bench, 30)
      step("7 delivery latency")
      const latencyOptions = { ratePerSecond: 500, durationSeconds: 10, messageBytes: KIB }
      const latency = { ...(await deliveryLatency(bench, latencyOptions)), ...latencyOptions }
      const { fanout, ...queue } = await queueScenarios(bench.broker, KIB, SHAPE, step)
      return {
        ceilingResult,
        ingestPlain,
        ingestEncrypted,
        relayResult,
        publishPlain,
        publishEncrypted,
        large,
        latency,
        queue,
        fanout
      }
    } finally {
      await bench.stop()
    }
  })()

  step("moto: Publish, then SendMessage and ReceiveMessage + DeleteMessage, then the SNS → SQS fan-out")
  const motoRun = await motoLoads(KIB, SHAPE, async (port) => ({
    queue: await motoQueueLoads(port, KIB, SHAPE),
    fanout: await motoFanoutLoad(port, KIB, SHAPE)
  }))

  step("8 backlog memory (fresh process)")
  const backlog = await runWorker<BacklogResult>(
    "./backlogWorker.ts",
    { dataDir: tempDataDir("backlog"), messages: BACKLOG_MESSAGES, messageBytes: KIB } satisfies BacklogJob,
    ["--expose-gc"]
  )

  const cluster = withCluster ? await clusterLoads(SHAPE, KIB, tempDataDir, step) : undefined

  return {
    machine: {
      cores: cpus().length,
      cpu: cpus()[0]?.model.trim() ?? "unknown",
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      date: new Date().toISOString().slice(0, 10)
    },
    settings: SETTINGS,
    ceiling: results.ceilingResult,
    publishPlain: results.publishPlain,
    publishEncrypted: results.publishEncrypted,
    ingestPlain: results.ingestPlain,
    ingestEncrypted: results.ingestEncrypted,
    relay: results.relayResult,
    embedded: { plainPerSecond: embeddedPlain.perSecond, encryptedPerSecond: embeddedEncrypted.perSecond },
    rawStore,
    cipher,
    latency: results.latency,
    backlog: { ...backlog, messages: BACKLOG_MESSAGES },
    large: { ...results.large, messageBytes: 256 * KIB },
    moto: "skipped" in motoRun ? motoRun : { result: motoRun.publish },
    routing,
    queue: { ...results.queue, consumers: CONSUMERS },
    motoQueue: "skipped" in motoRun ? motoRun : motoRun.more.queue,
    fanout: results.fanout,
    motoFanout: "skipped" in motoRun ? motoRun : motoRun.more.fanout,
    ...(cluster === undefined ? {} : { cluster })
  }
}

/** `RUNS` runs in a row; the report judges the targets on their median. */
const repeatedRuns = async (withCluster: boolean) => {
  const runs: Array<Results> = []
  for (let run = 1; run <= RUNS; run += 1) {
    if (RUNS > 1) step(`run ${run} of ${RUNS}`)
    const results = await measure(withCluster)
    runs.push(results)
    writeFileSync(fileURLToPath(new URL("../../bench-results.json", import.meta.url)), `${JSON.stringify(results, null, 2)}\n`)
    if (RUNS > 1) writeFileSync(fileURLToPath(new URL("../../bench-runs.json", import.meta.url)), `${JSON.stringify(runs, null, 2)}\n`)
  }
  const table = RUNS > 1 ? markdownOverRuns(runs) : markdown(runs[0]!)
  writeFileSync(fileURLToPath(new URL("./RESULTS.md", import.meta.url)), table)
  process.stdout.write(table)
}

try {
  if (ONLY === "") await repeatedRuns(true)
  else if (ONLY === "targets") await repeatedRuns(false)
  else if (ONLY === "cluster") await clusterOnly()
  else throw new Error(`SEALCAST_BENCH=${ONLY}: the selections are "cluster" and "targets" (or leave it unset for every scenario)`)
} finally {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true })
}
