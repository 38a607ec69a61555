/**
 * Issue 4's headline: an encrypted topic, driven only by the unmodified AWS SDK v3 over HTTPS, takes
 * a message in, keeps it sealed, and hands the plaintext (subject and message attributes intact) to
 * an HTTP subscriber, with a signature AWS's own validator accepts, and to a lambda function.
 */
import { CreateAliasCommand, CreateKeyCommand, DescribeKeyCommand } from "@aws-sdk/client-kms"
import {
  CreateTopicCommand,
  PublishCommand,
  SubscribeCommand
} from "@aws-sdk/client-sns"
import { describe, expect, it } from "vitest"
import { eventually, storedMessages, subscribeConfirmed } from "./support/Clients.js"
import { useBroker } from "./support/Fixture.js"
import { validateSignature } from "./support/Subscriber.js"

const live = useBroker()

/** A customer managed key under `alias`, as a user makes one with the SDK. */
const createKeyWithAlias = async (alias: string) => {
  const created = await live.kms.send(new CreateKeyCommand({ Description: `key behind ${alias}` }))
  await live.kms.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: created.KeyMetadata!.KeyId! }))
  return created.KeyMetadata!
}

/** Subscribes a fresh local HTTP endpoint and waits until it has confirmed through SubscribeURL. */
const subscribeHttp = async (topicArn: string) => {
  const subscriber = await live.subscriber()
  await subscribeConfirmed(live.sns, { TopicArn: topicArn, Protocol: "http", Endpoint: subscriber.url })
  return subscriber
}

const BODY = "card 4111-1111-1111-1111 expires 12/29 — ünïcødé ✓"

describe("an encrypted topic through the AWS SDK v3 over HTTPS", () => {
  it("delivers the plaintext, subject and attributes to a confirmed HTTP subscriber, signed, while storing it sealed", async () => {
    const key = await createKeyWithAlias("alias/orders")
    const { TopicArn } = await live.sns.send(new CreateTopicCommand({ Name: "orders", Attributes: { KmsMasterKeyId: "alias/orders" } }))
    const subscriber = await subscribeHttp(TopicArn!)

    const confirmation = subscriber.received.find((r) => r.document["Type"] === "SubscriptionConfirmation")!
    expect(confirmation.headers["x-amz-sns-message-type"]).toBe("SubscriptionConfirmation")
    await validateSignature(confirmation.document, live.broker.endpoint, live.target.caPem)

    const binary = new Uint8Array([0, 1, 2, 254, 255])
    const { MessageId } = await live.sns.send(
      new PublishCommand({
        TopicArn,
        Message: BODY,
        Subject: "Order 42",
        MessageAttributes: {
          eventType: { DataType: "String", StringValue: "order.created" },
          count: { DataType: "Number", StringValue: "3" },
          blob: { DataType: "Binary", BinaryValue: binary }
        }
      })
    )
    expect(MessageId).toMatch(/^[0-9a-f-]{36}$/)

    await eventually("the notification", () => subscriber.notifications().length === 1)
    const notification = subscriber.notifications()[0]!
    expect(notification).toMatchObject({
      Type: "Notification",
      MessageId,
      TopicArn,
      Subject: "Order 42",
      Message: BODY,
      MessageAttributes: {
        eventType: { Type: "String", Value: "order.created" },
        count: { Type: "Number", Value: "3" },
        blob: { Type: "Binary", Value: Buffer.from(binary).toString("base64") }
      }
    })
    await validateSignature(notification, live.broker.endpoint, live.target.caPem)
    // A changed body must not validate: proves the validator checked this very document.
    await expect(validateSignature({ ...notification, Message: `${BODY}!` }, live.broker.endpoint, live.target.caPem)).rejects.toThrow()

    // docs/SEMANTICS.md §1.4 and §1.6: stored sealed under the topic's key, subject and attributes in the clear.
    const [stored] = await storedMessages(live.target, "orders")
    expect(stored).toMatchObject({ messageId: MessageId, subject: "Order 42", body: { kind: "Sealed", keyArn: key.Arn } })
    expect(JSON.stringify(stored)).not.toContain("4111-1111")
  })

  it("signs with SHA256WithRSA when the topic's SignatureVersion is 2", async () => {
    await createKeyWithAlias("alias/payments")
    const { TopicArn } = await live.sns.send(
      new CreateTopicCommand({ Name: "payments", Attributes: { KmsMasterKeyId: "alias/payments", SignatureVersion: "2" } })
    )
    const subscriber = await subscribeHttp(TopicArn!)
    await live.sns.send(new PublishCommand({ TopicArn, Message: BODY }))
    await eventually("the notification", () => subscriber.notifications().length === 1)
    const notification = subscriber.notifications()[0]!
    expect(notification).toMatchObject({ Message: BODY, SignatureVersion: "2" })
    await validateSignature(notification, live.broker.endpoint, live.target.caPem)
  })

  it("invokes a subscribed lambda function with the plaintext in an SNS event", async () => {
    await createKeyWithAlias("alias/audit")
    const { TopicArn } = await live.sns.send(new CreateTopicCommand({ Name: "audit", Attributes: { KmsMasterKeyId: "alias/audit" } }))
    const fn = live.recordingFunction("audit-handler")
    const { SubscriptionArn } = await live.sns.send(new SubscribeCommand({ TopicArn, Protocol: "lambda", Endpoint: fn.arn, ReturnSubscriptionArn: true }))
    const { MessageId } = await live.sns.send(
      new PublishCommand({ TopicArn, Message: BODY, Subject: "audit", MessageAttributes: { who: { DataType: "String", StringValue: "alice" } } })
    )
    await eventually("the lambda invocation", () => fn.events.length === 1)
    const [record] = fn.events[0]!.Records
    expect(record).toMatchObject({
      EventSource: "aws:sns",
      EventSubscriptionArn: SubscriptionArn,
      Sns: { Type: "Notification", MessageId, TopicArn, Subject: "audit", Message: BODY, MessageAttributes: { who: { Type: "String", Value: "alice" } } }
    })
    await validateSignature(
      { ...record!.Sns, SigningCertURL: record!.Sns.SigningCertUrl } as unknown as Record<string, string>,
      live.broker.endpoint,
      live.target.caPem
    )
  })

  it("alias/aws/sns names the account's AWS managed key, made on first use", async () => {
    const { TopicArn } = await live.sns.send(new CreateTopicCommand({ Name: "managed", Attributes: { KmsMasterKeyId: "alias/aws/sns" } }))
    const subscriber = await subscribeHttp(TopicArn!)
    const { MessageId } = await live.sns.send(new PublishCommand({ TopicArn, Message: BODY }))
    await eventually("the notification", () => subscriber.notifications().length === 1)
    expect(subscriber.notifications()[0]).toMatchObject({ MessageId, Message: BODY })

    const { KeyMetadata } = await live.kms.send(new DescribeKeyCommand({ KeyId: "alias/aws/sns" }))
    expect(KeyMetadata).toMatchObject({ KeyManager: "AWS", KeyState: "Enabled", KeyUsage: "ENCRYPT_DECRYPT" })
    const [stored] = await storedMessages(live.target, "managed")
    expect(stored!.body).toMatchObject({ kind: "Sealed", keyArn: KeyMetadata!.Arn })
  })
})
