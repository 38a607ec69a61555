/**
 * The server glue: one HTTPS origin (and an optional plain-HTTP one) serving SNS (AWS Query), SQS
 * (AWS JSON 1.0) and KMS (AWS JSON 1.1) at `POST /`, every request verified against the credential
 * table first.
 *
 * Routing (docs/CONTRACT.md, "The endpoint"):
 * - `X-Amz-Target: AmazonSQS.<Action>` → SQS; the credential scope must say `sqs`.
 * - a Query request naming `Version=2012-11-05`, or any request to a queue's path `/<account>/<name>`
 *   → SQS in the AWS Query protocol; the scope must say `sqs`.
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
 * A signed Publish, SendMessage or DeleteMessage that waits for nothing but its commit is answered
 * without entering the runtime (docs/PERFORMANCE.md, "Publish without a fiber", "SendMessage without a fiber"); every
 * other request runs as one fiber.
 *
 * @since 0.1.0
 */
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from "node:http"
import { createServer as createHttpsServer } from "node:https"
import type { AddressInfo } from "node:net"
import type { Errors, RequestContext, Sns, Sqs } from "@sealcast/core"
import type { KmsSim } from "@sealcast/kms-sim"
import { Cause, Effect, Either, FiberId, FiberRef, FiberSet, LogLevel, type Scope } from "effect"
import { authenticate, detectScheme } from "./auth/Authenticate.js"
import { MissingAuthenticationToken } from "./auth/AuthErrors.js"
import { explainRefusal, withUnknownKeyHint } from "./auth/Guidance.js"
import { nodeHashing } from "./auth/NodeHashing.js"
import type { Credential, CredentialLookup, HttpRequestParts, VerifiedIdentity } from "./auth/Request.js"
import { hasSigV4, verifySigV4Now } from "./auth/SigV4.js"
import { makeSigningKeyCache } from "./auth/SigningKeyCache.js"
import { InternalFailure, KmsOverPlainHttp, RequestHeaderSectionTooLarge, UnknownPath } from "./EdgeErrors.js"
import { describeError, type ErrorTag } from "./ErrorTable.js"
import { partsOf, readBody, splitTarget } from "./HttpRequest.js"
import type { Response } from "./HttpResponse.js"
import { UnknownOperationException } from "./kms/Errors.js"
import * as KmsRoute from "./kms/KmsRoute.js"
import * as Form from "./query/Form.js"
import * as SnsProtocol from "./sns/index.js"
import * as SqsProtocol from "./sqs/index.js"
import * as SqsQuery from "./sqs/query.js"

/** SNS's largest request is a 256 KiB batch, which form encoding can triple; KMS's are far smaller. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024

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
  /**
   * `lookup` as a table that answers at once, when it is one: then a Publish that needs nothing
   * else to wait for is answered without entering the runtime (docs/PERFORMANCE.md, "Publish
   * without a fiber"). Must agree with `lookup`.
   */
  readonly credentialOf?: (accessKeyId: string) => Credential | undefined
  readonly sns: Sns.SnsService
  /** The SQS service; without it, SQS requests are answered as unknown operations. */
  readonly sqs?: Sqs.SqsService
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
  /** Told to a caller whose access key is unknown: where this endpoint's keys are, how to set them. */
  readonly unknownAccessKeyHint?: string
  /**
   * Run before every SNS, SQS and KMS request: with stores other brokers share, it puts their
   * committed changes in force, so a request sees everything acknowledged before it began. Its
   * failure (the database unreachable) answers the request with the store's error.
   */
  readonly catchUp?: Effect.Effect<void, Errors.StoreFailure>
}

const JSON_CONTENT_TYPE = "application/x-amz-json-1.1"

/** The links SNS hands out, which subscribers follow without credentials. */
const UNSIGNED_ACTIONS = new Set(["ConfirmSubscription", "Unsubscribe"])

const kmsErrorResponse = (error: { readonly _tag: ErrorTag; readonly message?: string }): Response => {
  const row = describeError(error)
  return { status: row.status, contentType: JSON_CONTENT_TYPE, body: KmsRoute.errorBody(row.jsonCode ?? row.code, row.message) }
}

/** A queue URL's path, `/<account>/<name>`: SQS Query requests may be posted there. */
const QUEUE_PATH = /^\/\d{12}\/[A-Za-z0-9_.-]{1,80}$/

const isSqsTarget = (target: string | undefined): target is string => target !== undefined && target.startsWith(SqsProtocol.TARGET_PREFIX)

/**
 * An error in the shape of the protocol the request speaks: SQS's JSON 1.0 or KMS's JSON 1.1 under
 * `X-Amz-Target`, else Query XML.
 */
const refusal = (error: { readonly _tag: ErrorTag; readonly message?: string }, target: string | undefined, requestId: string): Response =>
  isSqsTarget(target) ? SqsProtocol.errorResponse(error) : target !== undefined ? kmsErrorResponse(error) : SnsProtocol.errorResponse(error, requestId)

/** The path with its percent-escapes decoded, or undefined when they are not valid UTF-8. */
const decodePath = (rawPath: string): string | undefined => {
  try {
    return decodeURIComponent(rawPath)
  } catch {
    return undefined
  }
}


type ParsedForm = ReturnType<typeof Form.parseRequest>

const headerOf = (req: IncomingMessage, name: string): string | undefined => {
  const value = req.headers[name]
  return Array.isArray(value) ? value[0] : value
}

/**
 * What one request turned out to be, filled in as it is routed, for its log line.
 *
 * @category models
 */
interface RequestInfo {
  /** The SNS action, the KMS operation, or the app route's path; "-" until known. */
  action: string
  /** The verified principal's ARN, "unsigned" for the links SNS hands out; "-" until known. */
  caller: string
}

/**
 * The request handlers of one listener, for `node:http` or `node:https` (`transport` says which).
 *
 * Each request runs as one fiber of a runtime owned by the listener's scope (a `FiberSet`, as
 * Effect's platform HTTP server does): closing the scope interrupts what is still running, and a
 * client that goes away before its answer is written interrupts its request's fiber. The service
 * calls themselves are not interrupted (see `sns/index.ts` and `serveKms`), so a change the
 * service began is carried to its end and the store and the registry stay in step.
 *
 * At debug level, each request logs one line through Effect's logger: request id, action, caller,
 * status and latency, never a body, a secret or a key.
 *
 * @category constructors
 */
export const makeHandler = (
  options: ServerOptions
): Effect.Effect<(transport: "https" | "http") => (req: IncomingMessage, res: ServerResponse) => void, never, Scope.Scope> =>
  Effect.gen(function* () {
    // The runtime keeps the interruptibility of where it is made, and a listener is started inside
    // `acquireRelease`'s uninterruptible acquire: made interruptible here, a request can be interrupted.
    const runFork = yield* Effect.interruptible(FiberSet.makeRuntime<never, void, never>())
    const logRequests = LogLevel.lessThanEqual(yield* FiberRef.get(FiberRef.currentMinimumLogLevel), LogLevel.Debug)
    const route = makeRoutes(options)

    // The body is read with plain callbacks, then the request enters the runtime once: its one fiber
    // routes, answers and writes. Only a Publish, SendMessage or DeleteMessage that waits for nothing
    // but its commit is answered without it (`answerNow`), unless each request is logged.
    return (transport) => (req, res) => {
      const requestId = options.newRequestId()
      const startedAt = logRequests ? performance.now() : 0
      const target = headerOf(req, "x-amz-target")
      readBody(req, route.maxBodyBytes, (body) => {
        const tooLarge = headerSectionBytes(req) > MAX_HEADER_SECTION_BYTES
        const answeredNow = tooLarge || logRequests || Either.isLeft(body)
          ? undefined
          : route.answerNow(req, res, body.right, target, transport, requestId)
        if (answeredNow === true) return
        const info: RequestInfo = { action: "-", caller: "-" }
        const answer = tooLarge
          ? Effect.succeed(refusal(new RequestHeaderSectionTooLarge(), target, requestId))
          : Either.isLeft(body)
          ? Effect.succeed(refusal(body.left, target, requestId))
          : Effect.suspend(() => route.routeBody(req, body.right, target, transport, requestId, info, answeredNow))
        const answered = Effect.map(
          Effect.catchAllCause(answer, (cause) => Effect.succeed(route.internalFailure(requestId, target, cause))),
          (response) => write(res, requestId, response)
        )
        const fiber = runFork(
          logRequests
            ? answered.pipe(
                Effect.flatMap((status) => logRequest(requestId, info, status, startedAt)),
                Effect.onInterrupt(() => logRequest(requestId, info, "client closed the connection", startedAt))
              )
            : answered
        )
        res.once("close", () => {
          if (!res.writableEnded) fiber.unsafeInterruptAsFork(FiberId.none)
        })
      })
    }
  })

const logRequest = (requestId: string, info: RequestInfo, status: number | string, startedAt: number): Effect.Effect<void> =>
  Effect.annotateLogs(Effect.logDebug("request"), {
    requestId,
    action: info.action,
    caller: info.caller,
    status,
    latencyMs: Math.round((performance.now() - startedAt) * 1000) / 1000
  })

/** Routing and answering, from the body on: everything `makeHandler` needs but its runtime. */
const makeRoutes = (options: ServerOptions) => {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES
  const now = options.now ?? Date.now
  const signingKeys = makeSigningKeyCache()
  const lookup = options.unknownAccessKeyHint === undefined ? options.lookup : withUnknownKeyHint(options.lookup, options.unknownAccessKeyHint)
  const signing = (service: string) => ({
    region: options.region,
    service,
    now: now(),
    hashing: nodeHashing,
    signingKeys,
    ...(options.debugSignatures === true ? { debug: true } : {})
  })
  const verify = (parts: HttpRequestParts, service: string) =>
    authenticate(parts, { ...signing(service), lookup }).pipe(Effect.mapError((refusal) => explainRefusal(parts, refusal, { service, region: options.region })))

  const serveKms = (req: IncomingMessage, body: Uint8Array, target: string, info: RequestInfo): Effect.Effect<Response> => {
    const parts = partsOf(req, body)
    info.action = target
    return Effect.gen(function* () {
      // KMS takes Signature Version 4 only.
      if (detectScheme(parts) === "sigv2") {
        return yield* new MissingAuthenticationToken({ message: "KMS accepts only Signature Version 4 requests." })
      }
      const identity = yield* verify(parts, "kms")
      info.caller = identity.principalArn
      // Once KMS has begun an operation it finishes it, whether or not the client waits.
      const answer = yield* Effect.uninterruptible(
        KmsRoute.run(options.kms, target, body, { accountId: identity.accountId, principalArn: identity.principalArn })
      )
      return { status: 200, contentType: JSON_CONTENT_TYPE, body: JSON.stringify(answer) } satisfies Response
    }).pipe(Effect.catchAll((error) => Effect.succeed(kmsErrorResponse(error))))
  }

  const serveSqs = (
    req: IncomingMessage,
    body: Uint8Array,
    target: string,
    transport: RequestContext.RequestContext["transport"],
    info: RequestInfo
  ): Effect.Effect<Response> => {
    const parts = partsOf(req, body)
    info.action = target
    const sqs = options.sqs
    if (sqs === undefined) return Effect.succeed(SqsProtocol.errorResponse(new UnknownOperationException({ message: `Unknown operation ${target}` })))
    return Effect.gen(function* () {
      // The JSON protocol is signed with Signature Version 4 only.
      if (detectScheme(parts) === "sigv2") {
        return yield* new MissingAuthenticationToken({ message: "SQS accepts only Signature Version 4 requests." })
      }
      const identity = yield* verify(parts, "sqs")
      info.caller = identity.principalArn
      return yield* SqsProtocol.dispatch(target, body, sqs, {
        accountId: identity.accountId,
        principalArn: identity.principalArn,
        region: options.region,
        transport,
        auth: identity.scheme
      })
    }).pipe(Effect.catchAll((error) => Effect.succeed(SqsProtocol.errorResponse(error))))
  }

  const serveSqsQuery = (
    req: IncomingMessage,
    body: Uint8Array,
    form: Form.Form,
    pathQueueUrl: string | undefined,
    transport: RequestContext.RequestContext["transport"],
    requestId: string,
    info: RequestInfo
  ): Effect.Effect<Response> => {
    info.action = form.get("Action") ?? "-"
    const sqs = options.sqs
    if (sqs === undefined) return Effect.succeed(SqsQuery.errorResponse(new UnknownPath({ message: "SQS is not served here" }), requestId))
    return verify(partsOf(req, body, [...form]), "sqs").pipe(
      Effect.matchEffect({
        onFailure: (error) => Effect.succeed<Response>(SqsQuery.errorResponse(error, requestId)),
        onSuccess: (identity) => {
          info.caller = identity.principalArn
          return SqsQuery.dispatch(
            form,
            pathQueueUrl,
            sqs,
            { accountId: identity.accountId, principalArn: identity.principalArn, region: options.region, transport, auth: identity.scheme },
            requestId
          )
        }
      })
    )
  }

  const serveSns = (
    req: IncomingMessage,
    body: Uint8Array,
    parsed: ParsedForm,
    transport: RequestContext.RequestContext["transport"],
    requestId: string,
    info: RequestInfo
  ): Effect.Effect<Response> => {
    return Either.match(parsed, {
      onLeft: (error) => Effect.succeed<Response>(SnsProtocol.errorResponse(error, requestId)),
      onRight: (form) => {
        if (form.get("Version") === SqsQuery.VERSION) return serveSqsQuery(req, body, form, undefined, transport, requestId, info)
        const parts = partsOf(req, body, [...form])
        info.action = form.get("Action") ?? "-"
        if (detectScheme(parts) === "none" && UNSIGNED_ACTIONS.has(info.action)) {
          info.caller = "unsigned"
          return SnsProtocol.dispatch(form, options.sns, undefined, requestId)
        }
        return verify(parts, "sns").pipe(
          Effect.matchEffect({
            onFailure: (error) => Effect.succeed<Response>(SnsProtocol.errorResponse(error, requestId)),
            onSuccess: (identity) => {
              info.caller = identity.principalArn
              return SnsProtocol.dispatch(
                form,
                options.sns,
                { accountId: identity.accountId, principalArn: identity.principalArn, region: options.region, transport, auth: identity.scheme },
                requestId
              )
            }
          })
        )
      }
    })
  }

  const credentialOf = options.credentialOf
  const snsNow = credentialOf !== undefined && options.catchUp === undefined && options.sns.publishNow !== undefined
  const sqsNow = credentialOf !== undefined && options.catchUp === undefined && options.sqs !== undefined

  /** The verified caller of a request, at once, as the core's context: undefined unless SigV4 verifies it now. */
  const verifiedNow = (parts: HttpRequestParts, service: string, transport: RequestContext.RequestContext["transport"]) => () => {
    const identity = verifySigV4Now(parts, signing(service), credentialOf!)
    return identity === undefined
      ? undefined
      : { accountId: identity.accountId, principalArn: identity.principalArn, region: options.region, transport, auth: identity.scheme }
  }

  /** Writes an answer made outside the runtime; a failure to write is logged, as the runtime's path would. */
  const writeNow = (res: ServerResponse, requestId: string) => (response: Response) => {
    try {
      write(res, requestId, response)
    } catch (cause) {
      options.log("error", "request failed", { requestId, cause: Cause.pretty(Cause.die(cause)) })
    }
  }

  /**
   * A signed SQS JSON request answered without the runtime, when its action runs at once but for
   * its group's commit (`SqsProtocol.dispatchNow`: SendMessage and DeleteMessage, docs/PERFORMANCE.md
   * "SendMessage without a fiber"): true once the answer is sure to be written.
   */
  const answerSqsNow = (
    req: IncomingMessage,
    res: ServerResponse,
    body: Uint8Array,
    target: string,
    transport: RequestContext.RequestContext["transport"],
    requestId: string
  ): true | undefined => {
    if (!sqsNow || req.method !== "POST" || splitTarget(req.url ?? "/").rawPath !== "/") return undefined
    const parts = partsOf(req, body)
    if (!hasSigV4(parts)) return undefined
    const answered = SqsProtocol.dispatchNow(target, body, options.sqs!, verifiedNow(parts, "sqs", transport), writeNow(res, requestId), (cause) =>
      internalFailure(requestId, target, cause))
    return answered ? true : undefined
  }

  /**
   * A signed SNS request answered without the runtime, when its action runs at once but for the
   * commit (`SnsProtocol.dispatchNow`: Publish, docs/PERFORMANCE.md "Publish without a fiber"), or
   * an SQS JSON one (`answerSqsNow`): true once the answer is sure to be written. Else the SNS form
   * it parsed, for `routeBody`.
   */
  const answerNow = (
    req: IncomingMessage,
    res: ServerResponse,
    body: Uint8Array,
    target: string | undefined,
    transport: RequestContext.RequestContext["transport"],
    requestId: string
  ): true | ParsedForm | undefined => {
    // A throw here is a bug met before anything was done: the runtime's path meets it again and
    // answers it as the defect it is.
    try {
      if (isSqsTarget(target)) return answerSqsNow(req, res, body, target, transport, requestId)
      if (!snsNow || target !== undefined) return undefined
      const { rawPath, rawQuery } = splitTarget(req.url ?? "/")
      if (rawPath !== "/") return undefined
      const parsed = Form.parseRequest(req.method ?? "GET", rawQuery, body)
      if (Either.isLeft(parsed) || parsed.right.get("Version") === SqsQuery.VERSION) return parsed
      // SigV4 signs the body's bytes, not the form's parameters, so its parts leave them out.
      const parts = partsOf(req, body)
      if (!hasSigV4(parts)) return parsed
      const answered = SnsProtocol.dispatchNow(parsed.right, options.sns, verifiedNow(parts, "sns", transport), requestId, writeNow(res, requestId))
      return answered || parsed
    } catch {
      return undefined
    }
  }

  /** Everything after the body is read: which origin, app route or protocol answers. */
  const routeBody = (
    req: IncomingMessage,
    body: Uint8Array,
    target: string | undefined,
    transport: "https" | "http",
    requestId: string,
    info: RequestInfo,
    /** The SNS form `answerNow` parsed already, if it did. */
    parsed: ParsedForm | undefined
  ): Effect.Effect<Response> => {
    const { rawPath, rawQuery } = splitTarget(req.url ?? "/")
    const path = decodePath(rawPath)
    if (path === undefined) {
      return Effect.succeed(
        SnsProtocol.errorResponse(new UnknownPath({ message: "The request path is not valid percent-encoded UTF-8" }), requestId)
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
      if (handled !== undefined) {
        info.action = path
        return handled
      }
    }
    const catchUp = options.catchUp
    const caughtUp = (answer: () => Effect.Effect<Response>, refuse: (failure: Errors.StoreFailure) => Response): Effect.Effect<Response> =>
      catchUp === undefined ? answer() : Effect.matchEffect(catchUp, { onFailure: (failure) => Effect.succeed(refuse(failure)), onSuccess: answer })
    if (rawPath !== "/" && target === undefined && QUEUE_PATH.test(path)) {
      return Either.match(Form.parseRequest(req.method ?? "GET", rawQuery, body), {
        onLeft: (error) => Effect.succeed<Response>(SqsQuery.errorResponse(error, requestId)),
        onRight: (form) =>
          caughtUp(() => serveSqsQuery(req, body, form, path, transport, requestId, info), (failure) => SqsQuery.errorResponse(failure, requestId))
      })
    }
    if (rawPath !== "/") {
      return Effect.succeed(SnsProtocol.errorResponse(new UnknownPath({ message: `No resource at ${rawPath}` }), requestId))
    }
    if (isSqsTarget(target)) {
      if (req.method !== "POST") {
        return Effect.succeed(SqsProtocol.errorResponse(new UnknownOperationException({ message: "SQS JSON requests are POST" })))
      }
      return caughtUp(() => serveSqs(req, body, target, transport, info), SqsProtocol.errorResponse)
    }
    if (target !== undefined) {
      // KMS is served over TLS only ("All KMS API calls must be signed and be transmitted using
      // Transport Layer Security", KMS API reference, Welcome): on the plain-HTTP listener nothing of
      // a KMS request runs, not even its signature's check.
      if (transport === "http") return Effect.succeed(kmsErrorResponse(new KmsOverPlainHttp()))
      if (req.method !== "POST") {
        return Effect.succeed(kmsErrorResponse(new UnknownOperationException({ message: "KMS requests are POST" })))
      }
      return caughtUp(() => serveKms(req, body, target, info), kmsErrorResponse)
    }
    // Query requests carry their parameters in the query string, and in a form body unless GET.
    return caughtUp(
      () => serveSns(req, body, parsed ?? Form.parseRequest(req.method ?? "GET", rawQuery, body), transport, requestId, info),
      (failure) => SnsProtocol.errorResponse(failure, requestId)
    )
  }

  /**
   * Whatever goes wrong below is a bug, never the client's doing: logged, and answered InternalFailure
   * in the shape of the protocol the request speaks (`refusal`), so an SDK can read it.
   */
  const internalFailure = (requestId: string, target: string | undefined, cause: Cause.Cause<unknown>): Response => {
    options.log("error", "request failed", { requestId, cause: Cause.pretty(cause) })
    return refusal(new InternalFailure(), target, requestId)
  }

  return { maxBodyBytes, answerNow, routeBody, internalFailure }
}

/** Writes the answer, unless the client has gone; the status written, for the request's log line. */
const write = (res: ServerResponse, requestId: string, answer: Response): number => {
  if (res.headersSent || res.destroyed) return answer.status
  // A text body goes to the socket as it is (encoded once, natively, on the way out); only its
  // UTF-8 length is needed here.
  const length = typeof answer.body === "string" ? Buffer.byteLength(answer.body, "utf8") : answer.body.byteLength
  // The header list as `writeHead` takes it, name and value in turn: no object spread per answer.
  const headers: Array<string | number> = ["content-type", answer.contentType, "content-length", length, "x-amzn-requestid", requestId]
  if (answer.headers !== undefined) for (const [name, value] of Object.entries(answer.headers)) headers.push(name, value)
  res.writeHead(answer.status, headers).end(answer.body)
  return answer.status
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
 * A header section larger than Node's default limit (16 KiB) is refused as S3 refuses one, with
 * AWS's one documented code for it: `RequestHeaderSectionTooLarge`, 400 ("Your request header
 * section exceeds the maximum allowed size", S3 API reference, Error responses); AWS does not answer
 * 431 (RFC 6585 §5). Node's parser is let read up to `PARSER_MAX_HEADER_BYTES`, so a request just
 * over the limit reaches the handler and is answered in its own protocol's shape; one past the
 * parser's limit never does, and `clientError` answers it in the Query shape, all it can know.
 */
const MAX_HEADER_SECTION_BYTES = 16 * 1024
const PARSER_MAX_HEADER_BYTES = 64 * 1024

/** The request line and header lines as they came, CRLFs included. */
const headerSectionBytes = (req: IncomingMessage): number => {
  let total = (req.method ?? "").length + (req.url ?? "").length + 12
  const raw = req.rawHeaders
  for (let i = 0; i < raw.length; i++) total += raw[i]!.length + 2
  return total
}

/**
 * Header and request timeouts keep a slow client from holding a connection forever (Node's
 * `headersTimeout` and `requestTimeout`); keep-alive connections idle for 5 s are closed.
 */
const TIMEOUTS = { headersTimeout: 20_000, requestTimeout: 60_000, keepAliveTimeout: 5_000, maxHeaderSize: PARSER_MAX_HEADER_BYTES }

const listen = (server: HttpServer, host: string, port: number, options: ServerOptions): Effect.Effect<Listening, Error> =>
  Effect.async<Listening, Error>((resume) => {
    server.on("clientError", (error: NodeJS.ErrnoException, socket) => {
      options.log("debug", "client error", { error: error.message })
      if (!socket.writable) {
        socket.destroy()
      } else if (error.code === "HPE_HEADER_OVERFLOW") {
        const requestId = options.newRequestId()
        const answer = SnsProtocol.errorResponse(new RequestHeaderSectionTooLarge(), requestId)
        socket.end(
          `HTTP/1.1 ${answer.status} Bad Request\r\nConnection: close\r\nContent-Type: ${answer.contentType}\r\n` +
            `Content-Length: ${Buffer.byteLength(answer.body)}\r\nx-amzn-RequestId: ${requestId}\r\n\r\n${answer.body}`
        )
      } else {
        socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
      }
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
): Effect.Effect<Listening, Error, Scope.Scope> =>
  Effect.flatMap(makeHandler(options), (handler) =>
    listen(createHttpsServer({ ...tls, ...TIMEOUTS }, handler("https")), host, port, options))

/**
 * Starts the optional plain-HTTP listener (legacy clients; encrypted topics refuse it).
 *
 * @category constructors
 */
export const listenHttp = (options: ServerOptions, host: string, port: number): Effect.Effect<Listening, Error, Scope.Scope> =>
  Effect.flatMap(makeHandler(options), (handler) => listen(createHttpServer(TIMEOUTS, handler("http")), host, port, options))
