/**
 * docs/CONTRACT.md, "The command line": SIGTERM stops the broker gracefully, whatever its store holds. A
 * stored envelope whose algorithm field is malformed (written into the database of a stopped broker,
 * as damage or a hand edit would) cannot be read back; the restarted broker reports the delivery it
 * cannot attempt by message id, keeps serving, and still stops at once on SIGTERM with exit 0.
 */
import { CreateKeyCommand } from "@aws-sdk/client-kms"
import { CreateTopicCommand, PublishCommand } from "@aws-sdk/client-sns"
import * as SqliteDatabase from "sealcast/store/SqliteDatabase"
import { Effect } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { eventually, kmsClient, send, snsClient, subscribeConfirmed } from "./support/Clients.js"
import { type Served, serve } from "./support/Serve.js"
import { startSubscriber, type Subscriber } from "./support/Subscriber.js"

const dataDir = mkdtempSync(join(tmpdir(), "sealcast-stop-"))
let broker: Served | undefined
let subscriber: Subscriber | undefined

afterAll(async () => {
  await broker?.stop("SIGKILL")
  await subscriber?.close()
  rmSync(dataDir, { recursive: true, force: true })
})

/** Runs `f` on the stopped broker's database, opened as the broker opens it. */
const withDatabase = <A>(f: (db: Effect.Effect.Success<ReturnType<typeof SqliteDatabase.open>>) => A): A => {
  const db = Effect.runSync(SqliteDatabase.open(SqliteDatabase.databasePath(dataDir)))
  try {
    return f(db)
  } finally {
    db.close()
  }
}

describe("graceful stop", () => {
  it("SIGTERM stops a broker whose store holds an envelope with a malformed algorithm field", async () => {
    const start = () => serve(["--port", "0", "--data-dir", dataDir, "--log-level", "info"])
    broker = await start()
    const kms = kmsClient(broker.target)
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({}))
    kms.destroy()
    const sns = snsClient(broker.target)
    const { TopicArn } = await sns.send(
      new CreateTopicCommand({ Name: "stop-sealed", Attributes: { KmsMasterKeyId: KeyMetadata!.Arn! } })
    )
    // The subscriber refuses every notification, so the delivery stays pending in the store.
    subscriber = await startSubscriber({ caPem: broker.target.caPem, status: 500 })
    await subscribeConfirmed(sns, { TopicArn, Protocol: "http", Endpoint: subscriber.url })
    const { MessageId } = await sns.send(new PublishCommand({ TopicArn, Message: "a body that will not be readable" }))
    sns.destroy()
    await eventually("a first, refused, delivery attempt", () => subscriber!.notifications().length > 0)
    expect(await broker.stop("SIGTERM")).toEqual({ code: 0, signal: null })

    const changed = withDatabase((db) => {
      const damaged = db.prepare("UPDATE messages SET envelope_algorithm = 'AES_256_GCM?' WHERE id = ?").run(MessageId!).changes
      // Due now, so the restarted broker's dispatcher reads the message at once.
      db.prepare("UPDATE deliveries SET due_at = 0 WHERE message_id = ?").run(MessageId!)
      return damaged
    })
    expect(changed).toBe(1)

    broker = await start()
    await eventually("a log line naming the unreadable message", () => broker!.stderr().includes(MessageId!), 20_000)
    const health = await send(broker.ready.https, broker.target.caPem, { method: "GET", path: "/_sealcast/health" })
    expect(health.status).toBe(200)
    const line = broker.stderr().split("\n").find((l) => l.includes(MessageId!))!
    expect(JSON.parse(line)).toMatchObject({ level: "error", messageId: MessageId })
    expect(line).toContain("malformed Sealed body")

    // Exit 0 with "stopped" logged: the stop ran to its end, not cut short by the bound on stopping.
    expect(await broker.stop("SIGTERM")).toEqual({ code: 0, signal: null })
    expect(broker.stderr()).toContain('"message":"stopped"')
    broker = undefined
  }, 90_000)
})
