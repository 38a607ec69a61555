/**
 * Queue policies as pure rules: who may act on a queue, and whether SNS may deliver a topic's
 * messages into it (`src/sqs/QueuePolicy.ts`, docs/SEMANTICS.md §8 and §9).
 */
import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import type { RequestContext } from "../../src/RequestContext.js"
import * as Queue from "../../src/sqs/Queue.js"
import * as QueuePolicy from "../../src/sqs/QueuePolicy.js"

const OWNER = "000000000000"
const ARN = `arn:aws:sqs:us-east-1:${OWNER}:inbox`
const TOPIC = `arn:aws:sns:us-east-1:${OWNER}:orders`

const queueWith = (policy: unknown): Queue.Queue =>
  Either.getOrThrow(
    Queue.make(
      { name: "inbox", attributes: policy === undefined ? {} : { Policy: JSON.stringify(policy) } },
      { accountId: OWNER, region: "us-east-1", origin: "https://localhost:9443" },
      0
    )
  )

const caller = (accountId: string, transport: "https" | "http" = "https"): RequestContext => ({
  accountId,
  principalArn: `arn:aws:iam::${accountId}:user/u`,
  region: "us-east-1",
  transport,
  auth: "sigv4"
})

const snsStatement = (condition: unknown) => ({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { Service: "sns.amazonaws.com" }, Action: "sqs:SendMessage", Resource: ARN, Condition: condition }]
})

describe("QueuePolicy.allowsTopic", () => {
  it("asks for sns.amazonaws.com, sqs:SendMessage, and the topic and its account as aws:SourceArn and aws:SourceAccount", () => {
    expect(QueuePolicy.allowsTopic(queueWith(undefined), TOPIC, OWNER)).toBe(false)
    expect(QueuePolicy.allowsTopic(queueWith(snsStatement({ ArnEquals: { "aws:SourceArn": TOPIC } })), TOPIC, OWNER)).toBe(true)
    expect(QueuePolicy.allowsTopic(queueWith(snsStatement({ ArnLike: { "aws:SourceArn": `arn:aws:sns:*:${OWNER}:*` } })), TOPIC, OWNER)).toBe(true)
    expect(QueuePolicy.allowsTopic(queueWith(snsStatement({ ArnEquals: { "aws:SourceArn": `${TOPIC}-other` } })), TOPIC, OWNER)).toBe(false)
    expect(QueuePolicy.allowsTopic(queueWith(snsStatement({ StringEquals: { "aws:SourceAccount": "111111111111" } })), TOPIC, OWNER)).toBe(false)
    // A statement for AWS principals does not name the service principal.
    const awsStar = { Statement: [{ Effect: "Allow", Principal: { AWS: "*" }, Action: "sqs:*", Resource: ARN }] }
    expect(QueuePolicy.allowsTopic(queueWith(awsStar), TOPIC, OWNER)).toBe(false)
    expect(QueuePolicy.allowsTopic(queueWith({ Statement: [{ Effect: "Allow", Principal: "*", Action: "sqs:SendMessage", Resource: ARN }] }), TOPIC, OWNER)).toBe(true)
  })
})

describe("QueuePolicy.authorize", () => {
  it("lets the owner's account in unless explicitly denied, another account only where allowed, and never into owner-only actions", () => {
    const partner = { Statement: [{ Effect: "Allow", Principal: { AWS: "111111111111" }, Action: ["sqs:SendMessage", "sqs:SetQueueAttributes"], Resource: ARN }] }
    const queue = queueWith(partner)
    expect(Either.isRight(QueuePolicy.authorize(queue, "DeleteQueue", caller(OWNER)))).toBe(true)
    expect(Either.isRight(QueuePolicy.authorize(queue, "SendMessage", caller("111111111111")))).toBe(true)
    expect(Either.isLeft(QueuePolicy.authorize(queue, "ReceiveMessage", caller("111111111111")))).toBe(true)
    expect(Either.isLeft(QueuePolicy.authorize(queue, "SetQueueAttributes", caller("111111111111")))).toBe(true)
    expect(Either.isLeft(QueuePolicy.authorize(queue, "SendMessage", caller("222222222222")))).toBe(true)
    const denied = Either.flip(QueuePolicy.authorize(queueWith({ Statement: [{ Effect: "Deny", Principal: "*", Action: "sqs:*", Resource: ARN, Condition: { Bool: { "aws:SecureTransport": "false" } } }] }), "SendMessage", caller(OWNER, "http")))
    expect(Either.getOrThrow(denied).message).toBe(`Access to the resource https://localhost:9443/${OWNER}/inbox is denied.`)
  })
})
