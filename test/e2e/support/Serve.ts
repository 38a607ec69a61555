/**
 * `sealcast serve` as a child process, the way a user runs it: options on the command line, the
 * ready line read from standard output, logs from standard error (docs/CONTRACT.md, "The command line").
 */
import { type ChildProcess, spawn } from "node:child_process"
import { readFileSync } from "node:fs"
import * as net from "node:net"
import { fileURLToPath } from "node:url"
import type { Target } from "./Clients.js"

/** The built command (`npx turbo run build` makes it). */
export const SEALCAST_BIN = fileURLToPath(new URL("../../../apps/broker/dist/bin/sealcast.js", import.meta.url))

/** The one JSON line `sealcast serve` prints when it takes requests. */
export interface Ready {
  readonly event: "ready"
  readonly https: string
  readonly http: string | null
  readonly region: string
  readonly accountId: string
  readonly accessKeyId: string
  readonly secretAccessKey: string
  readonly caFile: string | null
  readonly dataDir: string
}

export interface Served {
  readonly ready: Ready
  readonly target: Target
  readonly child: ChildProcess
  /** Everything written to standard error so far. */
  readonly stderr: () => string
  /** Everything written to standard output so far. */
  readonly stdout: () => string
  /** Sends `signal` and resolves when the process has exited. */
  readonly stop: (signal: NodeJS.Signals) => Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }>
}

/** Starts `sealcast serve <args>` and resolves once its ready line arrives (or rejects if it exits first). */
export const serve = (args: ReadonlyArray<string>, timeoutMs = 30_000): Promise<Served> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SEALCAST_BIN, "serve", ...args], { stdio: ["ignore", "pipe", "pipe"] })
    let out = ""
    let err = ""
    let settled = false
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
      child.once("exit", (code, signal) => done({ code, signal }))
    )
    const fail = (why: string) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      child.kill("SIGKILL")
      reject(new Error(`sealcast serve ${why}; stderr:\n${err}`))
    }
    const timer = setTimeout(() => fail(`printed no ready line within ${timeoutMs} ms`), timeoutMs)
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (err += chunk))
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      out += chunk
      const newline = out.indexOf("\n")
      if (settled || newline < 0) return
      settled = true
      clearTimeout(timer)
      const ready = JSON.parse(out.slice(0, newline)) as Ready
      if (ready.caFile === null) return reject(new Error("sealcast serve runs with a user certificate; expected its own CA"))
      resolve({
        ready,
        target: {
          endpoint: ready.https,
          region: ready.region,
          credentials: { accessKeyId: ready.accessKeyId, secretAccessKey: ready.secretAccessKey },
          caPem: readFileSync(ready.caFile, "utf8")
        },
        child,
        stderr: () => err,
        stdout: () => out,
        stop: (signal) => {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal)
          return exited
        }
      })
    })
    child.once("error", (error) => fail(`could not start: ${error.message}`))
    void exited.then(({ code, signal }) => fail(`exited (code ${code}, signal ${signal}) before it was ready`))
  })

/** A port that was free a moment ago, for a broker that must come back on the same port after a restart. */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port
      server.close(() => resolve(port))
    })
  })
