/**
 * The `sealcast-conformance` command: `--dry-run` calls nothing and lists the run; against a broker
 * the last line counts, and the exit status is 0 with no divergence; bad options exit 2.
 */
import { ListTopicsCommand, SNSClient } from "@aws-sdk/client-sns"
import { execFile, spawn } from "node:child_process"
import { Agent } from "node:https"
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { type RunningBroker, startBroker } from "sealcast"
import { afterAll, beforeAll, expect, it } from "vitest"

const bin = fileURLToPath(new URL("../bin/sealcast-conformance.js", import.meta.url))

const run = (args: ReadonlyArray<string>): Promise<{ code: number; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : 1, stdout, stderr })
    })
  })

let broker: RunningBroker

beforeAll(async () => {
  broker = await startBroker({ port: 0, dataDir: ":memory:", logLevel: "error" })
})
afterAll(async () => {
  await broker.stop()
})

it("--dry-run lists the probe and a history per group, and calls nothing", async () => {
  const { code, stdout } = await run(["--endpoint", "https://127.0.0.1:1", "--region", "us-east-1", "--dry-run", "--only", "kms,fifo", "--seed", "7"])
  expect(code).toBe(0)
  expect(stdout).toMatch(/^probe: CreateTopic/m)
  expect(stdout).toMatch(/^kms: up to 25 histories/m)
  expect(stdout).toMatch(/^fifo: up to 25 histories/m)
  expect(stdout).not.toMatch(/^topics:/m)
  expect(stdout).toMatch(/ScheduleKeyDeletion \(7 days\)/)
})

it("runs against an endpoint, prints N passed, M failed last and exits 0, writing JUnit", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sealcast-conformance-cli-"))
  const ca = join(dir, "ca.pem")
  writeFileSync(ca, broker.caPem ?? "")
  const junit = join(dir, "report.xml")
  const { code, stdout } = await run([
    "--endpoint", broker.endpoint, "--region", broker.region,
    "--access-key-id", broker.credentials.accessKeyId, "--secret-access-key", broker.credentials.secretAccessKey,
    "--ca", ca, "--only", "topics,transport", "--runs", "3", "--junit", junit
  ])
  expect(stdout.trim().split("\n").at(-1)).toBe("3 passed, 0 failed")
  expect(stdout).toMatch(/^transport: skipped, no plain-HTTP endpoint was given/m)
  expect(code).toBe(0)
  expect(readFileSync(junit, "utf8")).toMatch(/<testcase name="transport" classname="sealcast-conformance"><skipped/)
})

it("refuses bad options with status 2", async () => {
  const { code, stderr } = await run(["--region", "us-east-1"])
  expect(code).toBe(2)
  expect(stderr).toMatch(/--endpoint is required/)
})

it("on SIGINT deletes what the run created and exits 130", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sealcast-conformance-int-"))
  const ca = join(dir, "ca.pem")
  writeFileSync(ca, broker.caPem ?? "")
  const sns = new SNSClient({
    endpoint: broker.endpoint,
    region: broker.region,
    credentials: broker.credentials,
    requestHandler: { httpsAgent: new Agent({ ca: broker.caPem ?? "" }) }
  })
  const topics = async () => ((await sns.send(new ListTopicsCommand({}))).Topics ?? []).map((t) => t.TopicArn ?? "").filter((arn) => /:sc[0-9a-f]{6}-h/.test(arn))
  const child = spawn(process.execPath, [
    bin, "--endpoint", broker.endpoint, "--region", broker.region,
    "--access-key-id", broker.credentials.accessKeyId, "--secret-access-key", broker.credentials.secretAccessKey,
    "--ca", ca, "--only", "delivery", "--runs", "10000"
  ], { stdio: "ignore" })
  let exitCode: number | null | undefined
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve((exitCode = code))))
  // Interrupted while a history holds topics of its own. Between two histories the run holds none,
  // so the topics are counted again once the child is stopped (SIGSTOP): stopped, it sends no
  // deletion, and the SIGINT sent then is handled once it continues.
  for (;;) {
    expect(exitCode).toBeUndefined()
    if ((await topics()).length > 0) {
      child.kill("SIGSTOP")
      if ((await topics()).length > 0) break
      child.kill("SIGCONT")
    }
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  child.kill("SIGINT")
  child.kill("SIGCONT")
  expect(await exited).toBe(130)
  const left = await topics()
  expect(left).toEqual([])
  sns.destroy()
})
