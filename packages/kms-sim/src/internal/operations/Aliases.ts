/**
 * Aliases: CreateAlias, UpdateAlias, DeleteAlias, ListAliases.
 *
 * @since 0.1.0
 */
import type { KmsCaller } from "@sealcast/core/Kms"
import { Effect } from "effect"
import * as Errors from "../../Errors.js"
import * as Identifiers from "../../Identifiers.js"
import * as Key from "../../Key.js"
import type { KmsSimService } from "../../KmsSim.js"
import type { Shell } from "../Shell.js"
import { aliasEntry, paginate } from "../state.js"
import { record, type Tx } from "../Transactions.js"

export type Aliases = Pick<KmsSimService, "createAlias" | "updateAlias" | "deleteAlias" | "listAliases">

export const make = ({ authorization, keys: { locate }, region, transactions: { transact }, usage }: Shell): Aliases => {
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
      return { alias, key: yield* authorization.authorize(key, operation, caller) }
    })

  return {
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
          yield* usage.count(key.arn, "CreateAlias")
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
          yield* usage.count(next.arn, "UpdateAlias")
          return {}
        })
      ),

    deleteAlias: (request, caller) =>
      transact((tx) =>
        Effect.gen(function* () {
          const { alias, key } = yield* existingAlias(tx, request.AliasName, "DeleteAlias", caller)
          record(tx, { _tag: "DeleteAlias", aliasArn: alias.aliasArn })
          yield* usage.count(key.arn, "DeleteAlias")
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
      )
  }
}
