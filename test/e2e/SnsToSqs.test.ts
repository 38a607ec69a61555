/**
 * SNS → SQS with the unmodified AWS SDK v3 (client-sns, client-sqs, client-kms) against a `sealcast
 * serve` child process (docs/SEMANTICS.md §8): AWS's "fan out to SQS queues" tutorial with SSE on both
 * sides, then each refusal AWS makes, as the broker's log and metrics report it, and its cure picked
 * up by the retries; raw delivery, FIFO into FIFO, a cross-account subscription confirmed by the
 * queue's owner, and a subscription dead-letter queue.
 */
import { CreateKeyCommand, type KMSClient, PutKeyPolicyCommand } from "@aws-sdk/client-kms"
import {
  ConfirmSubscriptionCommand,
  CreateTopicCommand,
  GetSubscriptionAttributesCommand,
  PublishCommand,
  type SNSClient,
  SubscribeCommand
} from "@aws-sdk/client-sns"
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  type Message,
  SetQueueAttributesCommand,
  type SQSClient
} from "@aws-sdk/client-sqs"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { eventually, kmsClient, receiveCount, sendSigned, snsClient, sqsClient } from "./support/Clients.js"
import { type Served, serve } from "./support/Serve.js"

const ACCOUNT = "000000000000"
const OTHER_ACCOUNT = "111111111111"
const dataDir = mkdtempSync(join(tmpdir(), "sealcast-fanout-"))
const credentialsFile = join(dataDir, "other-account.ini")
writeFileSync(credentialsFile, ["[AKIAOTHER0000000000]", "secret_access_key = other/secret", `account_id = ${OTHER_ACCOUNT}`, ""].join("\n"), { mode: 0o600 })

let broker: Served
let sns: SNSClient
let sqs: SQSClient
let kms: KMSClient
let otherSns: SNSClient
let otherSqs: SQSClient

beforeAll(async () => {
  broker = await serve(["--port", "0", "--data-dir", dataDir, "--log-level", "warn", "--credentials", credentialsFile])
  sns = snsClient(broker.target)
  sqs = sqsClient(broker.target)
  kms = kmsClient(broker.target)
  const other = { ...broker.target, credentials: { accessKeyId: "AKIAOTHER0000000000", secretAccessKey: "other/secret" } }
  otherSns = snsClient(other)
  otherSqs = sqsClient(other)
})

afterAll(async () => {
  for (const client of [sns, sqs, kms, otherSns, otherSqs]) client.destroy()
  await broker.stop("SIGKILL")
  rmSync(dataDir, { recursive: true, force: true })
})

const topic = async (Name: string, Attributes: Record<string, string> = {}) => (await sns.send(new CreateTopicCommand({ Name, Attributes }))).TopicArn!

const queue = async (QueueName: string, Attributes: Record<string, string> = {}, client = sqs) => {
  const QueueUrl = (await client.send(new CreateQueueCommand({ QueueName, Attributes }))).QueueUrl!
  const arn = (await client.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["QueueArn"] }))).Attributes!["QueueArn"]!
  return { url: QueueUrl, arn }
}

/** The queue policy of AWS's tutorial (SNS Developer Guide, "Subscribing an Amazon SQS queue to an Amazon SNS topic", step 2). */
const queuePolicy = (queueArn: string, topicArn: string, accountId = ACCOUNT) =>
  JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "topic-to-queue",
        Effect: "Allow",
        Principal: { Service: "sns.amazonaws.com" },
        Action: "sqs:SendMessage",
        Resource: queueArn,
        Condition: { ArnLike: { "aws:SourceArn": topicArn }, StringEquals: { "aws:SourceAccount": accountId } }
      }
    ]
  })

/** A customer managed key whose policy lets the account manage it and, with `sns`, SNS use it (SQS Developer Guide, "Key management"). */
const keyPolicy = (sns: boolean) =>
  JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      { Sid: "account", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kms:*", Resource: "*" },
      ...(sns ? [{ Sid: "sns", Effect: "Allow", Principal: { Service: "sns.amazonaws.com" }, Action: ["kms:GenerateDataKey*", "kms:Decrypt"], Resource: "*" }] : [])
    ]
  })

const newKey = async (snsMayUse: boolean) => (await kms.send(new CreateKeyCommand({ Policy: keyPolicy(snsMayUse) }))).KeyMetadata!

const receive = (url: string, count: number, client = sqs): Promise<Array<Message>> => receiveCount(client, url, count)

/** The broker's log lines (JSON on standard error) about refused SQS deliveries. */
const refusalReasons = (): Array<string> =>
  broker
    .stderr()
    .split("\n")
    .filter((line) => line.includes("the queue refused a delivery"))
    .map((line) => String((JSON.parse(line) as Record<string, unknown>)["reason"]))

const metrics = async () => (await sendSigned(broker.target, { method: "GET", path: "/_sealcast/metrics", service: "sns" })).body

describe("AWS's fan-out tutorial, with SSE on both sides", () => {
  it("an encrypted topic fans out into two encrypted queues whose key and queue policies allow SNS", async () => {
    const key = await newKey(true)
    const topicArn = await topic("tutorial", { KmsMasterKeyId: key.KeyId! })
    const queues = [await queue("tutorial-a", { KmsMasterKeyId: key.Arn! }), await queue("tutorial-b", { KmsMasterKeyId: key.KeyId! })]
    for (const q of queues) await sqs.send(new SetQueueAttributesCommand({ QueueUrl: q.url, Attributes: { Policy: queuePolicy(q.arn, topicArn) } }))
    const notified = (await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: "sqs", Endpoint: queues[0]!.arn, ReturnSubscriptionArn: true }))).SubscriptionArn!
    await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: "sqs", Endpoint: queues[1]!.arn, Attributes: { RawMessageDelivery: "true" } }))
    // Same account: confirmed at once.
    expect((await sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: notified }))).Attributes!["PendingConfirmation"]).toBe("false")

    const { MessageId } = await sns.send(
      new PublishCommand({ TopicArn: topicArn, Subject: "order", Message: "order 42 shipped", MessageAttributes: { store: { DataType: "String", StringValue: "north" } } })
    )
    const [wrapped] = await receive(queues[0]!.url, 1)
    const document = JSON.parse(wrapped!.Body!) as Record<string, unknown>
    expect(Object.keys(document)).toEqual([
      "Type", "MessageId", "TopicArn", "Subject", "Message", "Timestamp", "SignatureVersion", "Signature", "SigningCertURL", "UnsubscribeURL", "MessageAttributes"
    ])
    expect(document).toMatchObject({ Type: "Notification", MessageId, TopicArn: topicArn, Subject: "order", Message: "order 42 shipped" })
    expect(document["MessageAttributes"]).toEqual({ store: { Type: "String", Value: "north" } })
    // Raw delivery: the message as published, its attributes as SQS message attributes.
    const [raw] = await receive(queues[1]!.url, 1)
    expect(raw!.Body).toBe("order 42 shipped")
    expect(raw!.MessageAttributes).toEqual({ store: { DataType: "String", StringValue: "north" } })
  })
})

describe("what AWS refuses, refused and reported the same way", () => {
  it("a queue key whose policy lacks sns.amazonaws.com: refused and logged; fixing the key policy lets the retries deliver", async () => {
    const key = await newKey(false)
    const topicArn = await topic("refused-by-key")
    const q = await queue("refused-by-key", { KmsMasterKeyId: key.KeyId! })
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl: q.url, Attributes: { Policy: queuePolicy(q.arn, topicArn) } }))
    await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: "sqs", Endpoint: q.arn, Attributes: { RawMessageDelivery: "true" } }))
    await sns.send(new PublishCommand({ TopicArn: topicArn, Message: "held back by the key" }))
    await eventually("the refusal logged", () => refusalReasons().some((r) => r.includes(q.arn)))
    expect(refusalReasons().find((r) => r.includes(q.arn))).toContain(
      `queue ${q.arn}'s KMS key ${key.KeyId} does not let sns.amazonaws.com use it (kms:GenerateDataKey*, kms:Decrypt)`
    )
    expect(await metrics()).toContain(`sealcast_sns_sqs_deliveries_refused_total{topic_arn="${topicArn}",queue_arn="${q.arn}",reason="kms_key"}`)
    await kms.send(new PutKeyPolicyCommand({ KeyId: key.KeyId!, Policy: keyPolicy(true) }))
    const [delivered] = await receive(q.url, 1)
    expect(delivered!.Body).toBe("held back by the key")
  })

  it("a queue policy that does not allow the topic: refused and logged; fixing the policy lets the retries deliver", async () => {
    const topicArn = await topic("refused-by-policy")
    const q = await queue("refused-by-policy")
    await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: "sqs", Endpoint: q.arn, Attributes: { RawMessageDelivery: "true" } }))
    await sns.send(new PublishCommand({ TopicArn: topicArn, Message: "held back by the policy" }))
    await eventually("the refusal logged", () => refusalReasons().some((r) => r.includes(q.arn)))
    expect(refusalReasons()).toContain(`queue ${q.arn}'s policy does not allow sns.amazonaws.com to SendMessage for topic ${topicArn}`)
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl: q.url, Attributes: { Policy: queuePolicy(q.arn, topicArn) } }))
    const [delivered] = await receive(q.url, 1)
    expect(delivered!.Body).toBe("held back by the policy")
  })

  it("a queue under alias/aws/sqs never takes SNS's deliveries", async () => {
    const topicArn = await topic("managed-key")
    const q = await queue("managed-key", { KmsMasterKeyId: "alias/aws/sqs" })
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl: q.url, Attributes: { Policy: queuePolicy(q.arn, topicArn) } }))
    await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: "sqs", Endpoint: q.arn }))
    await sns.send(new PublishCommand({ TopicArn: topicArn, Message: "never delivered" }))
    await eventually("the refusal logged", () => refusalReasons().some((r) => r.includes(q.arn)))
    expect(refusalReasons().find((r) => r.includes(q.arn))).toContain(
      `queue ${q.arn} is encrypted under the AWS managed key alias/aws/sqs, whose policy cannot be changed to let sns.amazonaws.com use it`
    )
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: q.url, AttributeNames: ["ApproximateNumberOfMessages"] }))
    expect(Attributes!["ApproximateNumberOfMessages"]).toBe("0")
  })
})

describe("FIFO, other accounts and dead letters", () => {
  it("a FIFO topic delivers into a FIFO queue in each group's order, with its deduplication ids", async () => {
    const topicArn = await topic("orders.fifo", { FifoTopic: "true", ContentBasedDeduplication: "true" })
    const q = await queue("orders.fifo", { FifoQueue: "true" })
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl: q.url, Attributes: { Policy: queuePolicy(q.arn, topicArn) } }))
    await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: "sqs", Endpoint: q.arn, Attributes: { RawMessageDelivery: "true" } }))
    const bodies = Array.from({ length: 8 }, (_, i) => `step ${i}`)
    for (const Message of bodies) await sns.send(new PublishCommand({ TopicArn: topicArn, Message, MessageGroupId: "order-7" }))
    const got = await receive(q.url, bodies.length)
    expect(got.map((m) => m.Body)).toEqual(bodies)
    expect(new Set(got.map((m) => m.Attributes!["MessageGroupId"]))).toEqual(new Set(["order-7"]))
    expect(got.every((m) => /^[0-9a-f]{64}$/.test(m.Attributes!["MessageDeduplicationId"]!))).toBe(true)
  })

  it("a topic owner subscribing another account's queue: a SubscriptionConfirmation message, pending until the queue's owner confirms", async () => {
    const topicArn = await topic("shared")
    const q = await queue("their-queue", {}, otherSqs)
    await otherSqs.send(new SetQueueAttributesCommand({ QueueUrl: q.url, Attributes: { Policy: queuePolicy(q.arn, topicArn) } }))
    const subscriptionArn = (await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: "sqs", Endpoint: q.arn, ReturnSubscriptionArn: true }))).SubscriptionArn!
    expect((await sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: subscriptionArn }))).Attributes!["PendingConfirmation"]).toBe("true")
    const [request] = await receive(q.url, 1, otherSqs)
    const document = JSON.parse(request!.Body!) as Record<string, string>
    expect(document).toMatchObject({ Type: "SubscriptionConfirmation", TopicArn: topicArn })
    expect(document["SubscribeURL"]).toContain("Action=ConfirmSubscription")
    await otherSns.send(new ConfirmSubscriptionCommand({ TopicArn: topicArn, Token: document["Token"]! }))
    expect((await sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: subscriptionArn }))).Attributes!["PendingConfirmation"]).toBe("false")
    await sns.send(new PublishCommand({ TopicArn: topicArn, Message: "across accounts" }))
    const [note] = await receive(q.url, 1, otherSqs)
    expect(JSON.parse(note!.Body!)).toMatchObject({ Type: "Notification", Message: "across accounts" })
  })

  it("a subscription's RedrivePolicy sends what cannot be delivered (its queue deleted) to the dead-letter queue", async () => {
    const topicArn = await topic("with-dlq")
    const target = await queue("deleted-later")
    const dlq = await queue("subscription-dlq")
    for (const q of [target, dlq]) await sqs.send(new SetQueueAttributesCommand({ QueueUrl: q.url, Attributes: { Policy: queuePolicy(q.arn, topicArn) } }))
    await sns.send(
      new SubscribeCommand({
        TopicArn: topicArn,
        Protocol: "sqs",
        Endpoint: target.arn,
        Attributes: { RawMessageDelivery: "true", RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn }) }
      })
    )
    await sqs.send(new DeleteQueueCommand({ QueueUrl: target.url }))
    await sns.send(new PublishCommand({ TopicArn: topicArn, Message: "nowhere to go", MessageAttributes: { kind: { DataType: "String", StringValue: "lost" } } }))
    const [dead] = await receive(dlq.url, 1)
    expect(dead!.Body).toBe("nowhere to go")
    expect(dead!.MessageAttributes).toEqual({ kind: { DataType: "String", StringValue: "lost" } })
  })
})
