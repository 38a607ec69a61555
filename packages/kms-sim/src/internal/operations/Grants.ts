/**
 * Grants: CreateGrant, ListGrants, ListRetirableGrants, RetireGrant, RevokeGrant. What a grant
 * allows, and who may retire it, is pure, in Grant.ts.
 *
 * @since 0.1.0
 */
import type { KmsCaller } from "@sealcast/core/Kms"
import { Effect, Encoding } from "effect"
import * as Errors from "../../Errors.js"
import * as Grant from "../../Grant.js"
import * as Identifiers from "../../Identifiers.js"
import * as Key from "../../Key.js"
import type { KmsSimService } from "../../KmsSim.js"
import type * as R from "../../Requests.js"
import { CROSS_ACCOUNT, dryRun } from "../KeyAccess.js"
import type { Shell } from "../Shell.js"
import { paginate } from "../state.js"
import { putKey, type Tx } from "../Transactions.js"

export type Grants = Pick<KmsSimService, "createGrant" | "listGrants" | "listRetirableGrants" | "retireGrant" | "revokeGrant">

/** A ListGrants entry (`GrantListEntry`): times in epoch seconds, the issuer as its account's root. */
const grantEntry = (key: Key.KeyRecord, g: Grant.Grant): R.GrantListEntry => ({
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

export const make = ({ ids, keys: { onKey }, region, transactions: { transact }, usage }: Shell): Grants => {
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

  return {
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
          yield* usage.count(key.arn, "RetireGrant")
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
      )
  }
}
