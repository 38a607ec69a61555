import { describe, expect, it } from "@effect/vitest"
import * as IamPolicy from "@sealcast/core/IamPolicy"
import { Either } from "effect"
import * as KeyPolicy from "../src/KeyPolicy.js"

const aws = (arn: string, accountId: string): IamPolicy.Principal => ({ _tag: "AWS", arn, accountId })
const request = (overrides: Partial<IamPolicy.Request> = {}): IamPolicy.Request => ({
  principal: aws("arn:aws:iam::000000000000:user/alice", "000000000000"),
  action: "kms:Decrypt",
  resource: "arn:aws:kms:us-east-1:000000000000:key/k",
  context: {},
  ...overrides
})

describe("KeyPolicy", () => {
  it("the default key policy lets every principal of the account do everything, and no one else", () => {
    const policy = Either.getOrThrow(KeyPolicy.parse(KeyPolicy.defaultKeyPolicy("000000000000")))
    expect(IamPolicy.evaluate(policy, request())).toBe("Allow")
    expect(IamPolicy.evaluate(policy, request({ action: "kms:PutKeyPolicy" }))).toBe("Allow")
    expect(IamPolicy.evaluate(policy, request({ principal: aws("arn:aws:iam::111111111111:root", "111111111111") }))).toBe(
      "ImplicitDeny"
    )
  })

  it("alias/aws/sqs's policy allows use only through SQS from its own account", () => {
    const policy = Either.getOrThrow(KeyPolicy.parse(KeyPolicy.managedKeyPolicy("sqs", "000000000000", "us-east-1")))
    const via = (service: string) => ({ "kms:ViaService": `${service}.us-east-1.amazonaws.com`, "kms:CallerAccount": "000000000000" })
    expect(IamPolicy.evaluate(policy, request({ action: "kms:GenerateDataKey", context: via("sqs") }))).toBe("Allow")
    expect(IamPolicy.evaluate(policy, request({ action: "kms:Decrypt", context: via("sqs") }))).toBe("Allow")
    expect(IamPolicy.evaluate(policy, request({ action: "kms:GenerateDataKey", context: via("sns") }))).toBe("ImplicitDeny")
    expect(IamPolicy.evaluate(policy, request({ action: "kms:ScheduleKeyDeletion", context: via("sqs") }))).toBe("ImplicitDeny")
  })

  it("alias/aws/sns's policy allows use only through SNS from its own account, and metadata reads directly", () => {
    const policy = Either.getOrThrow(KeyPolicy.parse(KeyPolicy.snsManagedKeyPolicy("000000000000", "us-east-1")))
    const viaSns = { "kms:ViaService": "sns.us-east-1.amazonaws.com", "kms:CallerAccount": "000000000000" }
    expect(IamPolicy.evaluate(policy, request({ action: "kms:GenerateDataKey", context: viaSns }))).toBe("Allow")
    expect(IamPolicy.evaluate(policy, request({ action: "kms:Decrypt", context: viaSns }))).toBe("Allow")
    expect(IamPolicy.evaluate(policy, request({ action: "kms:Decrypt", context: { "kms:CallerAccount": "000000000000" } }))).toBe(
      "ImplicitDeny"
    )
    expect(
      IamPolicy.evaluate(
        policy,
        request({
          principal: aws("arn:aws:iam::111111111111:root", "111111111111"),
          context: { ...viaSns, "kms:CallerAccount": "111111111111" }
        })
      )
    ).toBe("ImplicitDeny")
    expect(IamPolicy.evaluate(policy, request({ action: "kms:DescribeKey" }))).toBe("Allow")
    for (const action of ["kms:DisableKey", "kms:ScheduleKeyDeletion", "kms:PutKeyPolicy", "kms:EnableKeyRotation"]) {
      expect(IamPolicy.evaluate(policy, request({ action, context: viaSns }))).toBe("ImplicitDeny")
    }
  })

  it("refuses a key policy that is not JSON with KMS's text", () => {
    const parsed = KeyPolicy.parse("not json")
    expect(Either.isLeft(parsed) && [parsed.left._tag, parsed.left.message]).toEqual([
      "MalformedPolicyDocumentException",
      "The new key policy contains invalid JSON."
    ])
  })
})
