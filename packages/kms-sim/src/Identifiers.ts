/**
 * Key identifiers and aliases, resolved as pure functions.
 *
 * Wherever KMS takes a KeyId it accepts four forms (KMS API, "KeyId"): a key id
 * (`1234abcd-…`), a key ARN (`arn:aws:kms:<region>:<account>:key/<id>`), an alias name
 * (`alias/name`) or an alias ARN (`arn:aws:kms:<region>:<account>:alias/name`). A key id or alias
 * name is looked up in the caller's own account; a key of another account can be named only by an
 * ARN, and only by the operations that allow cross-account use (docs/SEMANTICS.md §1.2).
 *
 * @since 0.1.0
 */
import { Either } from "effect"
import * as Errors from "./Errors.js"
import type { KeyRecord } from "./Key.js"
import { keyArn } from "./Key.js"

/** @category models */
export interface AliasRecord {
  readonly aliasName: string
  readonly aliasArn: string
  readonly accountId: string
  readonly targetKeyId: string
  /** ms since the epoch. */
  readonly creationDate: number
  readonly lastUpdatedDate: number
}

/** What a KeyId string names, before lookup. @category models */
export type KeyRef =
  | { readonly _tag: "KeyId"; readonly keyId: string }
  | { readonly _tag: "KeyArn"; readonly region: string; readonly accountId: string; readonly keyId: string }
  | { readonly _tag: "AliasName"; readonly aliasName: string }
  | { readonly _tag: "AliasArn"; readonly region: string; readonly accountId: string; readonly aliasName: string }

/** The state identifiers resolve against: keys by key id, aliases by alias ARN. @category models */
export interface Directory {
  readonly keys: ReadonlyMap<string, KeyRecord>
  readonly aliases: ReadonlyMap<string, AliasRecord>
}

/** The prefix every alias name carries (CreateAlias API, "AliasName"). @category rules */
export const ALIAS_PREFIX = "alias/"
/** Reserved for AWS managed keys (CreateAlias API: "cannot begin with alias/aws/"). @category rules */
export const RESERVED_ALIAS_PREFIX = "alias/aws/"
/** The AWS managed key for SNS (docs/SEMANTICS.md §1.2). @category rules */
export const SNS_MANAGED_ALIAS = "alias/aws/sns"
/** The AWS managed key for SQS (docs/SEMANTICS.md §8). @category rules */
export const SQS_MANAGED_ALIAS = "alias/aws/sqs"

/**
 * The AWS managed keys made on first use, by alias, with the service that uses them: the key is made
 * when that service asks for it on a principal's behalf, or on DescribeKey. @category rules
 */
export const MANAGED_ALIASES = { [SNS_MANAGED_ALIAS]: "sns", [SQS_MANAGED_ALIAS]: "sqs" } as const

/** The service of an AWS managed alias made on first use, else undefined. @category rules */
export const managedAliasService = (aliasName: string): "sns" | "sqs" | undefined =>
  aliasName === SNS_MANAGED_ALIAS || aliasName === SQS_MANAGED_ALIAS ? MANAGED_ALIASES[aliasName] : undefined

/**
 * A key id: a UUID for a single-Region key, `mrk-` and 32 hex digits for a multi-Region key (KMS
 * Developer Guide, "Multi-Region key IDs").
 */
const KEY_ID = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/i
const KMS_ARN = /^arn:aws:kms:([a-z0-9-]+):(\d{12}):(key\/[^/]+|alias\/.+)$/

/** @category utils */
export const aliasArn = (region: string, accountId: string, aliasName: string): string =>
  `arn:aws:kms:${region}:${accountId}:${aliasName}`

/**
 * Reads a KeyId string. Anything that is none of the four forms is KMS's "Invalid keyId" NotFound.
 *
 * @category rules
 */
export const parseKeyRef = (keyId: string): Either.Either<KeyRef, Errors.NotFoundException> => {
  if (keyId.startsWith(ALIAS_PREFIX) && keyId.length > ALIAS_PREFIX.length) {
    return Either.right({ _tag: "AliasName", aliasName: keyId })
  }
  if (KEY_ID.test(keyId)) return Either.right({ _tag: "KeyId", keyId: keyId.toLowerCase() })
  const arn = KMS_ARN.exec(keyId)
  if (arn !== null) {
    const [, region, accountId, resource] = arn as unknown as [string, string, string, string]
    if (resource.startsWith("key/")) {
      const id = resource.slice("key/".length)
      if (KEY_ID.test(id)) return Either.right({ _tag: "KeyArn", region, accountId, keyId: id.toLowerCase() })
    } else if (resource.length > ALIAS_PREFIX.length) {
      return Either.right({ _tag: "AliasArn", region, accountId, aliasName: resource })
    }
  }
  return Either.left(Errors.invalidKeyId(keyId))
}

/** The account `ref` is looked up in: an ARN's own, else the caller's. */
const refAccount = (ref: KeyRef, callerAccount: string): string =>
  ref._tag === "KeyArn" || ref._tag === "AliasArn" ? ref.accountId : callerAccount

/**
 * The alias name `ref` names in its account, if it is an alias.
 *
 * @category rules
 */
export const aliasOf = (
  ref: KeyRef,
  region: string,
  callerAccount: string
): { readonly aliasArn: string; readonly accountId: string; readonly aliasName: string } | undefined => {
  if (ref._tag === "AliasName") {
    return { aliasArn: aliasArn(region, callerAccount, ref.aliasName), accountId: callerAccount, aliasName: ref.aliasName }
  }
  if (ref._tag === "AliasArn" && ref.region === region) {
    return { aliasArn: aliasArn(region, ref.accountId, ref.aliasName), accountId: ref.accountId, aliasName: ref.aliasName }
  }
  return undefined
}

/**
 * Finds the key `ref` names. `crossAccount` is whether the operation may act on another account's
 * key (KMS API pages, "Cross-account use"); when it may not, another account's ARN is not found, as
 * the key does not exist from the caller's account.
 *
 * @category rules
 */
export const resolve = (
  directory: Directory,
  ref: KeyRef,
  region: string,
  callerAccount: string,
  crossAccount: boolean
): Either.Either<KeyRecord, Errors.NotFoundException> => {
  const account = refAccount(ref, callerAccount)
  const sameRegion = ref._tag === "KeyId" || ref._tag === "AliasName" || ref.region === region
  const allowed = sameRegion && (crossAccount || account === callerAccount)
  if (ref._tag === "KeyId" || ref._tag === "KeyArn") {
    const arn = keyArn(ref._tag === "KeyArn" ? ref.region : region, account, ref.keyId)
    const key = directory.keys.get(ref.keyId)
    return allowed && key !== undefined && key.accountId === account ? Either.right(key) : Either.left(Errors.keyNotFound(arn))
  }
  const wanted = aliasArn(ref._tag === "AliasArn" ? ref.region : region, account, ref.aliasName)
  const alias = allowed ? directory.aliases.get(wanted) : undefined
  const key = alias === undefined ? undefined : directory.keys.get(alias.targetKeyId)
  return key === undefined ? Either.left(Errors.aliasNotFound(wanted)) : Either.right(key)
}

/**
 * The characters an alias name may hold: "It can contain only alphanumeric characters, forward
 * slashes (/), underscores (_), and dashes (-)" (KMS Developer Guide, "Create aliases"; CreateAlias
 * API, AliasName). The service model's pattern also admits `:`, which the service itself refuses.
 */
const ALIAS_CHARACTERS = /^[A-Za-z0-9/_-]+$/

/**
 * Checks a new alias name: it starts `alias/`, holds only the characters KMS allows, and is not in
 * the reserved `alias/aws/` space (the request schema has already checked its length and the
 * model's pattern).
 *
 * @category rules
 */
export const checkAliasName = (aliasName: string): Either.Either<string, Errors.KmsError> => {
  if (!aliasName.startsWith(ALIAS_PREFIX) || aliasName.length === ALIAS_PREFIX.length) {
    return Either.left(
      new Errors.ValidationException({
        message: `Alias must start with the prefix "alias/". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html`
      })
    )
  }
  if (!ALIAS_CHARACTERS.test(aliasName)) {
    return Either.left(new Errors.ValidationException({ message: `${aliasName} contains invalid characters for an alias` }))
  }
  if (aliasName.startsWith(RESERVED_ALIAS_PREFIX)) {
    return Either.left(
      new Errors.NotAuthorizedException({ message: `The alias prefix ${RESERVED_ALIAS_PREFIX} is reserved for AWS managed keys.` })
    )
  }
  return Either.right(aliasName)
}

/** The aliases that point at `keyId`. @category rules */
export const aliasesOfKey = (directory: Directory, keyId: string): ReadonlyArray<AliasRecord> =>
  [...directory.aliases.values()].filter((a) => a.targetKeyId === keyId)
