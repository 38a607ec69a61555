/**
 * Subscriptions: protocols, endpoints, confirmation and attributes, with SNS's validation.
 *
 * @since 0.1.0
 */
import { Either } from "effect"
import * as Arn from "./Arn.js"
import * as Archive from "./Archive.js"
import * as DeliveryPolicy from "./DeliveryPolicy.js"
import { invalidParameter, type InvalidParameter } from "./Errors.js"
import type * as Replay from "./Replay.js"
import * as Topic from "./Topic.js"

/**
 * The delivery protocols SNS knows.
 *
 * @category models
 */
export type Protocol = "http" | "https" | "email" | "email-json" | "sms" | "sqs" | "application" | "lambda" | "firehose"

export const protocols: ReadonlyArray<Protocol> = [
  "http",
  "https",
  "email",
  "email-json",
  "sms",
  "sqs",
  "application",
  "lambda",
  "firehose"
] as const

/**
 * @category models
 */
export interface Subscription {
  readonly arn: string
  readonly topicArn: string
  /** The subscriber's account. */
  readonly accountId: string
  readonly protocol: Protocol
  readonly endpoint: string
  readonly status: "PendingConfirmation" | "Confirmed"
  /** The token that confirms it (SubscribeURL / ConfirmSubscription); absent once confirmed. */
  readonly confirmationToken: string | undefined
  /** Set when the subscribe request was authenticated; then Unsubscribe needs authentication too. */
  readonly confirmationWasAuthenticated: boolean
  readonly attributes: Readonly<Record<string, string>>
  readonly createdAt: number
  /** The replay its ReplayPolicy started, if it has one (docs/SEMANTICS.md §7, "Message replay"). */
  readonly replay?: Replay.Replay | undefined
}

/** The attributes Subscribe and SetSubscriptionAttributes take. */
export const settableAttributes: ReadonlyArray<string> = [
  "DeliveryPolicy",
  "FilterPolicy",
  "FilterPolicyScope",
  "RawMessageDelivery",
  "RedrivePolicy",
  "SubscriptionRoleArn",
  "ReplayPolicy"
] as const

/**
 * @category guards
 */
export const isProtocol = (s: string): s is Protocol => (protocols as ReadonlyArray<string>).includes(s)

/**
 * HTTP/S and email subscriptions must be confirmed by the endpoint's owner; the AWS-managed and
 * same-account endpoints are confirmed at once (SNS guide, "Subscribing to a topic"). An SQS queue
 * of another account than the topic's is confirmed by its owner, unless its owner is the one
 * subscribing it (SNS API reference, Subscribe: "if the endpoint and the topic are not in the same
 * Amazon Web Services account, the endpoint owner must run the ConfirmSubscription action"; SNS
 * guide, "Sending Amazon SNS messages to an Amazon SQS queue in a different account").
 *
 * @category rules
 */
export const needsConfirmation = (protocol: Protocol, endpoint: string, topicAccountId: string, subscriberAccountId: string): boolean => {
  if (protocol === "sqs") {
    const queueAccount = sqsEndpointAccount(endpoint)
    return queueAccount !== topicAccountId && queueAccount !== subscriberAccountId
  }
  return protocol === "http" || protocol === "https" || protocol === "email" || protocol === "email-json"
}

const SQS_QUEUE_ARN = /^arn:aws[\w-]*:sqs:[\w-]+:(\d{12}):([A-Za-z0-9_-]{1,80}|[A-Za-z0-9_-]{1,75}\.fifo)$/

/**
 * The account of an SQS endpoint (a queue ARN).
 *
 * @category rules
 */
export const sqsEndpointAccount = (endpoint: string): string | undefined => SQS_QUEUE_ARN.exec(endpoint)?.[1]

/**
 * Whether an SQS endpoint names a FIFO queue (its name ends in `.fifo`).
 *
 * @category rules
 */
export const isFifoQueueEndpoint = (endpoint: string): boolean => endpoint.endsWith(".fifo")

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/
const E164 = /^\+?[1-9]\d{6,14}$/

const parseUrl = (s: string): URL | undefined => {
  try {
    return new URL(s)
  } catch {
    return undefined
  }
}

/**
 * Endpoint rules per protocol (SNS API reference, Subscribe: Endpoint).
 *
 * @category validation
 */
export const validateEndpoint = (protocol: Protocol, endpoint: string): Either.Either<string, InvalidParameter> => {
  const ok = Either.right(endpoint)
  const bad = (reason: string) => Either.left(invalidParameter("Endpoint", reason))
  switch (protocol) {
    case "http":
    case "https": {
      const url = parseUrl(endpoint)
      if (url === undefined || url.protocol !== `${protocol}:` || url.hostname === "") {
        return bad(`${protocol} endpoints must be absolute ${protocol}:// URLs`)
      }
      return ok
    }
    case "email":
    case "email-json":
      return EMAIL.test(endpoint) ? ok : Either.left(invalidParameter("Email address"))
    case "sms":
      return E164.test(endpoint.replace(/[\s()-]/g, "")) ? ok : bad("SMS endpoints must be phone numbers in E.164 form")
    case "sqs":
      return SQS_QUEUE_ARN.test(endpoint) ? ok : Either.left(invalidParameter("SQS endpoint ARN"))
    case "lambda":
      return /^arn:aws[\w-]*:lambda:[\w-]+:\d{12}:function:[\w-]{1,64}(:[\w$-]+)?$/.test(endpoint)
        ? ok
        : bad("Lambda endpoints must be function ARNs")
    case "application":
      return /^arn:aws[\w-]*:sns:[\w-]+:\d{12}:endpoint\/.+$/.test(endpoint) ? ok : bad("Application endpoints must be endpoint ARNs")
    case "firehose":
      return /^arn:aws[\w-]*:firehose:[\w-]+:\d{12}:deliverystream\/[\w.-]+$/.test(endpoint)
        ? ok
        : bad("Firehose endpoints must be delivery stream ARNs")
  }
}

/**
 * Decides whether a protocol string is one SNS supports; the text is real SNS's.
 *
 * @category validation
 */
export const validateProtocol = (protocol: string): Either.Either<Protocol, InvalidParameter> =>
  isProtocol(protocol)
    ? Either.right(protocol)
    : Either.left(invalidParameter(`Amazon SNS does not support this protocol string: ${protocol}`))

/**
 * A FIFO topic delivers only to Amazon SQS queues (SNS guide, "Message delivery for FIFO topics");
 * AWS answers Subscribe with any other protocol with `Invalid parameter: Invalid protocol type: <protocol>`.
 *
 * @category validation
 */
export const validateProtocolForTopic = (protocol: Protocol, fifoTopic: boolean): Either.Either<Protocol, InvalidParameter> =>
  fifoTopic && protocol !== "sqs" ? Either.left(invalidParameter(`Invalid protocol type: ${protocol}`)) : Either.right(protocol)

const RAW_DELIVERY_PROTOCOLS: ReadonlyArray<Protocol> = ["http", "https", "sqs", "firehose"] as const

/**
 * Checks one subscription attribute. The filter policy's own grammar is checked by the caller (it
 * compiles the policy), since the engine lives in its own module.
 *
 * @category validation
 */
export const validateAttribute = (
  protocol: Protocol,
  name: string,
  value: string
): Either.Either<string, InvalidParameter> => {
  const bad = (reason: string) => Either.left(invalidParameter("Attributes", reason))
  switch (name) {
    case "RawMessageDelivery": {
      // Any letter case, stored lower-case, as the topic's boolean attributes (Topic.booleanAttribute).
      const raw = Topic.booleanAttribute(value)
      if (raw === undefined) return bad("RawMessageDelivery must be true or false")
      if (raw === "true" && !RAW_DELIVERY_PROTOCOLS.includes(protocol)) {
        return bad(`Delivery protocol [${protocol}] does not support raw message delivery.`)
      }
      return Either.right(raw)
    }
    case "FilterPolicy":
      return Either.right(value)
    case "FilterPolicyScope":
      return value === "MessageAttributes" || value === "MessageBody"
        ? Either.right(value)
        : bad("FilterPolicyScope: Invalid value [" + value + "]. Please use either MessageBody or MessageAttributes")
    case "DeliveryPolicy":
      if (protocol !== "http" && protocol !== "https") return bad(`DeliveryPolicy: only HTTP/S subscriptions take a delivery policy`)
      return value === "" ? Either.right(value) : Either.map(DeliveryPolicy.parseSubscriptionPolicy(value), () => value)
    case "RedrivePolicy": {
      if (value === "") return Either.right(value)
      try {
        const doc: unknown = JSON.parse(value)
        const target = typeof doc === "object" && doc !== null ? (doc as Record<string, unknown>)["deadLetterTargetArn"] : undefined
        if (typeof target !== "string" || !/^arn:aws[\w-]*:sqs:[\w-]+:\d{12}:[\w.-]+$/.test(target)) {
          return bad("RedrivePolicy: deadLetterTargetArn must be an SQS queue ARN")
        }
        return Either.right(value)
      } catch {
        return bad("RedrivePolicy: Invalid RedrivePolicy JSON")
      }
    }
    case "SubscriptionRoleArn":
      return Arn.isIamRoleArn(value)
        ? Either.right(value)
        : bad("SubscriptionRoleArn must be an IAM role ARN")
    case "ReplayPolicy":
      // Only its shape here; whether its window fits the topic's archive needs the topic and the
      // clock (`Replay.checkWindow`, called by the registry). An empty value stops the replay.
      return value === "" ? Either.right(value) : Either.map(Archive.parseReplayPolicy(value), () => value)
    default:
      return Either.left(invalidParameter("AttributeName"))
  }
}

/**
 * Checks a whole attribute map at Subscribe. A firehose subscription needs SubscriptionRoleArn.
 *
 * @category validation
 */
export const validateAttributes = (
  protocol: Protocol,
  attributes: Readonly<Record<string, string>>
): Either.Either<Readonly<Record<string, string>>, InvalidParameter> =>
  Either.gen(function* () {
    const out: Record<string, string> = {}
    for (const [name, value] of Object.entries(attributes)) out[name] = yield* validateAttribute(protocol, name, value)
    if (protocol === "firehose" && out["SubscriptionRoleArn"] === undefined) {
      return yield* Either.left(invalidParameter("Attributes", "SubscriptionRoleArn is required for firehose subscriptions"))
    }
    return out
  })

/**
 * Whether a Subscribe repeats an existing subscription: same topic, protocol and endpoint.
 *
 * @category rules
 */
export const isSameEndpoint = (s: Subscription, topicArn: string, protocol: Protocol, endpoint: string): boolean =>
  s.topicArn === topicArn && s.protocol === protocol && s.endpoint === endpoint

/**
 * GetSubscriptionAttributes: what was set plus the derived attributes.
 *
 * @category encoding
 */
export const describe = (s: Subscription, effectiveDeliveryPolicy: string | undefined): Record<string, string> => {
  const out: Record<string, string> = {
    ...s.attributes,
    SubscriptionArn: s.arn,
    TopicArn: s.topicArn,
    Owner: s.accountId,
    Protocol: s.protocol,
    Endpoint: s.endpoint,
    PendingConfirmation: String(s.status === "PendingConfirmation"),
    ConfirmationWasAuthenticated: String(s.confirmationWasAuthenticated),
    RawMessageDelivery: s.attributes["RawMessageDelivery"] ?? "false"
  }
  if (effectiveDeliveryPolicy !== undefined) out["EffectiveDeliveryPolicy"] = effectiveDeliveryPolicy
  if (s.replay !== undefined) out["ReplayStatus"] = s.replay.status
  return out
}
