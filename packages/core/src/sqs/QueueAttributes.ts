/**
 * Queue attributes: which CreateQueue and SetQueueAttributes take, their ranges, defaults and the
 * errors SQS answers (SQS API Reference, "CreateQueue" and "SetQueueAttributes", Request Parameters,
 * `Attributes`; Developer Guide, "Amazon SQS dead-letter queues" for RedrivePolicy and
 * RedriveAllowPolicy).
 *
 * A queue keeps its attributes as SQS answers them in GetQueueAttributes: every settable attribute
 * with its value or default, as text. `settings` reads the typed view the message rules need.
 *
 * @since 0.1.0
 */
import { Either } from "effect"
import * as IamPolicy from "../IamPolicy.js"
import { InvalidAttributeName, InvalidAttributeValue, type InvalidParameterValue, invalidValue } from "./QueueErrors.js"

/**
 * @category models
 */
export interface RedrivePolicy {
  readonly deadLetterTargetArn: string
  readonly maxReceiveCount: number
}

/**
 * @category models
 */
export interface RedriveAllowPolicy {
  readonly redrivePermission: "allowAll" | "denyAll" | "byQueue"
  readonly sourceQueueArns: ReadonlyArray<string>
}

/**
 * The typed view of a queue's attributes.
 *
 * @category models
 */
export interface QueueSettings {
  readonly delaySeconds: number
  readonly maximumMessageSize: number
  readonly messageRetentionPeriod: number
  readonly receiveMessageWaitTimeSeconds: number
  readonly visibilityTimeout: number
  readonly redrivePolicy: RedrivePolicy | undefined
  readonly contentBasedDeduplication: boolean
  /** `messageGroup`: a deduplication id is unique within its group only; `queue`: across the queue. */
  readonly deduplicationScope: "queue" | "messageGroup"
  readonly kmsMasterKeyId: string | undefined
  /** How long one data key seals a queue's messages under SSE-KMS (KmsDataKeyReusePeriodSeconds). */
  readonly kmsDataKeyReusePeriodSeconds: number
  /** SSE-SQS: bodies sealed under a key the service owns (SqsManagedSseEnabled). */
  readonly sqsManagedSseEnabled: boolean
}

/** An integer attribute's inclusive range and default. */
interface IntegerAttribute {
  readonly min: number
  readonly max: number
  readonly default: number
}

/** The integer attributes and their ranges (CreateQueue, `Attributes`). */
export const integerAttributes: Readonly<Record<string, IntegerAttribute>> = {
  /** "An integer from 0 to 900 seconds (15 minutes). Default: 0." */
  DelaySeconds: { min: 0, max: 900, default: 0 },
  /** "An integer from 1,024 bytes (1 KiB) to 262,144 bytes (256 KiB). Default: 262,144 (256 KiB)." */
  MaximumMessageSize: { min: 1024, max: 262_144, default: 262_144 },
  /** "An integer from 60 seconds (1 minute) to 1,209,600 seconds (14 days). Default: 345,600 (4 days)." */
  MessageRetentionPeriod: { min: 60, max: 1_209_600, default: 345_600 },
  /** "An integer from 0 to 20 (seconds). Default: 0." */
  ReceiveMessageWaitTimeSeconds: { min: 0, max: 20, default: 0 },
  /** "An integer from 0 to 43,200 (12 hours). Default: 30." */
  VisibilityTimeout: { min: 0, max: 43_200, default: 30 },
  /** "An integer representing seconds, between 60 seconds (1 minute) and 86,400 seconds (24 hours). Default: 300 (5 minutes)." */
  KmsDataKeyReusePeriodSeconds: { min: 60, max: 86_400, default: 300 }
} as const

/** Attributes every queue takes, besides the integers. */
const commonAttributes: ReadonlyArray<string> = [
  "Policy",
  "RedrivePolicy",
  "RedriveAllowPolicy",
  "KmsMasterKeyId",
  "SqsManagedSseEnabled"
] as const

/** Attributes only a FIFO queue takes ("applies only to FIFO queues"). */
export const fifoAttributes: ReadonlyArray<string> = [
  "ContentBasedDeduplication",
  "DeduplicationScope",
  "FifoThroughputLimit"
] as const

/** `FifoQueue` is taken by CreateQueue only: "You can't change the queue type after you create it". */
export const createOnlyAttributes: ReadonlyArray<string> = ["FifoQueue"] as const

/** What GetQueueAttributes computes; no action may set them. */
export const readOnlyAttributes: ReadonlyArray<string> = [
  "ApproximateNumberOfMessages",
  "ApproximateNumberOfMessagesDelayed",
  "ApproximateNumberOfMessagesNotVisible",
  "CreatedTimestamp",
  "LastModifiedTimestamp",
  "QueueArn"
] as const

/**
 * The attributes SetQueueAttributes may change on a queue of this type.
 *
 * @category rules
 */
export const settableAttributes = (fifo: boolean): ReadonlyArray<string> => [
  ...Object.keys(integerAttributes),
  ...commonAttributes,
  ...(fifo ? fifoAttributes : [])
]

/**
 * The attributes a new queue has before any is set.
 *
 * @category constructors
 */
export const defaults = (fifo: boolean): Readonly<Record<string, string>> => {
  const out: Record<string, string> = {}
  for (const [name, spec] of Object.entries(integerAttributes)) out[name] = String(spec.default)
  // "SqsManagedSseEnabled … Default: true" since SSE-SQS became the default for new queues.
  out["SqsManagedSseEnabled"] = "true"
  if (fifo) {
    out["FifoQueue"] = "true"
    out["ContentBasedDeduplication"] = "false"
    out["DeduplicationScope"] = "queue"
    out["FifoThroughputLimit"] = "perQueue"
  }
  return out
}

const unknown = (name: string) => new InvalidAttributeName({ message: `Unknown Attribute ${name}.` })

const badValue = (name: string) => new InvalidAttributeValue({ message: `Invalid value for the parameter ${name}.` })

const readBoolean = (name: string, value: string): Either.Either<string, InvalidAttributeValue> => {
  const lower = value.toLowerCase()
  return lower === "true" || lower === "false" ? Either.right(lower) : Either.left(badValue(name))
}

const parseJsonObject = (text: string): Record<string, unknown> | undefined => {
  try {
    const v: unknown = JSON.parse(text)
    return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

const SQS_ARN = /^arn:aws[\w-]*:sqs:[\w-]+:\d{12}:[A-Za-z0-9_-]{1,75}(\.fifo)?$/

/**
 * RedrivePolicy: a JSON object with `deadLetterTargetArn` (a queue ARN) and `maxReceiveCount`, "the
 * number of times a message is delivered to the source queue before being moved to the dead-letter
 * queue", 1 to 1,000 (Developer Guide, "Configuring a dead-letter queue"). The count may come as a
 * number or as its text, as the console and CloudFormation write it.
 *
 * @category parsing
 */
export const parseRedrivePolicy = (text: string): Either.Either<RedrivePolicy, InvalidParameterValue> => {
  const bad = (reason: string) => Either.left(invalidValue("RedrivePolicy", text, reason))
  const doc = parseJsonObject(text)
  if (doc === undefined) return bad("Redrive policy is not a valid JSON map.")
  const target = doc["deadLetterTargetArn"]
  if (target === undefined) return bad("Redrive policy does not contain mandatory attribute: deadLetterTargetArn.")
  const count = doc["maxReceiveCount"]
  if (count === undefined) return bad("Redrive policy does not contain mandatory attribute: maxReceiveCount.")
  for (const key of Object.keys(doc)) {
    if (key !== "deadLetterTargetArn" && key !== "maxReceiveCount") return bad(`Only following attributes are supported: [deadLetterTargetArn, maxReceiveCount].`)
  }
  if (typeof target !== "string" || !SQS_ARN.test(target)) return bad("Invalid value for deadLetterTargetArn.")
  const n = typeof count === "number" ? count : typeof count === "string" && /^\d+$/.test(count) ? Number(count) : NaN
  if (!Number.isInteger(n) || n < 1 || n > 1000) {
    return bad(`Invalid value for maxReceiveCount: ${String(count)}, valid values are from 1 to 1000 both inclusive.`)
  }
  return Either.right({ deadLetterTargetArn: target, maxReceiveCount: n })
}

/**
 * RedriveAllowPolicy: which source queues may use this queue as their dead-letter queue.
 * `redrivePermission` is `allowAll`, `denyAll` or `byQueue`; `sourceQueueArns` lists up to 10 queue
 * ARNs and is required with `byQueue` and refused otherwise (Developer Guide, "Configuring queue
 * permissions for dead-letter queues").
 *
 * @category parsing
 */
export const parseRedriveAllowPolicy = (text: string): Either.Either<RedriveAllowPolicy, InvalidParameterValue> => {
  const bad = (reason: string) => Either.left(invalidValue("RedriveAllowPolicy", text, reason))
  const doc = parseJsonObject(text)
  if (doc === undefined) return bad("Redrive allow policy is not a valid JSON map.")
  const permission = doc["redrivePermission"]
  if (permission !== "allowAll" && permission !== "denyAll" && permission !== "byQueue") {
    return bad("Invalid value for redrivePermission. Valid values are allowAll, denyAll and byQueue.")
  }
  const sources = doc["sourceQueueArns"]
  if (permission !== "byQueue") {
    if (sources !== undefined) return bad("sourceQueueArns can be specified only when redrivePermission is byQueue.")
    return Either.right({ redrivePermission: permission, sourceQueueArns: [] })
  }
  if (!Array.isArray(sources) || sources.length < 1 || sources.length > 10) {
    return bad("sourceQueueArns must list 1 to 10 queue ARNs when redrivePermission is byQueue.")
  }
  if (!sources.every((s): s is string => typeof s === "string" && SQS_ARN.test(s))) return bad("Invalid value for sourceQueueArns.")
  return Either.right({ redrivePermission: "byQueue", sourceQueueArns: sources })
}

/**
 * Checks one attribute for a queue of type `fifo` and returns the value as the queue keeps it
 * (booleans lower-case, integers without leading zeros). An empty Policy, RedrivePolicy,
 * RedriveAllowPolicy or KmsMasterKeyId removes it.
 *
 * @category validation
 */
export const validateAttribute = (
  name: string,
  value: string,
  fifo: boolean
): Either.Either<string, InvalidAttributeName | InvalidAttributeValue | InvalidParameterValue> => {
  const integer = integerAttributes[name]
  if (integer !== undefined) {
    if (!/^\d{1,10}$/.test(value)) return Either.left(badValue(name))
    const n = Number(value)
    return n >= integer.min && n <= integer.max ? Either.right(String(n)) : Either.left(badValue(name))
  }
  if (fifoAttributes.includes(name) && !fifo) return Either.left(unknown(name))
  switch (name) {
    case "Policy":
      // Evaluated for every caller (QueuePolicy), so only a document the policy language reads is stored.
      return value === "" || Either.isRight(IamPolicy.parse(value)) ? Either.right(value) : Either.left(badValue(name))
    case "RedrivePolicy":
      return value === "" ? Either.right(value) : Either.map(parseRedrivePolicy(value), () => value)
    case "RedriveAllowPolicy":
      return value === "" ? Either.right(value) : Either.map(parseRedriveAllowPolicy(value), () => value)
    case "KmsMasterKeyId":
      // As for topics (docs/SEMANTICS.md §1.2), the key is checked when it is used, not when it is set.
      return value.length <= 2048 ? Either.right(value) : Either.left(badValue(name))
    case "SqsManagedSseEnabled":
    case "ContentBasedDeduplication":
      return readBoolean(name, value)
    case "DeduplicationScope":
      return value === "queue" || value === "messageGroup" ? Either.right(value) : Either.left(badValue(name))
    case "FifoThroughputLimit":
      return value === "perQueue" || value === "perMessageGroupId" ? Either.right(value) : Either.left(badValue(name))
    default:
      return Either.left(unknown(name))
  }
}

/**
 * Applies a map of attributes to a queue's current ones, as CreateQueue and SetQueueAttributes do,
 * and checks the rules between attributes:
 * - "Only one server-side encryption option is supported per queue (for example, SSE-KMS or
 *   SSE-SQS)": setting a KMS key turns SqsManagedSseEnabled off, and asking for both is refused;
 * - high throughput FIFO: `FifoThroughputLimit=perMessageGroupId` needs
 *   `DeduplicationScope=messageGroup` (Developer Guide, "High throughput for FIFO queues").
 *
 * @category rules
 */
export const apply = (
  current: Readonly<Record<string, string>>,
  requested: Readonly<Record<string, string>>,
  fifo: boolean
): Either.Either<Readonly<Record<string, string>>, InvalidAttributeName | InvalidAttributeValue | InvalidParameterValue> =>
  Either.gen(function* () {
    const next: Record<string, string> = { ...current }
    const settable = settableAttributes(fifo)
    for (const [name, value] of Object.entries(requested)) {
      if (!settable.includes(name)) return yield* Either.left(unknown(name))
      const checked = yield* validateAttribute(name, value, fifo)
      if (checked === "" && name !== "SqsManagedSseEnabled") delete next[name]
      else next[name] = checked
    }
    const kms = next["KmsMasterKeyId"]
    if (kms !== undefined) {
      if (requested["SqsManagedSseEnabled"] !== undefined && next["SqsManagedSseEnabled"] === "true") {
        return yield* Either.left(
          new InvalidAttributeValue({
            message: "You can use one type of server-side encryption (SSE) at one time. You can either enable KMS SSE or SQS SSE."
          })
        )
      }
      next["SqsManagedSseEnabled"] = "false"
    }
    if (fifo && next["FifoThroughputLimit"] === "perMessageGroupId" && next["DeduplicationScope"] !== "messageGroup") {
      return yield* Either.left(badValue("FifoThroughputLimit"))
    }
    return next
  })

const intOf = (attributes: Readonly<Record<string, string>>, name: string): number =>
  Number(attributes[name] ?? integerAttributes[name]!.default)

/**
 * The typed view of checked attributes.
 *
 * @category getters
 */
export const settings = (attributes: Readonly<Record<string, string>>): QueueSettings => {
  const redrive = attributes["RedrivePolicy"]
  const kms = attributes["KmsMasterKeyId"]
  return {
    delaySeconds: intOf(attributes, "DelaySeconds"),
    maximumMessageSize: intOf(attributes, "MaximumMessageSize"),
    messageRetentionPeriod: intOf(attributes, "MessageRetentionPeriod"),
    receiveMessageWaitTimeSeconds: intOf(attributes, "ReceiveMessageWaitTimeSeconds"),
    visibilityTimeout: intOf(attributes, "VisibilityTimeout"),
    redrivePolicy: redrive === undefined ? undefined : Either.getOrUndefined(parseRedrivePolicy(redrive)),
    contentBasedDeduplication: attributes["ContentBasedDeduplication"] === "true",
    deduplicationScope: attributes["DeduplicationScope"] === "messageGroup" ? "messageGroup" : "queue",
    kmsMasterKeyId: kms === undefined || kms === "" ? undefined : kms,
    kmsDataKeyReusePeriodSeconds: intOf(attributes, "KmsDataKeyReusePeriodSeconds"),
    sqsManagedSseEnabled: attributes["SqsManagedSseEnabled"] === "true"
  }
}
