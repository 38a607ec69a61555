/**
 * Where the message store's writes are committed: on a writer thread with its own connection to the
 * database file (`onThread`), or, for an in-memory database that no other connection can open, in
 * the store's own thread (`inProcess`). Both commit a group with `SqliteWrites.makeGroupWriter`.
 *
 * Why a thread: better-sqlite3 is synchronous, so on the event loop that serves publishers every
 * group commit, and every automatic WAL checkpoint (tens of milliseconds at a time), would stall
 * that loop. The writer thread does this work beside it; the main connection keeps the reads, which
 * in WAL mode see every committed write (sqlite.org/wal.html, "Concurrency").
 *
 * @since 0.1.0
 */
import type Database from "better-sqlite3"
import { Worker } from "node:worker_threads"
import { type WorkerEntry, workerEntry } from "../internal/WorkerEntry.js"
import { failedOutcome, makeGroupWriter, type Write, type WriteOutcome } from "./SqliteWrites.js"

/**
 * @category models
 */
export interface Writer {
  /** Commits `group` (one transaction) and calls `done` once, with one outcome per write, in order. */
  readonly write: (group: ReadonlyArray<Write>, done: (outcomes: ReadonlyArray<WriteOutcome>) => void) => void
  /** Resolves once every group handed over is answered and the writer's connection is closed. */
  readonly close: () => Promise<void>
}

/**
 * What the store sends the writer thread: a group to commit, or the order to close its connection
 * and end (sent only when no group is in flight).
 *
 * @category worker protocol
 */
export type ToWriter =
  | { readonly _tag: "Write"; readonly id: number; readonly group: ReadonlyArray<Write> }
  | { readonly _tag: "Close" }

/**
 * What the writer thread answers in one message: the outcomes of the groups it committed together.
 *
 * @category worker protocol
 */
export type FromWriter = ReadonlyArray<{ readonly id: number; readonly outcomes: ReadonlyArray<WriteOutcome> }>

/** @category worker protocol */
export interface WriterData {
  readonly path: string
}

/**
 * The writer for an in-memory database: the group is committed at once, on the caller's thread.
 *
 * @category constructors
 */
export const inProcess = (db: Database.Database): Writer => {
  const writeGroup = makeGroupWriter(db)
  return {
    write: (group, done) => done(writeGroup(group)),
    close: () => Promise.resolve()
  }
}

/**
 * The writer thread's module beside this one (`SqliteWriterWorker`), compiled or from its source.
 *
 * @category constructors
 */
export const defaultWriterEntry = (): WorkerEntry => workerEntry("./SqliteWriterWorker.js", "./SqliteWriterWorker.ts", import.meta.url)

/**
 * The writer for the database file at `path`, on a worker thread started by the first write. If the
 * thread dies, every group in flight fails (its writes' outcomes say why; none of them is known to
 * be committed) and the next write starts a new thread, so no caller waits on a thread that is gone.
 * `entry` is where the thread's module is; tests give one that crashes.
 *
 * @category constructors
 */
export const onThread = (path: string, entry: WorkerEntry = defaultWriterEntry()): Writer => {
  /** Groups sent and not yet answered, by id. */
  const inFlight = new Map<number, { readonly group: ReadonlyArray<Write>; readonly done: (outcomes: ReadonlyArray<WriteOutcome>) => void }>()
  let nextId = 0
  let worker: Worker | undefined
  /** `close` waiting for the groups in flight to be answered. */
  let whenIdle: Array<() => void> = []

  const answered = () => {
    if (inFlight.size > 0) return
    // Held open only while groups are in flight: an idle store does not keep the process alive.
    worker?.unref()
    const waiting = whenIdle
    whenIdle = []
    for (const resume of waiting) resume()
  }
  const lost = (gone: Worker, reason: string) => {
    if (worker !== gone) return
    worker = undefined
    const groups = [...inFlight.values()]
    inFlight.clear()
    for (const { group, done } of groups) done(group.map((write) => failedOutcome(write, reason)))
    answered()
  }
  const start = (): Worker => {
    // No `execArgv` of the parent's (a loader such as tsx's `--import`): the thread's modules need
    // none, and loading one would slow every start.
    const started = new Worker(entry.script, { eval: entry.eval, execArgv: [], workerData: { path } satisfies WriterData })
    started.unref()
    started.on("message", (answers: FromWriter) => {
      for (const { id, outcomes } of answers) {
        const sent = inFlight.get(id)
        if (sent === undefined) continue
        inFlight.delete(id)
        sent.done(outcomes)
      }
      answered()
    })
    started.on("error", (error) => lost(started, `the store's writer thread failed: ${error.message}`))
    started.on("exit", (code) => lost(started, `the store's writer thread exited with code ${code}`))
    return started
  }

  return {
    write: (group, done) => {
      let current: Worker
      try {
        current = worker ?? (worker = start())
      } catch (cause) {
        // Node refuses some entries at once rather than by an "error" event.
        done(group.map((write) => failedOutcome(write, cause)))
        return
      }
      const id = nextId++
      if (inFlight.size === 0) current.ref()
      inFlight.set(id, { group, done })
      current.postMessage({ _tag: "Write", id, group } satisfies ToWriter)
    },
    close: async () => {
      if (inFlight.size > 0) await new Promise<void>((resume) => whenIdle.push(resume))
      const running = worker
      if (running === undefined) return
      running.ref()
      const exited = new Promise<void>((resume) => running.once("exit", () => resume()))
      running.postMessage({ _tag: "Close" } satisfies ToWriter)
      await exited
    }
  }
}
