/**
 * docs/CONTRACT.md, "At rest": for an encrypted topic no file under the data dir and no log line ever
 * holds a message body in plaintext. The broker runs as `sealcast serve` at log level debug on a real
 * data dir; the subscriber keeps failing, so the messages stay stored while every file is scanned.
 * The same scan finds an unencrypted topic's body, which proves it can see. Queues likewise: bodies
 * sent to an SSE-KMS queue and to an SSE-SQS queue (the default) are found nowhere, a queue with
 * encryption off is; and an encrypted topic's message fanned out by SNS into an SSE-KMS queue (raw)
 * and an SSE-SQS queue (the notification) is found nowhere either (docs/SEMANTICS.md §8).
 */
import { CreateKeyCommand, type KMSClient } from "@aws-sdk/client-kms"
import {
  CreateTopicCommand,
  PublishBatchCommand,
  PublishCommand,
  type SNSClient,
  SubscribeCommand
} from "@aws-sdk/client-sns"
import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageBatchCommand, SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs"
import { randomUUID } from "node:crypto"
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { eventually, kmsClient, snsClient, sqsClient, storedMessages, subscribeConfirmed } from "./support/Clients.js"
import { type Served, serve } from "./support/Serve.js"
import { startSubscriber, type Subscriber } from "./support/Subscriber.js"

const dataDir = mkdtempSync(join(tmpdir(), "sealcast-at-rest-"))
let broker: Served
let sns: SNSClient
let kms: KMSClient
let sqs: SQSClient
let subscriber: Subscriber

beforeAll(async () => {
  broker = await serve(["--port", "0", "--data-dir", dataDir, "--log-level", "debug"])
  sns = snsClient(broker.target)
  kms = kmsClient(broker.target)
  sqs = sqsClient(broker.target)
  subscriber = await startSubscriber({ caPem: broker.target.caPem, status: 500 })
})

afterAll(async () => {
  sns.destroy()
  kms.destroy()
  sqs.destroy()
  await subscriber.close()
  await broker.stop("SIGKILL")
  rmSync(dataDir, { recursive: true, force: true })
})

/** Every file under `dir`, recursively: the database, its WAL and shm, keys, certificates, anything. */
const filesUnder = (dir: string): ReadonlyArray<string> =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name)) : entry.isFile() ? [join(dir, entry.name)] : []
  )

/**
 * The byte strings a plaintext could hide as: UTF-8, UTF-16LE, and base64 at each of the three
 * alignments it can start at (only whole 4-character groups, which do not depend on what surrounds it).
 */
const encodingsOf = (text: string): ReadonlyArray<{ readonly name: string; readonly bytes: Buffer }> => {
  const utf8 = Buffer.from(text, "utf8")
  const base64 = [0, 1, 2].map((skip) => {
    const encoded = utf8.subarray(skip).toString("base64")
    return { name: `base64+${skip}`, bytes: Buffer.from(encoded.slice(0, Math.floor((encoded.length - 4) / 4) * 4), "ascii") }
  })
  return [{ name: "utf-8", bytes: utf8 }, { name: "utf-16le", bytes: Buffer.from(text, "utf16le") }, ...base64]
}

/** Where any encoding of `text` occurs, as `file (encoding)`; an empty list when nowhere. */
const occurrences = (text: string): ReadonlyArray<string> => {
  const files = filesUnder(dataDir)
  expect(files.length).toBeGreaterThan(0)
  return files.flatMap((file) => {
    const content = readFileSync(file)
    return encodingsOf(text).filter((e) => content.includes(e.bytes)).map((e) => `${file} (${e.name})`)
  })
}

describe("message bodies at rest", () => {
  // Unique per run, long enough that a chance match is impossible.
  const sealedBody = `sealed body ${randomUUID()} — the secret recipe`
  const sealedBatchBody = `sealed batch body ${randomUUID()}`
  const plainBody = `plain body ${randomUUID()} — public notice`
  // JSON bodies for a body-scoped filter policy: routing reads the plaintext before it is sealed, and
  // only the decision is stored.
  const routedSecret = randomUUID()
  const filteredOutSecret = randomUUID()
  const routedBody = JSON.stringify({ kind: "recipe", secret: routedSecret })
  const filteredOutBody = JSON.stringify({ kind: "menu", secret: filteredOutSecret })
  const sseKmsQueueBody = `SSE-KMS queue body ${randomUUID()}`
  const sseKmsQueueBatchBody = `SSE-KMS queue batch body ${randomUUID()}`
  const sseSqsQueueBody = `SSE-SQS queue body ${randomUUID()}`
  const plainQueueBody = `plain queue body ${randomUUID()}`
  const fannedOutBody = `fanned out body ${randomUUID()}`

  it("an encrypted topic's bodies appear in no file and no log line; an unencrypted topic's do appear", async () => {
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({}))
    const sealed = await sns.send(new CreateTopicCommand({ Name: "sealed", Attributes: { KmsMasterKeyId: KeyMetadata!.KeyId! } }))
    const plain = await sns.send(new CreateTopicCommand({ Name: "plain" }))
    for (const { TopicArn } of [sealed, plain]) await subscribeConfirmed(sns, { TopicArn, Protocol: "http", Endpoint: subscriber.url })
    const filtered = await subscribeConfirmed(sns, {
      TopicArn: sealed.TopicArn,
      Protocol: "http",
      Endpoint: `${subscriber.url}?filtered`,
      Attributes: { FilterPolicyScope: "MessageBody", FilterPolicy: JSON.stringify({ kind: ["recipe"] }) }
    })

    await sns.send(new PublishCommand({ TopicArn: sealed.TopicArn, Message: sealedBody, Subject: "recipe" }))
    const batch = await sns.send(
      new PublishBatchCommand({ TopicArn: sealed.TopicArn, PublishBatchRequestEntries: [{ Id: "one", Message: sealedBatchBody }] })
    )
    expect(batch.Successful).toHaveLength(1)
    await sns.send(new PublishCommand({ TopicArn: plain.TopicArn, Message: plainBody }))
    for (const Message of [routedBody, filteredOutBody]) await sns.send(new PublishCommand({ TopicArn: sealed.TopicArn, Message }))

    const queue = async (QueueName: string, Attributes: Record<string, string>) => (await sqs.send(new CreateQueueCommand({ QueueName, Attributes }))).QueueUrl!
    const sseKmsQueue = await queue("sse-kms", { KmsMasterKeyId: KeyMetadata!.KeyId! })
    await sqs.send(new SendMessageCommand({ QueueUrl: sseKmsQueue, MessageBody: sseKmsQueueBody }))
    await sqs.send(new SendMessageBatchCommand({ QueueUrl: sseKmsQueue, Entries: [{ Id: "one", MessageBody: sseKmsQueueBatchBody }] }))
    await sqs.send(new SendMessageCommand({ QueueUrl: await queue("sse-sqs", {}), MessageBody: sseSqsQueueBody }))
    await sqs.send(new SendMessageCommand({ QueueUrl: await queue("plain", { SqsManagedSseEnabled: "false" }), MessageBody: plainQueueBody }))

    // SNS → SQS: an encrypted topic fans out into an SSE-KMS queue (under a key that lets SNS use it)
    // and an SSE-SQS queue, each allowing the topic.
    const snsKey = await kms.send(
      new CreateKeyCommand({
        Policy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            { Effect: "Allow", Principal: { AWS: "arn:aws:iam::000000000000:root" }, Action: "kms:*", Resource: "*" },
            { Effect: "Allow", Principal: { Service: "sns.amazonaws.com" }, Action: ["kms:GenerateDataKey*", "kms:Decrypt"], Resource: "*" }
          ]
        })
      })
    )
    const fanout = await sns.send(new CreateTopicCommand({ Name: "fanout", Attributes: { KmsMasterKeyId: snsKey.KeyMetadata!.KeyId! } }))
    const fanoutQueues = [
      { name: "fanout-kms", attributes: { KmsMasterKeyId: snsKey.KeyMetadata!.Arn! }, raw: "true" },
      { name: "fanout-sqs", attributes: {}, raw: "false" }
    ]
    const fanoutUrls: Array<string> = []
    for (const q of fanoutQueues) {
      const arn = `arn:aws:sqs:us-east-1:000000000000:${q.name}`
      const Policy = JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: "sns.amazonaws.com" }, Action: "sqs:SendMessage", Resource: arn, Condition: { ArnEquals: { "aws:SourceArn": fanout.TopicArn } } }]
      })
      fanoutUrls.push(await queue(q.name, { ...q.attributes, Policy }))
      await sns.send(new SubscribeCommand({ TopicArn: fanout.TopicArn, Protocol: "sqs", Endpoint: arn, Attributes: { RawMessageDelivery: q.raw } }))
    }
    await sns.send(new PublishCommand({ TopicArn: fanout.TopicArn, Message: fannedOutBody }))
    await eventually("the fanned-out message in both queues", async () => {
      for (const QueueUrl of fanoutUrls) {
        const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["ApproximateNumberOfMessages"] }))
        if (Attributes!["ApproximateNumberOfMessages"] !== "1") return false
      }
      return true
    })

    // Each message has been opened for delivery at least once (and refused by the subscriber), so the
    // decrypting path has run too, with its debug logging.
    await eventually("a failed delivery of every message", () => {
      const messages = subscriber.notifications().map((n) => n["Message"])
      return [sealedBody, sealedBatchBody, plainBody, routedBody, filteredOutBody].every((body) => messages.includes(body))
    })
    expect((await storedMessages(broker.target, "sealed")).map((m) => m.body.kind)).toEqual(["Sealed", "Sealed", "Sealed", "Sealed"])
    // The body-filtered subscription was offered only the matching message.
    const toFiltered = subscriber.notifications().filter((n) => String(n["UnsubscribeURL"]).includes(encodeURIComponent(filtered)))
    expect(new Set(toFiltered.map((n) => n["Message"]))).toEqual(new Set([routedBody]))

    for (const secret of [sealedBody, sealedBatchBody, routedSecret, filteredOutSecret, sseKmsQueueBody, sseKmsQueueBatchBody, sseSqsQueueBody, fannedOutBody]) {
      expect(occurrences(secret)).toEqual([])
    }
    for (const clear of [plainBody, plainQueueBody]) expect(occurrences(clear).some((where) => where.endsWith("(utf-8)"))).toBe(true)

    // A graceful stop checkpoints the WAL into the database: scan what is left on disk once more.
    expect(await broker.stop("SIGTERM")).toEqual({ code: 0, signal: null })
    for (const secret of [sealedBody, sealedBatchBody, routedSecret, filteredOutSecret, sseKmsQueueBody, sseKmsQueueBatchBody, sseSqsQueueBody, fannedOutBody]) {
      expect(occurrences(secret)).toEqual([])
    }
    for (const clear of [plainBody, plainQueueBody]) expect(occurrences(clear).some((where) => where.endsWith("(utf-8)"))).toBe(true)

    const logs = broker.stderr()
    expect(logs).toContain('"level":"debug"')
    // The per-request lines ran too: the Publish requests' lines name their action and status.
    const requestLines = logs.split("\n").filter((line) => line.includes('"message":"request"')).map((line) => JSON.parse(line) as Record<string, unknown>)
    expect(requestLines.some((line) => line["action"] === "Publish" && line["status"] === 200)).toBe(true)
    for (const body of [sealedBody, sealedBatchBody, routedSecret, filteredOutSecret, sseKmsQueueBody, sseKmsQueueBatchBody, sseSqsQueueBody, fannedOutBody]) {
      for (const encoding of encodingsOf(body)) expect(Buffer.from(logs, "utf8").includes(encoding.bytes)).toBe(false)
    }
  })
})
