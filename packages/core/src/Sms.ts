/**
 * SMS: an account's SMS settings and its SMS sandbox destination numbers,
 * with SNS's validation, and the pure registry operations on them (SNS API reference, SetSMSAttributes,
 * CheckIfPhoneNumberIsOptedOut, CreateSMSSandboxPhoneNumber; SNS Developer Guide, "Mobile text
 * messaging (SMS)"). No message leaves the broker: texts go to its outbox (docs/SEMANTICS.md §7).
 *
 * @since 0.1.0
 */
import { Either } from "effect"
import * as Arn from "./Arn.js"
import { invalidParameter, type InvalidParameter, ResourceNotFound, VerificationException } from "./Errors.js"
import type { Changed, Registry } from "./Registry.js"

/**
 * A destination number of the SMS sandbox.
 *
 * @category models
 */
export interface SandboxNumber {
  readonly phoneNumber: string
  readonly status: "Pending" | "Verified"
  /** The one-time password sent to it, until it is verified. */
  readonly oneTimePassword: string | undefined
  readonly languageCode: string
}

/**
 * One account's SMS state.
 *
 * @category models
 */
export interface SmsAccount {
  readonly accountId: string
  /** The attributes SetSMSAttributes set. */
  readonly attributes: Readonly<Record<string, string>>
  readonly sandboxNumbers: ReadonlyArray<SandboxNumber>
}

/** The attributes SetSMSAttributes takes (SNS API reference, SetSMSAttributes). */
export const attributeNames: ReadonlyArray<string> = [
  "MonthlySpendLimit",
  "DeliveryStatusIAMRole",
  "DeliveryStatusSuccessSamplingRate",
  "DefaultSenderID",
  "DefaultSMSType",
  "UsageReportS3Bucket"
] as const

/** CreateSMSSandboxPhoneNumber: LanguageCode's values. */
export const languageCodes: ReadonlyArray<string> = [
  "en-US", "en-GB", "es-419", "es-ES", "de-DE", "fr-CA", "fr-FR", "it-IT", "ja-JP", "pt-BR", "kr-KR", "zh-CN", "zh-TW"
] as const

/**
 * E.164: a `+`, a country code that does not start with 0, and at most 15 digits in all (ITU-T
 * E.164; SNS Developer Guide, "Publishing to a mobile phone").
 */
const E164 = /^\+[1-9]\d{1,14}$/

/**
 * A phone number as Publish, CheckIfPhoneNumberIsOptedOut and the sandbox actions take it.
 *
 * @category validation
 */
export const validatePhoneNumber = (phoneNumber: string, parameter = "PhoneNumber"): Either.Either<string, InvalidParameter> =>
  E164.test(phoneNumber) ? Either.right(phoneNumber) : Either.left(invalidParameter(parameter, `${phoneNumber} is not valid to publish to`))

/**
 * A sandbox action's number: E.164, and, as the model's `PhoneNumberString` allows a number with a
 * `+`, at least 8 digits (botocore `sns/2010-03-31`).
 */
const validateSandboxNumber = (phoneNumber: string): Either.Either<string, InvalidParameter> =>
  Either.flatMap(validatePhoneNumber(phoneNumber), (number) =>
    /^\+[0-9]{8,}$/.test(number) ? Either.right(number) : Either.left(invalidParameter("PhoneNumber", `${number} is not valid to publish to`))
  )

/**
 * The account's SMS state, empty until something is set.
 *
 * @category lookups
 */
export const accountOf = (registry: Registry, accountId: string): SmsAccount =>
  registry.smsAccounts.get(accountId) ?? { accountId, attributes: {}, sandboxNumbers: [] }

const put = <A>(registry: Registry, account: SmsAccount, result: A): Changed<A> => ({
  registry: { ...registry, smsAccounts: new Map(registry.smsAccounts).set(account.accountId, account) },
  changes: [{ _tag: "PutSmsAccount", account }],
  result
})

const validateAttribute = (name: string, value: string): Either.Either<string, InvalidParameter> => {
  const bad = (reason: string) => Either.left(invalidParameter("Attributes", reason))
  if (value === "" && attributeNames.includes(name)) return Either.right(value)
  switch (name) {
    case "MonthlySpendLimit":
      return /^\d+$/.test(value) ? Either.right(value) : bad("MonthlySpendLimit must be a whole number of US dollars")
    case "DeliveryStatusIAMRole":
      return Arn.isIamRoleArn(value) ? Either.right(value) : bad("DeliveryStatusIAMRole must be an IAM role ARN")
    case "DeliveryStatusSuccessSamplingRate":
      return /^\d+$/.test(value) && Number(value) <= 100 ? Either.right(value) : bad("DeliveryStatusSuccessSamplingRate must be an integer from 0 to 100")
    case "DefaultSenderID":
      return /^[A-Za-z0-9]{1,11}$/.test(value) && /[A-Za-z]/.test(value)
        ? Either.right(value)
        : bad("DefaultSenderID must be 1 to 11 alphanumeric characters, with at least one letter and no spaces")
    case "DefaultSMSType":
      return value === "Promotional" || value === "Transactional" ? Either.right(value) : bad("DefaultSMSType must be Promotional or Transactional")
    case "UsageReportS3Bucket":
      return Either.right(value)
    default:
      return bad(`${name} is not a valid attribute`)
  }
}

/**
 * SetSMSAttributes: the given attributes replace theirs; an empty value removes one.
 *
 * @category operations
 */
export const setAttributes = (
  registry: Registry,
  accountId: string,
  attributes: Readonly<Record<string, string>>
): Either.Either<Changed<void>, InvalidParameter> =>
  Either.gen(function* () {
    const account = accountOf(registry, accountId)
    const merged: Record<string, string> = { ...account.attributes }
    for (const [name, value] of Object.entries(attributes)) {
      const checked = yield* validateAttribute(name, value)
      if (checked === "") delete merged[name]
      else merged[name] = checked
    }
    return put(registry, { ...account, attributes: merged }, undefined)
  })

/**
 * GetSMSAttributes: the named attributes that are set, or all of them when none is named.
 *
 * @category lookups
 */
export const getAttributes = (
  registry: Registry,
  accountId: string,
  names: ReadonlyArray<string>
): Record<string, string> => {
  const all = accountOf(registry, accountId).attributes
  return Object.fromEntries(Object.entries(all).filter(([name]) => names.length === 0 || names.includes(name)))
}

/**
 * CreateSMSSandboxPhoneNumber: the number is added, pending, and `oneTimePassword` is what the text
 * sent to it carries; asking again for a pending number sends a new one.
 *
 * @category operations
 */
export const createSandboxNumber = (
  registry: Registry,
  accountId: string,
  phoneNumber: string,
  languageCode: string | undefined,
  oneTimePassword: string
): Either.Either<Changed<SandboxNumber>, InvalidParameter> =>
  Either.gen(function* () {
    const number = yield* validateSandboxNumber(phoneNumber)
    const language = languageCode ?? "en-US"
    if (!languageCodes.includes(language)) return yield* Either.left(invalidParameter("LanguageCode", `${language} is not a supported language code`))
    const account = accountOf(registry, accountId)
    const existing = account.sandboxNumbers.find((n) => n.phoneNumber === number)
    if (existing?.status === "Verified") return { registry, changes: [], result: existing }
    const added: SandboxNumber = { phoneNumber: number, status: "Pending", oneTimePassword, languageCode: language }
    const sandboxNumbers = existing === undefined ? [...account.sandboxNumbers, added] : account.sandboxNumbers.map((n) => (n === existing ? added : n))
    return put(registry, { ...account, sandboxNumbers }, added)
  })

const missingNumber = () => new ResourceNotFound({ message: "Resource not found: the phone number is not in the SMS sandbox" })

/** A one-time password as the model's `OTPCode` allows it: 5 to 8 digits (botocore `sns/2010-03-31`). */
const ONE_TIME_PASSWORD = /^[0-9]{5,8}$/

/**
 * VerifySMSSandboxPhoneNumber: the password sent to the number verifies it. A password that cannot
 * be one is a parameter error, whatever the number, as the model's constraints are checked first.
 *
 * @category operations
 */
export const verifySandboxNumber = (
  registry: Registry,
  accountId: string,
  phoneNumber: string,
  oneTimePassword: string
): Either.Either<Changed<void>, InvalidParameter | ResourceNotFound | VerificationException> =>
  Either.gen(function* () {
    const number = yield* validateSandboxNumber(phoneNumber)
    if (!ONE_TIME_PASSWORD.test(oneTimePassword)) {
      return yield* Either.left(invalidParameter("OneTimePassword", "the one-time password is 5 to 8 digits"))
    }
    const account = accountOf(registry, accountId)
    const existing = account.sandboxNumbers.find((n) => n.phoneNumber === number)
    if (existing === undefined) return yield* Either.left(missingNumber())
    if (existing.status === "Verified") return { registry, changes: [], result: undefined }
    if (existing.oneTimePassword !== oneTimePassword) {
      return yield* Either.left(new VerificationException({ message: "Invalid one-time password", status: "Pending" }))
    }
    const verified: SandboxNumber = { ...existing, status: "Verified", oneTimePassword: undefined }
    return put(registry, { ...account, sandboxNumbers: account.sandboxNumbers.map((n) => (n === existing ? verified : n)) }, undefined)
  })

/**
 * DeleteSMSSandboxPhoneNumber.
 *
 * @category operations
 */
export const deleteSandboxNumber = (
  registry: Registry,
  accountId: string,
  phoneNumber: string
): Either.Either<Changed<void>, InvalidParameter | ResourceNotFound> =>
  Either.gen(function* () {
    const number = yield* validateSandboxNumber(phoneNumber)
    const account = accountOf(registry, accountId)
    if (!account.sandboxNumbers.some((n) => n.phoneNumber === number)) return yield* Either.left(missingNumber())
    return put(registry, { ...account, sandboxNumbers: account.sandboxNumbers.filter((n) => n.phoneNumber !== number) }, undefined)
  })
