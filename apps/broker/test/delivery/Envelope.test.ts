import { describe, expect, it } from "@effect/vitest"
import type { Message } from "@sealcast/core"
import * as Envelope from "../../src/delivery/Envelope.js"

const message = (overrides: Partial<Message.StoredMessage> = {}): Message.StoredMessage => ({
  messageId: "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324",
  topicArn: "arn:aws:sns:us-west-2:123456789012:MyTopic",
  subject: "My First Message",
  attributes: {},
  messageStructure: undefined,
  timestamp: Date.UTC(2012, 4, 2, 0, 54, 6, 655),
  publisher: "arn:aws:iam::123456789012:root",
  fifo: undefined,
  body: { _tag: "Plain", text: "Hello world!" },
  ...overrides
})

describe("Envelope", () => {
  it("lays a notification out as SNS does, field for field", () => {
    const fields = Envelope.notificationFields({ message: message(), text: "Hello world!", signatureVersion: "1" })
    const document = Envelope.notification(fields, { signature: "SIG", signingCertUrl: "https://h/c.pem", unsubscribeUrl: "https://h/u" }, {})
    expect(Envelope.encode(document)).toBe(
      [
        "{",
        '  "Type" : "Notification",',
        '  "MessageId" : "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324",',
        '  "TopicArn" : "arn:aws:sns:us-west-2:123456789012:MyTopic",',
        '  "Subject" : "My First Message",',
        '  "Message" : "Hello world!",',
        '  "Timestamp" : "2012-05-02T00:54:06.655Z",',
        '  "SignatureVersion" : "1",',
        '  "Signature" : "SIG",',
        '  "SigningCertURL" : "https://h/c.pem",',
        '  "UnsubscribeURL" : "https://h/u"',
        "}"
      ].join("\n")
    )
  })

  it("writes attributes one a line, Binary values in base64, and leaves Subject out when there is none", () => {
    const attributes: Message.MessageAttributes = {
      price: { dataType: "Number", stringValue: "9.5" },
      raw: { dataType: "Binary", binaryValue: new TextEncoder().encode("hi") }
    }
    const fields = Envelope.notificationFields({ message: message({ subject: undefined }), text: "x", signatureVersion: "2" })
    const text = Envelope.encode(Envelope.notification(fields, { signature: "S", signingCertUrl: "c", unsubscribeUrl: "u" }, attributes))
    expect(text).not.toContain("Subject")
    expect(text.endsWith('  "MessageAttributes" : {\n    "price" : {"Type":"Number","Value":"9.5"},\n    "raw" : {"Type":"Binary","Value":"aGk="}\n  }\n}')).toBe(true)
    expect(JSON.parse(text).MessageAttributes.raw).toEqual({ Type: "Binary", Value: "aGk=" })
  })

  it("picks the protocol's own message of a MessageStructure=json body, else default", () => {
    const body = JSON.stringify({ default: "d", sms: "s", email: "e", GCM: "{\"data\":1}" })
    const structured = message({ messageStructure: "json" })
    expect(Envelope.messageFor(structured, body, "sms", "+15555550100")).toBe("s")
    expect(Envelope.messageFor(structured, body, "email", "a@b.c")).toBe("e")
    expect(Envelope.messageFor(structured, body, "http", "http://h")).toBe("d")
    expect(Envelope.messageFor(structured, body, "application", "arn:aws:sns:us-east-1:000000000000:endpoint/GCM/app/1")).toBe("{\"data\":1}")
    expect(Envelope.messageFor(message(), body, "sms", "+15555550100")).toBe(body)
  })

  it("builds the links on the broker's origin, percent-encoding their parameters", () => {
    expect(Envelope.subscribeUrl("https://127.0.0.1:9443", "arn:aws:sns:us-east-1:000000000000:t", "a+b")).toBe(
      "https://127.0.0.1:9443/?Action=ConfirmSubscription&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A000000000000%3At&Token=a%2Bb"
    )
    expect(Envelope.unsubscribeUrl("https://o", "arn:aws:sns:us-east-1:000000000000:t:1")).toBe(
      "https://o/?Action=Unsubscribe&SubscriptionArn=arn%3Aaws%3Asns%3Aus-east-1%3A000000000000%3At%3A1"
    )
    expect(Envelope.signingCertUrl("https://o")).toBe("https://o/_sealcast/signing-cert.pem")
  })

  it("gives Firehose the compact record without signature fields", () => {
    const fields = Envelope.notificationFields({ message: message(), text: "body", signatureVersion: "1" })
    expect(JSON.parse(Envelope.firehoseRecord(fields, "https://o/u", {}))).toEqual({
      Type: "Notification",
      MessageId: fields.MessageId,
      TopicArn: fields.TopicArn,
      Subject: "My First Message",
      Message: "body",
      Timestamp: "2012-05-02T00:54:06.655Z",
      UnsubscribeURL: "https://o/u"
    })
  })
})
