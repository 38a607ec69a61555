/**
 * KMS grants as pure functions: what a grant is, which operations it may give, whether it allows a
 * request, and who may retire it (KMS Developer Guide, "Grants in AWS KMS"; CreateGrant, RetireGrant
 * and RevokeGrant in the KMS API Reference).
 *
 * A grant lives on its key (`KeyRecord.grants`), so it is stored, loaded and deleted with the key.
 *
 * @since 0.1.0
 */
import { Either } from "effect"
import * as Errors from "./Errors.js"

/** `GrantOperation` of the KMS API Reference. @category models */
export const grantOperations = [
  "Decrypt",
  "Encrypt",
  "GenerateDataKey",
  "GenerateDataKeyWithoutPlaintext",
  "ReEncryptFrom",
  "ReEncryptTo",
  "Sign",
  "Verify",
  "GetPublicKey",
  "CreateGrant",
  "RetireGrant",
  "DescribeKey",
  "GenerateDataKeyPair",
  "GenerateDataKeyPairWithoutPlaintext",
  "GenerateMac",
  "VerifyMac",
  "DeriveSharedSecret"
] as const

/** @category models */
export type GrantOperation = (typeof grantOperations)[number]

/**
 * The operations that take an encryption context, the only ones a grant with constraints may give
 * (Developer Guide, "Grant constraints": "you can use grant constraints only in grants for
 * operations that accept an encryption context"). CreateGrant and RetireGrant are allowed beside
 * them.
 */
const CONTEXT_OPERATIONS: ReadonlyArray<GrantOperation> = [
  "Decrypt",
  "Encrypt",
  "GenerateDataKey",
  "GenerateDataKeyWithoutPlaintext",
  "ReEncryptFrom",
  "ReEncryptTo",
  "GenerateDataKeyPair",
  "GenerateDataKeyPairWithoutPlaintext",
  "CreateGrant",
  "RetireGrant"
] as const

/** `GrantConstraints`. @category models */
export interface Constraints {
  readonly EncryptionContextSubset?: Readonly<Record<string, string>>
  readonly EncryptionContextEquals?: Readonly<Record<string, string>>
}

/** @category models */
export interface Grant {
  /** 64 hex digits, as KMS's grant ids. */
  readonly grantId: string
  readonly name?: string | undefined
  readonly granteePrincipal: string
  readonly retiringPrincipal?: string | undefined
  readonly operations: ReadonlyArray<GrantOperation>
  readonly constraints?: Constraints | undefined
  /** The account that created the grant (ListGrants `IssuingAccount` is its root ARN). */
  readonly issuingAccount: string
  /** ms since the epoch. */
  readonly creationDate: number
  /** Every token CreateGrant handed out for this grant (a retried named CreateGrant adds one). */
  readonly tokens: ReadonlyArray<string>
}

/** Grants per KMS key (Developer Guide, "Resource quotas": 50,000). @category rules */
export const MAX_GRANTS_PER_KEY = 50_000
/** Grants for one grantee principal per KMS key (Developer Guide, "Grants per principal per KMS key": 500). @category rules */
export const MAX_GRANTS_PER_PRINCIPAL = 500

/** The request parameters of CreateGrant that make a grant, as compared for Name idempotency. @category models */
export interface GrantRequest {
  readonly name?: string | undefined
  readonly granteePrincipal: string
  readonly retiringPrincipal?: string | undefined
  readonly operations: ReadonlyArray<GrantOperation>
  readonly constraints?: Constraints | undefined
}

const sameContext = (a: Readonly<Record<string, string>> | undefined, b: Readonly<Record<string, string>> | undefined) => {
  const ea = Object.entries(a ?? {})
  const eb = b ?? {}
  return a === undefined ? b === undefined : b !== undefined && ea.length === Object.keys(eb).length &&
    ea.every(([k, v]) => Object.hasOwn(eb, k) && eb[k] === v)
}

/** Whether an existing grant was made by a request with these exact parameters. @category rules */
export const sameRequest = (grant: Grant, request: GrantRequest): boolean =>
  grant.name !== undefined && grant.name === request.name &&
  grant.granteePrincipal === request.granteePrincipal &&
  grant.retiringPrincipal === request.retiringPrincipal &&
  grant.operations.length === request.operations.length &&
  grant.operations.every((op) => request.operations.includes(op)) &&
  sameContext(grant.constraints?.EncryptionContextEquals, request.constraints?.EncryptionContextEquals) &&
  sameContext(grant.constraints?.EncryptionContextSubset, request.constraints?.EncryptionContextSubset)

/**
 * Checks a CreateGrant request against the key's grants: constraints only with operations that take
 * an encryption context, at most one constraint kind, and the per-key and per-principal quotas.
 *
 * @category rules
 */
export const checkNew = (
  existing: ReadonlyArray<Grant>,
  request: GrantRequest,
  keyArn: string
): Either.Either<GrantRequest, Errors.KmsError> => {
  const { constraints } = request
  if (constraints !== undefined && (constraints.EncryptionContextEquals !== undefined || constraints.EncryptionContextSubset !== undefined)) {
    if (constraints.EncryptionContextEquals !== undefined && constraints.EncryptionContextSubset !== undefined) {
      return Either.left(
        new Errors.ValidationException({
          message: "Grant constraints may contain EncryptionContextEquals or EncryptionContextSubset, not both."
        })
      )
    }
    const other = request.operations.find((op) => !CONTEXT_OPERATIONS.includes(op))
    if (other !== undefined) {
      return Either.left(
        new Errors.ValidationException({
          message: `Grant constraints are not applicable to the ${other} operation: it does not take an encryption context.`
        })
      )
    }
  }
  if (existing.length >= MAX_GRANTS_PER_KEY) {
    return Either.left(new Errors.LimitExceededException({ message: `The request would exceed the limit of grants for key ${keyArn}.` }))
  }
  if (existing.filter((g) => g.granteePrincipal === request.granteePrincipal).length >= MAX_GRANTS_PER_PRINCIPAL) {
    return Either.left(
      new Errors.LimitExceededException({
        message: `The request would exceed the limit of grants for principal ${request.granteePrincipal} on key ${keyArn}.`
      })
    )
  }
  return Either.right(request)
}

/**
 * Whether `principal` is the grant's principal `named`: the same ARN, or any principal of an
 * account when the grant names the account (`arn:aws:iam::<account>:root`, as a key policy's
 * account principal delegates to that account).
 */
const isPrincipal = (named: string, principal: { readonly arn: string; readonly accountId: string }): boolean =>
  named === principal.arn || named === `arn:aws:iam::${principal.accountId}:root`

/**
 * Whether the grant's constraints let a request with `context` through (Developer Guide, "Grant
 * constraints"): EncryptionContextEquals needs exactly the same pairs; EncryptionContextSubset needs
 * all of its pairs among the request's. Keys and values compare exactly, as KMS compares them.
 *
 * @category rules
 */
export const contextSatisfies = (constraints: Constraints | undefined, context: Readonly<Record<string, string>> | undefined): boolean => {
  if (constraints === undefined) return true
  const given = context ?? {}
  if (constraints.EncryptionContextEquals !== undefined) {
    const want = Object.entries(constraints.EncryptionContextEquals)
    return want.length === Object.keys(given).length && want.every(([k, v]) => Object.hasOwn(given, k) && given[k] === v)
  }
  if (constraints.EncryptionContextSubset !== undefined) {
    return Object.entries(constraints.EncryptionContextSubset).every(([k, v]) => Object.hasOwn(given, k) && given[k] === v)
  }
  return true
}

/**
 * Whether some grant on the key gives `principal` the `operation` (a KMS operation name, or
 * `ReEncryptFrom`/`ReEncryptTo`) for a request with `context`.
 *
 * @category rules
 */
export const allows = (
  grants: ReadonlyArray<Grant> | undefined,
  principal: { readonly arn: string; readonly accountId: string },
  operation: string,
  context: Readonly<Record<string, string>> | undefined
): boolean =>
  (grants ?? []).some((g) =>
    isPrincipal(g.granteePrincipal, principal) && (g.operations as ReadonlyArray<string>).includes(operation) &&
    contextSatisfies(g.constraints, context)
  )

/**
 * Who may retire a grant (RetireGrant API): its retiring principal, its grantee principal when the
 * grant gives RetireGrant, and the account the grant was created in (its root).
 *
 * @category rules
 */
export const mayRetire = (grant: Grant, principal: { readonly arn: string; readonly accountId: string }): boolean =>
  (grant.retiringPrincipal !== undefined && isPrincipal(grant.retiringPrincipal, principal)) ||
  (grant.operations.includes("RetireGrant") && isPrincipal(grant.granteePrincipal, principal)) ||
  principal.arn === `arn:aws:iam::${grant.issuingAccount}:root`

/**
 * A GrantId the key has no grant for: RetireGrant and RevokeGrant declare InvalidGrantIdException,
 * "the specified GrantId is not valid" (KMS API Reference).
 *
 * @category constructors
 */
export const grantNotFound = (grantId: string): Errors.InvalidGrantIdException =>
  new Errors.InvalidGrantIdException({ message: `Grant ID ${grantId} is not valid for this key.` })
