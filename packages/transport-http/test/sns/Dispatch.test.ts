import { readFileSync } from "node:fs"
import { Effect, Either } from "effect"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { Subscription } from "@sealcast/core"
import * as Form from "../../src/query/Form.js"
import { CreateTopic } from "../../src/sns/CreateTopic.js"
import type { Response } from "../../src/HttpResponse.js"
import { Publish } from "../../src/sns/Publish.js"
import { PublishBatch } from "../../src/sns/PublishBatch.js"
import { parseStrict, text } from "../query/strictXml.js"
import { dispatch } from "../../src/sns/index.js"
import { ctx, dispatchBody, fakeSns } from "./support.js"

/** The body of a raw HTTP capture: everything after the first blank line. */
const captureBody = (file: string) => {
  const raw = readFileSync(new URL(`../vectors/wire-captures/${file}`, import.meta.url), "utf8")
  return new TextEncoder().encode(raw.slice(raw.indexOf("\n\n") + 2).trimEnd())
}

const treeOf = (body: Uint8Array) => Either.getOrThrow(Either.flatMap(Form.parse(body), Form.toTree))

const run = (body: string, answers: Parameters<typeof fakeSns>[0] = {}, caller: typeof ctx | "unsigned" = ctx) => {
  const fake = fakeSns(answers)
  const response = Effect.runSync(
    dispatchBody(new TextEncoder().encode(body), fake.service, caller === "unsigned" ? undefined : caller, "req-9")
  )
  return { response, calls: fake.calls, contexts: fake.contexts }
}

const errorOf = (response: Response<string>) => {
  const doc = parseStrict(response.body)
  expect(doc.name).toBe("ErrorResponse")
  return { status: response.status, type: text(doc, "Error", "Type"), code: text(doc, "Error", "Code"), message: text(doc, "Error", "Message") }
}

describe("wire captures from the AWS SDK v3", () => {
  it("01 CreateTopic decodes into exactly the core's input", () => {
    expect(CreateTopic.decode(treeOf(captureBody("01-sns-CreateTopic.txt")))).toEqual(
      Either.right({ name: "orders", attributes: { KmsMasterKeyId: "alias/aws/sns" }, tags: [{ key: "env", value: "dev" }], dataProtectionPolicy: undefined })
    )
  })

  it("02 Publish decodes into exactly the core's input", () => {
    expect(Publish.decode(treeOf(captureBody("02-sns-Publish.txt")))).toEqual(
      Either.right({
        topicArn: "arn:aws:sns:us-east-1:000000000000:orders",
        targetArn: undefined,
        phoneNumber: undefined,
        message: "hello world & ünïcode = +/",
        subject: "subj",
        messageStructure: undefined,
        messageAttributes: {
          eventType: { dataType: "String", stringValue: "order.created" },
          count: { dataType: "Number", stringValue: "3" },
          blob: { dataType: "Binary", binaryValue: new Uint8Array([1, 2, 3, 255]) }
        },
        messageGroupId: undefined,
        messageDeduplicationId: undefined
      })
    )
  })
})

describe("decoding", () => {
  it("list positions in any order and with gaps keep their numeric order", () => {
    const body =
      "TopicArn=t&PublishBatchRequestEntries.member.10.Id=c&PublishBatchRequestEntries.member.10.Message=3" +
      "&PublishBatchRequestEntries.member.2.Id=b&PublishBatchRequestEntries.member.2.Message=2" +
      "&PublishBatchRequestEntries.member.1.Id=a&PublishBatchRequestEntries.member.1.Message=1"
    const decoded = Either.getOrThrow(PublishBatch.decode(treeOf(new TextEncoder().encode(body))))
    expect(decoded.entries.map((e) => [e.id, e.message])).toEqual([["a", "1"], ["b", "2"], ["c", "3"]])
  })

  it("a message attribute uses the field its DataType names; the other or none is passed for the core to refuse", () => {
    const attrs = (fields: string) =>
      Either.getOrThrow(Publish.decode(treeOf(new TextEncoder().encode(`Message=m&${fields}`)))).messageAttributes
    const e = "MessageAttributes.entry.1"
    expect(attrs(`${e}.Name=a&${e}.Value.DataType=Binary&${e}.Value.StringValue=x`)).toEqual({ a: { dataType: "Binary", stringValue: "x" } })
    expect(attrs(`${e}.Name=a&${e}.Value.DataType=Binary`)).toEqual({ a: { dataType: "Binary", binaryValue: new Uint8Array(0) } })
    expect(attrs(`${e}.Name=a&${e}.Value.DataType=String`)).toEqual({ a: { dataType: "String", stringValue: "" } })
    expect(attrs(`${e}.Name=a&${e}.Value.DataType=String&${e}.Value.BinaryValue=AA%3D%3D`)).toEqual({
      a: { dataType: "String", binaryValue: new Uint8Array([0]) }
    })
  })

  it("a message attribute named __proto__ is an attribute like any other", () => {
    const e = "MessageAttributes.entry.1"
    const decoded = Either.getOrThrow(
      Publish.decode(treeOf(new TextEncoder().encode(`Message=m&${e}.Name=__proto__&${e}.Value.DataType=String&${e}.Value.StringValue=v`)))
    )
    expect(Object.entries(decoded.messageAttributes)).toEqual([["__proto__", { dataType: "String", stringValue: "v" }]])
  })
})

describe("dispatch errors", () => {
  it("a missing required member: SNS's ValidationError wording, every member named", () => {
    expect(errorOf(run("Action=Subscribe&Version=2010-03-31").response)).toEqual({
      status: 400,
      type: "Sender",
      code: "ValidationError",
      message:
        "2 validation errors detected: Value null at 'topicArn' failed to satisfy constraint: Member must not be null; " +
        "Value null at 'protocol' failed to satisfy constraint: Member must not be null"
    })
  })

  it("a missing member inside a list names its position as AWS does", () => {
    const { response } = run("Action=TagResource&ResourceArn=r&Tags.member.1.Key=k")
    expect(errorOf(response).message).toBe(
      "1 validation error detected: Value null at 'tags.1.member.value' failed to satisfy constraint: Member must not be null"
    )
  })

  it("malformed values: InvalidParameterValue naming the wire parameter", () => {
    const cases: ReadonlyArray<readonly [string, string]> = [
      ["Action=Subscribe&TopicArn=t&Protocol=sqs&ReturnSubscriptionArn=maybe", "ReturnSubscriptionArn"],
      ["Action=Publish&Message=m&MessageAttributes.entry.1.Name=b&MessageAttributes.entry.1.Value.DataType=Binary&MessageAttributes.entry.1.Value.BinaryValue=%%%", ""],
      ["Action=Publish&Message=m&MessageAttributes.entry.1.Name=b&MessageAttributes.entry.1.Value.DataType=Binary&MessageAttributes.entry.1.Value.BinaryValue=abc", "MessageAttributes.entry.1.Value.BinaryValue"],
      ["Action=UntagResource&ResourceArn=r&TagKeys.member.01=k", "TagKeys"],
      ["Action=DeleteTopic&TopicArn.x=1", "TopicArn"],
      ["Action=CreateTopic&Name=n&Attributes.entry.1.key=a&Attributes.entry.1.value=1&Attributes.entry.2.key=a&Attributes.entry.2.value=2", "Attributes"]
    ]
    for (const [body, parameter] of cases) {
      const error = errorOf(run(body).response)
      if (parameter === "") {
        expect(error).toMatchObject({ status: 404, code: "MalformedQueryString" })
      } else {
        expect(error).toMatchObject({ status: 400, code: "InvalidParameterValue" })
        expect(error.message).toContain(`Value for parameter ${parameter} is invalid.`)
      }
    }
  })

  it("Action and Version", () => {
    expect(errorOf(run("Version=2010-03-31").response)).toMatchObject({ status: 400, code: "MissingAction" })
    expect(errorOf(run("Action=SendMessage&Version=2010-03-31").response)).toMatchObject({
      status: 400,
      code: "InvalidAction",
      message: "Could not find operation SendMessage for version 2010-03-31"
    })
    expect(errorOf(run("Action=__proto__").response)).toMatchObject({ code: "InvalidAction" })
    expect(errorOf(run("Action=ListTopics&Version=2012-11-05").response)).toMatchObject({
      code: "InvalidAction",
      message: "Could not find operation ListTopics for version 2012-11-05"
    })
    expect(run("Action=ListTopics", { listTopics: { topicArns: [], nextToken: undefined } }).response.status).toBe(200)
  })

  it("a Subscribe the core refuses is the same XML error from a POST body and from a GET query string", () => {
    // The core's own refusal of an HTTPS subscription to a FIFO topic (docs/SEMANTICS.md §9).
    const refusal = Either.flip(Subscription.validateProtocolForTopic("https", true)).pipe(Either.getOrThrow)
    const query = "Action=Subscribe&Version=2010-03-31&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A000000000000%3Aorders.fifo&Protocol=https&Endpoint=https%3A%2F%2Fexample.com%2Fhook"
    const answers = [
      Form.parseRequest("POST", "", new TextEncoder().encode(query)),
      Form.parseRequest("GET", query, new Uint8Array())
    ].map((form) => {
      const fake = fakeSns({ subscribe: refusal })
      const response = Effect.runSync(dispatch(Either.getOrThrow(form), fake.service, ctx, "req-9"))
      expect(fake.calls).toEqual([
        {
          method: "subscribe",
          args: [{ topicArn: "arn:aws:sns:us-east-1:000000000000:orders.fifo", protocol: "https", endpoint: "https://example.com/hook", attributes: {}, returnSubscriptionArn: false }]
        }
      ])
      return errorOf(response)
    })
    expect(answers).toEqual([0, 1].map(() => ({ status: 400, type: "Sender", code: "InvalidParameter", message: "Invalid parameter: Invalid protocol type: https" })))
  })

  it("unsigned: only the two links SNS hands out may run", () => {
    const denied = run("Action=ListTopics", {}, "unsigned")
    expect(errorOf(denied.response)).toMatchObject({ status: 403, code: "MissingAuthenticationToken" })
    expect(denied.calls).toEqual([])
    const confirmed = run("Action=ConfirmSubscription&TopicArn=t&Token=k", { confirmSubscription: { subscriptionArn: "t:1" } }, "unsigned")
    expect(confirmed.response.status).toBe(200)
    expect(confirmed.contexts).toEqual([undefined])
    const unsubscribed = run("Action=Unsubscribe&SubscriptionArn=t:1", {}, "unsigned")
    expect(unsubscribed.response.status).toBe(200)
    expect(unsubscribed.contexts).toEqual([undefined])
  })

  it("a value XML 1.0 cannot carry, in any parameter of any action, is InvalidParameter naming it, before the core runs", () => {
    const cases: ReadonlyArray<readonly [string, string, string]> = [
      ["Action=SetTopicAttributes&TopicArn=t&AttributeName=DisplayName&AttributeValue=a%EF%BF%BF", "AttributeValue", "U+FFFF"],
      ["Action=TagResource&ResourceArn=r&Tags.member.1.Key=k&Tags.member.1.Value=%00", "Tags.member.1.Value", "U+0000"],
      ["Action=Subscribe&TopicArn=t&Protocol=sqs&Endpoint=q&Attributes.entry.1.key=RawMessageDelivery%0B&Attributes.entry.1.value=true", "Attributes.entry.1.key", "U+000B"],
      ["Action=Publish&TopicArn=t&Message=%EF%BF%BE", "Message", "U+FFFE"],
      ["Action=CreateTopic&Name=%1F", "Name", "U+001F"]
    ]
    for (const [body, parameter, codePoint] of cases) {
      const { response, calls } = run(body)
      expect(errorOf(response)).toEqual({
        status: 400,
        type: "Sender",
        code: "InvalidParameter",
        message: `Invalid parameter: ${parameter} Reason: ${codePoint} is not a character XML 1.0 allows (XML 1.0 section 2.2, Char).`
      })
      expect(calls).toEqual([])
    }
    // TAB, LF, CR and a surrogate pair (U+1F600) are characters XML carries.
    expect(run("Action=Publish&TopicArn=t&Message=a%09b%0Ac%0D%F0%9F%98%80", { publish: { messageId: "m", sequenceNumber: undefined } }).response.status).toBe(200)
  })

  it("a stored text XML cannot carry is an InternalFailure, not a broken document", () => {
    const { response } = run("Action=GetTopicAttributes&TopicArn=t", { getTopicAttributes: { DisplayName: "a\u0001b" } })
    expect(errorOf(response)).toMatchObject({ status: 500, type: "Receiver", code: "InternalFailure" })
  })

  it("a defect in the core is an InternalFailure that says nothing of it", () => {
    const fake = fakeSns({})
    const service = { ...fake.service, listTopics: () => Effect.die(new Error("secret detail")) }
    const response = Effect.runSync(dispatchBody(new TextEncoder().encode("Action=ListTopics"), service, ctx, "r"))
    expect(errorOf(response)).toMatchObject({ status: 500, code: "InternalFailure" })
    expect(response.body).not.toContain("secret")
  })
})

describe("properties", () => {
  /** Bodies built from the names the actions use, so they reach deep into decoding. */
  const segment = fc.constantFrom("Action", "Version", "TopicArn", "Name", "Tags", "member", "entry", "1", "2", "01", "key",
    "value", "Key", "Value", "Attributes", "MessageAttributes", "DataType", "StringValue", "BinaryValue", "Message",
    "PublishBatchRequestEntries", "Id", "ReturnSubscriptionArn", "__proto__", "")
  const actionName = fc.constantFrom("CreateTopic", "Publish", "PublishBatch", "Subscribe", "TagResource", "AddPermission", "Nope")
  const formBody = fc
    .tuple(actionName, fc.array(fc.tuple(fc.array(segment, { minLength: 1, maxLength: 5 }), fc.string({ unit: "binary", maxLength: 12 })), { maxLength: 12 }))
    .map(([action, pairs]) => new URLSearchParams([["Action", action], ...pairs.map(([path, v]) => [path.join("."), v] as [string, string])]).toString())

  const respond = (body: Uint8Array) => {
    const fake = fakeSns({ createTopic: { topicArn: "t" }, publish: { messageId: "m", sequenceNumber: undefined }, publishBatch: { successful: [], failed: [] }, subscribe: { subscriptionArn: "s" } })
    return Effect.runSync(dispatchBody(body, fake.service, ctx, "req"))
  }

  const wellFormed = (response: Response<string>) => {
    const doc = parseStrict(response.body)
    if (response.status === 200) {
      expect(doc.name.endsWith("Response")).toBe(true)
    } else {
      expect(doc.name).toBe("ErrorResponse")
      expect(text(doc, "Error", "Code")).not.toBe("")
      expect(["Sender", "Receiver"]).toContain(text(doc, "Error", "Type"))
    }
  }

  it("random form bodies never throw and always answer well-formed XML", () => {
    fc.assert(fc.property(formBody, (body) => wellFormed(respond(new TextEncoder().encode(body)))), { numRuns: 1000 })
  })

  it("random bytes never throw and always answer well-formed XML", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (body) => wellFormed(respond(body))), { numRuns: 1000 })
  })
})
