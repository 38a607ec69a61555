/**
 * The running broker: settings in, a listening HTTPS endpoint out, with every service composed and
 * delivery started. `startBroker` is the embedding API (docs/CONTRACT.md, "Embedding in a Node program");
 * the `sealcast serve` command is a thin wrapper around the same program.
 *
 * Start order: the data dir (writable, then locked against a second broker unless the stores are
 * in PostgreSQL), stores and KMS (the database's integrity or schema, and the root key checked), then metrics and delivery (both subscribe to the
 * core's events before any request can publish), then the listeners. A start that cannot go on is a
 * `StartupError` whose message names the file and the reason. Stop order is the reverse, by the
 * scope: stop accepting and finish the requests in flight, stop delivery (attempts in flight
 * finish), flush and close the store, release the lock; the whole stop is bounded by
 * `STOP_TIMEOUT_MS`.
 *
 * `launch` is the one start-up path of both: the program on a runtime whose logger is the broker's
 * (`Log.ts`), in a scope of its own that a failed start closes and `stop` closes later.
 *
 * @since 0.1.0
 */
import { Errors, Ids, MessageStore, Sns, Sqs, Topic } from "@sealcast/core"
import { KmsSim } from "@sealcast/kms-sim"
import type { KeyStoreRootKeyMismatch } from "@sealcast/kms-sim/RootKey"
import { Server } from "@sealcast/transport-http"
import { Cause, Clock, Context, Data, Effect, Either, Exit, Layer, Option, Runtime, Schedule, Scope } from "effect"
import { randomUUID } from "node:crypto"
import { mkdirSync } from "node:fs"
import * as AppRoutes from "./AppRoutes.js"
import * as BrokerOptions from "./config/BrokerOptions.js"
import * as Credentials from "./config/Credentials.js"
import * as DataDir from "./config/DataDir.js"
import * as DataDirLock from "./config/DataDirLock.js"
import * as RootKey from "./config/RootKey.js"
import * as Dispatcher from "./delivery/Dispatcher.js"
import * as Functions from "./delivery/Functions.js"
import * as Outbox from "./delivery/Outbox.js"
import * as Log from "./Log.js"
import * as Metrics from "./metrics/Metrics.js"
import * as Services from "./Services.js"
import * as PgDatabase from "./store/PgDatabase.js"
import * as PgListener from "./store/PgListener.js"
import * as PgShared from "./store/PgShared.js"
import * as SqliteDatabase from "./store/SqliteDatabase.js"
import * as SigningIdentity from "./tls/SigningIdentity.js"
import * as TlsMaterial from "./tls/TlsMaterial.js"

/**
 * The broker could not start; the message says why, for a person.
 *
 * @category errors
 */
export class StartupError extends Data.TaggedError("StartupError")<{
  readonly message: string
  /** `DataDirInUse`: another broker holds the data dir (`sealcast serve` exits 3 for it). */
  readonly reason?: "DataDirInUse"
}> {}

/**
 * A graceful stop did not finish within its bound (`STOP_TIMEOUT_MS`).
 *
 * @category errors
 */
export class StopTimeout extends Data.TaggedError("StopTimeout")<{ readonly message: string }> {}

/**
 * How long a graceful stop may take: requests in flight are answered and delivery attempts in
 * flight finish (each bounded by the 15-second delivery timeout, their wait by 20 s), then the store
 * is flushed. Past this bound the stop is given up: nothing acknowledged is lost (every acknowledged
 * write is already committed), and unsettled deliveries are sent again after a restart.
 *
 * @category utils
 */
export const STOP_TIMEOUT_MS = 30_000

/**
 * Closes the broker's scope on `runtime` (whose logger its finalizers log with), or fails with
 * `StopTimeout` once `timeoutMs` has passed, whatever is still running then.
 *
 * @category utils
 */
export const closeWithin = (
  scope: Scope.CloseableScope,
  timeoutMs: number,
  runtime: Runtime.Runtime<never> = Runtime.defaultRuntime
): Promise<void> =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new StopTimeout({ message: `The broker did not stop within ${timeoutMs / 1000} s` })),
      timeoutMs
    )
    Runtime.runPromise(runtime)(Scope.close(scope, Exit.void)).then(
      () => {
        clearTimeout(timer)
        resolve()
      },
      (error: unknown) => {
        clearTimeout(timer)
        reject(error)
      }
    )
  })

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
  /** This broker's name among those sharing a database (`--node-id`, else a new one at each start). */
  readonly nodeId: string
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

/** The key store refused the root key: say which file, and what to do. */
const rootKeyRefusal = (e: KeyStoreRootKeyMismatch, rootKey: RootKey.RootKey, database: string): StartupError => {
  const store = `the KMS key store in ${database}`
  if (rootKey.save !== undefined) {
    return new StartupError({
      message: `The root key file ${rootKey.source} is missing, and ${store} holds ${e.keyCount} keys that only that key opens: ` +
        "restore the file, or pass it with --root-key-file. A new root key is never made for a key store that holds keys."
    })
  }
  return new StartupError({
    message: e.reason === "OtherRootKey"
      ? `The root key in ${rootKey.source} is not the one ${store} was written under (it holds ${e.keyCount} keys): ` +
        "restore that file, or pass the right one with --root-key-file."
      : `The root key in ${rootKey.source} does not open ${store}: ${e.message}. Those records were damaged or altered, ` +
        "or this is not the root key they were written under."
  })
}

/**
 * A started broker, and the line `sealcast serve` prints when it is ready (docs/CONTRACT.md, "The
 * ready line").
 *
 * @category models
 */
export interface StartedBroker extends RunningBroker {
  readonly ready: Record<string, unknown>
}

/**
 * The whole broker as a scoped program: it runs until its scope closes, and logs with the fiber's
 * logger (the broker's, `Log.layer`).
 *
 * @category constructors
 */
export const program = (
  options: BrokerOptions.BrokerOptions
): Effect.Effect<Omit<StartedBroker, "stop">, StartupError, Scope.Scope> => {
  const nodeId = options.nodeId ?? randomUUID()
  const started = Effect.gen(function* () {
    const startedAt = Date.now()
    const dataDir = DataDir.isMemory(options.dataDir) ? DataDir.MEMORY : DataDir.absolute(options.dataDir)
    if (dataDir !== DataDir.MEMORY) {
      yield* Effect.try({
        try: () => mkdirSync(dataDir, { recursive: true, mode: 0o700 }),
        catch: (cause) => new StartupError({ message: `Cannot create the data dir ${dataDir}: ${String(cause)}` })
      })
      const database = SqliteDatabase.databasePath(dataDir)
      const files = options.databaseUrl === undefined ? [database, `${database}-wal`, `${database}-shm`] : []
      yield* DataDir.checkWritable(dataDir, files).pipe(Effect.mapError(startupError))
      // Before anything is read or made in the data dir: a second broker stops here. The lock guards
      // the SQLite file; PostgreSQL takes any number of brokers, so with a database URL there is none.
      if (options.databaseUrl === undefined) {
        yield* DataDirLock.acquire(dataDir).pipe(
          Effect.mapError((e) =>
            e._tag === "DataDirInUse" ? new StartupError({ message: e.message, reason: "DataDirInUse" }) : startupError(e)
          )
        )
      }
    }
    const { root, table } = yield* Credentials.loadCredentialTable({ ...options, dataDir }).pipe(Effect.mapError(startupError))
    const rootKey = yield* RootKey.loadRootKey({ dataDir, rootKeyFile: options.rootKeyFile }).pipe(Effect.mapError(startupError))
    if (rootKey.warning !== undefined) yield* Effect.logWarning(rootKey.warning)
    const tls = yield* TlsMaterial.loadTlsMaterial({ dataDir, tlsCert: options.tlsCert, tlsKey: options.tlsKey }).pipe(
      Effect.flatMap(TlsMaterial.withCaFile),
      Effect.mapError(startupError)
    )
    for (const file of tls.written) yield* Effect.annotateLogs(Effect.logInfo("made TLS material"), { file })
    const signing = yield* SigningIdentity.loadSigningIdentity({ dataDir }).pipe(Effect.mapError(startupError))

    const keyStoreName = options.databaseUrl === undefined
      ? SqliteDatabase.databasePath(dataDir)
      : `the PostgreSQL database ${PgDatabase.redactedUrl(options.databaseUrl)}`
    // Queue URLs name the HTTPS listener, whose port is known once it listens (below).
    let queueOrigin = ""
    const services = yield* Layer.build(
      Services.layer({
        dataDir,
        region: options.region,
        rootKey: rootKey.key,
        databaseUrl: options.databaseUrl,
        nodeId,
        queueOrigin: () => queueOrigin
      })
    ).pipe(
      Effect.mapError((e) => (e._tag === "KeyStoreRootKeyMismatch" ? rootKeyRefusal(e, rootKey, keyStoreName) : startupError(e)))
    )
    if (options.databaseUrl !== undefined) {
      yield* Effect.annotateLogs(Effect.logInfo("stores in PostgreSQL"), { database: PgDatabase.redactedUrl(options.databaseUrl) })
    }
    if (rootKey.save !== undefined) {
      yield* rootKey.save.pipe(Effect.mapError(startupError))
      yield* Effect.annotateLogs(Effect.logInfo("made the KMS root key"), { file: rootKey.source })
    }
    const sns = Context.get(services, Sns.Sns)
    const sqs = Context.get(services, Sqs.Sqs)
    const kms = Context.get(services, KmsSim.KmsSim)
    const store = Context.get(services, MessageStore.MessageStore)
    const ids = Context.get(services, Ids.Ids)

    // Brokers sharing a database: every request first puts in force what the others committed
    // (`PgShared.ts`), with one read of the three stores' versions, and a commit anywhere wakes the
    // long polls here on the queues it touched.
    const database = Context.getOption(services, PgDatabase.PgDatabase)
    const catchUp = Option.isNone(database)
      ? undefined
      : PgShared.withVersions(database.value.pool)(
        Effect.all(
          [sns.catchUp, sqs.catchUp, Effect.mapError(kms.catchUp, (e) => new Errors.StoreFailure({ message: e.message ?? e._tag }))],
          { concurrency: "unbounded", discard: true }
        )
      )
    if (options.databaseUrl !== undefined) {
      const runtime = yield* Effect.runtime<never>()
      let running = false
      let again = false
      const catchUpQueues = (): void => {
        if (running) {
          again = true
          return
        }
        running = true
        Runtime.runCallback(runtime)(
          Effect.catchAll(sqs.catchUp, (e) => Effect.annotateLogs(Effect.logWarning("cannot read the queues other brokers changed"), { error: e.message })),
          {
            onExit: () => {
              running = false
              if (again) {
                again = false
                catchUpQueues()
              }
            }
          }
        )
      }
      yield* PgListener.listen(options.databaseUrl, (changed) => {
        if (changed === "queues" || changed === "all") catchUpQueues()
      })
    }

    const metrics = Metrics.make()
    const functions = Functions.make()
    const outbox = Outbox.make()
    yield* Metrics.follow(metrics).pipe(Effect.provide(services))

    const serverOptions: Server.ServerOptions = {
      region: options.region,
      lookup: (accessKeyId) => Effect.succeed(table.get(accessKeyId)),
      credentialOf: (accessKeyId) => table.get(accessKeyId),
      unknownAccessKeyHint: Credentials.unknownKeyHint({ ...options, dataDir }),
      sns,
      sqs,
      kms,
      newRequestId: () => Ids.uuidFromBytes(ids.unsafeRandomBytes(16)),
      log: yield* Log.plain,
      appRoute: AppRoutes.make({
        region: options.region,
        store,
        kms,
        metrics,
        outbox,
        signingCertificatePem: signing.certPem,
        startedAt,
        ...(catchUp === undefined ? {} : { database: { nodeId, check: catchUp } })
      }),
      debugSignatures: options.logLevel === "debug",
      ...(catchUp === undefined ? {} : { catchUp })
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
    queueOrigin = endpoint

    // Delivery starts before the ready line, and its scope closes before the listeners' do (finalizers
    // run in reverse): the listeners stop first, then delivery.
    yield* Dispatcher.start({
      origin: endpoint,
      signing: { privateKeyPem: signing.keyPem, certificatePem: signing.certPem },
      caPem: tls.caPem,
      functions,
      outbox,
      metrics,
      lenientQueuePolicies: options.lenientQueuePolicies
    }).pipe(Effect.provide(services), Effect.mapError(startupError))

    yield* Effect.forkScoped(
      Effect.repeat(
        // Archived topics keep their messages for their retention period (docs/SEMANTICS.md §7); the
        // registry is caught up first, so an archive another broker turned on is not swept here.
        Effect.gen(function* () {
          yield* sns.catchUp
          const now = yield* Clock.currentTimeMillis
          const registry = yield* sns.registry
          return yield* store.prune(now - RETENTION_MS, Topic.archiveCutoffs(registry.topics.values(), now))
        }).pipe(
          Effect.tap((removed) => (removed > 0 ? Effect.annotateLogs(Effect.logDebug("pruned delivered messages"), { removed }) : Effect.void)),
          Effect.catchAll((e) => Effect.annotateLogs(Effect.logWarning("pruning failed"), { error: e.message }))
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
      dataDir,
      nodeId
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
      nodeId,
      ready
    }
  })
  // Brokers sharing a database each log under their node id, so their logs can be told apart once merged.
  return options.databaseUrl === undefined ? started : Effect.annotateLogs(started, "node", nodeId)
}

/**
 * The start-up path `startBroker` and the `sealcast` command share, on decoded options: `started` is
 * the running broker, whose `stop` closes its scope once (the same promise for every call), or what
 * stopped the start (a `StartupError`, or a defect) after what had started was stopped. `log` is the
 * broker's logger, for the lines a caller writes around the broker.
 *
 * @category constructors
 */
export const launch = async (
  options: BrokerOptions.BrokerOptions
): Promise<{ readonly log: ReturnType<typeof Log.plainFrom>; readonly started: Either.Either<StartedBroker, unknown> }> => {
  const runtime = Log.runtime(options.logLevel)
  const log = Log.plainFrom(runtime)
  const scope = Effect.runSync(Scope.make())
  const started = await Runtime.runPromiseExit(runtime)(Scope.extend(program(options), scope))
  if (Exit.isFailure(started)) {
    await Runtime.runPromise(runtime)(Scope.close(scope, started))
    return { log, started: Either.left(Cause.squash(started.cause)) }
  }
  let stopping: Promise<void> | undefined
  return { log, started: Either.right({ ...started.value, stop: () => (stopping ??= closeWithin(scope, STOP_TIMEOUT_MS, runtime)) }) }
}

/**
 * Starts a broker in this process. With `{ port: 0, dataDir: ":memory:" }` it is the one-line fixture
 * for a test suite that uses the AWS SDK.
 *
 * @category constructors
 */
export const startBroker = async (input: BrokerOptions.BrokerOptionsInput = {}): Promise<RunningBroker> => {
  // Thrown as they are: the embedding API promises the broker's own StartupError, not an Effect
  // wrapper (docs/CONTRACT.md, "Embedding in a Node program").
  const decoded = BrokerOptions.decodeBrokerOptions(input)
  if (Either.isLeft(decoded)) throw new StartupError({ message: decoded.left.message })
  const { started } = await launch(decoded.right)
  if (Either.isLeft(started)) throw started.left
  return started.right
}
