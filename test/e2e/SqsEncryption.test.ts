/**
 * docs/SEMANTICS.md §8: SQS encryption at rest through the unmodified AWS SDK v3 over HTTPS. An SSE-KMS
 * queue seals every body under a data key of its KMS key and opens it at receive; the key's state and
 * the caller's right are checked at every send, with SQS's Kms* errors; a data key serves the queue's
 * KmsDataKeyReusePeriodSeconds; `alias/aws/sqs` is made on first use; an SSE-SQS queue (the default)
 * works under a key the account never sees.
 */
import {
  CreateKeyCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  ListKeysCommand,
  PutKeyPolicyCommand,
  ScheduleKeyDeletionCommand
} from "@aws-sdk/client-kms"
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  KmsAccessDenied,
  KmsDisabled,
  KmsInvalidState,
  KmsNotFound,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  type SQSClient
} from "@aws-sdk/client-sqs"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { sendSigned, sqsClient } from "./support/Clients.js"
import { useBroker } from "./support/Fixture.js"

const live = useBroker()
let sqs: SQSClient

beforeAll(() => {
  sqs = sqsClient(live.target)
})

afterAll(() => {
  sqs.destroy()
})

const createQueue = async (name: string, attributes: Record<string, string> = {}) =>
  (await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }))).QueueUrl!

const receiveAll = async (queueUrl: string) =>
  ((await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }))).Messages ?? []).map(
    (m) => m.Body
  )

/** How many times the key was asked for `operation`, from the signed metrics route. */
const kmsRequests = async (keyArn: string, operation: string): Promise<number> => {
  const response = await sendSigned(live.target, { method: "GET", path: "/_sealcast/metrics", service: "sns" })
  expect(response.status).toBe(200)
  const line = response.body.split("\n").find((l) => l.startsWith(`sealcast_kms_requests_total{key_arn="${keyArn}",operation="${operation}"}`))
  return line === undefined ? 0 : Number(line.split(" ").at(-1))
}

describe("SSE-KMS queues", () => {
  it("seal under the queue's key and answer the plaintext at receive, one data key per reuse period", async () => {
    const { KeyMetadata } = await live.kms.send(new CreateKeyCommand({}))
    const url = await createQueue("sse-kms", { KmsMasterKeyId: KeyMetadata!.Arn!, KmsDataKeyReusePeriodSeconds: "300" })
    const attributes = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["All"] }))).Attributes!
    expect(attributes).toMatchObject({ KmsMasterKeyId: KeyMetadata!.Arn, KmsDataKeyReusePeriodSeconds: "300", SqsManagedSseEnabled: "false" })

    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "first secret" }))
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "second secret" }))
    const batch = await sqs.send(
      new SendMessageBatchCommand({ QueueUrl: url, Entries: [{ Id: "a", MessageBody: "third secret" }, { Id: "b", MessageBody: "fourth secret" }] })
    )
    expect(batch.Successful).toHaveLength(2)
    expect(await kmsRequests(KeyMetadata!.Arn!, "GenerateDataKey")).toBe(1)
    expect((await receiveAll(url)).sort()).toEqual(["first secret", "fourth secret", "second secret", "third secret"])
  })

  it("alias/aws/sqs is made on first use, as an AWS managed key", async () => {
    const url = await createQueue("sse-managed-alias", { KmsMasterKeyId: "alias/aws/sqs" })
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "under the managed key" }))
    expect(await receiveAll(url)).toEqual(["under the managed key"])
    const { KeyMetadata } = await live.kms.send(new DescribeKeyCommand({ KeyId: "alias/aws/sqs" }))
    expect(KeyMetadata).toMatchObject({ KeyManager: "AWS", KeyState: "Enabled" })
  })

  it("refuse a send with KmsDisabled, KmsInvalidState, KmsNotFound and KmsAccessDenied, and keep earlier bodies readable", async () => {
    const { KeyMetadata } = await live.kms.send(new CreateKeyCommand({}))
    const url = await createQueue("sse-refused", { SqsManagedSseEnabled: "false" })
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "sent in clear" }))
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { KmsMasterKeyId: KeyMetadata!.KeyId! } }))
    await live.kms.send(new DisableKeyCommand({ KeyId: KeyMetadata!.KeyId! }))
    await expect(sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "refused" }))).rejects.toBeInstanceOf(KmsDisabled)
    await live.kms.send(new ScheduleKeyDeletionCommand({ KeyId: KeyMetadata!.KeyId!, PendingWindowInDays: 7 }))
    await expect(sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "refused" }))).rejects.toBeInstanceOf(KmsInvalidState)
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { KmsMasterKeyId: "alias/nothing-here" } }))
    await expect(sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "refused" }))).rejects.toBeInstanceOf(KmsNotFound)

    const refusing = await live.kms.send(new CreateKeyCommand({}))
    const account = refusing.KeyMetadata!.AWSAccountId!
    await live.kms.send(
      new PutKeyPolicyCommand({
        KeyId: refusing.KeyMetadata!.KeyId!,
        PolicyName: "default",
        Policy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: "kms:*", Resource: "*" },
            {
              Effect: "Deny",
              Principal: { AWS: "*" },
              Action: "kms:GenerateDataKey*",
              Resource: "*",
              Condition: { StringEquals: { "kms:ViaService": `sqs.${live.target.region}.amazonaws.com` } }
            }
          ]
        })
      })
    )
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { KmsMasterKeyId: refusing.KeyMetadata!.Arn! } }))
    const denied = sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "refused" }))
    await expect(denied).rejects.toBeInstanceOf(KmsAccessDenied)
    await expect(denied).rejects.toMatchObject({ $metadata: { httpStatusCode: 400 } })

    expect(await receiveAll(url)).toEqual(["sent in clear"])
  })
})

describe("SSE-SQS queues", () => {
  it("are the default, round trip, and use a key the account's ListKeys does not show", async () => {
    const before = (await live.kms.send(new ListKeysCommand({}))).Keys ?? []
    const url = await createQueue("sse-sqs")
    const attributes = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["All"] }))).Attributes!
    expect(attributes["SqsManagedSseEnabled"]).toBe("true")
    expect(attributes["KmsMasterKeyId"]).toBeUndefined()
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "owned secret" }))
    expect(await receiveAll(url)).toEqual(["owned secret"])
    expect((await live.kms.send(new ListKeysCommand({}))).Keys ?? []).toEqual(before)
  })
})
