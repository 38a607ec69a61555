import * as SqliteMessageStore from "sealcast/store/SqliteMessageStore"
import { Effect } from "effect"
import { spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, describe, expect, it } from "vitest"

const writer = fileURLToPath(new URL("./durabilityWriter.ts", import.meta.url))
const root = mkdtempSync(join(tmpdir(), "sealcast-durability-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))

/**
 * Starts the writer, lets it acknowledge at least `atLeast` appends, waits a random while more and
 * kills it with SIGKILL; resolves to every id it printed in full.
 */
const acknowledgedBeforeKill = (path: string, atLeast: number): Promise<ReadonlyArray<string>> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", writer, path], { stdio: ["ignore", "pipe", "pipe"] })
    let out = ""
    let err = ""
    let killScheduled = false
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      out += chunk
      if (!killScheduled && out.split("\n").length > atLeast) {
        killScheduled = true
        setTimeout(() => child.kill("SIGKILL"), Math.floor(Math.random() * 150))
      }
    })
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (err += chunk))
    child.on("error", reject)
    child.on("exit", (_code, signal) => {
      if (signal !== "SIGKILL") return reject(new Error(`writer exited on its own (${signal}): ${err}`))
      // The last line may have been cut mid-write; only complete lines were acknowledged.
      const lines = out.split("\n")
      resolve(lines.slice(0, -1))
    })
  })

describe("SQLite message store durability", () => {
  it("every append acknowledged before a kill -9 is in the reopened database", async () => {
    for (let round = 0; round < 3; round++) {
      const path = join(root, `round-${round}`, "sealcast.db")
      const acknowledged = await acknowledgedBeforeKill(path, 200 + Math.floor(Math.random() * 300))
      expect(acknowledged.length).toBeGreaterThan(200)
      const missing = await Effect.runPromise(
        Effect.acquireUseRelease(
          SqliteMessageStore.open({ path }),
          (store) => Effect.filter(acknowledged, (id) => Effect.map(store.get(id), (m) => m === undefined)),
          (store) => store.close
        )
      )
      expect(missing).toEqual([])
    }
  }, 60_000)
})
