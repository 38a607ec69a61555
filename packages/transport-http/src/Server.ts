/**
 * The server glue: one HTTPS origin (and an optional plain-HTTP one) serving SNS (AWS Query) and KMS
 * (AWS JSON 1.1) at `POST /`, every request verified against the credential table first.
 *
 * Routing (CONTRACT.md, "The endpoint"):
 * - `X-Amz-Target: TrentService.<Op>` → KMS; the credential scope must say `kms`.
 * - any other request to `/` → SNS; the scope must say `sns` (or the request carries SigV2).
 * - `GET /?Action=ConfirmSubscription…` and `GET /?Action=Unsubscribe…` without a signature are the
 *   links SNS hands to subscribers; the core decides what they may do unsigned.
 * - `/_sealcast/…` → the embedding app's own routes (health, metrics, outbox, …).
 *
 * The body is read once, up to a cap, then hashed for SigV4 and parsed from the same bytes. A request
 * never takes the process down: every failure becomes an AWS-shaped answer, and a defect is logged
 * with its request id and answered `InternalFailure` (500).
 *
 * @since 0.1.0
 */
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from "node:http"
import { createServer as createHttpsServer } from "node:https"
import type { AddressInfo } from "node:net"
import type { RequestContext, Sns } from "@sealcast/core"
import type { KmsSim } from "@sealcast/kms-sim"
import { Cause, Effect, Either, Exit } from "effect"
import { authenticate, detectScheme } from "./auth/Authenticate.js"
import { MissingAuthenticationToken } from "./auth/AuthErrors.js"
import { nodeHashing } from "./auth/NodeHashing.js"
import type { CredentialLookup, HttpRequestParts, VerifiedIdentity } from "./auth/Request.js"
import { makeSigningKeyCache } from "./auth/SigningKeyCache.js"
import { describeError } from "./ErrorTable.js"
import { partsOf, readBody, splitTarget } from "./HttpRequest.js"
import * as KmsRoute from "./kms/KmsRoute.js"
import * as Form from "./query/Form.js"
import * as SnsProtocol from "./sns/index.js"

/** SNS's largest request is a 256 KiB batch, which form encoding can triple; KMS's are far smaller. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024

/**
 * An answer for the glue to write.
 *
 * @category models
 */
export interface Response {
  readonly status: number
  readonly contentType: string
  readonly body: string | Uint8Array
}

/**
 * What an app route sees: the request, and a way to demand a verified SigV4 caller.
 *
 * @category models
 */
export interface RouteRequest {
  readonly method: string
  /** The path, decoded, without the query. */
  readonly path: string
  readonly query: URLSearchParams
  readonly parts: HttpRequestParts
  /** Verifies the request's signature for `service`; routes that are not public call it. */
  readonly authenticate: (service: string) => Effect.Effect<VerifiedIdentity, { readonly _tag: string; readonly message: string }>
}

/**
 * @category models
 */
export type LogLevel = "error" | "warn" | "info" | "debug"

/**
 * @category models
 */
export interface ServerOptions {
  readonly region: string
  readonly lookup: CredentialLookup
  readonly sns: Sns.SnsService
  readonly kms: KmsSim.KmsSimService
  readonly newRequestId: () => string
  readonly log: (level: LogLevel, message: string, fields?: Record<string, unknown>) => void
  /** Routes under `/_sealcast/`; undefined when the app has none for the path. */
  readonly appRoute?: (request: RouteRequest) => Effect.Effect<Response> | undefined
  readonly maxBodyBytes?: number
  /** Append the canonical request and string to sign to SignatureDoesNotMatch (AWS's debug text). */
  readonly debugSignatures?: boolean
  /** The server's clock; Date.now unless a test says otherwise. */
  readonly now?: () => number
}

const JSON_CONTENT_TYPE = "application/x-amz-json-1.1"

/** The links SNS hands out, which subscribers follow without credentials. */
const UNSIGNED_ACTIONS = new Set(["ConfirmSubscription", "Unsubscribe"])

const kmsErrorResponse = (error: { readonly _tag: string; readonly message?: string }): Response => {
  const row = describeError(error)
  return { status: row.status, contentType: JSON_CONTENT_TYPE, body: KmsRoute.errorBody(row.jsonCode ?? row.code, row.message) }
}

/** The path with its percent-escapes decoded, or undefined when they are not valid UTF-8. */
const decodePath = (rawPath: string): string | undefined => {
  try {
    return decodeURIComponent(rawPath)
  } catch {
    return undefined
  }
}


const headerOf = (req: IncomingMessage, name: string): string | undefined => {
  const value = req.headers[name]
  return Array.isArray(value) ? value[0] : value
}

/**
 * The request handler, for `node:http` or `node:https`; `transport` says which.
 *
 * @category constructors
 */
export const makeHandler = (options: ServerOptions) => {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES
  const now = options.now ?? Date.now
  const signingKeys = makeSigningKeyCache()
  const verify = (parts: HttpRequestParts, service: string) =>
    authenticate(parts, {
      region: options.region,
      service,
      now: now(),
      lookup: options.lookup,
      hashing: nodeHashing,
      signingKeys,
      ...(options.debugSignatures === true ? { debug: true } : {})
    })

  const serveKms = (req: IncomingMessage, body: Uint8Array, target: string): Effect.Effect<Response> => {
    const parts = partsOf(req, body)
    return Effect.gen(function* () {
      // KMS takes Signature Version 4 only.
      if (detectScheme(parts) === "sigv2") {
        return yield* new MissingAuthenticationToken({ message: "KMS accepts only Signature Version 4 requests." })
      }
      const identity = yield* verify(parts, "kms")
      const answer = yield* KmsRoute.run(options.kms, target, body, { accountId: identity.accountId, principalArn: identity.principalArn })
      return { status: 200, contentType: JSON_CONTENT_TYPE, body: JSON.stringify(answer) } satisfies Response
    }).pipe(Effect.catchAll((error) => Effect.succeed(kmsErrorResponse(error))))
  }

  const serveSns = (
    req: IncomingMessage,
    body: Uint8Array,
    rawQuery: string,
    transport: RequestContext.RequestContext["transport"],
    requestId: string
  ): Effect.Effect<Response> => {
    // Query requests carry their parameters in the query string, and in a form body unless GET.
    return Either.match(Form.parseRequest(req.method ?? "GET", rawQuery, body), {
      onLeft: (error) => Effect.succeed<Response>(SnsProtocol.errorResponse(error, requestId)),
      onRight: (form) => {
        const parts = partsOf(req, body, [...form])
        if (detectScheme(parts) === "none" && UNSIGNED_ACTIONS.has(form.get("Action") ?? "")) {
          return SnsProtocol.dispatch(form, options.sns, undefined, requestId)
        }
        return verify(parts, "sns").pipe(
          Effect.matchEffect({
            onFailure: (error) => Effect.succeed<Response>(SnsProtocol.errorResponse(error, requestId)),
            onSuccess: (identity) =>
              SnsProtocol.dispatch(
                form,
                options.sns,
                { accountId: identity.accountId, principalArn: identity.principalArn, region: options.region, transport, auth: identity.scheme },
                requestId
              )
          })
        )
      }
    })
  }

  /** Everything after the body is read: which origin, app route or protocol answers. */
  const routeBody = (
    req: IncomingMessage,
    body: Uint8Array,
    target: string | undefined,
    transport: "https" | "http",
    requestId: string
  ): Effect.Effect<Response> => {
    const { rawPath, rawQuery } = splitTarget(req.url ?? "/")
    const path = decodePath(rawPath)
    if (path === undefined) {
      return Effect.succeed(
        SnsProtocol.errorResponse({ _tag: "UnknownPath", message: "The request path is not valid percent-encoded UTF-8" }, requestId)
      )
    }
    if (path.startsWith("/_sealcast/") && options.appRoute !== undefined) {
      const parts = partsOf(req, body)
      const handled = options.appRoute({
        method: req.method ?? "GET",
        path,
        query: new URLSearchParams(rawQuery),
        parts,
        authenticate: (service) => verify(parts, service)
      })
      if (handled !== undefined) return handled
    }
    if (rawPath !== "/") {
      return Effect.succeed(SnsProtocol.errorResponse({ _tag: "UnknownPath", message: `No resource at ${rawPath}` }, requestId))
    }
    if (target !== undefined) {
      if (req.method !== "POST") {
        return Effect.succeed(kmsErrorResponse({ _tag: "UnknownOperationException", message: "KMS requests are POST" }))
      }
      return serveKms(req, body, target)
    }
    return serveSns(req, body, rawQuery, transport, requestId)
  }

  /** Whatever goes wrong below is a bug, never the client's doing: logged, and answered InternalFailure. */
  const internalFailure = (requestId: string, cause: Cause.Cause<unknown>): Response => {
    options.log("error", "request failed", { requestId, cause: Cause.pretty(cause) })
    return SnsProtocol.errorResponse({ _tag: "InternalFailure" }, requestId)
  }

  // The body is read with plain callbacks and the route is entered once, as one fiber run with a
  // callback, rather than through a promise: every request takes this path.
  return (transport: "https" | "http") => (req: IncomingMessage, res: ServerResponse): void => {
    const requestId = options.newRequestId()
    const target = headerOf(req, "x-amz-target")
    readBody(req, maxBodyBytes, (body) => {
      const answer = Either.isLeft(body)
        ? Effect.succeed(target !== undefined ? kmsErrorResponse(body.left) : SnsProtocol.errorResponse(body.left, requestId))
        : Effect.suspend(() => routeBody(req, body.right, target, transport, requestId))
      Effect.runCallback(answer, {
        onExit: (exit) => write(res, requestId, Exit.isSuccess(exit) ? exit.value : internalFailure(requestId, exit.cause))
      })
    })
  }
}

const write = (res: ServerResponse, requestId: string, answer: Response): void => {
  if (res.headersSent || res.destroyed) return
  // A text body goes to the socket as it is (encoded once, natively, on the way out); only its
  // UTF-8 length is needed here.
  const length = typeof answer.body === "string" ? Buffer.byteLength(answer.body, "utf8") : answer.body.byteLength
  res
    .writeHead(answer.status, { "content-type": answer.contentType, "content-length": length, "x-amzn-requestid": requestId })
    .end(answer.body)
}

/**
 * A listening server.
 *
 * @category models
 */
export interface Listening {
  readonly port: number
  /** Stops accepting, lets requests in flight finish, then resolves. */
  readonly close: Effect.Effect<void>
}

/**
 * Header and request timeouts keep a slow client from holding a connection forever (Node's
 * `headersTimeout` and `requestTimeout`); keep-alive connections idle for 5 s are closed.
 */
const TIMEOUTS = { headersTimeout: 20_000, requestTimeout: 60_000, keepAliveTimeout: 5_000 }

const listen = (server: HttpServer, host: string, port: number, log: ServerOptions["log"]): Effect.Effect<Listening, Error> =>
  Effect.async<Listening, Error>((resume) => {
    server.on("clientError", (error, socket) => {
      log("debug", "client error", { error: error.message })
      if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
      else socket.destroy()
    })
    const onError = (error: Error) => resume(Effect.fail(error))
    server.once("error", onError)
    server.listen(port, host, () => {
      server.off("error", onError)
      resume(
        Effect.succeed({
          port: (server.address() as AddressInfo).port,
          close: Effect.async<void>((done) => {
            server.close(() => done(Effect.void))
            server.closeIdleConnections()
          })
        })
      )
    })
  })

/**
 * Starts the HTTPS listener.
 *
 * @category constructors
 */
export const listenHttps = (
  options: ServerOptions,
  tls: { readonly cert: string; readonly key: string },
  host: string,
  port: number
): Effect.Effect<Listening, Error> =>
  Effect.suspend(() => listen(createHttpsServer({ ...tls, ...TIMEOUTS }, makeHandler(options)("https")), host, port, options.log))

/**
 * Starts the optional plain-HTTP listener (legacy clients; encrypted topics refuse it).
 *
 * @category constructors
 */
export const listenHttp = (options: ServerOptions, host: string, port: number): Effect.Effect<Listening, Error> =>
  Effect.suspend(() => listen(createHttpServer(TIMEOUTS, makeHandler(options)("http")), host, port, options.log))
