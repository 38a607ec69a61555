/**
 * Every error the SQS queue model can raise, one `Data.TaggedError` per SQS error.
 *
 * The tag is the error's shape name in the SQS API model (the `__type` of the AWS JSON protocol and
 * the SDKs' exception class, e.g. `QueueDoesNotExist`); where the AWS Query protocol spells the code
 * differently (`AWS.SimpleQueueService.NonExistentQueue`, `QueueAlreadyExists`…) the transport's one
 * error table holds that spelling, as it holds the HTTP status. The texts are SQS's own where they are
 * known (SQS API Reference, "Common Errors" and each action's "Errors").
 *
 * @since 0.1.0
 */
import { Data } from "effect"

/** A parameter's value is out of range or malformed (a common error of every action). */
export class InvalidParameterValue extends Data.TaggedError("InvalidParameterValue")<{ readonly message: string }> {}

/** A required parameter is missing (a common error of every action). */
export class MissingParameter extends Data.TaggedError("MissingParameter")<{ readonly message: string }> {}

/** An attribute name SQS does not know, or one this action or queue type does not take. */
export class InvalidAttributeName extends Data.TaggedError("InvalidAttributeName")<{ readonly message: string }> {}

/** An attribute's value is out of range or malformed. */
export class InvalidAttributeValue extends Data.TaggedError("InvalidAttributeValue")<{ readonly message: string }> {}

/** The queue does not exist (Query code `AWS.SimpleQueueService.NonExistentQueue`). */
export class QueueDoesNotExist extends Data.TaggedError("QueueDoesNotExist")<{ readonly message: string }> {}

/**
 * CreateQueue named an existing queue with an attribute of a different value (Query code
 * `QueueAlreadyExists`).
 */
export class QueueNameExists extends Data.TaggedError("QueueNameExists")<{ readonly message: string }> {}

/**
 * CreateQueue named a queue deleted less than 60 seconds ago (Query code
 * `AWS.SimpleQueueService.QueueDeletedRecently`).
 */
export class QueueDeletedRecently extends Data.TaggedError("QueueDeletedRecently")<{ readonly message: string }> {}

/**
 * PurgeQueue less than 60 seconds after the last one (Query code
 * `AWS.SimpleQueueService.PurgeQueueInProgress`).
 */
export class PurgeQueueInProgress extends Data.TaggedError("PurgeQueueInProgress")<{ readonly message: string }> {}

/** The receipt handle is not one SQS issued. */
export class ReceiptHandleIsInvalid extends Data.TaggedError("ReceiptHandleIsInvalid")<{ readonly message: string }> {}

/** The body holds characters outside the XML character range SQS allows. */
export class InvalidMessageContents extends Data.TaggedError("InvalidMessageContents")<{ readonly message: string }> {}

/**
 * A batch action with no entries (Query code `AWS.SimpleQueueService.EmptyBatchRequest`).
 */
export class EmptyBatchRequest extends Data.TaggedError("EmptyBatchRequest")<{ readonly message: string }> {}

/**
 * A batch action with more than 10 entries (Query code `AWS.SimpleQueueService.TooManyEntriesInBatchRequest`).
 */
export class TooManyEntriesInBatchRequest extends Data.TaggedError("TooManyEntriesInBatchRequest")<{ readonly message: string }> {}

/**
 * Two entries of one batch share an Id (Query code `AWS.SimpleQueueService.BatchEntryIdsNotDistinct`).
 */
export class BatchEntryIdsNotDistinct extends Data.TaggedError("BatchEntryIdsNotDistinct")<{ readonly message: string }> {}

/**
 * A batch entry Id that is not 1 to 80 of `[A-Za-z0-9_-]` (Query code
 * `AWS.SimpleQueueService.InvalidBatchEntryId`).
 */
export class InvalidBatchEntryId extends Data.TaggedError("InvalidBatchEntryId")<{ readonly message: string }> {}

/**
 * SendMessageBatch whose messages together exceed the size limit (Query code
 * `AWS.SimpleQueueService.BatchRequestTooLong`).
 */
export class BatchRequestTooLong extends Data.TaggedError("BatchRequestTooLong")<{ readonly message: string }> {}

/**
 * A message movement task's source or destination queue, or the task a handle names, does not exist
 * (404; StartMessageMoveTask, ListMessageMoveTasks, CancelMessageMoveTask "Errors").
 */
export class ResourceNotFoundException extends Data.TaggedError("ResourceNotFoundException")<{ readonly message: string }> {}

/**
 * The KMS errors of SendMessage, SendMessageBatch and ReceiveMessage on an encrypted queue, one per
 * KMS failure (SQS API Reference, SendMessage "Errors"; the Query codes `KMS.DisabledException` …
 * are the error table's). docs/SEMANTICS.md §8.
 */
export class KmsDisabled extends Data.TaggedError("KmsDisabled")<{ readonly message: string }> {}
/** The key is not in a state that allows the request (pending deletion, a pending import). */
export class KmsInvalidState extends Data.TaggedError("KmsInvalidState")<{ readonly message: string }> {}
/** The key, or the alias that names it, does not exist. */
export class KmsNotFound extends Data.TaggedError("KmsNotFound")<{ readonly message: string }> {}
/** The caller may not use the key (its key policy or grants refuse). */
export class KmsAccessDenied extends Data.TaggedError("KmsAccessDenied")<{ readonly message: string }> {}
/** The key is not a symmetric encryption key. */
export class KmsInvalidKeyUsage extends Data.TaggedError("KmsInvalidKeyUsage")<{ readonly message: string }> {}
/** KMS throttled the request. */
export class KmsThrottled extends Data.TaggedError("KmsThrottled")<{ readonly message: string }> {}
/** The account has not opted in to the key's Region (403). */
export class KmsOptInRequired extends Data.TaggedError("KmsOptInRequired")<{ readonly message: string }> {}

/**
 * The caller may not take the action on the queue: another account's queue whose policy does not
 * allow it, or an explicit Deny (SQS API Reference, "Common Errors": AccessDenied, 403).
 */
export class AccessDenied extends Data.TaggedError("AccessDenied")<{ readonly message: string }> {}

/** A limit was reached; AddPermission's when its statement would name more than 7 actions (SQS API Reference, "AddPermission"). */
export class OverLimit extends Data.TaggedError("OverLimit")<{ readonly message: string }> {}

/** What a queue's KMS calls fail with. */
export type QueueKmsFailure = KmsDisabled | KmsInvalidState | KmsNotFound | KmsAccessDenied | KmsInvalidKeyUsage | KmsThrottled | KmsOptInRequired

/**
 * The KMS failure of tag `tag` with another message (a refusal explained for the one it concerns).
 *
 * @category constructors
 */
export const queueKmsFailure = (tag: QueueKmsFailure["_tag"], message: string): QueueKmsFailure => {
  switch (tag) {
    case "KmsDisabled":
      return new KmsDisabled({ message })
    case "KmsInvalidState":
      return new KmsInvalidState({ message })
    case "KmsNotFound":
      return new KmsNotFound({ message })
    case "KmsAccessDenied":
      return new KmsAccessDenied({ message })
    case "KmsInvalidKeyUsage":
      return new KmsInvalidKeyUsage({ message })
    case "KmsThrottled":
      return new KmsThrottled({ message })
    case "KmsOptInRequired":
      return new KmsOptInRequired({ message })
  }
}

/** Every error the queue model can raise. */
export type SqsError =
  | InvalidParameterValue
  | MissingParameter
  | InvalidAttributeName
  | InvalidAttributeValue
  | QueueDoesNotExist
  | QueueNameExists
  | QueueDeletedRecently
  | PurgeQueueInProgress
  | ReceiptHandleIsInvalid
  | InvalidMessageContents
  | EmptyBatchRequest
  | TooManyEntriesInBatchRequest
  | BatchEntryIdsNotDistinct
  | InvalidBatchEntryId
  | BatchRequestTooLong
  | AccessDenied
  | OverLimit
  | ResourceNotFoundException
  | QueueKmsFailure

/**
 * Every tag above, so the transport can prove its table has a row for each (as for SNS's
 * `snsErrorTags`).
 */
export const sqsErrorTags = [
  "InvalidParameterValue",
  "MissingParameter",
  "InvalidAttributeName",
  "InvalidAttributeValue",
  "QueueDoesNotExist",
  "QueueNameExists",
  "QueueDeletedRecently",
  "PurgeQueueInProgress",
  "ReceiptHandleIsInvalid",
  "InvalidMessageContents",
  "EmptyBatchRequest",
  "TooManyEntriesInBatchRequest",
  "BatchEntryIdsNotDistinct",
  "InvalidBatchEntryId",
  "BatchRequestTooLong",
  "AccessDenied",
  "OverLimit",
  "ResourceNotFoundException",
  "KmsDisabled",
  "KmsInvalidState",
  "KmsNotFound",
  "KmsAccessDenied",
  "KmsInvalidKeyUsage",
  "KmsThrottled",
  "KmsOptInRequired"
] as const satisfies ReadonlyArray<SqsError["_tag"]>

/** SQS's usual wording for a bad parameter: "Value <v> for parameter <p> is invalid. Reason: <why>". */
export const invalidValue = (parameter: string, value: string, reason: string): InvalidParameterValue =>
  new InvalidParameterValue({ message: `Value ${value} for parameter ${parameter} is invalid. Reason: ${reason}` })

/** "The request must contain the parameter <p>." */
export const missingParameter = (parameter: string): MissingParameter =>
  new MissingParameter({ message: `The request must contain the parameter ${parameter}.` })
