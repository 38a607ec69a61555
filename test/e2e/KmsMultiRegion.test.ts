/**
 * Multi-Region keys through the unmodified @aws-sdk/client-kms against a live broker
 * (packages/kms-sim/README.md, "Multi-Region keys"): CreateKey MultiRegion makes an `mrk-` primary key
 * that DescribeKey shows with its MultiRegionConfiguration and that encrypts like any other; the
 * broker serves one Region, so ReplicateKey is refused as the SDK's UnsupportedOperationException.
 */
import {
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  ReplicateKeyCommand,
  UnsupportedOperationException,
  UpdatePrimaryRegionCommand
} from "@aws-sdk/client-kms"
import { describe, expect, it } from "vitest"
import { useBroker } from "./support/Fixture.js"

const live = useBroker()

describe("multi-Region keys through @aws-sdk/client-kms", () => {
  it("CreateKey MultiRegion, DescribeKey, Encrypt and Decrypt; ReplicateKey and UpdatePrimaryRegion to another Region refused", async () => {
    const created = (await live.kms.send(new CreateKeyCommand({ MultiRegion: true }))).KeyMetadata!
    expect(created.KeyId).toMatch(/^mrk-[0-9a-f]{32}$/)
    const described = (await live.kms.send(new DescribeKeyCommand({ KeyId: created.Arn }))).KeyMetadata!
    expect([described.MultiRegion, described.MultiRegionConfiguration]).toEqual([
      true,
      { MultiRegionKeyType: "PRIMARY", PrimaryKey: { Arn: created.Arn, Region: live.target.region }, ReplicaKeys: [] }
    ])
    const { CiphertextBlob } = await live.kms.send(new EncryptCommand({ KeyId: created.KeyId, Plaintext: Uint8Array.of(1, 2, 3) }))
    const opened = await live.kms.send(new DecryptCommand({ CiphertextBlob }))
    expect([opened.KeyId, opened.Plaintext]).toEqual([created.Arn, Uint8Array.of(1, 2, 3)])
    const replicate = await live.kms.send(new ReplicateKeyCommand({ KeyId: created.KeyId, ReplicaRegion: "eu-west-1" })).then(
      () => expect.fail("ReplicateKey succeeded"),
      (e: unknown) => e as Error & { $metadata: { httpStatusCode?: number } }
    )
    expect(replicate).toBeInstanceOf(UnsupportedOperationException)
    expect(replicate.$metadata.httpStatusCode).toBe(400)
    expect(replicate.message).toBe(`Region eu-west-1 is not served by this KMS, which serves only ${live.target.region}.`)
    await expect(live.kms.send(new UpdatePrimaryRegionCommand({ KeyId: created.KeyId, PrimaryRegion: "eu-west-1" }))).rejects.toBeInstanceOf(
      UnsupportedOperationException
    )
    await live.kms.send(new UpdatePrimaryRegionCommand({ KeyId: created.KeyId, PrimaryRegion: live.target.region }))
  })
})
