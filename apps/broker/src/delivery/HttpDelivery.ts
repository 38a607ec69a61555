/**
 * HTTP/S delivery: one POST per attempt, with SNS's headers.
 *
 * SNS guide, "HTTP/HTTPS headers": every post carries `x-amz-sns-message-type`,
 * `x-amz-sns-message-id`, `x-amz-sns-topic-arn`, and for notifications `x-amz-sns-subscription-arn`;
 * raw deliveries add `x-amz-sns-rawdelivery: true`. The content type is `text/plain; charset=UTF-8`
 * unless the delivery policy's requestPolicy names another. SNS waits 15 seconds for an answer; a 2xx
 * status is a delivery, anything else (another status, a refused connection, a TLS failure, a
 * timeout) is a failed attempt that the retry policy decides about.
 *
 * The requests are made on a worker thread (HttpDeliveryWorker runs `makeRequester`); the broker's
 * side (`makeHttpPoster`) hands each post over and hands each outcome back to its caller.
 *
 * @since 0.1.0
 */
import { Data, Effect } from "effect"
import * as http from "node:http"
import * as https from "node:https"
import { rootCertificates } from "node:tls"
import { Worker } from "node:worker_threads"
import { batchUntilNextTurn } from "../internal/NextTurn.js"
import { type WorkerEntry, workerEntry } from "../internal/WorkerEntry.js"

/** SNS's delivery timeout (SNS guide, "Amazon SNS message delivery retries": 15 seconds). */
export const TIMEOUT_MS = 15_000

/** How SNS introduces itself to endpoints. */
export const USER_AGENT = "Amazon Simple Notification Service Agent"

/** The content type SNS uses when the delivery policy names none. */
export const DEFAULT_CONTENT_TYPE = "text/plain; charset=UTF-8"

/**
 * @category models
 */
export interface Post {
  readonly url: string
  readonly messageType: "Notification" | "SubscriptionConfirmation"
  readonly messageId: string
  readonly topicArn: string
  /** Absent on confirmations, which precede the subscription. */
  readonly subscriptionArn: string | undefined
  readonly raw: boolean
  readonly contentType: string | undefined
  readonly body: string
}

/**
 * A failed attempt: what went wrong, for the log (never the body, which may be a secret's plaintext).
 *
 * @category errors
 */
export class DeliveryFailed extends Data.TaggedError("DeliveryFailed")<{ readonly reason: string }> {}

/**
 * The request's header lines as node's flat `[name, value, name, value, …]` list, `host` first.
 * Handed to `http.request` as a list, node writes them as they are, after checking each name and
 * value, instead of first copying them one by one into its own header map (`setHeader`); that copy
 * was a measurable part of each delivery's CPU time.
 *
 * @category encoding
 */
export const headerLines = (post: Post, destination: Destination, contentLength: number): Array<string> => {
  const lines = [
    "host", destination.host,
    "x-amz-sns-message-type", post.messageType,
    "x-amz-sns-message-id", post.messageId,
    "x-amz-sns-topic-arn", post.topicArn
  ]
  if (post.subscriptionArn !== undefined) lines.push("x-amz-sns-subscription-arn", post.subscriptionArn)
  if (post.raw) lines.push("x-amz-sns-rawdelivery", "true")
  if (destination.authorization !== undefined) lines.push("authorization", destination.authorization)
  lines.push("content-type", post.contentType ?? DEFAULT_CONTENT_TYPE, "user-agent", USER_AGENT, "content-length", String(contentLength))
  return lines
}

/**
 * @category models
 */
export interface HttpPoster {
  /**
   * Posts and calls `done` once, with the failure or `undefined` for a 2xx answer; returns a
   * function that abandons the request (then `done` reports the abandonment). The per-delivery path
   * (`HttpSender`) uses this callback form directly, with no fiber of its own per request.
   */
  readonly send: (post: Post, done: (failure: DeliveryFailed | undefined) => void) => () => void
  /** `send` as an Effect; interrupting it abandons the request. */
  readonly post: (post: Post) => Effect.Effect<void, DeliveryFailed>
}

/**
 * Where an endpoint's requests go, worked out once per endpoint URL.
 *
 * @category models
 */
export interface Destination {
  readonly secure: boolean
  /** The Host header: the port only when it is not the scheme's default (RFC 9110 §7.2). */
  readonly host: string
  /** Basic credentials in the endpoint URL, which SNS sends as `Authorization: Basic …` (RFC 7617). */
  readonly authorization: string | undefined
  readonly options: http.RequestOptions
}

/** Endpoints remembered with their destinations, forgotten all at once past this many. */
const DESTINATION_CACHE_LIMIT = 10_000

/**
 * The request itself, made where it is called: keep-alive agents for both schemes, HTTPS endpoints
 * trusted on the system's CAs plus `caPem` (the broker's own CA, so subscribers it issued
 * certificates to work). The delivery worker runs this; the agents live as long as the worker.
 *
 * @category constructors
 */
export const makeRequester = (caPem: string | undefined): HttpPoster["send"] => {
  const agents = {
    http: new http.Agent({ keepAlive: true }),
    https: new https.Agent({ keepAlive: true, ca: caPem === undefined ? [...rootCertificates] : [...rootCertificates, caPem] })
  }
  // A subscription's endpoint is parsed on its first delivery, not on every one.
  const destinations = new Map<string, Destination | DeliveryFailed>()
  const destinationOf = (endpoint: string): Destination | DeliveryFailed => {
    const known = destinations.get(endpoint)
    if (known !== undefined) return known
    const found = parseDestination(endpoint, agents)
    if (destinations.size >= DESTINATION_CACHE_LIMIT) destinations.clear()
    destinations.set(endpoint, found)
    return found
  }
  return (post, done) => {
    const destination = destinationOf(post.url)
    if (destination instanceof DeliveryFailed) {
      done(destination)
      return () => undefined
    }
    let settled = false
    const finish = (failure: DeliveryFailed | undefined) => {
      if (settled) return
      settled = true
      done(failure)
    }
    const fail = (error: Error) => finish(new DeliveryFailed({ reason: error.message }))
    let request: http.ClientRequest
    try {
      request = (destination.secure ? https.request : http.request)(
        { ...destination.options, headers: headerLines(post, destination, Buffer.byteLength(post.body, "utf8")) },
        (response) => {
          // Drain the answer so the connection goes back to the keep-alive pool.
          response.resume()
          response.on("end", () => {
            const status = response.statusCode ?? 0
            finish(status >= 200 && status < 300 ? undefined : new DeliveryFailed({ reason: `HTTP ${status}` }))
          })
          response.on("error", fail)
        }
      )
    } catch (error) {
      // Node refuses a header it cannot send (say, a content type with a line break) by throwing.
      fail(error instanceof Error ? error : new Error(String(error)))
      return () => undefined
    }
    request.on("timeout", () => request.destroy(new Error(`no answer within ${TIMEOUT_MS} ms`)))
    request.on("error", fail)
    request.end(post.body, "utf8")
    return () => request.destroy(new Error("the request was abandoned"))
  }
}

/**
 * What the broker hands the delivery worker in one message: the posts and abandonments of one turn
 * of its event loop, in order.
 *
 * @category worker protocol
 */
export type ToWorker = ReadonlyArray<
  | { readonly _tag: "Post"; readonly id: number; readonly post: Post }
  | { readonly _tag: "Abandon"; readonly id: number }
>

/**
 * What the worker answers in one message: the outcomes settled in one turn of its event loop, each
 * the failure's reason or `undefined` for a delivery.
 *
 * @category worker protocol
 */
export type FromWorker = ReadonlyArray<{ readonly id: number; readonly failure: string | undefined }>

/** @category worker protocol */
export interface WorkerData {
  readonly caPem: string | undefined
}

/**
 * The delivery worker beside this module (`HttpDeliveryWorker`), compiled or from its source.
 *
 * @category constructors
 */
export const defaultWorkerEntry = (): WorkerEntry => workerEntry("./HttpDeliveryWorker.js", "./HttpDeliveryWorker.ts", import.meta.url)

/**
 * The poster: every post is made on a worker thread (HttpDeliveryWorker), so that the event loop
 * serving publishers spends only a structured clone of the post on it, and one message per batch of
 * outcomes, instead of node's HTTP client work (request objects, agent bookkeeping, socket writes,
 * response parsing), which was a large share of that loop's time under load. Posts and outcomes of
 * one turn of either event loop travel together in one message.
 *
 * The worker starts with the first post and is terminated when the scope closes. If it dies, every
 * post in flight fails with a DeliveryFailed (the retry policy decides about it) and the next post
 * starts a new one, so no caller waits on a worker that is gone. `worker` is where the worker's
 * module is; tests give one that fails.
 *
 * @category constructors
 */
export const makeHttpPoster = (caPem: string | undefined, worker: WorkerEntry = defaultWorkerEntry()) =>
  Effect.acquireRelease(Effect.sync(() => connectWorker(caPem, worker)), (link) => Effect.promise(link.close)).pipe(
    Effect.map(({ send }): HttpPoster => ({
      send,
      post: (post) =>
        Effect.async<void, DeliveryFailed>((resume) => {
          const abandon = send(post, (failure) => resume(failure === undefined ? Effect.void : Effect.fail(failure)))
          return Effect.sync(abandon)
        })
    }))
  )

/** The broker's side of the worker: posts out, outcomes back to their callers. */
const connectWorker = (caPem: string | undefined, entry: WorkerEntry) => {
  /** Callers waiting for an outcome, by post id. */
  const pending = new Map<number, (failure: DeliveryFailed | undefined) => void>()
  let nextId = 0
  let worker: Worker | undefined
  let closed = false

  const outgoing = batchUntilNextTurn<ToWorker[number]>((batch) => worker?.postMessage(batch satisfies ToWorker))
  /** The worker is gone: its posts in flight fail, and the next post starts another. */
  const lost = (gone: Worker, reason: string) => {
    if (worker !== gone) return
    worker = undefined
    outgoing.clear()
    const failure = new DeliveryFailed({ reason })
    const callers = [...pending.values()]
    pending.clear()
    for (const done of callers) done(failure)
  }
  const start = (): Worker => {
    const started = new Worker(entry.script, { eval: entry.eval, workerData: { caPem } satisfies WorkerData })
    // Held open only while posts are in flight (see `send`), as node's own pooled sockets are: an
    // idle sender does not keep the process alive.
    started.unref()
    started.on("message", (outcomes: FromWorker) => {
      for (const { id, failure } of outcomes) {
        const done = pending.get(id)
        if (done === undefined) continue
        pending.delete(id)
        if (pending.size === 0) started.unref()
        done(failure === undefined ? undefined : new DeliveryFailed({ reason: failure }))
      }
    })
    started.on("error", (error) => lost(started, `the delivery worker failed: ${error.message}`))
    started.on("exit", (code) => lost(started, `the delivery worker exited with code ${code}`))
    return started
  }

  const send: HttpPoster["send"] = (post, done) => {
    if (closed) {
      done(new DeliveryFailed({ reason: "the delivery worker is stopped" }))
      return () => undefined
    }
    let current: Worker
    try {
      current = worker ?? (worker = start())
    } catch (error) {
      // Node refuses some entries at once rather than by an "error" event (say, a path that is not absolute).
      done(new DeliveryFailed({ reason: `the delivery worker failed: ${error instanceof Error ? error.message : String(error)}` }))
      return () => undefined
    }
    const id = nextId++
    if (pending.size === 0) current.ref()
    pending.set(id, done)
    outgoing.add({ _tag: "Post", id, post })
    // The worker destroys the request and reports the abandonment as the post's outcome.
    return () => {
      if (pending.has(id) && worker === current) outgoing.add({ _tag: "Abandon", id })
    }
  }
  const close = async (): Promise<void> => {
    closed = true
    const running = worker
    if (running === undefined) return
    lost(running, "the delivery worker is stopped")
    await running.terminate()
  }
  return { send, close }
}

/** An endpoint URL as a destination, or why it cannot be one. */
const parseDestination = (endpoint: string, agents: { readonly http: http.Agent; readonly https: https.Agent }): Destination | DeliveryFailed => {
  let url: URL
  try {
    url = new URL(endpoint)
  } catch {
    return new DeliveryFailed({ reason: `not a URL: ${endpoint}` })
  }
  const secure = url.protocol === "https:"
  if (!secure && url.protocol !== "http:") return new DeliveryFailed({ reason: `unsupported scheme ${url.protocol}` })
  let authorization: string | undefined
  if (url.username !== "" || url.password !== "") {
    try {
      authorization = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`, "utf8").toString("base64")}`
    } catch {
      return new DeliveryFailed({ reason: "the endpoint's user name or password is not valid percent-encoding" })
    }
  }
  return {
    secure,
    host: url.host,
    authorization,
    options: {
      method: "POST",
      protocol: url.protocol,
      // A bracketed IPv6 literal is a hostname without its brackets to the socket layer.
      hostname: url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname,
      port: url.port === "" ? (secure ? 443 : 80) : Number(url.port),
      path: `${url.pathname}${url.search}`,
      agent: secure ? agents.https : agents.http,
      timeout: TIMEOUT_MS
    }
  }
}
