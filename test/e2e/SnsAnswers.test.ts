/**
 * SNS answers as AWS gives them, through the unmodified SDK v3: CreateTopic's idempotency after the
 * topic has changed, boolean attributes in the spellings clients send, Subscribe to a FIFO topic,
 * PublishBatch's whole-request and per-entry errors, and the answers the audit against the SNS API
 * Reference settled (packages/core/README.md).
 */
import {
  CreateSMSSandboxPhoneNumberCommand,
  CreateTopicCommand,
  FilterPolicyLimitExceededException,
  GetSubscriptionAttributesCommand,
  GetTopicAttributesCommand,
  InvalidParameterException,
  ListSubscriptionsByTopicCommand,
  PublishBatchCommand,
  SetSubscriptionAttributesCommand,
  SetTopicAttributesCommand,
  SubscribeCommand,
  SubscriptionLimitExceededException,
  TagResourceCommand,
  UnsubscribeCommand,
  UntagResourceCommand,
  VerifySMSSandboxPhoneNumberCommand
} from "@aws-sdk/client-sns"
import { describe, expect, it } from "vitest"
import { subscribeQueue } from "./support/Clients.js"
import { useBroker } from "./support/Fixture.js"

const live = useBroker()

const rejection = (call: Promise<unknown>): Promise<unknown> => call.then(() => expect.fail("the call succeeded"), (e: unknown) => e)

describe("CreateTopic is idempotent (SNS API Reference, CreateTopic)", () => {
  it("after SetTopicAttributes and TagResource, a plain CreateTopic returns the existing ARN; only a conflicting request is refused", async () => {
    const { TopicArn } = await live.sns.send(new CreateTopicCommand({ Name: "changed-later" }))
    await live.sns.send(new SetTopicAttributesCommand({ TopicArn, AttributeName: "DisplayName", AttributeValue: "Shown" }))
    await live.sns.send(new TagResourceCommand({ ResourceArn: TopicArn, Tags: [{ Key: "team", Value: "a" }] }))
    expect((await live.sns.send(new CreateTopicCommand({ Name: "changed-later" }))).TopicArn).toBe(TopicArn)
    expect((await live.sns.send(new CreateTopicCommand({ Name: "changed-later", Attributes: { DisplayName: "Shown" } }))).TopicArn).toBe(TopicArn)
    expect((await live.sns.send(new CreateTopicCommand({ Name: "changed-later", Tags: [{ Key: "team", Value: "a" }] }))).TopicArn).toBe(TopicArn)
    const otherName = await rejection(live.sns.send(new CreateTopicCommand({ Name: "changed-later", Attributes: { DisplayName: "Other" } })))
    expect(otherName).toBeInstanceOf(InvalidParameterException)
    expect((otherName as Error).message).toBe("Invalid parameter: Attributes Reason: Topic already exists with different attributes")
    const otherTag = await rejection(live.sns.send(new CreateTopicCommand({ Name: "changed-later", Tags: [{ Key: "team", Value: "b" }] })))
    expect((otherTag as Error).message).toBe("Invalid parameter: Tags Reason: Topic already exists with different tags")
  })
})

describe("boolean attributes take true and false in any letter case", () => {
  it("FifoTopic=True and ContentBasedDeduplication=TRUE make a FIFO topic, answered lower-case", async () => {
    const { TopicArn } = await live.sns.send(
      new CreateTopicCommand({ Name: "spelled.fifo", Attributes: { FifoTopic: "True", ContentBasedDeduplication: "TRUE" } })
    )
    const attributes = (await live.sns.send(new GetTopicAttributesCommand({ TopicArn }))).Attributes!
    expect(attributes["FifoTopic"]).toBe("true")
    expect(attributes["ContentBasedDeduplication"]).toBe("true")
    // The same request again is the same topic.
    expect((await live.sns.send(new CreateTopicCommand({ Name: "spelled.fifo", Attributes: { FifoTopic: "true" } }))).TopicArn).toBe(TopicArn)
    await live.sns.send(new SetTopicAttributesCommand({ TopicArn, AttributeName: "ContentBasedDeduplication", AttributeValue: "False" }))
    expect((await live.sns.send(new GetTopicAttributesCommand({ TopicArn }))).Attributes!["ContentBasedDeduplication"]).toBe("false")
    const notBoolean = await rejection(
      live.sns.send(new SetTopicAttributesCommand({ TopicArn, AttributeName: "ContentBasedDeduplication", AttributeValue: "yes" }))
    )
    expect(notBoolean).toBeInstanceOf(InvalidParameterException)
  })

  it("RawMessageDelivery=True on a subscription is stored as true", async () => {
    const { TopicArn } = await live.sns.send(new CreateTopicCommand({ Name: "raw-spelled" }))
    const { SubscriptionArn } = await live.sns.send(
      new SubscribeCommand({ TopicArn, Protocol: "https", Endpoint: "https://127.0.0.1:9/raw", Attributes: { RawMessageDelivery: "True" }, ReturnSubscriptionArn: true })
    )
    const attributes = (await live.sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn }))).Attributes!
    expect(attributes["RawMessageDelivery"]).toBe("true")
  })
})

describe("Subscribe to a FIFO topic (SNS Developer Guide, \"Message delivery for FIFO topics\")", () => {
  it("takes an SQS queue, and refuses every other protocol as AWS does, creating nothing", async () => {
    const { TopicArn } = await live.sns.send(new CreateTopicCommand({ Name: "queues-only.fifo", Attributes: { FifoTopic: "true" } }))
    const fn = live.recordingFunction("not-for-fifo")
    const others: ReadonlyArray<readonly [string, string]> = [
      ["http", "http://127.0.0.1:9/hook"],
      ["https", "https://127.0.0.1:9/hook"],
      ["email", "reader@example.com"],
      ["sms", "+15555550100"],
      ["lambda", fn.arn]
    ]
    for (const [Protocol, Endpoint] of others) {
      const refused = await rejection(live.sns.send(new SubscribeCommand({ TopicArn, Protocol, Endpoint })))
      expect(refused).toBeInstanceOf(InvalidParameterException)
      expect(refused).toMatchObject({ name: "InvalidParameterException", message: `Invalid parameter: Invalid protocol type: ${Protocol}`, $fault: "client" })
      expect((refused as InvalidParameterException).$metadata.httpStatusCode).toBe(400)
    }
    const queue = await subscribeQueue(live.sns, live.sqs, TopicArn!, "queues-only.fifo")
    const { Subscriptions = [] } = await live.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn }))
    expect(Subscriptions.map((s) => [s.SubscriptionArn, s.Protocol, s.Endpoint])).toEqual([[queue.subscriptionArn, "sqs", queue.arn]])
  })
})

describe("PublishBatch: whole-request versus per-entry errors", () => {
  it("on a FIFO topic an entry without MessageGroupId refuses the whole request; a bad attribute fails its entry alone", async () => {
    const { TopicArn } = await live.sns.send(new CreateTopicCommand({ Name: "batch-rules.fifo", Attributes: { FifoTopic: "true" } }))
    const noGroup = await rejection(live.sns.send(new PublishBatchCommand({
      TopicArn,
      PublishBatchRequestEntries: [
        { Id: "a", Message: "one", MessageGroupId: "g", MessageDeduplicationId: "1" },
        { Id: "b", Message: "two", MessageDeduplicationId: "2" }
      ]
    })))
    expect(noGroup).toBeInstanceOf(InvalidParameterException)
    expect((noGroup as Error).message).toBe("Invalid parameter: The MessageGroupId parameter is required for FIFO topics")
    const noDedup = await rejection(live.sns.send(new PublishBatchCommand({
      TopicArn,
      PublishBatchRequestEntries: [{ Id: "a", Message: "one", MessageGroupId: "g" }]
    })))
    expect((noDedup as Error).message).toBe(
      "Invalid parameter: The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly"
    )
    const mixed = await live.sns.send(new PublishBatchCommand({
      TopicArn,
      PublishBatchRequestEntries: [
        { Id: "a", Message: "one", MessageGroupId: "g", MessageDeduplicationId: "1" },
        { Id: "b", Message: "two", MessageGroupId: "g", MessageDeduplicationId: "2", MessageAttributes: { n: { DataType: "Number", StringValue: "twelve" } } }
      ]
    }))
    expect(mixed.Successful?.map((s) => s.Id)).toEqual(["a"])
    expect(mixed.Failed?.map((f) => [f.Id, f.SenderFault])).toEqual([["b", true]])
  })
})

describe("the audit against the SNS API Reference", () => {
  it("Unsubscribe of a subscription already removed succeeds, as AWS answers it", async () => {
    const { TopicArn } = await live.sns.send(new CreateTopicCommand({ Name: "unsubscribed-twice" }))
    const { SubscriptionArn } = await live.sns.send(
      new SubscribeCommand({ TopicArn, Protocol: "sms", Endpoint: "+15555550100", ReturnSubscriptionArn: true })
    )
    await live.sns.send(new UnsubscribeCommand({ SubscriptionArn }))
    await live.sns.send(new UnsubscribeCommand({ SubscriptionArn }))
    expect((await live.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn }))).Subscriptions).toEqual([])
  })

  it("a topic keeps the delivery status logging attributes Terraform and the CDK set, and answers them", async () => {
    const role = "arn:aws:iam::000000000000:role/SNSFeedback"
    const { TopicArn } = await live.sns.send(new CreateTopicCommand({ Name: "logged", Attributes: { SQSSuccessFeedbackRoleArn: role } }))
    await live.sns.send(new SetTopicAttributesCommand({ TopicArn, AttributeName: "SQSSuccessFeedbackSampleRate", AttributeValue: "25" }))
    await live.sns.send(new SetTopicAttributesCommand({ TopicArn, AttributeName: "HTTPFailureFeedbackRoleArn", AttributeValue: role }))
    const attributes = (await live.sns.send(new GetTopicAttributesCommand({ TopicArn }))).Attributes!
    expect([attributes["SQSSuccessFeedbackRoleArn"], attributes["SQSSuccessFeedbackSampleRate"], attributes["HTTPFailureFeedbackRoleArn"]]).toEqual([role, "25", role])
    const rate = await rejection(live.sns.send(new SetTopicAttributesCommand({ TopicArn, AttributeName: "LambdaSuccessFeedbackSampleRate", AttributeValue: "150" })))
    expect((rate as Error).message).toBe(
      "Invalid parameter: LambdaSuccessFeedbackSampleRate Reason: LambdaSuccessFeedbackSampleRate must be an integer from 0 to 100"
    )
  })

  it("members the model constrains: a one-time password of 5 to 8 digits, tag keys of 1 to 128 characters", async () => {
    await live.sns.send(new CreateSMSSandboxPhoneNumberCommand({ PhoneNumber: "+15555550142" }))
    const password = await rejection(live.sns.send(new VerifySMSSandboxPhoneNumberCommand({ PhoneNumber: "+15555550142", OneTimePassword: "abc" })))
    expect(password).toBeInstanceOf(InvalidParameterException)
    expect((password as Error).message).toBe("Invalid parameter: OneTimePassword Reason: the one-time password is 5 to 8 digits")
    const { TopicArn } = await live.sns.send(new CreateTopicCommand({ Name: "untag-keys" }))
    const key = await rejection(live.sns.send(new UntagResourceCommand({ ResourceArn: TopicArn, TagKeys: ["k".repeat(129)] })))
    expect(key).toBeInstanceOf(InvalidParameterException)
    expect((key as Error).message).toBe("Invalid parameter: TagKeys Reason: Tag keys must be between 1 and 128 characters long")
  })

  it("a FIFO topic takes 100 subscriptions, then SubscriptionLimitExceeded (403)", async () => {
    const { TopicArn } = await live.sns.send(new CreateTopicCommand({ Name: "hundred.fifo", Attributes: { FifoTopic: "true" } }))
    const subscribe = (n: number) =>
      live.sns.send(new SubscribeCommand({ TopicArn, Protocol: "sqs", Endpoint: `arn:aws:sqs:${live.target.region}:000000000000:q${n}.fifo` }))
    for (let n = 0; n < 100; n++) await subscribe(n)
    const past = await rejection(subscribe(100))
    expect(past).toBeInstanceOf(SubscriptionLimitExceededException)
    expect((past as SubscriptionLimitExceededException).$metadata.httpStatusCode).toBe(403)
  })

  it("a topic takes 200 filter policies; past them one is refused with FilterPolicyLimitExceeded (403), the subscription is not", async () => {
    const { TopicArn } = await live.sns.send(new CreateTopicCommand({ Name: "filtered" }))
    const subscribe = (n: number, Attributes?: Record<string, string>) =>
      live.sns.send(
        new SubscribeCommand({ TopicArn, Protocol: "https", Endpoint: `https://127.0.0.1:9/s${n}`, ReturnSubscriptionArn: true, ...(Attributes ? { Attributes } : {}) })
      )
    const FilterPolicy = JSON.stringify({ kind: ["order"] })
    for (let n = 0; n < 200; n++) await subscribe(n, { FilterPolicy })
    const past = await rejection(subscribe(200, { FilterPolicy }))
    expect(past).toBeInstanceOf(FilterPolicyLimitExceededException)
    expect((past as FilterPolicyLimitExceededException).$metadata.httpStatusCode).toBe(403)
    const { SubscriptionArn } = await subscribe(200)
    const attached = await rejection(
      live.sns.send(new SetSubscriptionAttributesCommand({ SubscriptionArn, AttributeName: "FilterPolicy", AttributeValue: FilterPolicy }))
    )
    expect(attached).toBeInstanceOf(FilterPolicyLimitExceededException)
  })
})
