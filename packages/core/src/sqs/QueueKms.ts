/**
 * The KMS as SQS sees it: two ports of the core's `KmsPort` shape, failing with SQS's `Kms*` errors.
 *
 * `customer` serves SSE-KMS, under the key a queue names in KmsMasterKeyId, on the sender's (and at
 * receive, the receiver's) behalf. `owned` serves SSE-SQS, under a key the service owns and the
 * account never sees (SQS Developer Guide, "Encryption at rest in Amazon SQS": SSE-SQS uses "SQS-owned
 * encryption keys"); its callers' rights are not asked. The shell provides both (the broker adapts
 * `@sealcast/kms-sim`); mapping a KMS error code to SQS's is `failureFor` (docs/SEMANTICS.md §8).
 *
 * @since 0.1.0
 */
import { Context } from "effect"
import type { KmsPort } from "../Kms.js"
import {
  KmsAccessDenied,
  KmsDisabled,
  KmsInvalidKeyUsage,
  KmsInvalidState,
  KmsNotFound,
  KmsThrottled,
  type QueueKmsFailure
} from "./QueueErrors.js"

/**
 * The key id SSE-SQS asks the `owned` port for: the port resolves it to the key the service owns.
 *
 * @category constants
 */
export const OWNED_KEY_ID = "sqs-owned"

/**
 * The alias of the AWS managed key for SQS, made in an account on first use. Its policy lets only the
 * account's principals use it, through SQS, and cannot be changed, so SNS cannot write into a queue
 * under it (SQS Developer Guide, "Key management").
 *
 * @category constants
 */
export const MANAGED_ALIAS = "alias/aws/sqs"

/**
 * @category models
 */
export interface QueueKmsService {
  readonly customer: KmsPort<QueueKmsFailure>
  readonly owned: KmsPort<QueueKmsFailure>
}

/**
 * @category services
 */
export class QueueKms extends Context.Tag("@sealcast/core/QueueKms")<QueueKms, QueueKmsService>() {}

/**
 * The SQS error for a KMS error code: each KMS failure SQS names has its own error (SQS API
 * Reference, SendMessage "Errors"); a ciphertext that does not open or an internal failure is
 * KmsInvalidState, as for SNS (docs/SEMANTICS.md §2 and §8). The simulated KMS serves one Region
 * with no opt-in, so nothing becomes KmsOptInRequired.
 *
 * @category rules
 */
export const failureFor = (kmsErrorCode: string, message: string): QueueKmsFailure => {
  switch (kmsErrorCode) {
    case "DisabledException":
      return new KmsDisabled({ message })
    case "NotFoundException":
      return new KmsNotFound({ message })
    case "AccessDeniedException":
      return new KmsAccessDenied({ message })
    case "InvalidKeyUsageException":
      return new KmsInvalidKeyUsage({ message })
    case "LimitExceededException":
      return new KmsThrottled({ message })
    default:
      return new KmsInvalidState({ message })
  }
}
