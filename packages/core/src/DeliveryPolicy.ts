/**
 * HTTP/S delivery policies: validation of the JSON that topics and subscriptions carry, and the retry
 * schedule it describes.
 *
 * SNS guide, "Amazon SNS message delivery retries": a policy has four phases, in order: immediate
 * retries (no delay), pre-backoff (numMinDelayRetries at minDelayTarget), backoff (from minDelayTarget
 * to maxDelayTarget along backoffFunction), post-backoff (numMaxDelayRetries at maxDelayTarget).
 * numRetries counts all of them. Limits from "Creating an HTTP/S delivery policy": numRetries 0-100,
 * minDelayTarget at least 1 s, maxDelayTarget at most 3,600 s, and the whole policy at most 3,600 s.
 *
 * @since 0.1.0
 */
import { Either } from "effect"
import { invalidParameter, type InvalidParameter } from "./Errors.js"

/**
 * @category models
 */
export type BackoffFunction = "arithmetic" | "exponential" | "geometric" | "linear"

/**
 * @category models
 */
export interface RetryPolicy {
  readonly minDelayTarget: number
  readonly maxDelayTarget: number
  readonly numRetries: number
  readonly numNoDelayRetries: number
  readonly numMinDelayRetries: number
  readonly numMaxDelayRetries: number
  readonly backoffFunction: BackoffFunction
}

/**
 * The policy SNS applies to HTTP/S when none is set (what GetTopicAttributes shows as
 * EffectiveDeliveryPolicy): three retries, 20 seconds apart.
 *
 * @category constants
 */
export const defaultRetryPolicy: RetryPolicy = {
  minDelayTarget: 20,
  maxDelayTarget: 20,
  numRetries: 3,
  numNoDelayRetries: 0,
  numMinDelayRetries: 0,
  numMaxDelayRetries: 0,
  backoffFunction: "linear"
} as const

/**
 * The EffectiveDeliveryPolicy attribute of a topic with no DeliveryPolicy of its own.
 *
 * @category constants
 */
export const defaultEffectiveTopicPolicy = JSON.stringify({
  http: {
    defaultHealthyRetryPolicy: defaultRetryPolicy,
    disableSubscriptionOverrides: false,
    defaultRequestPolicy: { headerContentType: "text/plain; charset=UTF-8" }
  }
})

/**
 * Content types SNS accepts in a request policy (SNS guide, "Creating an HTTP/S delivery policy").
 *
 * @category constants
 */
export const allowedContentTypes: ReadonlyArray<string> = [
  "application/json",
  "application/xml",
  "text/css",
  "text/csv",
  "text/html",
  "text/plain",
  "text/xml"
] as const

/**
 * The parts of a delivery policy the broker acts on.
 *
 * @category models
 */
export interface HttpDeliveryPolicy {
  readonly retry: RetryPolicy
  readonly maxReceivesPerSecond: number | undefined
  readonly headerContentType: string | undefined
}

const BACKOFF_FUNCTIONS: ReadonlyArray<BackoffFunction> = ["arithmetic", "exponential", "geometric", "linear"] as const

type Json = Record<string, unknown>
const isObject = (u: unknown): u is Json => typeof u === "object" && u !== null && !Array.isArray(u)

const fail = (attribute: string, reason: string) => Either.left(invalidParameter(`${attribute}: ${reason}`))

const integerField = (
  attribute: string,
  path: string,
  object: Json,
  field: string,
  fallback: number,
  min: number,
  max: number
): Either.Either<number, InvalidParameter> => {
  const value = object[field]
  if (value === undefined) return Either.right(fallback)
  if (typeof value !== "number" || !Number.isInteger(value)) return fail(attribute, `${path}.${field} must be an integer`)
  if (value < min) return fail(attribute, `${path}.${field} must be greater than or equal to ${min}`)
  if (value > max) return fail(attribute, `${path}.${field} must be less than or equal to ${max}`)
  return Either.right(value)
}

/**
 * Validates a retry policy object found at `path` of the attribute.
 *
 * @category parsing
 */
export const parseRetryPolicy = (
  attribute: string,
  path: string,
  raw: unknown
): Either.Either<RetryPolicy, InvalidParameter> =>
  Either.gen(function* () {
    if (!isObject(raw)) return yield* fail(attribute, `${path} must be an object`)
    const numRetries = yield* integerField(attribute, path, raw, "numRetries", defaultRetryPolicy.numRetries, 0, 100)
    const minDelayTarget = yield* integerField(attribute, path, raw, "minDelayTarget", defaultRetryPolicy.minDelayTarget, 1, 3600)
    const maxDelayTarget = yield* integerField(attribute, path, raw, "maxDelayTarget", Math.max(minDelayTarget, defaultRetryPolicy.maxDelayTarget), 1, 3600)
    if (minDelayTarget > maxDelayTarget) {
      return yield* fail(attribute, `${path}.minDelayTarget must be less than or equal to maxDelayTarget`)
    }
    const numNoDelayRetries = yield* integerField(attribute, path, raw, "numNoDelayRetries", 0, 0, 100)
    const numMinDelayRetries = yield* integerField(attribute, path, raw, "numMinDelayRetries", 0, 0, 100)
    const numMaxDelayRetries = yield* integerField(attribute, path, raw, "numMaxDelayRetries", 0, 0, 100)
    if (numNoDelayRetries + numMinDelayRetries + numMaxDelayRetries > numRetries) {
      return yield* fail(attribute, `${path}: numNoDelayRetries + numMinDelayRetries + numMaxDelayRetries must not exceed numRetries`)
    }
    const backoff = raw["backoffFunction"] ?? "linear"
    if (typeof backoff !== "string" || !BACKOFF_FUNCTIONS.includes(backoff as BackoffFunction)) {
      return yield* fail(attribute, `${path}.backoffFunction must be one of ${BACKOFF_FUNCTIONS.join(", ")}`)
    }
    const policy: RetryPolicy = {
      minDelayTarget,
      maxDelayTarget,
      numRetries,
      numNoDelayRetries,
      numMinDelayRetries,
      numMaxDelayRetries,
      backoffFunction: backoff as BackoffFunction
    }
    if (totalDelaySeconds(policy) > 3600) {
      return yield* fail(attribute, `${path}: the total retry time must not exceed 3600 seconds`)
    }
    return policy
  })

const parseThrottle = (attribute: string, path: string, raw: unknown) =>
  Either.gen(function* () {
    if (raw === undefined) return undefined
    if (!isObject(raw)) return yield* fail(attribute, `${path} must be an object`)
    if (raw["maxReceivesPerSecond"] === undefined) return undefined
    return yield* integerField(attribute, path, raw, "maxReceivesPerSecond", 1, 1, Number.MAX_SAFE_INTEGER)
  })

const parseRequestPolicy = (attribute: string, path: string, raw: unknown) =>
  Either.gen(function* () {
    if (raw === undefined) return undefined
    if (!isObject(raw)) return yield* fail(attribute, `${path} must be an object`)
    const type = raw["headerContentType"]
    if (type === undefined) return undefined
    const base = typeof type === "string" ? type.split(";")[0]!.trim().toLowerCase() : ""
    if (!allowedContentTypes.includes(base)) {
      return yield* fail(attribute, `${path}.headerContentType must be one of ${allowedContentTypes.join(", ")}`)
    }
    return type as string
  })

const parseJson = (attribute: string, text: string): Either.Either<Json, InvalidParameter> => {
  try {
    const value: unknown = JSON.parse(text)
    return isObject(value) ? Either.right(value) : fail(attribute, "must be a JSON object")
  } catch {
    return fail(attribute, "is not valid JSON")
  }
}

/**
 * A topic's DeliveryPolicy attribute: `{"http": {"defaultHealthyRetryPolicy": …,
 * "defaultThrottlePolicy": …, "defaultRequestPolicy": …, "disableSubscriptionOverrides": …}}`. Only
 * HTTP/S policies can be changed (SNS guide: "you can't change Amazon SNS-defined delivery policies"
 * for other protocols), so other protocol keys are refused.
 *
 * @category parsing
 */
export const parseTopicPolicy = (
  text: string
): Either.Either<HttpDeliveryPolicy & { readonly disableSubscriptionOverrides: boolean }, InvalidParameter> =>
  Either.gen(function* () {
    const attribute = "DeliveryPolicy"
    const json = yield* parseJson(attribute, text)
    for (const key of Object.keys(json)) {
      if (key !== "http" && key !== "https") return yield* fail(attribute, `${key} delivery policies cannot be changed`)
    }
    const http = json["http"] ?? json["https"] ?? {}
    if (!isObject(http)) return yield* fail(attribute, "http must be an object")
    const retry = http["defaultHealthyRetryPolicy"] === undefined
      ? defaultRetryPolicy
      : yield* parseRetryPolicy(attribute, "http.defaultHealthyRetryPolicy", http["defaultHealthyRetryPolicy"])
    const overrides = http["disableSubscriptionOverrides"] ?? false
    if (typeof overrides !== "boolean") return yield* fail(attribute, "http.disableSubscriptionOverrides must be a boolean")
    return {
      retry,
      maxReceivesPerSecond: yield* parseThrottle(attribute, "http.defaultThrottlePolicy", http["defaultThrottlePolicy"]),
      headerContentType: yield* parseRequestPolicy(attribute, "http.defaultRequestPolicy", http["defaultRequestPolicy"]),
      disableSubscriptionOverrides: overrides
    }
  })

/**
 * A subscription's DeliveryPolicy attribute: `{"healthyRetryPolicy": …, "throttlePolicy": …,
 * "requestPolicy": …}`. Returns the fields that were set, so they can override the topic's.
 *
 * @category parsing
 */
export const parseSubscriptionPolicy = (
  text: string
): Either.Either<Partial<HttpDeliveryPolicy>, InvalidParameter> =>
  Either.gen(function* () {
    const attribute = "DeliveryPolicy"
    const json = yield* parseJson(attribute, text)
    const out: { retry?: RetryPolicy; maxReceivesPerSecond?: number; headerContentType?: string } = {}
    if (json["healthyRetryPolicy"] !== undefined) {
      out.retry = yield* parseRetryPolicy(attribute, "healthyRetryPolicy", json["healthyRetryPolicy"])
    }
    const throttle = yield* parseThrottle(attribute, "throttlePolicy", json["throttlePolicy"])
    if (throttle !== undefined) out.maxReceivesPerSecond = throttle
    const type = yield* parseRequestPolicy(attribute, "requestPolicy", json["requestPolicy"])
    if (type !== undefined) out.headerContentType = type
    return out
  })

/**
 * The delay, in seconds, before retry number `retry` (1-based) of a failed delivery; `undefined` when
 * the policy is exhausted.
 *
 * The backoff phase runs from minDelayTarget to maxDelayTarget. AWS publishes the four curves only as a
 * graph, so the shapes here are our reading of it, normalised over the phase (x from 0 to 1):
 * linear x, arithmetic x², geometric x³, exponential (2^(kx) - 1)/(2^k - 1) with k = 10.
 *
 * @category rules
 */
export const retryDelaySeconds = (policy: RetryPolicy, retry: number): number | undefined => {
  if (!Number.isInteger(retry) || retry < 1 || retry > policy.numRetries) return undefined
  const backoffRetries =
    policy.numRetries - policy.numNoDelayRetries - policy.numMinDelayRetries - policy.numMaxDelayRetries
  let n = retry
  if (n <= policy.numNoDelayRetries) return 0
  n -= policy.numNoDelayRetries
  if (n <= policy.numMinDelayRetries) return policy.minDelayTarget
  n -= policy.numMinDelayRetries
  if (n <= backoffRetries) {
    const x = backoffRetries === 1 ? 1 : (n - 1) / (backoffRetries - 1)
    const shaped =
      policy.backoffFunction === "linear"
        ? x
        : policy.backoffFunction === "arithmetic"
          ? x * x
          : policy.backoffFunction === "geometric"
            ? x * x * x
            : (2 ** (10 * x) - 1) / (2 ** 10 - 1)
    return Math.round(policy.minDelayTarget + (policy.maxDelayTarget - policy.minDelayTarget) * shaped)
  }
  return policy.maxDelayTarget
}

/**
 * The sum of every retry delay: SNS caps it at 3,600 seconds.
 *
 * @category rules
 */
export const totalDelaySeconds = (policy: RetryPolicy): number => {
  let total = 0
  for (let retry = 1; retry <= policy.numRetries; retry++) total += retryDelaySeconds(policy, retry) ?? 0
  return total
}
