/**
 * docs/SEMANTICS.md §1.7 and §2: Publish to an encrypted topic checks its key's state on every call, fails
 * with SNS's KMS error codes (sender faults, the KMS text wrapped), and a failed Publish stores
 * nothing. PublishBatch reports the same failures entry by entry.
 */
import {
  CancelKeyDeletionCommand,
  CreateKeyCommand,
  DisableKeyCommand,
  EnableKeyCommand,
  ScheduleKeyDeletionCommand
} from "@aws-sdk/client-kms"
import {
  CreateTopicCommand,
  KMSDisabledException,
  KMSInvalidStateException,
  KMSNotFoundException,
  PublishBatchCommand,
  PublishCommand,
  SNSServiceException
} from "@aws-sdk/client-sns"
import { randomUUID } from "node:crypto"
import { describe, expect, it } from "vitest"
import { storedMessages } from "./support/Clients.js"
import { useBroker } from "./support/Fixture.js"

const live = useBroker()

const createKey = async (usage: "ENCRYPT_DECRYPT" | "SIGN_VERIFY" = "ENCRYPT_DECRYPT") => {
  const { KeyMetadata } = await live.kms.send(
    new CreateKeyCommand(usage === "SIGN_VERIFY" ? { KeyUsage: "SIGN_VERIFY", KeySpec: "ECC_NIST_P256" } : {})
  )
  return KeyMetadata!
}

const createTopic = async (name: string, kmsMasterKeyId: string) =>
  (await live.sns.send(new CreateTopicCommand({ Name: name, Attributes: { KmsMasterKeyId: kmsMasterKeyId } }))).TopicArn!

/** The Publish's rejection, which must be an SNS sender fault answered with HTTP 400. */
const publishRejection = async (topicArn: string): Promise<SNSServiceException> => {
  const error: unknown = await live.sns.send(new PublishCommand({ TopicArn: topicArn, Message: "must not be stored" })).then(
    () => expect.fail("Publish succeeded"),
    (e: unknown) => e
  )
  expect(error).toBeInstanceOf(SNSServiceException)
  const rejection = error as SNSServiceException
  expect(rejection.$fault).toBe("client")
  expect(rejection.$metadata.httpStatusCode).toBe(400)
  return rejection
}

/** Publishes two entries in one batch, both of which must fail alone with `code`. */
const expectBatchFailure = async (topicArn: string, code: string) => {
  const result = await live.sns.send(
    new PublishBatchCommand({
      TopicArn: topicArn,
      PublishBatchRequestEntries: [
        { Id: "first", Message: "must not be stored" },
        { Id: "second", Message: "nor this" }
      ]
    })
  )
  expect(result.Successful ?? []).toEqual([])
  expect(result.Failed?.map((f) => ({ Id: f.Id, Code: f.Code, SenderFault: f.SenderFault }))).toEqual([
    { Id: "first", Code: code, SenderFault: true },
    { Id: "second", Code: code, SenderFault: true }
  ])
  for (const failure of result.Failed ?? []) expect(failure.Message).toMatch(/Service: AWSKMS; Status Code: 400/)
}

const storedCount = async (topicName: string) => (await storedMessages(live.target, topicName)).length

describe("Publish and the state of the topic's KMS key", () => {
  it("a disabled key fails Publish with KMSDisabled and stores nothing; enabled again, Publish works", async () => {
    const key = await createKey()
    const topicArn = await createTopic("disabled-key", key.KeyId!)
    // A first Publish leaves a fresh data key cached: the state check must not be skipped because of it.
    await live.sns.send(new PublishCommand({ TopicArn: topicArn, Message: "before" }))
    expect(await storedCount("disabled-key")).toBe(1)

    await live.kms.send(new DisableKeyCommand({ KeyId: key.KeyId! }))
    const rejection = await publishRejection(topicArn)
    expect(rejection).toBeInstanceOf(KMSDisabledException)
    expect(rejection.name).toBe("KMSDisabledException")
    expect(rejection.message).toContain(`${key.Arn} is disabled.`)
    expect(rejection.message).toMatch(/Error Code: DisabledException; Request ID: /)
    await expectBatchFailure(topicArn, "KMSDisabled")
    expect(await storedCount("disabled-key")).toBe(1)

    await live.kms.send(new EnableKeyCommand({ KeyId: key.KeyId! }))
    const { MessageId } = await live.sns.send(new PublishCommand({ TopicArn: topicArn, Message: "after" }))
    const stored = await storedMessages(live.target, "disabled-key")
    expect(stored.map((m) => m.body.kind)).toEqual(["Sealed", "Sealed"])
    expect(stored.map((m) => m.messageId)).toContain(MessageId)
  })

  it("a key pending deletion fails Publish with KMSInvalidState and stores nothing", async () => {
    const key = await createKey()
    const topicArn = await createTopic("pending-deletion", key.Arn!)
    await live.kms.send(new ScheduleKeyDeletionCommand({ KeyId: key.KeyId!, PendingWindowInDays: 7 }))
    const rejection = await publishRejection(topicArn)
    expect(rejection).toBeInstanceOf(KMSInvalidStateException)
    expect(rejection.message).toContain("is pending deletion")
    await expectBatchFailure(topicArn, "KMSInvalidState")
    expect(await storedCount("pending-deletion")).toBe(0)

    // Cancelling leaves the key Disabled (KMS CancelKeyDeletion): still refused, now as disabled.
    await live.kms.send(new CancelKeyDeletionCommand({ KeyId: key.KeyId! }))
    expect(await publishRejection(topicArn)).toBeInstanceOf(KMSDisabledException)
    expect(await storedCount("pending-deletion")).toBe(0)
  })

  it("an unknown key, by id or by alias, fails Publish with KMSNotFound and stores nothing", async () => {
    for (const [name, keyId] of [["unknown-key-id", randomUUID()], ["unknown-alias", "alias/never-created"]] as const) {
      const topicArn = await createTopic(name, keyId)
      expect(await publishRejection(topicArn)).toBeInstanceOf(KMSNotFoundException)
      await expectBatchFailure(topicArn, "KMSNotFound")
      expect(await storedCount(name)).toBe(0)
    }
  })

  it("a SIGN_VERIFY key cannot protect a topic: Publish is refused and stores nothing", async () => {
    const key = await createKey("SIGN_VERIFY")
    const topicArn = await createTopic("signing-key", key.KeyId!)
    const rejection = await publishRejection(topicArn)
    // An error Publish declares (botocore sns model): the SDK answers its own class.
    expect(rejection).toBeInstanceOf(KMSInvalidStateException)
    expect(rejection.message).toMatch(/InvalidKeyUsageException/)
    await expectBatchFailure(topicArn, "KMSInvalidState")
    expect(await storedCount("signing-key")).toBe(0)
  })

  it("a batch on an enabled key stores every entry, sealed", async () => {
    const key = await createKey()
    const topicArn = await createTopic("batch-ok", key.KeyId!)
    const result = await live.sns.send(
      new PublishBatchCommand({
        TopicArn: topicArn,
        PublishBatchRequestEntries: [0, 1, 2].map((i) => ({ Id: `m${i}`, Message: `message ${i}` }))
      })
    )
    expect(result.Failed ?? []).toEqual([])
    expect(result.Successful?.map((s) => s.Id)).toEqual(["m0", "m1", "m2"])
    const stored = await storedMessages(live.target, "batch-ok")
    expect(new Set(stored.map((m) => m.messageId))).toEqual(new Set(result.Successful?.map((s) => s.MessageId)))
    expect(stored.every((m) => m.body.kind === "Sealed")).toBe(true)
  })
})
