/**
 * Message move tasks end to end: StartMessageMoveTask, ListMessageMoveTasks and CancelMessageMoveTask
 * through the unmodified AWS SDK for JavaScript v3 (AWS JSON 1.0) and in the AWS Query protocol, on a
 * broker whose clock is the real one (docs/SEMANTICS.md §8, "Message move tasks").
 */
import {
  CancelMessageMoveTaskCommand,
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  ReceiveMessageCommand,
  ResourceNotFoundException,
  SendMessageCommand,
  type SQSClient,
  SQSServiceException,
  StartMessageMoveTaskCommand
} from "@aws-sdk/client-sqs"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { eventually, sendSigned, sqsClient } from "./support/Clients.js"
import { useBroker } from "./support/Fixture.js"

const live = useBroker()
let sqs: SQSClient
beforeAll(() => {
  sqs = sqsClient(live.target)
})
afterAll(() => sqs.destroy())

const rejection = (call: Promise<unknown>): Promise<unknown> => call.then(() => expect.fail("the call succeeded"), (e: unknown) => e)

const arnOf = async (url: string) => (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["QueueArn"] }))).Attributes!["QueueArn"]!

/** A source queue redriving into its dead-letter queue after one receive, with `bodies` moved there. */
const redriven = async (prefix: string, bodies: ReadonlyArray<string>) => {
  const dlq = (await sqs.send(new CreateQueueCommand({ QueueName: `${prefix}-dlq` }))).QueueUrl!
  const dlqArn = await arnOf(dlq)
  const source = (
    await sqs.send(
      new CreateQueueCommand({ QueueName: `${prefix}-source`, Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 1 }) } })
    )
  ).QueueUrl!
  for (const body of bodies) await sqs.send(new SendMessageCommand({ QueueUrl: source, MessageBody: body }))
  let received = bodies.length
  while (received > 0) {
    received = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: source, MaxNumberOfMessages: 10, VisibilityTimeout: 0 }))).Messages?.length ?? 0
  }
  return { dlq, dlqArn, source, sourceArn: await arnOf(source) }
}

describe("message move tasks (SDK v3, AWS JSON 1.0)", () => {
  it("moves a dead-letter queue's messages back to their source, lists the task, and shows where they came from", async () => {
    const { dlq, dlqArn, source, sourceArn } = await redriven("move", ["one", "two", "three"])
    const inDlq = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlq, MaxNumberOfMessages: 10, VisibilityTimeout: 0, MessageSystemAttributeNames: ["DeadLetterQueueSourceArn"] }))
    expect(inDlq.Messages?.map((m) => m.Attributes?.["DeadLetterQueueSourceArn"])).toEqual([sourceArn, sourceArn, sourceArn])

    const { TaskHandle } = await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: dlqArn }))
    expect(JSON.parse(Buffer.from(TaskHandle!, "base64").toString("utf8"))).toMatchObject({ sourceArn: dlqArn })
    await eventually("the task completes", async () => {
      const { Results } = await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: dlqArn }))
      return Results?.[0]?.Status === "COMPLETED"
    })
    const { Results } = await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: dlqArn, MaxResults: 10 }))
    expect(Results).toHaveLength(1)
    expect(Results![0]).toMatchObject({ Status: "COMPLETED", SourceArn: dlqArn, ApproximateNumberOfMessagesMoved: 3, ApproximateNumberOfMessagesToMove: 3 })
    expect(Results![0]!.TaskHandle).toBeUndefined()
    expect(Results![0]!.DestinationArn).toBeUndefined()
    expect(typeof Results![0]!.StartedTimestamp).toBe("number")
    const back = await sqs.send(new ReceiveMessageCommand({ QueueUrl: source, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ["ApproximateReceiveCount"] }))
    expect(back.Messages?.map((m) => m.Body).sort()).toEqual(["one", "three", "two"])
    expect(back.Messages?.map((m) => m.Attributes?.["ApproximateReceiveCount"])).toEqual(["1", "1", "1"])
  })

  it("a slow task lists as RUNNING with its handle and rate, and is cancelled", async () => {
    const { dlqArn } = await redriven("slow", ["a", "b", "c", "d", "e"])
    const other = (await sqs.send(new CreateQueueCommand({ QueueName: "slow-elsewhere" }))).QueueUrl!
    const { TaskHandle } = await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: dlqArn, DestinationArn: await arnOf(other), MaxNumberOfMessagesPerSecond: 1 }))
    const [running] = (await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: dlqArn }))).Results!
    expect(running).toMatchObject({ Status: "RUNNING", TaskHandle, MaxNumberOfMessagesPerSecond: 1, ApproximateNumberOfMessagesToMove: 5 })
    const second = await rejection(sqs.send(new StartMessageMoveTaskCommand({ SourceArn: dlqArn })))
    expect((second as SQSServiceException).name).toBe("InvalidParameterValue")
    const cancelled = await sqs.send(new CancelMessageMoveTaskCommand({ TaskHandle }))
    expect(cancelled.ApproximateNumberOfMessagesMoved).toBeLessThan(5)
    await eventually("the task is cancelled", async () => (await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: dlqArn }))).Results?.[0]?.Status === "CANCELLED")
    const again = await rejection(sqs.send(new CancelMessageMoveTaskCommand({ TaskHandle })))
    expect((again as SQSServiceException).name).toBe("InvalidParameterValue")
  })

  it("answers AWS's errors: a missing source, a queue that is no dead-letter queue, an unknown task, a bad handle", async () => {
    const missing = await rejection(sqs.send(new StartMessageMoveTaskCommand({ SourceArn: "arn:aws:sqs:us-east-1:000000000000:absent" })))
    expect(missing).toBeInstanceOf(ResourceNotFoundException)
    expect((missing as ResourceNotFoundException).$metadata.httpStatusCode).toBe(404)
    const plain = (await sqs.send(new CreateQueueCommand({ QueueName: "move-plain" }))).QueueUrl!
    const notDlq = await rejection(sqs.send(new StartMessageMoveTaskCommand({ SourceArn: await arnOf(plain) })))
    expect(notDlq).toMatchObject({ name: "InvalidParameterValue", message: "Source queue must be configured as a Dead Letter Queue." })
    const unknown = Buffer.from(JSON.stringify({ taskId: "nope", sourceArn: await arnOf(plain) })).toString("base64")
    expect(await rejection(sqs.send(new CancelMessageMoveTaskCommand({ TaskHandle: unknown })))).toMatchObject({ name: "ResourceNotFoundException", message: "Task does not exist." })
    expect(await rejection(sqs.send(new CancelMessageMoveTaskCommand({ TaskHandle: "garbage!" })))).toMatchObject({
      name: "InvalidParameterValue",
      message: "Value for parameter TaskHandle is invalid."
    })
  })
})

describe("message move tasks (AWS Query)", () => {
  const query = (params: Record<string, string>) =>
    sendSigned(live.target, {
      method: "POST",
      path: "/",
      service: "sqs",
      headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
      body: new URLSearchParams({ Version: "2012-11-05", ...params }).toString()
    })

  it("StartMessageMoveTask and ListMessageMoveTasks as XML, and ResourceNotFoundException with its status", async () => {
    const { dlqArn } = await redriven("query-move", ["x"])
    const started = await query({ Action: "StartMessageMoveTask", SourceArn: dlqArn, MaxNumberOfMessagesPerSecond: "100" })
    expect(started.status).toBe(200)
    expect(started.body).toMatch(/<StartMessageMoveTaskResult><TaskHandle>[A-Za-z0-9+/=]+<\/TaskHandle><\/StartMessageMoveTaskResult>/)
    await eventually("the task completes", async () => (await query({ Action: "ListMessageMoveTasks", SourceArn: dlqArn })).body.includes("<Status>COMPLETED</Status>"))
    const listed = await query({ Action: "ListMessageMoveTasks", SourceArn: dlqArn, MaxResults: "10" })
    expect(listed.body).toContain("<ListMessageMoveTasksResult><Results><Status>COMPLETED</Status>")
    expect(listed.body).toContain("<ApproximateNumberOfMessagesMoved>1</ApproximateNumberOfMessagesMoved>")
    const missing = await query({ Action: "ListMessageMoveTasks", SourceArn: "arn:aws:sqs:us-east-1:000000000000:absent" })
    expect(missing.status).toBe(404)
    expect(missing.body).toContain("<Code>ResourceNotFoundException</Code>")
  })
})
