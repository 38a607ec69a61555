/**
 * Worker processes that talk to the harness in JSON lines: the harness writes lines to the worker's
 * standard input, the worker answers with lines on its standard output. Load generators, the
 * latency probe and the backlog measurement each run in a process of their own, so they never share
 * an event loop (or a heap) with what they measure.
 */
import { spawn } from "node:child_process"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"

/** A running worker. */
export interface Worker {
  /** The worker's next line, parsed; fails if the worker exits first. */
  readonly next: <A>() => Promise<A>
  /** Sends one line. */
  readonly send: (message: unknown) => void
  /** Resolves with the exit code once the worker has ended. */
  readonly exited: Promise<number | null>
  readonly pid: number | undefined
  readonly kill: () => void
}

/**
 * Starts `script` (a file beside this one) under Node with the TypeScript loader, and any extra
 * Node flags (`--expose-gc`, `--cpu-prof`).
 */
export const startWorker = (script: string, nodeFlags: ReadonlyArray<string> = []): Worker => {
  const child = spawn(
    process.execPath,
    [...nodeFlags, "--import", "tsx", fileURLToPath(new URL(script, import.meta.url))],
    { stdio: ["pipe", "pipe", "inherit"] }
  )
  const lines: Array<string> = []
  const waiting: Array<{ readonly resolve: (line: string) => void; readonly reject: (e: Error) => void }> = []
  let ended = false
  createInterface({ input: child.stdout }).on("line", (line) => {
    const waiter = waiting.shift()
    if (waiter === undefined) lines.push(line)
    else waiter.resolve(line)
  })
  const exited = new Promise<number | null>((resolve) =>
    child.on("close", (code) => {
      ended = true
      for (const waiter of waiting.splice(0)) waiter.reject(new Error(`${script} exited with code ${code} before answering`))
      resolve(code)
    })
  )
  return {
    next: <A>() =>
      new Promise<string>((resolve, reject) => {
        const line = lines.shift()
        if (line !== undefined) resolve(line)
        else if (ended) reject(new Error(`${script} has exited`))
        else waiting.push({ resolve, reject })
      }).then((line) => JSON.parse(line) as A),
    send: (message) => {
      child.stdin.write(`${JSON.stringify(message)}\n`)
    },
    exited,
    pid: child.pid,
    kill: () => {
      child.kill()
    }
  }
}

/** Runs a worker for one job: sends it, waits for its one answer and its exit. */
export const runWorker = async <A>(script: string, job: unknown, nodeFlags: ReadonlyArray<string> = []): Promise<A> => {
  const worker = startWorker(script, nodeFlags)
  worker.send(job)
  const answer = await worker.next<A>()
  await worker.exited
  return answer
}

/**
 * The worker's side: a reader of the lines the harness sends; each call gives the next one, parsed
 * (the caller names the shape it expects, as with `Worker.next`).
 */
export const parentMessages = (): (<A>() => Promise<A>) => {
  const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]()
  return async <A>() => {
    const line = await lines.next()
    if (line.done === true) throw new Error("the harness closed the worker's input")
    return JSON.parse(line.value as string) as A
  }
}

/** The worker's side: one answer line to the harness. */
export const answer = (message: unknown): void => {
  process.stdout.write(`${JSON.stringify(message)}\n`)
}
