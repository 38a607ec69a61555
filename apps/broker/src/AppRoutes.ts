/**
 * The broker's own routes under `/_sealcast/`: health, metrics, the outbox, the message-signing
 * certificate, and the stored messages of a topic (for teaching and tests: metadata in the clear, a
 * sealed body only as its envelope, never its plaintext).
 *
 * Only the health check and the signing certificate (a link SNS hands to subscribers) are public;
 * the outbox and the stored messages need SigV4, and metrics name no resource unless signed.
 *
 * @since 0.1.0
 */
import { Arn, type Message, type MessageStore } from "@sealcast/core"
import type { KmsSim } from "@sealcast/kms-sim"
import { ErrorTable, type HttpResponse, type Server } from "@sealcast/transport-http"
import { Effect } from "effect"
import type { Outbox } from "./delivery/Outbox.js"
import * as Metrics from "./metrics/Metrics.js"

/**
 * @category models
 */
export interface AppRoutesOptions {
  readonly region: string
  readonly store: MessageStore.MessageStoreService
  readonly kms: KmsSim.KmsSimService
  readonly metrics: Metrics.Metrics
  readonly outbox: Outbox
  readonly signingCertificatePem: string
  readonly startedAt: number
  /**
   * With stores in PostgreSQL: this broker's node id, and a round trip to the database (the
   * requests' own catch-up) that the health check reports on.
   */
  readonly database?: { readonly nodeId: string; readonly check: Effect.Effect<void, { readonly message: string }> }
}

/** How long the health check waits for the database before it calls it unreachable. */
const DATABASE_CHECK_MS = 2_000

const json = (status: number, value: unknown): HttpResponse.Response => ({
  status,
  contentType: "application/json",
  body: JSON.stringify(value)
})

const errorJson = (error: { readonly _tag: string; readonly message?: string }): HttpResponse.Response => {
  const row = ErrorTable.describeError(error)
  return json(row.status, { __type: row.jsonCode ?? row.code, message: row.message })
}

const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64")

/**
 * A stored message as the inspection route shows it. A sealed body appears as its envelope, base64.
 *
 * @category encoding
 */
export const describeMessage = (m: Message.StoredMessage) => ({
  messageId: m.messageId,
  topicArn: m.topicArn,
  timestamp: new Date(m.timestamp).toISOString(),
  subject: m.subject ?? null,
  publisher: m.publisher,
  messageStructure: m.messageStructure ?? null,
  fifo: m.fifo ?? null,
  attributes: Object.fromEntries(
    Object.entries(m.attributes).map(([name, v]) => [
      name,
      v.binaryValue === undefined ? { DataType: v.dataType, StringValue: v.stringValue } : { DataType: v.dataType, BinaryValue: base64(v.binaryValue) }
    ])
  ),
  body:
    m.body._tag === "Plain"
      ? { kind: "Plain", text: m.body.text }
      : {
          kind: "Sealed",
          algorithm: m.body.envelope.algorithm,
          keyArn: m.body.envelope.keyArn,
          encryptedDataKey: base64(m.body.envelope.encryptedDataKey),
          nonce: base64(m.body.envelope.nonce),
          ciphertext: base64(m.body.envelope.ciphertext)
        }
})

/**
 * A scrape without credentials sees the totals, without resource names, so a Prometheus server can
 * scrape with no AWS signer; a SigV4-signed one (service `sns`) sees its account's topics and keys
 * one by one; a signature that is present but fails is refused like any other.
 */
const metricsView = (request: Server.RouteRequest) =>
  request.authenticate("sns").pipe(
    Effect.map((caller) => Metrics.account(caller.accountId)),
    Effect.catchIf((error) => error._tag === "MissingAuthenticationToken", () => Effect.succeed(Metrics.totals))
  )

/**
 * `ok`, or with a database that does not answer, 503 `unavailable` with the reason: the requests
 * that need it fail meanwhile, so a load balancer should send them to another broker.
 */
const health = (options: AppRoutesOptions): Effect.Effect<HttpResponse.Response> => {
  const uptimeSeconds = Math.round((Date.now() - options.startedAt) / 1000)
  const database = options.database
  if (database === undefined) return Effect.succeed(json(200, { status: "ok", uptimeSeconds }))
  return database.check.pipe(
    Effect.timeoutFail({ duration: DATABASE_CHECK_MS, onTimeout: () => ({ message: `no answer within ${DATABASE_CHECK_MS} ms` }) }),
    Effect.match({
      onSuccess: () => json(200, { status: "ok", uptimeSeconds, nodeId: database.nodeId, database: { status: "ok" } }),
      onFailure: (e) =>
        json(503, { status: "unavailable", uptimeSeconds, nodeId: database.nodeId, database: { status: "unreachable", error: e.message } })
    })
  )
}

const TOPIC_MESSAGES = /^\/_sealcast\/topics\/([^/]+)\/messages$/

/**
 * The route table.
 *
 * @category constructors
 */
export const make =
  (options: AppRoutesOptions) =>
  (request: Server.RouteRequest): Effect.Effect<HttpResponse.Response> | undefined => {
    if (request.method !== "GET") return undefined
    switch (request.path) {
      case "/_sealcast/health":
        return health(options)
      case "/_sealcast/metrics":
        return Effect.gen(function* () {
          const view = yield* metricsView(request)
          const counts = yield* options.kms.usage
          return { status: 200, contentType: Metrics.CONTENT_TYPE, body: options.metrics.render(counts, view) } satisfies HttpResponse.Response
        }).pipe(Effect.catchAll((error) => Effect.succeed(errorJson(error))))
      case "/_sealcast/outbox":
        // Bodies (of encrypted topics too) and subscription tokens in plaintext: a signed caller's own only.
        return request.authenticate("sns").pipe(
          Effect.map((caller) =>
            options.outbox.response(caller.accountId, {
              kind: request.query.get("kind") ?? undefined,
              target: request.query.get("target") ?? undefined
            })
          ),
          Effect.catchAll((error) => Effect.succeed(errorJson(error)))
        )
      case "/_sealcast/signing-cert.pem":
        return Effect.succeed({ status: 200, contentType: "application/x-pem-file", body: options.signingCertificatePem })
    }
    const topic = TOPIC_MESSAGES.exec(request.path)
    if (topic === null) return undefined
    return Effect.gen(function* () {
      const caller = yield* request.authenticate("sns")
      const limit = Math.min(Math.max(Number(request.query.get("limit") ?? 100) || 100, 1), 1000)
      const messages = yield* options.store.listByTopic(Arn.topicArn(options.region, caller.accountId, topic[1]!), { limit })
      return json(200, { messages: messages.map(describeMessage) })
    }).pipe(Effect.catchAll((error) => Effect.succeed(errorJson(error))))
  }
