/**
 * The kit's own HTTP and HTTPS subscriber, on loopback: every subscription of a run points at a path
 * of it, over either scheme, and it keeps what SNS posts there, in arrival order (SNS Developer Guide, "Fanout to HTTP/S endpoints":
 * the SubscriptionConfirmation and Notification documents).
 *
 * @since 0.1.0
 */
import * as http from "node:http"
import * as https from "node:https"
import type { AddressInfo } from "node:net"

/**
 * One document SNS posted.
 *
 * @category models
 */
export interface Delivery {
  readonly type: string
  readonly messageId: string
  readonly message: string
  readonly token: string | undefined
  readonly sequenceNumber: string | undefined
}

/**
 * @category models
 */
export interface Receiver {
  /** `http://<host>:<port>`, without a trailing slash. */
  readonly origin: string
  /** `https://<host>:<port>`: the same paths over TLS, with the certificate `start` was given. */
  readonly httpsOrigin: string
  /** Everything posted to `path` so far, in arrival order. */
  readonly deliveries: (path: string) => ReadonlyArray<Delivery>
  /** Waits until `found` holds for something posted to `path`, or `timeoutMs` passes (then undefined). */
  readonly waitFor: (path: string, found: (d: Delivery) => boolean, timeoutMs: number) => Promise<Delivery | undefined>
  readonly close: () => Promise<void>
}

const field = (doc: Record<string, unknown>, name: string): string | undefined => {
  const value = doc[name]
  return typeof value === "string" ? value : undefined
}

/**
 * Starts the receiver on `host` (loopback unless the endpoint must reach it elsewhere), two ports
 * chosen by the system: plain HTTP, and HTTPS with `tls`.
 *
 * @category constructors
 */
export const start = async (host: string, tls: { readonly certPem: string; readonly keyPem: string }, advertisedHost: string = host): Promise<Receiver> => {
  const byPath = new Map<string, Array<Delivery>>()
  const waiters = new Set<{ readonly path: string; readonly found: (d: Delivery) => boolean; readonly done: (d: Delivery | undefined) => void }>()
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Array<Buffer> = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.on("end", () => {
      res.writeHead(200).end()
      const path = (req.url ?? "/").split("?")[0] ?? "/"
      let doc: Record<string, unknown> = {}
      const text = Buffer.concat(chunks).toString("utf8")
      try {
        const parsed: unknown = JSON.parse(text)
        if (typeof parsed === "object" && parsed !== null) doc = parsed as Record<string, unknown>
      } catch {
        // A raw delivery (RawMessageDelivery=true) is the body itself; the kit never subscribes raw.
      }
      const delivery: Delivery = {
        type: field(doc, "Type") ?? String(req.headers["x-amz-sns-message-type"] ?? "Raw"),
        messageId: field(doc, "MessageId") ?? String(req.headers["x-amz-sns-message-id"] ?? ""),
        message: field(doc, "Message") ?? text,
        token: field(doc, "Token"),
        sequenceNumber: field(doc, "SequenceNumber")
      }
      const list = byPath.get(path)
      if (list === undefined) byPath.set(path, [delivery])
      else list.push(delivery)
      for (const waiter of waiters) if (waiter.path === path && waiter.found(delivery)) waiter.done(delivery)
    })
  }
  const servers = [http.createServer(onRequest), https.createServer({ cert: tls.certPem, key: tls.keyPem }, onRequest)] as const
  const hostPart = advertisedHost.includes(":") ? `[${advertisedHost}]` : advertisedHost
  const [origin, httpsOrigin] = await Promise.all(
    servers.map(async (server, i) => {
      await new Promise<void>((resolve) => server.listen(0, host, resolve))
      return `${i === 0 ? "http" : "https"}://${hostPart}:${(server.address() as AddressInfo).port}`
    })
  )
  return {
    origin: origin!,
    httpsOrigin: httpsOrigin!,
    deliveries: (path) => byPath.get(path) ?? [],
    waitFor: (path, found, timeoutMs) => {
      const already = (byPath.get(path) ?? []).find(found)
      if (already !== undefined) return Promise.resolve(already)
      return new Promise((resolve) => {
        const waiter = {
          path,
          found,
          done: (d: Delivery | undefined) => {
            clearTimeout(timer)
            waiters.delete(waiter)
            resolve(d)
          }
        }
        const timer = setTimeout(() => waiter.done(undefined), timeoutMs)
        waiters.add(waiter)
      })
    },
    close: async () => {
      for (const waiter of waiters) waiter.done(undefined)
      await Promise.all(
        servers.map(
          (server) =>
            new Promise<void>((resolve) => {
              server.closeAllConnections()
              server.close(() => resolve())
            })
        )
      )
    }
  }
}
