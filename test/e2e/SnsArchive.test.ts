/**
 * Message archiving for FIFO topics through the unmodified SDK v3 (docs/SEMANTICS.md §7, "Message
 * archiving"): ArchivePolicy is validated, kept and answered with BeginningArchiveTime; a
 * ReplayPolicy is validated and then refused, since the broker does not replay yet.
 */
import {
  CreateTopicCommand,
  GetTopicAttributesCommand,
  InvalidParameterException,
  PublishCommand,
  SetSubscriptionAttributesCommand,
  SetTopicAttributesCommand,
  SubscribeCommand
} from "@aws-sdk/client-sns"
import { describe, expect, it } from "vitest"
import { useBroker } from "./support/Fixture.js"

const live = useBroker()

const rejection = (call: Promise<unknown>): Promise<unknown> => call.then(() => expect.fail("the call succeeded"), (e: unknown) => e)

const refusedWith = async (call: Promise<unknown>, message: string | RegExp) => {
  const error = await rejection(call)
  expect(error).toBeInstanceOf(InvalidParameterException)
  expect((error as Error).message).toMatch(message)
}

describe("ArchivePolicy on FIFO topics", () => {
  it("is kept and answered with BeginningArchiveTime, set at CreateTopic or later, and removed with an empty value", async () => {
    const before = Date.now()
    const { TopicArn } = await live.sns.send(
      new CreateTopicCommand({ Name: "archived.fifo", Attributes: { FifoTopic: "true", ArchivePolicy: '{"MessageRetentionPeriod":"30"}' } })
    )
    const attributes = (await live.sns.send(new GetTopicAttributesCommand({ TopicArn }))).Attributes!
    expect(JSON.parse(attributes["ArchivePolicy"]!)).toEqual({ MessageRetentionPeriod: "30" })
    const beginning = Date.parse(attributes["BeginningArchiveTime"]!)
    expect(beginning).toBeGreaterThanOrEqual(before - 1000)
    expect(beginning).toBeLessThanOrEqual(Date.now())

    // A longer period keeps the archive that began at creation.
    await live.sns.send(new SetTopicAttributesCommand({ TopicArn, AttributeName: "ArchivePolicy", AttributeValue: '{"MessageRetentionPeriod":"365"}' }))
    const longer = (await live.sns.send(new GetTopicAttributesCommand({ TopicArn }))).Attributes!
    expect(JSON.parse(longer["ArchivePolicy"]!)).toEqual({ MessageRetentionPeriod: "365" })
    expect(longer["BeginningArchiveTime"]).toBe(attributes["BeginningArchiveTime"])

    await live.sns.send(new SetTopicAttributesCommand({ TopicArn, AttributeName: "ArchivePolicy", AttributeValue: "" }))
    const off = (await live.sns.send(new GetTopicAttributesCommand({ TopicArn }))).Attributes!
    expect(off["ArchivePolicy"]).toBeUndefined()
    expect(off["BeginningArchiveTime"]).toBeUndefined()
  })

  it("refuses a retention period outside 1 to 365 days, a malformed policy, and any standard topic", async () => {
    const { TopicArn } = await live.sns.send(new CreateTopicCommand({ Name: "archive-checks.fifo", Attributes: { FifoTopic: "true" } }))
    const set = (value: string, arn = TopicArn) =>
      live.sns.send(new SetTopicAttributesCommand({ TopicArn: arn, AttributeName: "ArchivePolicy", AttributeValue: value }))
    for (const period of ['"0"', '"366"', '"thirty"']) {
      await refusedWith(
        set(`{"MessageRetentionPeriod":${period}}`),
        "Invalid parameter: ArchivePolicy Reason: MessageRetentionPeriod must be a whole number of days from 1 to 365"
      )
    }
    await refusedWith(set("{}"), "Invalid parameter: ArchivePolicy Reason: MessageRetentionPeriod is required")
    await refusedWith(set("not json"), "Invalid parameter: ArchivePolicy Reason: ArchivePolicy must be a JSON object")
    const standard = await live.sns.send(new CreateTopicCommand({ Name: "archive-standard" }))
    await refusedWith(set('{"MessageRetentionPeriod":"30"}', standard.TopicArn), "Invalid parameter: ArchivePolicy Reason: ArchivePolicy is only supported for FIFO topics")
    await refusedWith(
      live.sns.send(new CreateTopicCommand({ Name: "archive-standard-2", Attributes: { ArchivePolicy: '{"MessageRetentionPeriod":"30"}' } })),
      "ArchivePolicy is only supported for FIFO topics"
    )
    await refusedWith(
      live.sns.send(new SetTopicAttributesCommand({ TopicArn, AttributeName: "BeginningArchiveTime", AttributeValue: "2024-01-01T00:00:00Z" })),
      "Invalid parameter: AttributeName"
    )
  })
})

describe("ReplayPolicy on a subscription of an archived topic", () => {
  it("is validated, then refused with a clear error at Subscribe and SetSubscriptionAttributes: replay is not provided", async () => {
    const { TopicArn } = await live.sns.send(
      new CreateTopicCommand({ Name: "replayed.fifo", Attributes: { FifoTopic: "true", ArchivePolicy: '{"MessageRetentionPeriod":"7"}' } })
    )
    for (const n of [1, 2, 3]) {
      await live.sns.send(new PublishCommand({ TopicArn, Message: `m${n}`, MessageGroupId: "g", MessageDeduplicationId: `d${n}` }))
    }
    const replayFromBefore = JSON.stringify({ PointType: "Timestamp", StartingPoint: new Date(Date.now() - 60_000).toISOString() })
    const notYet = /^Invalid parameter: Attributes Reason: ReplayPolicy: message replay is not supported by this broker yet/
    await refusedWith(
      live.sns.send(new SubscribeCommand({ TopicArn, Protocol: "https", Endpoint: "https://127.0.0.1:9/late", Attributes: { ReplayPolicy: replayFromBefore }, ReturnSubscriptionArn: true })),
      notYet
    )
    const { SubscriptionArn } = await live.sns.send(
      new SubscribeCommand({ TopicArn, Protocol: "https", Endpoint: "https://127.0.0.1:9/late", ReturnSubscriptionArn: true })
    )
    const setReplay = (value: string) =>
      live.sns.send(new SetSubscriptionAttributesCommand({ SubscriptionArn, AttributeName: "ReplayPolicy", AttributeValue: value }))
    await refusedWith(setReplay(replayFromBefore), notYet)
    await refusedWith(setReplay('{"PointType":"Sequence","StartingPoint":"2024-01-01T00:00:00Z"}'), "PointType must be Timestamp")
    await refusedWith(setReplay('{"PointType":"Timestamp","StartingPoint":"yesterday"}'), "StartingPoint must be an ISO 8601 timestamp")
    await refusedWith(
      setReplay('{"PointType":"Timestamp","StartingPoint":"2024-01-02T00:00:00Z","EndingPoint":"2024-01-01T00:00:00Z"}'),
      "EndingPoint must not be before StartingPoint"
    )
  })
})
