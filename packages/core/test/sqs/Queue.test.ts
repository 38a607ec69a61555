/**
 * Queues one rule at a time: names, URLs and ARNs, attribute ranges and defaults with SQS's error
 * codes, CreateQueue's idempotency, the 60-second rule after DeleteQueue, redrive targets.
 */
import { Either } from "effect"
import { describe, expect, it } from "vitest"
import * as Queue from "../../src/sqs/Queue.js"
import * as QueueAttributes from "../../src/sqs/QueueAttributes.js"

const OWNER: Queue.Owner = { accountId: "000000000000", region: "us-east-1", origin: "https://localhost:9324" }
const T0 = 1_800_000_000_000

const create = (directory: Queue.Directory, name: string, attributes: Record<string, string> = {}, now = T0) =>
  Queue.createQueue(directory, { name, attributes }, OWNER, now)

const tagOf = (e: Either.Either<unknown, { readonly _tag: string }>) => (Either.isLeft(e) ? e.left._tag : "Right")

describe("Queue names", () => {
  it.each([
    ["a", false, true],
    ["x".repeat(80), false, true],
    ["x".repeat(81), false, false],
    ["with space", false, false],
    ["dot.ted", false, false],
    ["orders.fifo", false, false],
    ["orders.fifo", true, true],
    [`${"x".repeat(75)}.fifo`, true, true],
    [`${"x".repeat(76)}.fifo`, true, false],
    ["orders", true, false],
    ["", false, false]
  ])("%s (fifo %s) is valid: %s", (name, fifo, valid) => {
    expect(Either.isRight(Queue.validateName(name, fifo))).toBe(valid)
  })

  it("builds the URL and ARN from the owner", () => {
    const { queue } = Either.getOrThrow(create(Queue.emptyDirectory(), "jobs"))
    expect(queue.url).toBe("https://localhost:9324/000000000000/jobs")
    expect(queue.arn).toBe("arn:aws:sqs:us-east-1:000000000000:jobs")
    expect(Either.getOrThrow(Queue.parseQueueUrl("http://other:4566/000000000000/jobs"))).toEqual({ accountId: "000000000000", name: "jobs" })
    expect(tagOf(Queue.parseQueueUrl("https://localhost/jobs"))).toBe("QueueDoesNotExist")
  })

  it("needs FifoQueue=true and a .fifo name together, and refuses FifoQueue=false as SQS does", () => {
    expect(tagOf(create(Queue.emptyDirectory(), "a.fifo"))).toBe("InvalidParameterValue")
    expect(tagOf(create(Queue.emptyDirectory(), "a", { FifoQueue: "true" }))).toBe("InvalidParameterValue")
    expect(Either.getOrThrow(create(Queue.emptyDirectory(), "a.fifo", { FifoQueue: "True" })).queue.fifo).toBe(true)
    expect(create(Queue.emptyDirectory(), "a", { FifoQueue: "false" })).toEqual(
      Either.left(expect.objectContaining({ _tag: "InvalidAttributeName", message: "Unknown Attribute FifoQueue." }))
    )
    expect(tagOf(create(Queue.emptyDirectory(), "a.fifo", { FifoQueue: "yes" }))).toBe("InvalidAttributeValue")
  })
})

describe("Queue attributes", () => {
  it("has SQS's defaults", () => {
    const { queue } = Either.getOrThrow(create(Queue.emptyDirectory(), "q"))
    expect(Queue.describe(queue, { visible: 1, inflight: 2, delayed: 3 })).toEqual({
      DelaySeconds: "0",
      MaximumMessageSize: "262144",
      MessageRetentionPeriod: "345600",
      ReceiveMessageWaitTimeSeconds: "0",
      VisibilityTimeout: "30",
      SqsManagedSseEnabled: "true",
      QueueArn: queue.arn,
      ApproximateNumberOfMessages: "1",
      ApproximateNumberOfMessagesNotVisible: "2",
      ApproximateNumberOfMessagesDelayed: "3",
      CreatedTimestamp: String(T0 / 1000),
      LastModifiedTimestamp: String(T0 / 1000)
    })
    const fifo = Either.getOrThrow(create(Queue.emptyDirectory(), "q.fifo", { FifoQueue: "true" })).queue
    expect(Queue.describe(fifo, { visible: 0, inflight: 0, delayed: 0 })).toMatchObject({
      FifoQueue: "true",
      ContentBasedDeduplication: "false",
      DeduplicationScope: "queue",
      FifoThroughputLimit: "perQueue"
    })
  })

  it.each([
    ["DelaySeconds", "0", "900", "901"],
    ["MaximumMessageSize", "1024", "262144", "1023"],
    ["MaximumMessageSize", "1024", "262144", "262145"],
    ["MessageRetentionPeriod", "60", "1209600", "59"],
    ["MessageRetentionPeriod", "60", "1209600", "1209601"],
    ["ReceiveMessageWaitTimeSeconds", "0", "20", "21"],
    ["VisibilityTimeout", "0", "43200", "43201"],
    ["KmsDataKeyReusePeriodSeconds", "60", "86400", "59"],
    ["KmsDataKeyReusePeriodSeconds", "60", "86400", "86401"],
    ["VisibilityTimeout", "0", "43200", "-1"],
    ["VisibilityTimeout", "0", "43200", "1.5"],
    ["VisibilityTimeout", "0", "43200", "ten"]
  ])("%s takes %s to %s, refuses %s", (name, min, max, bad) => {
    expect(Either.getOrThrow(QueueAttributes.validateAttribute(name, min, false))).toBe(min)
    expect(Either.getOrThrow(QueueAttributes.validateAttribute(name, max, false))).toBe(max)
    const refused = QueueAttributes.validateAttribute(name, bad, false)
    expect(refused).toEqual(Either.left(expect.objectContaining({ _tag: "InvalidAttributeValue", message: `Invalid value for the parameter ${name}.` })))
  })

  it("refuses unknown, read-only and FIFO-only attributes by name", () => {
    for (const name of ["Bogus", "QueueArn", "ApproximateNumberOfMessages", "ContentBasedDeduplication"]) {
      const refused = create(Queue.emptyDirectory(), "q", { [name]: "true" })
      expect(refused).toEqual(Either.left(expect.objectContaining({ _tag: "InvalidAttributeName", message: `Unknown Attribute ${name}.` })))
    }
  })

  it("checks the redrive policy's JSON and range", () => {
    const arn = "arn:aws:sqs:us-east-1:000000000000:dlq"
    expect(Either.getOrThrow(QueueAttributes.parseRedrivePolicy(`{"deadLetterTargetArn":"${arn}","maxReceiveCount":"5"}`))).toEqual({
      deadLetterTargetArn: arn,
      maxReceiveCount: 5
    })
    const reason = (text: string) => {
      const r = QueueAttributes.parseRedrivePolicy(text)
      return Either.isLeft(r) ? `${r.left._tag}: ${r.left.message}` : "Right"
    }
    expect(reason("nope")).toBe("InvalidParameterValue: Value nope for parameter RedrivePolicy is invalid. Reason: Redrive policy is not a valid JSON map.")
    expect(reason(`{"maxReceiveCount":1}`)).toContain("mandatory attribute: deadLetterTargetArn")
    expect(reason(`{"deadLetterTargetArn":"${arn}","maxReceiveCount":0}`)).toContain("Invalid value for maxReceiveCount: 0, valid values are from 1 to 1000 both inclusive.")
    expect(reason(`{"deadLetterTargetArn":"${arn}","maxReceiveCount":1001}`)).toContain("maxReceiveCount: 1001")
    expect(reason(`{"deadLetterTargetArn":"not-an-arn","maxReceiveCount":3}`)).toContain("deadLetterTargetArn")
  })

  it("checks the redrive allow policy", () => {
    const arn = "arn:aws:sqs:us-east-1:000000000000:src"
    expect(Either.isRight(QueueAttributes.parseRedriveAllowPolicy(`{"redrivePermission":"allowAll"}`))).toBe(true)
    expect(Either.isRight(QueueAttributes.parseRedriveAllowPolicy(`{"redrivePermission":"byQueue","sourceQueueArns":["${arn}"]}`))).toBe(true)
    expect(tagOf(QueueAttributes.parseRedriveAllowPolicy(`{"redrivePermission":"byQueue"}`))).toBe("InvalidParameterValue")
    expect(tagOf(QueueAttributes.parseRedriveAllowPolicy(`{"redrivePermission":"denyAll","sourceQueueArns":["${arn}"]}`))).toBe("InvalidParameterValue")
    expect(tagOf(QueueAttributes.parseRedriveAllowPolicy(`{"redrivePermission":"some"}`))).toBe("InvalidParameterValue")
  })

  it("takes one kind of server-side encryption", () => {
    const { queue } = Either.getOrThrow(create(Queue.emptyDirectory(), "q", { KmsMasterKeyId: "alias/aws/sqs" }))
    expect(queue.attributes["SqsManagedSseEnabled"]).toBe("false")
    expect(Queue.describe(queue, { visible: 0, inflight: 0, delayed: 0 })["KmsDataKeyReusePeriodSeconds"]).toBe("300")
    expect(tagOf(create(Queue.emptyDirectory(), "r", { KmsMasterKeyId: "alias/k", SqsManagedSseEnabled: "true" }))).toBe("InvalidAttributeValue")
  })

  it("needs DeduplicationScope=messageGroup for per-group throughput", () => {
    const fifo = { FifoQueue: "true", FifoThroughputLimit: "perMessageGroupId" }
    expect(tagOf(create(Queue.emptyDirectory(), "q.fifo", fifo))).toBe("InvalidAttributeValue")
    expect(tagOf(create(Queue.emptyDirectory(), "q.fifo", { ...fifo, DeduplicationScope: "messageGroup" }))).toBe("Right")
  })

  it("SetQueueAttributes changes values and the modification time, and refuses FifoQueue", () => {
    const { queue, directory } = Either.getOrThrow(create(Queue.emptyDirectory(), "q"))
    const set = Either.getOrThrow(Queue.setQueueAttributes(directory, queue.url, { VisibilityTimeout: "060", Policy: "" }, T0 + 5_000))
    expect(set.queue.attributes["VisibilityTimeout"]).toBe("60")
    expect(set.queue.lastModifiedAt).toBe(T0 + 5_000)
    expect(Queue.settings(set.queue).visibilityTimeout).toBe(60)
    expect(tagOf(Queue.setQueueAttributes(directory, queue.url, { FifoQueue: "true" }, T0))).toBe("InvalidAttributeName")
    expect(tagOf(Queue.setQueueAttributes(directory, `${OWNER.origin}/000000000000/none`, {}, T0))).toBe("QueueDoesNotExist")
  })
})

describe("CreateQueue and DeleteQueue", () => {
  it("returns the existing queue for the same attributes, refuses different ones", () => {
    const first = Either.getOrThrow(create(Queue.emptyDirectory(), "q", { VisibilityTimeout: "45" }))
    expect(first.created).toBe(true)
    const again = Either.getOrThrow(create(first.directory, "q", { VisibilityTimeout: "45" }, T0 + 1_000))
    expect(again.created).toBe(false)
    expect(again.queue).toBe(first.queue)
    // A default left out of the request is no conflict; naming it with its default value matches too.
    expect(Either.getOrThrow(create(first.directory, "q", { DelaySeconds: "0" })).created).toBe(false)
    const refused = create(first.directory, "q", { VisibilityTimeout: "46" })
    expect(refused).toEqual(
      Either.left(expect.objectContaining({ _tag: "QueueNameExists", message: "A queue already exists with the same name and a different value for attribute VisibilityTimeout" }))
    )
  })

  it("refuses the name of a queue deleted less than 60 seconds ago", () => {
    const { queue, directory } = Either.getOrThrow(create(Queue.emptyDirectory(), "q"))
    const deleted = Either.getOrThrow(Queue.deleteQueue(directory, queue.url, T0 + 10_000)).directory
    expect(tagOf(Queue.lookup(deleted, queue.url))).toBe("QueueDoesNotExist")
    expect(tagOf(create(deleted, "q", {}, T0 + 69_999))).toBe("QueueDeletedRecently")
    expect(tagOf(create(deleted, "other", {}, T0 + 20_000))).toBe("Right")
    const recreated = Either.getOrThrow(create(deleted, "q", {}, T0 + 70_000))
    expect(recreated.created).toBe(true)
    expect(recreated.queue.createdAt).toBe(T0 + 70_000)
    expect(tagOf(Queue.deleteQueue(deleted, queue.url, T0 + 20_000))).toBe("QueueDoesNotExist")
  })

  it("needs an existing dead-letter queue of the same type", () => {
    const dlq = Either.getOrThrow(create(Queue.emptyDirectory(), "dlq"))
    const policy = (arn: string) => ({ RedrivePolicy: JSON.stringify({ deadLetterTargetArn: arn, maxReceiveCount: 3 }) })
    expect(tagOf(create(dlq.directory, "src", policy(dlq.queue.arn)))).toBe("Right")
    expect(tagOf(create(dlq.directory, "src", policy(Queue.queueArn("us-east-1", "000000000000", "none"))))).toBe("InvalidParameterValue")
    expect(tagOf(create(dlq.directory, "src.fifo", { FifoQueue: "true", ...policy(dlq.queue.arn) }))).toBe("InvalidParameterValue")
  })

  it("keeps to the dead-letter queue's RedriveAllowPolicy", () => {
    const allowOnly = (arn: string) => ({ RedriveAllowPolicy: JSON.stringify({ redrivePermission: "byQueue", sourceQueueArns: [arn] }) })
    const dlq = Either.getOrThrow(create(Queue.emptyDirectory(), "dlq", allowOnly(Queue.queueArn("us-east-1", "000000000000", "allowed"))))
    const policy = { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.queue.arn, maxReceiveCount: 3 }) }
    expect(tagOf(create(dlq.directory, "allowed", policy))).toBe("Right")
    expect(tagOf(create(dlq.directory, "other", policy))).toBe("InvalidParameterValue")
    const denied = Either.getOrThrow(Queue.setQueueAttributes(dlq.directory, dlq.queue.url, { RedriveAllowPolicy: `{"redrivePermission":"denyAll"}` }, T0))
    expect(tagOf(create(denied.directory, "allowed", policy))).toBe("InvalidParameterValue")
  })
})

describe("GetQueueUrl and ListQueues", () => {
  const directory = ["beta", "alpha", "alpine", "gamma.fifo"].reduce(
    (d, name) => Either.getOrThrow(create(d, name, name.endsWith(".fifo") ? { FifoQueue: "true" } : {})).directory,
    Queue.emptyDirectory()
  )
  const list = (input: { prefix?: string; maxResults?: number; nextToken?: string }) =>
    Queue.listQueues(directory, OWNER.accountId, { prefix: input.prefix, maxResults: input.maxResults, nextToken: input.nextToken })

  it("finds a queue by name in its account only", () => {
    expect(Either.getOrThrow(Queue.getQueueUrl(directory, OWNER.accountId, "alpha")).url).toBe(`${OWNER.origin}/000000000000/alpha`)
    expect(tagOf(Queue.getQueueUrl(directory, "111111111111", "alpha"))).toBe("QueueDoesNotExist")
    expect(tagOf(Queue.getQueueUrl(directory, OWNER.accountId, "Alpha"))).toBe("QueueDoesNotExist")
  })

  it("lists by name, filtered by prefix, paged only with MaxResults", () => {
    const names = (r: ReturnType<typeof list>) => Either.getOrThrow(r).queues.map((q) => q.name)
    expect(names(list({}))).toEqual(["alpha", "alpine", "beta", "gamma.fifo"])
    expect(Either.getOrThrow(list({})).nextToken).toBeUndefined()
    expect(names(list({ prefix: "alp" }))).toEqual(["alpha", "alpine"])
    const first = Either.getOrThrow(list({ maxResults: 3 }))
    expect(first.queues.map((q) => q.name)).toEqual(["alpha", "alpine", "beta"])
    const second = Either.getOrThrow(list({ maxResults: 3, nextToken: first.nextToken! }))
    expect(second.queues.map((q) => q.name)).toEqual(["gamma.fifo"])
    expect(second.nextToken).toBeUndefined()
    expect(Either.getOrThrow(list({ maxResults: 4 })).nextToken).toBeUndefined()
    expect(names(list({ nextToken: first.nextToken! }))).toEqual(["gamma.fifo"])
    for (const bad of [{ maxResults: 0 }, { maxResults: 1001 }, { maxResults: 3, nextToken: "!!" }]) {
      expect(tagOf(list(bad))).toBe("InvalidParameterValue")
    }
  })
})
