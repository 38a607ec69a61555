/**
 * Reading an AWS JSON 1.0 request body into the core's inputs: each member checked once, with the
 * errors SQS answers (`MissingParameter` for an absent required member, `InvalidParameterValue` for a
 * member of the wrong type; SQS API Reference, "Common Errors").
 *
 * @since 0.1.0
 */
import { type Message, QueueErrors } from "@sealcast/core"
import { Either, Encoding } from "effect"

/** A decoded request object. */
export type JsonObject = Readonly<Record<string, unknown>>

/** A member failed to read. */
export type ReadError = QueueErrors.MissingParameter | QueueErrors.InvalidParameterValue

const wrongType = (name: string) => new QueueErrors.InvalidParameterValue({ message: `The value for parameter ${name} is not valid.` })

const isObject = (value: unknown): value is JsonObject => typeof value === "object" && value !== null && !Array.isArray(value)

export const requiredString = (body: JsonObject, name: string): Either.Either<string, ReadError> => {
  const value = body[name]
  if (value === undefined || value === null) return Either.left(QueueErrors.missingParameter(name))
  return typeof value === "string" ? Either.right(value) : Either.left(wrongType(name))
}

export const optionalString = (body: JsonObject, name: string): Either.Either<string | undefined, ReadError> => {
  const value = body[name]
  if (value === undefined || value === null) return Either.right(undefined)
  return typeof value === "string" ? Either.right(value) : Either.left(wrongType(name))
}

export const optionalInteger = (body: JsonObject, name: string): Either.Either<number | undefined, ReadError> => {
  const value = body[name]
  if (value === undefined || value === null) return Either.right(undefined)
  return typeof value === "number" && Number.isInteger(value) ? Either.right(value) : Either.left(wrongType(name))
}

export const requiredInteger = (body: JsonObject, name: string): Either.Either<number, ReadError> =>
  Either.flatMap(optionalInteger(body, name), (value) => (value === undefined ? Either.left(QueueErrors.missingParameter(name)) : Either.right(value)))

export const stringMap = (body: JsonObject, name: string): Either.Either<Record<string, string>, ReadError> => {
  const value = body[name]
  if (value === undefined || value === null) return Either.right({})
  if (!isObject(value)) return Either.left(wrongType(name))
  const out: Record<string, string> = {}
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== "string") return Either.left(wrongType(name))
    out[key] = v
  }
  return Either.right(out)
}

export const stringList = (body: JsonObject, name: string): Either.Either<ReadonlyArray<string>, ReadError> => {
  const value = body[name]
  if (value === undefined || value === null) return Either.right([])
  return Array.isArray(value) && value.every((v) => typeof v === "string") ? Either.right(value as ReadonlyArray<string>) : Either.left(wrongType(name))
}

export const objectList = (body: JsonObject, name: string): Either.Either<ReadonlyArray<JsonObject>, ReadError> => {
  const value = body[name]
  if (value === undefined || value === null) return Either.left(QueueErrors.missingParameter(name))
  return Array.isArray(value) && value.every(isObject) ? Either.right(value as ReadonlyArray<JsonObject>) : Either.left(wrongType(name))
}

/**
 * `MessageAttributes`: name to `{DataType, StringValue | BinaryValue}`, binary values base64 in JSON.
 * A value without BinaryValue is read as text, so the core's checks answer a missing value as SQS does.
 */
export const messageAttributes = (body: JsonObject, name: string): Either.Either<Message.MessageAttributes, ReadError> => {
  const value = body[name]
  if (value === undefined || value === null) return Either.right({})
  if (!isObject(value)) return Either.left(wrongType(name))
  const out: Record<string, Message.MessageAttributeValue> = {}
  for (const [key, v] of Object.entries(value)) {
    if (!isObject(v)) return Either.left(wrongType(name))
    const dataType = v["DataType"]
    if (typeof dataType !== "string") return Either.left(QueueErrors.missingParameter(`${name}.${key}.DataType`))
    const binary = v["BinaryValue"]
    if (binary !== undefined && binary !== null) {
      if (typeof binary !== "string") return Either.left(wrongType(name))
      const bytes = Encoding.decodeBase64(binary)
      if (Either.isLeft(bytes)) return Either.left(wrongType(name))
      Object.defineProperty(out, key, { value: { dataType, binaryValue: bytes.right }, enumerable: true, writable: true, configurable: true })
    } else {
      const text = v["StringValue"]
      if (text !== undefined && text !== null && typeof text !== "string") return Either.left(wrongType(name))
      Object.defineProperty(out, key, { value: { dataType, stringValue: text ?? "" }, enumerable: true, writable: true, configurable: true })
    }
  }
  return Either.right(out)
}

/** Message attributes as JSON answers them: binary values in base64. */
export const encodeMessageAttributes = (attributes: Message.MessageAttributes): Record<string, unknown> => {
  const out: Record<string, unknown> = {}
  for (const [key, v] of Object.entries(attributes)) {
    out[key] = v.binaryValue !== undefined ? { DataType: v.dataType, BinaryValue: Encoding.encodeBase64(v.binaryValue) } : { DataType: v.dataType, StringValue: v.stringValue }
  }
  return out
}
