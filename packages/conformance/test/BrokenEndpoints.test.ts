/**
 * The kit against endpoints broken on purpose (test/support/BreakingProxy.ts): each break is found,
 * and shrunk to a short history that names it.
 */
import { runConformance, type SavedHistory } from "../src/index.js"
import { mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type RunningBroker, startBroker } from "sealcast"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type Break, startBreakingProxy } from "./support/BreakingProxy.js"

let broker: RunningBroker

beforeAll(async () => {
  broker = await startBroker({ port: 0, dataDir: ":memory:", logLevel: "error" })
})
afterAll(async () => {
  await broker.stop()
})

const historyDir = mkdtempSync(join(tmpdir(), "sealcast-conformance-"))

const against = async (broken: Break, group: string, replay?: SavedHistory) => {
  const proxy = await startBreakingProxy(
    { endpoint: broker.endpoint, region: broker.region, credentials: broker.credentials, caPem: broker.caPem ?? "" },
    broken
  )
  try {
    return await runConformance({
      endpoint: proxy.endpoint,
      region: broker.region,
      credentials: broker.credentials,
      only: [group],
      runs: 60,
      seed: 42,
      divergencesPerGroup: 1,
      deliveryWaitMs: 3000,
      historyDir,
      replay
    })
  } finally {
    await proxy.close()
  }
}

describe("a broken endpoint is found and shrunk", () => {
  it("KmsMasterKeyId dropped from CreateTopic and SetTopicAttributes: the attribute's echo is missing", async () => {
    const report = await against("dropKmsMasterKeyId", "topics")
    const [found] = report.groups[0]!.divergences
    expect(found?.call).toBe("GetTopicAttributes")
    expect(found?.expected).toMatch(/^KmsMasterKeyId "/)
    expect(found?.actual).toBe("KmsMasterKeyId absent")
    expect(found?.steps.length).toBeLessThanOrEqual(2)
    expect(report.failed).toBe(1)
  })

  it("Publish answered 200 under a disabled key: KMSDisabled expected", async () => {
    const report = await against("publishDespiteDisabledKey", "kms")
    const [found] = report.groups[0]!.divergences
    expect(found?.call).toBe("Publish")
    expect(found?.expected).toBe("error KMSDisabled")
    expect(found?.actual).toBe("success")
    expect(found?.steps.length).toBeLessThanOrEqual(4)
    expect(found?.doc).toMatch(/Encryption at rest/)
    // The saved history replays to the same divergence.
    const saved = JSON.parse(readFileSync(found!.historyFile!, "utf8")) as SavedHistory
    expect(saved.steps).toEqual(found?.history.steps)
    const again = await against("publishDespiteDisabledKey", "kms", saved)
    expect(again.groups[0]!.histories).toBe(1)
    expect(again.groups[0]!.divergences[0]?.expected).toBe("error KMSDisabled")
  })

  it("a spoiled signature signed again and accepted: the spoiled Publish must be refused", async () => {
    const report = await against("acceptSpoiledSignature", "sigv4")
    expect(report.capabilities.sigv4).toBe(true)
    const [found] = report.groups[0]!.divergences
    expect(found?.call).toMatch(/^Publish \((signature|date|region|service) spoiled\)$/)
    expect(found?.actual).toMatch(/accepted/)
    expect(found?.steps.length).toBeLessThanOrEqual(2)
  })

  it("a FIFO group's deliveries reordered in the queue the topic delivers to: the group's publish order expected", async () => {
    const report = await against("reorderFifo", "fifo")
    const [found] = report.groups[0]!.divergences
    expect(found?.call).toMatch(/^ReceiveMessage from .*\.fifo$/)
    expect(found?.actual).toMatch(/^group g[01]'s messages /)
    expect(found?.steps.length).toBeLessThanOrEqual(6)
  })

  it("an HTTP subscription to a FIFO topic accepted: its refusal expected, citing FIFO topics' delivery", async () => {
    const report = await against("acceptHttpOnFifo", "fifo")
    const [found] = report.groups[0]!.divergences
    expect(found?.call).toBe("Subscribe")
    expect(found?.expected).toBe("error InvalidParameter")
    expect(found?.actual).toBe("success")
    expect(found?.doc).toMatch(/Message delivery for FIFO topics/)
    expect(found?.steps.length).toBeLessThanOrEqual(2)
  })

  it("KmsMasterKeyId dropped from CreateQueue and SetQueueAttributes: the queue's key is missing when read back", async () => {
    const report = await against("dropQueueKmsMasterKeyId", "queue-kms")
    expect(report.capabilities.sqs).toBe(true)
    const [found] = report.groups[0]!.divergences
    expect(found?.call).toBe("GetQueueAttributes")
    expect(found?.expected).toMatch(/^KmsMasterKeyId "/)
    expect(found?.actual).toBe("KmsMasterKeyId absent")
    expect(found?.steps.length).toBeLessThanOrEqual(3)
    // Its calls are numbered, with the endpoint's answers.
    expect(found?.calls.map((c) => c.n)).toEqual(found?.calls.map((_, i) => i + 1))
  })

  it("a message handed to two receivers: the second receive returns a message in flight", async () => {
    const report = await against("receiveTwice", "queues")
    const [found] = report.groups[0]!.divergences
    expect(found?.call).toBe("ReceiveMessage")
    expect(found?.actual).toMatch(/not receivable/)
    expect(found?.steps.length).toBeLessThanOrEqual(4)
    const saved = JSON.parse(readFileSync(found!.historyFile!, "utf8")) as SavedHistory
    const again = await against("receiveTwice", "queues", saved)
    expect(again.groups[0]!.divergences[0]?.actual).toMatch(/not receivable/)
  })
})
