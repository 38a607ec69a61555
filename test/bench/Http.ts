/**
 * The HTTPS scenarios: the bare `node:https` ceiling (1), Publish to a plain and an encrypted topic
 * (2, 3), delivery latency (7), large messages (9), Publish with no subscriber (11, 12), the bare
 * relay (13), and scenario 11's load against moto when it can be started (with the queue scenarios
 * of `QueueBench.ts` and the fan-out of `FanoutBench.ts` against the same moto). The broker runs in
 * this process (`startBroker`); the load generator and the subscriber each run in their own process.
 */
import { CreateKeyCommand, KMSClient } from "@aws-sdk/client-kms"
import { CreateTopicCommand, SNSClient, SubscribeCommand } from "@aws-sdk/client-sns"
import { Server } from "@sealcast/transport-http"
import { readBody } from "@sealcast/transport-http/HttpRequest"
import { type RunningBroker, startBroker } from "sealcast"
import * as TlsMaterial from "sealcast/tls/TlsMaterial"
import { spawn } from "node:child_process"
import { readFileSync } from "node:fs"
import { Agent as HttpAgent, createServer as createHttpServer, type IncomingMessage, request as httpRequest, type ServerResponse } from "node:http"
import { Agent, createServer as createHttpsServer } from "node:https"
import type { AddressInfo } from "node:net"
import { runWorker, startWorker, type Worker } from "./Child.js"
import { joinSegments } from "./LoadResult.js"
import type { LoadJob, LoadResult } from "./loadWorker.js"
import { messageOfSize, signPublish, signQuery, type SignedRequest, type SigningTarget } from "./Signing.js"
import { percentile } from "./Stats.js"
import type { ProbeResult } from "./subscriberWorker.js"

/** How the load is shaped; the same for every scenario it drives. */
export interface LoadShape {
  readonly connections: number
  readonly durationSeconds: number
  readonly warmupSeconds: number
}

/** Called once the warm-up is over, just before the measured seconds (the profiler starts there). */
export type OnMeasuring = () => Promise<void>

/**
 * The warm-up and the measured seconds as two runs of the load generator, so that what happens
 * between them (counting deliveries, starting a profiler) sees the measured seconds alone.
 */
export const load = async (
  url: string,
  requests: ReadonlyArray<SignedRequest>,
  shape: LoadShape,
  caPem: string | undefined,
  onMeasuring: OnMeasuring = async () => undefined
): Promise<LoadResult> => {
  const target = { url, requests, caPem }
  await runLoad(target, shape.connections, shape.warmupSeconds)
  await onMeasuring()
  return runLoad(target, shape.connections, shape.durationSeconds)
}

/** One run of the load generator, in its own process, against `target` for `durationSeconds`. */
const runLoad = (target: LoadTarget, connections: number, durationSeconds: number): Promise<LoadResult> =>
  runWorker<LoadResult>("./loadWorker.ts", {
    url: target.url,
    connections,
    durationSeconds,
    requests: target.requests,
    caPem: target.caPem
  } satisfies LoadJob)

/** A small XML answer the size of a PublishResponse. */
const CEILING_ANSWER = `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>00000000-0000-0000-0000-000000000000</MessageId></PublishResult><ResponseMetadata><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ResponseMetadata></PublishResponse>`

/**
 * Scenario 1: a bare `node:https` server with the broker's certificate and keep-alive timeout, which
 * reads the whole body and answers with a small XML document. Driven with the same request bytes.
 */
export const ceiling = (broker: RunningBroker, request: SignedRequest, shape: LoadShape, onMeasuring?: OnMeasuring): Promise<LoadResult> =>
  bareServerLoad(broker, request, shape, onMeasuring, answerCeiling)

/** Scenario 1's handler: reads the whole body, answers a small XML document. */
const answerCeiling = (req: IncomingMessage, res: ServerResponse): void => {
  req.on("data", () => undefined)
  req.on("end", () => {
    res.writeHead(200, { "content-type": "text/xml" }).end(CEILING_ANSWER)
  })
}

/**
 * The bare server answering as the broker answers a Publish: the body read by the transport's
 * `readBody`, and the answers of one turn of the event loop written together in the next
 * (`setImmediate`), as the group commit writes its Publishes' answers, with the headers the
 * transport writes. The broker's HTTP handling with nothing between request and answer
 * (docs/PERFORMANCE.md, "The HTTP layer against the bare server"); a profile scenario only.
 */
export const ceilingNextTurn = (broker: RunningBroker, request: SignedRequest, shape: LoadShape, onMeasuring?: OnMeasuring): Promise<LoadResult> => {
  const due: Array<ServerResponse> = []
  const answerDue = () => {
    for (const res of due.splice(0)) {
      res.writeHead(200, ["content-type", "text/xml", "content-length", CEILING_ANSWER.length, "x-amzn-requestid", CEILING_REQUEST_ID])
        .end(CEILING_ANSWER)
    }
  }
  return bareServerLoad(broker, request, shape, onMeasuring, (req, res) =>
    readBody(req, Server.DEFAULT_MAX_BODY_BYTES, () => {
      if (due.push(res) === 1) setImmediate(answerDue)
    }))
}

const CEILING_REQUEST_ID = "00000000-0000-0000-0000-000000000000"

/** A bare `node:https` server with the broker's certificate and keep-alive timeout, under `load`. */
const bareServerLoad = async (
  broker: RunningBroker,
  request: SignedRequest,
  shape: LoadShape,
  onMeasuring: OnMeasuring | undefined,
  handler: (req: IncomingMessage, res: ServerResponse) => void
): Promise<LoadResult> => {
  const server = await startBareServer(broker, handler)
  try {
    const target = server.target(request)
    return await load(target.url, target.requests, shape, target.caPem, onMeasuring)
  } finally {
    await server.close()
  }
}

/** A listening bare server: the load target for a request, and its close. */
export interface BareServer {
  readonly target: (request: SignedRequest) => LoadTarget
  readonly close: () => Promise<void>
}

/** Starts a bare `node:https` server with the broker's certificate and keep-alive timeout. */
const startBareServer = async (broker: RunningBroker, handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<BareServer> => {
  const paths = TlsMaterial.tlsPaths(broker.dataDir)
  const server = createHttpsServer({ cert: readFileSync(paths.server), key: readFileSync(paths.serverKey), keepAliveTimeout: 5_000 }, handler)
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    target: (request) => ({
      url: `https://127.0.0.1:${port}`,
      requests: [{ ...request, headers: { ...request.headers, host: `127.0.0.1:${port}` } }],
      caPem: broker.caPem
    }),
    close: async () => {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    }
  }
}

/** Scenario 1's server, left listening: `ceiling`'s handler, for `loadsInTurns`. */
export const startCeiling = (broker: RunningBroker): Promise<BareServer> => startBareServer(broker, answerCeiling)

/** Where a load goes and what it replays. */
export interface LoadTarget {
  readonly url: string
  readonly requests: ReadonlyArray<SignedRequest>
  readonly caPem: string | undefined
}

/** Signed Publish of `messageBytes` to `topicArn` on the benchmark's broker, as a load target. */
export const publishTarget = (bench: HttpBench, topicArn: string, messageBytes: number): LoadTarget => ({
  url: bench.broker.endpoint,
  requests: [signPublish(bench.broker, topicArn, messageOfSize(messageBytes))],
  caPem: bench.broker.caPem
})

/** The rounds of `loadsInTurns`: the second runs the targets in reverse order. */
const ROUNDS_IN_TURNS = 2

/**
 * Loads several targets in turns, for the ratios between them: each target warmed up once, then
 * `ROUNDS_IN_TURNS` rounds that each give every target half its measured seconds, the second round
 * in reverse order (1, 11, 12, then 12, 11, 1). Drift on a shared machine then falls on every target
 * alike and none always runs first: run one after another, the bare server's rate moved by up to
 * 1.7× between runs of one sitting while the ratios were judged inside each run
 * (docs/PERFORMANCE.md, "How the figures moved"). Each target's figures join its segments
 * (`LoadResult.ts`, `joinSegments`).
 */
export const loadsInTurns = async <const Targets extends ReadonlyArray<LoadTarget>>(
  targets: Targets,
  shape: LoadShape
): Promise<{ readonly [K in keyof Targets]: ServedLoad }> => {
  const run = (target: LoadTarget, durationSeconds: number) => runLoad(target, shape.connections, durationSeconds)
  for (const target of targets) await run(target, shape.warmupSeconds)
  const segments = targets.map((): Array<LoadResult> => [])
  const cpuMicros = targets.map(() => 0)
  for (let round = 0; round < ROUNDS_IN_TURNS; round += 1) {
    const order = targets.map((_, index) => index)
    if (round % 2 === 1) order.reverse()
    for (const index of order) {
      const cpuBefore = process.cpuUsage()
      segments[index]!.push(await run(targets[index]!, shape.durationSeconds / ROUNDS_IN_TURNS))
      const cpu = process.cpuUsage(cpuBefore)
      cpuMicros[index]! += cpu.user + cpu.system
    }
  }
  const served = segments.map((targetSegments, index): ServedLoad => {
    const joined = joinSegments(targetSegments)
    return { ...joined, cpuMicrosPerRequest: cpuMicros[index]! / joined.total }
  })
  // One result per target, in the targets' order: the mapped tuple type says so to the caller.
  return served as unknown as { readonly [K in keyof Targets]: ServedLoad }
}

/**
 * A load on a server in the harness's own process (the broker, the bare server), with that
 * process's CPU per request answered: what the targets' ratios would be if the serving thread alone
 * set the rate, as it does when the load generator has a core to spare (docs/PERFORMANCE.md, "The
 * same code on a faster machine"). The process's every thread counts, the collector's helpers too,
 * as `npm run profile -- <scenario> --cpu-only` counts them.
 */
export type ServedLoad = LoadResult & { readonly cpuMicrosPerRequest: number }

/** The broker under test, its topics, and the subscriber process. */
export interface HttpBench {
  readonly broker: RunningBroker
  readonly subscriber: Worker
  /** Where the subscriber listens. */
  readonly subscriberUrl: string
  /** Topics with the subscriber subscribed for raw delivery. */
  readonly plainTopicArn: string
  readonly encryptedTopicArn: string
  /** Topics without subscriptions: what Publish costs by itself. */
  readonly plainIngestTopicArn: string
  readonly encryptedIngestTopicArn: string
  readonly latencyTopicArn: string
  readonly stop: () => Promise<void>
}

/**
 * Starts the broker on `dataDir` and makes, through the AWS SDK: a customer managed key, a plain and
 * an encrypted topic each with the subscriber subscribed for raw delivery, a plain and an encrypted
 * topic with no subscription, and an encrypted topic for the latency probe whose subscription gets
 * SNS's default signed JSON envelope.
 */
export const openHttpBench = async (dataDir: string): Promise<HttpBench> => {
  const broker = await startBroker({ port: 0, dataDir, logLevel: "error" })
  const clientConfig = {
    endpoint: broker.endpoint,
    region: broker.region,
    credentials: { ...broker.credentials },
    requestHandler: { httpsAgent: new Agent({ ca: broker.caPem, keepAlive: true }) }
  }
  const sns = new SNSClient(clientConfig)
  const kms = new KMSClient(clientConfig)
  const subscriber = startWorker("./subscriberWorker.ts")
  subscriber.send({ caPem: broker.caPem })
  const { port } = await subscriber.next<{ readonly port: number }>()
  const key = await kms.send(new CreateKeyCommand({ Description: "benchmark customer managed key" }))
  const unsubscribedTopic = async (name: string, kmsKeyArn: string | undefined) => {
    const { TopicArn } = await sns.send(
      new CreateTopicCommand({ Name: name, Attributes: kmsKeyArn === undefined ? {} : { KmsMasterKeyId: kmsKeyArn } })
    )
    if (TopicArn === undefined) throw new Error(`the topic ${name} was not created`)
    return TopicArn
  }
  const topic = async (name: string, kmsKeyArn: string | undefined, raw: boolean) => {
    const TopicArn = await unsubscribedTopic(name, kmsKeyArn)
    await sns.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: "http",
        Endpoint: `http://127.0.0.1:${port}/`,
        Attributes: raw ? { RawMessageDelivery: "true" } : {}
      })
    )
    const confirmed = await subscriber.next<{ readonly status: number }>()
    if (confirmed.status !== 200) throw new Error(`the subscription to ${name} was not confirmed`)
    return TopicArn
  }
  const keyArn = key.KeyMetadata?.Arn
  const plainTopicArn = await topic("bench-plain", undefined, true)
  const encryptedTopicArn = await topic("bench-encrypted", keyArn, true)
  const latencyTopicArn = await topic("bench-latency", keyArn, false)
  const plainIngestTopicArn = await unsubscribedTopic("bench-plain-ingest", undefined)
  const encryptedIngestTopicArn = await unsubscribedTopic("bench-encrypted-ingest", keyArn)
  sns.destroy()
  kms.destroy()
  return {
    broker,
    subscriber,
    subscriberUrl: `http://127.0.0.1:${port}/`,
    plainTopicArn,
    encryptedTopicArn,
    plainIngestTopicArn,
    encryptedIngestTopicArn,
    latencyTopicArn,
    stop: async () => {
      subscriber.send({ _tag: "Stop" })
      await subscriber.exited
      await broker.stop()
    }
  }
}

/** How many deliveries the subscriber has received so far. */
const receivedCount = async (bench: HttpBench): Promise<number> => {
  bench.subscriber.send({ _tag: "Count" })
  return (await bench.subscriber.next<{ readonly received: number }>()).received
}

/**
 * Waits until deliveries stop arriving (none for a second), so that one scenario's delivery backlog
 * does not run into the next scenario's measurement. Returns how many arrived while waiting.
 */
export const drainDeliveries = async (bench: HttpBench, maxSeconds: number): Promise<number> => {
  const first = await receivedCount(bench)
  let last = first
  const deadline = Date.now() + maxSeconds * 1000
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 1000))
    const now = await receivedCount(bench)
    if (now === last) break
    last = now
  }
  return last - first
}

/** What a Publish load did, with the deliveries that reached the subscriber in the measured seconds. */
export type PublishLoadResult = LoadResult & { readonly deliveredDuringRun: number }

/** Scenarios 2, 3, 9, 11 and 12: signed Publish of `messageBytes` to `topicArn`, replayed by the load generator. */
export const publishLoad = async (
  bench: HttpBench,
  topicArn: string,
  messageBytes: number,
  shape: LoadShape,
  onMeasuring?: OnMeasuring
): Promise<PublishLoadResult> => {
  let before = 0
  const target = publishTarget(bench, topicArn, messageBytes)
  const result = await load(
    target.url,
    target.requests,
    shape,
    target.caPem,
    async () => {
      before = await receivedCount(bench)
      await onMeasuring?.()
    }
  )
  return { ...result, deliveredDuringRun: (await receivedCount(bench)) - before }
}

/**
 * Scenario 13, the fair ceiling for delivery: a bare `node:https` server, with the broker's
 * certificate, that forwards each request's body to the subscriber over a keep-alive `node:http`
 * agent, as delivery does, and answers its client once the subscriber has answered. Driven with
 * the same request bytes as scenario 1; the subscriber counts what it receives.
 */
export const relay = async (bench: HttpBench, request: SignedRequest, shape: LoadShape, onMeasuring?: OnMeasuring): Promise<PublishLoadResult> => {
  const paths = TlsMaterial.tlsPaths(bench.broker.dataDir)
  const agent = new HttpAgent({ keepAlive: true })
  const server = createHttpsServer(
    { cert: readFileSync(paths.server), key: readFileSync(paths.serverKey), keepAliveTimeout: 5_000 },
    (req, res) => {
      const chunks: Array<Buffer> = []
      req.on("data", (chunk: Buffer) => chunks.push(chunk))
      req.on("end", () => {
        const body = Buffer.concat(chunks)
        const forward = httpRequest(
          bench.subscriberUrl,
          { method: "POST", agent, headers: { "content-type": "text/plain", "content-length": body.byteLength, "x-amz-sns-rawdelivery": "true" } },
          (answer) => {
            answer.resume()
            answer.on("end", () => res.writeHead(200, { "content-type": "text/xml" }).end(CEILING_ANSWER))
          }
        )
        forward.on("error", () => res.writeHead(502).end())
        forward.end(body)
      })
    }
  )
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  let before = 0
  const result = await load(
    `https://127.0.0.1:${port}`,
    [{ ...request, headers: { ...request.headers, host: `127.0.0.1:${port}` } }],
    shape,
    bench.broker.caPem,
    async () => {
      before = await receivedCount(bench)
      await onMeasuring?.()
    }
  )
  const delivered = (await receivedCount(bench)) - before
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
  agent.destroy()
  return { ...result, deliveredDuringRun: delivered }
}

/** Scenario 7: the subscriber process publishes at a fixed rate and times each message to its delivery. */
export const deliveryLatency = async (
  bench: HttpBench,
  options: { readonly ratePerSecond: number; readonly durationSeconds: number; readonly messageBytes: number }
): Promise<ProbeResult> => {
  bench.subscriber.send({
    _tag: "Probe",
    target: { endpoint: bench.broker.endpoint, region: bench.broker.region, credentials: bench.broker.credentials },
    topicArn: bench.latencyTopicArn,
    ...options,
    drainSeconds: 10
  })
  return bench.subscriber.next<ProbeResult>()
}

/** Finds a free TCP port on loopback. */
const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const probe = createHttpServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as AddressInfo
      probe.close(() => resolve(port))
    })
  })

/** moto accepts any credentials; it reads the service from the signature's scope. */
export const motoTarget = (port: number): SigningTarget => ({
  endpoint: `http://127.0.0.1:${port}`,
  region: "us-east-1",
  credentials: { accessKeyId: "testing", secretAccessKey: "testing" }
})

/** Sends a signed request to moto and returns the answer's text, or undefined if moto does not answer. */
export const sendToMoto = (port: number, request: SignedRequest): Promise<string | undefined> =>
  fetch(`http://127.0.0.1:${port}/`, { method: request.method, headers: request.headers, body: request.body }).then(
    (res) => res.text(),
    () => undefined
  )

/**
 * A load generator for servers that close the connection after each answer, as moto's development
 * server (werkzeug) does: autocannon's connections stop there, `fetch` opens a new one. It runs in
 * this process, which is idle otherwise; a server this slow is not limited by its client.
 */
export const fetchLoad = async (url: string, request: SignedRequest, shape: LoadShape, onMeasuring: OnMeasuring = async () => undefined): Promise<LoadResult> => {
  const send = async (): Promise<boolean> => {
    try {
      const res = await fetch(url, { method: request.method, headers: request.headers, body: request.body })
      await res.arrayBuffer()
      return res.ok
    } catch {
      return false
    }
  }
  const run = async (seconds: number) => {
    const until = performance.now() + seconds * 1000
    const latencies: Array<number> = []
    let failed = 0
    await Promise.all(
      Array.from({ length: shape.connections }, async () => {
        while (performance.now() < until) {
          const started = performance.now()
          if (await send()) latencies.push(performance.now() - started)
          else failed += 1
        }
      })
    )
    return { latencies: latencies.sort((a, b) => a - b), failed }
  }
  await run(shape.warmupSeconds)
  await onMeasuring()
  const { latencies, failed } = await run(shape.durationSeconds)
  return {
    requestsPerSecond: latencies.length / shape.durationSeconds,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    total: latencies.length,
    errors: failed,
    non2xx: 0,
    timeouts: 0,
    bytesPerSecond: Number.NaN
  }
}

/**
 * Scenario 11's load against moto's server (`python3 -m moto.server`), if it can be started: the same
 * signed Publish of 1 KiB, over plain HTTP (moto serves no TLS and checks no signatures, but routes a
 * request to a service by its signature's scope), to a topic made for the run, with no subscriber;
 * then `more` against the same server (the queue scenarios). `skipped`, with the reason, when moto is
 * not available.
 */
export const motoLoads = async <A>(
  messageBytes: number,
  shape: LoadShape,
  more: (port: number) => Promise<A>
): Promise<{ readonly publish: LoadResult; readonly more: A } | { readonly skipped: string }> => {
  const port = await freePort()
  const moto = spawn("python3", ["-m", "moto.server", "-H", "127.0.0.1", "-p", String(port)], { stdio: "ignore" })
  const exited = new Promise<void>((resolve) => moto.on("close", () => resolve()))
  try {
    let created: string | undefined
    const deadline = Date.now() + 20_000
    while (created === undefined && Date.now() < deadline && moto.exitCode === null) {
      created = await sendToMoto(port, signQuery(motoTarget(port), "CreateTopic", { Name: "bench-moto" }))
      if (created === undefined) await new Promise((resolve) => setTimeout(resolve, 250))
    }
    const topicArn = created === undefined ? undefined : /<TopicArn>([^<]+)<\/TopicArn>/.exec(created)?.[1]
    if (topicArn === undefined) return { skipped: "moto.server could not be started (python3 -m moto.server)" }
    const request = signPublish(motoTarget(port), topicArn, messageOfSize(messageBytes))
    const publish = await fetchLoad(`http://127.0.0.1:${port}/`, request, shape)
    return { publish, more: await more(port) }
  } finally {
    moto.kill()
    await exited
  }
}
