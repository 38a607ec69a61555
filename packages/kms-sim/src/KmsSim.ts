/**
 * The simulated KMS service: one method per KMS operation, each `(request, caller) => Effect`.
 *
 * A thin effectful shell: every decision (state machine, identifiers, policy, blob format) is a pure
 * function in its own module. The shell is split by concern under `internal/`: transactions over the
 * key store (`Transactions.ts`: requests run one at a time, every change written through before it is
 * published), authorization (`Authorization.ts`: key policy and grants), key material
 * (`KeyMaterial.ts`: generated, sealed and opened under the root key), finding the key a request
 * names (`KeyAccess.ts`), and the operations by group (`operations/`). This module composes them.
 *
 * @since 0.1.0
 */
import { Cipher } from "@sealcast/core/Cipher"
import type { EncryptionContext } from "@sealcast/core/EncryptionContext"
import { Ids } from "@sealcast/core/Ids"
import type { KmsCaller } from "@sealcast/core/Kms"
import { Context, Effect, Layer } from "effect"
import type * as Errors from "./Errors.js"
import { makeAuthorization } from "./internal/Authorization.js"
import { makeKeyAccess } from "./internal/KeyAccess.js"
import { makeKeyMaterial } from "./internal/KeyMaterial.js"
import * as Aliases from "./internal/operations/Aliases.js"
import * as Cryptography from "./internal/operations/Cryptography.js"
import * as DataKeyPairs from "./internal/operations/DataKeyPairs.js"
import * as Grants from "./internal/operations/Grants.js"
import * as KeyLifecycle from "./internal/operations/KeyLifecycle.js"
import * as MultiRegion from "./internal/operations/MultiRegion.js"
import * as Policies from "./internal/operations/Policies.js"
import * as Rotation from "./internal/operations/Rotation.js"
import * as Signing from "./internal/operations/Signing.js"
import * as Tags from "./internal/operations/Tags.js"
import { fromSnapshot } from "./internal/state.js"
import { makeTransactions, storeFailure } from "./internal/Transactions.js"
import { makeUsage } from "./internal/Usage.js"
import { KeyStore } from "./KeyStore.js"
import type * as R from "./Requests.js"
import { type KeyStoreRootKeyMismatch, RootKey, verifyAgainstStore } from "./RootKey.js"
import { RsaPrimitives } from "./RsaPrimitives.js"

/**
 * Who is calling KMS: the one caller type, shared with the core's `Kms` port.
 *
 * @category models
 */
export type { KmsCaller }

/** @category models */
export interface Options {
  readonly region: string
}

type Op<Req, Res> = (request: Req, caller: KmsCaller) => Effect.Effect<Res, Errors.KmsError>

/** How often each operation succeeded on each key: for metrics and cost estimates. @category models */
export interface UsageCount {
  readonly keyArn: string
  readonly operation: string
  readonly count: number
}

/** @category models */
export interface KmsSimService {
  readonly createKey: Op<R.CreateKeyRequest, R.KeyMetadataResponse>
  readonly describeKey: Op<R.DescribeKeyRequest, R.KeyMetadataResponse>
  readonly listKeys: Op<R.PageRequest, R.ListKeysResponse>
  readonly enableKey: Op<R.KeyIdRequest, R.Empty>
  readonly disableKey: Op<R.KeyIdRequest, R.Empty>
  readonly scheduleKeyDeletion: Op<R.ScheduleKeyDeletionRequest, R.ScheduleKeyDeletionResponse>
  readonly cancelKeyDeletion: Op<R.KeyIdRequest, R.KeyArnResponse>
  readonly generateDataKey: Op<R.GenerateDataKeyRequest, R.GenerateDataKeyResponse>
  readonly generateDataKeyWithoutPlaintext: Op<R.GenerateDataKeyRequest, R.GenerateDataKeyWithoutPlaintextResponse>
  readonly encrypt: Op<R.EncryptRequest, R.EncryptResponse>
  readonly decrypt: Op<R.DecryptRequest, R.DecryptResponse>
  readonly reEncrypt: Op<R.ReEncryptRequest, R.ReEncryptResponse>
  readonly generateDataKeyPair: Op<R.GenerateDataKeyPairRequest, R.GenerateDataKeyPairResponse>
  readonly generateDataKeyPairWithoutPlaintext: Op<R.GenerateDataKeyPairRequest, R.GenerateDataKeyPairWithoutPlaintextResponse>
  readonly generateRandom: Op<R.GenerateRandomRequest, R.GenerateRandomResponse>
  readonly enableKeyRotation: Op<R.EnableKeyRotationRequest, R.Empty>
  readonly disableKeyRotation: Op<R.KeyIdRequest, R.Empty>
  readonly getKeyRotationStatus: Op<R.KeyIdRequest, R.GetKeyRotationStatusResponse>
  readonly rotateKeyOnDemand: Op<R.KeyIdRequest, R.KeyArnResponse>
  readonly tagResource: Op<R.TagResourceRequest, R.Empty>
  readonly untagResource: Op<R.UntagResourceRequest, R.Empty>
  readonly listResourceTags: Op<R.KeyPageRequest, R.ListResourceTagsResponse>
  readonly listKeyRotations: Op<R.KeyPageRequest, R.ListKeyRotationsResponse>
  readonly updateKeyDescription: Op<R.UpdateKeyDescriptionRequest, R.Empty>
  readonly listKeyPolicies: Op<R.KeyPageRequest, R.ListKeyPoliciesResponse>
  readonly getKeyPolicy: Op<R.GetKeyPolicyRequest, R.GetKeyPolicyResponse>
  readonly putKeyPolicy: Op<R.PutKeyPolicyRequest, R.Empty>
  readonly replicateKey: Op<R.ReplicateKeyRequest, R.ReplicateKeyResponse>
  readonly updatePrimaryRegion: Op<R.UpdatePrimaryRegionRequest, R.Empty>
  readonly createAlias: Op<R.AliasTargetRequest, R.Empty>
  readonly updateAlias: Op<R.AliasTargetRequest, R.Empty>
  readonly deleteAlias: Op<R.DeleteAliasRequest, R.Empty>
  readonly listAliases: Op<R.ListAliasesRequest, R.ListAliasesResponse>
  readonly createGrant: Op<R.CreateGrantRequest, R.CreateGrantResponse>
  readonly listGrants: Op<R.ListGrantsRequest, R.ListGrantsResponse>
  readonly listRetirableGrants: Op<R.ListRetirableGrantsRequest, R.ListGrantsResponse>
  readonly retireGrant: Op<R.RetireGrantRequest, R.Empty>
  readonly revokeGrant: Op<R.RevokeGrantRequest, R.Empty>
  readonly getPublicKey: Op<R.GetPublicKeyRequest, R.GetPublicKeyResponse>
  readonly sign: Op<R.SignRequest, R.SignResponse>
  readonly verify: Op<R.VerifyRequest, R.VerifyResponse>
  readonly generateMac: Op<R.GenerateMacRequest, R.GenerateMacResponse>
  readonly verifyMac: Op<R.VerifyMacRequest, R.VerifyMacResponse>
  /**
   * The check SNS makes on every Publish and SQS on every send (docs/SEMANTICS.md §1.7, §8): resolves
   * `keyId`, creates `alias/aws/sns` or `alias/aws/sqs` on first use, and checks the key is an Enabled symmetric encryption key that
   * `caller` may generate data keys with. Local: not counted as a KMS request.
   */
  readonly checkKeyForUse: (
    keyId: string,
    caller: KmsCaller,
    context: EncryptionContext
  ) => Effect.Effect<{ readonly keyArn: string }, Errors.KmsError>
  /**
   * `checkKeyForUse` answered at once, at `now`, for a caller that cannot wait (docs/PERFORMANCE.md,
   * "Publish without a fiber"): the key's ARN when it passes as a plain read, else undefined, and
   * `checkKeyForUse` says why or does what the check needs first.
   */
  readonly checkKeyForUseNow: (
    keyId: string,
    caller: KmsCaller,
    context: EncryptionContext,
    now: number
  ) => { readonly keyArn: string } | undefined
  /** Successful requests so far, per key ARN and operation. */
  readonly usage: Effect.Effect<ReadonlyArray<UsageCount>>
  /** A fresh request id, as KMS puts in `x-amzn-RequestId` and in the error texts services quote. */
  readonly requestId: Effect.Effect<string>
  /**
   * Puts in force the keys and aliases other brokers sharing the key store committed since it was
   * last read; a request runs it first.
   */
  readonly catchUp: Effect.Effect<void, Errors.KmsError>
}

/** @category services */
export class KmsSim extends Context.Tag("@sealcast/kms-sim/KmsSim")<KmsSim, KmsSimService>() {}

/**
 * Builds the service from its dependencies, loading the key store once and checking the root key
 * against it (`RootKey.verifyAgainstStore`).
 *
 * @category constructors
 */
export const make = (
  options: Options
): Effect.Effect<KmsSimService, Errors.KMSInternalException | KeyStoreRootKeyMismatch, Cipher | Ids | KeyStore | RootKey | RsaPrimitives> =>
  Effect.gen(function* () {
    const { region } = options
    const cipher = yield* Cipher
    const ids = yield* Ids
    const store = yield* KeyStore
    const root = yield* RootKey
    const rsa = yield* RsaPrimitives
    const snapshot = yield* Effect.mapError(store.load, storeFailure)
    // Refuse to start on a key store this root key does not open, rather than answer every request
    // for its keys with KMSInternalException while DescribeKey says Enabled.
    const check = yield* verifyAgainstStore(cipher, root, snapshot)
    if (check !== undefined) yield* Effect.mapError(store.putRootKeyCheck(check), storeFailure)
    const material = makeKeyMaterial(cipher, ids, root, rsa)
    const transactions = yield* makeTransactions(store, fromSnapshot(snapshot.keys, snapshot.aliases), material)
    const authorization = makeAuthorization(region)
    const usage = makeUsage()
    const keys = makeKeyAccess(region, ids, transactions, authorization, material, usage)
    const shell = { region, ids, rsa, transactions, authorization, material, keys, usage }
    return {
      ...KeyLifecycle.make(shell),
      ...Aliases.make(shell),
      ...Cryptography.make(shell),
      ...DataKeyPairs.make(shell),
      ...Policies.make(shell),
      ...Grants.make(shell),
      ...Tags.make(shell),
      ...Rotation.make(shell),
      ...MultiRegion.make(shell),
      ...Signing.make(shell),
      usage: usage.counts,
      requestId: ids.uuid,
      catchUp: transactions.catchUp
    }
  })

/**
 * The service over its dependencies (core's Cipher and Ids, a KeyStore, the RootKey, the host's
 * RsaPrimitives; effect's Clock).
 *
 * @category layers
 */
export const layer = (
  options: Options
): Layer.Layer<KmsSim, Errors.KMSInternalException | KeyStoreRootKeyMismatch, Cipher | Ids | KeyStore | RootKey | RsaPrimitives> =>
  Layer.effect(KmsSim, make(options))
