/**
 * A cluster under failure (docs/ARCHITECTURE.md, "A cluster"): three `sealcast serve` processes on
 * one PostgreSQL database, publishers and SQS consumers spread over them, one broker killed with
 * `kill -9` and started again at random moments, ten times, and PostgreSQL itself stopped for a few
 * seconds once. Afterwards: every acknowledged Publish reached its subscriber (an HTTP endpoint for
 * the standard topic, an SQS FIFO queue for the FIFO topic) and every acknowledged SendMessage was
 * received, at least once; each FIFO group, of a queue and of a topic, was received in the order it
 * was sent, though its messages went through any of the brokers; and no SQS message was handed to a
 * second receiver while a first one held it.
 *
 * Random choices come from a seed printed at the start, so a failing run can be replayed
 * (`SEALCAST_CHAOS_SEED`).
 */
import { CreateTopicCommand, PublishCommand } from "@aws-sdk/client-sns"
import { CreateQueueCommand, DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs"
import { randomBytes } from "node:crypto"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { startPostgres } from "../../apps/broker/test/support/Postgres.js"
import { eventually, snsClient, sqsClient, subscribeConfirmed, subscribeQueue } from "./support/Clients.js"
import { seeded, sleep } from "./support/Schedule.js"
import { type Served, serve } from "./support/Serve.js"
import { startSubscriber, type Subscriber } from "./support/Subscriber.js"

const BROKERS = 3
const KILLS = 10
const GROUPS = 4
/** Short, so messages whose receiver died come back within the test's time. */
const VISIBILITY_TIMEOUT_S = 10

const postgres = await startPostgres()
const root = mkdtempSync(join(tmpdir(), "sealcast-pg-chaos-"))
const rootKeyFile = join(root, "root-key")
writeFileSync(rootKeyFile, randomBytes(32).toString("base64"))
let subscriber: Subscriber | undefined

/** Brokers by slot; undefined while a slot's broker is down. */
const slots: Array<{ readonly served: Served; readonly sns: ReturnType<typeof snsClient>; readonly sqs: SQSClient } | undefined> = []

afterAll(async () => {
  await Promise.all(slots.map((slot) => slot?.served.stop("SIGKILL")))
  await subscriber?.close()
  postgres.stop()
  rmSync(root, { recursive: true, force: true })
})

/** A request a dying broker never answers is given up, as a client would, so its worker goes on. */
const patience = () => ({ abortSignal: AbortSignal.timeout(20_000) })

/** One SQS receipt as a consumer saw it: between `sentAt` and `answeredAt` the broker made it. */
interface Receipt {
  readonly messageId: string
  readonly body: string
  readonly sentAt: number
  readonly answeredAt: number
}

describe("three brokers on one database, one killed again and again, the database stopped once", () => {
  it("loses no acknowledged message, keeps each FIFO group's order, and never hands a message to two receivers at once", async () => {
    const seed = Number(process.env["SEALCAST_CHAOS_SEED"] ?? Date.now() % 2 ** 31)
    console.info(`chaos seed ${seed}`)
    const random = seeded(seed)
    const databaseUrl = await postgres.freshSchema()

    const start = async (slot: number) => {
      const served = await serve([
        "--port", "0", "--data-dir", join(root, `broker-${slot}`), "--database-url", databaseUrl, "--root-key-file", rootKeyFile,
        "--node-id", `broker-${slot}`, "--access-key-id", "AKIACHAOSEXAMPLE0001", "--secret-access-key", "chaos-example-secret",
        "--log-level", "warn"
      ], 90_000)
      slots[slot] = { served, sns: snsClient(served.target), sqs: sqsClient(served.target) }
    }
    const kill = async (slot: number) => {
      const up = slots[slot]
      slots[slot] = undefined
      if (up === undefined) return
      await up.served.stop("SIGKILL")
      up.sns.destroy()
      up.sqs.destroy()
    }
    /** Any broker that is up; the callers' requests may still meet it dying. */
    const anyBroker = () => {
      const up = slots.filter((slot) => slot !== undefined)
      return up[Math.floor(random() * up.length)]!
    }

    // The first broker migrates; the others start once it has.
    await start(0)
    for (let slot = 1; slot < BROKERS; slot++) await start(slot)

    const first = slots[0]!
    const { TopicArn } = await first.sns.send(new CreateTopicCommand({ Name: "chaos" }))
    const fifoTopicArn = (await first.sns.send(new CreateTopicCommand({ Name: "chaos.fifo", Attributes: { FifoTopic: "true" } }))).TopicArn!
    subscriber = await startSubscriber({ caPem: first.served.target.caPem })
    const retryAlways = { healthyRetryPolicy: { numRetries: 100, numNoDelayRetries: 3, minDelayTarget: 1, maxDelayTarget: 2 } }
    await subscribeConfirmed(first.sns, {
      TopicArn, Protocol: "http", Endpoint: subscriber.url, Attributes: { DeliveryPolicy: JSON.stringify(retryAlways) }
    })
    const attributes = { VisibilityTimeout: String(VISIBILITY_TIMEOUT_S) }
    // A FIFO topic delivers only to SQS queues (docs/SEMANTICS.md §9): its groups are read from a FIFO
    // queue, whose receive order per group is the order the topic delivered in. SQS subscriptions are
    // retried for as long as the test runs (100,000 retries, docs/SEMANTICS.md §9).
    const topicQueueUrl = (await subscribeQueue(first.sns, first.sqs, fifoTopicArn, "chaos-topic.fifo", {
      subscriptionAttributes: { RawMessageDelivery: "true" },
      queueAttributes: attributes
    })).url
    const standardUrl = (await first.sqs.send(new CreateQueueCommand({ QueueName: "chaos", Attributes: attributes }))).QueueUrl!
    const fifoUrl = (await first.sqs.send(new CreateQueueCommand({ QueueName: "chaos.fifo", Attributes: { ...attributes, FifoQueue: "true" } }))).QueueUrl!

    let producing = true
    let consuming = true
    const published = new Set<string>()
    const sent = new Set<string>()
    const fifoSent = Array.from({ length: GROUPS }, () => 0)
    const fifoPublished = Array.from({ length: GROUPS }, () => 0)
    const receipts: Array<Receipt> = []
    const received = new Set<string>()
    /** Per FIFO group, the indices in the order they were received. */
    const groupOrder = Array.from({ length: GROUPS }, (): Array<number> => [])
    /** Per FIFO group of the topic, the indices in the order they were received from its queue. */
    const topicArrivals = Array.from({ length: GROUPS }, (): Array<number> => [])

    const publisher = async (name: string) => {
      for (let n = 0; producing; n++) {
        const answer = await anyBroker().sns.send(new PublishCommand({ TopicArn, Message: `${name}-${n}` }), patience()).catch(() => undefined)
        if (answer?.MessageId !== undefined) published.add(answer.MessageId)
      }
    }
    const sender = async () => {
      for (let n = 0; producing; n++) {
        const body = `standard-${n}`
        const answer = await anyBroker().sqs.send(new SendMessageCommand({ QueueUrl: standardUrl, MessageBody: body }), patience()).catch(() => undefined)
        if (answer?.MessageId !== undefined) sent.add(body)
      }
    }
    // Each group's messages are sent one after another; a send whose answer is lost is sent again
    // with the same deduplication id until it is acknowledged, so each group's order is defined.
    const fifoSender = async () => {
      while (producing) {
        for (let group = 0; group < GROUPS && producing; group++) {
          const index = fifoSent[group]!
          const answer = await anyBroker().sqs.send(new SendMessageCommand({
            QueueUrl: fifoUrl, MessageBody: `${group}:${index}`, MessageGroupId: `g${group}`, MessageDeduplicationId: `${group}-${index}`
          }), patience()).catch(() => undefined)
          if (answer?.MessageId !== undefined) fifoSent[group] = index + 1
        }
      }
    }
    // The same for a FIFO topic: each message through whichever broker the draw gives.
    const fifoPublisher = async () => {
      while (producing) {
        for (let group = 0; group < GROUPS && producing; group++) {
          const index = fifoPublished[group]!
          const answer = await anyBroker().sns.send(new PublishCommand({
            TopicArn: fifoTopicArn, Message: `${group}:${index}`, MessageGroupId: `g${group}`, MessageDeduplicationId: `${group}-${index}`
          }), patience()).catch(() => undefined)
          if (answer?.MessageId !== undefined) fifoPublished[group] = index + 1
        }
      }
    }
    // A consumer deletes a batch's messages in order and stops at the first delete that fails, so a
    // FIFO group's later message is never deleted while an earlier one may come back.
    const consumer = async (queueUrl: string) => {
      while (consuming) {
        const broker = anyBroker()
        const sentAt = Date.now()
        const answer = await broker.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 5, WaitTimeSeconds: 1 }), patience()).catch(() => undefined)
        if (answer === undefined) {
          await sleep(100)
          continue
        }
        const answeredAt = Date.now()
        for (const m of answer.Messages ?? []) {
          receipts.push({ messageId: m.MessageId!, body: m.Body!, sentAt, answeredAt })
          const [group, index] = m.Body!.split(":").map(Number)
          if (queueUrl === topicQueueUrl) topicArrivals[group!]!.push(index!)
          else received.add(m.Body!)
          if (queueUrl === fifoUrl) groupOrder[group!]!.push(index!)
        }
        for (const m of answer.Messages ?? []) {
          const deleted = await anyBroker().sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle! }), patience()).then(() => true, () => false)
          if (!deleted) break
        }
      }
    }

    const workers = [
      publisher("p1"), publisher("p2"), sender(), fifoSender(), fifoPublisher(),
      consumer(standardUrl), consumer(standardUrl), consumer(fifoUrl), consumer(fifoUrl), consumer(topicQueueUrl), consumer(topicQueueUrl)
    ]

    // A killed broker starts again in the background (a start takes seconds on a loaded machine)
    // while the next kill comes; at least one broker is always up.
    const restarts = new Map<number, Promise<void>>()
    let acknowledgedAtOutage = 0
    for (let cycle = 0; cycle < KILLS; cycle++) {
      await sleep(1000 + random() * 2000)
      if (cycle === Math.floor(KILLS / 2)) {
        // Every broker up, then the database goes away for a few seconds.
        await Promise.all(restarts.values())
        postgres.halt()
        await sleep(3000)
        postgres.resume()
        acknowledgedAtOutage = published.size + sent.size
      }
      const up = slots.flatMap((slot, i) => (slot === undefined ? [] : [i]))
      if (up.length < 2) await Promise.race(restarts.values())
      const candidates = slots.flatMap((slot, i) => (slot === undefined ? [] : [i]))
      const slot = candidates[Math.floor(random() * candidates.length)]!
      await kill(slot)
      console.info(`cycle ${cycle}: broker ${slot} killed; published ${published.size}, sent ${sent.size}, received ${received.size}`)
      await sleep(200 + random() * 800)
      restarts.set(slot, start(slot).finally(() => restarts.delete(slot)))
    }
    await Promise.all(restarts.values())
    producing = false
    await sleep(1000)

    // Every acknowledged message arrives: deliveries leased to killed brokers are taken over once
    // their leases run out, and messages received by a consumer that never deleted them come back.
    const fifoBodies = fifoSent.flatMap((count, group) => Array.from({ length: count }, (_, index) => `${group}:${index}`))
    await eventually("every acknowledged SendMessage received", () => [...sent, ...fifoBodies].every((body) => received.has(body)), 90_000)
    await eventually("every acknowledged Publish delivered", () => {
      const delivered = new Set(subscriber!.notifications().map((n) => n["MessageId"]))
      return [...published].every((id) => delivered.has(id))
    }, 90_000)
    /**
     * Per FIFO group of the topic, the indices acknowledged, in the order they first arrived. A publish
     * whose answer was lost as producing stopped may be stored, and delivered, unacknowledged.
     */
    const topicGroupOrder = () => topicArrivals.map((arrivals, group) => [...new Set(arrivals)].filter((index) => index < fifoPublished[group]!))
    await eventually("every acknowledged FIFO Publish delivered", () => topicGroupOrder().every((order, group) => order.length === fifoPublished[group]), 90_000)
    consuming = false
    await Promise.all(workers)

    // The brokers that lived through the outage, and those started after it, went on serving.
    expect(published.size + sent.size).toBeGreaterThan(acknowledgedAtOutage + 20)
    expect(published.size).toBeGreaterThan(20)
    expect(sent.size).toBeGreaterThan(20)
    expect(fifoBodies.length).toBeGreaterThan(20)
    expect(fifoPublished.reduce((x, y) => x + y)).toBeGreaterThan(20)
    // FIFO: each group's messages are first received in the order they were sent (a batch whose
    // receiver died comes again, from its first message, after its visibility timeout). A send whose
    // answer was lost as producing stopped may be stored unacknowledged, after the group's last one.
    groupOrder.forEach((order, group) => {
      const acknowledged = [...new Set(order)].filter((index) => index < fifoSent[group]!)
      expect(acknowledged, `group ${group}: ${order.join(",")}`).toEqual(Array.from({ length: fifoSent[group]! }, (_, i) => i))
    })
    // The topic's groups likewise, by first arrival from its queue (an attempt cut off by a kill is
    // made again by another broker once its lease runs out, before the group's next message).
    topicGroupOrder().forEach((order, group) => {
      expect(order, `topic group ${group}`).toEqual(Array.from({ length: fifoPublished[group]! }, (_, i) => i))
    })
    // One receiver at a time: a message received again was received so late that the first receipt's
    // visibility timeout had surely run out (the broker made it no earlier than its request was sent).
    const byMessage = new Map<string, Array<Receipt>>()
    for (const r of receipts) byMessage.set(r.messageId, [...(byMessage.get(r.messageId) ?? []), r])
    for (const [messageId, list] of byMessage) {
      const sorted = [...list].sort((a, b) => a.sentAt - b.sentAt)
      for (let i = 1; i < sorted.length; i++) {
        const overlapsBy = sorted[i - 1]!.sentAt + VISIBILITY_TIMEOUT_S * 1000 - sorted[i]!.answeredAt
        expect(overlapsBy, `message ${messageId} received again while in flight`).toBeLessThanOrEqual(0)
      }
    }
  }, 300_000)
})
