/**
 * The root key and the KMS key store it protects (apps/broker/README.md, "The data dir"): between
 * two runs of `sealcast serve` the root key file is removed, changed by one character, or one key
 * record is damaged. Each is refused at start with one log line naming the file (or the key), never a
 * broker that starts and then fails every use of every key; a new root key is never made for a key
 * store that holds keys. A data dir from before check values gets one on its next start.
 */
import { CreateKeyCommand, GenerateDataKeyCommand } from "@aws-sdk/client-kms"
import * as SqliteDatabase from "sealcast/store/SqliteDatabase"
import { Effect } from "effect"
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { kmsClient } from "./support/Clients.js"
import { type Served, serve, serveRefused, startupRefusal } from "./support/Serve.js"

const dataDir = mkdtempSync(join(tmpdir(), "sealcast-root-key-"))
const rootKeyFile = join(dataDir, "root-key")
const databaseFile = SqliteDatabase.databasePath(dataDir)
const args = ["--port", "0", "--data-dir", dataDir, "--log-level", "warn"]
let broker: Served | undefined

afterAll(async () => {
  await broker?.stop("SIGKILL")
  rmSync(dataDir, { recursive: true, force: true })
})

const withDatabase = <A>(f: (db: Effect.Effect.Success<ReturnType<typeof SqliteDatabase.open>>) => A): A => {
  const db = Effect.runSync(SqliteDatabase.open(databaseFile))
  try {
    return f(db)
  } finally {
    db.close()
  }
}

/** Starts the broker, checks every key still makes data keys, and stops it gracefully. */
const startsAndServes = async (keyIds: ReadonlyArray<string>) => {
  broker = await serve(args)
  const kms = kmsClient(broker.target)
  for (const KeyId of keyIds) {
    const { Plaintext } = await kms.send(new GenerateDataKeyCommand({ KeyId, KeySpec: "AES_256" }))
    expect(Plaintext).toHaveLength(32)
  }
  kms.destroy()
  expect(await broker.stop("SIGTERM")).toEqual({ code: 0, signal: null })
  broker = undefined
}

describe("the root key at start", () => {
  it("a removed or changed root key, or a damaged key record, is refused naming the file or the key", async () => {
    broker = await serve(args)
    const kms = kmsClient(broker.target)
    const keyIds = [
      (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!,
      (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!
    ]
    kms.destroy()
    expect(await broker.stop("SIGTERM")).toEqual({ code: 0, signal: null })
    broker = undefined
    const original = readFileSync(rootKeyFile, "utf8")

    // Removed: refused, and no new key file is left behind.
    rmSync(rootKeyFile)
    const removed = await serveRefused(args)
    expect(removed.code).toBe(1)
    expect(startupRefusal(removed)).toBe(
      `The root key file ${rootKeyFile} is missing, and the KMS key store in ${databaseFile} holds 2 keys that only that key opens: ` +
        "restore the file, or pass it with --root-key-file. A new root key is never made for a key store that holds keys."
    )
    expect(existsSync(rootKeyFile)).toBe(false)

    // One character changed (still valid base64, so another 32-byte key).
    const changed = original.slice(0, 5) + (original[5] === "A" ? "B" : "A") + original.slice(6)
    writeFileSync(rootKeyFile, changed)
    const other = await serveRefused(args)
    expect(other.code).toBe(1)
    expect(startupRefusal(other)).toBe(
      `The root key in ${rootKeyFile} is not the one the KMS key store in ${databaseFile} was written under (it holds 2 keys): ` +
        "restore that file, or pass the right one with --root-key-file."
    )
    expect(readFileSync(rootKeyFile, "utf8")).toBe(changed)

    // Restored: the broker starts and every key works.
    writeFileSync(rootKeyFile, original)
    await startsAndServes(keyIds)

    // One record damaged: one byte of the second key's wrapped material flipped.
    const damagedId = keyIds[1]!
    const before = withDatabase((db) => {
      const { value } = db.prepare("SELECT value FROM records WHERE kind = 'kms-key' AND key = ?").get(damagedId) as { value: string }
      const record = JSON.parse(value) as { materials: Array<{ sealed: { $bytes: string } }> }
      const sealed = Buffer.from(record.materials[0]!.sealed.$bytes, "base64")
      sealed[3] = sealed[3]! ^ 0x01
      record.materials[0]!.sealed.$bytes = sealed.toString("base64")
      db.prepare("UPDATE records SET value = ? WHERE kind = 'kms-key' AND key = ?").run(JSON.stringify(record), damagedId)
      return value
    })
    const damaged = await serveRefused(args)
    expect(damaged.code).toBe(1)
    const reason = startupRefusal(damaged)
    expect(reason).toBe(
      `The root key in ${rootKeyFile} does not open the KMS key store in ${databaseFile}: ` +
        `the material of 1 of the key store's 2 keys does not open under the root key: ${damagedId}. ` +
        "Those records were damaged or altered, or this is not the root key they were written under."
    )
    expect(reason).not.toContain(keyIds[0])

    // A record that is not even JSON is reported by its key id, in JSON's words.
    withDatabase((db) => db.prepare("UPDATE records SET value = '{not json' WHERE kind = 'kms-key' AND key = ?").run(damagedId))
    const garbled = startupRefusal(await serveRefused(args))
    expect(garbled).toContain(`The stored kms-key record "${damagedId}" is unreadable: `)
    expect(garbled).toMatch(/JSON/)
    expect(garbled).not.toContain("unknown error")

    // Repaired, and made like a data dir from before check values: it gets one on this start.
    withDatabase((db) => {
      db.prepare("UPDATE records SET value = ? WHERE kind = 'kms-key' AND key = ?").run(before, damagedId)
      db.prepare("DELETE FROM records WHERE kind = 'kms-root-key-check'").run()
    })
    await startsAndServes(keyIds)
    expect(withDatabase((db) => db.prepare("SELECT COUNT(*) AS n FROM records WHERE kind = 'kms-root-key-check'").get())).toEqual({ n: 1 })
    rmSync(rootKeyFile)
    expect(startupRefusal(await serveRefused(args))).toContain(`The root key file ${rootKeyFile} is missing`)
  }, 120_000)

  it("a data dir with no keys yet makes its root key at the first start, and keeps it", async () => {
    const fresh = mkdtempSync(join(tmpdir(), "sealcast-root-key-fresh-"))
    try {
      const first = await serve(["--port", "0", "--data-dir", fresh, "--log-level", "info"])
      expect(first.stderr()).toContain('"message":"made the KMS root key"')
      const made = readFileSync(join(fresh, "root-key"), "utf8")
      expect(await first.stop("SIGTERM")).toEqual({ code: 0, signal: null })
      const second = await serve(["--port", "0", "--data-dir", fresh, "--log-level", "info"])
      expect(second.stderr()).not.toContain("made the KMS root key")
      expect(await second.stop("SIGTERM")).toEqual({ code: 0, signal: null })
      expect(readFileSync(join(fresh, "root-key"), "utf8")).toBe(made)
    } finally {
      rmSync(fresh, { recursive: true, force: true })
    }
  }, 60_000)
})
