/**
 * KMS grants through the unmodified `@aws-sdk/client-kms` (KMS Developer Guide, "Grants in AWS KMS"):
 * the key's owner grants a principal of another account, which the key policy does not allow, the
 * use of the key; the grantee uses it by key ARN; after RetireGrant or RevokeGrant it is refused. A
 * grant constrained to a topic's encryption context (docs/SEMANTICS.md §1.8, §5) is enough for that
 * principal to publish to the encrypted topic.
 */
import {
  CreateGrantCommand,
  CreateKeyCommand,
  DecryptCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  InvalidGrantTokenException,
  KMSClient,
  ListGrantsCommand,
  ListRetirableGrantsCommand,
  RetireGrantCommand,
  RevokeGrantCommand
} from "@aws-sdk/client-kms"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { AddPermissionCommand, CreateTopicCommand, PublishCommand } from "@aws-sdk/client-sns"
import { describe, expect, it } from "vitest"
import { kmsClient, snsClient } from "./support/Clients.js"
import { useBroker } from "./support/Fixture.js"

const OTHER_ACCOUNT = "111111111111"
const bobArn = `arn:aws:iam::${OTHER_ACCOUNT}:user/bob`
const credentialsFile = join(mkdtempSync(join(tmpdir(), "sealcast-grants-")), "credentials")
writeFileSync(
  credentialsFile,
  ["[AKIABOB000000000000]", "secret_access_key = bob/secret+key", `account_id = ${OTHER_ACCOUNT}`, "user = bob", ""].join("\n"),
  { mode: 0o600 }
)

const live = useBroker({ credentials: credentialsFile })

const bob = (): KMSClient =>
  kmsClient({ ...live.target, credentials: { accessKeyId: "AKIABOB000000000000", secretAccessKey: "bob/secret+key" } })

const newKeyArn = async () => (await live.kms.send(new CreateKeyCommand({}))).KeyMetadata!.Arn!

describe("KMS grants through the AWS SDK", () => {
  it("a grant lets another account's user encrypt and decrypt; RevokeGrant takes that away", async () => {
    const keyArn = await newKeyArn()
    const client = bob()
    const plaintext = Uint8Array.of(1, 2, 3, 4)
    await expect(client.send(new EncryptCommand({ KeyId: keyArn, Plaintext: plaintext }))).rejects.toMatchObject({ name: "AccessDeniedException" })
    const { GrantId, GrantToken } = await live.kms.send(
      new CreateGrantCommand({ KeyId: keyArn, GranteePrincipal: bobArn, Operations: ["Encrypt", "Decrypt"] })
    )
    expect(GrantId).toMatch(/^[0-9a-f]{64}$/)
    const { CiphertextBlob } = await client.send(new EncryptCommand({ KeyId: keyArn, Plaintext: plaintext, GrantTokens: [GrantToken!] }))
    expect((await client.send(new DecryptCommand({ CiphertextBlob }))).Plaintext).toEqual(plaintext)
    await expect(client.send(new GenerateDataKeyCommand({ KeyId: keyArn, KeySpec: "AES_256" }))).rejects.toMatchObject({ name: "AccessDeniedException" })
    const { Grants } = await live.kms.send(new ListGrantsCommand({ KeyId: keyArn }))
    expect(Grants).toEqual([
      expect.objectContaining({ KeyId: keyArn, GrantId, GranteePrincipal: bobArn, Operations: ["Encrypt", "Decrypt"] })
    ])
    expect(Grants![0]!.CreationDate).toBeInstanceOf(Date)

    await live.kms.send(new RevokeGrantCommand({ KeyId: keyArn, GrantId: GrantId! }))
    await expect(client.send(new DecryptCommand({ CiphertextBlob }))).rejects.toMatchObject({ name: "AccessDeniedException" })
    client.destroy()
  })

  it("a grant constrained to the topic's encryption context lets another account publish to the encrypted topic", async () => {
    const keyArn = await newKeyArn()
    const { TopicArn } = await live.sns.send(new CreateTopicCommand({ Name: "granted", Attributes: { KmsMasterKeyId: keyArn } }))
    await live.sns.send(new AddPermissionCommand({ TopicArn, Label: "bob-publishes", AWSAccountId: [OTHER_ACCOUNT], ActionName: ["Publish"] }))
    const bobSns = snsClient({ ...live.target, credentials: { accessKeyId: "AKIABOB000000000000", secretAccessKey: "bob/secret+key" } })
    await expect(bobSns.send(new PublishCommand({ TopicArn, Message: "before the grant" }))).rejects.toMatchObject({ name: "KMSAccessDeniedException" })

    const { GrantId } = await live.kms.send(
      new CreateGrantCommand({
        KeyId: keyArn,
        GranteePrincipal: bobArn,
        Operations: ["GenerateDataKey", "Decrypt"],
        Constraints: { EncryptionContextSubset: { "aws:sns:topicArn": TopicArn! } }
      })
    )
    expect((await bobSns.send(new PublishCommand({ TopicArn, Message: "with the grant" }))).MessageId).toBeDefined()

    const { TopicArn: otherTopic } = await live.sns.send(new CreateTopicCommand({ Name: "not-granted", Attributes: { KmsMasterKeyId: keyArn } }))
    await live.sns.send(new AddPermissionCommand({ TopicArn: otherTopic, Label: "bob-publishes", AWSAccountId: [OTHER_ACCOUNT], ActionName: ["Publish"] }))
    await expect(bobSns.send(new PublishCommand({ TopicArn: otherTopic, Message: "another context" }))).rejects.toMatchObject({ name: "KMSAccessDeniedException" })

    await live.kms.send(new RevokeGrantCommand({ KeyId: keyArn, GrantId: GrantId! }))
    await expect(bobSns.send(new PublishCommand({ TopicArn, Message: "after the revoke" }))).rejects.toMatchObject({ name: "KMSAccessDeniedException" })
    bobSns.destroy()
  })

  it("the retiring principal retires a grant by its token; the token then names nothing", async () => {
    const keyArn = await newKeyArn()
    const client = bob()
    const { GrantId, GrantToken } = await live.kms.send(
      new CreateGrantCommand({ KeyId: keyArn, GranteePrincipal: bobArn, RetiringPrincipal: bobArn, Operations: ["GenerateDataKey"] })
    )
    await client.send(new GenerateDataKeyCommand({ KeyId: keyArn, KeySpec: "AES_256" }))
    const retirable = await client.send(new ListRetirableGrantsCommand({ RetiringPrincipal: bobArn }))
    // ListRetirableGrants lists the caller's own account's keys; the grant is on the other account's key.
    expect(retirable.Grants).toEqual([])
    expect((await live.kms.send(new ListRetirableGrantsCommand({ RetiringPrincipal: bobArn }))).Grants!.map((g) => g.GrantId)).toContain(GrantId)
    await client.send(new RetireGrantCommand({ GrantToken }))
    await expect(client.send(new GenerateDataKeyCommand({ KeyId: keyArn, KeySpec: "AES_256" }))).rejects.toMatchObject({ name: "AccessDeniedException" })
    await expect(client.send(new RetireGrantCommand({ GrantToken }))).rejects.toBeInstanceOf(InvalidGrantTokenException)
    client.destroy()
  })
})
