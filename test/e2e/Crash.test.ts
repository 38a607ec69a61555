/**
 * docs/CONTRACT.md, "At rest": whatever was acknowledged survives `kill -9`. `sealcast serve` runs on a
 * temp data dir and a fixed port while several SDK publishers write to an encrypted and an
 * unencrypted topic; the broker is killed with SIGKILL at varying moments and restarted at once on
 * the same data dir and port. In the end every MessageId a publisher got back has reached the
 * topic's subscriber at least once, with its body.
 */
import { CreateKeyCommand } from "@aws-sdk/client-kms"
import { CreateTopicCommand, PublishCommand, type SNSClient } from "@aws-sdk/client-sns"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { eventually, kmsClient, snsClient, subscribeConfirmed } from "./support/Clients.js"
import { seeded, sleep } from "./support/Schedule.js"
import { freePort, type Served, serve } from "./support/Serve.js"
import { startSubscriber, type Subscriber } from "./support/Subscriber.js"

const CYCLES = 10
/**
 * Each cycle starts a broker and waits up to 30 s for progress, so the test as a whole may take far
 * longer than the suite's default of 120 s on a loaded machine without anything being wrong.
 */
const CRASH_TEST_TIMEOUT_MS = 900_000
const PUBLISHERS = 4
/** The kill moments come from this seed, so a failing schedule can be replayed. */
const SEED = 0x5ea1ca57

const dataDir = mkdtempSync(join(tmpdir(), "sealcast-crash-"))
let broker: Served | undefined
const subscribers: Array<Subscriber> = []

afterAll(async () => {
  await broker?.stop("SIGKILL")
  await Promise.all(subscribers.map((s) => s.close()))
  rmSync(dataDir, { recursive: true, force: true })
})

interface Topic {
  readonly name: string
  readonly arn: string
  readonly subscriber: Subscriber
  /** MessageId → body, for every Publish the broker acknowledged. */
  readonly acknowledged: Map<string, string>
}

/**
 * Publishes in a loop until `running()` turns false. A failed call (the broker is down or was killed
 * mid-request) was not acknowledged and is simply not counted.
 */
const publishLoop = async (sns: SNSClient, publisher: number, topics: ReadonlyArray<Topic>, running: () => boolean) => {
  for (let n = 0; running(); n++) {
    const topic = topics[n % topics.length]!
    const body = `publisher ${publisher} message ${n} to ${topic.name}`
    try {
      const { MessageId } = await sns.send(new PublishCommand({ TopicArn: topic.arn, Message: body }))
      topic.acknowledged.set(MessageId!, body)
    } catch {
      await sleep(20)
    }
  }
}

describe("kill -9 and restart", () => {
  it(`every acknowledged Publish is delivered at least once across ${CYCLES} kill -9 cycles`, async () => {
    const port = String(await freePort())
    const start = () => serve(["--port", port, "--data-dir", dataDir, "--log-level", "warn"])
    broker = await start()
    const target = broker.target

    const kms = kmsClient(target)
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({}))
    kms.destroy()
    const setup = snsClient(target)
    const topics: Array<Topic> = []
    for (const [name, attributes] of [["crash-sealed", { KmsMasterKeyId: KeyMetadata!.Arn! }], ["crash-plain", {}]] as const) {
      const { TopicArn } = await setup.send(new CreateTopicCommand({ Name: name, Attributes: attributes }))
      const subscriber = await startSubscriber({ caPem: target.caPem })
      subscribers.push(subscriber)
      await subscribeConfirmed(setup, { TopicArn, Protocol: "http", Endpoint: subscriber.url })
      topics.push({ name, arn: TopicArn!, subscriber, acknowledged: new Map() })
    }
    setup.destroy()

    let running = true
    const clients = Array.from({ length: PUBLISHERS }, () => snsClient(target))
    const publishing = Promise.all(clients.map((sns, i) => publishLoop(sns, i, topics, () => running)))

    const random = seeded(SEED)
    const acknowledgedCount = () => topics.reduce((sum, t) => sum + t.acknowledged.size, 0)
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      // Each kill lands while publishing is under way: after the restarted broker acknowledged
      // something, at a varying moment.
      const before = acknowledgedCount()
      await eventually(`a publish acknowledged in cycle ${cycle}`, () => acknowledgedCount() > before, 30_000)
      await sleep(Math.floor(random() * 500))
      const { signal } = await broker.stop("SIGKILL")
      expect(signal).toBe("SIGKILL")
      broker = await start()
    }
    const afterLastRestart = acknowledgedCount()
    await eventually("a publish acknowledged after the last restart", () => acknowledgedCount() > afterLastRestart, 30_000)
    running = false
    await publishing
    for (const client of clients) client.destroy()

    for (const topic of topics) {
      expect(topic.acknowledged.size, topic.name).toBeGreaterThan(CYCLES)
      const delivered = () => new Map(topic.subscriber.notifications().map((n) => [String(n["MessageId"]), String(n["Message"])]))
      await eventually(
        `delivery of every acknowledged message on ${topic.name}`,
        () => {
          const got = delivered()
          return [...topic.acknowledged.keys()].every((id) => got.has(id))
        },
        60_000
      ).catch((error: unknown) => {
        const got = delivered()
        const missing = [...topic.acknowledged.keys()].filter((id) => !got.has(id))
        throw new Error(`${String(error)}; ${missing.length} of ${topic.acknowledged.size} never arrived (seed ${SEED}): ${missing.slice(0, 5).join(", ")}`)
      })
      const got = delivered()
      for (const [id, body] of topic.acknowledged) expect(got.get(id), id).toBe(body)
    }

    expect(await broker.stop("SIGTERM")).toEqual({ code: 0, signal: null })
  }, CRASH_TEST_TIMEOUT_MS)
})
