/**
 * Topics: names, attributes and tags, with SNS's validation (docs/SEMANTICS.md §1, §4).
 *
 * A topic is a plain, JSON-serialisable record so the registry store can persist it as it is.
 *
 * @since 0.1.0
 */
import { Either } from "effect"
import * as Archive from "./Archive.js"
import * as Arn from "./Arn.js"
import * as DeliveryPolicy from "./DeliveryPolicy.js"
import { invalidParameter, type InvalidParameter, TagLimitExceeded } from "./Errors.js"

/**
 * @category models
 */
export interface Tag {
  readonly key: string
  readonly value: string
}

/**
 * @category models
 */
export interface Topic {
  readonly arn: string
  readonly name: string
  /** The owning account. */
  readonly accountId: string
  readonly fifo: boolean
  /**
   * The attributes that were set (settable and create-only ones), by AWS name. Derived attributes
   * (Owner, TopicArn, Subscriptions…) are computed when read.
   */
  readonly attributes: Readonly<Record<string, string>>
  readonly tags: ReadonlyArray<Tag>
  readonly dataProtectionPolicy: string | undefined
  readonly createdAt: number
  /** How many subscriptions were removed from this topic, for SubscriptionsDeleted. */
  readonly subscriptionsDeleted: number
  /** When the ArchivePolicy was set (ms since the epoch); absent while the topic keeps no archive. */
  readonly archivedSince?: number | undefined
}

/**
 * The delivery status logging attributes, per protocol: the roles SNS would log successes and
 * failures with, and the share of successes logged (SNS API Reference, CreateTopic and
 * SetTopicAttributes; SNS Developer Guide, "Configuring delivery status logging using the AWS
 * SDKs"). Stored and answered; nothing is logged (docs/SEMANTICS.md §4).
 */
export const deliveryStatusAttributes: ReadonlyArray<string> = ["HTTP", "Firehose", "Lambda", "Application", "SQS"].flatMap((p) => [
  `${p}SuccessFeedbackRoleArn`,
  `${p}SuccessFeedbackSampleRate`,
  `${p}FailureFeedbackRoleArn`
])

/** The attributes SetTopicAttributes may change. */
export const settableAttributes: ReadonlyArray<string> = [
  ...deliveryStatusAttributes,
  "DisplayName",
  "Policy",
  "DeliveryPolicy",
  "KmsMasterKeyId",
  "SignatureVersion",
  "TracingConfig",
  "ContentBasedDeduplication",
  "FifoThroughputScope",
  "DataProtectionPolicy",
  "ArchivePolicy"
] as const

/** Attributes that only CreateTopic takes. */
export const createOnlyAttributes: ReadonlyArray<string> = ["FifoTopic"] as const

/** At most this many tags on one topic (docs/SEMANTICS.md §4). */
export const MAX_TAGS = 50

const NAME = /^[A-Za-z0-9_-]{1,256}$/
const FIFO_NAME = /^[A-Za-z0-9_-]{1,251}\.fifo$/

/**
 * docs/SEMANTICS.md §4: names are 1 to 256 of `[A-Za-z0-9_-]`; FIFO names end in `.fifo` (the suffix
 * counts toward the 256).
 *
 * @category validation
 */
export const validateName = (name: string, fifo: boolean): Either.Either<string, InvalidParameter> => {
  if (fifo) {
    return FIFO_NAME.test(name)
      ? Either.right(name)
      : Either.left(
          invalidParameter(
            "Topic Name",
            "Fifo Topic names must end with .fifo and must be made up of only uppercase and lowercase ASCII letters, numbers, underscores, and hyphens, and must be between 1 and 256 characters long."
          )
        )
  }
  return NAME.test(name) ? Either.right(name) : Either.left(invalidParameter("Topic Name"))
}

const isJsonObject = (text: string): boolean => {
  try {
    const v: unknown = JSON.parse(text)
    return typeof v === "object" && v !== null && !Array.isArray(v)
  } catch {
    return false
  }
}

/**
 * A boolean attribute's value as SNS reads it: `true` or `false` in any letter case (clients send
 * `True`, as Python's `str(True)` writes it), stored as the lower-case form SNS answers with in
 * GetTopicAttributes. Anything else is not a boolean.
 *
 * @category validation
 */
export const booleanAttribute = (value: string): "true" | "false" | undefined => {
  const lower = value.toLowerCase()
  return lower === "true" || lower === "false" ? lower : undefined
}

const readBoolean = (value: string, bad: (reason: string) => Either.Either<never, InvalidParameter>, reason: string) => {
  const read = booleanAttribute(value)
  return read === undefined ? bad(reason) : Either.right(read)
}

/**
 * Checks one attribute's value as SNS does. `fifo` is the topic's type.
 *
 * @category validation
 */
export const validateAttribute = (
  name: string,
  value: string,
  fifo: boolean
): Either.Either<string, InvalidParameter> => {
  const bad = (reason: string) => Either.left(invalidParameter(`${name}`, reason))
  switch (name) {
    case "DisplayName":
      return value.length <= 100 ? Either.right(value) : bad("DisplayName must be at most 100 characters long")
    case "Policy":
      return isPolicyDocument(value) ? Either.right(value) : bad("Policy must be a JSON policy document with a Statement")
    case "DataProtectionPolicy":
      return value === "" || isJsonObject(value) ? Either.right(value) : bad(`${name} must be a JSON object`)
    case "ArchivePolicy":
      if (!fifo) return bad("ArchivePolicy is only supported for FIFO topics")
      return value === "" ? Either.right(value) : Either.map(Archive.parseArchivePolicy(value), () => value)
    case "DeliveryPolicy":
      return value === "" ? Either.right(value) : Either.map(DeliveryPolicy.parseTopicPolicy(value), () => value)
    case "KmsMasterKeyId":
      // docs/SEMANTICS.md §1.2: any identifier is stored; the key is checked when it is used, at Publish.
      return value.length <= 2048 ? Either.right(value) : bad("KmsMasterKeyId must be at most 2048 characters long")
    case "SignatureVersion":
      return value === "1" || value === "2" ? Either.right(value) : bad("SignatureVersion must be 1 or 2")
    case "TracingConfig":
      return value === "PassThrough" || value === "Active" ? Either.right(value) : bad("TracingConfig must be PassThrough or Active")
    case "ContentBasedDeduplication":
      if (!fifo) return bad("Content-based deduplication can only be set for FIFO topics")
      return readBoolean(value, bad, "ContentBasedDeduplication must be true or false")
    case "FifoThroughputScope":
      if (!fifo) return bad("FifoThroughputScope can only be set for FIFO topics")
      return value === "Topic" || value === "MessageGroup" ? Either.right(value) : bad("FifoThroughputScope must be Topic or MessageGroup")
    case "FifoTopic":
      return readBoolean(value, bad, "FifoTopic must be true or false")
    default:
      if (!deliveryStatusAttributes.includes(name)) return Either.left(invalidParameter("AttributeName"))
      if (value === "") return Either.right(value)
      if (name.endsWith("SampleRate")) {
        return /^\d{1,3}$/.test(value) && Number(value) <= 100 ? Either.right(value) : bad(`${name} must be an integer from 0 to 100`)
      }
      return Arn.isIamRoleArn(value) ? Either.right(value) : bad(`${name} must be an IAM role ARN`)
  }
}

/**
 * A policy document must be a JSON object whose Statement is an object or a non-empty array of them
 * (IAM JSON policy reference, "Statement").
 *
 * @category validation
 */
export const isPolicyDocument = (text: string): boolean => {
  try {
    const doc: unknown = JSON.parse(text)
    if (typeof doc !== "object" || doc === null || Array.isArray(doc)) return false
    const statement = (doc as Record<string, unknown>)["Statement"]
    const statements = Array.isArray(statement) ? statement : [statement]
    return statements.length > 0 && statements.every((s) => typeof s === "object" && s !== null && !Array.isArray(s))
  } catch {
    return false
  }
}

/**
 * Why a tag key cannot be used, if it cannot: 1-128 characters (SNS API reference, Tag), and not in
 * the `aws:` space, in any letter case, which is AWS's own ("Tagging AWS resources", "Tag naming
 * limits and requirements").
 */
const tagKeyProblem = (key: string): string | undefined =>
  key.length < 1 || key.length > 128
    ? "Tag keys must be between 1 and 128 characters long"
    : key.toLowerCase().startsWith("aws:")
      ? `Tag keys beginning with aws: are reserved for AWS use: ${key}`
      : undefined

/**
 * UntagResource's keys, as TagResource takes them (SNS API reference, UntagResource: the model's
 * `TagKey`), with TagResource's texts.
 *
 * @category validation
 */
export const validateTagKeys = (keys: ReadonlyArray<string>): Either.Either<ReadonlyArray<string>, InvalidParameter> => {
  for (const key of keys) {
    const problem = tagKeyProblem(key)
    if (problem !== undefined) return Either.left(invalidParameter("TagKeys", problem))
  }
  return Either.right(keys)
}

/**
 * Tag keys are 1-128 characters outside the `aws:` space, values 0-256 (SNS API reference, Tag).
 *
 * @category validation
 */
export const validateTags = (
  existing: ReadonlyArray<Tag>,
  added: ReadonlyArray<Tag>
): Either.Either<ReadonlyArray<Tag>, InvalidParameter | TagLimitExceeded> => {
  const merged = new Map(existing.map((t) => [t.key, t.value]))
  for (const tag of added) {
    const problem = tagKeyProblem(tag.key)
    if (problem !== undefined) return Either.left(invalidParameter("Tags", problem))
    if (tag.value.length > 256) {
      return Either.left(invalidParameter("Tags", "Tag values must be at most 256 characters long"))
    }
    merged.set(tag.key, tag.value)
  }
  if (merged.size > MAX_TAGS) {
    return Either.left(new TagLimitExceeded({ message: "Could not complete request: tag quota of per resource exceeded" }))
  }
  return Either.right([...merged].map(([key, value]) => ({ key, value })))
}

/**
 * The input of CreateTopic, decoded from the wire.
 *
 * @category models
 */
export interface CreateTopicInput {
  readonly name: string
  readonly attributes: Readonly<Record<string, string>>
  readonly tags: ReadonlyArray<Tag>
  readonly dataProtectionPolicy: string | undefined
}

/**
 * Builds a new topic from CreateTopic's input, or says why not. A `.fifo` name needs
 * `FifoTopic=true` and the other way round.
 *
 * @category constructors
 */
export const make = (
  input: CreateTopicInput,
  owner: { readonly accountId: string; readonly region: string },
  now: number
): Either.Either<Topic, InvalidParameter | TagLimitExceeded> =>
  Either.gen(function* () {
    const fifoValue = input.attributes["FifoTopic"]
    const fifo = fifoValue !== undefined && booleanAttribute(fifoValue) === "true"
    if (!fifo && input.name.endsWith(".fifo")) {
      return yield* Either.left(invalidParameter("Topic Name"))
    }
    yield* validateName(input.name, fifo)
    const attributes: Record<string, string> = {}
    for (const [name, value] of Object.entries(input.attributes)) {
      if (!settableAttributes.includes(name) && !createOnlyAttributes.includes(name)) {
        return yield* Either.left(invalidParameter("AttributeName", `Unknown attribute ${name}`))
      }
      attributes[name] = yield* validateAttribute(name, value, fifo)
    }
    if (fifo) attributes["FifoTopic"] = "true"
    else delete attributes["FifoTopic"]
    const tags = yield* validateTags([], input.tags)
    if (input.dataProtectionPolicy !== undefined) yield* validateAttribute("DataProtectionPolicy", input.dataProtectionPolicy, fifo)
    return {
      arn: Arn.topicArn(owner.region, owner.accountId, input.name),
      name: input.name,
      accountId: owner.accountId,
      fifo,
      attributes,
      tags,
      dataProtectionPolicy: input.dataProtectionPolicy,
      createdAt: now,
      subscriptionsDeleted: 0,
      archivedSince: attributes["ArchivePolicy"] === undefined ? undefined : now
    }
  })

/**
 * CreateTopic is idempotent: "if the requester already owns a topic with the specified name, that
 * topic's ARN is returned without creating a new topic" (SNS API Reference, CreateTopic). What the
 * topic became since (a DisplayName set with SetTopicAttributes, tags added) is no conflict; only an
 * attribute or tag *in the request* whose value differs from the topic's is refused (docs/SEMANTICS.md §4).
 * A FIFO topic's `FifoTopic=true` is part of its name (`.fifo`), so it always agrees.
 *
 * @category rules
 */
export const reconcileCreate = (
  existing: Topic,
  requested: Topic
): Either.Either<Topic, InvalidParameter> => {
  for (const [name, value] of Object.entries(requested.attributes)) {
    if (existing.attributes[name] !== value) {
      return Either.left(invalidParameter("Attributes", "Topic already exists with different attributes"))
    }
  }
  const current = new Map(existing.tags.map((t) => [t.key, t.value]))
  if (requested.tags.some((t) => current.get(t.key) !== t.value)) {
    return Either.left(invalidParameter("Tags", "Topic already exists with different tags"))
  }
  return Either.right(existing)
}

/**
 * SetTopicAttributes: one attribute at a time. Setting `KmsMasterKeyId` to "" turns encryption off
 * (docs/SEMANTICS.md §1.1); an empty value removes any other optional attribute too. Setting an
 * ArchivePolicy on a topic that had none starts its archive at `now`; changing the period keeps the
 * archive; removing the policy ends it (docs/SEMANTICS.md §7, "Message archiving").
 *
 * @category rules
 */
export const setAttribute = (
  topic: Topic,
  name: string,
  value: string,
  now: number
): Either.Either<Topic, InvalidParameter> =>
  Either.gen(function* () {
    if (!settableAttributes.includes(name)) return yield* Either.left(invalidParameter("AttributeName"))
    const checked = yield* validateAttribute(name, value, topic.fifo)
    if (name === "DataProtectionPolicy") return { ...topic, dataProtectionPolicy: checked === "" ? undefined : checked }
    const attributes = { ...topic.attributes }
    if (checked === "" && name !== "DisplayName") delete attributes[name]
    else attributes[name] = checked
    if (name === "ArchivePolicy") {
      return { ...topic, attributes, archivedSince: checked === "" ? undefined : topic.archivedSince ?? now }
    }
    return { ...topic, attributes }
  })

/**
 * The default access policy SNS gives a new topic: the owner account may do everything.
 *
 * @category constructors
 */
export const defaultPolicy = (topic: Topic): string =>
  JSON.stringify({
    Version: "2008-10-17",
    Id: "__default_policy_ID",
    Statement: [
      {
        Sid: "__default_statement_ID",
        Effect: "Allow",
        Principal: { AWS: "*" },
        Action: [
          "SNS:GetTopicAttributes",
          "SNS:SetTopicAttributes",
          "SNS:AddPermission",
          "SNS:RemovePermission",
          "SNS:DeleteTopic",
          "SNS:Subscribe",
          "SNS:ListSubscriptionsByTopic",
          "SNS:Publish"
        ],
        Resource: topic.arn,
        Condition: { StringEquals: { "AWS:SourceOwner": topic.accountId } }
      }
    ]
  })

/**
 * The topic's KMS key identifier, when encryption is on: a non-empty KmsMasterKeyId (docs/SEMANTICS.md
 * §1.1).
 *
 * @category rules
 */
export const kmsMasterKeyId = (topic: Topic): string | undefined => {
  const id = topic.attributes["KmsMasterKeyId"]
  return id === undefined || id === "" ? undefined : id
}

/**
 * Whether the topic deduplicates on a SHA-256 of the body (FIFO only).
 *
 * @category rules
 */
export const contentBasedDeduplication = (topic: Topic): boolean =>
  topic.fifo && topic.attributes["ContentBasedDeduplication"] === "true"

/**
 * The topic's archive policy and when its archive began, when it keeps one.
 *
 * @category rules
 */
export const archive = (
  topic: Topic
): { readonly policy: Archive.ArchivePolicy; readonly archivedSince: number } | undefined => {
  const text = topic.attributes["ArchivePolicy"]
  if (!topic.fifo || text === undefined || topic.archivedSince === undefined) return undefined
  const policy = Archive.parseArchivePolicy(text)
  return Either.isRight(policy) ? { policy: policy.right, archivedSince: topic.archivedSince } : undefined
}

/**
 * The attributes GetTopicAttributes returns: what was set, plus the derived ones. An archived topic
 * also shows its read-only BeginningArchiveTime at `now`.
 *
 * @category encoding
 */
export const describe = (
  topic: Topic,
  counts: { readonly confirmed: number; readonly pending: number },
  now: number
): Record<string, string> => {
  const out: Record<string, string> = {
    ...topic.attributes,
    TopicArn: topic.arn,
    Owner: topic.accountId,
    Policy: topic.attributes["Policy"] ?? defaultPolicy(topic),
    DisplayName: topic.attributes["DisplayName"] ?? "",
    SubscriptionsConfirmed: String(counts.confirmed),
    SubscriptionsPending: String(counts.pending),
    SubscriptionsDeleted: String(topic.subscriptionsDeleted),
    EffectiveDeliveryPolicy: topic.attributes["DeliveryPolicy"] ?? DeliveryPolicy.defaultEffectiveTopicPolicy
  }
  if (topic.fifo) {
    out["FifoTopic"] = "true"
    out["ContentBasedDeduplication"] = topic.attributes["ContentBasedDeduplication"] ?? "false"
  }
  const archived = archive(topic)
  if (archived !== undefined) {
    out["BeginningArchiveTime"] = new Date(Archive.beginningArchiveTime(archived.policy, archived.archivedSince, now)).toISOString()
  }
  return out
}

/**
 * The archived topics' retention cutoffs at `now`, for the message store's sweep (`MessageStore`'s
 * `prune`): a topic with an ArchivePolicy keeps its messages for the policy's retention period.
 *
 * @category rules
 */
export const archiveCutoffs = (topics: Iterable<Topic>, now: number): ReadonlyMap<string, number> => {
  const out = new Map<string, number>()
  for (const topic of topics) {
    const archived = archive(topic)
    if (archived !== undefined) out.set(topic.arn, Archive.retentionCutoff(archived.policy, now))
  }
  return out
}
