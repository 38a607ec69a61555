/**
 * A character XML 1.0 cannot carry (XML 1.0 §2.2, Char) is refused where it comes in, with
 * InvalidParameter naming the parameter, so nothing is stored that a later answer could not hold:
 * after each refused write, every read of the topic and its subscription still answers, unchanged.
 */
import {
  CreateTopicCommand,
  GetSubscriptionAttributesCommand,
  GetTopicAttributesCommand,
  InvalidParameterException,
  ListSubscriptionsByTopicCommand,
  ListSubscriptionsCommand,
  ListTagsForResourceCommand,
  SetSubscriptionAttributesCommand,
  SetTopicAttributesCommand,
  SubscribeCommand,
  TagResourceCommand
} from "@aws-sdk/client-sns"
import { beforeAll, describe, expect, it } from "vitest"
import { useBroker } from "./support/Fixture.js"

const live = useBroker()
let topicArn: string
let subscriptionArn: string

beforeAll(async () => {
  topicArn = (await live.sns.send(new CreateTopicCommand({ Name: "xml-chars", Attributes: { DisplayName: "before" }, Tags: [{ Key: "k", Value: "before" }] })))
    .TopicArn!
  subscriptionArn = (await live.sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: "sms", Endpoint: "+15555550100", ReturnSubscriptionArn: true })))
    .SubscriptionArn!
})

/** Every read of the resource, as the SDK parses it. */
const readEverything = async () => {
  const topic = await live.sns.send(new GetTopicAttributesCommand({ TopicArn: topicArn }))
  const tags = await live.sns.send(new ListTagsForResourceCommand({ ResourceArn: topicArn }))
  const subscription = await live.sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: subscriptionArn }))
  const all = await live.sns.send(new ListSubscriptionsCommand({}))
  const byTopic = await live.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn }))
  return {
    displayName: topic.Attributes?.["DisplayName"],
    tags: tags.Tags,
    filterPolicy: subscription.Attributes?.["FilterPolicy"],
    listed: all.Subscriptions?.some((s) => s.SubscriptionArn === subscriptionArn),
    listedByTopic: byTopic.Subscriptions?.map((s) => s.SubscriptionArn)
  }
}

const expectRefused = async (call: Promise<unknown>, parameter: string, codePoint: string) => {
  const error: unknown = await call.then(() => expect.fail("the call succeeded"), (e: unknown) => e)
  expect(error).toBeInstanceOf(InvalidParameterException)
  const refusal = error as InvalidParameterException
  expect(refusal.$metadata.httpStatusCode).toBe(400)
  expect(refusal.message).toBe(`Invalid parameter: ${parameter} Reason: ${codePoint} is not a character XML 1.0 allows (XML 1.0 section 2.2, Char).`)
}

describe("characters XML 1.0 cannot carry", () => {
  it("a U+FFFF attribute, tag or subscription attribute is refused, and every read of the resource still answers, unchanged", async () => {
    const before = await readEverything()
    expect(before).toEqual({
      displayName: "before",
      tags: [{ Key: "k", Value: "before" }],
      filterPolicy: undefined,
      listed: true,
      listedByTopic: [subscriptionArn]
    })
    await expectRefused(live.sns.send(new SetTopicAttributesCommand({ TopicArn: topicArn, AttributeName: "DisplayName", AttributeValue: "a\uFFFF" })), "AttributeValue", "U+FFFF")
    expect(await readEverything()).toEqual(before)
    await expectRefused(live.sns.send(new TagResourceCommand({ ResourceArn: topicArn, Tags: [{ Key: "k", Value: "\uFFFF" }] })), "Tags.member.1.Value", "U+FFFF")
    expect(await readEverything()).toEqual(before)
    await expectRefused(
      live.sns.send(new SetSubscriptionAttributesCommand({ SubscriptionArn: subscriptionArn, AttributeName: "FilterPolicy", AttributeValue: '{"a":["\uFFFF"]}' })),
      "AttributeValue",
      "U+FFFF"
    )
    expect(await readEverything()).toEqual(before)
    await expectRefused(
      live.sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: "sms", Endpoint: "+1555555\u00000101" })),
      "Endpoint",
      "U+0000"
    )
    expect(await readEverything()).toEqual(before)
  })
})
