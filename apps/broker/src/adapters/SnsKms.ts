/**
 * The bridge from the SNS core's `Kms` port to the simulated KMS: the broker's adapter between the two.
 *
 * Calls go through with `viaService: "sns"`, so key policies that say `kms:ViaService:
 * sns.<region>.amazonaws.com` (as `alias/aws/sns`'s does) see SNS as the caller's intermediary. KMS
 * errors become SNS's `KMS*` errors, their text wrapped the way SNS wraps them (docs/SEMANTICS.md §2):
 * "<KMS message> (Service: AWSKMS; Status Code: 400; Error Code: <code>; Request ID: <id>)".
 *
 * @since 0.1.0
 */
import * as CoreErrors from "@sealcast/core/Errors"
import { failureFor, Kms, type KmsCaller } from "@sealcast/core/Kms"
import { Effect, Layer } from "effect"
import type { KmsError } from "@sealcast/kms-sim/Errors"
import { KmsSim } from "@sealcast/kms-sim/KmsSim"

/** Every KMS error docs/SEMANTICS.md §5 records answers with HTTP 400; SNS quotes that status. */
const KMS_STATUS = 400

/**
 * A KMS error's text as the AWS services that call KMS quote it (SNS and SQS alike); it still names
 * the KMS error code.
 *
 * @category utils
 */
export const wrappedText = (error: KmsError, requestId: string): string =>
  `${error.message} (Service: AWSKMS; Status Code: ${KMS_STATUS}; Error Code: ${error._tag}; Request ID: ${requestId})`

/**
 * The SNS error for a KMS error (docs/SEMANTICS.md §2, the core's `Kms.failureFor`), its text
 * wrapped as SNS wraps it.
 *
 * @category utils
 */
export const toSnsError = (error: KmsError, requestId: string): CoreErrors.KmsFailure => failureFor(error._tag, wrappedText(error, requestId))

const viaSns = (caller: KmsCaller): KmsCaller => ({
  accountId: caller.accountId,
  principalArn: caller.principalArn,
  viaService: "sns"
})

/**
 * The core's `Kms` port on top of `KmsSim`.
 *
 * @category layers
 */
export const layer: Layer.Layer<Kms, never, KmsSim> = Layer.effect(
  Kms,
  Effect.gen(function* () {
    const sim = yield* KmsSim
    const mapErrors = <A>(effect: Effect.Effect<A, KmsError>) =>
      Effect.catchAll(effect, (error) => Effect.flatMap(sim.requestId, (id) => Effect.fail(toSnsError(error, id))))
    return {
      checkKeyForUse: (keyId, caller, context) => mapErrors(sim.checkKeyForUse(keyId, viaSns(caller), context)),
      checkKeyForUseNow: (keyId, caller, context, now) => sim.checkKeyForUseNow(keyId, viaSns(caller), context, now),
      generateDataKey: (keyId, context, caller) =>
        mapErrors(
          Effect.map(
            sim.generateDataKey({ KeyId: keyId, KeySpec: "AES_256", EncryptionContext: context }, viaSns(caller)),
            (r) => ({ keyArn: r.KeyId, plaintext: r.Plaintext, ciphertextBlob: r.CiphertextBlob })
          )
        ),
      decrypt: (ciphertextBlob, context, caller) =>
        mapErrors(
          Effect.map(sim.decrypt({ CiphertextBlob: ciphertextBlob, EncryptionContext: context }, viaSns(caller)), (r) => ({
            keyArn: r.KeyId,
            plaintext: r.Plaintext
          }))
        )
    }
  })
)
