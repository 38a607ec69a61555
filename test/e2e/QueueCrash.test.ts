/**
 * docs/CONTRACT.md, "At rest", for queues (docs/SEMANTICS.md §8): `sealcast serve` runs on a temp data
 * dir and a fixed port while SDK producers send to an SSE-SQS queue and an unencrypted one and SDK
 * consumers receive and delete; the broker is killed with SIGKILL at varying moments and restarted at
 * once on the same data dir and port. In the end every MessageId a SendMessage got back has been
 * received at least once, with its body, and no message whose DeleteMessage was acknowledged was
 * received after that acknowledgement.
 */
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient
} from "@aws-sdk/client-sqs"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { eventually, sqsClient } from "./support/Clients.js"
import { seeded, sleep } from "./support/Schedule.js"
import { freePort, type Served, serve } from "./support/Serve.js"

const CYCLES = 6
/**
 * Each cycle starts a broker and waits up to 30 s for progress, so the test as a whole may take far
 * longer than the suite's default of 120 s on a loaded machine without anything being wrong.
 */
const CRASH_TEST_TIMEOUT_MS = 900_000
const PRODUCERS = 3
const CONSUMERS = 2
/** The kill moments come from this seed, so a failing schedule can be replayed. */
const SEED = 0x51c0a5e5
/**
 * Long enough that a consumer deletes with the latest receipt handle even on a loaded machine, so an
 * acknowledged delete is one that deletes (a delete with an older handle succeeds and deletes
 * nothing, SQS API Reference, DeleteMessage); short enough that what a kill left in flight comes back
 * within the drain.
 */
const VISIBILITY_SECONDS = 20

const dataDir = mkdtempSync(join(tmpdir(), "sealcast-queue-crash-"))
let broker: Served | undefined

afterAll(async () => {
  await broker?.stop("SIGKILL")
  rmSync(dataDir, { recursive: true, force: true })
})

interface Queue {
  readonly name: string
  readonly url: string
  /** MessageId → body, for every SendMessage the broker acknowledged. */
  readonly acknowledged: Map<string, string>
  /** MessageId → body, for every message a receive returned. */
  readonly received: Map<string, string>
  /** MessageIds whose DeleteMessage the broker acknowledged. */
  readonly deleted: Set<string>
  /** Messages received again after their DeleteMessage was acknowledged. */
  readonly resurrected: Array<string>
}

/** Sends in a loop until `running()` turns false; a failed call was not acknowledged and is not counted. */
const produce = async (sqs: SQSClient, producer: number, queues: ReadonlyArray<Queue>, running: () => boolean) => {
  for (let n = 0; running(); n++) {
    const queue = queues[n % queues.length]!
    const body = `producer ${producer} message ${n} to ${queue.name}`
    try {
      const { MessageId } = await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: body }))
      queue.acknowledged.set(MessageId!, body)
    } catch {
      await sleep(20)
    }
  }
}

/** Receives and deletes in a loop until `running()` turns false. */
const consume = async (sqs: SQSClient, queues: ReadonlyArray<Queue>, running: () => boolean) => {
  for (let n = 0; running(); n++) {
    const queue = queues[n % queues.length]!
    try {
      const { Messages } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queue.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: VISIBILITY_SECONDS })
      )
      for (const message of Messages ?? []) {
        if (queue.deleted.has(message.MessageId!)) queue.resurrected.push(message.MessageId!)
        queue.received.set(message.MessageId!, message.Body!)
      }
      for (const message of Messages ?? []) {
        await sqs.send(new DeleteMessageCommand({ QueueUrl: queue.url, ReceiptHandle: message.ReceiptHandle! }))
        queue.deleted.add(message.MessageId!)
      }
    } catch {
      await sleep(20)
    }
  }
}

describe("kill -9 and restart, with queues", () => {
  it(`every acknowledged SendMessage is received, and no acknowledged DeleteMessage undone, across ${CYCLES} kill -9 cycles`, async () => {
    const port = String(await freePort())
    const start = () => serve(["--port", port, "--data-dir", dataDir, "--log-level", "warn"])
    broker = await start()
    const target = broker.target

    const setup = sqsClient(target)
    const queues: Array<Queue> = []
    for (const [name, attributes] of [["crash-sse-sqs", {}], ["crash-plain", { SqsManagedSseEnabled: "false" }]] as const) {
      const { QueueUrl } = await setup.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }))
      queues.push({ name, url: QueueUrl!, acknowledged: new Map(), received: new Map(), deleted: new Set(), resurrected: [] })
    }
    setup.destroy()

    let producing = true
    let consuming = true
    const producers = Array.from({ length: PRODUCERS }, () => sqsClient(target))
    const consumers = Array.from({ length: CONSUMERS }, () => sqsClient(target))
    const sending = Promise.all(producers.map((sqs, i) => produce(sqs, i, queues, () => producing)))
    const receiving = Promise.all(consumers.map((sqs) => consume(sqs, queues, () => consuming)))

    const random = seeded(SEED)
    const progress = () => queues.reduce((sum, q) => sum + q.acknowledged.size + q.deleted.size, 0)
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      // Each kill lands while sends and deletes are under way: after the restarted broker
      // acknowledged something, at a varying moment.
      const before = progress()
      await eventually(`a send or delete acknowledged in cycle ${cycle}`, () => progress() > before, 30_000)
      await sleep(Math.floor(random() * 500))
      const { signal } = await broker.stop("SIGKILL")
      expect(signal).toBe("SIGKILL")
      broker = await start()
    }
    const afterLastRestart = progress()
    await eventually("a send or delete acknowledged after the last restart", () => progress() > afterLastRestart, 30_000)
    producing = false
    await sending
    for (const client of producers) client.destroy()

    for (const queue of queues) {
      expect(queue.acknowledged.size, queue.name).toBeGreaterThan(CYCLES)
      // What a kill left in flight comes back when its visibility timeout ends.
      await eventually(
        `every acknowledged message on ${queue.name} received`,
        () => [...queue.acknowledged.keys()].every((id) => queue.received.has(id)),
        (VISIBILITY_SECONDS + 60) * 1000
      ).catch((error: unknown) => {
        const missing = [...queue.acknowledged.keys()].filter((id) => !queue.received.has(id))
        throw new Error(`${String(error)}; ${missing.length} of ${queue.acknowledged.size} never received (seed ${SEED}): ${missing.slice(0, 5).join(", ")}`)
      })
    }
    consuming = false
    await receiving
    for (const client of consumers) client.destroy()

    for (const queue of queues) {
      for (const [id, body] of queue.acknowledged) expect(queue.received.get(id), id).toBe(body)
      expect(queue.deleted.size, queue.name).toBeGreaterThan(0)
      expect(queue.resurrected, `${queue.name}: received after an acknowledged DeleteMessage`).toEqual([])
    }

    expect(await broker.stop("SIGTERM")).toEqual({ code: 0, signal: null })
  }, CRASH_TEST_TIMEOUT_MS)
})
