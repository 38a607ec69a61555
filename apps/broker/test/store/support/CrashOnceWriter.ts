/**
 * The store's writer thread, except that the first one started for a database exits (as a crash
 * would end it) on receiving its first group; every later one is the real writer.
 */
import { existsSync, writeFileSync } from "node:fs"
import { parentPort, workerData } from "node:worker_threads"
import type { WriterData } from "../../../src/store/SqliteWriter.js"

const crashed = `${(workerData as WriterData).path}.crashed`
if (existsSync(crashed)) {
  await import("../../../src/store/SqliteWriterWorker.js")
} else {
  writeFileSync(crashed, "")
  parentPort?.once("message", () => process.exit(1))
}
