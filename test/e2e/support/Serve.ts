/**
 * `sealcast serve` as a child process, the way a user runs it: options on the command line, the
 * ready line read from standard output, logs from standard error (docs/CONTRACT.md, "The command line").
 */
import { type ChildProcess, spawn } from "node:child_process"
import { readFileSync } from "node:fs"
import * as net from "node:net"
import { join } from "node:path"
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
  /** The broker's name among those sharing a database (`--node-id`). */
  readonly nodeId: string
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

/**
 * Starts `sealcast serve <args>` and resolves once its ready line arrives (or rejects if it exits
 * first); `ids` run it as another user (the suite must be root to ask).
 */
export const serve = (
  args: ReadonlyArray<string>,
  timeoutMs = 30_000,
  ids: { readonly uid?: number; readonly gid?: number } = {}
): Promise<Served> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SEALCAST_BIN, "serve", ...args], { stdio: ["ignore", "pipe", "pipe"], ...ids })
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

/** How `sealcast serve` ended when it was expected not to start. */
export interface Refused {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

/**
 * Runs `sealcast serve <args>` expecting it to refuse to start: resolves with its exit and output,
 * or rejects if it printed a ready line (it is then killed) or did not exit within `timeoutMs`.
 * `uid`/`gid` run it as another user (the suite must be root to ask).
 */
export const serveRefused = (
  args: ReadonlyArray<string>,
  options: { readonly uid?: number; readonly gid?: number; readonly timeoutMs?: number } = {}
): Promise<Refused> =>
  new Promise((resolve, reject) => {
    const { timeoutMs = 30_000, ...ids } = options
    const child = spawn(process.execPath, [SEALCAST_BIN, "serve", ...args], { stdio: ["ignore", "pipe", "pipe"], ...ids })
    let out = ""
    let err = ""
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error(`sealcast serve did not exit within ${timeoutMs} ms; stderr:\n${err}`))
    }, timeoutMs)
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (err += chunk))
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      out += chunk
      if (!out.includes("\n")) return
      clearTimeout(timer)
      child.kill("SIGKILL")
      reject(new Error(`sealcast serve started, expected a refusal: ${out}`))
    })
    child.once("error", (error) => {
      clearTimeout(timer)
      reject(error)
    })
    // "close", not "exit": by then standard output and error are read to their end.
    child.once("close", (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout: out, stderr: err })
    })
  })

/** The `error` field of the one "cannot start" log line a refused start writes, failing if there is not exactly one. */
export const startupRefusal = (refused: Refused): string => {
  const lines = refused.stderr
    .split("\n")
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((entry) => entry["level"] === "error")
  if (lines.length !== 1 || lines[0]!["message"] !== "cannot start") {
    throw new Error(`expected one "cannot start" error line; stderr:\n${refused.stderr}`)
  }
  return String(lines[0]!["error"])
}

/**
 * The environment of a user who has only the contract's three settings for a broker serving
 * `dataDir`: no AWS_* of this machine's, and a HOME without ~/.aws, so nothing else can supply a
 * region, a key or a CA (docs/CONTRACT.md, "The endpoint").
 */
export const contractEnvironment = (dataDir: string): NodeJS.ProcessEnv => ({
  ...Object.fromEntries(Object.entries(process.env).filter(([name]) => name === "PATH" || name.startsWith("PYENV_") || name === "LANG")),
  HOME: dataDir,
  AWS_SHARED_CREDENTIALS_FILE: join(dataDir, "credentials"),
  AWS_PROFILE: "sealcast",
  AWS_CA_BUNDLE: join(dataDir, "tls", "ca.pem")
})
