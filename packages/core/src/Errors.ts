/**
 * Every error the SNS core can raise, one `Data.TaggedError` per AWS error code.
 *
 * The tag is the wire code SNS uses (the botocore model's `error.code`), so the transport's one
 * mapping table (tag -> HTTP status and fault) reads as AWS's own documentation does. The core knows
 * nothing of HTTP: status codes live only in that table.
 *
 * Texts follow real SNS where it is known (docs/SEMANTICS.md §2-§4).
 *
 * @since 0.1.0
 */
import { Data } from "effect"

/** A request parameter is missing, malformed or out of range. */
export class InvalidParameter extends Data.TaggedError("InvalidParameter")<{ readonly message: string }> {}

/** A parameter value is invalid (SNS's `ParameterValueInvalid`, e.g. a bad message attribute). */
export class ParameterValueInvalid extends Data.TaggedError("ParameterValueInvalid")<{
  readonly message: string
}> {}

/** The topic, subscription or endpoint does not exist. */
export class NotFound extends Data.TaggedError("NotFound")<{ readonly message: string }> {}

/** The caller may not perform the action on the resource. */
export class AuthorizationError extends Data.TaggedError("AuthorizationError")<{ readonly message: string }> {}

/**
 * An encrypted topic was addressed without HTTPS and Signature Version 4.
 * SNS Developer Guide, "Encryption at rest": "All requests to topics with SSE enabled must use HTTPS
 * and Signature Version 4." (docs/SEMANTICS.md §1.9)
 */
export class InvalidSecurity extends Data.TaggedError("InvalidSecurity")<{ readonly message: string }> {}

/** The topic's KMS key is disabled. */
export class KMSDisabled extends Data.TaggedError("KMSDisabled")<{ readonly message: string }> {}

/** The topic's KMS key is in a state that forbids use (e.g. pending deletion). */
export class KMSInvalidState extends Data.TaggedError("KMSInvalidState")<{ readonly message: string }> {}

/** The topic's KMS key does not exist. */
export class KMSNotFound extends Data.TaggedError("KMSNotFound")<{ readonly message: string }> {}

/** The publisher is not allowed to use the topic's KMS key. */
export class KMSAccessDenied extends Data.TaggedError("KMSAccessDenied")<{ readonly message: string }> {}

/** KMS refused the request for its rate. */
export class KMSThrottling extends Data.TaggedError("KMSThrottling")<{ readonly message: string }> {}

/** The account is not subscribed to KMS. */
export class KMSOptInRequired extends Data.TaggedError("KMSOptInRequired")<{ readonly message: string }> {}

/** More than 50 tags on one resource. */
export class TagLimitExceeded extends Data.TaggedError("TagLimitExceeded")<{ readonly message: string }> {}

/** The account has as many topics as it may. */
export class TopicLimitExceeded extends Data.TaggedError("TopicLimitExceeded")<{ readonly message: string }> {}

/** The topic has as many subscriptions as it may. */
export class SubscriptionLimitExceeded extends Data.TaggedError("SubscriptionLimitExceeded")<{
  readonly message: string
}> {}

/**
 * A filter policy would pass the topic's or the account's quota of subscriptions with filter
 * policies (SNS Developer Guide, "Filter policy constraints").
 */
export class FilterPolicyLimitExceeded extends Data.TaggedError("FilterPolicyLimitExceeded")<{
  readonly message: string
}> {}

/**
 * A ReplayPolicy would start one replay more than may run at once ("the maximum number of concurrent
 * message replays", SNS API Reference, Subscribe and SetSubscriptionAttributes, Errors).
 */
export class ReplayLimitExceeded extends Data.TaggedError("ReplayLimitExceeded")<{ readonly message: string }> {}

/** The resource named by an ARN (tagging, data protection) does not exist. */
export class ResourceNotFound extends Data.TaggedError("ResourceNotFound")<{ readonly message: string }> {}

/** Two entries of one batch share an Id. */
export class BatchEntryIdsNotDistinct extends Data.TaggedError("BatchEntryIdsNotDistinct")<{
  readonly message: string
}> {}

/** A batch's messages together exceed 256 KiB. */
export class BatchRequestTooLong extends Data.TaggedError("BatchRequestTooLong")<{ readonly message: string }> {}

/** A batch with no entries. */
export class EmptyBatchRequest extends Data.TaggedError("EmptyBatchRequest")<{ readonly message: string }> {}

/** A batch entry Id that is not 1 to 80 of `[A-Za-z0-9_-]`. */
export class InvalidBatchEntryId extends Data.TaggedError("InvalidBatchEntryId")<{ readonly message: string }> {}

/** A batch of more than 10 entries. */
export class TooManyEntriesInBatchRequest extends Data.TaggedError("TooManyEntriesInBatchRequest")<{
  readonly message: string
}> {}

/** Publish to a device endpoint whose Enabled attribute is false. */
export class EndpointDisabled extends Data.TaggedError("EndpointDisabled")<{ readonly message: string }> {}

/** VerifySMSSandboxPhoneNumber with a one-time password that is not the one sent. */
export class VerificationException extends Data.TaggedError("VerificationException")<{
  readonly message: string
  /** The number's verification status, as SNS reports it with the error. */
  readonly status: string
}> {}

/** The durable store failed; the request's effect did not happen. */
export class StoreFailure extends Data.TaggedError("StoreFailure")<{ readonly message: string }> {}

/** The errors SNS raises that come from KMS (docs/SEMANTICS.md §2), all sender faults. */
export type KmsFailure =
  | KMSDisabled
  | KMSInvalidState
  | KMSNotFound
  | KMSAccessDenied
  | KMSThrottling
  | KMSOptInRequired

/** Every error the SNS core can raise. */
export type SnsError =
  | InvalidParameter
  | ParameterValueInvalid
  | NotFound
  | AuthorizationError
  | InvalidSecurity
  | KmsFailure
  | TagLimitExceeded
  | TopicLimitExceeded
  | SubscriptionLimitExceeded
  | FilterPolicyLimitExceeded
  | ReplayLimitExceeded
  | ResourceNotFound
  | BatchEntryIdsNotDistinct
  | BatchRequestTooLong
  | EmptyBatchRequest
  | InvalidBatchEntryId
  | TooManyEntriesInBatchRequest
  | EndpointDisabled
  | VerificationException
  | StoreFailure

/**
 * Every tag above, so the transport can prove its table has a row for each (a test walks this list).
 */
export const snsErrorTags = [
  "InvalidParameter",
  "ParameterValueInvalid",
  "NotFound",
  "AuthorizationError",
  "InvalidSecurity",
  "KMSDisabled",
  "KMSInvalidState",
  "KMSNotFound",
  "KMSAccessDenied",
  "KMSThrottling",
  "KMSOptInRequired",
  "TagLimitExceeded",
  "TopicLimitExceeded",
  "SubscriptionLimitExceeded",
  "FilterPolicyLimitExceeded",
  "ReplayLimitExceeded",
  "ResourceNotFound",
  "BatchEntryIdsNotDistinct",
  "BatchRequestTooLong",
  "EmptyBatchRequest",
  "InvalidBatchEntryId",
  "TooManyEntriesInBatchRequest",
  "EndpointDisabled",
  "VerificationException",
  "StoreFailure"
] as const satisfies ReadonlyArray<SnsError["_tag"]>

/** `InvalidParameter` with SNS's usual wording: "Invalid parameter: <what> Reason: <why>". */
export const invalidParameter = (what: string, reason?: string): InvalidParameter =>
  new InvalidParameter({
    message: reason === undefined ? `Invalid parameter: ${what}` : `Invalid parameter: ${what} Reason: ${reason}`
  })
