/**
 * The unmodified AWS SDK v3 clients round-trip every SNS action and every KMS operation the broker
 * implements (packages/transport-http/src/kms/Operations.ts), against a live server over HTTPS, and the answers
 * are checked against what the calls did. Then the features that cut across actions: FIFO
 * deduplication and sequence numbers, MessageStructure=json, and filter policies on an encrypted topic.
 */
import {
  CancelKeyDeletionCommand,
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DeleteAliasCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  DisableKeyRotationCommand,
  EnableKeyCommand,
  EnableKeyRotationCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateDataKeyWithoutPlaintextCommand,
  GenerateRandomCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  InvalidCiphertextException,
  ListAliasesCommand,
  ListKeysCommand,
  ListResourceTagsCommand,
  PutKeyPolicyCommand,
  ReEncryptCommand,
  RotateKeyOnDemandCommand,
  ScheduleKeyDeletionCommand,
  TagResourceCommand as KmsTagResourceCommand,
  UntagResourceCommand as KmsUntagResourceCommand,
  UpdateAliasCommand
} from "@aws-sdk/client-kms"
import {
  AddPermissionCommand,
  ConfirmSubscriptionCommand,
  CreateTopicCommand,
  DeleteTopicCommand,
  GetDataProtectionPolicyCommand,
  GetSubscriptionAttributesCommand,
  GetTopicAttributesCommand,
  InvalidParameterException,
  ListSubscriptionsByTopicCommand,
  ListSubscriptionsCommand,
  ListTagsForResourceCommand,
  ListTopicsCommand,
  NotFoundException,
  paginateListTopics,
  PublishBatchCommand,
  PublishCommand,
  PutDataProtectionPolicyCommand,
  RemovePermissionCommand,
  SetSubscriptionAttributesCommand,
  SetTopicAttributesCommand,
  SubscribeCommand,
  TagResourceCommand,
  UnsubscribeCommand,
  UntagResourceCommand
} from "@aws-sdk/client-sns"
import { describe, expect, it } from "vitest"
import { eventually, storedMessages, subscribeConfirmed } from "./support/Clients.js"
import { useBroker } from "./support/Fixture.js"

const live = useBroker()

const rejection = (call: Promise<unknown>): Promise<unknown> => call.then(() => expect.fail("the call succeeded"), (e: unknown) => e)

const bytesEqual = (a: Uint8Array | undefined, b: Uint8Array | undefined) => Buffer.from(a!).equals(Buffer.from(b!))

describe("SNS actions through @aws-sdk/client-sns", () => {
  it("CreateTopic is idempotent for the same attributes; GetTopicAttributes, SetTopicAttributes and DeleteTopic", async () => {
    const attributes = { DisplayName: "Orders", KmsMasterKeyId: "alias/aws/sns" }
    const { TopicArn } = await live.sns.send(new CreateTopicCommand({ Name: "orders", Attributes: attributes }))
    expect(TopicArn).toBe(`arn:aws:sns:${live.broker.region}:${live.broker.accountId}:orders`)
    expect((await live.sns.send(new CreateTopicCommand({ Name: "orders", Attributes: attributes }))).TopicArn).toBe(TopicArn)
    const conflict = await rejection(live.sns.send(new CreateTopicCommand({ Name: "orders", Attributes: { DisplayName: "Other" } })))
    expect(conflict).toBeInstanceOf(InvalidParameterException)

    const before = (await live.sns.send(new GetTopicAttributesCommand({ TopicArn }))).Attributes!
    expect(before).toMatchObject({
      TopicArn,
      Owner: live.broker.accountId,
      DisplayName: "Orders",
      KmsMasterKeyId: "alias/aws/sns",
      SubscriptionsConfirmed: "0",
      SubscriptionsPending: "0"
    })
    expect(JSON.parse(before["Policy"]!)).toHaveProperty("Statement")

    await live.sns.send(new SetTopicAttributesCommand({ TopicArn, AttributeName: "KmsMasterKeyId", AttributeValue: "" }))
    await live.sns.send(new SetTopicAttributesCommand({ TopicArn, AttributeName: "DisplayName", AttributeValue: "Renamed" }))
    const after = (await live.sns.send(new GetTopicAttributesCommand({ TopicArn }))).Attributes!
    expect(after["DisplayName"]).toBe("Renamed")
    expect(after["KmsMasterKeyId"] ?? "").toBe("")

    await live.sns.send(new DeleteTopicCommand({ TopicArn }))
    expect(await rejection(live.sns.send(new GetTopicAttributesCommand({ TopicArn })))).toBeInstanceOf(NotFoundException)
    // DeleteTopic is idempotent (SNS API reference: deleting a topic that does not exist does not fail).
    await live.sns.send(new DeleteTopicCommand({ TopicArn }))
  })

  it("ListTopics pages by 100 with NextToken, and the paginator sees every topic once", async () => {
    const names = Array.from({ length: 130 }, (_, i) => `page-${String(i).padStart(3, "0")}`)
    const created = new Set<string>()
    for (let at = 0; at < names.length; at += 10) {
      const arns = await Promise.all(names.slice(at, at + 10).map((Name) => live.sns.send(new CreateTopicCommand({ Name }))))
      for (const { TopicArn } of arns) created.add(TopicArn!)
    }
    const first = await live.sns.send(new ListTopicsCommand({}))
    expect(first.Topics).toHaveLength(100)
    expect(first.NextToken).toBeTruthy()

    const seen: Array<string> = []
    let pages = 0
    for await (const page of paginateListTopics({ client: live.sns }, {})) {
      pages++
      seen.push(...(page.Topics ?? []).map((t) => t.TopicArn!))
    }
    expect(pages).toBeGreaterThanOrEqual(2)
    expect(new Set(seen).size).toBe(seen.length)
    for (const arn of created) expect(seen).toContain(arn)
  })

  it("Subscribe, ConfirmSubscription with the token SNS sent, Get/SetSubscriptionAttributes, ListSubscriptions(ByTopic), Unsubscribe", async () => {
    const { TopicArn } = await live.sns.send(new CreateTopicCommand({ Name: "subscriptions" }))
    const subscriber = await live.subscriber({ confirm: false })
    const subscribed = await live.sns.send(new SubscribeCommand({ TopicArn, Protocol: "http", Endpoint: subscriber.url }))
    expect(subscribed.SubscriptionArn).toBe("pending confirmation")
    await eventually("the SubscriptionConfirmation", () => subscriber.received.length === 1)
    const confirmation = subscriber.received[0]!.document
    expect(confirmation).toMatchObject({ Type: "SubscriptionConfirmation", TopicArn })

    const { SubscriptionArn } = await live.sns.send(new ConfirmSubscriptionCommand({ TopicArn, Token: String(confirmation["Token"]) }))
    expect(SubscriptionArn).toMatch(new RegExp(`^${TopicArn}:[0-9a-f-]{36}$`))

    const fn = live.recordingFunction("subscriptions-fn")
    const lambdaSubscription = await subscribeConfirmed(live.sns, { TopicArn, Protocol: "lambda", Endpoint: fn.arn })

    const attributes = (await live.sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn }))).Attributes!
    expect(attributes).toMatchObject({
      SubscriptionArn,
      TopicArn,
      Protocol: "http",
      Endpoint: subscriber.url,
      Owner: live.broker.accountId,
      PendingConfirmation: "false",
      RawMessageDelivery: "false"
    })
    await live.sns.send(new SetSubscriptionAttributesCommand({ SubscriptionArn, AttributeName: "RawMessageDelivery", AttributeValue: "true" }))
    expect((await live.sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn }))).Attributes?.["RawMessageDelivery"]).toBe("true")
    expect((await live.sns.send(new GetTopicAttributesCommand({ TopicArn }))).Attributes).toMatchObject({ SubscriptionsConfirmed: "2" })

    // Raw delivery posts the body itself, not the JSON envelope.
    await live.sns.send(new PublishCommand({ TopicArn, Message: '{"raw":true}' }))
    await eventually("the raw delivery", () => subscriber.received.length === 2)
    expect(subscriber.received[1]!.document).toEqual({ raw: true })

    const byTopic = (await live.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn }))).Subscriptions!
    expect(byTopic.map((s) => ({ arn: s.SubscriptionArn, protocol: s.Protocol, endpoint: s.Endpoint })).sort((a, b) => a.protocol!.localeCompare(b.protocol!))).toEqual([
      { arn: SubscriptionArn, protocol: "http", endpoint: subscriber.url },
      { arn: lambdaSubscription, protocol: "lambda", endpoint: fn.arn }
    ])
    const all = (await live.sns.send(new ListSubscriptionsCommand({}))).Subscriptions!
    expect(all.map((s) => s.SubscriptionArn)).toEqual(expect.arrayContaining([SubscriptionArn, lambdaSubscription]))
    expect(all.find((s) => s.SubscriptionArn === SubscriptionArn)).toMatchObject({ TopicArn, Owner: live.broker.accountId })

    await live.sns.send(new UnsubscribeCommand({ SubscriptionArn }))
    expect((await live.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn }))).Subscriptions!.map((s) => s.SubscriptionArn)).toEqual([
      lambdaSubscription
    ])
    expect(await rejection(live.sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn })))).toBeInstanceOf(NotFoundException)
  })

  it("Publish and PublishBatch answer message ids that are stored, in order, with their attributes", async () => {
    const { TopicArn } = await live.sns.send(new CreateTopicCommand({ Name: "publishing", Attributes: { KmsMasterKeyId: "alias/aws/sns" } }))
    const single = await live.sns.send(
      new PublishCommand({ TopicArn, Message: "one", Subject: "first", MessageAttributes: { n: { DataType: "Number", StringValue: "1" } } })
    )
    const batch = await live.sns.send(
      new PublishBatchCommand({
        TopicArn,
        PublishBatchRequestEntries: [
          { Id: "two", Message: "two" },
          { Id: "bad", Message: "three", MessageAttributes: { "AWS.reserved": { DataType: "String", StringValue: "x" } } },
          { Id: "four", Message: "four", Subject: "last" }
        ]
      })
    )
    expect(batch.Successful?.map((s) => s.Id)).toEqual(["two", "four"])
    // A reserved attribute name is InvalidParameterValueException, wire code ParameterValueInvalid (botocore sns model).
    expect(batch.Failed).toEqual([expect.objectContaining({ Id: "bad", Code: "ParameterValueInvalid", SenderFault: true })])
    const stored = await storedMessages(live.target, "publishing")
    expect(stored.map((m) => m.messageId)).toEqual([single.MessageId, ...batch.Successful!.map((s) => s.MessageId)])
    expect(stored.map((m) => m.subject)).toEqual(["first", null, "last"])
    expect(stored[0]!.attributes).toEqual({ n: { DataType: "Number", StringValue: "1" } })
    expect(stored.every((m) => m.body.kind === "Sealed")).toBe(true)
  })

  it("TagResource, ListTagsForResource, UntagResource", async () => {
    const { TopicArn } = await live.sns.send(new CreateTopicCommand({ Name: "tagged", Tags: [{ Key: "team", Value: "payments" }] }))
    await live.sns.send(new TagResourceCommand({ ResourceArn: TopicArn, Tags: [{ Key: "env", Value: "test" }, { Key: "team", Value: "orders" }] }))
    const listed = (await live.sns.send(new ListTagsForResourceCommand({ ResourceArn: TopicArn }))).Tags!
    expect([...listed].sort((a, b) => a.Key!.localeCompare(b.Key!))).toEqual([{ Key: "env", Value: "test" }, { Key: "team", Value: "orders" }])
    await live.sns.send(new UntagResourceCommand({ ResourceArn: TopicArn, TagKeys: ["team"] }))
    expect((await live.sns.send(new ListTagsForResourceCommand({ ResourceArn: TopicArn }))).Tags).toEqual([{ Key: "env", Value: "test" }])
  })

  it("AddPermission adds a statement labelled with its label to the topic policy; RemovePermission takes it out", async () => {
    const { TopicArn } = await live.sns.send(new CreateTopicCommand({ Name: "shared" }))
    await live.sns.send(new AddPermissionCommand({ TopicArn, Label: "let-111", AWSAccountId: ["111122223333"], ActionName: ["Publish", "Subscribe"] }))
    const policyOf = async () =>
      JSON.parse((await live.sns.send(new GetTopicAttributesCommand({ TopicArn }))).Attributes!["Policy"]!) as { Statement: Array<Record<string, unknown>> }
    const granted = (await policyOf()).Statement.find((s) => s["Sid"] === "let-111")
    expect(granted).toMatchObject({ Effect: "Allow", Resource: TopicArn })
    expect(JSON.stringify(granted)).toContain("111122223333")
    expect(JSON.stringify(granted)).toContain("SNS:Publish")
    await live.sns.send(new RemovePermissionCommand({ TopicArn, Label: "let-111" }))
    expect((await policyOf()).Statement.map((s) => s["Sid"])).not.toContain("let-111")
  })

  it("PutDataProtectionPolicy stores the document GetDataProtectionPolicy returns", async () => {
    const { TopicArn } = await live.sns.send(new CreateTopicCommand({ Name: "protected" }))
    expect((await live.sns.send(new GetDataProtectionPolicyCommand({ ResourceArn: TopicArn }))).DataProtectionPolicy ?? "").toBe("")
    const policy = JSON.stringify({
      Name: "deny-card-numbers",
      Description: "",
      Version: "2021-06-01",
      Statement: [
        {
          Sid: "deny",
          DataDirection: "Inbound",
          Principal: ["*"],
          DataIdentifier: ["arn:aws:dataprotection::aws:data-identifier/CreditCardNumber"],
          Operation: { Deny: {} }
        }
      ]
    })
    await live.sns.send(new PutDataProtectionPolicyCommand({ ResourceArn: TopicArn, DataProtectionPolicy: policy }))
    const stored = (await live.sns.send(new GetDataProtectionPolicyCommand({ ResourceArn: TopicArn }))).DataProtectionPolicy
    expect(JSON.parse(stored!)).toEqual(JSON.parse(policy))
  })
})

describe("KMS operations through @aws-sdk/client-kms", () => {
  it("CreateKey, DescribeKey, ListKeys (paged), Enable/DisableKey, Schedule/CancelKeyDeletion", async () => {
    const { KeyMetadata: created } = await live.kms.send(new CreateKeyCommand({ Description: "round trip" }))
    expect(created).toMatchObject({
      AWSAccountId: live.broker.accountId,
      Enabled: true,
      KeyState: "Enabled",
      KeyUsage: "ENCRYPT_DECRYPT",
      KeySpec: "SYMMETRIC_DEFAULT",
      KeyManager: "CUSTOMER",
      Origin: "AWS_KMS",
      Description: "round trip"
    })
    const keyId = created!.KeyId!
    expect(created!.Arn).toBe(`arn:aws:kms:${live.broker.region}:${live.broker.accountId}:key/${keyId}`)
    expect((await live.kms.send(new DescribeKeyCommand({ KeyId: created!.Arn! }))).KeyMetadata?.KeyId).toBe(keyId)

    await live.kms.send(new CreateKeyCommand({}))
    const firstPage = await live.kms.send(new ListKeysCommand({ Limit: 1 }))
    expect(firstPage.Keys).toHaveLength(1)
    expect(firstPage.Truncated).toBe(true)
    const rest = await live.kms.send(new ListKeysCommand({ Marker: firstPage.NextMarker! }))
    const allIds = [...firstPage.Keys!, ...rest.Keys!].map((k) => k.KeyId)
    expect(allIds).toContain(keyId)
    expect(new Set(allIds).size).toBe(allIds.length)

    await live.kms.send(new DisableKeyCommand({ KeyId: keyId }))
    expect((await live.kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata).toMatchObject({ Enabled: false, KeyState: "Disabled" })
    await live.kms.send(new EnableKeyCommand({ KeyId: keyId }))
    expect((await live.kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata).toMatchObject({ Enabled: true, KeyState: "Enabled" })

    const scheduled = await live.kms.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 7 }))
    expect(scheduled).toMatchObject({ KeyId: created!.Arn, KeyState: "PendingDeletion", PendingWindowInDays: 7 })
    const daysAhead = (scheduled.DeletionDate!.getTime() - Date.now()) / 86_400_000
    expect(daysAhead).toBeGreaterThan(6.9)
    expect(daysAhead).toBeLessThan(7.1)
    expect((await live.kms.send(new CancelKeyDeletionCommand({ KeyId: keyId }))).KeyId).toBe(created!.Arn)
    expect((await live.kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata?.KeyState).toBe("Disabled")
  })

  it("GenerateDataKey(WithoutPlaintext), Encrypt, Decrypt, ReEncrypt and GenerateRandom round-trip bytes under their encryption context", async () => {
    const first = (await live.kms.send(new CreateKeyCommand({}))).KeyMetadata!
    const second = (await live.kms.send(new CreateKeyCommand({}))).KeyMetadata!
    const context = { "aws:sns:topicArn": `arn:aws:sns:${live.broker.region}:${live.broker.accountId}:t` }

    const dataKey = await live.kms.send(new GenerateDataKeyCommand({ KeyId: first.KeyId!, KeySpec: "AES_256", EncryptionContext: context }))
    expect(dataKey.KeyId).toBe(first.Arn)
    expect(dataKey.Plaintext).toHaveLength(32)
    const opened = await live.kms.send(new DecryptCommand({ CiphertextBlob: dataKey.CiphertextBlob!, EncryptionContext: context }))
    expect(opened.KeyId).toBe(first.Arn)
    expect(bytesEqual(opened.Plaintext, dataKey.Plaintext)).toBe(true)
    // docs/SEMANTICS.md §5: the encryption context must match exactly.
    const wrongContext = await rejection(live.kms.send(new DecryptCommand({ CiphertextBlob: dataKey.CiphertextBlob!, EncryptionContext: { other: "x" } })))
    expect(wrongContext).toBeInstanceOf(InvalidCiphertextException)

    const withoutPlaintext = await live.kms.send(new GenerateDataKeyWithoutPlaintextCommand({ KeyId: first.KeyId!, NumberOfBytes: 16 }))
    expect(withoutPlaintext).not.toHaveProperty("Plaintext")
    expect((await live.kms.send(new DecryptCommand({ CiphertextBlob: withoutPlaintext.CiphertextBlob! }))).Plaintext).toHaveLength(16)

    const message = new TextEncoder().encode("attack at dawn")
    const encrypted = await live.kms.send(new EncryptCommand({ KeyId: first.KeyId!, Plaintext: message }))
    expect(encrypted.KeyId).toBe(first.Arn)
    expect(Buffer.from(encrypted.CiphertextBlob!).includes(Buffer.from(message))).toBe(false)
    const reEncrypted = await live.kms.send(new ReEncryptCommand({ CiphertextBlob: encrypted.CiphertextBlob!, DestinationKeyId: second.KeyId! }))
    expect(reEncrypted).toMatchObject({ SourceKeyId: first.Arn, KeyId: second.Arn })
    const decrypted = await live.kms.send(new DecryptCommand({ CiphertextBlob: reEncrypted.CiphertextBlob! }))
    expect(decrypted.KeyId).toBe(second.Arn)
    expect(bytesEqual(decrypted.Plaintext, message)).toBe(true)

    const random = await live.kms.send(new GenerateRandomCommand({ NumberOfBytes: 64 }))
    const again = await live.kms.send(new GenerateRandomCommand({ NumberOfBytes: 64 }))
    expect(random.Plaintext).toHaveLength(64)
    expect(bytesEqual(random.Plaintext, again.Plaintext)).toBe(false)
  })

  it("Enable/DisableKeyRotation, GetKeyRotationStatus, RotateKeyOnDemand; old ciphertexts still decrypt", async () => {
    const key = (await live.kms.send(new CreateKeyCommand({}))).KeyMetadata!
    const before = await live.kms.send(new EncryptCommand({ KeyId: key.KeyId!, Plaintext: new Uint8Array([1, 2, 3]) }))
    expect((await live.kms.send(new GetKeyRotationStatusCommand({ KeyId: key.KeyId! }))).KeyRotationEnabled).toBe(false)
    await live.kms.send(new EnableKeyRotationCommand({ KeyId: key.KeyId!, RotationPeriodInDays: 90 }))
    expect(await live.kms.send(new GetKeyRotationStatusCommand({ KeyId: key.KeyId! }))).toMatchObject({ KeyRotationEnabled: true, RotationPeriodInDays: 90 })
    await live.kms.send(new DisableKeyRotationCommand({ KeyId: key.KeyId! }))
    expect((await live.kms.send(new GetKeyRotationStatusCommand({ KeyId: key.KeyId! }))).KeyRotationEnabled).toBe(false)

    // AWS documents the answer only as "identifies the key"; an id or the ARN both do.
    expect([key.KeyId, key.Arn]).toContain((await live.kms.send(new RotateKeyOnDemandCommand({ KeyId: key.KeyId! }))).KeyId)
    const after = await live.kms.send(new EncryptCommand({ KeyId: key.KeyId!, Plaintext: new Uint8Array([1, 2, 3]) }))
    for (const { CiphertextBlob } of [before, after]) {
      expect(Array.from((await live.kms.send(new DecryptCommand({ CiphertextBlob: CiphertextBlob! }))).Plaintext!)).toEqual([1, 2, 3])
    }
  })

  it("TagResource, ListResourceTags, UntagResource; GetKeyPolicy, PutKeyPolicy", async () => {
    const key = (await live.kms.send(new CreateKeyCommand({ Tags: [{ TagKey: "team", TagValue: "payments" }] }))).KeyMetadata!
    await live.kms.send(new KmsTagResourceCommand({ KeyId: key.KeyId!, Tags: [{ TagKey: "env", TagValue: "test" }] }))
    const tags = (await live.kms.send(new ListResourceTagsCommand({ KeyId: key.KeyId! }))).Tags!
    expect([...tags].sort((a, b) => a.TagKey!.localeCompare(b.TagKey!))).toEqual([
      { TagKey: "env", TagValue: "test" },
      { TagKey: "team", TagValue: "payments" }
    ])
    await live.kms.send(new KmsUntagResourceCommand({ KeyId: key.KeyId!, TagKeys: ["team"] }))
    expect((await live.kms.send(new ListResourceTagsCommand({ KeyId: key.KeyId! }))).Tags).toEqual([{ TagKey: "env", TagValue: "test" }])

    const initial = JSON.parse((await live.kms.send(new GetKeyPolicyCommand({ KeyId: key.KeyId!, PolicyName: "default" }))).Policy!)
    expect(JSON.stringify(initial)).toContain(`arn:aws:iam::${live.broker.accountId}:root`)
    const policy = {
      Version: "2012-10-17",
      Id: "replaced",
      Statement: [{ Sid: "root", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${live.broker.accountId}:root` }, Action: "kms:*", Resource: "*" }]
    }
    await live.kms.send(new PutKeyPolicyCommand({ KeyId: key.KeyId!, PolicyName: "default", Policy: JSON.stringify(policy) }))
    expect(JSON.parse((await live.kms.send(new GetKeyPolicyCommand({ KeyId: key.KeyId!, PolicyName: "default" }))).Policy!)).toEqual(policy)
  })

  it("CreateAlias, ListAliases, UpdateAlias, DeleteAlias", async () => {
    const first = (await live.kms.send(new CreateKeyCommand({}))).KeyMetadata!
    const second = (await live.kms.send(new CreateKeyCommand({}))).KeyMetadata!
    await live.kms.send(new CreateAliasCommand({ AliasName: "alias/round-trip", TargetKeyId: first.KeyId! }))
    const aliasOf = async () => (await live.kms.send(new ListAliasesCommand({}))).Aliases!.find((a) => a.AliasName === "alias/round-trip")
    expect(await aliasOf()).toMatchObject({
      AliasArn: `arn:aws:kms:${live.broker.region}:${live.broker.accountId}:alias/round-trip`,
      TargetKeyId: first.KeyId
    })
    expect((await live.kms.send(new ListAliasesCommand({ KeyId: first.KeyId! }))).Aliases!.map((a) => a.AliasName)).toEqual(["alias/round-trip"])

    await live.kms.send(new UpdateAliasCommand({ AliasName: "alias/round-trip", TargetKeyId: second.KeyId! }))
    expect((await aliasOf())?.TargetKeyId).toBe(second.KeyId)
    expect((await live.kms.send(new DescribeKeyCommand({ KeyId: "alias/round-trip" }))).KeyMetadata?.KeyId).toBe(second.KeyId)

    await live.kms.send(new DeleteAliasCommand({ AliasName: "alias/round-trip" }))
    expect(await aliasOf()).toBeUndefined()
  })
})

describe("features across actions", () => {
  it("a FIFO topic deduplicates within its window and numbers messages in increasing SequenceNumber", async () => {
    const { TopicArn } = await live.sns.send(
      new CreateTopicCommand({ Name: "ledger.fifo", Attributes: { FifoTopic: "true", ContentBasedDeduplication: "true", KmsMasterKeyId: "alias/aws/sns" } })
    )
    const publish = (Message: string, MessageDeduplicationId?: string) =>
      live.sns.send(new PublishCommand({ TopicArn, Message, MessageGroupId: "account-1", ...(MessageDeduplicationId === undefined ? {} : { MessageDeduplicationId }) }))
    const a = await publish("debit 10")
    const aAgain = await publish("debit 10")
    const b = await publish("credit 5")
    const c = await publish("credit 5", "explicit-id")
    const cAgain = await publish("something else", "explicit-id")

    expect(aAgain).toMatchObject({ MessageId: a.MessageId, SequenceNumber: a.SequenceNumber })
    expect(cAgain).toMatchObject({ MessageId: c.MessageId, SequenceNumber: c.SequenceNumber })
    const sequence = [a, b, c].map((r) => BigInt(r.SequenceNumber!))
    expect(sequence[0]! < sequence[1]! && sequence[1]! < sequence[2]!).toBe(true)
    expect(a.SequenceNumber).toMatch(/^[0-9]{20}$/)
    expect((await storedMessages(live.target, "ledger.fifo")).map((m) => m.messageId)).toEqual([a.MessageId, b.MessageId, c.MessageId])

    const missingGroup = await rejection(live.sns.send(new PublishCommand({ TopicArn, Message: "no group" })))
    expect(missingGroup).toBeInstanceOf(InvalidParameterException)
  })

  it("MessageStructure=json sends each protocol its own message, and default to the rest", async () => {
    const { TopicArn } = await live.sns.send(new CreateTopicCommand({ Name: "structured", Attributes: { KmsMasterKeyId: "alias/aws/sns" } }))
    const subscriber = await live.subscriber()
    await subscribeConfirmed(live.sns, { TopicArn, Protocol: "http", Endpoint: subscriber.url })
    const fn = live.recordingFunction("structured-fn")
    await subscribeConfirmed(live.sns, { TopicArn, Protocol: "lambda", Endpoint: fn.arn })

    const Message = JSON.stringify({ default: "for everyone", http: "for http", lambda: "for lambda" })
    const { MessageId } = await live.sns.send(new PublishCommand({ TopicArn, Message, MessageStructure: "json" }))
    await eventually("both deliveries", () => subscriber.notifications().length === 1 && fn.events.length === 1)
    expect(subscriber.notifications()[0]).toMatchObject({ MessageId, Message: "for http" })
    expect(fn.events[0]!.Records[0]!.Sns).toMatchObject({ MessageId, Message: "for lambda" })

    const withoutDefault = await rejection(
      live.sns.send(new PublishCommand({ TopicArn, Message: JSON.stringify({ http: "x" }), MessageStructure: "json" }))
    )
    expect(withoutDefault).toBeInstanceOf(InvalidParameterException)
  })

  it("filter policies route each of two subscribers of an encrypted topic exactly its messages", async () => {
    const { KeyMetadata } = await live.kms.send(new CreateKeyCommand({}))
    const { TopicArn } = await live.sns.send(new CreateTopicCommand({ Name: "routed", Attributes: { KmsMasterKeyId: KeyMetadata!.Arn! } }))
    const eu = await live.subscriber()
    const bigOrders = await live.subscriber()
    await subscribeConfirmed(live.sns, {
      TopicArn,
      Protocol: "http",
      Endpoint: eu.url,
      Attributes: { FilterPolicy: JSON.stringify({ region: ["eu-west-1", "eu-central-1"] }) }
    })
    // Filtering on the body of an encrypted message: the broker must open it to decide.
    await subscribeConfirmed(live.sns, {
      TopicArn,
      Protocol: "http",
      Endpoint: bigOrders.url,
      Attributes: { FilterPolicyScope: "MessageBody", FilterPolicy: JSON.stringify({ total: [{ numeric: [">=", 100] }] }) }
    })

    const published = [
      { region: "eu-west-1", total: 250 },
      { region: "us-east-1", total: 500 },
      { region: "eu-central-1", total: 5 },
      { region: "ap-south-1", total: 1 }
    ]
    const ids: Array<string> = []
    for (const order of published) {
      const { MessageId } = await live.sns.send(
        new PublishCommand({ TopicArn, Message: JSON.stringify(order), MessageAttributes: { region: { DataType: "String", StringValue: order.region } } })
      )
      ids.push(MessageId!)
    }
    const euIds = [ids[0], ids[2]]
    const bigIds = [ids[0], ids[1]]
    await eventually("each subscriber's messages", () => eu.notifications().length >= 2 && bigOrders.notifications().length >= 2)
    // Deliveries that should not happen would come as fast as those that should: give them the time.
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(eu.notifications().map((n) => n["MessageId"]).sort()).toEqual([...euIds].sort())
    expect(bigOrders.notifications().map((n) => n["MessageId"]).sort()).toEqual([...bigIds].sort())
    expect(eu.notifications().map((n) => JSON.parse(String(n["Message"])).region).sort()).toEqual(["eu-central-1", "eu-west-1"])
  })
})
