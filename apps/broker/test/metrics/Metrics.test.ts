import { describe, expect, it } from "@effect/vitest"
import type { Message, Replay } from "@sealcast/core"
import * as Metrics from "../../src/metrics/Metrics.js"

const topic = "arn:aws:sns:us-east-1:000000000000:orders"

const stored = (messageId: string): Message.StoredMessage => ({
  messageId,
  topicArn: topic,
  subject: undefined,
  attributes: {},
  messageStructure: undefined,
  timestamp: 0,
  publisher: "arn:aws:iam::000000000000:root",
  fifo: undefined,
  body: { _tag: "Plain", text: "hello" }
})

describe("Metrics", () => {
  it("renders the counters in the Prometheus text format, each family with HELP and TYPE", () => {
    const metrics = Metrics.make()
    metrics.observe({
      _tag: "MessagesAccepted",
      topicArn: topic,
      messages: [
        { message: stored("a"), bytes: 100, subscriptionArns: ["s"], filteredOut: { FilteredOut: 2 } },
        { message: stored("b"), bytes: 50, subscriptionArns: [], filteredOut: { NoMessageAttributes: 1, InvalidMessageBody: 3 } }
      ]
    })
    metrics.delivered(topic, "https")
    metrics.delivered(topic, "https")
    metrics.failed(topic, "lambda")
    metrics.dropped(topic, "lambda")
    const text = metrics.render([{ keyArn: "arn:aws:kms:us-east-1:000000000000:key/k", operation: "Decrypt", count: 7 }], Metrics.everything)
    const lines = text.split("\n")
    expect(text.endsWith("\n")).toBe(true)
    expect(lines).toContain(`sealcast_sns_messages_published_total{topic_arn="${topic}"} 2`)
    expect(lines).toContain(`sealcast_sns_publish_size_bytes_sum{topic_arn="${topic}"} 150`)
    expect(lines).toContain(`sealcast_sns_publish_size_bytes_count{topic_arn="${topic}"} 2`)
    expect(lines).toContain(`sealcast_sns_notifications_delivered_total{topic_arn="${topic}",protocol="https"} 2`)
    expect(lines).toContain(`sealcast_sns_notifications_failed_total{topic_arn="${topic}",protocol="lambda"} 1`)
    expect(lines).toContain(`sealcast_sns_notifications_dropped_total{topic_arn="${topic}",protocol="lambda"} 1`)
    expect(lines).toContain(`sealcast_sns_notifications_filtered_out_total{topic_arn="${topic}"} 2`)
    expect(lines).toContain(`sealcast_sns_notifications_filtered_out_no_message_attributes_total{topic_arn="${topic}"} 1`)
    expect(lines).toContain(`sealcast_sns_notifications_filtered_out_invalid_message_body_total{topic_arn="${topic}"} 3`)
    expect(lines).toContain(`sealcast_kms_requests_total{key_arn="arn:aws:kms:us-east-1:000000000000:key/k",operation="Decrypt"} 7`)
    // Every sample belongs to a family declared just before it.
    const declared = new Set(lines.filter((l) => l.startsWith("# TYPE ")).map((l) => l.split(" ")[2]!))
    for (const sample of lines.filter((l) => l !== "" && !l.startsWith("#"))) {
      const name = sample.split(/[{ ]/)[0]!
      expect(declared.has(name) || declared.has(name.replace(/_(sum|count)$/, ""))).toBe(true)
    }
    expect(lines.filter((l) => l.startsWith("# HELP ")).length).toBe(declared.size)
  })

  it("counts replays started, completed and failed and the messages replayed, by the status each step moves a replay to", () => {
    const metrics = Metrics.make()
    const pending: Replay.Replay = { status: "Pending", startingPoint: 0, endingPoint: undefined, requestedAt: 10 }
    const running: Replay.Replay = { ...pending, status: "In progress" }
    metrics.replayStep(topic, pending, { _tag: "Started", inserted: 3 })
    metrics.replayStep(topic, running, { _tag: "Drained" })
    // Started with nothing selected: started and completed at once.
    metrics.replayStep(topic, pending, { _tag: "Started", inserted: 0 })
    metrics.replayStep(topic, pending, { _tag: "ArchiveGone" })
    // Steps that move nothing count nothing.
    metrics.replayStep(topic, pending, { _tag: "Drained" })
    metrics.replayStep(topic, { ...pending, status: "Completed" }, { _tag: "Started", inserted: 5 })
    metrics.replayStep(topic, running, { _tag: "ArchiveGone" })
    const lines = metrics.render([], Metrics.everything).split("\n")
    expect(lines).toContain(`sealcast_sns_replays_started_total{topic_arn="${topic}"} 2`)
    expect(lines).toContain(`sealcast_sns_replays_completed_total{topic_arn="${topic}"} 2`)
    expect(lines).toContain(`sealcast_sns_replays_failed_total{topic_arn="${topic}"} 1`)
    expect(lines).toContain(`sealcast_sns_messages_replayed_total{topic_arn="${topic}"} 3`)
    expect(lines).toContain("# TYPE sealcast_sns_replays_started_total counter")
    expect(metrics.render([], Metrics.totals).split("\n")).toContain("sealcast_sns_messages_replayed_total 3")
  })

  it("shows resource names only to their own account; without one, the totals across them", () => {
    const metrics = Metrics.make()
    const other = "arn:aws:sns:us-east-1:111111111111:secret-plans"
    metrics.delivered(topic, "https")
    metrics.delivered(other, "https")
    metrics.delivered(other, "sqs")
    metrics.sealedBodyRefused(topic, `${topic}:0b1c`)
    metrics.sealedBodyRefused(other, `${other}:9f2e`)
    const kms = [
      { keyArn: "arn:aws:kms:us-east-1:000000000000:key/k", operation: "Decrypt", count: 7 },
      { keyArn: "arn:aws:kms:us-east-1:111111111111:key/q", operation: "Decrypt", count: 2 }
    ]
    const totals = metrics.render(kms, Metrics.totals)
    expect(totals).not.toMatch(/arn:|topic_arn|key_arn/)
    expect(totals.split("\n")).toEqual(expect.arrayContaining([
      'sealcast_sns_notifications_delivered_total{protocol="https"} 2',
      'sealcast_sns_notifications_delivered_total{protocol="sqs"} 1',
      'sealcast_kms_requests_total{operation="Decrypt"} 9',
      "sealcast_sns_sealed_body_refusals_total 2"
    ]))
    const mine = metrics.render(kms, Metrics.account("000000000000"))
    expect(mine).toContain(`sealcast_sns_notifications_delivered_total{topic_arn="${topic}",protocol="https"} 1`)
    expect(mine).toContain('sealcast_kms_requests_total{key_arn="arn:aws:kms:us-east-1:000000000000:key/k",operation="Decrypt"} 7')
    expect(mine).toContain(`sealcast_sns_sealed_body_refusals_total{topic_arn="${topic}",subscription_arn="${topic}:0b1c"} 1`)
    expect(mine).not.toContain("111111111111")
  })

  it("escapes label values as the exposition format requires", () => {
    expect(Metrics.escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd')
    const metrics = Metrics.make()
    metrics.delivered('odd"topic\\', "http")
    expect(metrics.render([], Metrics.everything)).toContain('sealcast_sns_notifications_delivered_total{topic_arn="odd\\"topic\\\\",protocol="http"} 1')
  })
})
