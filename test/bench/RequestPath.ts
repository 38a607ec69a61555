/**
 * The broker's request path without the network: the transport's handler (`Server.makeHandler`)
 * over the broker's own services on a durable SQLite store, fed signed Publish requests through
 * stand-ins for `node:http`'s request and response, 32 at a time as scenario 11's connections are.
 * Everything a Publish costs but TLS, HTTP parsing and the socket, measured as the process's CPU
 * time per request, so the broker's own share of "CPU per request" (docs/PERFORMANCE.md) can be
 * compared between two versions of the code without the load generator in the way.
 */
import { type RequestContext, Sns } from "@sealcast/core"
import { KmsSim } from "@sealcast/kms-sim"
import { Server } from "@sealcast/transport-http"
import { Context, Effect, Layer } from "effect"
import { randomBytes } from "node:crypto"
import { EventEmitter } from "node:events"
import type { IncomingMessage, ServerResponse } from "node:http"
import * as Services from "sealcast/Services"
import { messageOfSize, signPublish, type SigningTarget } from "./Signing.js"

const REGION = "us-east-1"
const ACCOUNT = "000000000000"
const CONCURRENCY = 32

const credential = {
  accessKeyId: "AKIDBENCHREQUESTPATH",
  secretAccessKey: "bench/request/path/secret/access/key/0000",
  accountId: ACCOUNT,
  principalArn: `arn:aws:iam::${ACCOUNT}:root`
}
const credentialOf = (accessKeyId: string) => (accessKeyId === credential.accessKeyId ? credential : undefined)
const caller: RequestContext.RequestContext = { accountId: ACCOUNT, principalArn: credential.principalArn, region: REGION, transport: "https", auth: "sigv4" }
const target: SigningTarget = { endpoint: "https://127.0.0.1:4443", region: REGION, credentials: credential }

/** One request through the handler; resolves with the status it was answered. */
const send = (
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  signed: { readonly headers: Readonly<Record<string, string>>; readonly body: Buffer }
): Promise<number> =>
  new Promise((resolve) => {
    const headers = { ...signed.headers, "content-length": String(signed.body.byteLength) }
    const req = Object.assign(new EventEmitter(), {
      method: "POST",
      url: "/",
      headers,
      rawHeaders: Object.entries(headers).flat(),
      resume: () => undefined
    })
    let status = 0
    const res = {
      headersSent: false,
      destroyed: false,
      writableEnded: false,
      once: () => res,
      writeHead: (code: number) => {
        status = code
        return res
      },
      end: () => {
        res.writableEnded = true
        resolve(status)
      }
    }
    handler(req as unknown as IncomingMessage, res as unknown as ServerResponse)
    req.emit("data", signed.body)
    req.emit("end")
  })

/**
 * µs of process CPU per Publish of 1 KiB to a topic with no subscription, plain or encrypted under a
 * customer managed key, over `requests` requests after a warm-up; `onMeasuring` runs between the two.
 */
export const requestPathCpu = (
  dataDir: string,
  options: { readonly requests: number; readonly encrypted: boolean; readonly onMeasuring?: () => Promise<void> }
): Promise<number> =>
  Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        const services = yield* Layer.build(
          Services.layer({ dataDir, region: REGION, rootKey: new Uint8Array(randomBytes(32)), queueOrigin: () => "https://127.0.0.1" })
        )
        const sns = Context.get(services, Sns.Sns)
        const kms = Context.get(services, KmsSim.KmsSim)
        const attributes = options.encrypted
          ? { KmsMasterKeyId: (yield* kms.createKey({ Description: "benchmark customer managed key" }, caller)).KeyMetadata.Arn }
          : {}
        const { topicArn } = yield* sns.createTopic({ name: "bench-request-path", attributes, tags: [], dataProtectionPolicy: undefined }, caller)
        const handler = (yield* Server.makeHandler({
          region: REGION,
          lookup: (accessKeyId) => Effect.succeed(credentialOf(accessKeyId)),
          credentialOf,
          sns,
          kms,
          newRequestId: () => "00000000-0000-0000-0000-000000000000",
          log: () => undefined
        }))("https")
        const signed = signPublish(target, topicArn, messageOfSize(1024))
        const request = { headers: signed.headers, body: Buffer.from(signed.body) }
        const run = async (count: number) => {
          let failed = 0
          for (let sent = 0; sent < count; sent += CONCURRENCY) {
            const statuses = await Promise.all(Array.from({ length: CONCURRENCY }, () => send(handler, request)))
            failed += statuses.filter((status) => status !== 200).length
          }
          if (failed > 0) throw new Error(`${failed} requests were not answered 200`)
        }
        return yield* Effect.promise(async () => {
          await run(Math.min(options.requests, 5_000))
          await options.onMeasuring?.()
          const before = process.cpuUsage()
          await run(options.requests)
          const used = process.cpuUsage(before)
          return (used.user + used.system) / options.requests
        })
      })
    )
  )
