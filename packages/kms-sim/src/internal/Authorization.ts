/**
 * Authorization: whether a caller may take an action on a key, by the key policy and the key's
 * grants, and the key policy lockout safety check.
 *
 * The key policy decides (KMS Developer Guide, "Key policies": every key has exactly one), and a
 * grant may allow what the policy leaves implicitly denied (Developer Guide, "Grants in AWS KMS");
 * an explicit deny in the policy stands.
 *
 * @since 0.1.0
 */
import type { EncryptionContext } from "@sealcast/core/EncryptionContext"
import * as IamPolicy from "@sealcast/core/IamPolicy"
import type { KmsCaller } from "@sealcast/core/Kms"
import { Effect, Either } from "effect"
import * as Errors from "../Errors.js"
import * as Grant from "../Grant.js"
import type * as Key from "../Key.js"
import * as KeyPolicy from "../KeyPolicy.js"

export interface Authorization {
  /** The key, when `caller` may take `kms:<operation>` on it; else AccessDeniedException. */
  readonly authorize: (
    key: Key.KeyRecord,
    operation: string,
    caller: KmsCaller,
    context?: EncryptionContext
  ) => Either.Either<Key.KeyRecord, Errors.KmsError>
  /**
   * The lockout safety check (PutKeyPolicy API, BypassPolicyLockoutSafetyCheck): unless bypassed,
   * the new policy must still let the caller change the policy.
   */
  readonly checkLockout: (
    text: string,
    bypass: boolean | undefined,
    caller: KmsCaller,
    resource: string
  ) => Effect.Effect<string, Errors.KmsError>
}

export const makeAuthorization = (region: string): Authorization => {
  const policyContext = (caller: KmsCaller, context: EncryptionContext | undefined) => {
    const entries: Record<string, string | ReadonlyArray<string>> = {
      "kms:CallerAccount": caller.accountId,
      "aws:PrincipalArn": caller.principalArn,
      "aws:PrincipalAccount": caller.accountId
    }
    if (caller.viaService !== undefined) entries["kms:ViaService"] = `${caller.viaService}.${region}.amazonaws.com`
    if (caller.service !== undefined) {
      entries["aws:SourceArn"] = caller.service.sourceArn
      entries["aws:SourceAccount"] = caller.service.sourceAccount
    }
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
  const parsedPolicies = new WeakMap<Key.KeyRecord, ReturnType<typeof KeyPolicy.parse>>()
  const policyOf = (key: Key.KeyRecord) => {
    const cached = parsedPolicies.get(key)
    if (cached !== undefined) return cached
    const parsed = KeyPolicy.parse(key.policy)
    parsedPolicies.set(key, parsed)
    return parsed
  }

  /**
   * Verdicts decided without an encryption context, remembered per key record and caller. A key
   * record is immutable (every change to a key, its policy included, makes a new record), so a
   * remembered verdict never outlives what it was decided on. SNS asks the same question on every
   * publish to an encrypted topic (docs/SEMANTICS.md §1.7).
   */
  const verdicts = new WeakMap<Key.KeyRecord, Map<string, IamPolicy.Decision>>()

  /** A service calling for itself is its service principal; anyone else, the principal its credentials name. */
  const principalOf = (caller: KmsCaller): IamPolicy.Principal =>
    caller.service !== undefined
      ? { _tag: "Service", name: caller.service.principal }
      : { _tag: "AWS", arn: caller.principalArn, accountId: caller.accountId }

  const decide = (key: Key.KeyRecord, action: string, caller: KmsCaller, context: EncryptionContext | undefined) =>
    Either.match(policyOf(key), {
      onLeft: (): IamPolicy.Decision => "ImplicitDeny",
      onRight: (doc) =>
        IamPolicy.evaluate(doc, {
          principal: principalOf(caller),
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
    const service = caller.service === undefined ? "" : `${caller.service.principal}\u0000${caller.service.sourceArn}\u0000${caller.service.sourceAccount}`
    const question = `${action}\u0000${caller.accountId}\u0000${caller.principalArn}\u0000${caller.viaService ?? ""}\u0000${service}`
    let decision = known.get(question)
    if (decision === undefined) {
      decision = decide(key, action, caller, context)
      known.set(question, decision)
    }
    return decision
  }

  return {
    authorize: (key, operation, caller, context) => {
      const action = `kms:${operation}`
      const decision = decideRemembered(key, action, caller, context)
      return decision === "Allow" ||
          (decision === "ImplicitDeny" && caller.service === undefined &&
            Grant.allows(key.grants, { arn: caller.principalArn, accountId: caller.accountId }, operation, context))
        ? Either.right(key)
        : Either.left(Errors.accessDenied(caller.principalArn, action, key.arn, decision === "ExplicitDeny"))
    },

    checkLockout: (text, bypass, caller, resource) =>
      Effect.flatMap(KeyPolicy.parse(text), (doc) => {
        const decision = IamPolicy.evaluate(doc, {
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
  }
}
