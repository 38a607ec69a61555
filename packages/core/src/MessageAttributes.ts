/**
 * Message attributes and the publish limits, as SNS checks them (docs/SEMANTICS.md §4; SNS guide,
 * "Amazon SNS message attributes" and "Publish").
 *
 * @since 0.1.0
 */
import { Either } from "effect"
import { invalidParameter, type InvalidParameter, ParameterValueInvalid } from "./Errors.js"
import type { MessageAttributes, MessageAttributeValue } from "./Message.js"

/** Body plus attributes, in bytes of UTF-8 (docs/SEMANTICS.md §4). */
export const MAX_MESSAGE_BYTES = 262_144

/** Subject: "less than 100 characters long". */
export const MAX_SUBJECT_LENGTH = 99

const NAME_CHARS = /^[A-Za-z0-9_.-]{1,256}$/
const TYPE = /^(String|Number|Binary)(\.[^\s]+)?$|^String\.Array$/

const valueInvalid = (message: string) => Either.left(new ParameterValueInvalid({ message }))

/**
 * The name rules: 1-256 of `[A-Za-z0-9_.-]`, no leading, trailing or doubled dot, and no reserved
 * `AWS.` or `Amazon.` prefix (any case).
 *
 * @category validation
 */
export const validateName = (name: string): Either.Either<string, ParameterValueInvalid> => {
  if (name.length === 0) return valueInvalid("The message attribute name must not be empty.")
  if (!NAME_CHARS.test(name)) {
    return valueInvalid(
      `Invalid attribute name '${name}': names may contain only A-Z, a-z, 0-9, underscore, hyphen and period, and be at most 256 characters long.`
    )
  }
  if (name.startsWith(".") || name.endsWith(".") || name.includes("..")) {
    return valueInvalid(`Invalid attribute name '${name}': names must not start or end with a period or have successive periods.`)
  }
  const lower = name.toLowerCase()
  if (lower.startsWith("aws.") || lower.startsWith("amazon.")) {
    return valueInvalid(`Invalid attribute name '${name}': names starting with AWS. or Amazon. are reserved.`)
  }
  return Either.right(name)
}

/**
 * SNS numbers: up to 38 significant digits, magnitude between 10^-128 and 10^126.
 *
 * @category validation
 */
export const isSnsNumber = (text: string): boolean => {
  const m = /^[+-]?(\d+)?(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text.trim())
  if (m === null || (m[1] === undefined && m[2] === undefined)) return false
  const digits = `${m[1] ?? ""}${m[2] ?? ""}`.replace(/^0+/, "").replace(/0+$/, "")
  if (digits.length > 38) return false
  const value = Number(text)
  if (!Number.isFinite(value)) return false
  return value === 0 || (Math.abs(value) >= 1e-128 && Math.abs(value) <= 1e126)
}

const isStringArray = (text: string): boolean => {
  try {
    const v: unknown = JSON.parse(text)
    return Array.isArray(v) && v.every((e) => e === null || ["string", "number", "boolean"].includes(typeof e))
  } catch {
    return false
  }
}

/**
 * Checks one attribute's type and value. Texts follow SNS's ParameterValueInvalid messages.
 *
 * @category validation
 */
export const validateValue = (
  name: string,
  value: MessageAttributeValue
): Either.Either<MessageAttributeValue, ParameterValueInvalid> => {
  const type = value.dataType
  if (!TYPE.test(type)) {
    return valueInvalid(
      `The message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`
    )
  }
  const base = type.startsWith("String.Array") ? "String.Array" : type.split(".")[0]!
  if (base === "Binary") {
    if (value.binaryValue === undefined) {
      return valueInvalid(`The message attribute '${name}' with type 'Binary' must use field 'Binary'.`)
    }
    if (value.binaryValue.length === 0) {
      return valueInvalid(`The message attribute '${name}' must contain non-empty message attribute value for message attribute type 'Binary'.`)
    }
    return Either.right(value)
  }
  if (value.stringValue === undefined) {
    return valueInvalid(`The message attribute '${name}' with type '${base}' must use field 'String'.`)
  }
  if (value.stringValue.length === 0) {
    return valueInvalid(`The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${base}'.`)
  }
  if (base === "Number" && !isSnsNumber(value.stringValue)) {
    return valueInvalid(`Could not cast message attribute '${name}' value to number.`)
  }
  if (base === "String.Array" && !isStringArray(value.stringValue)) {
    return valueInvalid(`The message attribute '${name}' with type 'String.Array' must be a JSON array of strings, numbers, booleans or nulls.`)
  }
  return Either.right(value)
}

/**
 * @category validation
 */
export const validateAll = (
  attributes: MessageAttributes
): Either.Either<MessageAttributes, ParameterValueInvalid> => {
  for (const name of Object.keys(attributes)) {
    const refused = Either.flatMap(validateName(name), () => validateValue(name, attributes[name]!))
    if (Either.isLeft(refused)) return Either.left(refused.left)
  }
  return Either.right(attributes)
}

const ASCII_ONLY = /^[\x00-\x7f]*$/

/**
 * The length of a string in UTF-8, counted without encoding it (RFC 3629 §3: code points below
 * U+0080 take one byte, below U+0800 two, below U+10000 three, the rest four; a surrogate pair is one
 * four-byte code point, and a lone surrogate is written as U+FFFD, three bytes).
 *
 * @category rules
 */
export const utf8Length = (text: string): number => {
  // Most bodies are ASCII, one byte a character; the regular expression engine answers that far
  // faster than a character loop.
  if (ASCII_ONLY.test(text)) return text.length
  let bytes = text.length
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c < 0x80) continue
    if (c < 0x800) bytes += 1
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 2
      i++
    } else bytes += 2
  }
  return bytes
}

/**
 * The bytes an attribute counts toward the message size: its name, its type and its value.
 *
 * @category rules
 */
export const attributeBytes = (attributes: MessageAttributes): number => {
  let total = 0
  for (const [name, value] of Object.entries(attributes)) {
    total += utf8Length(name) + utf8Length(value.dataType)
    total += value.binaryValue !== undefined ? value.binaryValue.length : utf8Length(value.stringValue)
  }
  return total
}

/**
 * The size of a message as SNS counts it against 256 KiB: UTF-8 body plus attributes.
 *
 * @category rules
 */
export const messageBytes = (body: string, attributes: MessageAttributes): number =>
  utf8Length(body) + attributeBytes(attributes)

/**
 * SNS: "Subject must be ASCII text that begins with a letter, number, or punctuation mark; must not
 * include line breaks or control characters; and must be less than 100 characters long."
 *
 * @category validation
 */
export const validateSubject = (subject: string): Either.Either<string, InvalidParameter> =>
  subject.length > 0 && subject.length <= MAX_SUBJECT_LENGTH && /^[\x21-\x7e][\x20-\x7e]*$/.test(subject)
    ? Either.right(subject)
    : Either.left(invalidParameter("Subject"))
