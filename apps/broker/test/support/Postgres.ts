/**
 * A real PostgreSQL server for the tests that need one, started from the PostgreSQL 15 server
 * binaries on a temporary directory and a free loopback port, and removed by `stop`.
 *
 * PostgreSQL refuses to run as root (the tests do), so when the process is root the server runs as
 * `nobody`, its directory handed to that user. Its unix socket goes in the same directory. A missing
 * binary fails the test, saying what to install: these tests never skip.
 */
import { spawnSync } from "node:child_process"
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import * as net from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import pg from "pg"

/** Where Debian's postgresql-15 package puts the server binaries; `SEALCAST_POSTGRES_BIN` overrides it. */
const BIN = process.env["SEALCAST_POSTGRES_BIN"] ?? "/usr/lib/postgresql/15/bin"

/** The account the server runs under when the tests run as root. */
const UNPRIVILEGED = "nobody"

export interface PostgresServer {
  /** The `postgres://` URL of the server's `postgres` database. */
  readonly url: string
  /**
   * A URL to a fresh, empty schema of its own (the session's `search_path` is that schema alone),
   * so each store a test opens starts empty without the cost of a database each.
   */
  readonly freshSchema: () => Promise<string>
  /**
   * Deletes every row of every table in the schema `url` names (from `freshSchema`) but those of
   * `keep`: a schema used before, made empty again, at a fraction of the cost of a new one.
   */
  readonly emptySchema: (url: string, keep: ReadonlyArray<string>) => Promise<void>
  /** Stops the server (fast shutdown: open connections are cut), keeping its data. */
  readonly halt: () => void
  /** Starts the server again on the same port and data. */
  readonly resume: () => void
  /** Stops the server and removes its directory. */
  readonly stop: () => void
}

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      server.close(() => (typeof address === "object" && address !== null ? resolve(address.port) : reject(new Error("no port"))))
    })
  })

const isRoot = process.getuid?.() === 0

/** Runs a server binary, as `nobody` when we are root; throws with its output when it fails. */
const run = (binary: string, args: ReadonlyArray<string>): void => {
  const path = join(BIN, binary)
  const [command, commandArgs] = isRoot ? ["runuser", ["-u", UNPRIVILEGED, "--", path, ...args]] : [path, [...args]]
  const result = spawnSync(command, commandArgs, { encoding: "utf8" })
  if (result.status !== 0) {
    throw new Error(`${binary} ${args.join(" ")} failed (${result.error?.message ?? `status ${result.status}`}):\n${result.stdout}${result.stderr}`)
  }
}

/**
 * Starts a server; call `stop` when done (an `afterAll`). `settings` (`-c name=value` pairs) are
 * passed after the tests' own, so they win: the benchmark turns `fsync` back on.
 */
export const startPostgres = async (settings: ReadonlyArray<string> = []): Promise<PostgresServer> => {
  for (const binary of ["initdb", "pg_ctl", "postgres"]) {
    if (!existsSync(join(BIN, binary))) {
      throw new Error(
        `PostgreSQL's ${binary} is not at ${join(BIN, binary)}: install the PostgreSQL 15 server ` +
          "(apt-get install postgresql-15), or set SEALCAST_POSTGRES_BIN to the directory holding initdb, pg_ctl and postgres"
      )
    }
  }
  const dir = mkdtempSync(join(tmpdir(), "sealcast-pg-"))
  if (isRoot) {
    const nobody = spawnSync("id", ["-u", UNPRIVILEGED], { encoding: "utf8" })
    const group = spawnSync("id", ["-g", UNPRIVILEGED], { encoding: "utf8" })
    chownSync(dir, Number(nobody.stdout.trim()), Number(group.stdout.trim()))
  }
  const data = join(dir, "data")
  const log = join(dir, "server.log")
  const port = await freePort()
  run("initdb", ["-D", data, "-U", "sealcast", "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync", "--no-instructions"])
  // fsync off: these are tests of the broker's logic, not of the disk; a crash of the test machine
  // loses nothing anyone keeps.
  const options = [`-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`, ...settings.map((s) => `-c ${s}`)].join(" ")
  let running = false
  const start = () => {
    try {
      run("pg_ctl", ["start", "-w", "-t", "60", "-D", data, "-l", log, "-o", options])
      running = true
    } catch (error) {
      const serverLog = existsSync(log) ? readFileSync(log, "utf8") : ""
      throw new Error(`${error instanceof Error ? error.message : String(error)}\nserver log:\n${serverLog}`)
    }
  }
  const halt = () => {
    run("pg_ctl", ["stop", "-w", "-m", "fast", "-D", data])
    running = false
  }
  start()
  const url = `postgres://sealcast@127.0.0.1:${port}/postgres`
  let schemas = 0
  const schemaOf = new Map<string, string>()
  /** The suite's own connection, for making and emptying schemas; a pool, so it outlives `halt`. */
  const admin = new pg.Pool({ connectionString: url, max: 1 })
  admin.on("error", () => undefined)
  return {
    url,
    freshSchema: async () => {
      const schema = `test_${schemas++}`
      await admin.query(`CREATE SCHEMA ${schema}`)
      const schemaUrl = `${url}?options=${encodeURIComponent(`-c search_path=${schema}`)}`
      schemaOf.set(schemaUrl, schema)
      return schemaUrl
    },
    emptySchema: async (url, keep) => {
      const schema = schemaOf.get(url)
      if (schema === undefined) throw new Error(`${url} is not a schema freshSchema made`)
      const { rows } = await admin.query<{ tablename: string }>(
        "SELECT tablename FROM pg_tables WHERE schemaname = $1 AND NOT (tablename = ANY($2))",
        [schema, keep]
      )
      for (const { tablename } of rows) await admin.query(`DELETE FROM ${schema}.${pg.escapeIdentifier(tablename)}`)
    },
    halt,
    resume: start,
    stop: () => {
      void admin.end()
      try {
        if (running) halt()
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    }
  }
}
