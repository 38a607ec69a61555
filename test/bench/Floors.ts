/**
 * The floors of an encrypted Publish's own work: what its cryptography and its row of the group
 * commit cost when nothing at all is done around them. `npm run profile -- floors` prints them; beside
 * the bare server's CPU per request (`ceiling --cpu-only` in the same sitting) they say how much of
 * the allowance (twice the bare server's CPU for an encrypted Publish) is left for parsing,
 * decoding, routing, the runtime and the answer (docs/PERFORMANCE.md, "What half the bare server's
 * rate would take").
 */
import * as SqliteDatabase from "sealcast/store/SqliteDatabase"
import { Cipher, Ids } from "@sealcast/core"
import { Effect } from "effect"
import { createCipheriv, createHmac, hash, randomBytes } from "node:crypto"
import { openEmbedded, publishMany } from "./Embedded.js"
import { messageOfSize } from "./Signing.js"

/** Process CPU per call, in µs: the median of five rounds of `calls` calls each, after one round of warm-up. */
const cpuPerCall = (calls: number, step: (i: number) => void): number => {
  const rounds: Array<number> = []
  for (let round = 0; round <= 5; round += 1) {
    const before = process.cpuUsage()
    for (let i = 0; i < calls; i += 1) step(i)
    const used = process.cpuUsage(before)
    if (round > 0) rounds.push((used.user + used.system) / calls)
  }
  return rounds.sort((a, b) => a - b)[2]!
}

/** How many groups the commit floor writes: six rounds of a hundred. */
const GROUPS = 600

/** One floor: what it covers, and its CPU per Publish. */
export interface Floor {
  readonly step: string
  readonly microseconds: number
}

/**
 * SigV4 (one SHA-256 of the 1 KiB body, one of the canonical request, one HMAC of the string to
 * sign under a cached signing key), the seal (AES-256-GCM of 1 KiB, nonce and AAD at hand), and one
 * stored row of the group commit: the store's schema and pragmas (`SqliteDatabase.open`), a row
 * scenario 4 sealed, positional binds, groups of `groupRows` (about what scenario 12's load gathers
 * per turn with 32 connections).
 */
export const floors = async (dataDir: string, groupRows: number): Promise<ReadonlyArray<Floor>> => {
  const body = messageOfSize(1024)
  // A canonical request and a string to sign of the sizes an SDK's Publish gives.
  const canonical = `POST\n/\n\ncontent-type:application/x-www-form-urlencoded\nhost:127.0.0.1:4566\n` +
    `x-amz-content-sha256:${"0".repeat(64)}\nx-amz-date:20261207T060000Z\n\ncontent-type;host;x-amz-content-sha256;x-amz-date\n${"0".repeat(64)}`
  const toSign = `AWS4-HMAC-SHA256\n20261207T060000Z\n20261207/us-east-1/sns/aws4_request\n${"0".repeat(64)}`
  const signingKey = randomBytes(32)
  const sigV4 = cpuPerCall(20_000, () => {
    hash("sha256", body, "hex")
    hash("sha256", canonical, "hex")
    createHmac("sha256", signingKey).update(toSign).digest("hex")
  })

  const key = randomBytes(Cipher.KEY_BYTES)
  const nonce = randomBytes(Cipher.NONCE_BYTES)
  const aad = randomBytes(96)
  const plaintext = Buffer.from(body)
  const seal = cpuPerCall(20_000, () => {
    const cipher = createCipheriv("aes-256-gcm", key, nonce, { authTagLength: Cipher.TAG_BYTES })
    cipher.setAAD(aad)
    cipher.update(plaintext)
    cipher.final()
    cipher.getAuthTag()
  })

  const broker = await openEmbedded(dataDir)
  await publishMany(broker, broker.encryptedTopicArn, 1024, { count: 1 })
  await broker.close()
  const commit = await Effect.runPromise(
    Effect.gen(function* () {
      const db = yield* SqliteDatabase.open(SqliteDatabase.databasePath(dataDir))
      const { seq: _seq, ...row } = db.prepare("SELECT * FROM messages WHERE body_kind = 'Sealed' LIMIT 1").get() as Record<string, unknown>
      const columns = Object.keys(row).filter((column) => column !== "id")
      const insert = db.prepare(`INSERT INTO messages (id, ${columns.join(", ")}) VALUES (?${", ?".repeat(columns.length)})`)
      const values = columns.map((column) => row[column])
      // Fresh ids made before the clock starts, as the broker makes them (time-ordered UUIDv7).
      const ids = Array.from({ length: GROUPS * groupRows }, () => Ids.uuidV7FromBytes(Date.now(), randomBytes(Ids.UUID_V7_RANDOM_BYTES)))
      let next = 0
      const group = db.transaction(() => {
        for (let i = 0; i < groupRows; i += 1) insert.run(ids[next++], ...values)
      })
      const perGroup = cpuPerCall(GROUPS / 6, group)
      db.close()
      return perGroup / groupRows
    })
  )
  return [
    { step: "SigV4: SHA-256 of the body and of the canonical request, one HMAC", microseconds: sigV4 },
    { step: "seal: AES-256-GCM of 1 KiB", microseconds: seal },
    { step: `commit: one sealed row in a group of ${groupRows}`, microseconds: commit }
  ]
}
