/**
 * The one table from an error's tag to what goes on the wire: AWS's error code, the HTTP status and
 * the fault (`Sender` when the request was wrong, `Receiver` when the server failed). Both wire
 * protocols read it: SNS (AWS Query) writes `<Code>` and `<Type>`, KMS (AWS JSON 1.1) writes `__type`.
 *
 * Sources: SNS codes and statuses from the SNS API model (botocore `sns/2010-03-31`, each error's
 * `error.code` and `httpStatusCode`); KMS statuses as AWS was recorded answering (docs/SEMANTICS.md §5:
 * 400 for all client errors, although the model declares 404/409 for some); the Query protocol's
 * "Common Errors" of the AWS API references.
 *
 * @since 0.1.0
 */
import { Errors as CoreErrors, QueueErrors } from "@sealcast/core"
import { Errors as KmsErrors } from "@sealcast/kms-sim"
import { authErrorTags } from "./auth/AuthErrors.js"
import { INTERNAL_FAILURE_MESSAGE } from "./EdgeErrors.js"
import { kmsProtocolErrorTags } from "./kms/Errors.js"
import { queryErrorTags } from "./query/Errors.js"

/**
 * @category models
 */
export interface ErrorRow {
  readonly code: string
  readonly status: number
  readonly fault: "Sender" | "Receiver"
  /**
   * The `__type` the JSON 1.1 protocol uses where it names the error differently from the Query
   * protocol (the authentication errors: JSON services say `UnrecognizedClientException` where Query
   * services say `InvalidClientTokenId`).
   */
  readonly jsonCode?: string
}

/**
 * Errors of the HTTP layer and of response writing, raised by the server glue and the codecs:
 * the body's (`HttpRequest.ts`), the edge's (`EdgeErrors.ts`), and `UnrepresentableCharacter`, a
 * stored text holding a character XML 1.0 cannot carry (`query/Xml.ts`).
 *
 * @category errors
 */
export const transportErrorTags = [
  "RequestEntityTooLarge",
  "RequestAborted",
  "UnknownPath",
  "InternalFailure",
  "UnrepresentableCharacter",
  "KmsOverPlainHttp",
  "RequestHeaderSectionTooLarge"
] as const

const sender = (code: string, status: number, jsonCode?: string): ErrorRow =>
  jsonCode === undefined ? { code, status, fault: "Sender" } : { code, status, fault: "Sender", jsonCode }
const receiver = (code: string, status: number): ErrorRow => ({ code, status, fault: "Receiver" })

/**
 * Every tag with a row: a literal `_tag` outside this union does not compile where an answer is
 * built from it.
 *
 * @category models
 */
export type ErrorTag =
  | (typeof CoreErrors.snsErrorTags)[number]
  | (typeof queryErrorTags)[number]
  | (typeof authErrorTags)[number]
  | (typeof KmsErrors.kmsErrorTags)[number]
  | (typeof kmsProtocolErrorTags)[number]
  | (typeof transportErrorTags)[number]

/**
 * Every tag any layer can raise, and its row. The type makes a missing row a compile error; a test
 * walks the tag lists as well.
 *
 * @category table
 */
export const errorTable: { readonly [T in ErrorTag]: ErrorRow } = {
  // SNS (botocore sns/2010-03-31; docs/SEMANTICS.md §2 for the KMS-derived ones).
  InvalidParameter: sender("InvalidParameter", 400),
  ParameterValueInvalid: sender("ParameterValueInvalid", 400),
  NotFound: sender("NotFound", 404),
  AuthorizationError: sender("AuthorizationError", 403),
  InvalidSecurity: sender("InvalidSecurity", 403),
  KMSDisabled: sender("KMSDisabled", 400),
  KMSInvalidState: sender("KMSInvalidState", 400),
  KMSNotFound: sender("KMSNotFound", 400),
  KMSAccessDenied: sender("KMSAccessDenied", 400),
  KMSThrottling: sender("KMSThrottling", 400),
  KMSOptInRequired: sender("KMSOptInRequired", 403),
  TagLimitExceeded: sender("TagLimitExceeded", 400),
  TopicLimitExceeded: sender("TopicLimitExceeded", 403),
  SubscriptionLimitExceeded: sender("SubscriptionLimitExceeded", 403),
  FilterPolicyLimitExceeded: sender("FilterPolicyLimitExceeded", 403),
  ReplayLimitExceeded: sender("ReplayLimitExceeded", 403),
  ResourceNotFound: sender("ResourceNotFound", 404),
  BatchEntryIdsNotDistinct: sender("BatchEntryIdsNotDistinct", 400),
  BatchRequestTooLong: sender("BatchRequestTooLong", 400),
  EmptyBatchRequest: sender("EmptyBatchRequest", 400),
  InvalidBatchEntryId: sender("InvalidBatchEntryId", 400),
  TooManyEntriesInBatchRequest: sender("TooManyEntriesInBatchRequest", 400),
  EndpointDisabled: sender("EndpointDisabled", 400),
  VerificationException: sender("VerificationException", 400),
  // The store failed: SNS's InternalErrorException, code InternalError, 500.
  StoreFailure: receiver("InternalError", 500),

  // AWS Query protocol ("Common Errors"; ValidationError as SNS answers a missing member).
  ValidationError: sender("ValidationError", 400),
  InvalidAction: sender("InvalidAction", 400),
  MissingAction: sender("MissingAction", 400),
  InvalidParameterValue: sender("InvalidParameterValue", 400),
  // The Query "Common Errors" table gives MalformedQueryString 404, and so does this one.
  MalformedQueryString: sender("MalformedQueryString", 404),

  // Request authentication (AWS "Common Errors"; docs/SEMANTICS.md §6). AWS answers a SigV4 request
  // outside the 15-minute window 403 ("Signature expired"), and the current common-errors table
  // gives IncompleteSignature 403.
  MissingAuthenticationToken: sender("MissingAuthenticationToken", 403, "MissingAuthenticationTokenException"),
  IncompleteSignature: sender("IncompleteSignature", 403, "IncompleteSignatureException"),
  InvalidClientTokenId: sender("InvalidClientTokenId", 403, "UnrecognizedClientException"),
  SignatureDoesNotMatch: sender("SignatureDoesNotMatch", 403, "InvalidSignatureException"),
  RequestExpired: sender("RequestExpired", 403, "InvalidSignatureException"),

  // KMS (botocore kms/2014-11-01 codes; statuses as recorded from AWS, docs/SEMANTICS.md §5).
  NotFoundException: sender("NotFoundException", 400),
  DisabledException: sender("DisabledException", 400),
  KMSInvalidStateException: sender("KMSInvalidStateException", 400),
  InvalidKeyUsageException: sender("InvalidKeyUsageException", 400),
  IncorrectKeyException: sender("IncorrectKeyException", 400),
  InvalidCiphertextException: sender("InvalidCiphertextException", 400),
  AlreadyExistsException: sender("AlreadyExistsException", 400),
  ValidationException: sender("ValidationException", 400),
  NotAuthorizedException: sender("NotAuthorizedException", 400),
  AccessDeniedException: sender("AccessDeniedException", 400),
  LimitExceededException: sender("LimitExceededException", 400),
  UnsupportedOperationException: sender("UnsupportedOperationException", 400),
  MalformedPolicyDocumentException: sender("MalformedPolicyDocumentException", 400),
  TagException: sender("TagException", 400),
  InvalidMarkerException: sender("InvalidMarkerException", 400),
  InvalidGrantIdException: sender("InvalidGrantIdException", 400),
  InvalidGrantTokenException: sender("InvalidGrantTokenException", 400),
  KMSInvalidSignatureException: sender("KMSInvalidSignatureException", 400),
  KMSInvalidMacException: sender("KMSInvalidMacException", 400),
  CustomKeyStoreNotFoundException: sender("CustomKeyStoreNotFoundException", 400),
  // The model's httpStatusCode for DryRunOperationException: 412 Precondition Failed.
  DryRunOperationException: sender("DryRunOperationException", 412),
  KMSInternalException: receiver("KMSInternalException", 500),

  // AWS JSON 1.1 protocol.
  UnknownOperationException: sender("UnknownOperationException", 400),
  SerializationException: sender("SerializationException", 400),

  // HTTP layer ("Common Errors": RequestEntityTooLargeException 413, RequestAbortedException 400,
  // InternalFailure 500).
  RequestEntityTooLarge: sender("RequestEntityTooLarge", 413),
  RequestAborted: sender("RequestAborted", 400),
  UnknownPath: sender("NotFound", 404),
  InternalFailure: receiver("InternalFailure", 500),
  UnrepresentableCharacter: receiver("InternalFailure", 500),
  // KMS has no plain-HTTP endpoint, so AWS has no answer of its own for this. KMS's answer to a
  // request a policy denies, as the documented `"Bool": {"aws:SecureTransport": "false"}` Deny does,
  // is AccessDeniedException (400, as this table answers every KMS client error): a sender fault the
  // SDKs do not retry, which is what a request on the wrong listener is.
  KmsOverPlainHttp: sender("AccessDeniedException", 400),
  // S3's code for the same limit (S3 API reference, "Error responses": RequestHeaderSectionTooLarge,
  // 400), the one AWS documents; 431 (RFC 6585 §5) is not what AWS answers.
  RequestHeaderSectionTooLarge: sender("RequestHeaderSectionTooLarge", 400)
}


/**
 * The row for an error, with its message. A tag the table does not know (a defect, never a planned
 * failure) is an InternalFailure whose message says nothing of the server's internals.
 *
 * @category table
 */
export const describeError = (error: { readonly _tag: string; readonly message?: string }): ErrorRow & {
  readonly message: string
} => {
  const row = Object.hasOwn(errorTable, error._tag) ? errorTable[error._tag as ErrorTag] : undefined
  if (row === undefined) return { ...errorTable.InternalFailure, message: INTERNAL_FAILURE_MESSAGE }
  return { ...row, message: error.message ?? "" }
}

/**
 * SQS's own errors: the AWS Query code (`awsQueryError` of the SQS model, else the shape name), the
 * HTTP status, and in `jsonCode` the shape name the AWS JSON protocol writes in `__type`. SQS shares
 * some shape names with SNS (`BatchEntryIdsNotDistinct`, `InvalidParameterValue`, …) but not their
 * Query codes, so its errors have their own rows, read first for SQS answers (SQS API model,
 * `com.amazonaws.sqs`; SQS API Reference, "Common Errors").
 *
 * @category table
 */
export const sqsErrorTable: { readonly [T in (typeof QueueErrors.sqsErrorTags)[number]]: ErrorRow } = {
  InvalidParameterValue: sender("InvalidParameterValue", 400),
  MissingParameter: sender("MissingParameter", 400),
  InvalidAttributeName: sender("InvalidAttributeName", 400),
  InvalidAttributeValue: sender("InvalidAttributeValue", 400),
  QueueDoesNotExist: sender("AWS.SimpleQueueService.NonExistentQueue", 400, "QueueDoesNotExist"),
  QueueNameExists: sender("QueueAlreadyExists", 400, "QueueNameExists"),
  QueueDeletedRecently: sender("AWS.SimpleQueueService.QueueDeletedRecently", 400, "QueueDeletedRecently"),
  PurgeQueueInProgress: sender("AWS.SimpleQueueService.PurgeQueueInProgress", 403, "PurgeQueueInProgress"),
  ReceiptHandleIsInvalid: sender("ReceiptHandleIsInvalid", 404),
  InvalidMessageContents: sender("InvalidMessageContents", 400),
  EmptyBatchRequest: sender("AWS.SimpleQueueService.EmptyBatchRequest", 400, "EmptyBatchRequest"),
  TooManyEntriesInBatchRequest: sender("AWS.SimpleQueueService.TooManyEntriesInBatchRequest", 400, "TooManyEntriesInBatchRequest"),
  BatchEntryIdsNotDistinct: sender("AWS.SimpleQueueService.BatchEntryIdsNotDistinct", 400, "BatchEntryIdsNotDistinct"),
  InvalidBatchEntryId: sender("AWS.SimpleQueueService.InvalidBatchEntryId", 400, "InvalidBatchEntryId"),
  BatchRequestTooLong: sender("AWS.SimpleQueueService.BatchRequestTooLong", 400, "BatchRequestTooLong"),
  AccessDenied: sender("AccessDenied", 403),
  OverLimit: sender("OverLimit", 403),
  ResourceNotFoundException: sender("ResourceNotFoundException", 404),
  // The KMS errors of an encrypted queue (the SQS model's awsQueryError codes; docs/SEMANTICS.md §8).
  KmsDisabled: sender("KMS.DisabledException", 400, "KmsDisabled"),
  KmsInvalidState: sender("KMS.InvalidStateException", 400, "KmsInvalidState"),
  KmsNotFound: sender("KMS.NotFoundException", 400, "KmsNotFound"),
  KmsAccessDenied: sender("KMS.AccessDeniedException", 400, "KmsAccessDenied"),
  KmsInvalidKeyUsage: sender("KMS.InvalidKeyUsageException", 400, "KmsInvalidKeyUsage"),
  KmsThrottled: sender("KMS.ThrottlingException", 400, "KmsThrottled"),
  KmsOptInRequired: sender("KMS.OptInRequired", 403, "KmsOptInRequired")
}

/**
 * Whether a tag is one of SQS's own errors (namespaced in JSON answers).
 *
 * @category table
 */
export const isSqsErrorTag = (tag: string): tag is keyof typeof sqsErrorTable => Object.hasOwn(sqsErrorTable, tag)

/**
 * The row for an error in an SQS answer: SQS's own row, else the common one (authentication, the
 * protocol, the store).
 *
 * @category table
 */
export const describeSqsError = (error: { readonly _tag: string; readonly message?: string }): ErrorRow & { readonly message: string } =>
  isSqsErrorTag(error._tag) ? { ...sqsErrorTable[error._tag], message: error.message ?? "" } : describeError(error)
