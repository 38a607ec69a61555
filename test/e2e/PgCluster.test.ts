/**
 * Two brokers on one PostgreSQL database serve as one endpoint (docs/ARCHITECTURE.md, "A cluster"):
 * what one acknowledged, the other's next request sees (topics, subscriptions, keys, aliases,
 * queues); an SQS message is in flight with one receiver at a time whichever broker received it,
 * a receipt handle from one broker works on the other, a long poll on one wakes on a send through
 * the other, and FIFO numbering and deduplication hold across them, for queues and for topics, and
 * so does a FIFO topic's delivery order: each group in sequence-number order, each message once.
 */
import { CreateAliasCommand, CreateKeyCommand, DecryptCommand, EncryptCommand } from "@aws-sdk/client-kms"
import { CreateTopicCommand, DeleteTopicCommand, ListTopicsCommand, PublishCommand, SNSServiceException, SubscribeCommand } from "@aws-sdk/client-sns"
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  SQSServiceException
} from "@aws-sdk/client-sqs"
import { randomBytes } from "node:crypto"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type RunningBroker, startBroker } from "sealcast"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startPostgres } from "../../apps/broker/test/support/Postgres.js"
import { eventually, kmsClient, receiveCount, snsClient, sqsClient, subscribeQueue, type Target, targetOf } from "./support/Clients.js"

const postgres = await startPostgres()
const root = mkdtempSync(join(tmpdir(), "sealcast-pg-cluster-"))
const rootKeyFile = join(root, "root-key")
writeFileSync(rootKeyFile, randomBytes(32).toString("base64"))
let brokers: ReadonlyArray<RunningBroker> = []
let a: Target
let b: Target

beforeAll(async () => {
  const databaseUrl = await postgres.freshSchema()
  const start = (name: string) =>
    startBroker({
      port: 0,
      dataDir: join(root, name),
      databaseUrl,
      rootKeyFile,
      accessKeyId: "AKIACLUSTEREXAMPLE01",
      secretAccessKey: "cluster-example-secret",
      logLevel: "warn"
    })
  // One after the other: the first migrates the fresh schema.
  const first = await start("a")
  const second = await start("b")
  brokers = [first, second]
  a = targetOf(first)
  b = targetOf(second)
}, 60_000)

afterAll(async () => {
  await Promise.all(brokers.map((broker) => broker.stop()))
  postgres.stop()
  rmSync(root, { recursive: true, force: true })
})

describe("two brokers on one database", () => {
  it("a topic, key, alias or queue acknowledged by one broker is there for the other's next request", async () => {
    const [snsA, snsB] = [snsClient(a), snsClient(b)]
    const [kmsA, kmsB] = [kmsClient(a), kmsClient(b)]
    const [sqsA, sqsB] = [sqsClient(a), sqsClient(b)]
    try {
      const { TopicArn } = await snsA.send(new CreateTopicCommand({ Name: "seen-everywhere" }))
      expect((await snsB.send(new ListTopicsCommand({}))).Topics?.map((t) => t.TopicArn)).toContain(TopicArn)
      await snsB.send(new PublishCommand({ TopicArn, Message: "through the other broker" }))
      await snsB.send(new DeleteTopicCommand({ TopicArn }))
      const refused = await snsA.send(new PublishCommand({ TopicArn, Message: "to a deleted topic" })).catch((e: unknown) => e)
      expect(refused).toBeInstanceOf(SNSServiceException)
      expect((refused as SNSServiceException).name).toBe("NotFoundException")

      const { KeyMetadata } = await kmsA.send(new CreateKeyCommand({}))
      await kmsA.send(new CreateAliasCommand({ AliasName: "alias/cluster-wide", TargetKeyId: KeyMetadata!.KeyId! }))
      const sealed = await kmsB.send(new EncryptCommand({ KeyId: "alias/cluster-wide", Plaintext: Buffer.from("secret") }))
      const opened = await kmsA.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob! }))
      expect(Buffer.from(opened.Plaintext!).toString()).toBe("secret")
      // An encrypted topic made through one broker, published to through the other, under a key of the first.
      const { TopicArn: sealedTopic } = await snsA.send(new CreateTopicCommand({ Name: "sealed-everywhere", Attributes: { KmsMasterKeyId: "alias/cluster-wide" } }))
      await snsB.send(new PublishCommand({ TopicArn: sealedTopic, Message: "sealed through the other broker" }))

      const { QueueUrl } = await sqsA.send(new CreateQueueCommand({ QueueName: "seen-everywhere" }))
      expect((await sqsB.send(new GetQueueUrlCommand({ QueueName: "seen-everywhere" }))).QueueUrl?.endsWith("/seen-everywhere")).toBe(true)
      expect(QueueUrl).toBeDefined()
    } finally {
      for (const client of [snsA, snsB, kmsA, kmsB, sqsA, sqsB]) client.destroy()
    }
  })

  it("an SQS message is in flight with one receiver at a time, and either broker takes the other's receipt handle", async () => {
    const [sqsA, sqsB] = [sqsClient(a), sqsClient(b)]
    try {
      const { QueueUrl } = await sqsA.send(new CreateQueueCommand({ QueueName: "one-receiver", Attributes: { VisibilityTimeout: "60" } }))
      const sent = 40
      for (let i = 0; i < sent; i++) await (i % 2 === 0 ? sqsA : sqsB).send(new SendMessageCommand({ QueueUrl, MessageBody: `m${i}` }))
      // Both brokers receive at once, eight receives each in parallel, until the queue is drained.
      const received: Array<{ readonly body: string; readonly handle: string; readonly by: "a" | "b" }> = []
      const drain = async (client: typeof sqsA, by: "a" | "b") => {
        for (let empty = 0; empty < 2;) {
          const { Messages } = await client.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 3 }))
          if (Messages === undefined || Messages.length === 0) empty++
          for (const m of Messages ?? []) received.push({ body: m.Body!, handle: m.ReceiptHandle!, by })
        }
      }
      await Promise.all([...Array.from({ length: 8 }, () => drain(sqsA, "a")), ...Array.from({ length: 8 }, () => drain(sqsB, "b"))])
      expect(received.map((r) => r.body).sort()).toEqual(Array.from({ length: sent }, (_, i) => `m${i}`).sort())
      expect(new Set(received.map((r) => r.by)).size).toBe(2)

      // A handle from one broker, used on the other.
      const fromA = received.find((r) => r.by === "a")!
      const fromB = received.find((r) => r.by === "b")!
      await sqsB.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: fromA.handle }))
      await sqsA.send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: fromB.handle, VisibilityTimeout: 0 }))
      const { Messages } = await sqsA.send(new ReceiveMessageCommand({ QueueUrl }))
      expect(Messages?.map((m) => m.Body)).toEqual([fromB.body])
    } finally {
      sqsA.destroy()
      sqsB.destroy()
    }
  })

  it("a long poll on one broker wakes on a send through the other", async () => {
    const [sqsA, sqsB] = [sqsClient(a), sqsClient(b)]
    try {
      const { QueueUrl } = await sqsA.send(new CreateQueueCommand({ QueueName: "long-poll" }))
      const startedAt = Date.now()
      const polling = sqsB.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 20 }))
      // The poll is waiting when the send is made (a poll that has not begun finds the message anyway).
      await new Promise((resolve) => setTimeout(resolve, 500))
      await sqsA.send(new SendMessageCommand({ QueueUrl, MessageBody: "wake up" }))
      const { Messages } = await polling
      expect(Messages?.map((m) => m.Body)).toEqual(["wake up"])
      // Well before the poll's 20 s: woken by the send, not by its deadline.
      expect(Date.now() - startedAt).toBeLessThan(10_000)
    } finally {
      sqsA.destroy()
      sqsB.destroy()
    }
  })

  it("FIFO sequence numbers rise and deduplication holds across brokers, and a group's order is kept", async () => {
    const [sqsA, sqsB] = [sqsClient(a), sqsClient(b)]
    try {
      const { QueueUrl } = await sqsA.send(new CreateQueueCommand({ QueueName: "ordered.fifo", Attributes: { FifoQueue: "true" } }))
      const sequence: Array<bigint> = []
      for (let i = 0; i < 10; i++) {
        const answer = await (i % 2 === 0 ? sqsA : sqsB).send(
          new SendMessageCommand({ QueueUrl, MessageBody: `g${i}`, MessageGroupId: "g", MessageDeduplicationId: `d${i}` })
        )
        sequence.push(BigInt(answer.SequenceNumber!))
      }
      for (let i = 1; i < sequence.length; i++) expect(sequence[i]! > sequence[i - 1]!).toBe(true)
      const first = await sqsA.send(new SendMessageCommand({ QueueUrl, MessageBody: "twice", MessageGroupId: "g", MessageDeduplicationId: "same" }))
      const again = await sqsB.send(new SendMessageCommand({ QueueUrl, MessageBody: "twice", MessageGroupId: "g", MessageDeduplicationId: "same" }))
      expect(again.MessageId).toBe(first.MessageId)

      const bodies: Array<string> = []
      for (let turn = 0; bodies.length < 11 && turn < 40; turn++) {
        const client = turn % 2 === 0 ? sqsB : sqsA
        const { Messages } = await client.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 2 }))
        for (const m of Messages ?? []) {
          bodies.push(m.Body!)
          await (turn % 2 === 0 ? sqsA : sqsB).send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle! }))
        }
      }
      expect(bodies).toEqual([...Array.from({ length: 10 }, (_, i) => `g${i}`), "twice"])
    } finally {
      sqsA.destroy()
      sqsB.destroy()
    }
  })

  it("an SNS FIFO topic published to through both brokers numbers its messages in one rising sequence and delivers a deduplicated message once", async () => {
    const [snsA, snsB] = [snsClient(a), snsClient(b)]
    const sqsA = sqsClient(a)
    try {
      const { TopicArn } = await snsA.send(new CreateTopicCommand({ Name: "ledger.fifo", Attributes: { FifoTopic: "true" } }))
      const { QueueUrl } = await sqsA.send(new CreateQueueCommand({ QueueName: "ledger-copy.fifo", Attributes: { FifoQueue: "true" } }))
      const { Attributes } = await sqsA.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["QueueArn"] }))
      const QueueArn = Attributes!["QueueArn"]!
      const Policy = JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: "sns.amazonaws.com" }, Action: "sqs:SendMessage", Resource: QueueArn, Condition: { ArnEquals: { "aws:SourceArn": TopicArn } } }]
      })
      await sqsA.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { Policy } }))
      await snsA.send(new SubscribeCommand({ TopicArn, Protocol: "sqs", Endpoint: QueueArn, Attributes: { RawMessageDelivery: "true" } }))
      const publish = (through: typeof snsA, body: string, group: string, deduplicationId: string) =>
        through.send(new PublishCommand({ TopicArn, Message: body, MessageGroupId: group, MessageDeduplicationId: deduplicationId }))

      // One after the other, alternating brokers: each broker's number follows the other's.
      const sequence: Array<bigint> = []
      for (let i = 0; i < 10; i++) sequence.push(BigInt((await publish(i % 2 === 0 ? snsA : snsB, `s${i}`, "s", `s${i}`)).SequenceNumber!))
      for (let i = 1; i < sequence.length; i++) expect(sequence[i]! > sequence[i - 1]!).toBe(true)

      // At once through both: every message gets a number of its own, after all of the above.
      const together = await Promise.all(
        Array.from({ length: 20 }, (_, i) => publish(i % 2 === 0 ? snsA : snsB, `t${i}`, `t${i % 4}`, `t${i}`))
      )
      const numbers = together.map((answer) => BigInt(answer.SequenceNumber!))
      expect(new Set(numbers).size).toBe(20)
      for (const n of numbers) expect(n > sequence[sequence.length - 1]!).toBe(true)

      const first = await publish(snsA, "twice", "s", "same")
      const again = await publish(snsB, "twice", "s", "same")
      expect(again.MessageId).toBe(first.MessageId)
      expect(again.SequenceNumber).toBe(first.SequenceNumber)

      const bodies: Array<string> = []
      await eventually("the topic's 31 messages in the queue", async () => {
        const { Messages } = await sqsA.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }))
        for (const m of Messages ?? []) {
          bodies.push(m.Body!)
          await sqsA.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle! }))
        }
        return bodies.length >= 31
      }, 30_000)
      expect([...bodies].sort()).toEqual(
        [...Array.from({ length: 10 }, (_, i) => `s${i}`), ...Array.from({ length: 20 }, (_, i) => `t${i}`), "twice"].sort()
      )
    } finally {
      for (const client of [snsA, snsB, sqsA]) client.destroy()
    }
  }, 60_000)

  it("a FIFO topic published to alternately through both brokers delivers each group in order, each message once", async () => {
    const [snsA, snsB] = [snsClient(a), snsClient(b)]
    const [sqsA, sqsB] = [sqsClient(a), sqsClient(b)]
    try {
      const { TopicArn } = await snsA.send(new CreateTopicCommand({ Name: "lanes.fifo", Attributes: { FifoTopic: "true" } }))
      // A FIFO topic delivers only to SQS queues (docs/SEMANTICS.md §9). The FIFO queue keeps each
      // group in the order it was written, so its receive order is the delivery order. It drops a
      // second copy of a message by its deduplication id, so a standard queue beside it, which keeps
      // every copy, shows whether any message was delivered twice.
      const ordered = await subscribeQueue(snsA, sqsA, TopicArn!, "lanes.fifo")
      const copies = await subscribeQueue(snsB, sqsB, TopicArn!, "lanes-copies")
      const groups = 3
      const perGroup = 24
      // The groups are published side by side; each group's messages one after another, alternately
      // through a and b, so each broker accepts every other message of every group.
      const sequences = await Promise.all(
        Array.from({ length: groups }, async (_, group) => {
          const numbers: Array<bigint> = []
          for (let i = 0; i < perGroup; i++) {
            const answer = await (i % 2 === 0 ? snsA : snsB).send(
              new PublishCommand({ TopicArn, Message: `${group}:${i}`, MessageGroupId: `g${group}`, MessageDeduplicationId: `${group}-${i}` })
            )
            numbers.push(BigInt(answer.SequenceNumber!))
          }
          return numbers
        })
      )
      // Publish order within a group is sequence-number order.
      for (const numbers of sequences) for (let i = 1; i < numbers.length; i++) expect(numbers[i]! > numbers[i - 1]!).toBe(true)

      const notifications = (await receiveCount(sqsA, ordered.url, groups * perGroup)).map((m) => JSON.parse(m.Body!) as Record<string, unknown>)
      for (let group = 0; group < groups; group++) {
        const arrivals = notifications.filter((n) => String(n["Message"]).startsWith(`${group}:`))
        expect(arrivals.map((n) => n["Message"]), `group ${group}`).toEqual(Array.from({ length: perGroup }, (_, i) => `${group}:${i}`))
      }
      // Each once: no broker delivered a message another was delivering.
      const copied = await receiveCount(sqsB, copies.url, groups * perGroup)
      const ids = copied.map((m) => (JSON.parse(m.Body!) as Record<string, unknown>)["MessageId"])
      expect(ids.length).toBe(groups * perGroup)
      expect(new Set(ids).size).toBe(ids.length)
    } finally {
      for (const client of [snsA, snsB, sqsA, sqsB]) client.destroy()
    }
  }, 90_000)

  it("both brokers serve again by themselves once the database is back, after requests of every kind failed while it was away", async () => {
    const [snsA, snsB] = [snsClient(a), snsClient(b)]
    const [sqsA, sqsB] = [sqsClient(a), sqsClient(b)]
    const [kmsA, kmsB] = [kmsClient(a), kmsClient(b)]
    try {
      const { TopicArn } = await snsA.send(new CreateTopicCommand({ Name: "outage" }))
      const { QueueUrl } = await sqsA.send(new CreateQueueCommand({ QueueName: "outage" }))
      const { KeyMetadata } = await kmsA.send(new CreateKeyCommand({}))
      const everything = () => [
        snsA.send(new PublishCommand({ TopicArn, Message: "m" })),
        snsB.send(new PublishCommand({ TopicArn, Message: "m" })),
        sqsA.send(new SendMessageCommand({ QueueUrl, MessageBody: "m" })),
        sqsB.send(new SendMessageCommand({ QueueUrl, MessageBody: "m" })),
        sqsA.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 })),
        sqsB.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 })),
        kmsA.send(new EncryptCommand({ KeyId: KeyMetadata!.KeyId!, Plaintext: Buffer.from("x") })),
        kmsB.send(new CreateKeyCommand({}))
      ]
      postgres.halt()
      let during: ReadonlyArray<PromiseSettledResult<unknown>>
      try {
        during = await Promise.allSettled(everything())
      } finally {
        postgres.resume()
      }
      expect(during.every((r) => r.status === "rejected")).toBe(true)
      await eventually("every kind of request answered again on both brokers", async () =>
        (await Promise.allSettled(everything())).every((r) => r.status === "fulfilled"), 30_000)
    } finally {
      for (const client of [snsA, snsB, sqsA, sqsB, kmsA, kmsB]) client.destroy()
    }
  }, 60_000)

  it("a queue deleted through one broker is gone for the other", async () => {
    const [sqsA, sqsB] = [sqsClient(a), sqsClient(b)]
    try {
      const { QueueUrl } = await sqsA.send(new CreateQueueCommand({ QueueName: "short-lived" }))
      await sqsB.send(new SendMessageCommand({ QueueUrl, MessageBody: "soon gone" }))
      await sqsB.send(new DeleteQueueCommand({ QueueUrl }))
      const refused = await sqsA.send(new SendMessageCommand({ QueueUrl, MessageBody: "too late" })).catch((e: unknown) => e)
      expect(refused).toBeInstanceOf(SQSServiceException)
      expect((refused as SQSServiceException).name).toBe("QueueDoesNotExist")
    } finally {
      sqsA.destroy()
      sqsB.destroy()
    }
  })
})
