/**
 * Queue policies as pure rules: who may act on a queue, and whether SNS may deliver a topic's
 * messages into it (`src/sqs/QueuePolicy.ts`, docs/SEMANTICS.md §8 and §9).
 */
import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import * as IamPolicy from "../../src/IamPolicy.js"
import type { RequestContext } from "../../src/RequestContext.js"
import * as Queue from "../../src/sqs/Queue.js"
import * as QueueMessages from "../../src/sqs/QueueMessages.js"
import * as QueuePolicy from "../../src/sqs/QueuePolicy.js"
import * as QueueStore from "../../src/sqs/QueueStore.js"

const OWNER = "000000000000"
const ARN = `arn:aws:sqs:us-east-1:${OWNER}:inbox`
const TOPIC = `arn:aws:sns:us-east-1:${OWNER}:orders`

const OWNER_AT = { accountId: OWNER, region: "us-east-1", origin: "https://localhost:9443" }

/** The queue `inbox` with this policy, in a directory of its own. */
const queueWith = (policy: unknown): Queue.Created =>
  Either.getOrThrow(
    Queue.createQueue(Queue.emptyDirectory(), { name: "inbox", attributes: policy === undefined ? {} : { Policy: JSON.stringify(policy) } }, OWNER_AT, 0)
  )

const authorize = (at: Pick<Queue.Created, "queue" | "directory">, action: string, ctx: RequestContext) =>
  QueuePolicy.authorize(at.queue, Queue.policyOf(at.directory, at.queue), action, ctx)

const allowsTopic = (at: Pick<Queue.Created, "queue" | "directory">, topicArn: string, topicAccountId: string) =>
  QueuePolicy.allowsTopic(at.queue, Queue.policyOf(at.directory, at.queue), topicArn, topicAccountId)

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
    expect(allowsTopic(queueWith(undefined), TOPIC, OWNER)).toBe(false)
    expect(allowsTopic(queueWith(snsStatement({ ArnEquals: { "aws:SourceArn": TOPIC } })), TOPIC, OWNER)).toBe(true)
    expect(allowsTopic(queueWith(snsStatement({ ArnLike: { "aws:SourceArn": `arn:aws:sns:*:${OWNER}:*` } })), TOPIC, OWNER)).toBe(true)
    expect(allowsTopic(queueWith(snsStatement({ ArnEquals: { "aws:SourceArn": `${TOPIC}-other` } })), TOPIC, OWNER)).toBe(false)
    expect(allowsTopic(queueWith(snsStatement({ StringEquals: { "aws:SourceAccount": "111111111111" } })), TOPIC, OWNER)).toBe(false)
    // A statement for AWS principals does not name the service principal.
    const awsStar = { Statement: [{ Effect: "Allow", Principal: { AWS: "*" }, Action: "sqs:*", Resource: ARN }] }
    expect(allowsTopic(queueWith(awsStar), TOPIC, OWNER)).toBe(false)
    expect(allowsTopic(queueWith({ Statement: [{ Effect: "Allow", Principal: "*", Action: "sqs:SendMessage", Resource: ARN }] }), TOPIC, OWNER)).toBe(true)
  })
})

describe("QueuePolicy.authorize", () => {
  it("lets the owner's account in unless explicitly denied, another account only where allowed, and never into owner-only actions", () => {
    const partner = { Statement: [{ Effect: "Allow", Principal: { AWS: "111111111111" }, Action: ["sqs:SendMessage", "sqs:SetQueueAttributes"], Resource: ARN }] }
    const queue = queueWith(partner)
    expect(Either.isRight(authorize(queue, "DeleteQueue", caller(OWNER)))).toBe(true)
    expect(Either.isRight(authorize(queue, "SendMessage", caller("111111111111")))).toBe(true)
    expect(Either.isLeft(authorize(queue, "ReceiveMessage", caller("111111111111")))).toBe(true)
    expect(Either.isLeft(authorize(queue, "SetQueueAttributes", caller("111111111111")))).toBe(true)
    expect(Either.isLeft(authorize(queue, "SendMessage", caller("222222222222")))).toBe(true)
    const denied = Either.flip(authorize(queueWith({ Statement: [{ Effect: "Deny", Principal: "*", Action: "sqs:*", Resource: ARN, Condition: { Bool: { "aws:SecureTransport": "false" } } }] }), "SendMessage", caller(OWNER, "http")))
    expect(Either.getOrThrow(denied).message).toBe(`Access to the resource https://localhost:9443/${OWNER}/inbox is denied.`)
  })
})

describe("the parsed queue policy", () => {
  const parsed = (text: string) => Either.getOrThrow(IamPolicy.parse(text))
  const policyText = (at: Pick<Queue.Created, "queue" | "directory">) => at.queue.attributes["Policy"]

  it("follows SetQueueAttributes, AddPermission and RemovePermission, and DeleteQueue drops it", () => {
    const created = queueWith(undefined)
    expect(Queue.policyOf(created.directory, created.queue)).toBeUndefined()
    const set = (at: Pick<Queue.Created, "queue" | "directory">, policy: string, now: number) =>
      Either.getOrThrow(Queue.setQueueAttributes(at.directory, at.queue.url, { Policy: policy }, now))

    const snsAllowed = set(created, JSON.stringify(snsStatement({ ArnEquals: { "aws:SourceArn": TOPIC } })), 1)
    expect(Queue.policyOf(snsAllowed.directory, snsAllowed.queue)).toEqual(parsed(policyText(snsAllowed)!))
    expect(allowsTopic(snsAllowed, TOPIC, OWNER)).toBe(true)
    expect(Either.isLeft(authorize(snsAllowed, "SendMessage", caller("111111111111")))).toBe(true)

    const added = set(snsAllowed, Either.getOrThrow(QueuePolicy.addPermission(snsAllowed.queue, { label: "Partner", accountIds: ["111111111111"], actions: ["SendMessage"] })), 2)
    expect(Queue.policyOf(added.directory, added.queue)).toEqual(parsed(policyText(added)!))
    expect(Either.isRight(authorize(added, "SendMessage", caller("111111111111")))).toBe(true)
    expect(allowsTopic(added, TOPIC, OWNER)).toBe(true)

    const removed = set(added, Either.getOrThrow(QueuePolicy.removePermission(added.queue, "Partner")), 3)
    expect(Queue.policyOf(removed.directory, removed.queue)).toEqual(parsed(policyText(snsAllowed)!))
    expect(Either.isLeft(authorize(removed, "SendMessage", caller("111111111111")))).toBe(true)

    // An attribute change that leaves the Policy text alone keeps the parsed value as it was.
    const unrelated = Either.getOrThrow(Queue.setQueueAttributes(removed.directory, removed.queue.url, { DelaySeconds: "5" }, 4))
    expect(Queue.policyOf(unrelated.directory, unrelated.queue)).toBe(Queue.policyOf(removed.directory, removed.queue))

    const cleared = set(unrelated, "", 5)
    expect(Queue.policyOf(cleared.directory, cleared.queue)).toBeUndefined()
    expect(allowsTopic(cleared, TOPIC, OWNER)).toBe(false)

    const again = set(cleared, JSON.stringify(snsStatement({ ArnEquals: { "aws:SourceArn": TOPIC } })), 6)
    const deleted = Either.getOrThrow(Queue.deleteQueue(again.directory, again.queue.url, 7))
    expect(deleted.directory.policies.size).toBe(0)
  })

  it("is parsed again from each queue's Policy when a store's changes are applied", () => {
    const before = QueueStore.empty()
    const created = queueWith(snsStatement({ ArnEquals: { "aws:SourceArn": TOPIC } }))
    const after: QueueStore.QueueSystem = { directory: created.directory, states: new Map([[Queue.keyOf(OWNER, "inbox"), QueueMessages.empty()]]) }
    const loaded = QueueStore.applyChanges(before, QueueStore.diff(before, after))
    expect(Queue.policyOf(loaded.directory, created.queue)).toEqual(parsed(policyText(created)!))
    const dropped = Either.getOrThrow(Queue.setQueueAttributes(created.directory, created.queue.url, { Policy: "" }, 1))
    const reloaded = QueueStore.applyChanges(loaded, QueueStore.diff({ ...after }, { ...after, directory: dropped.directory }))
    expect(Queue.policyOf(reloaded.directory, created.queue)).toBeUndefined()
  })
})
