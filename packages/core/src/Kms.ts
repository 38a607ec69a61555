/**
 * The KMS as SNS sees it: the port through which the core asks for data keys and opens them.
 *
 * The shell provides it (the broker adapts `@sealcast/kms-sim`); the core only knows these three
 * calls and the SNS-side errors they may fail with (docs/SEMANTICS.md §2). Mapping a KMS error
 * (`DisabledException`, …) to the SNS one (`KMSDisabled`, …) is the adapter's job, by `failureFor`.
 *
 * @since 0.1.0
 */
import { Context, type Effect } from "effect"
import { KMSAccessDenied, KMSDisabled, type KmsFailure, KMSInvalidState, KMSNotFound, KMSThrottling } from "./Errors.js"
import type { EncryptionContext } from "./EncryptionContext.js"

/**
 * Who is asking KMS: the publishing principal, on whose behalf SNS calls KMS (docs/SEMANTICS.md §1.10).
 * The same type is the simulated KMS's caller, where `viaService: "sns"` marks a call a service makes
 * on the principal's behalf, which the `kms:ViaService` condition key sees (KMS Developer Guide,
 * "kms:ViaService"). The core leaves it out; the adapter to the KMS sets it.
 *
 * @category models
 */
export interface KmsCaller {
  readonly accountId: string
  readonly principalArn: string
  readonly viaService?: "sns" | "sqs"
  /**
   * Set when an AWS service calls for itself rather than for a principal: SNS writing into an
   * encrypted queue calls KMS as `sns.amazonaws.com` (SQS Developer Guide, "Key management": the key
   * policy must allow that service principal). Policies then see `Principal: {"Service": …}` and the
   * `aws:SourceArn` / `aws:SourceAccount` keys of the resource it acts for; `accountId` stays the
   * account whose key names are resolved.
   */
  readonly service?: { readonly principal: string; readonly sourceArn: string; readonly sourceAccount: string }
}

/**
 * A fresh data key: the plaintext to seal with (kept in memory only) and its KMS-encrypted form to
 * store beside the message.
 *
 * @category models
 */
export interface DataKey {
  readonly keyArn: string
  readonly plaintext: Uint8Array
  readonly ciphertextBlob: Uint8Array
}

/**
 * The three calls, failing with `E`: the errors of the service on whose behalf the KMS is asked
 * (SNS's `KMS*` errors here, SQS's `Kms*` errors in `sqs/QueueKms.ts`).
 *
 * @category models
 */
export interface KmsPort<E> {
  /**
   * Resolves `keyId` (id, ARN, alias name or alias ARN, resolved in `caller`'s account) and checks,
   * without counting a KMS request, that it can protect a topic or queue now: it exists, is enabled, is a
   * symmetric ENCRYPT_DECRYPT key and `caller` may use it for GenerateDataKey under `context` (a
   * grant may be constrained to it). docs/SEMANTICS.md §1.7: checked on every Publish, even while a
   * cached data key is fresh. `alias/aws/sns` and `alias/aws/sqs` are created on first use.
   */
  readonly checkKeyForUse: (
    keyId: string,
    caller: KmsCaller,
    context: EncryptionContext
  ) => Effect.Effect<{ readonly keyArn: string }, E>
  /**
   * `checkKeyForUse` at once, at `now`, where the KMS can answer without waiting: the key's ARN when
   * the check passes as a plain read, else undefined (refused, or it needs a transaction), and only
   * `checkKeyForUse` answers. Publish's path without a fiber (docs/PERFORMANCE.md) needs it.
   */
  readonly checkKeyForUseNow?: (
    keyId: string,
    caller: KmsCaller,
    context: EncryptionContext,
    now: number
  ) => { readonly keyArn: string } | undefined
  /** GenerateDataKey with KeySpec AES_256 under `context`. */
  readonly generateDataKey: (
    keyId: string,
    context: EncryptionContext,
    caller: KmsCaller
  ) => Effect.Effect<DataKey, E>
  /** Decrypt of a data key's CiphertextBlob under `context`. */
  readonly decrypt: (
    ciphertextBlob: Uint8Array,
    context: EncryptionContext,
    caller: KmsCaller
  ) => Effect.Effect<{ readonly keyArn: string; readonly plaintext: Uint8Array }, E>
}

/**
 * The KMS as SNS sees it.
 *
 * @category models
 */
export type KmsService = KmsPort<KmsFailure>

/**
 * @category services
 */
export class Kms extends Context.Tag("@sealcast/core/Kms")<Kms, KmsService>() {}

/**
 * The SNS error for a KMS error code (docs/SEMANTICS.md §2). KMS errors SNS has no name for become
 * `KMSInvalidState`, "the state of the specified resource isn't valid for this request": a key whose
 * usage or spec is not symmetric encryption (KMS's `InvalidKeyUsageException`), a pending deletion
 * (`KMSInvalidStateException`), a ciphertext that does not open, an internal failure. Publish and
 * PublishBatch declare only KMSDisabled, KMSInvalidState, KMSNotFound, KMSOptInRequired,
 * KMSThrottling and KMSAccessDenied among KMS errors (botocore `sns/2010-03-31` service model, the
 * operations' `errors`), so an SDK has no class for any other.
 *
 * @category rules
 */
export const failureFor = (kmsErrorCode: string, message: string): KmsFailure => {
  switch (kmsErrorCode) {
    case "DisabledException":
      return new KMSDisabled({ message })
    case "NotFoundException":
      return new KMSNotFound({ message })
    case "AccessDeniedException":
      return new KMSAccessDenied({ message })
    case "LimitExceededException":
      return new KMSThrottling({ message })
    default:
      return new KMSInvalidState({ message })
  }
}
