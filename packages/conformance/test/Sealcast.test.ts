/**
 * The kit against Sealcast itself, over HTTPS with its CA and its plain-HTTP listener: every group
 * runs, SNS's, KMS's and SQS's, and no history diverges. Sized for CI (a few thousand steps in all).
 */
import { runConformance } from "../src/index.js"
import { text } from "../src/Report.js"
import { type RunningBroker, startBroker } from "sealcast"
import { afterAll, beforeAll, expect, it } from "vitest"

let broker: RunningBroker

beforeAll(async () => {
  broker = await startBroker({ port: 0, httpPort: 0, dataDir: ":memory:", logLevel: "error" })
})
afterAll(async () => {
  await broker.stop()
})

it("finds no divergence in Sealcast, with every capability detected", async () => {
  const report = await runConformance({
    endpoint: broker.endpoint,
    httpEndpoint: broker.httpEndpoint,
    region: broker.region,
    credentials: broker.credentials,
    ca: broker.caPem,
    runs: 25,
    deliveryWaitMs: 5000
  })
  expect(report.capabilities).toEqual({ kms: true, sigv4: true, https: true, plainHttp: true, delivery: true, sqs: true })
  expect(report.capabilityLines).toEqual([])
  expect(report.groups.map((g) => [g.name, g.skipped])).toEqual([
    ["topics", undefined],
    ["kms", undefined],
    ["delivery", undefined],
    ["fifo", undefined],
    ["transport", undefined],
    ["sigv4", undefined],
    ["queues", undefined],
    ["queue-kms", undefined],
    ["fifo-queues", undefined]
  ])
  expect(report.failed, text(report)).toBe(0)
  expect(report.passed).toBe(25 * 9)
  expect(report.cleanupFailures).toBe(0)
  expect(text(report).split("\n").at(-1)).toBe("225 passed, 0 failed")
})
