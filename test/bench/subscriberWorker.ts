/**
 * A local HTTP subscriber in a process of its own. It confirms its subscriptions (it fetches the
 * SubscribeURL, SNS guide "Confirm the subscription"), counts what it receives, and as the latency
 * probe it also publishes at a fixed rate, each message carrying its send time, so that send and
 * receive are read from one clock.
 */
import { createServer, type IncomingMessage } from "node:http"
import { Agent, get, request } from "node:https"
import { performance } from "node:perf_hooks"
import { answer, parentMessages } from "./Child.js"
import { messageOfSize, signPublish, type SigningTarget } from "./Signing.js"
import { percentile } from "./Stats.js"

/** The first message: whom to trust when confirming and publishing. */
export interface SubscriberStart {
  readonly caPem: string
}

/** Later messages. */
export type SubscriberCommand =
  | { readonly _tag: "Count" }
  | {
      readonly _tag: "Probe"
      readonly target: SigningTarget
      readonly topicArn: string
      readonly ratePerSecond: number
      readonly durationSeconds: number
      readonly messageBytes: number
      /** How long to wait for the last deliveries after the last publish. */
      readonly drainSeconds: number
    }
  | { readonly _tag: "Stop" }

/** What the probe measured. */
export interface ProbeResult {
  readonly sent: number
  readonly publishErrors: number
  /** Each failed publish's HTTP status or socket error code, with how often it happened. */
  readonly publishErrorKinds: Readonly<Record<string, number>>
  readonly received: number
  readonly p50Ms: number
  readonly p99Ms: number
  readonly p999Ms: number
  readonly maxMs: number
}

/** The probe's messages start with their send time on this process's monotonic clock. */
const SENT_AT = /^sentAt=([0-9.]+);/

const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    req.on("error", reject)
  })

/** The message text of a delivery: the body itself with raw delivery, else the envelope's `Message`. */
const messageOf = (req: IncomingMessage, body: string): string => {
  if (req.headers["x-amz-sns-rawdelivery"] === "true") return body
  const envelope = JSON.parse(body) as { readonly Message?: unknown }
  return typeof envelope.Message === "string" ? envelope.Message : ""
}

const fromParent = parentMessages()
const { caPem } = await fromParent<SubscriberStart>()
const agent = new Agent({ ca: caPem, keepAlive: true })
let received = 0
const latencies: Array<number> = []

const server = createServer((req, res) => {
  readBody(req)
    .then((body) => {
      const receivedAt = performance.now()
      if (req.headers["x-amz-sns-message-type"] === "SubscriptionConfirmation") {
        const { SubscribeURL } = JSON.parse(body) as { readonly SubscribeURL: string }
        get(SubscribeURL, { agent }, (confirm) => {
          confirm.resume()
          answer({ _tag: "Confirmed", status: confirm.statusCode })
        })
      } else {
        received += 1
        const sentAt = SENT_AT.exec(messageOf(req, body))?.[1]
        if (sentAt !== undefined) latencies.push(receivedAt - Number(sentAt))
      }
      res.writeHead(200).end()
    })
    .catch(() => res.writeHead(400).end())
})
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
const address = server.address()
answer({ _tag: "Listening", port: typeof address === "object" && address !== null ? address.port : 0 })

/** Publishes one message; `undefined` when the broker answered 200, else what went wrong. */
const publishOne = (target: SigningTarget, topicArn: string, messageBytes: number): Promise<string | undefined> =>
  new Promise((resolve) => {
    const prefix = `sentAt=${performance.now().toFixed(3)};`
    const signed = signPublish(target, topicArn, prefix + messageOfSize(messageBytes - prefix.length))
    const req = request(`${target.endpoint}/`, { method: "POST", headers: signed.headers, agent }, (res) => {
      res.resume()
      res.on("end", () => resolve(res.statusCode === 200 ? undefined : `HTTP ${res.statusCode}`))
    })
    req.on("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message))
    req.end(signed.body)
  })

/** Publishes `ratePerSecond` messages a second for `durationSeconds`, on schedule rather than back to back. */
const probe = async (command: Extract<SubscriberCommand, { readonly _tag: "Probe" }>): Promise<ProbeResult> => {
  received = 0
  latencies.length = 0
  const total = command.ratePerSecond * command.durationSeconds
  const pending: Array<Promise<string | undefined>> = []
  const started = performance.now()
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * command.ratePerSecond))
      while (pending.length < due) pending.push(publishOne(command.target, command.topicArn, command.messageBytes))
      if (pending.length === total) {
        clearInterval(tick)
        resolve()
      }
    }, 2)
  })
  const failures = (await Promise.all(pending)).filter((failure) => failure !== undefined)
  const deadline = performance.now() + command.drainSeconds * 1000
  while (received < total && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
  const sorted = [...latencies].sort((a, b) => a - b)
  return {
    sent: total,
    publishErrors: failures.length,
    publishErrorKinds: failures.reduce<Record<string, number>>((kinds, kind) => ({ ...kinds, [kind]: (kinds[kind] ?? 0) + 1 }), {}),
    received,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    p999Ms: percentile(sorted, 0.999),
    maxMs: sorted[sorted.length - 1] ?? Number.NaN
  }
}

for (;;) {
  const command = await fromParent<SubscriberCommand>()
  if (command._tag === "Stop") break
  if (command._tag === "Count") answer({ _tag: "Count", received })
  else answer({ _tag: "Probe", ...(await probe(command)) })
}
server.close()
agent.destroy()
process.exit(0)
