/**
 * The cluster scenarios (docs/PERFORMANCE.md, "A cluster on one PostgreSQL database"): Publish of
 * 1 KiB to an encrypted topic with no subscriber (as scenario 12) and SendMessage of 1 KiB to an
 * SSE-SQS queue (as 15), each against one broker on SQLite, one broker on PostgreSQL, and two brokers
 * on that one database with the load split between their endpoints, all in one run.
 *
 * Every broker is `sealcast serve` in a process of its own, as an operator runs it, so the SQLite
 * figure beside the PostgreSQL ones is measured the same way (scenario 12 runs the broker in the
 * harness's process). The PostgreSQL server is the tests' throwaway one with `fsync` on, as a
 * database anyone keeps runs. While each PostgreSQL load is measured the harness records what the
 * database did (commits, WAL flushes, what its connections waited on, sampled) and the CPU time the
 * brokers and the database used, so the limits the performance notes name come with evidence.
 */
import { CreateKeyCommand, KMSClient } from "@aws-sdk/client-kms"
import { CreateTopicCommand, SNSClient } from "@aws-sdk/client-sns"
import { CreateQueueCommand, SQSClient } from "@aws-sdk/client-sqs"
import { spawnSync } from "node:child_process"
import { randomBytes } from "node:crypto"
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { Agent } from "node:https"
import { loadavg } from "node:os"
import { join } from "node:path"
import pg from "pg"
import { startPostgres } from "../../apps/broker/test/support/Postgres.js"
import { freePort, serve, type Served } from "../e2e/support/Serve.js"
import { runWorker } from "./Child.js"
import type { LoadShape } from "./Http.js"
import { messageOfSize, signPublish, signSqsJson, type SignedRequest, type SigningTarget } from "./Signing.js"
import type { SplitLoadJob, SplitLoadResult } from "./splitLoadWorker.js"

/** What the database did during one measured load, per second of it, and what its connections waited on. */
export interface PgSignals {
  readonly commitsPerSecond: number
  readonly walRecordsPerSecond: number
  readonly walBytesPerSecond: number
  /** WAL flushes to disk (`pg_stat_wal.wal_sync`) and the time they took (`wal_sync_time`). */
  readonly walSyncsPerSecond: number
  readonly walSyncMsPerSecond: number
  /** Client connections open at the end (`pg_stat_activity`), every broker's pool and listener. */
  readonly connections: number
  /**
   * Client connections not idle, averaged over the samples, by state and wait event: `active` with
   * no wait is running on a CPU; `idle in transaction` is a broker holding a transaction open
   * between its statements; `Lock:transactionid`/`Lock:tuple` wait on another's row lock;
   * `IO:WALSync`/`LWLock:WALWrite` wait on the WAL flush.
   */
  readonly busy: Readonly<Record<string, number>>
  readonly samples: number
}

/** One measured load against one or two brokers. */
export interface ClusterRun extends SplitLoadResult {
  readonly brokers: number
  /** CPU seconds per second of the measured load: the brokers together, and the database's processes. */
  readonly brokerCpu: number
  /** The same, broker by broker (the second broker runs, idle, through the one-broker PostgreSQL loads). */
  readonly brokerCpuEach: ReadonlyArray<number>
  readonly postgresCpu: number
  readonly pg?: PgSignals
}

/** Each action on SQLite, on PostgreSQL with one broker, and with two. */
export interface ClusterAction {
  readonly sqlite: ClusterRun
  readonly postgres1: ClusterRun
  readonly postgres2: ClusterRun
}

export interface ClusterResults {
  readonly postgresVersion: string
  /** `os.loadavg()` when the cluster scenarios began: the machine is shared. */
  readonly loadAverage: ReadonlyArray<number>
  readonly publish: ClusterAction
  readonly sendMessage: ClusterAction
}

/** The account every broker of the run accepts: brokers of one cluster share their credentials. */
const CREDENTIALS = { accessKeyId: "AKIABENCHCLUSTER0001", secretAccessKey: randomBytes(30).toString("base64") }

const CLOCK_TICKS = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100

/** User and system CPU seconds of process `pid`, and its parent (`/proc/<pid>/stat`, proc(5)). */
const processStat = (pid: number): { readonly parent: number; readonly seconds: number } | undefined => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
    // The command name, in parentheses, may hold spaces: the fields after it are counted from there.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
    return { parent: Number(fields[1]), seconds: (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS }
  } catch {
    return undefined
  }
}

/** CPU seconds used so far by the postmaster `postmaster` and by each of its children, by process id. */
const postgresCpu = (postmaster: number): ReadonlyMap<number, number> => {
  const used = new Map<number, number>([[postmaster, processStat(postmaster)?.seconds ?? 0]])
  // Without Linux's /proc the CPU columns read 0; the loads are measured all the same.
  for (const entry of existsSync("/proc") ? readdirSync("/proc") : []) {
    if (!/^\d+$/.test(entry)) continue
    const stat = processStat(Number(entry))
    if (stat?.parent === postmaster) used.set(Number(entry), stat.seconds)
  }
  return used
}

/**
 * Follows the CPU time of the database's processes every 200 ms until stopped: a connection the
 * brokers' pools close meanwhile takes its time with it, so each process counts as last seen.
 */
const followPostgresCpu = (postmaster: number) => {
  const before = postgresCpu(postmaster)
  const last = new Map(before)
  const timer = setInterval(() => {
    for (const [pid, seconds] of postgresCpu(postmaster)) last.set(pid, seconds)
  }, 200)
  return () => {
    clearInterval(timer)
    for (const [pid, seconds] of postgresCpu(postmaster)) last.set(pid, seconds)
    return [...last].reduce((total, [pid, seconds]) => total + seconds - (before.get(pid) ?? 0), 0)
  }
}

const brokersCpu = (pids: ReadonlyArray<number>) => pids.map((pid) => processStat(pid)?.seconds ?? 0)

interface PgCounters {
  readonly commits: number
  readonly walRecords: number
  readonly walBytes: number
  readonly walSyncs: number
  readonly walSyncMs: number
}

const counters = async (admin: pg.Client): Promise<PgCounters> => {
  const { rows } = await admin.query<{ commits: string; wal_records: string; wal_bytes: string; wal_sync: string; wal_sync_time: number }>(
    `SELECT (SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()) AS commits,
            wal_records, wal_bytes, wal_sync, wal_sync_time
       FROM pg_stat_wal`
  )
  const row = rows[0]!
  return {
    commits: Number(row.commits),
    walRecords: Number(row.wal_records),
    walBytes: Number(row.wal_bytes),
    walSyncs: Number(row.wal_sync),
    walSyncMs: Number(row.wal_sync_time)
  }
}

/** Samples `pg_stat_activity` every 200 ms until stopped: what the brokers' connections are doing. */
const sampleActivity = (admin: pg.Client) => {
  const busy = new Map<string, number>()
  let samples = 0
  let running = true
  const loop = (async () => {
    while (running) {
      const { rows } = await admin.query<{ what: string; n: number }>(
        `SELECT state || coalesce(' ' || wait_event_type || ':' || wait_event, '') AS what, count(*)::int AS n
           FROM pg_stat_activity
          WHERE backend_type = 'client backend' AND state <> 'idle' AND pid <> pg_backend_pid()
          GROUP BY 1`
      )
      for (const { what, n } of rows) busy.set(what, (busy.get(what) ?? 0) + n)
      samples += 1
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
  })()
  return async () => {
    running = false
    await loop
    return { busy: Object.fromEntries([...busy].map(([what, n]) => [what, n / samples] as const)), samples }
  }
}

/** The database's own measurements of one measured load, and the CPU it and the brokers used. */
const measured = async (
  admin: pg.Client | undefined,
  postmaster: number | undefined,
  brokerPids: ReadonlyArray<number>,
  run: () => Promise<SplitLoadResult>,
  seconds: number,
  brokers: number
): Promise<ClusterRun> => {
  // A backend reports its counts when idle, at most once a second: the pause lets the warm-up's
  // reach the first snapshot and the measured seconds' the second.
  const settle = () => new Promise((resolve) => setTimeout(resolve, admin === undefined ? 0 : 1500))
  await settle()
  const brokersBefore = brokersCpu(brokerPids)
  const stopFollowing = postmaster === undefined ? undefined : followPostgresCpu(postmaster)
  const before = admin === undefined ? undefined : await counters(admin)
  const stopSampling = admin === undefined ? undefined : sampleActivity(admin)
  const result = await run()
  const activity = await stopSampling?.()
  const postgresUsed = stopFollowing?.() ?? 0
  const brokersUsed = brokersCpu(brokerPids).map((seconds, i) => seconds - (brokersBefore[i] ?? 0))
  await settle()
  const after = admin === undefined ? undefined : await counters(admin)
  const connections = admin === undefined
    ? 0
    : (await admin.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'client backend'")).rows[0]!.n - 1
  const pgSignals: PgSignals | undefined = before === undefined || after === undefined || activity === undefined
    ? undefined
    : {
      // The sampler's own queries commit too; they are not the brokers'.
      commitsPerSecond: (after.commits - before.commits - activity.samples - 1) / seconds,
      walRecordsPerSecond: (after.walRecords - before.walRecords) / seconds,
      walBytesPerSecond: (after.walBytes - before.walBytes) / seconds,
      walSyncsPerSecond: (after.walSyncs - before.walSyncs) / seconds,
      walSyncMsPerSecond: (after.walSyncMs - before.walSyncMs) / seconds,
      connections,
      busy: activity.busy,
      samples: activity.samples
    }
  return {
    ...result,
    brokers,
    brokerCpu: brokersUsed.reduce((total, used) => total + used, 0) / seconds,
    brokerCpuEach: brokersUsed.map((used) => used / seconds),
    postgresCpu: postgresUsed / seconds,
    ...(pgSignals === undefined ? {} : { pg: pgSignals })
  }
}

/** A broker's endpoint as the signer and the load generator need it. */
const signingTarget = (broker: Served): SigningTarget => ({
  endpoint: broker.target.endpoint,
  region: broker.target.region,
  credentials: CREDENTIALS
})

/** Through `broker`: a customer managed key, an encrypted topic with no subscriber, an SSE-SQS queue. */
const makeResources = async (broker: Served) => {
  const config = {
    endpoint: broker.target.endpoint,
    region: broker.target.region,
    credentials: CREDENTIALS,
    requestHandler: { httpsAgent: new Agent({ ca: broker.target.caPem, keepAlive: true }) }
  }
  const kms = new KMSClient(config)
  const sns = new SNSClient(config)
  const sqs = new SQSClient(config)
  try {
    const key = await kms.send(new CreateKeyCommand({ Description: "cluster benchmark key" }))
    const topic = await sns.send(new CreateTopicCommand({ Name: "bench-cluster-encrypted", Attributes: { KmsMasterKeyId: key.KeyMetadata!.Arn! } }))
    const queue = await sqs.send(new CreateQueueCommand({ QueueName: "bench-cluster-sse-sqs" }))
    return { topicArn: topic.TopicArn!, queueUrl: queue.QueueUrl! }
  } finally {
    kms.destroy()
    sns.destroy()
    sqs.destroy()
  }
}

/** Warm-up, then the measured seconds, against `brokers`, `shape.connections` split evenly between them. */
const splitLoad = async (
  brokers: ReadonlyArray<Served>,
  request: (target: SigningTarget) => SignedRequest,
  shape: LoadShape,
  measure: (run: () => Promise<SplitLoadResult>) => Promise<ClusterRun>
): Promise<ClusterRun> => {
  const job = (durationSeconds: number): SplitLoadJob => ({
    durationSeconds,
    targets: brokers.map((broker) => ({
      url: broker.target.endpoint,
      connections: Math.floor(shape.connections / brokers.length),
      requests: [request(signingTarget(broker))],
      caPem: broker.target.caPem
    }))
  })
  await runWorker<SplitLoadResult>("./splitLoadWorker.ts", job(shape.warmupSeconds))
  return measure(() => runWorker<SplitLoadResult>("./splitLoadWorker.ts", job(shape.durationSeconds)))
}

/**
 * Scenarios 18 to 23. `tempDir` makes a scratch directory the caller removes; `step` reports progress.
 */
export const clusterLoads = async (
  shape: LoadShape,
  messageBytes: number,
  tempDir: (name: string) => string,
  step: (what: string) => void
): Promise<ClusterResults> => {
  const loadAverage = loadavg()
  const rootKeyFile = join(tempDir("cluster-root-key"), "root-key")
  writeFileSync(rootKeyFile, randomBytes(32).toString("hex"), { mode: 0o600 })
  const brokerArgs = async (name: string, databaseUrl: string | undefined) => [
    "--port", String(await freePort()),
    "--data-dir", tempDir(`cluster-${name}`),
    "--node-id", name,
    "--root-key-file", rootKeyFile,
    "--access-key-id", CREDENTIALS.accessKeyId,
    "--secret-access-key", CREDENTIALS.secretAccessKey,
    "--log-level", "error",
    ...(databaseUrl === undefined ? [] : ["--database-url", databaseUrl])
  ]
  const publishOf = (topicArn: string) => (target: SigningTarget) => signPublish(target, topicArn, messageOfSize(messageBytes))
  const sendOf = (queueUrl: string) => (target: SigningTarget) =>
    signSqsJson(target, "SendMessage", { QueueUrl: queueUrl, MessageBody: messageOfSize(messageBytes) })
  const running: Array<Served> = []
  const started = async (name: string, databaseUrl: string | undefined) => {
    const broker = await serve(await brokerArgs(name, databaseUrl))
    running.push(broker)
    return broker
  }

  // Durable as an operator's database is; WAL flush times counted (pg_stat_wal.wal_sync_time).
  const postgres = await startPostgres(["fsync=on", "track_wal_io_timing=on"])
  const admin = new pg.Client({ connectionString: postgres.url })
  try {
    await admin.connect()
    const postgresVersion = (await admin.query<{ server_version: string }>("SHOW server_version")).rows[0]!.server_version
    const backend = (await admin.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]!.pid
    const postmaster = processStat(backend)?.parent

    step("18, 21 one broker on SQLite: Publish, SendMessage")
    const sqliteBroker = await started("sqlite", undefined)
    const onSqlite = await makeResources(sqliteBroker)
    const sqliteMeasure = (run: () => Promise<SplitLoadResult>) =>
      measured(undefined, undefined, [sqliteBroker.child.pid!], run, shape.durationSeconds, 1)
    const publishSqlite = await splitLoad([sqliteBroker], publishOf(onSqlite.topicArn), shape, sqliteMeasure)
    const sendSqlite = await splitLoad([sqliteBroker], sendOf(onSqlite.queueUrl), shape, sqliteMeasure)
    await sqliteBroker.stop("SIGTERM")

    // Both brokers run through every PostgreSQL scenario, so the one-broker figure pays for an idle
    // second broker's listening and delivery reads just as the two-broker one does.
    const a = await started("a", postgres.url)
    const b = await started("b", postgres.url)
    const onPostgres = await makeResources(a)
    const pgMeasure = (brokers: number) => (run: () => Promise<SplitLoadResult>) =>
      measured(admin, postmaster, [a.child.pid!, b.child.pid!], run, shape.durationSeconds, brokers)
    step("19 Publish, one broker on PostgreSQL")
    const publish1 = await splitLoad([a], publishOf(onPostgres.topicArn), shape, pgMeasure(1))
    step("20 Publish, two brokers on one PostgreSQL database")
    const publish2 = await splitLoad([a, b], publishOf(onPostgres.topicArn), shape, pgMeasure(2))
    step("22 SendMessage, one broker on PostgreSQL")
    const send1 = await splitLoad([a], sendOf(onPostgres.queueUrl), shape, pgMeasure(1))
    step("23 SendMessage, two brokers on one PostgreSQL database")
    const send2 = await splitLoad([a, b], sendOf(onPostgres.queueUrl), shape, pgMeasure(2))
    return {
      postgresVersion,
      loadAverage,
      publish: { sqlite: publishSqlite, postgres1: publish1, postgres2: publish2 },
      sendMessage: { sqlite: sendSqlite, postgres1: send1, postgres2: send2 }
    }
  } finally {
    await Promise.all(running.map((broker) => broker.stop("SIGTERM")))
    await admin.end().catch(() => undefined)
    postgres.stop()
  }
}
