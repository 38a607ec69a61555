/**
 * The published packages, as a user installs them (docs/CONTRACT.md, "The package"): the tarballs
 * `npm run pack` makes are installed into empty projects, one with the broker, which then runs
 * `npx sealcast serve` and `import { startBroker } from "sealcast"`, and one with the conformance kit
 * alone, which runs `npx sealcast-conformance`, with nothing of the monorepo in reach. The install reads
 * the local npm cache first (`--prefer-offline`); better-sqlite3 builds its native addon there.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { createInterface } from "node:readline"
import { promisify } from "node:util"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

const run = promisify(execFile)
const repoRoot = resolve(import.meta.dirname, "../..")
const require = createRequire(import.meta.url)
const versionOf = (name: string): string => (require(`${name}/package.json`) as { version: string }).version

/**
 * The parent npm's `npm_*` settings (workspace, prefix, …) would steer the scratch project's npm, and
 * this runner's `VITEST*` variables the scratch project's vitest.
 */
const cleanEnv = (): NodeJS.ProcessEnv =>
  Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(npm_|VITEST)/i.test(key) && key !== "INIT_CWD"))

let scratch: string
let tarballs: string
let project: string

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), "sealcast-install-"))
  tarballs = join(scratch, "tarballs")
  await run(process.execPath, [join(repoRoot, "scripts/pack.mjs"), tarballs], { cwd: repoRoot })
}, 300_000)

const tarball = (name: string): string => join(tarballs, `${name}-0.1.0.tgz`)

/** An empty project with `packages` installed from the cache first (`--prefer-offline`). */
const installProject = async (name: string, packages: ReadonlyArray<string>): Promise<string> => {
  const dir = join(scratch, name)
  await run("mkdir", [dir])
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: `install-check-${name}`, private: true, type: "module" }, null, 2))
  await run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error", ...packages], {
    cwd: dir,
    env: cleanEnv(),
    maxBuffer: 16 * 1024 * 1024
  })
  return dir
}

afterAll(() => {
  if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true })
})

/** Resolves with the first line `child` prints on standard output. */
const firstLine = (child: ChildProcess): Promise<string> =>
  new Promise((resolveLine, reject) => {
    const lines = createInterface({ input: child.stdout! })
    lines.once("line", (line) => {
      lines.close()
      resolveLine(line)
    })
    child.once("exit", (code) => reject(new Error(`sealcast exited with ${code} before its ready line`)))
  })

/** Resolves with everything `child` wrote on standard error once every process holding its pipes is gone. */
const closed = (child: ChildProcess): Promise<string> => {
  let stderr = ""
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")))
  return new Promise((resolveText) => child.once("close", () => resolveText(stderr)))
}

describe("the repository itself", () => {
  it("gives `npx sealcast` from its root once built", async () => {
    const { stdout } = await run("npx", ["--no-install", "sealcast", "--help"], { cwd: repoRoot, env: cleanEnv() })
    expect(stdout).toContain("sealcast serve [options]")
  })
})

describe("the installed packages", () => {
  beforeAll(async () => {
    project = await installProject("project", [
      ...["sealcast-core", "sealcast-kms-sim", "sealcast-transport-http", "sealcast"].map(tarball),
      `@aws-sdk/client-sns@${versionOf("@aws-sdk/client-sns")}`,
      `@aws-sdk/client-kms@${versionOf("@aws-sdk/client-kms")}`,
      `vitest@${versionOf("vitest")}`
    ])
  }, 900_000)

  it("hold built JavaScript with declarations and no workspace links", () => {
    const manifest = JSON.parse(readFileSync(join(project, "node_modules/sealcast/package.json"), "utf8")) as {
      dependencies: Record<string, string>
    }
    for (const name of ["@sealcast/core", "@sealcast/kms-sim", "@sealcast/transport-http"]) {
      expect(manifest.dependencies[name]).toBe("0.1.0")
      expect(readFileSync(join(project, "node_modules", name, "dist/index.d.ts"), "utf8")).not.toBe("")
    }
    expect(readFileSync(join(project, "node_modules/sealcast/dist/index.d.ts"), "utf8")).toContain("startBroker")
  })

  it("give `npx sealcast serve`, which prints its ready line and stops on SIGTERM", async () => {
    const help = await run("npx", ["--no-install", "sealcast", "--help"], { cwd: project, env: cleanEnv() })
    expect(help.stdout).toContain("sealcast serve")
    const misspelt = await run("npx", ["--no-install", "sealcast", "serve", "--prot", "0"], { cwd: project, env: cleanEnv() }).then(
      () => ({ code: 0, stderr: "" }),
      (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr })
    )
    expect(misspelt).toEqual({
      code: 2,
      stderr: "sealcast: Unknown option --prot. Did you mean --port?\nRun `sealcast serve --help` for the options.\n"
    })

    // As a terminal's Ctrl-C or a process manager does, the signal goes to the whole process group:
    // npm itself then exits on the signal, and the broker under it stops gracefully.
    const child = spawn("npx", ["--no-install", "sealcast", "serve", "--port", "0", "--data-dir", ":memory:"], {
      cwd: project,
      env: cleanEnv(),
      detached: true,
      stdio: ["ignore", "pipe", "pipe"]
    })
    const stderr = closed(child)
    let caFile = ""
    try {
      const ready = JSON.parse(await firstLine(child)) as Record<string, unknown>
      expect(ready).toMatchObject({ event: "ready", region: "us-east-1", accountId: "000000000000", dataDir: ":memory:" })
      expect(ready["https"]).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
      caFile = String(ready["caFile"])
      expect(readFileSync(caFile, "utf8")).toMatch(/^-----BEGIN CERTIFICATE-----/)
    } finally {
      process.kill(-child.pid!, "SIGTERM")
    }
    expect(await stderr).toMatch(/"message":"stopping","signal":"SIGTERM"}\n.*"message":"stopped"}\n$/)
    expect(existsSync(caFile)).toBe(false)
  })

  it("give `import { startBroker } from \"sealcast\"`, which serves an encrypted topic to the SDK", async () => {
    writeFileSync(
      join(project, "embedded.mjs"),
      `import { startBroker } from "sealcast"
import { CreateKeyCommand, KMSClient } from "@aws-sdk/client-kms"
import { CreateTopicCommand, GetTopicAttributesCommand, PublishCommand, SNSClient } from "@aws-sdk/client-sns"
import { Agent } from "node:https"

const broker = await startBroker({ port: 0, dataDir: ":memory:", logLevel: "error" })
const config = {
  endpoint: broker.endpoint,
  region: broker.region,
  credentials: broker.credentials,
  requestHandler: { httpsAgent: new Agent({ ca: broker.caPem }) }
}
const kms = new KMSClient(config)
const sns = new SNSClient(config)
const { KeyMetadata } = await kms.send(new CreateKeyCommand({}))
const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: "orders", Attributes: { KmsMasterKeyId: KeyMetadata.KeyId } }))
const { Attributes } = await sns.send(new GetTopicAttributesCommand({ TopicArn }))
const { MessageId } = await sns.send(new PublishCommand({ TopicArn, Message: "hello" }))
kms.destroy()
sns.destroy()
await broker.stop()
console.log(JSON.stringify({ kmsMasterKeyId: Attributes.KmsMasterKeyId, keyId: KeyMetadata.KeyId, messageId: MessageId }))
`
    )
    const { stdout } = await run(process.execPath, ["embedded.mjs"], { cwd: project, env: cleanEnv() })
    const result = JSON.parse(stdout) as { kmsMasterKeyId: string; keyId: string; messageId: string }
    expect(result.kmsMasterKeyId).toBe(result.keyId)
    expect(result.messageId).toMatch(/^[0-9a-f-]{36}$/)
  })

  it("pass the README's vitest test of an encrypted topic, run through sealcast/testing", async () => {
    const readme = readFileSync(join(repoRoot, "apps/broker/README.md"), "utf8")
    const test = /A complete vitest test of an encrypted topic[^\n]*\n```ts\n([^`]*)```/.exec(readme)?.[1]
    expect(test).toBeDefined()
    writeFileSync(join(project, "orders.test.ts"), test!)
    const { stdout } = await run("npx", ["--no-install", "vitest", "run", "orders.test.ts"], { cwd: project, env: cleanEnv() })
    // Without colour codes, which come through when the parent's terminal asks for them.
    expect(stdout.replace(/\u001b\[[0-9;]*m/g, "")).toMatch(/Tests\s+1 passed \(1\)/)
  })
})

describe("the conformance kit, installed alone", () => {
  // The kit needs the core and the simulated KMS, not the broker: it reaches endpoints over the wire.
  let kitProject: string
  beforeAll(async () => {
    kitProject = await installProject("kit", ["sealcast-core", "sealcast-kms-sim", "sealcast-conformance"].map(tarball))
  }, 900_000)

  it("holds built JavaScript with declarations, depending on the core and the simulated KMS", () => {
    const kit = JSON.parse(readFileSync(join(kitProject, "node_modules/@sealcast/conformance/package.json"), "utf8")) as {
      dependencies: Record<string, string>
    }
    expect(kit.dependencies["@sealcast/core"]).toBe("0.1.0")
    expect(kit.dependencies["@sealcast/kms-sim"]).toBe("0.1.0")
    expect(kit.dependencies["sealcast"]).toBeUndefined()
    expect(readFileSync(join(kitProject, "node_modules/@sealcast/conformance/dist/index.d.ts"), "utf8")).toContain("runConformance")
  })

  it("gives `npx sealcast-conformance`, whose --help lists every group and whose --dry-run calls nothing", async () => {
    const help = await run("npx", ["--no-install", "sealcast-conformance", "--help"], { cwd: kitProject, env: cleanEnv() })
    expect(help.stdout).toMatch(/^Usage: sealcast-conformance --endpoint URL --region R/)
    expect(help.stdout).toContain("topics, kms, delivery, fifo, transport, sigv4, queues, queue-kms, fifo-queues")
    const dry = await run("npx", ["--no-install", "sealcast-conformance", "--endpoint", "https://127.0.0.1:1", "--region", "us-east-1", "--dry-run", "--only", "queues"], {
      cwd: kitProject,
      env: cleanEnv()
    })
    expect(dry.stdout).toContain("queues: up to 25 histories")
  })
})
