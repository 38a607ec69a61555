/**
 * A local HTTP endpoint subscribed to a topic, as a user's web service would be: it confirms the
 * subscription by fetching SubscribeURL (SNS developer guide, "Fanout to HTTP/S endpoints", step 2),
 * records every document SNS posts with when it came and was answered, and answers with a status
 * the suite chooses, at once or after holding it a while.
 */
import * as http from "node:http"
import * as https from "node:https"
import type { AddressInfo } from "node:net"
import MessageValidator from "sns-validator"

/** One POST as the subscriber received it: the SNS JSON document and the `x-amz-sns-*` headers. */
export interface Received {
  readonly document: Record<string, string | Record<string, unknown>>
  readonly headers: http.IncomingHttpHeaders
  /** When the POST's body was read, and when it was answered (undefined until then), by `Date.now()`. */
  readonly arrivedAt: number
  answeredAt: number | undefined
}

export interface Subscriber {
  /** The URL to subscribe, `http://127.0.0.1:<port>/<path>`. */
  readonly url: string
  readonly received: Array<Received>
  /** The `Notification` documents, in arrival order. */
  readonly notifications: () => ReadonlyArray<Received["document"]>
  /** The status every POST but a followed confirmation is answered with (200 by default). */
  status: number
  readonly close: () => Promise<void>
}

export interface SubscriberOptions {
  /** The broker's CA, to fetch SubscribeURL over HTTPS. */
  readonly caPem: string
  readonly status?: number
  /** Whether to follow SubscribeURL on a SubscriptionConfirmation (true by default). */
  readonly confirm?: boolean
  /** Fixed port, so a subscription survives this process restarting its listener; 0 by default. */
  readonly port?: number
  /** How long each notification is held before it is answered, so attempts that overlap show it; 0 by default. */
  readonly holdMs?: number
}

const readBody = (req: http.IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    req.on("error", reject)
  })

/** GETs a SubscribeURL as a subscriber does: unsigned, over HTTPS to the broker. */
export const visit = (url: string, caPem: string): Promise<number> =>
  new Promise((resolve, reject) => {
    https
      .get(url, { ca: caPem, agent: false }, (res) => {
        res.resume()
        res.on("end", () => resolve(res.statusCode ?? 0))
      })
      .on("error", reject)
  })

export const startSubscriber = async (options: SubscriberOptions): Promise<Subscriber> => {
  const received: Array<Received> = []
  const server = http.createServer((req, res) => {
    readBody(req).then(async (text) => {
      const document = JSON.parse(text) as Received["document"]
      const entry: Received = { document, headers: req.headers, arrivedAt: Date.now(), answeredAt: undefined }
      received.push(entry)
      if (document["Type"] === "SubscriptionConfirmation" && options.confirm !== false) {
        const status = await visit(String(document["SubscribeURL"]), options.caPem)
        res.statusCode = status === 200 ? 200 : 500
      } else {
        if (options.holdMs !== undefined) await new Promise((resolve) => setTimeout(resolve, options.holdMs))
        res.statusCode = subscriber.status
      }
      entry.answeredAt = Date.now()
      res.end()
    }).catch(() => {
      res.statusCode = 400
      res.end()
    })
  })
  server.keepAliveTimeout = 1000
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(options.port ?? 0, "127.0.0.1", resolve)
  })
  const port = (server.address() as AddressInfo).port
  const subscriber: Subscriber = {
    url: `http://127.0.0.1:${port}/sns`,
    received,
    notifications: () => received.filter((r) => r.document["Type"] === "Notification").map((r) => r.document),
    status: options.status ?? 200,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
  return subscriber
}

/**
 * Checks an SNS document's signature with AWS's own validator (sns-validator), which fetches
 * SigningCertURL with Node's default HTTPS agent: that agent is told to trust the broker's CA, and
 * the validator to accept the broker's host instead of `sns.<region>.amazonaws.com`.
 */
export const validateSignature = (document: Received["document"], brokerEndpoint: string, caPem: string): Promise<void> => {
  https.globalAgent.options.ca = caPem
  const host = new URL(brokerEndpoint).host.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
  return new Promise((resolve, reject) =>
    new MessageValidator(new RegExp(`^${host}$`)).validate({ ...document }, (error) => (error ? reject(error) : resolve()))
  )
}
