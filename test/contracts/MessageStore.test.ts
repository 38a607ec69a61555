import { MessageStore } from "@sealcast/core"
import * as PgMessageStore from "sealcast/store/PgMessageStore"
import * as SqliteMessageStore from "sealcast/store/SqliteMessageStore"
import { Effect, Layer } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll } from "vitest"
import { startPostgres } from "../../apps/broker/test/support/Postgres.js"
import { messageStoreContract } from "./MessageStoreContract.js"

const root = mkdtempSync(join(tmpdir(), "sealcast-contract-"))
const postgres = await startPostgres()
afterAll(() => {
  rmSync(root, { recursive: true, force: true })
  postgres.stop()
})
let files = 0

messageStoreContract("memory (core)", () => MessageStore.layerMemory, { appendNow: true })
messageStoreContract("SQLite (broker), in memory", () => SqliteMessageStore.layer({ path: ":memory:" }), { appendNow: true })
// The same on a file: WAL mode and the file's own journal are in play, as in production.
messageStoreContract("SQLite (broker), on a file", () =>
  SqliteMessageStore.layer({ path: join(root, `store-${files++}`, "sealcast.db") }), { appendNow: true }
)
// A real PostgreSQL server, each store in an empty schema of its own: a new one, or one a closed
// store left, emptied (the model test opens a store for each of its runs, and a new schema costs its
// tables' creation). Each run costs server round trips the in-process stores do not, so the model
// test runs 250 histories here (a thousand took 75 to 120 s on a shared 2-core machine); the memory
// and SQLite stores run the full thousand against the same model.
const spareSchemas: Array<string> = []
messageStoreContract("PostgreSQL (broker)", () =>
  Layer.scoped(
    MessageStore.MessageStore,
    Effect.gen(function* () {
      const url = spareSchemas.pop() ?? (yield* Effect.promise(postgres.freshSchema))
      // Added first, so it runs last: after the store has closed.
      yield* Effect.addFinalizer(() => Effect.promise(() => postgres.emptySchema(url, ["sealcast_schema"]).then(() => spareSchemas.push(url))))
      return yield* Effect.acquireRelease(PgMessageStore.open({ url, node: "contract" }), (store) => store.close)
    })
  ),
  { modelRuns: 250 }
)
