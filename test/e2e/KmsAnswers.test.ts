/**
 * KMS answers as AWS gives them, through the unmodified SDK v3: identifier rules (which operations
 * take aliases), the characters an alias name may hold, UpdateKeyDescription, ListKeyPolicies and
 * ListKeyRotations.
 */
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DescribeKeyCommand,
  EnableKeyRotationCommand,
  GetKeyRotationStatusCommand,
  ListKeyPoliciesCommand,
  ListKeyRotationsCommand,
  RotateKeyOnDemandCommand,
  NotFoundException,
  UpdateKeyDescriptionCommand
} from "@aws-sdk/client-kms"
import { describe, expect, it } from "vitest"
import { useBroker } from "./support/Fixture.js"

const live = useBroker()

const rejection = (call: Promise<unknown>): Promise<unknown> => call.then(() => expect.fail("the call succeeded"), (e: unknown) => e)

describe("KMS identifier rules", () => {
  it("EnableKeyRotation and GetKeyRotationStatus take a key ID or key ARN, not an alias; DescribeKey takes the alias", async () => {
    const key = (await live.kms.send(new CreateKeyCommand({}))).KeyMetadata!
    await live.kms.send(new CreateAliasCommand({ AliasName: "alias/rotating", TargetKeyId: key.KeyId }))
    const refused = await rejection(live.kms.send(new EnableKeyRotationCommand({ KeyId: "alias/rotating" })))
    expect(refused).toBeInstanceOf(NotFoundException)
    expect((refused as Error).message).toBe("Invalid keyId 'alias/rotating'")
    expect(await rejection(live.kms.send(new GetKeyRotationStatusCommand({ KeyId: "alias/rotating" })))).toBeInstanceOf(NotFoundException)
    await live.kms.send(new EnableKeyRotationCommand({ KeyId: key.Arn }))
    expect((await live.kms.send(new GetKeyRotationStatusCommand({ KeyId: key.KeyId }))).KeyRotationEnabled).toBe(true)
    expect((await live.kms.send(new DescribeKeyCommand({ KeyId: "alias/rotating" }))).KeyMetadata!.Arn).toBe(key.Arn)
  })

  it("an alias name holds only letters, digits, /, _ and -", async () => {
    const key = (await live.kms.send(new CreateKeyCommand({}))).KeyMetadata!
    const refused = await rejection(live.kms.send(new CreateAliasCommand({ AliasName: "alias/a:b", TargetKeyId: key.KeyId })))
    // The KMS model declares no ValidationException shape: the SDK raises a generic service error by that name.
    expect((refused as Error).name).toBe("ValidationException")
    expect((refused as Error).message).toBe("alias/a:b contains invalid characters for an alias")
  })
})

describe("UpdateKeyDescription, ListKeyPolicies, ListKeyRotations", () => {
  it("the new description is what DescribeKey answers; the one policy is default", async () => {
    const key = (await live.kms.send(new CreateKeyCommand({ Description: "first" }))).KeyMetadata!
    await live.kms.send(new UpdateKeyDescriptionCommand({ KeyId: key.Arn, Description: "second" }))
    expect((await live.kms.send(new DescribeKeyCommand({ KeyId: key.KeyId }))).KeyMetadata!.Description).toBe("second")
    const policies = await live.kms.send(new ListKeyPoliciesCommand({ KeyId: key.KeyId }))
    expect([policies.PolicyNames, policies.Truncated]).toEqual([["default"], false])
  })

  it("RotateKeyOnDemand shows in ListKeyRotations as ON_DEMAND, dated", async () => {
    const key = (await live.kms.send(new CreateKeyCommand({}))).KeyMetadata!
    expect((await live.kms.send(new ListKeyRotationsCommand({ KeyId: key.KeyId }))).Rotations).toEqual([])
    const before = Date.now()
    await live.kms.send(new RotateKeyOnDemandCommand({ KeyId: key.KeyId }))
    const { Rotations } = await live.kms.send(new ListKeyRotationsCommand({ KeyId: key.Arn }))
    expect(Rotations?.map((r) => [r.KeyId, r.RotationType])).toEqual([[key.Arn, "ON_DEMAND"]])
    expect(Rotations![0]!.RotationDate!.getTime()).toBeGreaterThanOrEqual(before - 1000)
  })
})
