/**
 * The running broker: settings in, a listening HTTPS endpoint out, with every service composed and
 * delivery started. `startBroker` is the embedding API (CONTRACT.md, "Embedding in a Node program");
 * the `sealcast serve` command is a thin wrapper around the same program.
 *
 * Start order: stores and KMS, then metrics and delivery (both subscribe to the core's events before
 * any request can publish), then the listeners. Stop order is the reverse, by the scope: stop
 * accepting and finish the requests in flight, stop delivery (attempts in flight finish), then flush
 * and close the store.
 *
 * @since 0.1.0
 */
import { MessageStore, Sns } from "@sealcast/core"
import { KmsSim } from "@sealcast/kms-sim"
import { Server } from "@sealcast/transport-http"
import { Cause, Context, Data, Effect, Exit, Layer, Schedule, Scope } from "effect"
import { mkdirSync } from "node:fs"
import { randomUUID } from "node:crypto"
import * as AppRoutes from "./AppRoutes.js"
import * as BrokerOptions from "./config/BrokerOptions.js"
import * as Credentials from "./config/Credentials.js"
import * as DataDir from "./config/DataDir.js"
import * as RootKey from "./config/RootKey.js"
import * as Dispatcher from "./delivery/Dispatcher.js"
import * as Functions from "./delivery/Functions.js"
import * as Outbox from "./delivery/Outbox.js"
import * as Log from "./Log.js"
import * as Metrics from "./metrics/Metrics.js"
import * as Services from "./Services.js"
import * as SigningIdentity from "./tls/SigningIdentity.js"
import * as TlsMaterial from "./tls/TlsMaterial.js"

/**
 * The broker could not start; the message says why, for a person.
 *
 * @category errors
 */
export class StartupError extends Data.TaggedError("StartupError")<{ readonly message: string }> {}

/**
 * What a running broker tells its embedder.
 *
 * @category models
 */
export interface RunningBroker {
  /** The HTTPS origin, e.g. `https://127.0.0.1:9443`. */
  readonly endpoint: string
  /** The plain-HTTP origin, when that listener is on. */
  readonly httpEndpoint: string | undefined
  readonly region: string
  readonly accountId: string
  /** The default account's root credentials. */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string }
  /** The CA that signed the server certificate (undefined with the user's own certificate). */
  readonly caPem: string | undefined
  /** `caPem` as a file; with `:memory:` a temporary one, removed on stop. */
  readonly caFile: string | undefined
  /** Absolute, or `:memory:`. */
  readonly dataDir: string
  /** Lambda subscriptions to `arn:aws:lambda:<region>:<account>:function:<name>` call this handler. */
  readonly registerFunction: (name: string, handler: Functions.Handler) => void
  /** Stops gracefully: no new requests, acknowledged work finished, the store flushed. */
  readonly stop: () => Promise<void>
}

/** Stored messages whose deliveries are all settled are kept this long, for inspection. */
const RETENTION_MS = 60 * 60 * 1000

/** The origin clients and subscribers reach: a wildcard listen address is reached on loopback. */
const originOf = (scheme: "https" | "http", host: string, port: number): string => {
  const reachable = host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "[::1]" : host.includes(":") ? `[${host}]` : host
  return `${scheme}://${reachable}:${port}`
}

const startupError = (e: { readonly message: string }) => new StartupError({ message: e.message })

/**
 * The whole broker as a scoped program: it runs until its scope closes.
 *
 * @category constructors
 */
export const program = (
  options: BrokerOptions.BrokerOptions,
  log: Log.Log
): Effect.Effect<RunningBroker & { readonly ready: Record<string, unknown> }, StartupError, Scope.Scope> =>
  Effect.gen(function* () {
    const startedAt = Date.now()
    const dataDir = DataDir.isMemory(options.dataDir) ? DataDir.MEMORY : DataDir.absolute(options.dataDir)
    if (dataDir !== DataDir.MEMORY) {
      yield* Effect.try({
        try: () => mkdirSync(dataDir, { recursive: true, mode: 0o700 }),
        catch: (cause) => new StartupError({ message: `Cannot create the data dir ${dataDir}: ${String(cause)}` })
      })
    }
    const { root, table } = yield* Credentials.loadCredentialTable({ ...options, dataDir }).pipe(Effect.mapError(startupError))
    const rootKey = yield* RootKey.loadRootKey({ dataDir, rootKeyFile: options.rootKeyFile }).pipe(Effect.mapError(startupError))
    if (rootKey.warning !== undefined) log("warn", rootKey.warning)
    const tls = yield* TlsMaterial.loadTlsMaterial({ dataDir, tlsCert: options.tlsCert, tlsKey: options.tlsKey }).pipe(
      Effect.flatMap(TlsMaterial.withCaFile),
      Effect.mapError(startupError)
    )
    for (const file of tls.written) log("info", "made TLS material", { file })
    const signing = yield* SigningIdentity.loadSigningIdentity({ dataDir }).pipe(Effect.mapError(startupError))

    const services = yield* Layer.build(Services.layer({ dataDir, region: options.region, rootKey: rootKey.key })).pipe(
      Effect.mapError(startupError)
    )
    const sns = Context.get(services, Sns.Sns)
    const kms = Context.get(services, KmsSim.KmsSim)
    const store = Context.get(services, MessageStore.MessageStore)

    const metrics = Metrics.make()
    const functions = Functions.make()
    const outbox = Outbox.make()
    yield* Metrics.follow(metrics).pipe(Effect.provide(services))

    const serverOptions: Server.ServerOptions = {
      region: options.region,
      lookup: (accessKeyId) => Effect.succeed(table.get(accessKeyId)),
      unknownAccessKeyHint: Credentials.unknownKeyHint({ ...options, dataDir }),
      sns,
      kms,
      newRequestId: randomUUID,
      log,
      appRoute: AppRoutes.make({
        region: options.region,
        store,
        kms,
        metrics,
        outbox,
        signingCertificatePem: signing.certPem,
        startedAt
      }),
      debugSignatures: options.logLevel === "debug"
    }
    const https = yield* Effect.acquireRelease(
      Server.listenHttps(serverOptions, tls, options.host, options.port).pipe(
        Effect.mapError((e) => new StartupError({ message: `Cannot listen on ${options.host}:${options.port}: ${e.message}` }))
      ),
      (listening) => listening.close
    )
    const http =
      options.httpPort === undefined
        ? undefined
        : yield* Effect.acquireRelease(
            Server.listenHttp(serverOptions, options.host, options.httpPort).pipe(
              Effect.mapError((e) => new StartupError({ message: `Cannot listen on ${options.host}:${options.httpPort}: ${e.message}` }))
            ),
            (listening) => listening.close
          )
    const endpoint = originOf("https", options.host, https.port)

    // Delivery starts before the ready line, and its scope closes before the listeners' do (finalizers
    // run in reverse): the listeners stop first, then delivery.
    yield* Dispatcher.start({
      origin: endpoint,
      signing: { privateKeyPem: signing.keyPem, certificatePem: signing.certPem },
      caPem: tls.caPem,
      functions,
      outbox,
      metrics,
      log: (level, message, fields) => log(level, message, fields)
    }).pipe(Effect.provide(services), Effect.mapError(startupError))

    yield* Effect.forkScoped(
      Effect.repeat(
        Effect.suspend(() => store.prune(Date.now() - RETENTION_MS)).pipe(
          Effect.tap((removed) => (removed > 0 ? Effect.sync(() => log("debug", "pruned delivered messages", { removed })) : Effect.void)),
          Effect.catchAll((e) => Effect.sync(() => log("warn", "pruning failed", { error: e.message })))
        ),
        Schedule.spaced("1 minute")
      )
    )

    const httpEndpoint = http === undefined ? undefined : originOf("http", options.host, http.port)
    const ready = {
      event: "ready",
      https: endpoint,
      http: httpEndpoint ?? null,
      region: options.region,
      accountId: options.accountId,
      accessKeyId: root.accessKeyId,
      secretAccessKey: root.secretAccessKey,
      caFile: tls.caFile ?? null,
      dataDir
    }
    return {
      endpoint,
      httpEndpoint,
      region: options.region,
      accountId: options.accountId,
      credentials: { accessKeyId: root.accessKeyId, secretAccessKey: root.secretAccessKey },
      caPem: tls.caPem,
      caFile: tls.caFile,
      dataDir,
      registerFunction: functions.register,
      stop: () => Promise.resolve(),
      ready
    }
  })

/**
 * Starts a broker in this process. With `{ port: 0, dataDir: ":memory:" }` it is the one-line fixture
 * for a test suite that uses the AWS SDK.
 *
 * @category constructors
 */
export const startBroker = async (input: BrokerOptions.BrokerOptionsInput = {}): Promise<RunningBroker> => {
  const options = await Effect.runPromise(
    Effect.mapError(BrokerOptions.decodeBrokerOptions(input), (e) => new StartupError({ message: e.message }))
  )
  const log = Log.make(options.logLevel)
  const scope = Effect.runSync(Scope.make())
  const started = await Effect.runPromiseExit(Scope.extend(program(options, log), scope))
  if (Exit.isFailure(started)) {
    await Effect.runPromise(Scope.close(scope, started))
    throw Cause.squash(started.cause)
  }
  let stopping: Promise<void> | undefined
  return {
    ...started.value,
    stop: () => (stopping ??= Effect.runPromise(Scope.close(scope, Exit.void)))
  }
}
