/**
 * The kit against Sealcast itself, over HTTPS with its CA and its plain-HTTP listener, delivering to
 * the kit's HTTP and HTTPS receivers: every group
 * runs, SNS's, KMS's, SQS's and SNS → SQS fanout, and no history diverges. Sized for CI (a few thousand steps in all).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { runConformance } from "../src/index.js"
import { text } from "../src/Report.js"
import { type RunningBroker, startBroker } from "sealcast"
import { afterAll, beforeAll, expect, it } from "vitest"

let broker: RunningBroker
// A data dir, not `:memory:`: its local CA (tls/ca.pem, ca-key.pem) issues the kit's HTTPS receiver
// certificate, which the broker's deliveries trust.
const dataDir = mkdtempSync(join(tmpdir(), "sealcast-conformance-broker-"))

beforeAll(async () => {
  broker = await startBroker({ port: 0, httpPort: 0, dataDir, logLevel: "error" })
})
afterAll(async () => {
  await broker.stop()
  rmSync(dataDir, { recursive: true, force: true })
})

it("finds no divergence in Sealcast, with every capability detected", async () => {
  const report = await runConformance({
    endpoint: broker.endpoint,
    httpEndpoint: broker.httpEndpoint,
    region: broker.region,
    credentials: broker.credentials,
    ca: broker.caPem,
    receiverCa: { certPem: readFileSync(join(dataDir, "tls/ca.pem"), "utf8"), keyPem: readFileSync(join(dataDir, "tls/ca-key.pem"), "utf8") },
    runs: 25,
    // Only the bound on a delivery that does not come: one that comes ends the wait at once.
    deliveryWaitMs: 15_000
  })
  expect(report.capabilities).toEqual({ kms: true, sigv4: true, https: true, plainHttp: true, delivery: true, httpsDelivery: true, sqs: true, snsToSqs: true })
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
    ["fifo-queues", undefined],
    ["fanout", undefined]
  ])
  expect(report.failed, text(report)).toBe(0)
  expect(report.passed).toBe(25 * 10)
  expect(report.cleanupFailures).toBe(0)
  expect(text(report).split("\n").at(-1)).toBe("250 passed, 0 failed")
  // Ten groups of 25 histories on a loaded 2-core machine: about two minutes, so a bound above it.
}, 360_000)
