/**
 * The simulator's in-memory state, the changes a request makes to it, and the pure helpers the
 * service shell composes.
 *
 * @since 0.1.0
 */
import { Either } from "effect"
import { InvalidMarkerException } from "../Errors.js"
import { aliasesOfKey, type AliasRecord, type Directory } from "../Identifiers.js"
import {
  encryptionAlgorithms,
  expiresAt,
  isExpired,
  isMultiRegion,
  keyAgreementAlgorithmsFor,
  type KeyRecord,
  macAlgorithmsFor,
  rotationDueAt,
  signingAlgorithmsFor
} from "../Key.js"
import type { AliasListEntry, KeyMetadata } from "../Requests.js"

export interface State extends Directory {
  readonly keys: ReadonlyMap<string, KeyRecord>
  readonly aliases: ReadonlyMap<string, AliasRecord>
}

/** One write-through to the key store. */
export type Change =
  | { readonly _tag: "PutKey"; readonly key: KeyRecord }
  | { readonly _tag: "DeleteKey"; readonly keyId: string }
  | { readonly _tag: "PutAlias"; readonly alias: AliasRecord }
  | { readonly _tag: "DeleteAlias"; readonly aliasArn: string }

export const fromSnapshot = (keys: ReadonlyArray<KeyRecord>, aliases: ReadonlyArray<AliasRecord>): State => ({
  keys: new Map(keys.map((k) => [k.keyId, k])),
  aliases: new Map(aliases.map((a) => [a.aliasArn, a]))
})

export const applyChange = (state: State, change: Change): State => {
  switch (change._tag) {
    case "PutKey":
      return { ...state, keys: new Map(state.keys).set(change.key.keyId, change.key) }
    case "DeleteKey": {
      const keys = new Map(state.keys)
      keys.delete(change.keyId)
      return { ...state, keys }
    }
    case "PutAlias":
      return { ...state, aliases: new Map(state.aliases).set(change.alias.aliasArn, change.alias) }
    case "DeleteAlias": {
      const aliases = new Map(state.aliases)
      aliases.delete(change.aliasArn)
      return { ...state, aliases }
    }
  }
}

/**
 * Keys whose deletion window has passed are deleted with their material, and so are the aliases
 * that pointed at them (KMS Developer Guide, "Deleting AWS KMS keys": deleting a key deletes its
 * key material and all metadata associated with it).
 */
export const expiredChanges = (state: State, now: number): ReadonlyArray<Change> =>
  [...state.keys.values()].filter((k) => isExpired(k, now)).flatMap((k): ReadonlyArray<Change> => [
    ...aliasesOfKey(state, k.keyId).map((a): Change => ({ _tag: "DeleteAlias", aliasArn: a.aliasArn })),
    { _tag: "DeleteKey", keyId: k.keyId }
  ])

/**
 * The earliest time at which a key expires or falls due for automatic rotation (`Infinity` when
 * none will). Until then neither sweep can find anything, so requests skip both; it only moves when
 * a key record changes, so it is recomputed only after a request that changed something.
 */
export const nextDueAt = (state: State): number => {
  let at = Number.POSITIVE_INFINITY
  for (const key of state.keys.values()) {
    at = Math.min(at, expiresAt(key) ?? at, rotationDueAt(key) ?? at)
  }
  return at
}

const seconds = (ms: number): number => ms / 1000

/** KeyMetadata as DescribeKey returns it (docs/SEMANTICS.md §5). */
export const keyMetadata = (key: KeyRecord): KeyMetadata => {
  const algorithms = encryptionAlgorithms(key)
  const signing = signingAlgorithmsFor(key)
  const agreement = keyAgreementAlgorithmsFor(key)
  const macs = macAlgorithmsFor(key)
  return {
    AWSAccountId: key.accountId,
    KeyId: key.keyId,
    Arn: key.arn,
    CreationDate: seconds(key.creationDate),
    Enabled: key.state === "Enabled",
    Description: key.description,
    KeyUsage: key.keyUsage,
    KeyState: key.state,
    ...(key.deletionDate === undefined ? {} : { DeletionDate: seconds(key.deletionDate) }),
    Origin: "AWS_KMS",
    KeyManager: key.keyManager,
    CustomerMasterKeySpec: key.keySpec,
    KeySpec: key.keySpec,
    ...(algorithms === undefined ? {} : { EncryptionAlgorithms: algorithms }),
    ...(signing === undefined ? {} : { SigningAlgorithms: signing }),
    ...(agreement === undefined ? {} : { KeyAgreementAlgorithms: agreement }),
    ...(macs === undefined ? {} : { MacAlgorithms: macs }),
    MultiRegion: isMultiRegion(key),
    // Only primary keys exist: ReplicateKey has no other Region to replicate into (README).
    ...(isMultiRegion(key)
      ? {
        MultiRegionConfiguration: {
          MultiRegionKeyType: "PRIMARY" as const,
          PrimaryKey: { Arn: key.arn, Region: key.region },
          ReplicaKeys: []
        }
      }
      : {}),
    ...(key.pendingDeletionWindowInDays === undefined ? {} : { PendingDeletionWindowInDays: key.pendingDeletionWindowInDays })
  }
}

export const aliasEntry = (alias: AliasRecord): AliasListEntry => ({
  AliasName: alias.aliasName,
  AliasArn: alias.aliasArn,
  TargetKeyId: alias.targetKeyId,
  CreationDate: seconds(alias.creationDate),
  LastUpdatedDate: seconds(alias.lastUpdatedDate)
})

/** The List* default page size (ListKeys API, Limit: 100 when not given). */
export const DEFAULT_PAGE_SIZE = 100

/**
 * One page of `items`. The marker is the offset of the next item, as text; anything else is
 * `InvalidMarkerException`, as KMS answers a marker it did not issue.
 */
export const paginate = <A>(
  items: ReadonlyArray<A>,
  limit: number | undefined,
  marker: string | undefined
): Either.Either<{ readonly page: ReadonlyArray<A>; readonly nextMarker?: string; readonly truncated: boolean }, InvalidMarkerException> => {
  const start = marker === undefined ? 0 : /^\d+$/.test(marker) ? Number(marker) : Number.NaN
  if (!Number.isSafeInteger(start) || start > items.length) {
    return Either.left(new InvalidMarkerException({ message: "Invalid marker" }))
  }
  const end = start + (limit ?? DEFAULT_PAGE_SIZE)
  return Either.right(
    end < items.length
      ? { page: items.slice(start, end), nextMarker: String(end), truncated: true }
      : { page: items.slice(start), truncated: false }
  )
}
