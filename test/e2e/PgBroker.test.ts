/**
 * `sealcast serve --database-url` (docs/CONTRACT.md, "The command line" and "At rest") on a real
 * PostgreSQL server this suite starts: what one broker acknowledged is there for a second broker on
 * the same database, with another data dir and the same root key; the tables hold no plaintext of an
 * encrypted topic; a database that goes away while the broker runs turns Publish into an AWS-shaped
 * 5xx, never a false success, until it is back; and a database nobody answers for stops the start.
 */
import { CreateKeyCommand } from "@aws-sdk/client-kms"
import { CreateTopicCommand, ListTopicsCommand, PublishCommand, SNSServiceException } from "@aws-sdk/client-sns"
import { CreateQueueCommand, ReceiveMessageCommand, SendMessageCommand, SQSServiceException } from "@aws-sdk/client-sqs"
import { randomBytes } from "node:crypto"
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import pg from "pg"
import { afterAll, describe, expect, it } from "vitest"
import { startPostgres } from "../../apps/broker/test/support/Postgres.js"
import { eventually, kmsClient, send, snsClient, sqsClient, subscribeConfirmed } from "./support/Clients.js"
import { freePort, type Served, serve, serveRefused, startupRefusal } from "./support/Serve.js"
import { startSubscriber, type Subscriber } from "./support/Subscriber.js"

const postgres = await startPostgres()
const root = mkdtempSync(join(tmpdir(), "sealcast-pg-broker-"))
const rootKeyFile = join(root, "root-key")
writeFileSync(rootKeyFile, randomBytes(32).toString("base64"))
const brokers: Array<Served> = []
const subscribers: Array<Subscriber> = []

afterAll(async () => {
  await Promise.all(brokers.map((b) => b.stop("SIGKILL")))
  await Promise.all(subscribers.map((s) => s.close()))
  postgres.stop()
  rmSync(root, { recursive: true, force: true })
})

/** A broker on `databaseUrl` with its own fresh data dir, the suite's root key and fixed credentials. */
const start = async (databaseUrl: string, name: string, more: ReadonlyArray<string> = []) => {
  const broker = await serve([
    "--port", "0", "--data-dir", join(root, name), "--database-url", databaseUrl, "--root-key-file", rootKeyFile,
    "--access-key-id", "AKIAPOSTGRESEXAMPLE", "--secret-access-key", "postgres-example-secret", "--log-level", "warn", ...more
  ])
  brokers.push(broker)
  return broker
}

/** Every row of the broker's tables as text, `bytea` as PostgreSQL prints it (hex). */
const everyRow = async (databaseUrl: string): Promise<string> => {
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  try {
    const rows: Array<string> = []
    for (const table of ["messages", "deliveries", "records"]) {
      const result = await client.query<{ row: string }>(`SELECT t::text AS row FROM ${table} AS t`)
      rows.push(...result.rows.map((r) => r.row))
    }
    return rows.join("\n")
  } finally {
    await client.end()
  }
}

/** Whether `rows` hold `text`, as text or as the hex of its UTF-8 bytes. */
const holds = (rows: string, text: string) => rows.includes(text) || rows.includes(Buffer.from(text, "utf8").toString("hex"))

describe("sealcast serve --database-url", () => {
  it("a second broker on the same database has the encrypted topic, its key and the pending messages, and delivers them", async () => {
    const databaseUrl = await postgres.freshSchema()
    const first = await start(databaseUrl, "first")
    const kms = kmsClient(first.target)
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({ Description: "kept in PostgreSQL" }))
    kms.destroy()
    const sns = snsClient(first.target)
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: "pg-sealed", Attributes: { KmsMasterKeyId: KeyMetadata!.Arn! } }))
    const { TopicArn: plainArn } = await sns.send(new CreateTopicCommand({ Name: "pg-plain" }))
    // The subscriber answers 500 while the first broker runs: each delivery stays owed, retried a
    // second apart, and so is still pending when that broker stops.
    const subscriber = await startSubscriber({ caPem: first.target.caPem })
    subscribers.push(subscriber)
    const policy = { healthyRetryPolicy: { numRetries: 100, numNoDelayRetries: 0, minDelayTarget: 1, maxDelayTarget: 1 } }
    await subscribeConfirmed(sns, {
      TopicArn: TopicArn!, Protocol: "http", Endpoint: subscriber.url, Attributes: { DeliveryPolicy: JSON.stringify(policy) }
    })
    subscriber.status = 500
    const bodies = ["sealed body one, kept only as an envelope", "sealed body two, kept only as an envelope"]
    const ids: Array<string> = []
    for (const body of bodies) ids.push((await sns.send(new PublishCommand({ TopicArn, Message: body }))).MessageId!)
    const plainBody = "a plain body, stored as it is"
    await sns.send(new PublishCommand({ TopicArn: plainArn, Message: plainBody }))
    await eventually("a failed attempt at each message", () => ids.every((id) => subscriber.notifications().some((n) => n["MessageId"] === id)))
    sns.destroy()

    // At rest: the tables hold the plain topic's body (so the search can find a body), never a sealed one.
    const rows = await everyRow(databaseUrl)
    expect(holds(rows, plainBody)).toBe(true)
    for (const body of bodies) expect(holds(rows, body), body).toBe(false)

    expect(await first.stop("SIGTERM")).toEqual({ code: 0, signal: null })
    // The data dir keeps credentials and TLS material; the stores are in the database.
    expect(existsSync(join(root, "first", "sealcast.db"))).toBe(false)
    subscriber.status = 200
    const delivered = subscriber.notifications().length

    const second = await start(databaseUrl, "second")
    const again = snsClient(second.target)
    const { Topics } = await again.send(new ListTopicsCommand({}))
    expect(Topics?.map((t) => t.TopicArn)).toEqual(expect.arrayContaining([TopicArn, plainArn]))
    await eventually(
      "the second broker delivering both pending messages",
      () => ids.every((id) => subscriber.notifications().slice(delivered).some((n) => n["MessageId"] === id)),
      30_000
    )
    const received = new Map(subscriber.notifications().slice(delivered).map((n) => [n["MessageId"], n["Message"]]))
    ids.forEach((id, i) => expect(received.get(id)).toBe(bodies[i]))
    // The key came over too: the topic still takes encrypted publishes.
    await again.send(new PublishCommand({ TopicArn, Message: "published to the second broker" }))
    again.destroy()
    expect(await second.stop("SIGTERM")).toEqual({ code: 0, signal: null })
  })

  it("Publish and SendMessage answer an AWS-shaped 5xx and the health check 503 while PostgreSQL is down, and all succeed again once it is back", async () => {
    const databaseUrl = await postgres.freshSchema()
    const broker = await start(databaseUrl, "outage", ["--node-id", "outage-node"])
    expect(broker.ready.nodeId).toBe("outage-node")
    const health = async () => {
      const answer = await send(broker.target.endpoint, broker.target.caPem, { method: "GET", path: "/_sealcast/health" })
      return { status: answer.status, body: JSON.parse(answer.body) as Record<string, unknown> }
    }
    expect(await health()).toMatchObject({ status: 200, body: { status: "ok", nodeId: "outage-node", database: { status: "ok" } } })
    const sns = snsClient(broker.target)
    const sqs = sqsClient(broker.target)
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: "pg-outage" }))
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: "pg-outage" }))
    await sns.send(new PublishCommand({ TopicArn, Message: "before the outage" }))

    postgres.halt()
    try {
      const refused = await sns.send(new PublishCommand({ TopicArn, Message: "during the outage" })).then(
        () => undefined,
        (error: unknown) => error
      )
      expect(refused).toBeInstanceOf(SNSServiceException)
      const failure = refused as SNSServiceException
      expect(failure.$metadata.httpStatusCode).toBe(500)
      expect(failure.name).toBe("InternalErrorException")
      const refusedSend = await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: "during the outage" })).then(
        () => undefined,
        (error: unknown) => error
      )
      expect(refusedSend).toBeInstanceOf(SQSServiceException)
      expect((refusedSend as SQSServiceException).$metadata.httpStatusCode).toBe(500)
      expect(await health()).toMatchObject({ status: 503, body: { status: "unavailable", database: { status: "unreachable" } } })
    } finally {
      postgres.resume()
    }

    // The broker comes back by itself: no restart.
    await eventually("the health check ok again", async () => (await health()).status === 200, 20_000)
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: "after the outage" }))
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl }))
    expect(Messages?.map((m) => m.Body)).toEqual(["after the outage"])
    sqs.destroy()
    const { MessageId } = await sns.send(new PublishCommand({ TopicArn, Message: "after the outage" }))
    expect(MessageId).toMatch(/^[0-9a-f-]{36}$/)
    const rows = await everyRow(databaseUrl)
    expect(holds(rows, "after the outage")).toBe(true)
    expect(holds(rows, "during the outage")).toBe(false)
    sns.destroy()
    expect(await broker.stop("SIGTERM")).toEqual({ code: 0, signal: null })
  })

  it("a database whose schema is newer than the broker's stops the start with exit status 1, naming both versions", async () => {
    const databaseUrl = await postgres.freshSchema()
    const broker = await start(databaseUrl, "older")
    expect(await broker.stop("SIGTERM")).toEqual({ code: 0, signal: null })
    const client = new pg.Client({ connectionString: databaseUrl })
    await client.connect()
    const { rows } = await client.query<{ version: number }>("UPDATE sealcast_schema SET version = version + 1 RETURNING version")
    await client.end()
    const refused = await serveRefused([
      "--port", "0", "--data-dir", join(root, "older"), "--database-url", databaseUrl, "--root-key-file", rootKeyFile
    ])
    expect(refused.code).toBe(1)
    expect(startupRefusal(refused)).toContain(`has schema version ${rows[0]!.version}, newer than this broker's ${rows[0]!.version - 1}`)
  })

  it("a database nobody answers for stops the start with exit status 1, naming it without its password", async () => {
    const port = await freePort()
    const refused = await serveRefused([
      "--port", "0", "--data-dir", join(root, "unreachable"), "--database-url", `postgres://sealcast:hunter2@127.0.0.1:${port}/sealcast`
    ])
    expect(refused.code).toBe(1)
    const reason = startupRefusal(refused)
    expect(reason).toContain(`Cannot reach the PostgreSQL database postgres://sealcast@127.0.0.1:${port}/sealcast`)
    expect(refused.stderr).not.toContain("hunter2")
  })
})
