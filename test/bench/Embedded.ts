/**
 * Scenarios 4 and 5, and the in-process setup the backlog measurement shares: the broker's own
 * service graph (`Services.layer`, durable SQLite store in a data dir) driven with no HTTP at all,
 * and the same records written straight into better-sqlite3, the store's limit.
 */
import * as Services from "sealcast/Services"
import * as SqliteDatabase from "sealcast/store/SqliteDatabase"
import { Ids, MessageStore, type RequestContext, Sns } from "@sealcast/core"
import { KmsSim } from "@sealcast/kms-sim"
import { Context, Effect, Exit, Layer, Scope } from "effect"
import { randomBytes } from "node:crypto"
import { messageOfSize } from "./Signing.js"

const REGION = "us-east-1"
const ACCOUNT = "000000000000"

/** A caller as the transport describes one that came over HTTPS with SigV4 (encrypted topics need both). */
const caller: RequestContext.RequestContext = {
  accountId: ACCOUNT,
  principalArn: `arn:aws:iam::${ACCOUNT}:root`,
  region: REGION,
  transport: "https",
  auth: "sigv4"
}

/**
 * A Lambda function nobody registered. The embedded scenarios run no delivery engine, so each
 * message's delivery row is written and stays pending: the store work of one subscriber, no sending.
 */
const ABSENT_FUNCTION = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:bench-absent`

/** The broker's services, open on a data dir, with one plain and one encrypted topic. */
export interface EmbeddedBroker {
  readonly sns: Sns.SnsService
  readonly store: MessageStore.MessageStoreService
  readonly plainTopicArn: string
  /** Encrypted under a customer managed key made for the run. */
  readonly encryptedTopicArn: string
  readonly close: () => Promise<void>
}

/** Builds the broker's service graph on `dataDir` and makes the two topics, each with one subscriber. */
export const openEmbedded = (dataDir: string): Promise<EmbeddedBroker> =>
  Effect.runPromise(
    Effect.gen(function* () {
      const scope = yield* Scope.make()
      const services = yield* Layer.buildWithScope(
        Services.layer({ dataDir, region: REGION, rootKey: new Uint8Array(randomBytes(32)), queueOrigin: () => "https://127.0.0.1" }),
        scope
      )
      const sns = Context.get(services, Sns.Sns)
      const kms = Context.get(services, KmsSim.KmsSim)
      const key = yield* kms.createKey({ Description: "benchmark customer managed key" }, caller)
      const topic = (name: string, attributes: Record<string, string>) =>
        Effect.gen(function* () {
          const { topicArn } = yield* sns.createTopic({ name, attributes, tags: [], dataProtectionPolicy: undefined }, caller)
          yield* sns.subscribe(
            { topicArn, protocol: "lambda", endpoint: ABSENT_FUNCTION, attributes: {}, returnSubscriptionArn: true },
            caller
          )
          return topicArn
        })
      return {
        sns,
        store: Context.get(services, MessageStore.MessageStore),
        plainTopicArn: yield* topic("bench-plain", {}),
        encryptedTopicArn: yield* topic("bench-encrypted", { KmsMasterKeyId: key.KeyMetadata.Arn }),
        close: () => Effect.runPromise(Scope.close(scope, Exit.void))
      }
    })
  )

/** How many publishers run at once: enough to keep the group commit's batches full. */
export const PUBLISHERS = 64

/** Publishes of `messageBytes` bytes to one topic from `PUBLISHERS` fibers, until time or count runs out. */
export const publishMany = (
  broker: EmbeddedBroker,
  topicArn: string,
  messageBytes: number,
  limit: { readonly seconds: number } | { readonly count: number }
): Promise<{ readonly published: number; readonly perSecond: number }> => {
  const input = {
    topicArn,
    targetArn: undefined,
    phoneNumber: undefined,
    message: messageOfSize(messageBytes),
    subject: undefined,
    messageStructure: undefined,
    messageAttributes: {},
    messageGroupId: undefined,
    messageDeduplicationId: undefined
  }
  const started = performance.now()
  const deadline = "seconds" in limit ? started + limit.seconds * 1000 : Number.POSITIVE_INFINITY
  const count = "count" in limit ? limit.count : Number.POSITIVE_INFINITY
  let claimed = 0
  const publisher = Effect.whileLoop({
    while: () => claimed < count && performance.now() < deadline,
    body: () => {
      claimed += 1
      return broker.sns.publish(input, caller)
    },
    step: () => undefined
  })
  return Effect.runPromise(Effect.all(Array.from({ length: PUBLISHERS }, () => publisher), { concurrency: "unbounded" })).then(
    () => {
      const elapsedMs = performance.now() - started
      return { published: claimed, perSecond: (claimed * 1000) / elapsedMs }
    }
  )
}

/** A `messages` row as stored, without its `seq` (SQLite assigns it). */
type MessageRow = Record<string, unknown> & { readonly id: string; readonly timestamp: number }

/** One stored message and the subscription its delivery row names. */
interface Sample {
  readonly message: MessageRow
  readonly subscriptionArn: string
}

/**
 * Scenario 5: the records scenario 4 stored (one of each kind, read back from its database),
 * re-inserted with fresh ids into a new database opened with the store's pragmas and schema
 * (`SqliteDatabase.open`), in transactions of `batch` messages, each with its one delivery row: the
 * store's two INSERTs over the same columns, without the Effect runtime, the core or the savepoint
 * the store wraps around each caller's entries.
 */
export const rawStoreInserts = (
  sourceDataDir: string,
  targetDataDir: string,
  batch: number,
  seconds: number
): Promise<{ readonly plainPerSecond: number; readonly encryptedPerSecond: number }> =>
  Effect.runPromise(
    Effect.gen(function* () {
      const source = yield* SqliteDatabase.open(SqliteDatabase.databasePath(sourceDataDir))
      const sample = (kind: "Plain" | "Sealed"): Sample => {
        const { seq: _seq, ...message } = source.prepare("SELECT * FROM messages WHERE body_kind = ? LIMIT 1").get(kind) as MessageRow
        const delivery = source.prepare("SELECT subscription_arn FROM deliveries WHERE message_id = ?").get(message.id) as {
          readonly subscription_arn: string
        }
        return { message: message as MessageRow, subscriptionArn: delivery.subscription_arn }
      }
      const records = { plain: sample("Plain"), encrypted: sample("Sealed") }
      source.close()
      const db = yield* SqliteDatabase.open(SqliteDatabase.databasePath(targetDataDir))
      const columns = Object.keys(records.plain.message)
      const insertMessage = db.prepare(
        `INSERT INTO messages (${columns.join(", ")}) VALUES (${columns.map((c) => `@${c}`).join(", ")})`
      )
      const insertDelivery = db.prepare("INSERT INTO deliveries (message_id, subscription_arn, attempts, due_at) VALUES (?, ?, 0, ?)")
      // Fresh ids made as the broker makes message ids (time-ordered UUIDv7, `Ids.uuidV7FromBytes`),
      // so the unique index sees keys of the same size, in the same order.
      const insertBatch = db.transaction(({ message, subscriptionArn }: Sample) => {
        for (let i = 0; i < batch; i += 1) {
          const id = Ids.uuidV7FromBytes(Date.now(), randomBytes(Ids.UUID_V7_RANDOM_BYTES))
          insertMessage.run({ ...message, id })
          insertDelivery.run(id, subscriptionArn, message.timestamp)
        }
      })
      const rate = (record: Sample) => {
        const started = performance.now()
        let rows = 0
        while (performance.now() - started < seconds * 1000) {
          insertBatch(record)
          rows += batch
        }
        return (rows * 1000) / (performance.now() - started)
      }
      const plainPerSecond = rate(records.plain)
      const encryptedPerSecond = rate(records.encrypted)
      db.close()
      return { plainPerSecond, encryptedPerSecond }
    })
  )
