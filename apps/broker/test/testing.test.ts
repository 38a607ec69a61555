import { CreateKeyCommand } from "@aws-sdk/client-kms"
import { CreateTopicCommand, GetTopicAttributesCommand, ListSubscriptionsByTopicCommand, PublishCommand } from "@aws-sdk/client-sns"
import { afterAll, describe, expect, it } from "vitest"
import { startTestBroker } from "../src/testing.js"

const sealcast = await startTestBroker({ afterAll })

describe("sealcast/testing", () => {
  it("hands back SDK clients, the credentials and the CA of a broker on a free port with nothing on disk", () => {
    expect(sealcast.endpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
    expect(sealcast.broker.dataDir).toBe(":memory:")
    expect(sealcast.credentials).toEqual(sealcast.broker.credentials)
    expect(sealcast.caPem).toMatch(/^-----BEGIN CERTIFICATE-----/)
    expect(sealcast.clientConfig).toMatchObject({ endpoint: sealcast.endpoint, region: "us-east-1" })
  })

  it("delivers an encrypted topic's notifications to an inbox, decoded and signature-checked, in order", async () => {
    const { KeyMetadata } = await sealcast.kms.send(new CreateKeyCommand({}))
    const { TopicArn } = await sealcast.sns.send(
      new CreateTopicCommand({ Name: "orders", Attributes: { KmsMasterKeyId: KeyMetadata!.KeyId!, SignatureVersion: "2" } })
    )
    const { Attributes } = await sealcast.sns.send(new GetTopicAttributesCommand({ TopicArn }))
    expect(Attributes?.["KmsMasterKeyId"]).toBe(KeyMetadata!.KeyId)
    const inbox = await sealcast.subscribe(TopicArn!)
    for (const message of ["first", "second"]) {
      await sealcast.sns.send(
        new PublishCommand({ TopicArn, Message: message, Subject: "s", MessageAttributes: { kind: { DataType: "String", StringValue: "k" } } })
      )
    }
    const first = await inbox.next()
    expect(first.done).toBe(false)
    expect(first.value).toMatchObject({ topicArn: TopicArn, message: "first", subject: "s", messageAttributes: { kind: { Type: "String", Value: "k" } } })
    expect(first.value.record.Sns.SignatureVersion).toBe("2")
    for await (const notification of inbox) {
      expect(notification.message).toBe("second")
      break
    }
  })

  it("honours subscription attributes, and close() unsubscribes", async () => {
    const { TopicArn } = await sealcast.sns.send(new CreateTopicCommand({ Name: "filtered" }))
    const inbox = await sealcast.subscribe(TopicArn!, { FilterPolicy: JSON.stringify({ kind: ["wanted"] }) })
    await sealcast.sns.send(new PublishCommand({ TopicArn, Message: "skipped", MessageAttributes: { kind: { DataType: "String", StringValue: "other" } } }))
    await sealcast.sns.send(new PublishCommand({ TopicArn, Message: "kept", MessageAttributes: { kind: { DataType: "String", StringValue: "wanted" } } }))
    expect((await inbox.next()).value?.message).toBe("kept")
    await inbox.close()
    expect(await inbox.next()).toEqual({ done: true, value: undefined })
    const { Subscriptions } = await sealcast.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn }))
    expect(Subscriptions).toEqual([])
  })
})
