/**
 * The simulated KMS service: one method per KMS operation, each `(request, caller) => Effect`.
 *
 * A thin effectful shell: every decision (state machine, identifiers, policy, blob format) is a pure
 * function in its own module; this module reads the clock, draws randomness, seals and opens with
 * the Cipher service, and writes every change through to the KeyStore. Requests run one at a time
 * under a semaphore, so concurrent callers see a consistent state and the store sees changes in
 * order.
 *
 * @since 0.1.0
 */
import { Cipher } from "@sealcast/core/Cipher"
import type { EncryptionContext } from "@sealcast/core/EncryptionContext"
import { Ids } from "@sealcast/core/Ids"
import type { KmsCaller } from "@sealcast/core/Kms"
import { Clock, Context, Effect, Either, Encoding, Layer, type Schema } from "effect"
import * as Blob from "./CiphertextBlob.js"
import * as Errors from "./Errors.js"
import * as Grant from "./Grant.js"
import * as Identifiers from "./Identifiers.js"
import * as Key from "./Key.js"
import { KeyStore } from "./KeyStore.js"
import * as Policy from "./Policy.js"
import { type KeyStoreRootKeyMismatch, RootKey, unwrapMaterial, verifyAgainstStore, wrapMaterial } from "./RootKey.js"
import type * as Schemas from "./Schemas.js"
import {
  aliasEntry,
  applyChange,
  type Change,
  expiredChanges,
  fromSnapshot,
  keyMetadata,
  nextDueAt,
  paginate,
  type State
} from "./internal/state.js"

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

/** Requests and responses as their schemas decode them. */
type In<S extends Schema.Schema.Any> = Schema.Schema.Type<S>
type Op<Req extends Schema.Schema.Any, Res extends Schema.Schema.Any> = (
  request: In<Req>,
  caller: KmsCaller
) => Effect.Effect<In<Res>, Errors.KmsError>

/** How often each operation succeeded on each key: for metrics and cost estimates. @category models */
export interface UsageCount {
  readonly keyArn: string
  readonly operation: string
  readonly count: number
}

/** @category models */
export interface KmsSimService {
  readonly createKey: Op<typeof Schemas.CreateKeyRequest, typeof Schemas.CreateKeyResponse>
  readonly describeKey: Op<typeof Schemas.DescribeKeyRequest, typeof Schemas.DescribeKeyResponse>
  readonly listKeys: Op<typeof Schemas.ListKeysRequest, typeof Schemas.ListKeysResponse>
  readonly enableKey: Op<typeof Schemas.EnableKeyRequest, typeof Schemas.EnableKeyResponse>
  readonly disableKey: Op<typeof Schemas.DisableKeyRequest, typeof Schemas.DisableKeyResponse>
  readonly scheduleKeyDeletion: Op<typeof Schemas.ScheduleKeyDeletionRequest, typeof Schemas.ScheduleKeyDeletionResponse>
  readonly cancelKeyDeletion: Op<typeof Schemas.CancelKeyDeletionRequest, typeof Schemas.CancelKeyDeletionResponse>
  readonly generateDataKey: Op<typeof Schemas.GenerateDataKeyRequest, typeof Schemas.GenerateDataKeyResponse>
  readonly generateDataKeyWithoutPlaintext: Op<
    typeof Schemas.GenerateDataKeyWithoutPlaintextRequest,
    typeof Schemas.GenerateDataKeyWithoutPlaintextResponse
  >
  readonly encrypt: Op<typeof Schemas.EncryptRequest, typeof Schemas.EncryptResponse>
  readonly decrypt: Op<typeof Schemas.DecryptRequest, typeof Schemas.DecryptResponse>
  readonly reEncrypt: Op<typeof Schemas.ReEncryptRequest, typeof Schemas.ReEncryptResponse>
  readonly generateRandom: Op<typeof Schemas.GenerateRandomRequest, typeof Schemas.GenerateRandomResponse>
  readonly enableKeyRotation: Op<typeof Schemas.EnableKeyRotationRequest, typeof Schemas.EnableKeyRotationResponse>
  readonly disableKeyRotation: Op<typeof Schemas.DisableKeyRotationRequest, typeof Schemas.DisableKeyRotationResponse>
  readonly getKeyRotationStatus: Op<typeof Schemas.GetKeyRotationStatusRequest, typeof Schemas.GetKeyRotationStatusResponse>
  readonly rotateKeyOnDemand: Op<typeof Schemas.RotateKeyOnDemandRequest, typeof Schemas.RotateKeyOnDemandResponse>
  readonly tagResource: Op<typeof Schemas.TagResourceRequest, typeof Schemas.TagResourceResponse>
  readonly untagResource: Op<typeof Schemas.UntagResourceRequest, typeof Schemas.UntagResourceResponse>
  readonly listResourceTags: Op<typeof Schemas.ListResourceTagsRequest, typeof Schemas.ListResourceTagsResponse>
  readonly listKeyRotations: Op<typeof Schemas.ListKeyRotationsRequest, typeof Schemas.ListKeyRotationsResponse>
  readonly updateKeyDescription: Op<typeof Schemas.UpdateKeyDescriptionRequest, typeof Schemas.UpdateKeyDescriptionResponse>
  readonly listKeyPolicies: Op<typeof Schemas.ListKeyPoliciesRequest, typeof Schemas.ListKeyPoliciesResponse>
  readonly getKeyPolicy: Op<typeof Schemas.GetKeyPolicyRequest, typeof Schemas.GetKeyPolicyResponse>
  readonly putKeyPolicy: Op<typeof Schemas.PutKeyPolicyRequest, typeof Schemas.PutKeyPolicyResponse>
  readonly createAlias: Op<typeof Schemas.CreateAliasRequest, typeof Schemas.CreateAliasResponse>
  readonly updateAlias: Op<typeof Schemas.UpdateAliasRequest, typeof Schemas.UpdateAliasResponse>
  readonly deleteAlias: Op<typeof Schemas.DeleteAliasRequest, typeof Schemas.DeleteAliasResponse>
  readonly listAliases: Op<typeof Schemas.ListAliasesRequest, typeof Schemas.ListAliasesResponse>
  readonly createGrant: Op<typeof Schemas.CreateGrantRequest, typeof Schemas.CreateGrantResponse>
  readonly listGrants: Op<typeof Schemas.ListGrantsRequest, typeof Schemas.ListGrantsResponse>
  readonly listRetirableGrants: Op<typeof Schemas.ListRetirableGrantsRequest, typeof Schemas.ListRetirableGrantsResponse>
  readonly retireGrant: Op<typeof Schemas.RetireGrantRequest, typeof Schemas.RetireGrantResponse>
  readonly revokeGrant: Op<typeof Schemas.RevokeGrantRequest, typeof Schemas.RevokeGrantResponse>
  /**
   * The check SNS makes on every Publish (docs/SEMANTICS.md §1.7): resolves `keyId`, creates
   * `alias/aws/sns` on first use, and checks the key is an Enabled symmetric encryption key that
   * `caller` may generate data keys with. Local: not counted as a KMS request.
   */
  readonly checkKeyForUse: (keyId: string, caller: KmsCaller) => Effect.Effect<{ readonly keyArn: string }, Errors.KmsError>
  /** Successful requests so far, per key ARN and operation. */
  readonly usage: Effect.Effect<ReadonlyArray<UsageCount>>
  /** A fresh request id, as KMS puts in `x-amzn-RequestId` and in the error texts services quote. */
  readonly requestId: Effect.Effect<string>
}

/** @category services */
export class KmsSim extends Context.Tag("@sealcast/kms-sim/KmsSim")<KmsSim, KmsSimService>() {}

/**
 * The state requests see, with the earliest time a key expires or falls due for rotation
 * (`nextDueAt`), so that requests before then skip the sweeps instead of visiting every key.
 */
interface Published {
  readonly state: State
  readonly dueAt: number
}

/** One request's view of the state: changes are recorded, then written through and published together. */
interface Tx {
  state: State
  readonly now: number
  readonly changes: Array<Change>
}

const record = (tx: Tx, change: Change): void => {
  tx.state = applyChange(tx.state, change)
  tx.changes.push(change)
}

/**
 * Operations that may act on another account's key when given its ARN (each operation's "Cross-account
 * use" line in the KMS API Reference); all others see only the caller's own keys.
 */
const CROSS_ACCOUNT: ReadonlyArray<string> = [
  "DescribeKey",
  "Encrypt",
  "Decrypt",
  "ReEncrypt",
  "GenerateDataKey",
  "GenerateDataKeyWithoutPlaintext",
  "GetKeyRotationStatus",
  "CreateGrant",
  "ListGrants",
  "RetireGrant",
  "RevokeGrant"
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
  "CreateGrant",
  "ListGrants",
  "RevokeGrant"
] as const

const SYMMETRIC_DEFAULT = "SYMMETRIC_DEFAULT"
const MATERIAL_BYTES = 32
const dryRun = () =>
  new Errors.DryRunOperationException({ message: "The request would have succeeded, but the DryRun option is set." })

/**
 * Builds the service from its dependencies, loading the key store once and checking the root key
 * against it (`RootKey.verifyAgainstStore`).
 *
 * @category constructors
 */
export const make = (
  options: Options
): Effect.Effect<KmsSimService, Errors.KMSInternalException | KeyStoreRootKeyMismatch, Cipher | Ids | KeyStore | RootKey> =>
  Effect.gen(function* () {
    const { region } = options
    const cipher = yield* Cipher
    const ids = yield* Ids
    const store = yield* KeyStore
    const root = yield* RootKey
    const internal = (e: { readonly message: string }) =>
      new Errors.KMSInternalException({ message: `The key store failed: ${e.message}` })
    const snapshot = yield* Effect.mapError(store.load, internal)
    // Refuse to start on a key store this root key does not open, rather than answer every request
    // for its keys with KMSInternalException while DescribeKey says Enabled.
    const check = yield* verifyAgainstStore(cipher, root, snapshot)
    if (check !== undefined) yield* Effect.mapError(store.putRootKeyCheck(check), internal)
    const loaded = fromSnapshot(snapshot.keys, snapshot.aliases)
    // The state in force and the earliest instant it has work due. Only `transact` replaces it, under
    // `lock`; a read-only check may read it without the lock, since JavaScript runs one step at a time.
    let published: Published = { state: loaded, dueAt: nextDueAt(loaded) }
    // Updated in place: a copy per request made counting cost as much as the key policy check.
    // Each update is one synchronous step, and `usage` hands out a copy.
    const usageCounts = new Map<string, UsageCount>()
    const lock = yield* Effect.makeSemaphore(1)

    const persist = (change: Change) => {
      switch (change._tag) {
        case "PutKey":
          return store.putKey(change.key)
        case "DeleteKey":
          return store.deleteKey(change.keyId)
        case "PutAlias":
          return store.putAlias(change.alias)
        case "DeleteAlias":
          return store.deleteAlias(change.aliasArn)
      }
    }

    const newMaterial = (keyId: string, version: number, now: number) =>
      Effect.gen(function* () {
        const bytes = yield* ids.randomBytes(MATERIAL_BYTES)
        const nonce = yield* ids.randomBytes(12)
        return wrapMaterial(cipher, root, { keyId, version, bytes }, nonce, now)
      })

    /** Automatic rotation that fell due while no request came (KMS rotates on its own schedule). */
    const rotateDue = (tx: Tx) =>
      Effect.forEach([...tx.state.keys.values()].filter((k) => Key.isRotationDue(k, tx.now)), (k) =>
        Effect.map(newMaterial(k.keyId, Key.nextMaterialVersion(k), tx.now), (m) =>
          record(tx, { _tag: "PutKey", key: Key.addMaterial(k, m, tx.now, false) })
        ), { discard: true })

    /**
     * Runs `body` alone: reads the clock, deletes keys whose window passed and rotates keys that are
     * due (both only once the earliest due date has come), runs the request, writes every recorded
     * change through, then publishes the new state. A store failure leaves the in-memory state as it
     * was.
     */
    const transact = <A>(body: (tx: Tx) => Effect.Effect<A, Errors.KmsError>): Effect.Effect<A, Errors.KmsError> =>
      lock.withPermits(1)(
        Effect.gen(function* () {
          const tx: Tx = { state: published.state, now: yield* Clock.currentTimeMillis, changes: [] }
          if (tx.now >= published.dueAt) {
            for (const change of expiredChanges(tx.state, tx.now)) record(tx, change)
            yield* rotateDue(tx)
          }
          const result = yield* Effect.either(body(tx))
          yield* Effect.mapError(Effect.forEach(tx.changes, persist, { discard: true }), internal)
          if (tx.changes.length > 0) published = { state: tx.state, dueAt: nextDueAt(tx.state) }
          return yield* result
        })
      )

    const count = (keyArn: string, operation: string) =>
      Effect.sync(() => {
        const id = `${keyArn} ${operation}`
        usageCounts.set(id, { keyArn, operation, count: (usageCounts.get(id)?.count ?? 0) + 1 })
      })

    const policyContext = (caller: KmsCaller, context: EncryptionContext | undefined) => {
      const entries: Record<string, string | ReadonlyArray<string>> = {
        "kms:CallerAccount": caller.accountId,
        "aws:PrincipalArn": caller.principalArn,
        "aws:PrincipalAccount": caller.accountId
      }
      if (caller.viaService !== undefined) entries["kms:ViaService"] = `${caller.viaService}.${region}.amazonaws.com`
      if (context !== undefined) {
        entries["kms:EncryptionContextKeys"] = Object.keys(context)
        for (const [k, v] of Object.entries(context)) entries[`kms:EncryptionContext:${k}`] = v
      }
      return entries
    }

    /**
     * Parsed key policies, one per key record, so a request does not parse the policy JSON again. A
     * record is immutable and every change to a key (PutKeyPolicy included) stores a new record, so
     * a parse stays valid exactly as long as the record it came from; weak keys let replaced and
     * deleted records go.
     */
    const parsedPolicies = new WeakMap<Key.KeyRecord, ReturnType<typeof Policy.parse>>()
    const policyOf = (key: Key.KeyRecord) => {
      const cached = parsedPolicies.get(key)
      if (cached !== undefined) return cached
      const parsed = Policy.parse(key.policy)
      parsedPolicies.set(key, parsed)
      return parsed
    }

    /**
     * Verdicts decided without an encryption context, remembered per key record and caller. A key
     * record is immutable (every change to a key, its policy included, makes a new record), so a
     * remembered verdict never outlives what it was decided on. SNS asks the same question on every
     * publish to an encrypted topic (docs/SEMANTICS.md §1.7).
     */
    const verdicts = new WeakMap<Key.KeyRecord, Map<string, Policy.Decision>>()

    const decide = (key: Key.KeyRecord, action: string, caller: KmsCaller, context: EncryptionContext | undefined) =>
      Either.match(policyOf(key), {
        onLeft: (): Policy.Decision => "ImplicitDeny",
        onRight: (doc) =>
          Policy.evaluate(doc, {
            principal: { _tag: "AWS", arn: caller.principalArn, accountId: caller.accountId },
            action,
            resource: key.arn,
            context: policyContext(caller, context)
          })
      })

    const decideRemembered = (key: Key.KeyRecord, action: string, caller: KmsCaller, context: EncryptionContext | undefined) => {
      if (context !== undefined) return decide(key, action, caller, context)
      let known = verdicts.get(key)
      if (known === undefined) {
        known = new Map()
        verdicts.set(key, known)
      }
      const question = `${action}\u0000${caller.accountId}\u0000${caller.principalArn}\u0000${caller.viaService ?? ""}`
      let decision = known.get(question)
      if (decision === undefined) {
        decision = decide(key, action, caller, context)
        known.set(question, decision)
      }
      return decision
    }

    /**
     * The key policy decides (KMS Developer Guide, "Key policies": every key has exactly one), and a
     * grant may allow what the policy leaves implicitly denied (Developer Guide, "Grants in AWS
     * KMS"); an explicit deny in the policy stands.
     */
    const authorize = (
      key: Key.KeyRecord,
      operation: string,
      caller: KmsCaller,
      context?: EncryptionContext
    ): Either.Either<Key.KeyRecord, Errors.KmsError> => {
      const action = `kms:${operation}`
      const decision = decideRemembered(key, action, caller, context)
      return decision === "Allow" ||
          (decision === "ImplicitDeny" &&
            Grant.allows(key.grants, { arn: caller.principalArn, accountId: caller.accountId }, operation, context))
        ? Either.right(key)
        : Either.left(Errors.accessDenied(caller.principalArn, action, key.arn, decision === "ExplicitDeny"))
    }

    /**
     * `checkKeyForUse` as a plain read: no lock and no transaction, since it changes nothing. It
     * answers undefined when a transaction is needed after all: when deletions or rotations have come
     * due, or when the caller names the SNS managed alias before it exists (the transaction creates it).
     */
    const checkKeyForUseNow = (
      keyIdText: string,
      caller: KmsCaller,
      now: number
    ): Either.Either<{ readonly keyArn: string }, Errors.KmsError> | undefined => {
      if (now >= published.dueAt) return undefined
      const ref = Identifiers.parseKeyRef(keyIdText)
      if (Either.isLeft(ref)) return Either.left(ref.left)
      const alias = Identifiers.aliasOf(ref.right, region, caller.accountId)
      if (alias?.aliasName === Identifiers.SNS_MANAGED_ALIAS && !published.state.aliases.has(alias.aliasArn)) return undefined
      return Identifiers.resolve(published.state, ref.right, region, caller.accountId, CROSS_ACCOUNT.includes("GenerateDataKey")).pipe(
        Either.flatMap((key) => authorize(key, "GenerateDataKey", caller)),
        Either.flatMap((key) => usable(key, "GenerateDataKey")),
        Either.map((key) => ({ keyArn: key.arn }))
      )
    }

    /**
     * Creates the AWS managed key for SNS and its alias in `accountId` (docs/SEMANTICS.md §1.2: "created the
     * first time it is needed"). Like AWS's, it rotates every year.
     */
    const createSnsManagedKey = (tx: Tx, accountId: string) =>
      Effect.gen(function* () {
        const keyId = yield* ids.uuid
        const material = yield* newMaterial(keyId, 1, tx.now)
        const key: Key.KeyRecord = {
          keyId,
          arn: Key.keyArn(region, accountId, keyId),
          accountId,
          region,
          creationDate: tx.now,
          description: "Default master key that protects my SNS topics when no other key is defined",
          keySpec: "SYMMETRIC_DEFAULT",
          keyUsage: "ENCRYPT_DECRYPT",
          keyManager: "AWS",
          state: "Enabled",
          policy: Policy.snsManagedKeyPolicy(accountId, region),
          tags: [],
          rotation: {
            enabled: true,
            periodInDays: Key.DEFAULT_ROTATION_PERIOD_DAYS,
            nextRotationDate: tx.now + Key.DEFAULT_ROTATION_PERIOD_DAYS * 86_400_000
          },
          materials: [material]
        }
        record(tx, { _tag: "PutKey", key })
        const aliasArn = Identifiers.aliasArn(region, accountId, Identifiers.SNS_MANAGED_ALIAS)
        record(tx, {
          _tag: "PutAlias",
          alias: {
            aliasName: Identifiers.SNS_MANAGED_ALIAS,
            aliasArn,
            accountId,
            targetKeyId: keyId,
            creationDate: tx.now,
            lastUpdatedDate: tx.now
          }
        })
      })

    /**
     * Finds the key a KeyId names and checks the key policy allows `operation`. Naming the
     * caller's own `alias/aws/sns` creates it when SNS asks or on DescribeKey (DescribeKey API: "If
     * you call the DescribeKey operation on a predefined AWS alias … AWS KMS creates an AWS managed
     * key").
     */
    const locate = (tx: Tx, keyIdText: string, operation: string, caller: KmsCaller, context?: EncryptionContext) =>
      Effect.gen(function* () {
        const ref = yield* Identifiers.parseKeyRef(keyIdText)
        if ((ref._tag === "AliasName" || ref._tag === "AliasArn") && KEY_ID_OR_ARN_ONLY.includes(operation)) {
          return yield* Errors.invalidKeyId(keyIdText)
        }
        const alias = Identifiers.aliasOf(ref, region, caller.accountId)
        if (
          alias !== undefined && alias.aliasName === Identifiers.SNS_MANAGED_ALIAS && alias.accountId === caller.accountId &&
          !tx.state.aliases.has(alias.aliasArn) && (caller.viaService === "sns" || operation === "DescribeKey")
        ) {
          yield* createSnsManagedKey(tx, caller.accountId)
        }
        const key = yield* Identifiers.resolve(tx.state, ref, region, caller.accountId, CROSS_ACCOUNT.includes(operation))
        return yield* authorize(key, operation, caller, context)
      })

    const putKey = (tx: Tx, key: Key.KeyRecord) => record(tx, { _tag: "PutKey", key })

    /** A ListGrants entry (`GrantListEntry`): times in epoch seconds, the issuer as its account's root. */
    const grantEntry = (key: Key.KeyRecord, g: Grant.Grant) => ({
      KeyId: key.arn,
      GrantId: g.grantId,
      ...(g.name === undefined ? {} : { Name: g.name }),
      CreationDate: g.creationDate / 1000,
      GranteePrincipal: g.granteePrincipal,
      ...(g.retiringPrincipal === undefined ? {} : { RetiringPrincipal: g.retiringPrincipal }),
      IssuingAccount: `arn:aws:iam::${g.issuingAccount}:root`,
      Operations: g.operations,
      ...(g.constraints === undefined ? {} : { Constraints: g.constraints })
    })

    /** The live grant a token was issued for; a token of a retired or revoked grant names nothing. */
    const grantByToken = (tx: Tx, token: string) => {
      for (const key of tx.state.keys.values()) {
        const grant = key.grants?.find((g) => g.tokens.includes(token))
        if (grant !== undefined) return Effect.succeed({ key, grant })
      }
      return Effect.fail(new Errors.InvalidGrantTokenException({ message: "Grant token is invalid or its grant no longer exists." }))
    }

    /** The grant `grantId` on the key `keyIdText` names (key ID or key ARN; another account's by ARN). */
    const grantById = (tx: Tx, keyIdText: string | undefined, grantId: string | undefined, caller: KmsCaller) =>
      Effect.gen(function* () {
        if (keyIdText === undefined || grantId === undefined) {
          return yield* new Errors.ValidationException({
            message: "Either the grant token, or both the key ID and the grant ID, must be specified."
          })
        }
        const ref = yield* Identifiers.parseKeyRef(keyIdText)
        if (ref._tag === "AliasName" || ref._tag === "AliasArn") return yield* Errors.invalidKeyId(keyIdText)
        const key = yield* Identifiers.resolve(tx.state, ref, region, caller.accountId, CROSS_ACCOUNT.includes("RetireGrant"))
        const grant = key.grants?.find((g) => g.grantId === grantId)
        if (grant === undefined) return yield* Grant.grantNotFound(grantId)
        return { key, grant }
      })

    /** Runs a one-key operation: locate, act, count it on success. */
    const onKey = <A>(
      operation: string,
      keyIdText: string,
      caller: KmsCaller,
      act: (tx: Tx, key: Key.KeyRecord) => Effect.Effect<A, Errors.KmsError>
    ) =>
      transact((tx) =>
        Effect.gen(function* () {
          const key = yield* locate(tx, keyIdText, operation, caller)
          const result = yield* act(tx, key)
          yield* count(key.arn, operation)
          return result
        })
      )

    /** Applies a pure transition and records the new key. */
    const transition = (tx: Tx, next: Either.Either<Key.KeyRecord, Errors.KmsError>) =>
      Effect.map(next, (k) => {
        putKey(tx, k)
        return k
      })

    const checkAlgorithm = (key: Key.KeyRecord, algorithm: string | undefined) =>
      algorithm === undefined || algorithm === SYMMETRIC_DEFAULT
        ? Effect.void
        : Effect.fail(
            new Errors.InvalidKeyUsageException({ message: `${key.arn} does not support the ${algorithm} encryption algorithm.` })
          )

    /** The checks every symmetric cryptographic operation makes, in KMS's order: usage, then state. */
    const usable = (key: Key.KeyRecord, operation: string) =>
      Either.flatMap(Key.checkSymmetricUse(key, operation), Key.checkEnabled)

    const openMaterial = (key: Key.KeyRecord, material: Key.WrappedMaterial) =>
      Effect.mapError(unwrapMaterial(cipher, root, key.keyId, material), () =>
        new Errors.KMSInternalException({ message: `The stored material of ${key.arn} does not open under the root key.` })
      )

    /** Seals `plaintext` under the key's current material (format in CiphertextBlob.ts). */
    const seal = (key: Key.KeyRecord, plaintext: Uint8Array, context: EncryptionContext) =>
      Effect.gen(function* () {
        const material = Key.currentMaterial(key)
        if (material === undefined) return yield* Errors.invalidKeyUsage(key.arn, key.keyUsage, "Encrypt")
        const bytes = yield* openMaterial(key, material)
        const header = { keyId: key.keyId, materialVersion: material.version }
        const nonce = yield* ids.randomBytes(12)
        return Blob.encode({ ...header, nonce, sealed: cipher.seal(bytes, nonce, Blob.additionalData(header, context), plaintext) })
      })

    /** Opens a parsed blob under `key`; every failure is the same empty InvalidCiphertextException. */
    const open = (key: Key.KeyRecord, blob: Blob.Blob, context: EncryptionContext) =>
      Effect.gen(function* () {
        const material = Key.materialVersion(key, blob.materialVersion)
        if (material === undefined) return yield* Errors.invalidCiphertext()
        const bytes = yield* openMaterial(key, material)
        return yield* Effect.mapError(
          cipher.open(bytes, blob.nonce, Blob.additionalData(blob, context), blob.sealed),
          Errors.invalidCiphertext
        )
      })

    /**
     * The key a ciphertext names, checked against the KeyId the caller gave, if any (Decrypt API,
     * KeyId: when given, it must name the key the ciphertext was made under, else
     * IncorrectKeyException).
     */
    const sourceKey = (
      tx: Tx,
      blob: Blob.Blob,
      keyIdText: string | undefined,
      operation: string,
      caller: KmsCaller,
      context: EncryptionContext
    ) =>
      Effect.gen(function* () {
        if (keyIdText !== undefined) {
          const named = yield* locate(tx, keyIdText, operation, caller, context)
          if (named.keyId !== blob.keyId) return yield* Errors.incorrectKey()
          return named
        }
        const key = tx.state.keys.get(blob.keyId)
        if (key === undefined) return yield* Errors.keyNotFound(Key.keyArn(region, caller.accountId, blob.keyId))
        return yield* authorize(key, operation, caller, context)
      })

    const dataKey = (
      operation: "GenerateDataKey" | "GenerateDataKeyWithoutPlaintext",
      request: In<typeof Schemas.GenerateDataKeyRequest>,
      caller: KmsCaller
    ) =>
      transact((tx) =>
        Effect.gen(function* () {
          // GenerateDataKey API: "You must specify either the KeySpec or the NumberOfBytes parameter
          // (but not both) in every GenerateDataKey request."
          if ((request.KeySpec === undefined) === (request.NumberOfBytes === undefined)) {
            return yield* new Errors.ValidationException({ message: "Please specify either number of bytes or key spec." })
          }
          const context = request.EncryptionContext ?? {}
          const key = yield* locate(tx, request.KeyId, operation, caller, context)
          yield* usable(key, operation)
          if (request.DryRun === true) return yield* dryRun()
          const size = request.NumberOfBytes ?? (request.KeySpec === "AES_128" ? 16 : 32)
          const plaintext = yield* ids.randomBytes(size)
          const ciphertextBlob = yield* seal(key, plaintext, context)
          yield* count(key.arn, operation)
          return { key, plaintext, ciphertextBlob }
        })
      )

    const onlyDefaultPolicy = (name: string | undefined) =>
      name === undefined || name === "default"
        ? Effect.void
        : Effect.fail(Errors.validation([`Value '${name}' at 'policyName' failed to satisfy constraint: Member must be 'default'`]))

    /**
     * The lockout safety check (PutKeyPolicy API, BypassPolicyLockoutSafetyCheck): unless bypassed,
     * the new policy must still let the caller change the policy.
     */
    const checkPolicy = (text: string, bypass: boolean | undefined, caller: KmsCaller, resource: string) =>
      Effect.flatMap(Policy.parse(text), (doc) => {
        const decision = Policy.evaluate(doc, {
          principal: { _tag: "AWS", arn: caller.principalArn, accountId: caller.accountId },
          action: "kms:PutKeyPolicy",
          resource,
          context: policyContext(caller, undefined)
        })
        return bypass === true || decision === "Allow"
          ? Effect.succeed(text)
          : Effect.fail(
              new Errors.MalformedPolicyDocumentException({
                message: "The new key policy will not allow you to update the key policy in the future."
              })
            )
      })

    /** An alias target must be a key (id or ARN), not another alias (CreateAlias API, TargetKeyId). */
    const aliasTarget = (tx: Tx, keyIdText: string, operation: string, caller: KmsCaller) =>
      Effect.gen(function* () {
        const ref = yield* Identifiers.parseKeyRef(keyIdText)
        if (ref._tag === "AliasName" || ref._tag === "AliasArn") {
          return yield* new Errors.ValidationException({ message: "Aliases must refer to keys. Not aliases" })
        }
        const key = yield* locate(tx, keyIdText, operation, caller)
        return yield* Key.checkNotPendingDeletion(key)
      })

    /**
     * An existing alias of the caller's account and the key it points at, once the key policy
     * allows `operation` on that key (UpdateAlias and DeleteAlias need permission on it).
     */
    const existingAlias = (tx: Tx, aliasName: string, operation: string, caller: KmsCaller) =>
      Effect.gen(function* () {
        yield* Identifiers.checkAliasName(aliasName)
        const arn = Identifiers.aliasArn(region, caller.accountId, aliasName)
        const alias = tx.state.aliases.get(arn)
        const key = alias === undefined ? undefined : tx.state.keys.get(alias.targetKeyId)
        if (alias === undefined || key === undefined) return yield* Errors.aliasNotFound(arn)
        return { alias, key: yield* authorize(key, operation, caller) }
      })

    const service: KmsSimService = {
      createKey: (request, caller) =>
        transact((tx) =>
          Effect.gen(function* () {
            if (request.KeySpec !== undefined && request.CustomerMasterKeySpec !== undefined) {
              return yield* new Errors.ValidationException({
                message: "You cannot specify KeySpec and CustomerMasterKeySpec in the same request. CustomerMasterKeySpec is deprecated."
              })
            }
            if ((request.Origin ?? "AWS_KMS") !== "AWS_KMS" || request.MultiRegion === true) {
              return yield* new Errors.UnsupportedOperationException({
                message: "Only single-Region keys with Origin AWS_KMS are simulated."
              })
            }
            const { spec, usage } = yield* Key.checkSpecAndUsage(
              request.KeySpec ?? request.CustomerMasterKeySpec ?? "SYMMETRIC_DEFAULT",
              request.KeyUsage ?? "ENCRYPT_DECRYPT"
            )
            const keyId = yield* ids.uuid
            const arn = Key.keyArn(region, caller.accountId, keyId)
            const policy = request.Policy === undefined
              ? Policy.defaultKeyPolicy(caller.accountId)
              : yield* checkPolicy(request.Policy, request.BypassPolicyLockoutSafetyCheck, caller, arn)
            const bare: Key.KeyRecord = {
              keyId,
              arn,
              accountId: caller.accountId,
              region,
              creationDate: tx.now,
              description: request.Description ?? "",
              keySpec: spec,
              keyUsage: usage,
              keyManager: "CUSTOMER",
              state: "Enabled",
              policy,
              tags: [],
              rotation: { enabled: false, periodInDays: Key.DEFAULT_ROTATION_PERIOD_DAYS },
              materials: spec === "SYMMETRIC_DEFAULT" ? [yield* newMaterial(keyId, 1, tx.now)] : []
            }
            const key = yield* Key.putTags(bare, request.Tags ?? [])
            putKey(tx, key)
            yield* count(arn, "CreateKey")
            return { KeyMetadata: keyMetadata(key) }
          })
        ),

      describeKey: (request, caller) =>
        onKey("DescribeKey", request.KeyId, caller, (_, key) => Effect.succeed({ KeyMetadata: keyMetadata(key) })),

      listKeys: (request, caller) =>
        transact((tx) =>
          Effect.map(
            paginate([...tx.state.keys.values()].filter((k) => k.accountId === caller.accountId), request.Limit, request.Marker),
            ({ page, nextMarker, truncated }) => ({
              Keys: page.map((k) => ({ KeyId: k.keyId, KeyArn: k.arn })),
              ...(nextMarker === undefined ? {} : { NextMarker: nextMarker }),
              Truncated: truncated
            })
          )
        ),

      enableKey: (request, caller) =>
        onKey("EnableKey", request.KeyId, caller, (tx, key) => Effect.as(transition(tx, Key.enable(key)), {})),

      disableKey: (request, caller) =>
        onKey("DisableKey", request.KeyId, caller, (tx, key) => Effect.as(transition(tx, Key.disable(key)), {})),

      scheduleKeyDeletion: (request, caller) =>
        onKey("ScheduleKeyDeletion", request.KeyId, caller, (tx, key) =>
          Effect.map(transition(tx, Key.scheduleDeletion(key, request.PendingWindowInDays ?? 30, tx.now)), (k) => ({
            KeyId: k.arn,
            DeletionDate: (k.deletionDate ?? tx.now) / 1000,
            KeyState: k.state,
            PendingWindowInDays: k.pendingDeletionWindowInDays ?? 30
          }))
        ),

      cancelKeyDeletion: (request, caller) =>
        onKey("CancelKeyDeletion", request.KeyId, caller, (tx, key) =>
          Effect.map(transition(tx, Key.cancelDeletion(key)), (k) => ({ KeyId: k.arn }))
        ),

      generateDataKey: (request, caller) =>
        Effect.map(dataKey("GenerateDataKey", request, caller), (r) => ({
          CiphertextBlob: r.ciphertextBlob,
          Plaintext: r.plaintext,
          KeyId: r.key.arn
        })),

      generateDataKeyWithoutPlaintext: (request, caller) =>
        Effect.map(dataKey("GenerateDataKeyWithoutPlaintext", request, caller), (r) => ({
          CiphertextBlob: r.ciphertextBlob,
          KeyId: r.key.arn
        })),

      encrypt: (request, caller) =>
        transact((tx) =>
          Effect.gen(function* () {
            const context = request.EncryptionContext ?? {}
            const key = yield* locate(tx, request.KeyId, "Encrypt", caller, context)
            yield* usable(key, "Encrypt")
            yield* checkAlgorithm(key, request.EncryptionAlgorithm)
            if (request.DryRun === true) return yield* dryRun()
            const blob = yield* seal(key, request.Plaintext, context)
            yield* count(key.arn, "Encrypt")
            return { CiphertextBlob: blob, KeyId: key.arn, EncryptionAlgorithm: SYMMETRIC_DEFAULT }
          })
        ),

      decrypt: (request, caller) =>
        transact((tx) =>
          Effect.gen(function* () {
            const context = request.EncryptionContext ?? {}
            const blob = yield* Blob.decode(request.CiphertextBlob)
            const key = yield* sourceKey(tx, blob, request.KeyId, "Decrypt", caller, context)
            yield* usable(key, "Decrypt")
            yield* checkAlgorithm(key, request.EncryptionAlgorithm)
            if (request.DryRun === true) return yield* dryRun()
            const plaintext = yield* open(key, blob, context)
            yield* count(key.arn, "Decrypt")
            return { KeyId: key.arn, Plaintext: plaintext, EncryptionAlgorithm: SYMMETRIC_DEFAULT }
          })
        ),

      reEncrypt: (request, caller) =>
        transact((tx) =>
          Effect.gen(function* () {
            const sourceContext = request.SourceEncryptionContext ?? {}
            const destinationContext = request.DestinationEncryptionContext ?? {}
            const blob = yield* Blob.decode(request.CiphertextBlob)
            const source = yield* sourceKey(tx, blob, request.SourceKeyId, "ReEncryptFrom", caller, sourceContext)
            yield* usable(source, "ReEncrypt")
            yield* checkAlgorithm(source, request.SourceEncryptionAlgorithm)
            const destination = yield* locate(tx, request.DestinationKeyId, "ReEncryptTo", caller, destinationContext)
            yield* usable(destination, "ReEncrypt")
            yield* checkAlgorithm(destination, request.DestinationEncryptionAlgorithm)
            if (request.DryRun === true) return yield* dryRun()
            const plaintext = yield* open(source, blob, sourceContext)
            const sealed = yield* seal(destination, plaintext, destinationContext)
            yield* count(source.arn, "ReEncrypt")
            if (destination.arn !== source.arn) yield* count(destination.arn, "ReEncrypt")
            return {
              CiphertextBlob: sealed,
              SourceKeyId: source.arn,
              KeyId: destination.arn,
              SourceEncryptionAlgorithm: SYMMETRIC_DEFAULT,
              DestinationEncryptionAlgorithm: SYMMETRIC_DEFAULT
            }
          })
        ),

      generateRandom: (request) =>
        request.NumberOfBytes === undefined
          ? Effect.fail(Errors.validation(["Value null at 'numberOfBytes' failed to satisfy constraint: Member must not be null"]))
          : Effect.map(ids.randomBytes(request.NumberOfBytes), (Plaintext) => ({ Plaintext })),

      enableKeyRotation: (request, caller) =>
        onKey("EnableKeyRotation", request.KeyId, caller, (tx, key) =>
          Effect.as(
            transition(tx, Key.enableRotation(key, request.RotationPeriodInDays ?? Key.DEFAULT_ROTATION_PERIOD_DAYS, tx.now)),
            {}
          )
        ),

      disableKeyRotation: (request, caller) =>
        onKey("DisableKeyRotation", request.KeyId, caller, (tx, key) => Effect.as(transition(tx, Key.disableRotation(key)), {})),

      getKeyRotationStatus: (request, caller) =>
        onKey("GetKeyRotationStatus", request.KeyId, caller, (_, key) =>
          Effect.succeed({
            KeyRotationEnabled: key.rotation.enabled,
            KeyId: key.arn,
            ...(key.rotation.enabled ? { RotationPeriodInDays: key.rotation.periodInDays } : {}),
            ...(key.rotation.nextRotationDate === undefined ? {} : { NextRotationDate: key.rotation.nextRotationDate / 1000 }),
            ...(key.rotation.onDemandRotationStartDate === undefined
              ? {}
              : { OnDemandRotationStartDate: key.rotation.onDemandRotationStartDate / 1000 })
          })
        ),

      rotateKeyOnDemand: (request, caller) =>
        onKey("RotateKeyOnDemand", request.KeyId, caller, (tx, key) =>
          Effect.gen(function* () {
            yield* Key.checkRotatable(key)
            const material = yield* newMaterial(key.keyId, Key.nextMaterialVersion(key), tx.now)
            putKey(tx, Key.addMaterial(key, material, tx.now, true))
            return { KeyId: key.arn }
          })
        ),

      tagResource: (request, caller) =>
        onKey("TagResource", request.KeyId, caller, (tx, key) => Effect.as(transition(tx, Key.putTags(key, request.Tags)), {})),

      untagResource: (request, caller) =>
        onKey("UntagResource", request.KeyId, caller, (tx, key) =>
          Effect.as(transition(tx, Either.right(Key.removeTags(key, request.TagKeys))), {})
        ),

      listResourceTags: (request, caller) =>
        onKey("ListResourceTags", request.KeyId, caller, (_, key) =>
          Effect.map(paginate(key.tags, request.Limit, request.Marker), ({ page, nextMarker, truncated }) => ({
            Tags: page,
            ...(nextMarker === undefined ? {} : { NextMarker: nextMarker }),
            Truncated: truncated
          }))
        ),

      listKeyRotations: (request, caller) =>
        onKey("ListKeyRotations", request.KeyId, caller, (_, key) =>
          Effect.map(paginate(Key.rotations(key), request.Limit, request.Marker), ({ page, nextMarker, truncated }) => ({
            Rotations: page,
            ...(nextMarker === undefined ? {} : { NextMarker: nextMarker }),
            Truncated: truncated
          }))
        ),

      // UpdateKeyDescription API: a key pending deletion is in no state to change (KMSInvalidState).
      updateKeyDescription: (request, caller) =>
        onKey("UpdateKeyDescription", request.KeyId, caller, (tx, key) =>
          Effect.as(transition(tx, Either.map(Key.checkNotPendingDeletion(key), (k) => ({ ...k, description: request.Description }))), {})
        ),

      listKeyPolicies: (request, caller) =>
        onKey("ListKeyPolicies", request.KeyId, caller, () =>
          Effect.map(paginate(["default"], request.Limit, request.Marker), ({ page, nextMarker, truncated }) => ({
            PolicyNames: page,
            ...(nextMarker === undefined ? {} : { NextMarker: nextMarker }),
            Truncated: truncated
          }))
        ),

      getKeyPolicy: (request, caller) =>
        onKey("GetKeyPolicy", request.KeyId, caller, (_, key) =>
          Effect.as(onlyDefaultPolicy(request.PolicyName), { Policy: key.policy, PolicyName: "default" })
        ),

      putKeyPolicy: (request, caller) =>
        onKey("PutKeyPolicy", request.KeyId, caller, (tx, key) =>
          Effect.gen(function* () {
            yield* onlyDefaultPolicy(request.PolicyName)
            const policy = yield* checkPolicy(request.Policy, request.BypassPolicyLockoutSafetyCheck, caller, key.arn)
            putKey(tx, { ...key, policy })
            return {}
          })
        ),

      createAlias: (request, caller) =>
        transact((tx) =>
          Effect.gen(function* () {
            yield* Identifiers.checkAliasName(request.AliasName)
            const key = yield* aliasTarget(tx, request.TargetKeyId, "CreateAlias", caller)
            const arn = Identifiers.aliasArn(region, caller.accountId, request.AliasName)
            if (tx.state.aliases.has(arn)) return yield* Errors.aliasExists(arn)
            record(tx, {
              _tag: "PutAlias",
              alias: {
                aliasName: request.AliasName,
                aliasArn: arn,
                accountId: caller.accountId,
                targetKeyId: key.keyId,
                creationDate: tx.now,
                lastUpdatedDate: tx.now
              }
            })
            yield* count(key.arn, "CreateAlias")
            return {}
          })
        ),

      updateAlias: (request, caller) =>
        transact((tx) =>
          Effect.gen(function* () {
            const { alias, key: current } = yield* existingAlias(tx, request.AliasName, "UpdateAlias", caller)
            const next = yield* aliasTarget(tx, request.TargetKeyId, "UpdateAlias", caller)
            // UpdateAlias API: "The current and new KMS key must be the same type … and they must have
            // the same key usage."
            if (next.keySpec !== current.keySpec || next.keyUsage !== current.keyUsage) {
              return yield* new Errors.ValidationException({
                message: `${next.arn} is not the same key type and key usage as the alias's current key ${current.arn}.`
              })
            }
            record(tx, { _tag: "PutAlias", alias: { ...alias, targetKeyId: next.keyId, lastUpdatedDate: tx.now } })
            yield* count(next.arn, "UpdateAlias")
            return {}
          })
        ),

      deleteAlias: (request, caller) =>
        transact((tx) =>
          Effect.gen(function* () {
            const { alias, key } = yield* existingAlias(tx, request.AliasName, "DeleteAlias", caller)
            record(tx, { _tag: "DeleteAlias", aliasArn: alias.aliasArn })
            yield* count(key.arn, "DeleteAlias")
            return {}
          })
        ),

      listAliases: (request, caller) =>
        transact((tx) =>
          Effect.gen(function* () {
            const own = [...tx.state.aliases.values()].filter((a) => a.accountId === caller.accountId)
            // ListAliases API, KeyId: "Specify the key ID or key ARN of the KMS key."
            const targetRef = request.KeyId === undefined ? undefined : yield* Identifiers.parseKeyRef(request.KeyId)
            if (targetRef !== undefined && (targetRef._tag === "AliasName" || targetRef._tag === "AliasArn")) {
              return yield* Errors.invalidKeyId(request.KeyId!)
            }
            const target = targetRef === undefined
              ? undefined
              : yield* Identifiers.resolve(tx.state, targetRef, region, caller.accountId, false)
            const aliases = target === undefined ? own : own.filter((a) => a.targetKeyId === target.keyId)
            const { page, nextMarker, truncated } = yield* paginate(aliases, request.Limit, request.Marker)
            return {
              Aliases: page.map(aliasEntry),
              ...(nextMarker === undefined ? {} : { NextMarker: nextMarker }),
              Truncated: truncated
            }
          })
        ),

      createGrant: (request, caller) =>
        onKey("CreateGrant", request.KeyId, caller, (tx, key) =>
          Effect.gen(function* () {
            // Key states table (Developer Guide, "Key states of AWS KMS keys"): CreateGrant works on
            // Enabled and Disabled keys, not on a key pending deletion.
            yield* Key.checkNotPendingDeletion(key)
            const grants = key.grants ?? []
            const wanted: Grant.GrantRequest = {
              name: request.Name,
              granteePrincipal: request.GranteePrincipal,
              retiringPrincipal: request.RetiringPrincipal,
              operations: [...new Set(request.Operations)],
              constraints: request.Constraints
            }
            const same = grants.find((g) => Grant.sameRequest(g, wanted))
            if (same === undefined) yield* Grant.checkNew(grants, wanted, key.arn)
            if (request.DryRun === true) return yield* dryRun()
            const token = Encoding.encodeBase64Url(yield* ids.randomBytes(96))
            // CreateGrant API, Name: a retry with identical parameters returns the existing grant's id
            // with a new grant token, and makes no second grant.
            if (same !== undefined) {
              putKey(tx, { ...key, grants: grants.map((g) => (g === same ? { ...g, tokens: [...g.tokens, token] } : g)) })
              return { GrantId: same.grantId, GrantToken: token }
            }
            const grantId = Encoding.encodeHex(yield* ids.randomBytes(32))
            const grant: Grant.Grant = {
              grantId,
              ...(wanted.name === undefined ? {} : { name: wanted.name }),
              granteePrincipal: wanted.granteePrincipal,
              ...(wanted.retiringPrincipal === undefined ? {} : { retiringPrincipal: wanted.retiringPrincipal }),
              operations: wanted.operations,
              ...(wanted.constraints === undefined ? {} : { constraints: wanted.constraints }),
              issuingAccount: caller.accountId,
              creationDate: tx.now,
              tokens: [token]
            }
            putKey(tx, { ...key, grants: [...grants, grant] })
            return { GrantId: grantId, GrantToken: token }
          })
        ),

      listGrants: (request, caller) =>
        onKey("ListGrants", request.KeyId, caller, (_, key) =>
          Effect.gen(function* () {
            const grants = (key.grants ?? []).filter((g) =>
              (request.GrantId === undefined || g.grantId === request.GrantId) &&
              (request.GranteePrincipal === undefined || g.granteePrincipal === request.GranteePrincipal)
            )
            const { page, nextMarker, truncated } = yield* paginate(grants, request.Limit, request.Marker)
            return {
              Grants: page.map((g) => grantEntry(key, g)),
              ...(nextMarker === undefined ? {} : { NextMarker: nextMarker }),
              Truncated: truncated
            }
          })
        ),

      // ListRetirableGrants API: "all grants in the AWS account and Region that have the specified
      // retiring principal"; it is authorized by IAM policy alone, which this simulator does not model.
      listRetirableGrants: (request, caller) =>
        transact((tx) =>
          Effect.gen(function* () {
            const grants = [...tx.state.keys.values()]
              .filter((k) => k.accountId === caller.accountId)
              .flatMap((k) => (k.grants ?? []).filter((g) => g.retiringPrincipal === request.RetiringPrincipal).map((g) => grantEntry(k, g)))
            const { page, nextMarker, truncated } = yield* paginate(grants, request.Limit, request.Marker)
            return { Grants: page, ...(nextMarker === undefined ? {} : { NextMarker: nextMarker }), Truncated: truncated }
          })
        ),

      // RetireGrant API: name the grant by its token, or by KeyId and GrantId together. The grant,
      // not the key policy, says who may retire it (Grant.mayRetire).
      retireGrant: (request, caller) =>
        transact((tx) =>
          Effect.gen(function* () {
            const found = request.GrantToken !== undefined
              ? yield* grantByToken(tx, request.GrantToken)
              : yield* grantById(tx, request.KeyId, request.GrantId, caller)
            const { key, grant } = found
            if (!Grant.mayRetire(grant, { arn: caller.principalArn, accountId: caller.accountId })) {
              return yield* Errors.accessDenied(caller.principalArn, "kms:RetireGrant", key.arn, false)
            }
            if (request.DryRun === true) return yield* dryRun()
            putKey(tx, { ...key, grants: (key.grants ?? []).filter((g) => g.grantId !== grant.grantId) })
            yield* count(key.arn, "RetireGrant")
            return {}
          })
        ),

      revokeGrant: (request, caller) =>
        onKey("RevokeGrant", request.KeyId, caller, (tx, key) =>
          Effect.gen(function* () {
            const grants = key.grants ?? []
            if (!grants.some((g) => g.grantId === request.GrantId)) return yield* Grant.grantNotFound(request.GrantId)
            if (request.DryRun === true) return yield* dryRun()
            putKey(tx, { ...key, grants: grants.filter((g) => g.grantId !== request.GrantId) })
            return {}
          })
        ),

      checkKeyForUse: (keyIdText, caller) =>
        Effect.clockWith((clock) =>
          checkKeyForUseNow(keyIdText, caller, clock.unsafeCurrentTimeMillis()) ??
            transact((tx) =>
              Effect.gen(function* () {
                const key = yield* locate(tx, keyIdText, "GenerateDataKey", caller)
                yield* usable(key, "GenerateDataKey")
                return { keyArn: key.arn }
              })
            )
        ),

      usage: Effect.sync(() => [...usageCounts.values()]),

      requestId: ids.uuid
    }
    return service
  })

/**
 * The service over its dependencies (core's Cipher and Ids, a KeyStore, the RootKey; effect's Clock).
 *
 * @category layers
 */
export const layer = (
  options: Options
): Layer.Layer<KmsSim, Errors.KMSInternalException | KeyStoreRootKeyMismatch, Cipher | Ids | KeyStore | RootKey> =>
  Layer.effect(KmsSim, make(options))
