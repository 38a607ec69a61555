/**
 * The message store's writer thread (`SqliteWriter.onThread`): its own connection to the database
 * file, set up as the main one is (`configureConnection`: WAL, synchronous=NORMAL, foreign keys,
 * busy_timeout), commits the groups of writes the store sends and answers their
 * outcomes once committed. The automatic WAL checkpoints happen on this connection too, since SQLite
 * runs them in the connection whose commit crossed the threshold.
 *
 * Groups that arrive while a commit runs wait for the next turn of this thread's event loop and are
 * committed together, in one transaction: the busier the store, the fewer commits per write.
 *
 * @since 0.1.0
 */
import Database from "better-sqlite3"
import { parentPort, workerData } from "node:worker_threads"
import { configureConnection } from "./internal/pragmas.js"
import type { FromWriter, ToWriter, WriterData } from "./SqliteWriter.js"
import { makeGroupWriter } from "./SqliteWrites.js"

if (parentPort === null) throw new Error("SqliteWriterWorker runs as a worker thread of the message store")
const store = parentPort
// The store's main connection has created and migrated the file. A database that cannot be opened
// ends the thread with that error, and the store fails the writes sent.
const db = new Database((workerData as WriterData).path)
configureConnection(db)
const writeGroup = makeGroupWriter(db)

/** Groups received in this turn of the event loop, committed together at its end. */
let received: Array<Extract<ToWriter, { _tag: "Write" }>> = []

const commitReceived = () => {
  const batches = received
  received = []
  if (batches.length === 0) return
  const outcomes = writeGroup(batches.flatMap((batch) => batch.group))
  let offset = 0
  store.postMessage(
    batches.map(({ id, group }) => ({ id, outcomes: outcomes.slice(offset, (offset += group.length)) })) satisfies FromWriter
  )
}

store.on("message", (message: ToWriter) => {
  if (message._tag === "Close") {
    commitReceived()
    db.close()
    store.close()
    return
  }
  if (received.push(message) === 1) setImmediate(commitReceived)
})
