/**
 * The bridge from the SQS core's `QueueKms` ports to the simulated KMS (docs/SEMANTICS.md §8).
 *
 * `customer` (SSE-KMS) calls go through with `viaService: "sqs"` on the sender's or receiver's behalf,
 * so key policies that say `kms:ViaService: sqs.<region>.amazonaws.com` (as `alias/aws/sqs`'s does)
 * see SQS as the intermediary, and `alias/aws/sqs` is made on first use. `owned` (SSE-SQS) calls use
 * the service's own key: a KMS key of the simulated KMS in the service's account
 * (`SQS_OWNER_ACCOUNT`), made on first use under the alias `SQS_OWNED_ALIAS`, which no customer
 * account lists or may use. KMS errors become SQS's `Kms*` errors (the core's `QueueKms.failureFor`),
 * their text wrapped as for SNS.
 *
 * @since 0.1.0
 */
import type { KmsCaller, KmsPort } from "@sealcast/core/Kms"
import type { QueueKmsFailure } from "@sealcast/core/sqs/QueueErrors"
import { failureFor, QueueKms } from "@sealcast/core/sqs/QueueKms"
import type { KmsError } from "@sealcast/kms-sim/Errors"
import { KmsSim, type KmsSimService } from "@sealcast/kms-sim/KmsSim"
import { Effect, Layer } from "effect"
import { wrappedText } from "./SnsKms.js"

/**
 * The account that owns the SSE-SQS key, reserved for it (docs/SEMANTICS.md §8): no credentials of the
 * broker should name it.
 *
 * @category constants
 */
export const SQS_OWNER_ACCOUNT = "999999999999"

/**
 * The alias of the SSE-SQS key in `SQS_OWNER_ACCOUNT`.
 *
 * @category constants
 */
export const SQS_OWNED_ALIAS = "alias/sealcast/sqs-owned"

const owner: KmsCaller = { accountId: SQS_OWNER_ACCOUNT, principalArn: `arn:aws:iam::${SQS_OWNER_ACCOUNT}:root` }

const viaSqs = (caller: KmsCaller): KmsCaller => ({ ...caller, viaService: "sqs" })

/**
 * The SQS error for a KMS error, its text wrapped.
 *
 * @category utils
 */
export const toSqsError = (error: KmsError, requestId: string): QueueKmsFailure => failureFor(error._tag, wrappedText(error, requestId))

/**
 * One port: `keyOf` names the key a queue's key id stands for, and `keyOfNow` the same at once, or
 * undefined when it is not known yet (then only `checkKeyForUse` answers).
 */
const portOn = (
  sim: KmsSimService,
  keyOf: (keyId: string) => Effect.Effect<string, KmsError>,
  keyOfNow: (keyId: string) => string | undefined,
  as: (caller: KmsCaller) => KmsCaller
): KmsPort<QueueKmsFailure> => {
  const mapErrors = <A>(effect: Effect.Effect<A, KmsError>) =>
    Effect.catchAll(effect, (error) => Effect.flatMap(sim.requestId, (id) => Effect.fail(toSqsError(error, id))))
  return {
    checkKeyForUse: (keyId, caller, context) => mapErrors(Effect.flatMap(keyOf(keyId), (key) => sim.checkKeyForUse(key, as(caller), context))),
    // SendMessage's path without a fiber (docs/PERFORMANCE.md, "SendMessage without a fiber").
    checkKeyForUseNow: (keyId, caller, context, now) => {
      const key = keyOfNow(keyId)
      return key === undefined ? undefined : sim.checkKeyForUseNow(key, as(caller), context, now)
    },
    generateDataKey: (keyId, context, caller) =>
      mapErrors(
        Effect.flatMap(keyOf(keyId), (key) =>
          Effect.map(sim.generateDataKey({ KeyId: key, KeySpec: "AES_256", EncryptionContext: context }, as(caller)), (r) => ({
            keyArn: r.KeyId,
            plaintext: r.Plaintext,
            ciphertextBlob: r.CiphertextBlob
          }))
        )
      ),
    decrypt: (ciphertextBlob, context, caller) =>
      mapErrors(
        Effect.map(sim.decrypt({ CiphertextBlob: ciphertextBlob, EncryptionContext: context }, as(caller)), (r) => ({
          keyArn: r.KeyId,
          plaintext: r.Plaintext
        }))
      )
  }
}

/**
 * The core's `QueueKms` ports on top of `KmsSim`.
 *
 * @category layers
 */
export const layer: Layer.Layer<QueueKms, never, KmsSim> = Layer.effect(
  QueueKms,
  Effect.gen(function* () {
    const sim = yield* KmsSim
    const lock = yield* Effect.makeSemaphore(1)
    let ownedKeyArn: string | undefined
    // The SSE-SQS key: found by its alias (it outlives a restart in the data dir), else made once.
    const ownedKey = lock.withPermits(1)(
      Effect.suspend(() => {
        if (ownedKeyArn !== undefined) return Effect.succeed(ownedKeyArn)
        const found = Effect.map(sim.describeKey({ KeyId: SQS_OWNED_ALIAS }, owner), (r) => r.KeyMetadata.Arn)
        const made = Effect.flatMap(
          sim.createKey({ Description: "The key SQS owns for SSE-SQS queues" }, owner),
          (r) => Effect.as(sim.createAlias({ AliasName: SQS_OWNED_ALIAS, TargetKeyId: r.KeyMetadata.KeyId }, owner), r.KeyMetadata.Arn)
        )
        return Effect.tap(Effect.catchTag(found, "NotFoundException", () => made), (arn) =>
          Effect.sync(() => {
            ownedKeyArn = arn
          })
        )
      })
    )
    return {
      customer: portOn(sim, Effect.succeed, (keyId) => keyId, viaSqs),
      owned: portOn(sim, () => ownedKey, () => ownedKeyArn, () => owner)
    }
  })
)
