/**
 * Key policies: ListKeyPolicies, GetKeyPolicy, PutKeyPolicy. Every key has the one policy
 * `default` (KMS Developer Guide, "Key policies"); its evaluation is the core's IamPolicy.ts.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import * as Errors from "../../Errors.js"
import type { KmsSimService } from "../../KmsSim.js"
import type { Shell } from "../Shell.js"
import { paginate } from "../state.js"
import { putKey } from "../Transactions.js"

export type Policies = Pick<KmsSimService, "listKeyPolicies" | "getKeyPolicy" | "putKeyPolicy">

const onlyDefaultPolicy = (name: string | undefined) =>
  name === undefined || name === "default"
    ? Effect.void
    : Effect.fail(Errors.validation([`Value '${name}' at 'policyName' failed to satisfy constraint: Member must be 'default'`]))

export const make = ({ authorization, keys: { onKey } }: Shell): Policies => ({
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
        const policy = yield* authorization.checkLockout(request.Policy, request.BypassPolicyLockoutSafetyCheck, caller, key.arn)
        putKey(tx, { ...key, policy })
        return {}
      })
    )
})
