/**
 * Finding the key a request names and checking the caller may use it: the first step of every
 * operation on a key, shared by the operation groups under `operations/`.
 *
 * @since 0.1.0
 */
import type { EncryptionContext } from "@sealcast/core/EncryptionContext"
import type { IdsService } from "@sealcast/core/Ids"
import type { KmsCaller } from "@sealcast/core/Kms"
import { Effect } from "effect"
import * as Errors from "../Errors.js"
import * as Identifiers from "../Identifiers.js"
import * as Key from "../Key.js"
import * as KeyPolicy from "../KeyPolicy.js"
import type { Authorization } from "./Authorization.js"
import type { KeyMaterial } from "./KeyMaterial.js"
import { record, type Transactions, type Tx } from "./Transactions.js"
import type { Usage } from "./Usage.js"

/**
 * Operations that may act on another account's key when given its ARN (each operation's "Cross-account
 * use" line in the KMS API Reference, ReEncrypt's two sides by their permission names); all others see
 * only the caller's own keys.
 */
export const CROSS_ACCOUNT: ReadonlyArray<string> = [
  "DescribeKey",
  "Encrypt",
  "Decrypt",
  "ReEncrypt",
  "ReEncryptFrom",
  "ReEncryptTo",
  "GenerateDataKey",
  "GenerateDataKeyWithoutPlaintext",
  "GenerateDataKeyPair",
  "GenerateDataKeyPairWithoutPlaintext",
  "GetKeyRotationStatus",
  "CreateGrant",
  "ListGrants",
  "RetireGrant",
  "RevokeGrant",
  "GetPublicKey",
  "Sign",
  "Verify",
  "GenerateMac",
  "VerifyMac"
] as const

/**
 * Operations whose `KeyId` the KMS API Reference documents as "key ID or key ARN" only: they act on
 * the key itself, and an alias name or alias ARN is refused as an invalid key id, as KMS refuses it.
 * The others (DescribeKey and the cryptographic operations) also take "alias name, or alias ARN".
 */
const KEY_ID_OR_ARN_ONLY: ReadonlyArray<string> = [
  "EnableKey",
  "DisableKey",
  "ScheduleKeyDeletion",
  "CancelKeyDeletion",
  "EnableKeyRotation",
  "DisableKeyRotation",
  "GetKeyRotationStatus",
  "RotateKeyOnDemand",
  "TagResource",
  "UntagResource",
  "ListResourceTags",
  "GetKeyPolicy",
  "PutKeyPolicy",
  "ListKeyPolicies",
  "ListKeyRotations",
  "UpdateKeyDescription",
  "ReplicateKey",
  "UpdatePrimaryRegion",
  "CreateGrant",
  "ListGrants",
  "RevokeGrant"
] as const

/** What a request with `DryRun` set answers once every check has passed. */
export const dryRun = () =>
  new Errors.DryRunOperationException({ message: "The request would have succeeded, but the DryRun option is set." })

/**
 * A `Recipient` asks KMS to encrypt the answer to a Nitro Enclave's public key from its attestation
 * document; there is no enclave to attest here, so the request is refused rather than answered in
 * the clear.
 */
export const refuseRecipient = (recipient: unknown) =>
  recipient === undefined
    ? Effect.void
    : Effect.fail(
      new Errors.UnsupportedOperationException({
        message: "Recipient (a Nitro Enclaves attestation document) is not supported by this KMS."
      })
    )

/** There are no custom key stores: any `CustomKeyStoreId` names none. */
export const refuseCustomKeyStore = (customKeyStoreId: string | undefined) =>
  customKeyStoreId === undefined
    ? Effect.void
    : Effect.fail(new Errors.CustomKeyStoreNotFoundException({ message: `Custom key store ${customKeyStoreId} does not exist.` }))

export interface KeyAccess {
  /**
   * Finds the key a KeyId names and checks the key policy allows `operation`. Naming the
   * caller's own `alias/aws/sns` or `alias/aws/sqs` creates it when its service asks or on DescribeKey (DescribeKey API: "If
   * you call the DescribeKey operation on a predefined AWS alias … AWS KMS creates an AWS managed
   * key").
   */
  readonly locate: (
    tx: Tx,
    keyIdText: string,
    operation: string,
    caller: KmsCaller,
    context?: EncryptionContext
  ) => Effect.Effect<Key.KeyRecord, Errors.KmsError>
  /** Runs a one-key operation in a transaction: locate, act, count it on success. */
  readonly onKey: <A>(
    operation: string,
    keyIdText: string,
    caller: KmsCaller,
    act: (tx: Tx, key: Key.KeyRecord) => Effect.Effect<A, Errors.KmsError>
  ) => Effect.Effect<A, Errors.KmsError>
}

export const makeKeyAccess = (
  region: string,
  ids: IdsService,
  transactions: Transactions,
  authorization: Authorization,
  material: KeyMaterial,
  usage: Usage
): KeyAccess => {
  /**
   * Creates the AWS managed key for SNS or SQS and its alias in `accountId` (docs/SEMANTICS.md §1.2 and
   * §8: "created the first time it is needed"). Like AWS's, it rotates every year.
   */
  const createManagedKey = (tx: Tx, accountId: string, service: "sns" | "sqs", aliasName: string) =>
    Effect.gen(function* () {
      const keyId = yield* ids.uuid
      const first = yield* material.generate(keyId, 1, tx.now)
      const key: Key.KeyRecord = {
        keyId,
        arn: Key.keyArn(region, accountId, keyId),
        accountId,
        region,
        creationDate: tx.now,
        description: service === "sns"
          ? "Default master key that protects my SNS topics when no other key is defined"
          : "Default key that protects my SQS messages when no other key is defined",
        keySpec: "SYMMETRIC_DEFAULT",
        keyUsage: "ENCRYPT_DECRYPT",
        keyManager: "AWS",
        state: "Enabled",
        policy: KeyPolicy.managedKeyPolicy(service, accountId, region),
        tags: [],
        rotation: {
          enabled: true,
          periodInDays: Key.DEFAULT_ROTATION_PERIOD_DAYS,
          nextRotationDate: tx.now + Key.DEFAULT_ROTATION_PERIOD_DAYS * 86_400_000
        },
        materials: [first]
      }
      record(tx, { _tag: "PutKey", key })
      const aliasArn = Identifiers.aliasArn(region, accountId, aliasName)
      record(tx, {
        _tag: "PutAlias",
        alias: {
          aliasName,
          aliasArn,
          accountId,
          targetKeyId: keyId,
          creationDate: tx.now,
          lastUpdatedDate: tx.now
        }
      })
    })

  const locate: KeyAccess["locate"] = (tx, keyIdText, operation, caller, context) =>
    Effect.gen(function* () {
      const ref = yield* Identifiers.parseKeyRef(keyIdText)
      if ((ref._tag === "AliasName" || ref._tag === "AliasArn") && KEY_ID_OR_ARN_ONLY.includes(operation)) {
        return yield* Errors.invalidKeyId(keyIdText)
      }
      const alias = Identifiers.aliasOf(ref, region, caller.accountId)
      const service = alias === undefined ? undefined : Identifiers.managedAliasService(alias.aliasName)
      if (
        alias !== undefined && service !== undefined && alias.accountId === caller.accountId &&
        !tx.state.aliases.has(alias.aliasArn) && (caller.viaService === service || operation === "DescribeKey")
      ) {
        yield* createManagedKey(tx, caller.accountId, service, alias.aliasName)
      }
      const key = yield* Identifiers.resolve(tx.state, ref, region, caller.accountId, CROSS_ACCOUNT.includes(operation))
      return yield* authorization.authorize(key, operation, caller, context)
    })

  return {
    locate,
    onKey: (operation, keyIdText, caller, act) =>
      transactions.transact((tx) =>
        Effect.gen(function* () {
          const key = yield* locate(tx, keyIdText, operation, caller)
          const result = yield* act(tx, key)
          yield* usage.count(key.arn, operation)
          return result
        })
      )
  }
}
