/**
 * A small, honest KMS for the core's own tests: real AES-256-GCM wrapping of data keys under per-key
 * material, key states, and a log of every data key it made. The full simulation is @sealcast/kms-sim;
 * this one exists so the core's tests need nothing outside the core.
 */
import { Effect, Either, Layer } from "effect"
import * as Cipher from "../../src/Cipher.js"
import * as EncryptionContext from "../../src/EncryptionContext.js"
import { KMSDisabled, KMSInvalidState, type KmsFailure, KMSNotFound } from "../../src/Errors.js"
import { Kms, type KmsPort, type KmsService } from "../../src/Kms.js"
import type { QueueKmsFailure } from "../../src/sqs/QueueErrors.js"
import * as QueueKms from "../../src/sqs/QueueKms.js"

export type KeyState = "Enabled" | "Disabled" | "PendingDeletion"

interface Key {
  readonly arn: string
  state: KeyState
  readonly material: Uint8Array
}

export interface IssuedDataKey {
  readonly keyArn: string
  readonly topicArn: string | undefined
  readonly queueArn: string | undefined
  readonly principalArn: string
  readonly issuedAt: number
  readonly ciphertextBlob: Uint8Array
}

export interface TestKms extends KmsService {
  readonly createKey: (alias: string, material: Uint8Array) => string
  readonly setState: (alias: string, state: KeyState) => void
  readonly issued: Array<IssuedDataKey>
  readonly decrypts: { count: number }
}

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("")

/** `now` is read when a data key is issued, so tests can check each key's age at use. */
export const makeTestKms = (region: string, accountId: string, now: () => number, random: (n: number) => Uint8Array): TestKms => {
  const cipher = Cipher.makeNoble()
  const keys = new Map<string, Key>()
  const issued: Array<IssuedDataKey> = []
  const decrypts = { count: 0 }

  const resolve = (keyId: string): Either.Either<Key, KMSNotFound | KMSDisabled | KMSInvalidState> => {
    const key = keys.get(keyId)
    if (key === undefined) return Either.left(new KMSNotFound({ message: `Key '${keyId}' does not exist` }))
    if (key.state === "Disabled") return Either.left(new KMSDisabled({ message: `${key.arn} is disabled.` }))
    if (key.state === "PendingDeletion") return Either.left(new KMSInvalidState({ message: `${key.arn} is pending deletion.` }))
    return Either.right(key)
  }

  return {
    issued,
    decrypts,
    createKey: (alias, material) => {
      const arn = `arn:aws:kms:${region}:${accountId}:key/${hex(material.slice(0, 8))}`
      const key = { arn, state: "Enabled" as KeyState, material }
      keys.set(alias, key)
      keys.set(arn, key)
      return arn
    },
    setState: (alias, state) => {
      keys.get(alias)!.state = state
    },
    checkKeyForUse: (keyId) => Either.map(resolve(keyId), (k) => ({ keyArn: k.arn })),
    checkKeyForUseNow: (keyId) => Either.getOrUndefined(Either.map(resolve(keyId), (k) => ({ keyArn: k.arn }))),
    generateDataKey: (keyId, context, caller) =>
      Either.map(resolve(keyId), (key) => {
        const plaintext = random(32)
        const nonce = random(12)
        const sealed = cipher.seal(key.material, nonce, EncryptionContext.canonicalize(context), plaintext)
        const arnBytes = new TextEncoder().encode(key.arn)
        const ciphertextBlob = new Uint8Array([arnBytes.length, ...arnBytes, ...nonce, ...sealed])
        issued.push({ keyArn: key.arn, topicArn: context["aws:sns:topicArn"], queueArn: context["aws:sqs:arn"], principalArn: caller.principalArn, issuedAt: now(), ciphertextBlob })
        return { keyArn: key.arn, plaintext, ciphertextBlob }
      }),
    decrypt: (blob, context) =>
      Effect.gen(function* () {
        decrypts.count++
        const arn = new TextDecoder().decode(blob.slice(1, 1 + blob[0]!))
        const key = yield* resolve(arn)
        const at = 1 + blob[0]!
        const plaintext = yield* cipher
          .open(key.material, blob.slice(at, at + 12), EncryptionContext.canonicalize(context), blob.slice(at + 12))
          .pipe(Effect.mapError(() => new KMSInvalidState({ message: "InvalidCiphertextException" })))
        return { keyArn: key.arn, plaintext }
      })
  }
}

export const layer = (kms: TestKms) => Layer.succeed(Kms, kms)

/** The KMS error code each of this KMS's failures stands for, so a queue port maps it as SQS does. */
const kmsCodeOf: Readonly<Record<KmsFailure["_tag"], string>> = {
  KMSDisabled: "DisabledException",
  KMSNotFound: "NotFoundException",
  KMSInvalidState: "KMSInvalidStateException",
  KMSAccessDenied: "AccessDeniedException",
  KMSThrottling: "LimitExceededException",
  KMSOptInRequired: "KMSOptInRequired"
}

/** The same KMS as SQS sees it, its failures mapped by `QueueKms.failureFor`. */
export const asQueuePort = (kms: TestKms): KmsPort<QueueKmsFailure> => {
  const mapped = <A>(effect: Effect.Effect<A, KmsFailure>) =>
    Effect.mapError(effect, (e) => QueueKms.failureFor(kmsCodeOf[e._tag], e.message))
  return {
    checkKeyForUse: (keyId, caller, context) => mapped(kms.checkKeyForUse(keyId, caller, context)),
    checkKeyForUseNow: (keyId, caller, context, now) => kms.checkKeyForUseNow?.(keyId, caller, context, now),
    generateDataKey: (keyId, context, caller) => mapped(kms.generateDataKey(keyId, context, caller)),
    decrypt: (blob, context, caller) => mapped(kms.decrypt(blob, context, caller))
  }
}

/** SQS's two ports on test KMSes: `owned` must hold a key under `QueueKms.OWNED_KEY_ID`. */
export const queueLayer = (customer: TestKms, owned: TestKms) =>
  Layer.succeed(QueueKms.QueueKms, { customer: asQueuePort(customer), owned: asQueuePort(owned) })
