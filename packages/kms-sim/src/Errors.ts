/**
 * Every error the simulated KMS can raise, one `Data.TaggedError` per AWS error code.
 *
 * The tag is KMS's wire `__type` (botocore `kms/2014-11-01` model), so the transport's one error
 * table reads like AWS's documentation. No HTTP status lives here.
 *
 * Texts follow real KMS where known (docs/SEMANTICS.md §5); the constructors below keep them in one place.
 *
 * @since 0.1.0
 */
import { Data } from "effect"

/** @category errors */
export class NotFoundException extends Data.TaggedError("NotFoundException")<{ readonly message: string }> {}

/** @category errors */
export class DisabledException extends Data.TaggedError("DisabledException")<{ readonly message: string }> {}

/** @category errors */
export class KMSInvalidStateException extends Data.TaggedError("KMSInvalidStateException")<{
  readonly message: string
}> {}

/** @category errors */
export class InvalidKeyUsageException extends Data.TaggedError("InvalidKeyUsageException")<{
  readonly message: string
}> {}

/** @category errors */
export class IncorrectKeyException extends Data.TaggedError("IncorrectKeyException")<{ readonly message: string }> {}

/** @category errors */
export class InvalidCiphertextException extends Data.TaggedError("InvalidCiphertextException")<{
  readonly message: string
}> {}

/** @category errors */
export class AlreadyExistsException extends Data.TaggedError("AlreadyExistsException")<{ readonly message: string }> {}

/** @category errors */
export class ValidationException extends Data.TaggedError("ValidationException")<{ readonly message: string }> {}

/** @category errors */
export class NotAuthorizedException extends Data.TaggedError("NotAuthorizedException")<{ readonly message: string }> {}

/** @category errors */
export class AccessDeniedException extends Data.TaggedError("AccessDeniedException")<{ readonly message: string }> {}

/** @category errors */
export class LimitExceededException extends Data.TaggedError("LimitExceededException")<{ readonly message: string }> {}

/** The operation does not apply to this kind of key (e.g. rotating an asymmetric key). @category errors */
export class UnsupportedOperationException extends Data.TaggedError("UnsupportedOperationException")<{
  readonly message: string
}> {}

/** @category errors */
export class MalformedPolicyDocumentException extends Data.TaggedError("MalformedPolicyDocumentException")<{
  readonly message: string
}> {}

/** @category errors */
export class TagException extends Data.TaggedError("TagException")<{ readonly message: string }> {}

/** A Marker that this service did not hand out. @category errors */
export class InvalidMarkerException extends Data.TaggedError("InvalidMarkerException")<{ readonly message: string }> {}

/** Every check passed, but the request asked for a dry run (the `DryRun` parameter). @category errors */
export class DryRunOperationException extends Data.TaggedError("DryRunOperationException")<{
  readonly message: string
}> {}

/** A GrantId that names no grant of the key (RetireGrant, RevokeGrant). @category errors */
export class InvalidGrantIdException extends Data.TaggedError("InvalidGrantIdException")<{ readonly message: string }> {}

/** A grant token KMS did not issue, or whose grant is gone (RetireGrant). @category errors */
export class InvalidGrantTokenException extends Data.TaggedError("InvalidGrantTokenException")<{ readonly message: string }> {}

/** A signature that does not verify under the key and algorithm (Verify API). @category errors */
export class KMSInvalidSignatureException extends Data.TaggedError("KMSInvalidSignatureException")<{
  readonly message: string
}> {}

/** A MAC that does not verify under the key and algorithm (VerifyMac API). @category errors */
export class KMSInvalidMacException extends Data.TaggedError("KMSInvalidMacException")<{ readonly message: string }> {}

/** A `CustomKeyStoreId` that names no custom key store: there are none here. @category errors */
export class CustomKeyStoreNotFoundException extends Data.TaggedError("CustomKeyStoreNotFoundException")<{
  readonly message: string
}> {}

/** The key store failed; the request's change did not happen. @category errors */
export class KMSInternalException extends Data.TaggedError("KMSInternalException")<{ readonly message: string }> {}

/**
 * Every error the simulated KMS can raise.
 *
 * @category errors
 */
export type KmsError =
  | NotFoundException
  | DisabledException
  | KMSInvalidStateException
  | InvalidKeyUsageException
  | IncorrectKeyException
  | InvalidCiphertextException
  | AlreadyExistsException
  | ValidationException
  | NotAuthorizedException
  | AccessDeniedException
  | LimitExceededException
  | UnsupportedOperationException
  | MalformedPolicyDocumentException
  | TagException
  | InvalidMarkerException
  | DryRunOperationException
  | InvalidGrantIdException
  | InvalidGrantTokenException
  | KMSInvalidSignatureException
  | KMSInvalidMacException
  | CustomKeyStoreNotFoundException
  | KMSInternalException

/**
 * Every tag above, so the transport can prove its table has a row for each.
 *
 * @category errors
 */
export const kmsErrorTags = [
  "NotFoundException",
  "DisabledException",
  "KMSInvalidStateException",
  "InvalidKeyUsageException",
  "IncorrectKeyException",
  "InvalidCiphertextException",
  "AlreadyExistsException",
  "ValidationException",
  "NotAuthorizedException",
  "AccessDeniedException",
  "LimitExceededException",
  "UnsupportedOperationException",
  "MalformedPolicyDocumentException",
  "TagException",
  "InvalidMarkerException",
  "DryRunOperationException",
  "InvalidGrantIdException",
  "InvalidGrantTokenException",
  "KMSInvalidSignatureException",
  "KMSInvalidMacException",
  "CustomKeyStoreNotFoundException",
  "KMSInternalException"
] as const satisfies ReadonlyArray<KmsError["_tag"]>

/** "Key '<arn>' does not exist" (docs/SEMANTICS.md §5). @category constructors */
export const keyNotFound = (keyArn: string): NotFoundException =>
  new NotFoundException({ message: `Key '${keyArn}' does not exist` })

/** "Alias <alias ARN> is not found." as KMS answers for an unknown alias. @category constructors */
export const aliasNotFound = (aliasArn: string): NotFoundException =>
  new NotFoundException({ message: `Alias ${aliasArn} is not found.` })

/** "Invalid keyId '<x>'" for an identifier that is no id, ARN or alias (docs/SEMANTICS.md §5). @category constructors */
export const invalidKeyId = (keyId: string): NotFoundException =>
  new NotFoundException({ message: `Invalid keyId '${keyId}'` })

/** "<key ARN> is disabled." (docs/SEMANTICS.md §5). @category constructors */
export const disabled = (keyArn: string): DisabledException => new DisabledException({ message: `${keyArn} is disabled.` })

/** "<key ARN> is pending deletion." (docs/SEMANTICS.md §5). @category constructors */
export const pendingDeletion = (keyArn: string): KMSInvalidStateException =>
  new KMSInvalidStateException({ message: `${keyArn} is pending deletion.` })

/** What CancelKeyDeletion says of a key that is not scheduled for deletion. @category constructors */
export const notPendingDeletion = (keyArn: string): KMSInvalidStateException =>
  new KMSInvalidStateException({ message: `${keyArn} is not pending deletion.` })

/** "<arn> key usage is SIGN_VERIFY which is not valid for Encrypt." (docs/SEMANTICS.md §5). @category constructors */
export const invalidKeyUsage = (keyArn: string, keyUsage: string, operation: string): InvalidKeyUsageException =>
  new InvalidKeyUsageException({ message: `${keyArn} key usage is ${keyUsage} which is not valid for ${operation}.` })

/**
 * "Algorithm SYMMETRIC_DEFAULT is incompatible with key spec RSA_4096.": KMS's answer when an
 * encryption, signing or MAC algorithm does not fit the key.
 *
 * @category constructors
 */
export const incompatibleAlgorithm = (algorithm: string, keySpec: string): InvalidKeyUsageException =>
  new InvalidKeyUsageException({ message: `Algorithm ${algorithm} is incompatible with key spec ${keySpec}.` })

/** KMS's text when a ciphertext was made under a different key than the KeyId given. @category constructors */
export const incorrectKey = (): IncorrectKeyException =>
  new IncorrectKeyException({
    message: "The key ID in the request does not identify a CMK that can perform this operation."
  })

/**
 * KMS answers a bad ciphertext, a wrong encryption context or a changed byte with an empty message
 * (docs/SEMANTICS.md §5): it never says which, so an attacker learns nothing from the text.
 *
 * @category constructors
 */
export const invalidCiphertext = (): InvalidCiphertextException => new InvalidCiphertextException({ message: "" })

/** "An alias with the name <alias ARN> already exists". @category constructors */
export const aliasExists = (aliasArn: string): AlreadyExistsException =>
  new AlreadyExistsException({ message: `An alias with the name ${aliasArn} already exists` })

/**
 * AWS's IAM-style refusal text: "User: <principal> is not authorized to perform: kms:<Op> on resource:
 * <arn> because no resource-based policy allows the kms:<Op> action".
 *
 * @category constructors
 */
export const accessDenied = (principalArn: string, action: string, resourceArn: string, explicit: boolean): AccessDeniedException =>
  new AccessDeniedException({
    message: `User: ${principalArn} is not authorized to perform: ${action} on resource: ${resourceArn} ${
      explicit ? `with an explicit deny in a resource-based policy` : `because no resource-based policy allows the ${action} action`
    }`
  })

/**
 * One ValidationException carrying every violation, in AWS's JSON-protocol wording:
 * "2 validation errors detected: Value at 'a' …; Value at 'b' …".
 *
 * @category constructors
 */
export const validation = (violations: ReadonlyArray<string>): ValidationException =>
  new ValidationException({
    message: `${violations.length} validation error${violations.length === 1 ? "" : "s"} detected: ${violations.join("; ")}`
  })
