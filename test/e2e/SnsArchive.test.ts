/**
 * Message archiving and replay for FIFO topics through the unmodified SDK v3 (docs/SEMANTICS.md §7,
 * "Message archiving", "Message replay"): ArchivePolicy is validated, kept and answered with
 * BeginningArchiveTime; a subscription's ReplayPolicy redelivers the archived messages of its window,
 * marked Replayed, and its ReplayStatus says how far it got, across a restart too. A FIFO topic's
 * subscribers are SQS queues (docs/SEMANTICS.md §9): what they received is read from the queue.
 */
import {
  ConfirmSubscriptionCommand,
  CreateTopicCommand,
  GetSubscriptionAttributesCommand,
  GetTopicAttributesCommand,
  InvalidParameterException,
  PublishCommand,
  ReplayLimitExceededException,
  SetSubscriptionAttributesCommand,
  SetTopicAttributesCommand,
  type SNSClient,
  SubscribeCommand
} from "@aws-sdk/client-sns"
import { ReceiveMessageCommand } from "@aws-sdk/client-sqs"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type RunningBroker, startBroker } from "sealcast"
import { afterAll, describe, expect, it } from "vitest"
import { awsErrorOf, eventually, receiveCount, sendSigned, snsClient, sqsClient, subscribeQueue, targetOf } from "./support/Clients.js"
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

const archivedTopic = async (sns: SNSClient, name: string) => {
  const { TopicArn } = await sns.send(
    new CreateTopicCommand({ Name: name, Attributes: { FifoTopic: "true", ArchivePolicy: '{"MessageRetentionPeriod":"7"}' } })
  )
  const beginning = (await sns.send(new GetTopicAttributesCommand({ TopicArn }))).Attributes!["BeginningArchiveTime"]!
  return { topicArn: TopicArn!, beginning }
}

let published = 0
const publishAll = async (sns: SNSClient, topicArn: string, kinds: ReadonlyArray<string>) => {
  const ids: Array<string> = []
  for (const [i, kind] of kinds.entries()) {
    const { MessageId } = await sns.send(
      new PublishCommand({
        TopicArn: topicArn,
        Message: `m${i}`,
        MessageGroupId: "g",
        MessageDeduplicationId: `d${published++}`,
        MessageAttributes: { kind: { DataType: "String", StringValue: kind } }
      })
    )
    ids.push(MessageId!)
  }
  return ids
}

const replayStatus = async (sns: SNSClient, subscriptionArn: string) =>
  (await sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: subscriptionArn }))).Attributes!["ReplayStatus"]

const setReplay = (sns: SNSClient, subscriptionArn: string, value: string) =>
  sns.send(new SetSubscriptionAttributesCommand({ SubscriptionArn: subscriptionArn, AttributeName: "ReplayPolicy", AttributeValue: value }))

const REPLAYED = { Type: "String", Value: "true" }

/** The next `count` notification documents SNS wrote into the queue, in the queue's order. */
const notifications = async (url: string, count: number, sqs = live.sqs) =>
  (await receiveCount(sqs, url, count)).map((m) => JSON.parse(m.Body!) as Record<string, unknown>)

describe("ReplayPolicy on a subscription of an archived topic", () => {
  it("replays the archived messages to a later subscription, in order and marked Replayed; ReplayStatus ends Completed", async () => {
    const { topicArn, beginning } = await archivedTopic(live.sns, "replayed.fifo")
    const ids = await publishAll(live.sns, topicArn, ["order", "refund", "order", "order"])
    const { url, subscriptionArn } = await subscribeQueue(live.sns, live.sqs, topicArn, "replayed.fifo")
    expect(await replayStatus(live.sns, subscriptionArn)).toBeUndefined()

    await setReplay(live.sns, subscriptionArn, JSON.stringify({ PointType: "Timestamp", StartingPoint: beginning }))
    expect(["Pending", "In progress", "Completed"]).toContain(await replayStatus(live.sns, subscriptionArn))
    await eventually("the replay to complete", async () => (await replayStatus(live.sns, subscriptionArn)) === "Completed")
    const replayed = await notifications(url, 4)
    expect(replayed.map((n) => n["MessageId"])).toEqual(ids)
    expect(replayed.map((n) => n["Message"])).toEqual(["m0", "m1", "m2", "m3"])
    for (const n of replayed) expect((n["MessageAttributes"] as Record<string, unknown>)["Replayed"]).toEqual(REPLAYED)
    const metrics = (await sendSigned(live.target, { method: "GET", path: "/_sealcast/metrics", service: "sns" })).body.split("\n")
    expect(metrics).toContain(`sealcast_sns_replays_started_total{topic_arn="${topicArn}"} 1`)
    expect(metrics).toContain(`sealcast_sns_replays_completed_total{topic_arn="${topicArn}"} 1`)
    expect(metrics).toContain(`sealcast_sns_messages_replayed_total{topic_arn="${topicArn}"} 4`)

    // With no EndingPoint, newly published messages follow, as published.
    const [fresh] = await publishAll(live.sns, topicArn, ["later"])
    const [last] = await notifications(url, 1)
    expect(last!["MessageId"]).toBe(fresh)
    expect((last!["MessageAttributes"] as Record<string, unknown>)["Replayed"]).toBeUndefined()
  })

  it("with raw delivery, the queue message carries Replayed as a message attribute", async () => {
    const { topicArn, beginning } = await archivedTopic(live.sns, "replayed-raw.fifo")
    await publishAll(live.sns, topicArn, ["order", "refund"])
    const { url, subscriptionArn } = await subscribeQueue(live.sns, live.sqs, topicArn, "replayed-raw.fifo", { subscriptionAttributes: { RawMessageDelivery: "true" } })
    await setReplay(live.sns, subscriptionArn, JSON.stringify({ PointType: "Timestamp", StartingPoint: beginning }))
    const replayed = await receiveCount(live.sqs, url, 2)
    const attribute = (m: (typeof replayed)[number], name: string) => [m.MessageAttributes?.[name]?.DataType, m.MessageAttributes?.[name]?.StringValue]
    expect(replayed.map((m) => [m.Body, attribute(m, "Replayed"), attribute(m, "kind"), m.Attributes?.["MessageGroupId"]])).toEqual([
      ["m0", ["String", "true"], ["String", "order"], "g"],
      ["m1", ["String", "true"], ["String", "refund"], "g"]
    ])
  })

  it("takes only what the subscription's filter policy accepts, up to the EndingPoint; a new policy supersedes; an ending point stops new messages", async () => {
    const { topicArn, beginning } = await archivedTopic(live.sns, "replay-window.fifo")
    const early = await publishAll(live.sns, topicArn, ["order", "refund", "order"])
    const cut = new Date(Date.now() + 5).toISOString()
    await eventually("the clock to pass the cut", () => Date.now() > Date.parse(cut) + 5)
    const late = await publishAll(live.sns, topicArn, ["order", "refund"])
    const { url, subscriptionArn } = await subscribeQueue(live.sns, live.sqs, topicArn, "replay-window.fifo", {
      subscriptionAttributes: { FilterPolicy: '{"kind":["order"]}' }
    })
    await setReplay(live.sns, subscriptionArn, JSON.stringify({ PointType: "Timestamp", StartingPoint: beginning, EndingPoint: cut }))
    await eventually("the bounded replay to complete", async () => (await replayStatus(live.sns, subscriptionArn)) === "Completed")
    expect((await notifications(url, 2)).map((n) => n["MessageId"])).toEqual([early[0], early[2]])

    // A new policy replays again, from the later messages on.
    const afterCut = new Date(Date.parse(cut) + 1).toISOString()
    await setReplay(live.sns, subscriptionArn, JSON.stringify({ PointType: "Timestamp", StartingPoint: afterCut, EndingPoint: new Date().toISOString() }))
    await eventually("the second replay to complete", async () => (await replayStatus(live.sns, subscriptionArn)) === "Completed")
    expect((await notifications(url, 1)).map((n) => n["MessageId"])).toEqual([late[0]])

    // With an ending point the subscription gets no new message: one an open subscription receives.
    const open = await subscribeQueue(live.sns, live.sqs, topicArn, "replay-open.fifo")
    const [fresh] = await publishAll(live.sns, topicArn, ["order"])
    expect((await notifications(open.url, 1)).map((n) => n["MessageId"])).toEqual([fresh])
    const { Messages = [] } = await live.sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }))
    expect(Messages).toEqual([])

    // An empty policy stops the replay: the subscription is routed new messages again.
    await setReplay(live.sns, subscriptionArn, "")
    expect(await replayStatus(live.sns, subscriptionArn)).toBeUndefined()
    const [again] = await publishAll(live.sns, topicArn, ["order"])
    expect((await notifications(url, 1)).map((n) => n["MessageId"])).toEqual([again])
  })

  it("refuses a policy outside the topic's archive, in the future, impossible, or on a topic that keeps no archive", async () => {
    const { topicArn, beginning } = await archivedTopic(live.sns, "replay-checks.fifo")
    await publishAll(live.sns, topicArn, ["order"])
    const policy = (start: string, end?: string) => JSON.stringify({ PointType: "Timestamp", StartingPoint: start, ...(end === undefined ? {} : { EndingPoint: end }) })
    const queue = await subscribeQueue(live.sns, live.sqs, topicArn, "replay-checks.fifo")
    const { subscriptionArn } = queue
    const set = (value: string) => setReplay(live.sns, subscriptionArn, value)
    const before = new Date(Date.parse(beginning) - 1000).toISOString()
    const future = new Date(Date.now() + 3_600_000).toISOString()
    await refusedWith(set(policy(before)), `Invalid parameter: ReplayPolicy Reason: StartingPoint must not be before the topic's BeginningArchiveTime (${beginning})`)
    await refusedWith(set(policy(future)), "Invalid parameter: ReplayPolicy Reason: StartingPoint must not be in the future")
    await refusedWith(set(policy(beginning, future)), "Invalid parameter: ReplayPolicy Reason: EndingPoint must not be in the future")
    await refusedWith(set(policy("2026-02-30T00:00:00.000Z")), "Invalid parameter: ReplayPolicy Reason: StartingPoint must be an ISO 8601 timestamp")
    await refusedWith(set('{"PointType":"Sequence","StartingPoint":"2024-01-01T00:00:00Z"}'), "PointType must be Timestamp")
    await refusedWith(
      set('{"PointType":"Timestamp","StartingPoint":"2024-01-02T00:00:00Z","EndingPoint":"2024-01-01T00:00:00Z"}'),
      "EndingPoint must not be before StartingPoint"
    )
    expect(await replayStatus(live.sns, subscriptionArn)).toBeUndefined()

    const plain = await live.sns.send(new CreateTopicCommand({ Name: "replay-unarchived.fifo", Attributes: { FifoTopic: "true" } }))
    await refusedWith(
      live.sns.send(new SubscribeCommand({ TopicArn: plain.TopicArn, Protocol: "sqs", Endpoint: queue.arn, Attributes: { ReplayPolicy: policy(beginning) } })),
      "Invalid parameter: ReplayPolicy Reason: The topic has no ArchivePolicy, so it keeps no messages to replay"
    )
    const standard = await live.sns.send(new CreateTopicCommand({ Name: "replay-standard" }))
    await refusedWith(
      live.sns.send(new SubscribeCommand({ TopicArn: standard.TopicArn, Protocol: "http", Endpoint: "http://127.0.0.1:9/replay", Attributes: { ReplayPolicy: policy(beginning) } })),
      "Invalid parameter: ReplayPolicy Reason: ReplayPolicy is only supported for subscriptions to FIFO topics"
    )
  })
})

describe("the limit on unfinished replays (ReplayLimitExceeded)", () => {
  // The limit counts all the account's topics: a broker of its own keeps the suite's other replays out of the count.
  const own = useBroker()

  it("refuses one replay more than an account may have unfinished across its topics, 403 through the SDK and the Query protocol", async () => {
    const first = await archivedTopic(own.sns, "replay-limit.fifo")
    const second = await archivedTopic(own.sns, "replay-limit-2.fifo")
    const policyOf = (topic: { readonly beginning: string }) => JSON.stringify({ PointType: "Timestamp", StartingPoint: topic.beginning })
    // Another account's queues stay pending confirmation, so their replays stay Pending: unfinished.
    const queue = (i: number) => `arn:aws:sqs:${own.target.region}:111111111111:replay-limit-${i}.fifo`
    // Spread over two topics, so neither comes near its quota of 100 subscriptions.
    for (let i = 0; i < 100; i++) {
      const topic = i % 2 === 0 ? first : second
      await own.sns.send(new SubscribeCommand({ TopicArn: topic.topicArn, Protocol: "sqs", Endpoint: queue(i), Attributes: { ReplayPolicy: policyOf(topic) } }))
    }
    const refused = await rejection(
      own.sns.send(new SubscribeCommand({ TopicArn: first.topicArn, Protocol: "sqs", Endpoint: queue(100), Attributes: { ReplayPolicy: policyOf(first) } }))
    )
    expect(refused).toBeInstanceOf(ReplayLimitExceededException)
    expect((refused as ReplayLimitExceededException).$metadata.httpStatusCode).toBe(403)
    expect((refused as Error).message).toBe(
      "The account already has 100 message replays that are not finished, the most that may run at once; try again once one completes"
    )

    const { SubscriptionArn } = await own.sns.send(new SubscribeCommand({ TopicArn: second.topicArn, Protocol: "sqs", Endpoint: queue(100), ReturnSubscriptionArn: true }))
    const body = new URLSearchParams({
      Action: "SetSubscriptionAttributes",
      Version: "2010-03-31",
      SubscriptionArn: SubscriptionArn!,
      AttributeName: "ReplayPolicy",
      AttributeValue: policyOf(second)
    }).toString()
    const answer = await sendSigned(own.target, { method: "POST", path: "/", service: "sns", headers: { "content-type": "application/x-www-form-urlencoded" }, body })
    expect(answer.status).toBe(403)
    expect(awsErrorOf(answer)).toMatchObject({ protocol: "query", code: "ReplayLimitExceeded" })
    expect(await replayStatus(own.sns, SubscriptionArn!)).toBeUndefined()
  }, 60_000)
})

describe("a replay across a restart", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "sealcast-replay-"))
  const otherDir = mkdtempSync(join(tmpdir(), "sealcast-replay-other-"))
  const credentialsFile = join(otherDir, "other-account.ini")
  writeFileSync(credentialsFile, ["[AKIAOTHER0000000000]", "secret_access_key = other/secret", "account_id = 111111111111", ""].join("\n"), { mode: 0o600 })
  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true })
    rmSync(otherDir, { recursive: true, force: true })
  })
  const clients = (broker: RunningBroker) => {
    const target = targetOf(broker)
    return { sns: snsClient(target), theirSqs: sqsClient({ ...target, credentials: { accessKeyId: "AKIAOTHER0000000000", secretAccessKey: "other/secret" } }) }
  }

  it("keeps its ReplayStatus and is carried out by the next broker, once its subscription is confirmed", async () => {
    // Another account's queue, subscribed by the topic's owner, stays pending until its owner confirms
    // (docs/SEMANTICS.md §9): the subscription receives nothing, so its replay waits, Pending, across the stop.
    let topicArn: string
    let subscriptionArn: string
    let url: string
    let token: string
    let ids: Array<string>
    const first = await startBroker({ port: 0, dataDir, credentials: credentialsFile, logLevel: "error" })
    try {
      const { sns, theirSqs } = clients(first)
      const archived = await archivedTopic(sns, "replay-restart.fifo")
      topicArn = archived.topicArn
      ids = await publishAll(sns, topicArn, ["a", "b", "c"])
      const queue = await subscribeQueue(sns, theirSqs, topicArn, "replay-restart.fifo", {
        subscriptionAttributes: { ReplayPolicy: JSON.stringify({ PointType: "Timestamp", StartingPoint: archived.beginning }) }
      })
      subscriptionArn = queue.subscriptionArn
      url = queue.url
      expect(await replayStatus(sns, subscriptionArn)).toBe("Pending")
      const [request] = await notifications(url, 1, theirSqs)
      expect(request).toMatchObject({ Type: "SubscriptionConfirmation", TopicArn: topicArn })
      token = String(request!["Token"])
      sns.destroy()
      theirSqs.destroy()
    } finally {
      await first.stop()
    }
    const second = await startBroker({ port: 0, dataDir, credentials: credentialsFile, logLevel: "error" })
    try {
      const { sns, theirSqs } = clients(second)
      expect(await replayStatus(sns, subscriptionArn)).toBe("Pending")
      await sns.send(new ConfirmSubscriptionCommand({ TopicArn: topicArn, Token: token }))
      await eventually("the replay to complete", async () => (await replayStatus(sns, subscriptionArn)) === "Completed")
      // The second broker asks again for the confirmation still pending when it started; that request
      // may be in the queue before the replayed messages.
      const replayed: Array<Record<string, unknown>> = []
      await eventually("the replayed messages in the queue", async () => {
        replayed.push(...(await notifications(url, 1, theirSqs)).filter((n) => n["Type"] === "Notification"))
        return replayed.length >= 3
      }, 30_000)
      expect(replayed.map((n) => n["MessageId"])).toEqual(ids)
      for (const n of replayed) expect((n["MessageAttributes"] as Record<string, unknown>)["Replayed"]).toEqual(REPLAYED)
      sns.destroy()
      theirSqs.destroy()
    } finally {
      await second.stop()
    }
  }, 60_000)
})
