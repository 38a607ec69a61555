/**
 * SQS end to end through the unmodified AWS SDK for JavaScript v3 (`@aws-sdk/client-sqs`, which
 * speaks AWS JSON 1.0 and checks the MD5 digests of what it sends and receives): every action, FIFO
 * order, long polling, redrive to a dead-letter queue, batches and their errors (docs/SEMANTICS.md §8).
 */
import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  EmptyBatchRequest,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListDeadLetterSourceQueuesCommand,
  ListQueuesCommand,
  ListQueueTagsCommand,
  PurgeQueueCommand,
  PurgeQueueInProgress,
  QueueDoesNotExist,
  QueueNameExists,
  ReceiptHandleIsInvalid,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  type SQSClient,
  TagQueueCommand,
  TooManyEntriesInBatchRequest,
  UntagQueueCommand
} from "@aws-sdk/client-sqs"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { sendSigned, sqsClient } from "./support/Clients.js"
import { useBroker } from "./support/Fixture.js"

const live = useBroker()
let sqs: SQSClient
beforeAll(() => {
  sqs = sqsClient(live.target)
})
afterAll(() => sqs.destroy())

const rejection = (call: Promise<unknown>): Promise<unknown> => call.then(() => expect.fail("the call succeeded"), (e: unknown) => e)

const createQueue = async (name: string, attributes: Record<string, string> = {}) =>
  (await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }))).QueueUrl!

describe("queues", () => {
  it("CreateQueue, GetQueueUrl, ListQueues, Get/SetQueueAttributes, tags, DeleteQueue", async () => {
    const url = await createQueue("sdk-orders", { VisibilityTimeout: "45" })
    expect(url).toBe(`${live.target.endpoint}/000000000000/sdk-orders`)
    expect(await createQueue("sdk-orders", { VisibilityTimeout: "45" })).toBe(url)
    const conflict = await rejection(createQueue("sdk-orders", { VisibilityTimeout: "46" }))
    expect(conflict).toBeInstanceOf(QueueNameExists)
    expect((await sqs.send(new GetQueueUrlCommand({ QueueName: "sdk-orders" }))).QueueUrl).toBe(url)
    expect((await sqs.send(new ListQueuesCommand({ QueueNamePrefix: "sdk-ord" }))).QueueUrls).toEqual([url])
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { DelaySeconds: "2" } }))
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["All"] }))
    expect(Attributes).toMatchObject({ VisibilityTimeout: "45", DelaySeconds: "2", QueueArn: "arn:aws:sqs:us-east-1:000000000000:sdk-orders", ApproximateNumberOfMessages: "0" })
    await sqs.send(new TagQueueCommand({ QueueUrl: url, Tags: { team: "a", env: "test" } }))
    await sqs.send(new UntagQueueCommand({ QueueUrl: url, TagKeys: ["env"] }))
    expect((await sqs.send(new ListQueueTagsCommand({ QueueUrl: url }))).Tags).toEqual({ team: "a" })
    await sqs.send(new DeleteQueueCommand({ QueueUrl: url }))
    const gone = await rejection(sqs.send(new GetQueueUrlCommand({ QueueName: "sdk-orders" })))
    expect(gone).toBeInstanceOf(QueueDoesNotExist)
    expect((gone as QueueDoesNotExist).$metadata.httpStatusCode).toBe(400)
    expect((gone as Error).message).toBe("The specified queue does not exist.")
  })

  it("an error carries SQS's Query code in x-amzn-query-error and its shape in __type", async () => {
    const response = await sendSigned(live.target, {
      method: "POST",
      path: "/",
      service: "sqs",
      headers: { "content-type": "application/x-amz-json-1.0", "x-amz-target": "AmazonSQS.GetQueueUrl" },
      body: JSON.stringify({ QueueName: "absent" })
    })
    expect(response.status).toBe(400)
    expect(response.headers["x-amzn-query-error"]).toBe("AWS.SimpleQueueService.NonExistentQueue;Sender")
    expect(JSON.parse(response.body)).toEqual({ __type: "com.amazonaws.sqs#QueueDoesNotExist", message: "The specified queue does not exist." })
  })
})

describe("messages", () => {
  it("send, receive with attributes, change visibility, delete; the SDK's MD5 checks pass", async () => {
    const url = await createQueue("sdk-work")
    const sent = await sqs.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: "hello ✓",
        MessageAttributes: {
          colour: { DataType: "String", StringValue: "blue" },
          n: { DataType: "Number", StringValue: "7" },
          raw: { DataType: "Binary", BinaryValue: new Uint8Array([0, 1, 255]) }
        }
      })
    )
    expect(sent.MessageId).toMatch(/^[0-9a-f-]{36}$/)
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MessageAttributeNames: ["All"], MessageSystemAttributeNames: ["ApproximateReceiveCount", "SenderId"] })
    )
    expect(Messages).toHaveLength(1)
    const [message] = Messages!
    expect(message!.Body).toBe("hello ✓")
    expect(message!.MD5OfMessageAttributes).toBe(sent.MD5OfMessageAttributes)
    expect(message!.MessageAttributes!["raw"]!.BinaryValue).toEqual(new Uint8Array([0, 1, 255]))
    expect(message!.Attributes).toEqual({ ApproximateReceiveCount: "1", SenderId: "000000000000" })
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages).toBeUndefined()
    await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: message!.ReceiptHandle!, VisibilityTimeout: 0 }))
    const again = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages![0]!
    expect(again.MessageId).toBe(sent.MessageId)
    await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: again.ReceiptHandle! }))
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages).toBeUndefined()
    expect(await rejection(sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: "garbage" })))).toBeInstanceOf(ReceiptHandleIsInvalid)
    await sqs.send(new PurgeQueueCommand({ QueueUrl: url }))
    expect(await rejection(sqs.send(new PurgeQueueCommand({ QueueUrl: url })))).toBeInstanceOf(PurgeQueueInProgress)
  })

  it("a FIFO queue returns each group in order, one receive at a time, and drops duplicates", async () => {
    const url = await createQueue("sdk-jobs.fifo", { FifoQueue: "true", ContentBasedDeduplication: "true" })
    const first = await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "1", MessageGroupId: "g" }))
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "2", MessageGroupId: "g" }))
    const duplicate = await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "1", MessageGroupId: "g" }))
    expect(duplicate.MessageId).toBe(first.MessageId)
    expect(first.SequenceNumber).toMatch(/^\d{20}$/)
    const received = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }))).Messages!
    expect(received.map((m) => m.Body)).toEqual(["1", "2"])
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages).toBeUndefined()
  })

  it("a long poll answers as soon as a message is sent", async () => {
    const url = await createQueue("sdk-poll")
    const polling = sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 20 }))
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "wake" }))
    const started = Date.now()
    expect((await polling).Messages!.map((m) => m.Body)).toEqual(["wake"])
    expect(Date.now() - started).toBeLessThan(5_000)
  })

  it("a message received maxReceiveCount times moves to the dead-letter queue", async () => {
    const dlq = await createQueue("sdk-dead")
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq, AttributeNames: ["QueueArn"] }))
    const url = await createQueue("sdk-source", { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: Attributes!["QueueArn"], maxReceiveCount: 1 }) })
    const sent = await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "poison" }))
    const [first] = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages!
    await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: first!.ReceiptHandle!, VisibilityTimeout: 0 }))
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages).toBeUndefined()
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlq }))).Messages!.map((m) => m.MessageId)).toEqual([sent.MessageId])
    expect((await sqs.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: dlq }))).queueUrls).toEqual([url])
  })
})

describe("batches", () => {
  it("each entry succeeds or fails on its own; malformed batches are refused whole", async () => {
    const url = await createQueue("sdk-batch")
    const sent = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: [
          { Id: "a", MessageBody: "one" },
          { Id: "b", MessageBody: "two", DelaySeconds: 901 },
          { Id: "c", MessageBody: "three" }
        ]
      })
    )
    expect(sent.Successful!.map((s) => s.Id)).toEqual(["a", "c"])
    expect(sent.Failed).toEqual([{ Id: "b", SenderFault: true, Code: "InvalidParameterValue", Message: expect.stringContaining("DelaySeconds") }])
    const received = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }))).Messages!
    const changed = await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: url,
        Entries: [
          { Id: "x", ReceiptHandle: received[0]!.ReceiptHandle!, VisibilityTimeout: 60 },
          { Id: "y", ReceiptHandle: "bogus", VisibilityTimeout: 60 }
        ]
      })
    )
    expect(changed.Failed!.map((f) => [f.Id, f.Code])).toEqual([["y", "ReceiptHandleIsInvalid"]])
    const deleted = await sqs.send(
      new DeleteMessageBatchCommand({ QueueUrl: url, Entries: received.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle! })) })
    )
    expect(deleted.Successful!.map((s) => s.Id)).toEqual(["d0", "d1"])
    expect(await rejection(sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: [] })))).toBeInstanceOf(EmptyBatchRequest)
    const tooMany = Array.from({ length: 11 }, (_, i) => ({ Id: `e${i}`, MessageBody: "x" }))
    expect(await rejection(sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: tooMany })))).toBeInstanceOf(TooManyEntriesInBatchRequest)
  })
})
