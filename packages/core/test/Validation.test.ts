/**
 * Validation properties: every invalid name, attribute or message yields the right AWS error, never a
 * thrown exception; and the valid forms pass.
 */
import { Either } from "effect"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import * as Arn from "../src/Arn.js"
import * as MessageAttributes from "../src/MessageAttributes.js"
import * as Platform from "../src/Platform.js"
import * as Publish from "../src/Publish.js"
import * as Registry from "../src/Registry.js"
import type { RequestContext } from "../src/RequestContext.js"
import * as Subscription from "../src/Subscription.js"
import * as Topic from "../src/Topic.js"

const owner = { accountId: "000000000000", region: "us-east-1" }
const tagOf = <E extends { _tag: string }>(e: Either.Either<unknown, E>) => (Either.isLeft(e) ? e.left._tag : "ok")
const standard = Either.getOrThrow(Topic.make({ name: "std", attributes: {}, tags: [], dataProtectionPolicy: undefined }, owner, 0))
const fifo = Either.getOrThrow(Topic.make({ name: "f.fifo", attributes: { FifoTopic: "true" }, tags: [], dataProtectionPolicy: undefined }, owner, 0))
const message = (over: Partial<Publish.MessageInput>): Publish.MessageInput => ({
  message: "hello",
  subject: undefined,
  messageStructure: undefined,
  messageAttributes: {},
  messageGroupId: undefined,
  messageDeduplicationId: undefined,
  ...over
})

describe("topic names", () => {
  it("accepts exactly 1-256 of [A-Za-z0-9_-], and refuses anything else with InvalidParameter", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (name) => {
        const valid = /^[A-Za-z0-9_-]{1,256}$/.test(name)
        const result = Topic.make({ name, attributes: {}, tags: [], dataProtectionPolicy: undefined }, owner, 0)
        expect(tagOf(result)).toBe(valid ? "ok" : "InvalidParameter")
        if (!valid) expect(Either.isLeft(result) && result.left.message).toMatch(/^Invalid parameter: Topic Name/)
      })
    )
  })

  it("needs FifoTopic=true for a .fifo name and the other way round", () => {
    const make = (name: string, attributes: Record<string, string>) =>
      tagOf(Topic.make({ name, attributes, tags: [], dataProtectionPolicy: undefined }, owner, 0))
    expect(make("a.fifo", {})).toBe("InvalidParameter")
    expect(make("a", { FifoTopic: "true" })).toBe("InvalidParameter")
    expect(make("a.fifo", { FifoTopic: "true" })).toBe("ok")
    // Any letter case, as clients send it (Python writes True).
    expect(make("a.fifo", { FifoTopic: "True" })).toBe("ok")
    expect(make("a.fifo", { FifoTopic: "TRUE" })).toBe("ok")
    expect(make("a", { FifoTopic: "False" })).toBe("ok")
    expect(make("a.fifo", { FifoTopic: "yes" })).toBe("InvalidParameter")
    const created = Either.getOrThrow(Topic.make({ name: "a.fifo", attributes: { FifoTopic: "True", ContentBasedDeduplication: "TRUE" }, tags: [], dataProtectionPolicy: undefined }, owner, 0))
    expect(created.attributes).toEqual({ FifoTopic: "true", ContentBasedDeduplication: "true" })
    expect(make("x".repeat(251) + ".fifo", { FifoTopic: "true" })).toBe("ok")
    expect(make("x".repeat(252) + ".fifo", { FifoTopic: "true" })).toBe("InvalidParameter")
  })

  it("is idempotent for the same attributes and refuses different ones in SNS's words", () => {
    const a = Either.getOrThrow(Topic.make({ name: "t", attributes: { DisplayName: "x" }, tags: [], dataProtectionPolicy: undefined }, owner, 0))
    const b = Either.getOrThrow(Topic.make({ name: "t", attributes: { DisplayName: "y" }, tags: [], dataProtectionPolicy: undefined }, owner, 1))
    expect(Topic.reconcileCreate(a, a)).toEqual(Either.right(a))
    const refused = Topic.reconcileCreate(a, b)
    expect(Either.isLeft(refused) && refused.left.message).toBe(
      "Invalid parameter: Attributes Reason: Topic already exists with different attributes"
    )
  })

  it("after SetTopicAttributes or TagResource, a plain CreateTopic of the name returns the topic", () => {
    const plain = Either.getOrThrow(Topic.make({ name: "t", attributes: {}, tags: [], dataProtectionPolicy: undefined }, owner, 0))
    const changed = { ...Either.getOrThrow(Topic.setAttribute(plain, "DisplayName", "shown", 0)), tags: [{ key: "team", value: "a" }] }
    expect(Topic.reconcileCreate(changed, plain)).toEqual(Either.right(changed))
    const sameTag = Either.getOrThrow(Topic.make({ name: "t", attributes: { DisplayName: "shown" }, tags: [{ key: "team", value: "a" }], dataProtectionPolicy: undefined }, owner, 1))
    expect(Topic.reconcileCreate(changed, sameTag)).toEqual(Either.right(changed))
    const otherTag = Either.getOrThrow(Topic.make({ name: "t", attributes: {}, tags: [{ key: "team", value: "b" }], dataProtectionPolicy: undefined }, owner, 1))
    const refused = Topic.reconcileCreate(changed, otherTag)
    expect(Either.isLeft(refused) && refused.left.message).toBe("Invalid parameter: Tags Reason: Topic already exists with different tags")
  })
})

describe("topic attributes", () => {
  it("never throws, whatever the name and value", () => {
    fc.assert(
      fc.property(fc.constantFrom(...Topic.settableAttributes, "Bogus", ""), fc.string(), fc.boolean(), (name, value, isFifo) => {
        const result = Topic.setAttribute(isFifo ? fifo : standard, name, value, 0)
        expect(["ok", "InvalidParameter"]).toContain(tagOf(result))
      })
    )
  })

  it("checks each attribute as SNS does", () => {
    const set = (topic: Topic.Topic, name: string, value: string) => tagOf(Topic.setAttribute(topic, name, value, 0))
    expect(set(standard, "SignatureVersion", "2")).toBe("ok")
    expect(set(standard, "SignatureVersion", "3")).toBe("InvalidParameter")
    expect(set(standard, "TracingConfig", "Active")).toBe("ok")
    expect(set(standard, "ContentBasedDeduplication", "true")).toBe("InvalidParameter")
    expect(set(fifo, "ContentBasedDeduplication", "true")).toBe("ok")
    expect(set(fifo, "FifoThroughputScope", "MessageGroup")).toBe("ok")
    expect(set(standard, "Policy", "{}")).toBe("InvalidParameter")
    expect(set(standard, "Policy", '{"Statement":[{"Effect":"Allow"}]}')).toBe("ok")
    expect(set(standard, "DeliveryPolicy", '{"http":{"defaultHealthyRetryPolicy":{"numRetries":101}}}')).toBe("InvalidParameter")
    expect(set(standard, "DeliveryPolicy", '{"http":{"defaultHealthyRetryPolicy":{"numRetries":5,"minDelayTarget":1,"maxDelayTarget":30,"backoffFunction":"exponential"}}}')).toBe("ok")
    expect(set(standard, "FifoTopic", "true")).toBe("InvalidParameter")
    expect(set(standard, "KmsMasterKeyId", "alias/aws/sns")).toBe("ok")
  })

  it("keeps the delivery status logging attributes of every protocol, and takes them at CreateTopic", () => {
    const role = "arn:aws:iam::000000000000:role/SNSFeedback"
    const set = (name: string, value: string) => Topic.setAttribute(standard, name, value, 0)
    for (const protocol of ["HTTP", "Firehose", "Lambda", "Application", "SQS"]) {
      for (const kind of ["SuccessFeedbackRoleArn", "FailureFeedbackRoleArn"]) {
        const name = `${protocol}${kind}`
        expect(Either.getOrThrow(set(name, role)).attributes[name]).toBe(role)
        expect(Either.getOrThrow(set(name, "")).attributes[name]).toBeUndefined()
        const user = set(name, "arn:aws:iam::000000000000:user/someone")
        expect(Either.isLeft(user) && user.left.message).toBe(`Invalid parameter: ${name} Reason: ${name} must be an IAM role ARN`)
      }
      const rate = `${protocol}SuccessFeedbackSampleRate`
      expect(Either.getOrThrow(set(rate, "100")).attributes[rate]).toBe("100")
      for (const bad of ["101", "-1", "5.5", "all"]) expect(tagOf(set(rate, bad)), bad).toBe("InvalidParameter")
    }
    const created = Topic.make({ name: "logged", attributes: { SQSSuccessFeedbackRoleArn: role, SQSSuccessFeedbackSampleRate: "10" }, tags: [], dataProtectionPolicy: undefined }, owner, 0)
    expect(Either.getOrThrow(created).attributes).toEqual({ SQSSuccessFeedbackRoleArn: role, SQSSuccessFeedbackSampleRate: "10" })
  })

  it("turns encryption off with an empty KmsMasterKeyId", () => {
    const on = Either.getOrThrow(Topic.setAttribute(standard, "KmsMasterKeyId", "alias/k", 0))
    expect(Topic.kmsMasterKeyId(on)).toBe("alias/k")
    expect(Topic.kmsMasterKeyId(Either.getOrThrow(Topic.setAttribute(on, "KmsMasterKeyId", "", 0)))).toBeUndefined()
  })

  it("caps tags at 50 with TagLimitExceeded", () => {
    const tags = Array.from({ length: 51 }, (_, i) => ({ key: `k${i}`, value: "v" }))
    expect(tagOf(Topic.validateTags([], tags.slice(0, 50)))).toBe("ok")
    expect(tagOf(Topic.validateTags([], tags))).toBe("TagLimitExceeded")
    expect(tagOf(Topic.validateTags([], [{ key: "", value: "v" }]))).toBe("InvalidParameter")
  })

  it("takes UntagResource keys of 1 to 128 characters, as TagResource does", () => {
    expect(tagOf(Topic.validateTagKeys(["k", "k".repeat(128)]))).toBe("ok")
    expect(tagOf(Topic.validateTagKeys(["k", "k".repeat(129)]))).toBe("InvalidParameter")
    expect(tagOf(Topic.validateTagKeys([""]))).toBe("InvalidParameter")
  })

  it("refuses tag keys in the aws: space, in any letter case, to add or to remove", () => {
    for (const key of ["aws:createdBy", "AWS:x", "Aws:"]) {
      const added = Topic.validateTags([], [{ key, value: "v" }])
      expect(Either.isLeft(added) && added.left.message).toBe(`Invalid parameter: Tags Reason: Tag keys beginning with aws: are reserved for AWS use: ${key}`)
      expect(tagOf(Topic.validateTagKeys([key]))).toBe("InvalidParameter")
    }
    expect(tagOf(Topic.validateTags([], [{ key: "team:aws", value: "v" }]))).toBe("ok")
  })
})

describe("ARNs", () => {
  it("never throw and give SNS's text for too few elements", () => {
    fc.assert(fc.property(fc.string(), (s) => {
      expect(["ok", "InvalidParameter"]).toContain(tagOf(Arn.parseTopicArn(s)))
    }))
    const short = Arn.parseTopicArn("nope")
    expect(Either.isLeft(short) && short.left.message).toBe(
      "Invalid parameter: TopicArn Reason: An ARN must have at least 6 elements, not 1"
    )
    expect(Arn.parseTopicArn("arn:aws:sns:us-east-1:000000000000:orders")).toEqual(
      Either.right({ partition: "aws", region: "us-east-1", accountId: "000000000000", name: "orders" })
    )
  })
})

describe("subscriptions", () => {
  it("refuses unknown protocols in SNS's words", () => {
    const r = Subscription.validateProtocol("carrier-pigeon")
    expect(Either.isLeft(r) && r.left.message).toBe("Invalid parameter: Amazon SNS does not support this protocol string: carrier-pigeon")
  })

  it("validates endpoints per protocol", () => {
    const ok = (p: Subscription.Protocol, e: string) => tagOf(Subscription.validateEndpoint(p, e))
    expect(ok("https", "https://example.com/hook")).toBe("ok")
    expect(ok("https", "http://example.com/hook")).toBe("InvalidParameter")
    expect(ok("http", "not a url")).toBe("InvalidParameter")
    expect(ok("email", "a@b.co")).toBe("ok")
    expect(ok("email", "nobody")).toBe("InvalidParameter")
    expect(ok("sms", "+15555550100")).toBe("ok")
    expect(ok("sms", "call me")).toBe("InvalidParameter")
    expect(ok("lambda", "arn:aws:lambda:us-east-1:000000000000:function:f")).toBe("ok")
    expect(ok("sqs", "arn:aws:sqs:us-east-1:000000000000:q")).toBe("ok")
    expect(ok("sqs", "arn:aws:sqs:us-east-1:000000000000:q.fifo")).toBe("ok")
    const notQueue = Subscription.validateEndpoint("sqs", "https://localhost/000000000000/q")
    expect(Either.isLeft(notQueue) && notQueue.left.message).toBe("Invalid parameter: SQS endpoint ARN")
    expect(ok("firehose", "arn:aws:firehose:us-east-1:000000000000:deliverystream/s")).toBe("ok")
    expect(ok("application", "arn:aws:sns:us-east-1:000000000000:endpoint/GCM/app/id")).toBe("ok")
  })

  it("takes only SQS queues on a FIFO topic, and every protocol on a standard one", () => {
    const ctx: RequestContext = { accountId: owner.accountId, principalArn: "arn:aws:iam::000000000000:root", region: owner.region, transport: "https", auth: "sigv4" }
    const app = Either.getOrThrow(Platform.createApplication(Registry.empty(), { name: "app", platform: "GCM", attributes: { PlatformCredential: "k" } }, ctx, 0))
    const device = Either.getOrThrow(Platform.createEndpoint(app.registry, { applicationArn: app.result.arn, token: "d", customUserData: "", attributes: {} }, ctx, 0, "e"))
    const topics = Either.getOrThrow(Registry.createTopic(device.registry, { name: "f.fifo", attributes: { FifoTopic: "true" }, tags: [], dataProtectionPolicy: undefined }, ctx, 0))
    const registry = Either.getOrThrow(Registry.createTopic(topics.registry, { name: "std", attributes: {}, tags: [], dataProtectionPolicy: undefined }, ctx, 0)).registry
    const endpoints: Record<Subscription.Protocol, string> = {
      http: "http://example.com/hook",
      https: "https://example.com/hook",
      email: "a@b.co",
      "email-json": "a@b.co",
      sms: "+15555550100",
      sqs: "arn:aws:sqs:us-east-1:000000000000:q.fifo",
      application: device.result.arn,
      lambda: "arn:aws:lambda:us-east-1:000000000000:function:f",
      firehose: "arn:aws:firehose:us-east-1:000000000000:deliverystream/s"
    }
    const subscribe = (topic: string, protocol: Subscription.Protocol, endpoint = endpoints[protocol]) => {
      const attributes = protocol === "firehose" ? { SubscriptionRoleArn: "arn:aws:iam::000000000000:role/r" } : {}
      const input = { topicArn: `arn:aws:sns:us-east-1:000000000000:${topic}`, protocol, endpoint, attributes }
      const result = Registry.subscribe(registry, input, ctx, 0, { id: "s", token: "t" }, () => Either.void)
      return Either.isLeft(result) ? `${result.left._tag}: ${result.left.message}` : "ok"
    }
    for (const protocol of Subscription.protocols) {
      expect(subscribe("f.fifo", protocol)).toBe(protocol === "sqs" ? "ok" : `InvalidParameter: Invalid parameter: Invalid protocol type: ${protocol}`)
    }
    expect(subscribe("f.fifo", "sqs", "arn:aws:sqs:us-east-1:000000000000:standard")).toBe("ok")
    for (const protocol of Subscription.protocols.filter((p) => p !== "sqs")) expect(subscribe("std", protocol)).toBe("ok")
    expect(subscribe("std", "sqs", "arn:aws:sqs:us-east-1:000000000000:standard")).toBe("ok")
  })

  it("asks an SQS queue's owner to confirm only when the queue is another account's and someone else subscribes it", () => {
    const queue = "arn:aws:sqs:us-east-1:111111111111:q"
    expect(Subscription.needsConfirmation("sqs", queue, "111111111111", "111111111111")).toBe(false)
    expect(Subscription.needsConfirmation("sqs", queue, "000000000000", "111111111111")).toBe(false)
    expect(Subscription.needsConfirmation("sqs", queue, "000000000000", "000000000000")).toBe(true)
    expect(Subscription.needsConfirmation("https", "https://example.com", "000000000000", "000000000000")).toBe(true)
    expect(Subscription.needsConfirmation("lambda", "arn:aws:lambda:us-east-1:000000000000:function:f", "000000000000", "000000000000")).toBe(false)
  })

  it("never throws on any endpoint or attribute", () => {
    fc.assert(
      fc.property(fc.constantFrom(...Subscription.protocols), fc.string(), fc.constantFrom(...Subscription.settableAttributes, "X"), (p, s, a) => {
        expect(["ok", "InvalidParameter"]).toContain(tagOf(Subscription.validateEndpoint(p, s)))
        expect(["ok", "InvalidParameter"]).toContain(tagOf(Subscription.validateAttribute(p, a, s)))
      })
    )
  })

  it("allows raw delivery only where SNS does", () => {
    expect(tagOf(Subscription.validateAttribute("https", "RawMessageDelivery", "true"))).toBe("ok")
    const email = Subscription.validateAttribute("email", "RawMessageDelivery", "true")
    expect(Either.isLeft(email) && email.left.message).toBe(
      "Invalid parameter: Attributes Reason: Delivery protocol [email] does not support raw message delivery."
    )
  })
})

describe("messages", () => {
  it("refuses empty, oversized and badly-subjected messages with InvalidParameter", () => {
    expect(tagOf(Publish.validateMessage(standard, message({ message: "" })))).toBe("InvalidParameter")
    expect(tagOf(Publish.validateMessage(standard, message({ message: undefined })))).toBe("InvalidParameter")
    expect(tagOf(Publish.validateMessage(standard, message({ message: "x".repeat(262_144) })))).toBe("ok")
    const big = Publish.validateMessage(standard, message({ message: "x".repeat(262_145) }))
    expect(Either.isLeft(big) && big.left.message).toBe("Invalid parameter: Message too long")
    // Multi-byte characters count as their UTF-8 bytes.
    expect(tagOf(Publish.validateMessage(standard, message({ message: "é".repeat(131_073) })))).toBe("InvalidParameter")
    expect(tagOf(Publish.validateMessage(standard, message({ subject: "line\nbreak" })))).toBe("InvalidParameter")
    expect(tagOf(Publish.validateMessage(standard, message({ subject: "x".repeat(100) })))).toBe("InvalidParameter")
    expect(tagOf(Publish.validateMessage(standard, message({ subject: "x".repeat(99) })))).toBe("ok")
  })

  it("counts attributes toward the size limit", () => {
    const attrs = { big: { dataType: "String", stringValue: "y".repeat(100) } }
    expect(tagOf(Publish.validateMessage(standard, message({ message: "x".repeat(262_144 - 100 - 3 - 6), messageAttributes: attrs })))).toBe("ok")
    expect(tagOf(Publish.validateMessage(standard, message({ message: "x".repeat(262_144 - 100 - 3 - 5), messageAttributes: attrs })))).toBe("InvalidParameter")
  })

  it("checks attribute names, types and values, never throwing", () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), (name, dataType, value) => {
        const r = MessageAttributes.validateAll({ [name]: { dataType, stringValue: value } })
        expect(["ok", "ParameterValueInvalid"]).toContain(tagOf(r))
      })
    )
    const check = (name: string, v: { dataType: string; stringValue?: string; binaryValue?: Uint8Array }) =>
      tagOf(MessageAttributes.validateAll({ [name]: v as never }))
    expect(check("a.b", { dataType: "String", stringValue: "x" })).toBe("ok")
    expect(check(".a", { dataType: "String", stringValue: "x" })).toBe("ParameterValueInvalid")
    expect(check("a..b", { dataType: "String", stringValue: "x" })).toBe("ParameterValueInvalid")
    expect(check("AWS.x", { dataType: "String", stringValue: "x" })).toBe("ParameterValueInvalid")
    expect(check("amazon.x", { dataType: "String", stringValue: "x" })).toBe("ParameterValueInvalid")
    expect(check("n", { dataType: "Number", stringValue: "12.5e3" })).toBe("ok")
    expect(check("n", { dataType: "Number", stringValue: "twelve" })).toBe("ParameterValueInvalid")
    expect(check("n", { dataType: "Number", stringValue: "1".repeat(39) })).toBe("ParameterValueInvalid")
    expect(check("s", { dataType: "String", stringValue: "" })).toBe("ParameterValueInvalid")
    expect(check("l", { dataType: "String.Array", stringValue: '["a", 1, true, null]' })).toBe("ok")
    expect(check("l", { dataType: "String.Array", stringValue: '{"a":1}' })).toBe("ParameterValueInvalid")
    expect(check("b", { dataType: "Binary", binaryValue: new Uint8Array([1]) })).toBe("ok")
    expect(check("b", { dataType: "Binary", stringValue: "x" })).toBe("ParameterValueInvalid")
    expect(check("t", { dataType: "Blob", stringValue: "x" })).toBe("ParameterValueInvalid")
  })

  it("PublishBatch on a FIFO topic: a missing MessageGroupId or MessageDeduplicationId refuses the whole request", () => {
    const entry = (over: Partial<Publish.BatchEntryInput>): Publish.BatchEntryInput => ({ id: "e", ...message({}), ...over })
    const ok = entry({ messageGroupId: "g", messageDeduplicationId: "d" })
    expect(Publish.validateBatchForTopic(fifo, [ok, { ...ok, id: "f" }])).toEqual(Either.void)
    const noGroup = Publish.validateBatchForTopic(fifo, [ok, entry({ id: "f", messageDeduplicationId: "d" })])
    expect(Either.isLeft(noGroup) && noGroup.left.message).toBe("Invalid parameter: The MessageGroupId parameter is required for FIFO topics")
    const noDedup = Publish.validateBatchForTopic(fifo, [ok, entry({ id: "f", messageGroupId: "g" })])
    expect(Either.isLeft(noDedup) && noDedup.left.message).toBe(
      "Invalid parameter: The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly"
    )
    const cbd = Either.getOrThrow(Topic.setAttribute(fifo, "ContentBasedDeduplication", "true", 0))
    expect(Publish.validateBatchForTopic(cbd, [entry({ messageGroupId: "g" })])).toEqual(Either.void)
    expect(Publish.validateBatchForTopic(standard, [entry({})])).toEqual(Either.void)
  })

  it("applies the FIFO rules", () => {
    const need = Publish.validateMessage(fifo, message({}))
    expect(Either.isLeft(need) && need.left.message).toBe("Invalid parameter: The MessageGroupId parameter is required for FIFO topics")
    const noDedup = Publish.validateMessage(fifo, message({ messageGroupId: "g" }))
    expect(Either.isLeft(noDedup) && noDedup.left.message).toContain("ContentBasedDeduplication")
    expect(tagOf(Publish.validateMessage(fifo, message({ messageGroupId: "g", messageDeduplicationId: "d" })))).toBe("ok")
    expect(tagOf(Publish.validateMessage(fifo, message({ messageGroupId: "g", messageDeduplicationId: "x".repeat(129) })))).toBe("InvalidParameter")
    expect(tagOf(Publish.validateMessage(standard, message({ messageDeduplicationId: "d" })))).toBe("InvalidParameter")
    const cbd = Either.getOrThrow(Topic.setAttribute(fifo, "ContentBasedDeduplication", "true", 0))
    const valid = Either.getOrThrow(Publish.validateMessage(cbd, message({ messageGroupId: "g" })))
    // SHA-256("hello")
    expect(valid.fifo?.messageDeduplicationId).toBe("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824")
  })

  it("checks MessageStructure=json in SNS's words", () => {
    const noDefault = Publish.validateMessage(standard, message({ message: '{"http":"x"}', messageStructure: "json" }))
    expect(Either.isLeft(noDefault) && noDefault.left.message).toBe("Invalid parameter: Message Structure - No default entry in JSON message body")
    const notJson = Publish.validateMessage(standard, message({ message: "{", messageStructure: "json" }))
    expect(Either.isLeft(notJson) && notJson.left.message).toBe("Invalid parameter: Message Structure - JSON message body failed to parse")
    expect(tagOf(Publish.validateMessage(standard, message({ message: '{"default":"d","email":"e"}', messageStructure: "json" })))).toBe("ok")
  })

  it("applies the batch limits with AWS's texts", () => {
    const entry = (id: string, body = "m"): Publish.BatchEntryInput => ({ id, ...message({ message: body }) })
    expect(tagOf(Publish.validateBatch([]))).toBe("EmptyBatchRequest")
    const eleven = Publish.validateBatch(Array.from({ length: 11 }, (_, i) => entry(`e${i}`)))
    expect(Either.isLeft(eleven) && eleven.left.message).toBe("The batch request contains more entries than permissible.")
    expect(tagOf(Publish.validateBatch([entry("a"), entry("a")]))).toBe("BatchEntryIdsNotDistinct")
    expect(tagOf(Publish.validateBatch([entry("bad id")]))).toBe("InvalidBatchEntryId")
    expect(tagOf(Publish.validateBatch([entry("x".repeat(81))]))).toBe("InvalidBatchEntryId")
    const long = Publish.validateBatch([entry("a", "x".repeat(200_000)), entry("b", "x".repeat(70_000))])
    expect(Either.isLeft(long) && long.left.message).toBe("The length of all the messages put together is more than the limit.")
  })
})
