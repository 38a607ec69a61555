import { describe, expect, it } from "@effect/vitest"
import * as Outbox from "../../src/delivery/Outbox.js"

const entry = (n: number, protocol = "sms"): Outbox.OutboxEntry => ({
  type: "Notification",
  protocol,
  endpoint: "+15555550100",
  accountId: "000000000000",
  subscriptionArn: "arn:aws:sns:us-east-1:000000000000:t:s",
  topicArn: "arn:aws:sns:us-east-1:000000000000:t",
  messageId: String(n),
  subject: undefined,
  body: `message ${n}`,
  subscribeUrl: undefined,
  deliveredAt: new Date(0).toISOString()
})

describe("Outbox", () => {
  it("keeps the most recent entries, oldest first, and counts every one", () => {
    const outbox = Outbox.make(3)
    for (let n = 1; n <= 5; n++) outbox.put(entry(n, n % 2 === 0 ? "email" : "sms"))
    const snapshot = outbox.snapshot()
    expect(snapshot.entries.map((e) => e.messageId)).toEqual(["3", "4", "5"])
    expect(snapshot.total).toBe(5)
    expect(snapshot.evicted).toBe(2)
    expect(snapshot.counts).toEqual({ sms: 3, email: 2 })
    expect(JSON.parse(outbox.response("000000000000").body)).toEqual(snapshot)
  })

  it("answers a caller only the entries of its own account's topics", () => {
    const outbox = Outbox.make()
    outbox.put(entry(1))
    outbox.put({ ...entry(2), accountId: "111111111111", topicArn: "arn:aws:sns:us-east-1:111111111111:t" })
    const mine = JSON.parse(outbox.response("111111111111").body) as Outbox.OutboxSnapshot
    expect(mine.entries.map((e) => e.messageId)).toEqual(["2"])
    expect(mine.total).toBe(2)
    expect(JSON.parse(outbox.response("222222222222").body).entries).toEqual([])
  })

  it("narrows a caller's entries to one kind or one target when asked", () => {
    const outbox = Outbox.make()
    outbox.put(entry(1, "sms"))
    outbox.put({ ...entry(2, "application"), endpoint: "arn:aws:sns:us-east-1:000000000000:endpoint/GCM/app/a" })
    outbox.put({ ...entry(3, "application"), endpoint: "arn:aws:sns:us-east-1:000000000000:endpoint/GCM/app/b" })
    const ids = (filter: Parameters<Outbox.Outbox["response"]>[1]) =>
      (JSON.parse(outbox.response("000000000000", filter).body) as Outbox.OutboxSnapshot).entries.map((e) => e.messageId)
    expect(ids({ kind: "application" })).toEqual(["2", "3"])
    expect(ids({ kind: "sms" })).toEqual(["1"])
    expect(ids({ target: "arn:aws:sns:us-east-1:000000000000:endpoint/GCM/app/b" })).toEqual(["3"])
    expect(ids({ kind: "sms", target: "arn:aws:sns:us-east-1:000000000000:endpoint/GCM/app/b" })).toEqual([])
  })
})
