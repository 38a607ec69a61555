/**
 * `runConformance(options)`: detects what the endpoint offers, then runs each command group's
 * random histories (fast-check's `fc.commands` and `fc.asyncModelRun`), shrinks any divergence to a
 * short history, replays it once more to record its numbered API calls, and answers with a report.
 * After a divergence the group runs again with that kind of divergence set aside (a history meeting
 * it again ends there, uncounted), so one run finds several distinct divergences.
 *
 * @since 0.1.0
 */
import { ListKeysCommand } from "@aws-sdk/client-kms"
import { CreateTopicCommand, DeleteTopicCommand, PublishCommand, SubscribeCommand } from "@aws-sdk/client-sns"
import { CreateQueueCommand, ReceiveMessageCommand, SetQueueAttributesCommand } from "@aws-sdk/client-sqs"
import fc from "fast-check"
import { randomBytes } from "node:crypto"
import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import * as Endpoint from "./Endpoint.js"
import { type Group, groups } from "./Groups.js"
import * as FanoutModel from "./FanoutModel.js"
import * as History from "./History.js"
import * as Ledger from "./Ledger.js"
import * as Model from "./Model.js"
import * as QueueModel from "./QueueModel.js"
import * as Receiver from "./Receiver.js"
import * as ReceiverTls from "./ReceiverTls.js"
import { settle } from "./Settle.js"
import * as Steps from "./Steps.js"

/**
 * @category models
 */
export interface ConformanceOptions {
  /** The SNS and KMS endpoint, e.g. `https://127.0.0.1:9443`. */
  readonly endpoint: string
  /** KMS's endpoint, when it is not the same (on AWS: `https://kms.<region>.amazonaws.com`). */
  readonly kmsEndpoint?: string | undefined
  /** SQS's endpoint, when it is not the same (on AWS: `https://sqs.<region>.amazonaws.com`). */
  readonly sqsEndpoint?: string | undefined
  readonly region: string
  /** A plain-HTTP endpoint of the same service, for the transport group. */
  readonly httpEndpoint?: string | undefined
  /** Without them, the AWS SDK's standard credential chain. */
  readonly credentials?: Endpoint.Credentials | undefined
  /** PEM of the CA the endpoint's certificate chains to. */
  readonly ca?: string | undefined
  /** Group names to run (default: all). */
  readonly only?: ReadonlyArray<string> | undefined
  /** Histories per group (default 25). */
  readonly runs?: number | undefined
  /** Steps per history at most (default 20). */
  readonly maxSteps?: number | undefined
  readonly seed?: number | undefined
  /** How long a delivery may take to arrive (default 5000 ms). */
  readonly deliveryWaitMs?: number | undefined
  /** Where the receiver listens (default 127.0.0.1) and the host the endpoint reaches it by. */
  readonly receiverHost?: string | undefined
  readonly receiverAdvertisedHost?: string | undefined
  /**
   * The CA that issues the HTTPS receiver's certificate, one the endpoint trusts for deliveries
   * (Sealcast: its `<data dir>/tls/ca.pem` and `ca-key.pem`); default: a CA made for the run.
   */
  readonly receiverCa?: ReceiverTls.Pair | undefined
  /** Where each divergence's shrunk history is written, for `--replay` (default: not written). */
  readonly historyDir?: string | undefined
  /** Replays one saved history instead of generating any. */
  readonly replay?: SavedHistory | undefined
  /** Distinct divergences looked for per group at most (default 4). */
  readonly divergencesPerGroup?: number | undefined
  /** Progress lines, as the run goes. */
  readonly progress?: ((line: string) => void) | undefined
  /** Aborting it deletes what the run created and ends the run. */
  readonly signal?: AbortSignal | undefined
}

/**
 * A shrunk history as `--replay` reads it.
 *
 * @category models
 */
export interface SavedHistory {
  readonly group: string
  readonly seed: number
  readonly path: string | undefined
  readonly steps: ReadonlyArray<Steps.StepSpec>
}

/**
 * @category models
 */
export interface DivergenceReport {
  readonly group: string
  readonly seed: number
  readonly path: string | undefined
  readonly call: string
  readonly expected: string
  readonly actual: string
  readonly doc: string
  readonly steps: ReadonlyArray<string>
  readonly calls: ReadonlyArray<History.CallRecord>
  readonly history: SavedHistory
  readonly historyFile: string | undefined
}

/**
 * @category models
 */
export interface GroupReport {
  readonly name: string
  readonly checks: string
  readonly skipped: string | undefined
  readonly histories: number
  readonly divergences: ReadonlyArray<DivergenceReport>
}

/**
 * @category models
 */
export interface Report {
  readonly endpoint: string
  readonly region: string
  readonly accountId: string
  readonly capabilities: History.Capabilities
  /** One line per missing capability. */
  readonly capabilityLines: ReadonlyArray<string>
  readonly groups: ReadonlyArray<GroupReport>
  /** Histories that ran to their end with no divergence. */
  readonly passed: number
  /** Distinct divergences found. */
  readonly failed: number
  readonly cleanupFailures: number
}

/** The step generated by a group, as fast-check runs it. */
class StepCommand implements fc.AsyncCommand<Steps.HistoryModel, History.History> {
  constructor(readonly spec: Steps.StepSpec) {}
  check(m: Readonly<Steps.HistoryModel>): boolean {
    return Steps.applicable(this.spec, m)
  }
  async run(m: Steps.HistoryModel, h: History.History): Promise<void> {
    if (h.world.signal?.aborted === true) throw new History.Interrupted()
    h.step++
    executed.get(h)?.push(this.spec)
    await Steps.run(this.spec, m, h)
  }
  toString(): string {
    return Steps.describe(this.spec)
  }
}

/** The steps each history actually ran (a step whose `check` fails is skipped by fast-check). */
const executed = new WeakMap<History.History, Array<Steps.StepSpec>>()

/**
 * Whether a message published to the topic reaches the queue subscribed to it (raw), the queue's
 * policy allowing the topic: long polls of at most 1 s until it is there or `waitMs` has passed.
 */
const deliversToQueue = async (endpoint: Endpoint.Endpoint, topicArn: string, queueUrl: string, queueArn: string, waitMs: number): Promise<boolean> => {
  const policy = JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: "sns.amazonaws.com" }, Action: "sqs:SendMessage", Resource: queueArn, Condition: { ArnEquals: { "aws:SourceArn": topicArn } } }]
  })
  const ready = await endpoint.sqs.send(new SetQueueAttributesCommand({ QueueUrl: queueUrl, Attributes: { Policy: policy } }))
    .then(() => endpoint.sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: "sqs", Endpoint: queueArn, Attributes: { RawMessageDelivery: "true" } })))
    .then(() => endpoint.sns.send(new PublishCommand({ TopicArn: topicArn, Message: "probe" })))
    .then(() => true, () => false)
  const deadline = Date.now() + waitMs
  while (ready && Date.now() < deadline) {
    const received = await endpoint.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1 })).then((r) => r.Messages ?? [], () => undefined)
    if (received === undefined) return false
    if (received.some((message) => message.Body === "probe")) return true
  }
  return false
}

/**
 * Learns the account from a probe topic's ARN, where queue URLs point from a probe queue's URL, and
 * what the endpoint can do.
 *
 * @category operations
 */
export const detect = async (
  endpoint: Endpoint.Endpoint,
  receiver: Receiver.Receiver,
  ledger: Ledger.Ledger,
  runPrefix: string,
  deliveryWaitMs: number
): Promise<{ readonly accountId: string; readonly queueOrigin: string; readonly capabilities: History.Capabilities }> => {
  const probe = await endpoint.sns.send(new CreateTopicCommand({ Name: `${runPrefix}probe` }))
  const topicArn = probe.TopicArn ?? ""
  ledger.topic(topicArn)
  const accountId = topicArn.split(":")[4] ?? ""
  const kms = await endpoint.kms.send(new ListKeysCommand({ Limit: 1 })).then(() => true, () => false)
  const unsigned = await Endpoint.sendRawSns(endpoint, { Action: "ListTopics" }, "unsigned").catch(() => undefined)
  const sigv4 = unsigned === undefined || unsigned.status >= 400
  // An endpoint that confirms HTTP subscriptions by itself still delivers: then the delivery group
  // runs, and reports the missing SubscriptionConfirmation as the divergence it is.
  const delivers = async (protocol: "http" | "https", origin: string): Promise<boolean> => {
    const path = `/${runPrefix}probe-${protocol}`
    const subscribed = await endpoint.sns
      .send(new SubscribeCommand({ TopicArn: topicArn, Protocol: protocol, Endpoint: `${origin}${path}`, ReturnSubscriptionArn: true }))
      .then(() => true, () => false)
    if (!subscribed) return false
    if ((await receiver.waitFor(path, (d) => d.type === "SubscriptionConfirmation", deliveryWaitMs)) !== undefined) return true
    const published = await endpoint.sns.send(new PublishCommand({ TopicArn: topicArn, Message: `${runPrefix}probe` })).then(() => true, () => false)
    return published && (await receiver.waitFor(path, (d) => d.type === "Notification", deliveryWaitMs)) !== undefined
  }
  const delivery = await delivers("http", receiver.origin)
  // Only an endpoint that trusts the receiver's certificate delivers over HTTPS (src/ReceiverTls.ts).
  const httpsDelivery = delivery && (await delivers("https", receiver.httpsOrigin))
  const queue = await endpoint.sqs.send(new CreateQueueCommand({ QueueName: `${runPrefix}probe` })).then((r) => r.QueueUrl, () => undefined)
  if (queue !== undefined) ledger.queue(queue)
  // A queue URL is `<origin>/<account>/<name>` (SQS Developer Guide, "Amazon SQS queue and message identifiers").
  const queueOrigin = queue === undefined ? "" : queue.slice(0, queue.length - `/${accountId}/${runPrefix}probe`.length)
  const sqs = queue !== undefined && queue.endsWith(`/${accountId}/${runPrefix}probe`)
  await endpoint.sns.send(new DeleteTopicCommand({ TopicArn: topicArn })).catch(() => undefined)
  // A topic of its own: an endpoint that delivers inside Publish may fail it for the receiver's subscriptions.
  const sqsProbe = sqs ? await endpoint.sns.send(new CreateTopicCommand({ Name: `${runPrefix}probe-sqs` })).then((r) => r.TopicArn, () => undefined) : undefined
  if (sqsProbe !== undefined) ledger.topic(sqsProbe)
  const snsToSqs = sqsProbe !== undefined && (await deliversToQueue(endpoint, sqsProbe, queue!, `arn:aws:sqs:${sqsProbe.split(":")[3] ?? ""}:${accountId}:${runPrefix}probe`, deliveryWaitMs))
  if (sqsProbe !== undefined) await endpoint.sns.send(new DeleteTopicCommand({ TopicArn: sqsProbe })).catch(() => undefined)
  return {
    accountId,
    queueOrigin,
    capabilities: {
      kms,
      sigv4,
      https: endpoint.url.protocol === "https:",
      plainHttp: endpoint.plainSns !== undefined,
      delivery,
      httpsDelivery,
      sqs,
      snsToSqs
    }
  }
}

/**
 * The report's line for each missing capability.
 *
 * @category utils
 */
export const capabilityLines = (c: History.Capabilities): ReadonlyArray<string> => [
  ...(c.kms ? [] : ["no KMS: the endpoint does not answer KMS ListKeys; key states are not checked"]),
  ...(c.sigv4 ? [] : ["no SigV4 checking: the endpoint accepted an unsigned request; signature checks are not run"]),
  ...(c.https ? [] : ["no HTTPS: the endpoint is plain HTTP; the HTTPS-only rule of encrypted topics is not checked"]),
  ...(c.delivery ? [] : ["no delivery: nothing reached the kit's receiver after Subscribe; deliveries are not checked"]),
  ...(!c.delivery || c.httpsDelivery
    ? []
    : ["no HTTPS delivery: nothing reached the kit's HTTPS receiver (the endpoint does not trust its certificate; see --receiver-ca-cert); subscriptions are plain HTTP only"]),
  ...(c.sqs ? [] : ["no SQS: the endpoint does not answer CreateQueue with a queue URL; queues are not checked"]),
  ...(!c.sqs || c.snsToSqs
    ? []
    : ["no SNS → SQS delivery: a message published to a topic never reached the queue subscribed to it, whose policy allows the topic; fanout is not checked"])
]

const divergenceOf = (error: unknown): History.Divergence | undefined => (error instanceof History.Divergence ? error : undefined)

const historyModel = (world: History.World, h: History.History): Steps.HistoryModel => ({
  oracle: Model.empty(world.accountId, world.region),
  prefix: h.prefix,
  origin: world.receiver.origin,
  httpsOrigin: world.capabilities.httpsDelivery ? world.receiver.httpsOrigin : undefined,
  keyIds: new Map(),
  queues: QueueModel.empty(world.queueOrigin),
  fanout: FanoutModel.empty()
})

/** Runs one history's steps and its settlement; the history's resources are deleted after. */
const runHistory = async (world: History.World, index: number, steps: Iterable<fc.AsyncCommand<Steps.HistoryModel, History.History>>): Promise<{ readonly history: History.History; readonly executed: ReadonlyArray<Steps.StepSpec> }> => {
  const h = History.make(world, index)
  const ran: Array<Steps.StepSpec> = []
  executed.set(h, ran)
  const m = historyModel(world, h)
  try {
    await fc.asyncModelRun(() => ({ model: m, real: h }), steps)
    await settle(m, h)
  } finally {
    await world.ledger.clean()
  }
  return { history: h, executed: ran }
}

/** Replays a history once, recording its calls and its divergence, if it still has one. */
const replayOnce = async (
  world: History.World,
  index: number,
  steps: ReadonlyArray<Steps.StepSpec>
): Promise<{ readonly divergence: History.Divergence | undefined; readonly history: History.History; readonly executed: ReadonlyArray<Steps.StepSpec> }> => {
  const h = History.make(world, index)
  const ran: Array<Steps.StepSpec> = []
  executed.set(h, ran)
  const m = historyModel(world, h)
  try {
    await fc.asyncModelRun(() => ({ model: m, real: h }), steps.map((s) => new StepCommand(s)))
    await settle(m, h)
    return { divergence: undefined, history: h, executed: ran }
  } catch (error) {
    const divergence = divergenceOf(error)
    if (divergence === undefined) throw error
    return { divergence, history: h, executed: ran }
  } finally {
    await world.ledger.clean()
  }
}

const reportOf = (
  group: string,
  seed: number,
  path: string | undefined,
  divergence: History.Divergence,
  history: History.History,
  ran: ReadonlyArray<Steps.StepSpec>,
  historyDir: string | undefined,
  runPrefix: string,
  index: number
): DivergenceReport => {
  const saved: SavedHistory = { group, seed, path, steps: ran }
  let historyFile: string | undefined
  if (historyDir !== undefined) {
    mkdirSync(historyDir, { recursive: true })
    historyFile = join(historyDir, `${runPrefix}${group}-${index}.json`)
    writeFileSync(historyFile, `${JSON.stringify(saved, null, 2)}\n`)
  }
  return {
    group,
    seed,
    path,
    ...divergence.detail,
    steps: ran.map(Steps.describe),
    calls: history.calls,
    history: saved,
    historyFile
  }
}

/**
 * Runs the kit against an endpoint.
 *
 * @category operations
 */
export const runConformance = async (options: ConformanceOptions): Promise<Report> => {
  const progress = options.progress ?? (() => undefined)
  const runPrefix = `sc${randomBytes(3).toString("hex")}-`
  const deliveryWaitMs = options.deliveryWaitMs ?? 5000
  const endpoint = Endpoint.connect(options)
  const tls = await ReceiverTls.make(options.receiverCa)
  const receiver = await Receiver.start(options.receiverHost ?? "127.0.0.1", tls, options.receiverAdvertisedHost)
  const ledger = Ledger.make(endpoint)
  let cleanupFailures = 0
  const onAbort = () => void ledger.clean()
  options.signal?.addEventListener("abort", onAbort)
  try {
    const { accountId, queueOrigin, capabilities } = await detect(endpoint, receiver, ledger, runPrefix, deliveryWaitMs)
    cleanupFailures += await ledger.clean()
    const lines = capabilityLines(capabilities)
    for (const line of lines) progress(line)
    const world: History.World = { endpoint, receiver, ledger, capabilities, accountId, region: options.region, runPrefix, queueOrigin, deliveryWaitMs, signal: options.signal }
    const seed = options.seed ?? randomBytes(4).readUInt32BE(0) >>> 1
    const selected = groups.filter((g) => options.only === undefined || options.only.includes(g.name))
    const reports: Array<GroupReport> = []
    let passed = 0
    let historyIndex = 0
    for (const group of selected) {
      if (options.replay !== undefined && options.replay.group !== group.name) continue
      const skipped = group.missing(capabilities)
      if (skipped !== undefined) {
        progress(`${group.name}: skipped (${skipped})`)
        reports.push({ name: group.name, checks: group.checks, skipped, histories: 0, divergences: [] })
        continue
      }
      const divergences: Array<DivergenceReport> = []
      let histories = 0
      if (options.replay !== undefined) {
        const replayed = await replayOnce(world, ++historyIndex, options.replay.steps)
        histories++
        if (replayed.divergence === undefined) passed++
        else divergences.push(reportOf(group.name, options.replay.seed, options.replay.path, replayed.divergence, replayed.history, replayed.executed, undefined, runPrefix, historyIndex))
      } else {
        const r = await runGroup(world, group, seed, options, () => ++historyIndex, runPrefix)
        histories = r.histories
        passed += r.passed
        divergences.push(...r.divergences)
      }
      progress(`${group.name}: ${histories} histories, ${divergences.length === 0 ? "no divergence" : `${divergences.length} divergence(s)`}`)
      reports.push({ name: group.name, checks: group.checks, skipped: undefined, histories, divergences })
    }
    cleanupFailures += await ledger.clean()
    return {
      endpoint: options.endpoint,
      region: options.region,
      accountId,
      capabilities,
      capabilityLines: lines,
      groups: reports,
      passed,
      failed: reports.reduce((n, g) => n + g.divergences.length, 0),
      cleanupFailures
    }
  } finally {
    options.signal?.removeEventListener("abort", onAbort)
    await ledger.clean()
    await receiver.close()
    endpoint.destroy()
  }
}

const interrupted = (options: ConformanceOptions): boolean => options.signal?.aborted === true

const runGroup = async (
  world: History.World,
  group: Group,
  seed: number,
  options: ConformanceOptions,
  nextIndex: () => number,
  runPrefix: string
): Promise<{ readonly histories: number; readonly passed: number; readonly divergences: ReadonlyArray<DivergenceReport> }> => {
  const known = new Set<string>()
  const divergences: Array<DivergenceReport> = []
  let histories = 0
  let passed = 0
  const commands = fc.commands(
    group.steps(world.capabilities).map((arb) => arb.map((spec) => new StepCommand(spec))),
    { maxCommands: options.maxSteps ?? 20, size: "max" }
  )
  for (let round = 0; round < (options.divergencesPerGroup ?? 4); round++) {
    if (options.signal?.aborted === true) break
    const property = fc.asyncProperty(commands, async (steps) => {
      histories++
      try {
        await runHistory(world, nextIndex(), steps)
        passed++
      } catch (error) {
        const divergence = divergenceOf(error)
        // A kind already reported ends the history without a verdict, so the search goes on for others.
        if (divergence !== undefined && known.has(divergence.detail.fingerprint)) return
        throw error
      }
    })
    const details = await fc.check(property, { numRuns: options.runs ?? 25, seed: seed + round, endOnFailure: false })
    if (interrupted(options)) throw new History.Interrupted()
    if (!details.failed) break
    const counterexample = details.counterexample?.[0]
    // fast-check hands the commands back wrapped (`cmd`), each marked with whether it ran.
    const specs = counterexample === undefined ? [] : [...counterexample].map((c) => ((c as { readonly cmd?: StepCommand }).cmd ?? (c as StepCommand)).spec)
    const index = nextIndex()
    const replayed = await replayOnce(world, index, specs)
    const divergence = replayed.divergence ?? divergenceOf(details.errorInstance)
    if (divergence === undefined) throw details.errorInstance instanceof Error ? details.errorInstance : new Error(String(details.errorInstance))
    known.add(divergence.detail.fingerprint)
    divergences.push(reportOf(group.name, seed + round, details.counterexamplePath ?? undefined, divergence, replayed.history, replayed.executed, options.historyDir, runPrefix, index))
  }
  return { histories, passed, divergences }
}
