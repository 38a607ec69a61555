import { Either } from "effect"
import { describe, expect, it } from "vitest"
import * as Registry from "../src/Registry.js"
import * as Sms from "../src/Sms.js"

const account = "000000000000"

const leftOf = <A, E extends { readonly _tag: string; readonly message: string }>(e: Either.Either<A, E>) =>
  Either.isLeft(e) ? { tag: e.left._tag, message: e.left.message } : undefined

describe("SMS attributes", () => {
  it("are set per account, cleared by an empty value, and read by name", () => {
    const set = Either.getOrThrow(Sms.setAttributes(Registry.empty(), account, { DefaultSMSType: "Transactional", MonthlySpendLimit: "5" }))
    expect(set.changes).toEqual([{ _tag: "PutSmsAccount", account: { accountId: account, attributes: { DefaultSMSType: "Transactional", MonthlySpendLimit: "5" }, sandboxNumbers: [] } }])
    expect(Sms.getAttributes(set.registry, account, [])).toEqual({ DefaultSMSType: "Transactional", MonthlySpendLimit: "5" })
    expect(Sms.getAttributes(set.registry, account, ["MonthlySpendLimit"])).toEqual({ MonthlySpendLimit: "5" })
    expect(Sms.getAttributes(set.registry, "111111111111", [])).toEqual({})
    const cleared = Either.getOrThrow(Sms.setAttributes(set.registry, account, { MonthlySpendLimit: "" }))
    expect(Sms.getAttributes(cleared.registry, account, [])).toEqual({ DefaultSMSType: "Transactional" })
  })

  it("are checked as SNS documents them", () => {
    const set = (attributes: Record<string, string>) => leftOf(Sms.setAttributes(Registry.empty(), account, attributes))?.tag
    expect(set({ DefaultSMSType: "Marketing" })).toBe("InvalidParameter")
    expect(set({ MonthlySpendLimit: "1.5" })).toBe("InvalidParameter")
    expect(set({ DeliveryStatusSuccessSamplingRate: "101" })).toBe("InvalidParameter")
    expect(set({ DefaultSenderID: "123456" })).toBe("InvalidParameter")
    expect(set({ DefaultSenderID: "TwelveLetter" })).toBe("InvalidParameter")
    expect(set({ DeliveryStatusIAMRole: "role" })).toBe("InvalidParameter")
    expect(set({ Colour: "blue" })).toBe("InvalidParameter")
    expect(set({ DefaultSenderID: "Sealcast1", DeliveryStatusSuccessSamplingRate: "100", UsageReportS3Bucket: "b" })).toBeUndefined()
  })
})

describe("the SMS sandbox", () => {
  const created = () => Either.getOrThrow(Sms.createSandboxNumber(Registry.empty(), account, "+15555550100", undefined, "123456"))

  it("adds a number pending with the password sent to it", () => {
    const c = created()
    expect(c.result).toEqual({ phoneNumber: "+15555550100", status: "Pending", oneTimePassword: "123456", languageCode: "en-US" })
    const resent = Either.getOrThrow(Sms.createSandboxNumber(c.registry, account, "+15555550100", "de-DE", "654321"))
    expect(Sms.accountOf(resent.registry, account).sandboxNumbers).toEqual([
      { phoneNumber: "+15555550100", status: "Pending", oneTimePassword: "654321", languageCode: "de-DE" }
    ])
    expect(leftOf(Sms.createSandboxNumber(Registry.empty(), account, "+15555550100", "xx-XX", "1"))?.tag).toBe("InvalidParameter")
    expect(leftOf(Sms.createSandboxNumber(Registry.empty(), account, "555", undefined, "1"))?.tag).toBe("InvalidParameter")
    // E.164 allows fewer digits than the model's PhoneNumberString does after a "+": 8 at least.
    expect(leftOf(Sms.createSandboxNumber(Registry.empty(), account, "+6881234", undefined, "1"))).toEqual({
      tag: "InvalidParameter",
      message: "Invalid parameter: PhoneNumber Reason: +6881234 is not valid to publish to"
    })
    expect(Either.isRight(Sms.createSandboxNumber(Registry.empty(), account, "+68812345", undefined, "12345"))).toBe(true)
  })

  it("verifies a number with its password only", () => {
    const c = created()
    expect(leftOf(Sms.verifySandboxNumber(c.registry, account, "+15555550100", "000000"))).toEqual({
      tag: "VerificationException",
      message: "Invalid one-time password"
    })
    expect(leftOf(Sms.verifySandboxNumber(c.registry, account, "+15555550199", "123456"))?.tag).toBe("ResourceNotFound")
    // The model's OTPCode: 5 to 8 digits; anything else is refused before the number is looked up.
    for (const password of ["abcdef", "1234", "123456789", "12 345", ""]) {
      expect(leftOf(Sms.verifySandboxNumber(c.registry, account, "+15555550100", password))).toEqual({
        tag: "InvalidParameter",
        message: "Invalid parameter: OneTimePassword Reason: the one-time password is 5 to 8 digits"
      })
      expect(leftOf(Sms.verifySandboxNumber(c.registry, account, "+15555550199", password))?.tag).toBe("InvalidParameter")
    }
    const verified = Either.getOrThrow(Sms.verifySandboxNumber(c.registry, account, "+15555550100", "123456"))
    expect(Sms.accountOf(verified.registry, account).sandboxNumbers).toEqual([
      { phoneNumber: "+15555550100", status: "Verified", oneTimePassword: undefined, languageCode: "en-US" }
    ])
    const again = Either.getOrThrow(Sms.createSandboxNumber(verified.registry, account, "+15555550100", undefined, "999999"))
    expect(again.changes).toEqual([])
  })

  it("deletes a number it holds, and says ResourceNotFound for one it does not", () => {
    const c = created()
    const deleted = Either.getOrThrow(Sms.deleteSandboxNumber(c.registry, account, "+15555550100"))
    expect(Sms.accountOf(deleted.registry, account).sandboxNumbers).toEqual([])
    expect(leftOf(Sms.deleteSandboxNumber(deleted.registry, account, "+15555550100"))?.tag).toBe("ResourceNotFound")
  })
})
