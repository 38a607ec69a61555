import { MessageStore } from "@sealcast/core"
import * as SqliteMessageStore from "sealcast/store/SqliteMessageStore"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll } from "vitest"
import { messageStoreContract } from "./MessageStoreContract.js"

const root = mkdtempSync(join(tmpdir(), "sealcast-contract-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))
let files = 0

messageStoreContract("memory (core)", () => MessageStore.layerMemory)
messageStoreContract("SQLite (broker), in memory", () => SqliteMessageStore.layer({ path: ":memory:" }))
// The same on a file: WAL mode and the file's own journal are in play, as in production.
messageStoreContract("SQLite (broker), on a file", () =>
  SqliteMessageStore.layer({ path: join(root, `store-${files++}`, "sealcast.db") })
)
