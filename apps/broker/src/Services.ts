/**
 * The broker's services as one layer graph: the stores (SQLite in the data dir, PostgreSQL at
 * `--database-url`, or memory), the
 * simulated KMS over its key store, the adapter that gives the SNS core its KMS port, the node:crypto
 * cipher and RSA, and the Sns and Sqs services themselves.
 *
 * @since 0.1.0
 */
import { Ids, MessageStore, QueueStore, RegistryStore, Sns, Sqs } from "@sealcast/core"
import { KeyStore, KmsSim, RootKey } from "@sealcast/kms-sim"
import { Effect, Layer } from "effect"
import { randomUUID } from "node:crypto"
import * as SnsKms from "./adapters/SnsKms.js"
import * as SqsKms from "./adapters/SqsKms.js"
import * as NodeCipher from "./NodeCipher.js"
import * as NodeMd5 from "./NodeMd5.js"
import * as NodeRsa from "./NodeRsa.js"
import * as PgDatabase from "./store/PgDatabase.js"
import * as PgKeyStore from "./store/PgKeyStore.js"
import * as PgMessageStore from "./store/PgMessageStore.js"
import * as PgQueueStore from "./store/PgQueueStore.js"
import * as PgRegistryStore from "./store/PgRegistryStore.js"
import * as SqliteDatabase from "./store/SqliteDatabase.js"
import * as SqliteKeyStore from "./store/SqliteKeyStore.js"
import * as SqliteMessageStore from "./store/SqliteMessageStore.js"
import * as SqliteQueueStore from "./store/SqliteQueueStore.js"
import * as SqliteRegistryStore from "./store/SqliteRegistryStore.js"


/**
 * The queue service's group wait: the check phase of this turn of the event loop, after its I/O
 * callbacks (Node.js guide, "The Node.js Event Loop"), so the SQS actions of the requests read in one
 * turn share one commit (docs/PERFORMANCE.md, "SQS actions in groups").
 */
const nextTurn: Effect.Effect<void> = Effect.async<void>((resume) => {
  const timer = setImmediate(() => resume(Effect.void))
  return Effect.sync(() => clearImmediate(timer))
})
/**
 * @category models
 */
export interface ServicesOptions {
  /** An absolute data dir, or `:memory:`. */
  readonly dataDir: string
  readonly region: string
  /** The 32-byte key that wraps KMS key material at rest. */
  readonly rootKey: Uint8Array
  /** A `postgres://` URL: the stores live there instead of in the data dir. */
  readonly databaseUrl?: string | undefined
  /** This broker's name among those sharing the database: its delivery leases carry it (a new one when not given). */
  readonly nodeId?: string | undefined
  /** The HTTPS origin queue URLs start with, once it listens. */
  readonly queueOrigin: () => string
}

type Stores = MessageStore.MessageStore | RegistryStore.RegistryStore | KeyStore.KeyStore | QueueStore.QueueStore

const memoryStores: Layer.Layer<Stores> = Layer.mergeAll(
  MessageStore.layerMemory,
  RegistryStore.layerMemory,
  KeyStore.layerMemory,
  QueueStore.layerMemory
)

/** All the stores on one database file, so one WAL orders every commit. */
const sqliteStores = (path: string) =>
  Layer.mergeAll(
    SqliteMessageStore.layerFromDatabase,
    Layer.effect(
      RegistryStore.RegistryStore,
      Effect.flatMap(SqliteDatabase.SqliteDatabase, ({ db }) => SqliteRegistryStore.make(db))
    ),
    Layer.effect(
      KeyStore.KeyStore,
      Effect.flatMap(SqliteDatabase.SqliteDatabase, ({ db }) => SqliteKeyStore.make(db))
    ),
    Layer.effect(
      QueueStore.QueueStore,
      Effect.flatMap(SqliteDatabase.SqliteDatabase, ({ db }) => SqliteQueueStore.make(db))
    )
  ).pipe(Layer.provide(SqliteDatabase.layer({ path })))

/** All four stores on one PostgreSQL database, sharing its pool, which the broker's catch-up reads too. */
const pgStores = (url: string, node: string) =>
  Layer.mergeAll(
    PgMessageStore.layerFromDatabase({ node }),
    Layer.effect(RegistryStore.RegistryStore, Effect.map(PgDatabase.PgDatabase, ({ pool }) => PgRegistryStore.make(pool))),
    Layer.effect(KeyStore.KeyStore, Effect.map(PgDatabase.PgDatabase, ({ pool }) => PgKeyStore.make(pool))),
    Layer.effect(QueueStore.QueueStore, Effect.map(PgDatabase.PgDatabase, ({ pool }) => PgQueueStore.make(pool)))
  ).pipe(Layer.provideMerge(PgDatabase.layer({ url })))

/**
 * Everything the transport and delivery need: Sns, Sqs, KmsSim, the message store and Ids.
 *
 * @category layers
 */
export const layer = (options: ServicesOptions) => {
  const stores = options.databaseUrl !== undefined
    ? pgStores(options.databaseUrl, options.nodeId ?? randomUUID())
    : options.dataDir === ":memory:" ? memoryStores : sqliteStores(SqliteDatabase.databasePath(options.dataDir))
  const primitives = Layer.mergeAll(NodeCipher.layerNode, NodeMd5.layerNode, Ids.layerCrypto)
  const kms = KmsSim.layer({ region: options.region }).pipe(
    Layer.provide(Layer.mergeAll(primitives, NodeRsa.layerNode, RootKey.layer(options.rootKey)))
  )
  const sns = Sns.layer.pipe(Layer.provide(SnsKms.layer), Layer.provide(primitives))
  const sqs = Sqs.layer({ origin: options.queueOrigin, groupWait: nextTurn }).pipe(Layer.provide(SqsKms.layer), Layer.provide(primitives))
  return Layer.provideMerge(Layer.provideMerge(Layer.merge(sns, sqs), kms), Layer.merge(stores, primitives))
}

/**
 * The services the layer provides.
 *
 * @category models
 */
export type Services = Layer.Layer.Success<ReturnType<typeof layer>>
