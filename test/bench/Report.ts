/**
 * The run's figures as `bench-results.json` and as the Markdown table the README shows, with the
 * targets of the benchmark issue judged as ratios inside the one run; for several runs, each target's
 * value in every run, their median (what a target is judged on) and their spread.
 */
import type { BacklogResult } from "./backlogWorker.js"
import type { CipherRow } from "./CipherBench.js"
import type { ClusterResults, ClusterRun } from "./ClusterBench.js"
import type { FanoutResult } from "./FanoutBench.js"
import type { ConsumeResult } from "./consumerWorker.js"
import type { FilterRow } from "./FilterBench.js"
import type { PublishLoadResult, ServedLoad } from "./Http.js"
import type { LoadResult } from "./loadWorker.js"
import type { MotoQueueResults } from "./QueueBench.js"
import { median } from "./Stats.js"
import type { ProbeResult } from "./subscriberWorker.js"

/** A `ServedLoad` as a run recorded it: runs recorded before `loadsInTurns` lack the CPU per request. */
type RecordedServedLoad = LoadResult & Partial<Pick<ServedLoad, "cpuMicrosPerRequest">>

/** Everything one run measured. */
export interface Results {
  readonly machine: {
    readonly cores: number
    readonly cpu: string
    readonly node: string
    readonly platform: string
    readonly date: string
  }
  readonly settings: {
    readonly connections: number
    readonly largeConnections: number
    readonly durationSeconds: number
    readonly warmupSeconds: number
    readonly embeddedPublishers: number
    readonly rawStoreBatch: number
  }
  readonly ceiling: RecordedServedLoad
  readonly publishPlain: PublishLoadResult
  readonly publishEncrypted: PublishLoadResult
  readonly ingestPlain: RecordedServedLoad
  readonly ingestEncrypted: RecordedServedLoad
  readonly relay: PublishLoadResult
  readonly embedded: { readonly plainPerSecond: number; readonly encryptedPerSecond: number }
  readonly rawStore: { readonly plainPerSecond: number; readonly encryptedPerSecond: number }
  readonly cipher: ReadonlyArray<CipherRow>
  readonly latency: ProbeResult & { readonly ratePerSecond: number; readonly durationSeconds: number }
  readonly backlog: BacklogResult & { readonly messages: number }
  readonly large: PublishLoadResult & { readonly messageBytes: number }
  readonly moto: { readonly result: LoadResult } | { readonly skipped: string }
  readonly routing: FilterRow
  readonly queue: {
    readonly sendPlain: LoadResult
    readonly sendSseSqs: LoadResult
    readonly receiveDelete: ConsumeResult
    readonly consumers: number
  }
  readonly motoQueue: MotoQueueResults
  readonly fanout: FanoutResult
  readonly motoFanout: FanoutResult | { readonly skipped: string }
  /** Absent when the run left the cluster scenarios out (`SEALCAST_BENCH=targets`). */
  readonly cluster?: ClusterResults
}

/** One target of the issue: a ratio of two figures of this run and the bound it must meet. */
export interface Target {
  readonly name: string
  readonly value: number
  /** `≥ bound` for ratios; `≤ bound` for the memory growth. */
  readonly bound: number
  readonly atMost: boolean
  readonly met: boolean
  readonly unit: string
}

const ratio = (name: string, value: number, bound: number): Target => ({
  name,
  value,
  bound,
  atMost: false,
  met: Number.isFinite(value) && value >= bound,
  unit: "×"
})

/**
 * Messages a second that were both accepted and delivered in the measured seconds: the slower of the
 * two rates, so a backlog left behind does not count.
 */
export const deliveredPerSecond = (r: PublishLoadResult, seconds: number): number =>
  Math.min(r.requestsPerSecond, r.deliveredDuringRun / seconds)

/** Queue messages a fan-out landed a second in the measured seconds, all its queues together. */
export const landedPerSecond = (r: FanoutResult, seconds: number): number => r.landedDuringRun / seconds

/** The issue's targets, judged on this run's figures; moto's only when it ran. */
export const targets = (r: Results): ReadonlyArray<Target> => {
  const largest = r.cipher[r.cipher.length - 1]
  const growth = r.backlog.rssAfterMB - r.backlog.rssBeforeMB
  const seconds = r.settings.durationSeconds
  return [
    ratio("12 ÷ 1: encrypted Publish, no subscriber, over the bare HTTPS server", r.ingestEncrypted.requestsPerSecond / r.ceiling.requestsPerSecond, 0.5),
    ratio("12 ÷ 11: encrypted over plain Publish, no subscriber", r.ingestEncrypted.requestsPerSecond / r.ingestPlain.requestsPerSecond, 0.9),
    ratio("4 ÷ 5: embedded encrypted publish over the raw store", r.embedded.encryptedPerSecond / r.rawStore.encryptedPerSecond, 0.5),
    ratio(
      "3 ÷ 13: encrypted publish and delivery over the bare relay",
      deliveredPerSecond(r.publishEncrypted, seconds) / deliveredPerSecond(r.relay, seconds),
      0.5
    ),
    ratio(
      `6: node:crypto layer over raw node:crypto at ${largest === undefined ? "?" : largest.bytes / 1024} KiB`,
      largest === undefined ? Number.NaN : largest.nodeLayerMBps / largest.rawNodeMBps,
      0.9
    ),
    { name: "8: RSS growth with the backlog", value: growth, bound: 100, atMost: true, met: growth <= 100, unit: " MB" },
    ...("result" in r.moto
      ? [ratio("11 ÷ moto: plain Publish, no subscriber, over moto's", r.ingestPlain.requestsPerSecond / r.moto.result.requestsPerSecond, 25)]
      : []),
    ...("skipped" in r.motoQueue
      ? []
      : [
          ratio("14 ÷ moto: SendMessage over moto's", r.queue.sendPlain.requestsPerSecond / r.motoQueue.sendMessage.requestsPerSecond, 25),
          ratio(
            "16 ÷ moto: ReceiveMessage + DeleteMessage over moto's",
            r.queue.receiveDelete.messagesPerSecond / r.motoQueue.receiveDelete.messagesPerSecond,
            25
          )
        ]),
    ...("skipped" in r.motoFanout
      ? []
      : [
          ratio(
            "17 ÷ moto: SNS → SQS fan-out, queue messages landed a second, over moto's",
            landedPerSecond(r.fanout, seconds) / landedPerSecond(r.motoFanout, seconds),
            25
          )
        ])
  ]
}

const fixed = (n: number, digits = 0) =>
  Number.isFinite(n) ? n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits }) : "n/a"

export const loadCells = (l: LoadResult) =>
  `${fixed(l.requestsPerSecond)} req/s, p50 ${fixed(l.p50Ms)} ms, p99 ${fixed(l.p99Ms)} ms, errors ${l.errors + l.non2xx + l.timeouts}`

/** A load's cells, with the serving process's CPU per request where the run measured it. */
const servedCells = (l: RecordedServedLoad) =>
  l.cpuMicrosPerRequest === undefined ? loadCells(l) : `${loadCells(l)}; ${fixed(l.cpuMicrosPerRequest, 1)} µs of process CPU per request`

export const fanoutCells = (f: FanoutResult, seconds: number) =>
  `${loadCells(f)}; ${fixed(f.landedDuringRun)} messages landed in the ${f.queues} queues during the run (${fixed(f.landedDuringRun / seconds)}/s)`

export const consumeCells = (c: ConsumeResult) =>
  `${fixed(c.messagesPerSecond)} messages/s received and deleted, cycle p50 ${fixed(c.cycleP50Ms)} ms, p99 ${fixed(c.cycleP99Ms)} ms, ${fixed(c.emptyReceives)} empty receives, errors ${c.errors}`

/** The busiest states of the database's connections, most first, as "state: average backends". */
const busyCells = (busy: Readonly<Record<string, number>>) =>
  Object.entries(busy)
    .sort(([, a], [, b]) => b - a)
    .slice(0, 4)
    .map(([what, n]) => `${what} ${fixed(n, 1)}`)
    .join(", ")

const clusterCells = (run: ClusterRun) => {
  const perRequest = (cpu: number) => fixed((cpu * 1000) / run.requestsPerSecond, 2)
  const each = run.brokerCpuEach.length > 1 ? ` (${run.brokerCpuEach.map(perRequest).join(" + ")})` : ""
  const load = `${loadCells(run)}; CPU per request: broker${run.brokerCpuEach.length > 1 ? "s" : ""} ${perRequest(run.brokerCpu)} ms${each}`
  if (run.pg === undefined) return load
  const pg = run.pg
  return `${load}, PostgreSQL ${perRequest(run.postgresCpu)} ms; ${fixed(pg.commitsPerSecond / run.requestsPerSecond, 2)} commits and ` +
    `${fixed(pg.walSyncsPerSecond / run.requestsPerSecond, 2)} WAL flushes per request (${fixed(pg.walSyncsPerSecond)} flushes/s, ` +
    `${fixed(pg.walSyncMsPerSecond)} ms of each second flushing); ${pg.connections} connections; busy connections on average: ${busyCells(pg.busy) || "none"}`
}

/** Scenarios 18 to 23, as rows of the main table. */
const clusterRows = (c: ClusterResults): ReadonlyArray<readonly [string, string, string]> => [
  ["18", "Publish 1 KiB, encrypted topic, no subscriber: `sealcast serve` on SQLite", clusterCells(c.publish.sqlite)],
  ["19", "scenario 18's load, one broker on PostgreSQL (`--database-url`)", clusterCells(c.publish.postgres1)],
  ["20", "scenario 18's load split between two brokers on one PostgreSQL database", clusterCells(c.publish.postgres2)],
  ["21", "SendMessage 1 KiB, SSE-SQS queue: `sealcast serve` on SQLite", clusterCells(c.sendMessage.sqlite)],
  ["22", "scenario 21's load, one broker on PostgreSQL", clusterCells(c.sendMessage.postgres1)],
  ["23", "scenario 21's load split between two brokers on one PostgreSQL database", clusterCells(c.sendMessage.postgres2)]
]

/** What the cluster scenarios compare, as ratios inside the run. */
const clusterRatios = (c: ClusterResults): ReadonlyArray<string> => {
  const rate = (run: ClusterRun) => run.requestsPerSecond
  return [
    "| cluster ratio | this run |",
    "| --- | --- |",
    `| 19 ÷ 18: Publish, PostgreSQL over SQLite | ${fixed(rate(c.publish.postgres1) / rate(c.publish.sqlite), 2)}× |`,
    `| 20 ÷ 19: Publish, two brokers over one | ${fixed(rate(c.publish.postgres2) / rate(c.publish.postgres1), 2)}× |`,
    `| 22 ÷ 21: SendMessage, PostgreSQL over SQLite | ${fixed(rate(c.sendMessage.postgres1) / rate(c.sendMessage.sqlite), 2)}× |`,
    `| 23 ÷ 22: SendMessage, two brokers over one | ${fixed(rate(c.sendMessage.postgres2) / rate(c.sendMessage.postgres1), 2)}× |`
  ]
}

const clusterSettings = (c: ClusterResults, s: Results["settings"]) =>
  `Scenarios 18 to 23: each broker \`sealcast serve\` in its own process, PostgreSQL ${c.postgresVersion} on this machine with \`fsync\` on, ` +
  `${s.connections} connections in all (split evenly between two brokers), load average ${c.loadAverage.map((n) => fixed(n, 2)).join(" / ")} when they began.`

/** The cluster scenarios alone (`SEALCAST_BENCH=cluster`). */
export const clusterMarkdown = (c: ClusterResults, s: Results["settings"]): string =>
  [
    "# Benchmark results: the cluster scenarios",
    "",
    clusterSettings(c, s),
    "",
    "| # | scenario | figures |",
    "| --- | --- | --- |",
    ...clusterRows(c).map(([n, scenario, figures]) => `| ${n} | ${scenario} | ${figures} |`),
    "",
    ...clusterRatios(c),
    ""
  ].join("\n")

/** The Markdown report: machine, every figure, and the targets with met or not met. */
export const markdown = (r: Results): string => {
  const s = r.settings
  const rows: Array<readonly [string, string, string]> = [
    ["1", "ceiling: bare `node:https`, 1 KiB POST", servedCells(r.ceiling)],
    ["2", "Publish 1 KiB, plain topic, 1 subscriber", `${loadCells(r.publishPlain)}; ${fixed(r.publishPlain.deliveredDuringRun)} delivered during the run`],
    ["3", "Publish 1 KiB, encrypted topic (customer key), 1 subscriber", `${loadCells(r.publishEncrypted)}; ${fixed(r.publishEncrypted.deliveredDuringRun)} delivered during the run`],
    ["4", `embedded publish 1 KiB (${s.embeddedPublishers} fibers)`, `plain ${fixed(r.embedded.plainPerSecond)}/s, encrypted ${fixed(r.embedded.encryptedPerSecond)}/s`],
    ["5", `raw store inserts (batches of ${s.rawStoreBatch})`, `plain ${fixed(r.rawStore.plainPerSecond)}/s, encrypted ${fixed(r.rawStore.encryptedPerSecond)}/s`],
    ...r.cipher.map(
      (c) =>
        [
          "6",
          `AES-256-GCM seal, ${c.bytes / 1024} KiB`,
          `noble ${fixed(c.nobleMBps)} MB/s, node:crypto layer ${fixed(c.nodeLayerMBps)} MB/s, raw node:crypto ${fixed(c.rawNodeMBps)} MB/s`
        ] as const
    ),
    [
      "7",
      `delivery latency, encrypted topic → HTTP subscriber, ${fixed(r.latency.ratePerSecond)}/s for ${r.latency.durationSeconds} s`,
      `p50 ${fixed(r.latency.p50Ms, 1)} ms, p99 ${fixed(r.latency.p99Ms, 1)} ms, p99.9 ${fixed(r.latency.p999Ms, 1)} ms, max ${fixed(r.latency.maxMs, 1)} ms; ${fixed(r.latency.received)} of ${fixed(r.latency.sent)} received, ${r.latency.publishErrors} publish errors${
        r.latency.publishErrors === 0 ? "" : ` (${Object.entries(r.latency.publishErrorKinds).map(([kind, n]) => `${kind}: ${n}`).join(", ")})`
      }`
    ],
    [
      "8",
      `backlog: ${fixed(r.backlog.messages)} pending encrypted 1 KiB messages`,
      `RSS ${fixed(r.backlog.rssBeforeMB)} → ${fixed(r.backlog.rssAfterMB)} MB, heap ${fixed(r.backlog.heapUsedBeforeMB)} → ${fixed(r.backlog.heapUsedAfterMB)} MB; ${fixed(r.backlog.pending)} pending; ${fixed(r.backlog.publishesPerSecond)} publishes/s`
    ],
    [
      "9",
      `Publish ${r.large.messageBytes / 1024} KiB, encrypted topic (${s.largeConnections} connections)`,
      `${fixed((r.large.requestsPerSecond * r.large.messageBytes) / 1e6, 1)} MB/s (${loadCells(r.large)})`
    ],
    [
      "10",
      `one message against ${fixed(r.routing.subscriptions)} subscriptions' filter policies`,
      `${fixed(r.routing.messagesPerSecond)} messages/s (${fixed(1e6 / r.routing.messagesPerSecond, 1)} µs each, ${fixed(r.routing.matched)} matched); without policies ${fixed(r.routing.unfilteredMessagesPerSecond)}/s`
    ],
    ["11", "Publish 1 KiB, plain topic, no subscriber", servedCells(r.ingestPlain)],
    ["12", "Publish 1 KiB, encrypted topic (customer key), no subscriber", servedCells(r.ingestEncrypted)],
    [
      "13",
      "bare relay: `node:https` forwarding each 1 KiB POST to the subscriber",
      `${loadCells(r.relay)}; ${fixed(r.relay.deliveredDuringRun)} delivered during the run`
    ],
    ["14", "SendMessage 1 KiB, queue without encryption", loadCells(r.queue.sendPlain)],
    ["15", "SendMessage 1 KiB, SSE-SQS queue (the default)", loadCells(r.queue.sendSseSqs)],
    ["16", `ReceiveMessage (up to 10) + DeleteMessage each, SSE-SQS queue, ${r.queue.consumers} SDK consumers`, consumeCells(r.queue.receiveDelete)],
    [
      "17",
      `SNS → SQS fan-out: Publish 1 KiB, encrypted topic (customer key) into ${r.fanout.queues} SSE-KMS queues, raw delivery, queue and key policies allowing SNS`,
      fanoutCells(r.fanout, s.durationSeconds)
    ],
    ["moto", "scenario 11's load against `moto.server`", "result" in r.moto ? loadCells(r.moto.result) : `skipped: ${r.moto.skipped}`],
    ["moto", "scenario 14's load against `moto.server`'s SQS", "skipped" in r.motoQueue ? `skipped: ${r.motoQueue.skipped}` : loadCells(r.motoQueue.sendMessage)],
    [
      "moto",
      `scenario 16 against \`moto.server\`'s SQS (what its scenario 14 left), ${r.queue.consumers} SDK consumers`,
      "skipped" in r.motoQueue ? `skipped: ${r.motoQueue.skipped}` : consumeCells(r.motoQueue.receiveDelete)
    ],
    [
      "moto",
      "scenario 17 against `moto.server`'s SNS and SQS (moto checks no queue or key policy and encrypts nothing)",
      "skipped" in r.motoFanout ? `skipped: ${r.motoFanout.skipped}` : fanoutCells(r.motoFanout, s.durationSeconds)
    ],
    ...(r.cluster === undefined ? [] : clusterRows(r.cluster))
  ]
  const judged = targets(r).map(
    (t) => `| ${t.name} | ${fixed(t.value, t.unit === "×" ? 2 : 0)}${t.unit} | ${t.atMost ? "≤" : "≥"} ${fixed(t.bound, t.unit === "×" ? 1 : 0)}${t.unit} | ${t.met ? "met" : "**not met**"} |`
  )
  return [
    "# Benchmark results",
    "",
    `${r.machine.cores} cores (${r.machine.cpu}), Node ${r.machine.node}, ${r.machine.platform}, ${r.machine.date}.`,
    `HTTPS load: autocannon in its own process, ${s.connections} keep-alive connections (${s.largeConnections} for 256 KiB), ` +
      `${s.warmupSeconds} s warm-up then ${s.durationSeconds} s; scenarios 1, 11 and 12 in turns, each warmed up once, then in two rounds of ` +
      `${s.durationSeconds / 2} s each, the second in reverse order. Durable SQLite store in a temporary data dir.`,
    ...(r.cluster === undefined ? [] : [clusterSettings(r.cluster, s)]),
    "",
    "| # | scenario | figures |",
    "| --- | --- | --- |",
    ...rows.map(([n, scenario, figures]) => `| ${n} | ${scenario} | ${figures} |`),
    "",
    "| target | this run | bound | |",
    "| --- | --- | --- | --- |",
    ...judged,
    "",
    ...(r.cluster === undefined ? [] : [...clusterRatios(r.cluster), ""])
  ].join("\n")
}

/** One target judged over several runs: its value in each, their median, and the bound. */
export interface TargetOverRuns {
  readonly name: string
  /** In run order; `undefined` where that run did not measure it (moto skipped, say). */
  readonly values: ReadonlyArray<number | undefined>
  readonly median: number
  readonly min: number
  readonly max: number
  readonly bound: number
  readonly atMost: boolean
  /** Judged on the median, as the benchmark issue asks. */
  readonly met: boolean
  readonly unit: string
}

/** Every target that some run measured, in the order the report lists them, over all the runs. */
export const targetsOverRuns = (runs: ReadonlyArray<Results>): ReadonlyArray<TargetOverRuns> => {
  const perRun = runs.map((run) => new Map(targets(run).map((t) => [t.name, t])))
  const names = [...new Set(perRun.flatMap((judged) => [...judged.keys()]))]
  return names.map((name) => {
    const first = perRun.map((judged) => judged.get(name)).find((t) => t !== undefined)!
    const values = perRun.map((judged) => judged.get(name)?.value)
    const measured = values.filter((v): v is number => v !== undefined && Number.isFinite(v))
    const middle = median(measured)
    return {
      name,
      values,
      median: middle,
      min: Math.min(...measured),
      max: Math.max(...measured),
      bound: first.bound,
      atMost: first.atMost,
      met: Number.isFinite(middle) && (first.atMost ? middle <= first.bound : middle >= first.bound),
      unit: first.unit
    }
  })
}

/** One row of `cpuOverRuns`: a figure in each run and its median. */
export interface CpuRow {
  readonly name: string
  readonly values: ReadonlyArray<number>
  readonly median: number
  readonly unit: "µs" | "×"
}

/**
 * Scenarios 1, 11 and 12's process CPU per request in every run, and the two Publish targets'
 * ratios as that CPU gives them (the rate a request thread reaches is the inverse of its CPU per
 * request). Empty unless every run measured it.
 */
export const cpuOverRuns = (runs: ReadonlyArray<Results>): ReadonlyArray<CpuRow> => {
  const perRun = runs.map((r) => [r.ceiling.cpuMicrosPerRequest, r.ingestPlain.cpuMicrosPerRequest, r.ingestEncrypted.cpuMicrosPerRequest] as const)
  const measured = perRun.filter((cpu): cpu is readonly [number, number, number] => cpu.every((v) => v !== undefined))
  if (runs.length === 0 || measured.length < runs.length) return []
  const row = (name: string, unit: CpuRow["unit"], value: (cpu: readonly [number, number, number]) => number): CpuRow => {
    const values = measured.map(value)
    return { name, values, median: median(values), unit }
  }
  return [
    row("1: bare server", "µs", ([bare]) => bare),
    row("11: plain Publish", "µs", ([, plain]) => plain),
    row("12: encrypted Publish", "µs", ([, , encrypted]) => encrypted),
    row("12 ÷ 1 by CPU: bare server's CPU over encrypted Publish's", "×", ([bare, , encrypted]) => bare / encrypted),
    row("12 ÷ 11 by CPU: plain Publish's CPU over encrypted Publish's", "×", ([, plain, encrypted]) => plain / encrypted)
  ]
}

/** `cpuOverRuns` as a table with its lead-in, or nothing when no run measured it. */
const cpuTable = (rows: ReadonlyArray<CpuRow>, header: ReadonlyArray<string>): ReadonlyArray<string> =>
  rows.length === 0
    ? []
    : [
      "Process CPU per request in scenarios 1, 11 and 12 (the harness's process, which serves both the bare server and the broker), " +
      "and the two Publish targets as that CPU gives them; not judged, for reading beside the rates:",
      "",
      `| figure | ${header.join(" | ")} | median |`,
      `| --- | ${header.map(() => "---").join(" | ")} | --- |`,
      ...rows.map((r) => {
        const cell = (v: number) => (r.unit === "µs" ? `${fixed(v, 1)} µs` : `${fixed(v, 2)}×`)
        return `| ${r.name} | ${r.values.map(cell).join(" | ")} | ${cell(r.median)} |`
      }),
      ""
    ]

/**
 * The report of several runs: each target's value in every run, its median and spread, then the
 * last run's every figure (the tables `markdown` writes for one run).
 */
export const markdownOverRuns = (runs: ReadonlyArray<Results>): string => {
  const last = runs[runs.length - 1]
  if (last === undefined) throw new Error("no run to report")
  const digits = (t: TargetOverRuns) => (t.unit === "×" ? 2 : 0)
  const cell = (t: TargetOverRuns, v: number | undefined) => (v === undefined ? "–" : `${fixed(v, digits(t))}${t.unit}`)
  const header = runs.map((_, i) => `run ${i + 1}`)
  const judged = targetsOverRuns(runs).map(
    (t) =>
      `| ${t.name} | ${t.values.map((v) => cell(t, v)).join(" | ")} | ${cell(t, t.median)} | ${cell(t, t.min)} – ${cell(t, t.max)} | ` +
      `${t.atMost ? "≤" : "≥"} ${fixed(t.bound, t.unit === "×" ? 1 : 0)}${t.unit} | ${t.met ? "met" : "**not met**"} |`
  )
  const [title, ...rest] = markdown(last).split("\n")
  return [
    title,
    "",
    `The targets over ${runs.length} runs in one sitting, judged on the median:`,
    "",
    `| target | ${header.join(" | ")} | median | spread | bound | |`,
    `| --- | ${header.map(() => "---").join(" | ")} | --- | --- | --- | --- |`,
    ...judged,
    "",
    ...cpuTable(cpuOverRuns(runs), header),
    `Every figure of the last run (run ${runs.length}):`,
    ...rest
  ].join("\n")
}
