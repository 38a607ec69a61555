/**
 * The data dir at start (apps/broker/README.md, "The data dir"): one broker at a time holds it, a
 * damaged database or a data dir the broker cannot write is refused with one log line naming the
 * file and the reason, never served with 500s later.
 */
import { DescribeKeyCommand } from "@aws-sdk/client-kms"
import { CreateTopicCommand, GetTopicAttributesCommand, ListTopicsCommand, PublishCommand } from "@aws-sdk/client-sns"
import { startBroker } from "sealcast"
import * as SqliteDatabase from "sealcast/store/SqliteDatabase"
import { chmodSync, chownSync, closeSync, cpSync, fstatSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, afterEach, describe, expect, it } from "vitest"
import { eventually, kmsClient, send, snsClient, storedMessages } from "./support/Clients.js"
import { type Served, serve, serveRefused, startupRefusal } from "./support/Serve.js"
import { startSubscriber } from "./support/Subscriber.js"

const root = mkdtempSync(join(tmpdir(), "sealcast-datadir-"))
// Enterable by the user a broker may run as below.
chmodSync(root, 0o755)
const running: Array<Served> = []
afterEach(async () => {
  await Promise.all(running.splice(0).map((b) => b.stop("SIGKILL")))
})
afterAll(() => rmSync(root, { recursive: true, force: true }))

let dirs = 0
const freshDir = () => join(root, `d${dirs++}`)
const args = (dataDir: string) => ["--port", "0", "--data-dir", dataDir, "--log-level", "warn"]
const started = async (dataDir: string, ids: { readonly uid?: number; readonly gid?: number } = {}) => {
  const broker = await serve(args(dataDir), 30_000, ids)
  running.push(broker)
  return broker
}
const stopGracefully = async (broker: Served) => {
  running.splice(running.indexOf(broker), 1)
  expect(await broker.stop("SIGTERM")).toEqual({ code: 0, signal: null })
}
const healthy = async (broker: Served) =>
  (await send(broker.ready.https, broker.target.caPem, { method: "GET", path: "/_sealcast/health" })).status === 200

describe("one broker per data dir", () => {
  it("a second `sealcast serve` on a data dir in use exits 3 naming it; the first goes on; kill -9 leaves no stale lock", async () => {
    const dataDir = freshDir()
    const first = await started(dataDir)
    const refused = await serveRefused(args(dataDir))
    expect(refused.code).toBe(3)
    expect(startupRefusal(refused)).toBe(
      `The data dir ${dataDir} is in use by another broker (it holds the lock on ${join(dataDir, "lock")}); stop that broker, or pass another --data-dir`
    )
    expect(refused.stdout).toBe("")
    expect(await healthy(first)).toBe(true)

    running.splice(running.indexOf(first), 1)
    expect((await first.stop("SIGKILL")).signal).toBe("SIGKILL")
    // The kernel dropped the dead process's lock: the next broker starts at once.
    const second = await started(dataDir)
    expect(await healthy(second)).toBe(true)
    // A graceful stop releases it too.
    await stopGracefully(second)
    await stopGracefully(await started(dataDir))
  }, 90_000)

  it("startBroker() in the same process is refused on a data dir it already holds, and on one a child process holds", async () => {
    const dataDir = freshDir()
    const embedded = await startBroker({ port: 0, dataDir, logLevel: "error" })
    try {
      // SQLite tracks its POSIX locks per file inside one process, so this is refused too.
      await expect(startBroker({ port: 0, dataDir, logLevel: "error" })).rejects.toMatchObject({
        _tag: "StartupError",
        reason: "DataDirInUse",
        message: expect.stringContaining(`The data dir ${dataDir} is in use by another broker`)
      })
      const refused = await serveRefused(args(dataDir))
      expect(refused.code).toBe(3)
    } finally {
      await embedded.stop()
    }
    const child = await started(dataDir)
    await expect(startBroker({ port: 0, dataDir, logLevel: "error" })).rejects.toMatchObject({ reason: "DataDirInUse" })
    await stopGracefully(child)
    // `:memory:` keeps nothing and takes no lock.
    const a = await startBroker({ port: 0, dataDir: ":memory:", logLevel: "error" })
    const b = await startBroker({ port: 0, dataDir: ":memory:", logLevel: "error" })
    await Promise.all([a.stop(), b.stop()])
  }, 90_000)
})

describe("a damaged database", () => {
  it("an overwritten page is refused at start with the file and what the integrity check found", async () => {
    const dataDir = freshDir()
    const broker = await started(dataDir)
    const sns = snsClient(broker.target)
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: "damaged" }))
    for (let i = 0; i < 50; i++) await sns.send(new PublishCommand({ TopicArn, Message: `message ${i} `.repeat(40) }))
    sns.destroy()
    await stopGracefully(broker)

    // A graceful stop checkpoints the WAL into the file: every page is in sealcast.db now.
    const path = SqliteDatabase.databasePath(dataDir)
    const fd = openSync(path, "r+")
    const pages = fstatSync(fd).size / 4096
    expect(pages).toBeGreaterThan(3)
    // Page 2 onwards (page 1 holds the header and the schema): the first table's root page, garbage.
    const garbage = Buffer.alloc(4096, 0x5a)
    writeSync(fd, garbage, 0, garbage.length, 4096)
    closeSync(fd)

    const refused = await serveRefused(args(dataDir))
    expect(refused.code).toBe(1)
    const reason = startupRefusal(refused)
    expect(reason).toContain(`The database ${path} is damaged`)
    expect(reason).toMatch(/page|malformed/i)
  }, 90_000)
})

describe("a data dir the broker cannot write", () => {
  // As root, permission bits do not stop writes; the broker then runs as `nobody`, for whom they do.
  const asRoot = process.getuid?.() === 0
  const ids: { readonly uid?: number; readonly gid?: number } = asRoot ? { uid: 65534, gid: 65534 } : {}
  /** A data dir the broker's user owns, after one start and graceful stop there. */
  const prepared = async () => {
    const dataDir = freshDir()
    mkdirSync(dataDir, { mode: 0o700 })
    if (asRoot) chownSync(dataDir, ids.uid!, ids.gid!)
    await stopGracefully(await started(dataDir, ids))
    return dataDir
  }

  it("an existing read-only data dir is refused, naming it and the system's reason", async () => {
    const dataDir = await prepared()
    chmodSync(dataDir, 0o500)
    const refused = await serveRefused(args(dataDir), ids)
    chmodSync(dataDir, 0o700)
    expect(refused.code).toBe(1)
    expect(startupRefusal(refused).startsWith(`The data dir ${dataDir} is not writable: EACCES`)).toBe(true)
  }, 90_000)

  it("a read-only database file in a writable data dir is refused, naming the file", async () => {
    const dataDir = await prepared()
    const path = SqliteDatabase.databasePath(dataDir)
    chmodSync(path, 0o400)
    const refused = await serveRefused(args(dataDir), ids)
    expect(refused.code).toBe(1)
    expect(startupRefusal(refused).startsWith(`${path} is not writable: EACCES`)).toBe(true)
  }, 90_000)
})

describe("a data dir from an earlier schema", () => {
  // apps/broker/test/fixtures/datadir-schema1 was written by the broker before the SQS tables
  // (schema version 1): topics fixture-plain and fixture-sealed (KmsMasterKeyId alias/fixture), each
  // with an HTTP subscription to 127.0.0.1:47611 that refused two messages, still owed.
  it("opens after the schema steps since: its topics, key and owed messages survive and are delivered", async () => {
    const dataDir = freshDir()
    cpSync(new URL("../../apps/broker/test/fixtures/datadir-schema1", import.meta.url), dataDir, { recursive: true })
    const subscriber = await startSubscriber({ caPem: "", port: 47611 })
    try {
      const broker = await started(dataDir)
      const sns = snsClient(broker.target)
      const { Topics } = await sns.send(new ListTopicsCommand({}))
      expect(Topics!.map((t) => t.TopicArn!.split(":")[5]).sort()).toEqual(["fixture-plain", "fixture-sealed"])
      const sealedArn = Topics!.find((t) => t.TopicArn!.endsWith(":fixture-sealed"))!.TopicArn!
      const { Attributes } = await sns.send(new GetTopicAttributesCommand({ TopicArn: sealedArn }))
      expect(Attributes!["KmsMasterKeyId"]).toBe("alias/fixture")
      const kms = kmsClient(broker.target)
      expect((await kms.send(new DescribeKeyCommand({ KeyId: "alias/fixture" }))).KeyMetadata!.KeyState).toBe("Enabled")
      kms.destroy()
      sns.destroy()
      const stored = await storedMessages(broker.target, "fixture-sealed")
      expect(stored.map((m) => m.body.kind)).toEqual(["Sealed", "Sealed"])
      const expected = ["fixture-plain message 1", "fixture-plain message 2", "fixture-sealed message 1", "fixture-sealed message 2"]
      await eventually("the four owed messages delivered", () => subscriber.notifications().length >= 4, 60_000)
      expect(subscriber.notifications().map((n) => String(n["Message"])).sort()).toEqual(expected)
      await stopGracefully(broker)
    } finally {
      await subscriber.close()
    }
  }, 90_000)
})
