import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { KmsSim } from "../src/KmsSim.js"
import { alice, caller, failure, kmsLayer, outcome, outsider } from "./support.js"

const bob = { accountId: outsider.accountId, principalArn: `arn:aws:iam::${outsider.accountId}:user/bob` }
const plaintext = Uint8Array.of(1, 2, 3)

const newKey = Effect.flatMap(KmsSim, (kms) => Effect.map(kms.createKey({}, caller), (r) => r.KeyMetadata))

describe("KmsSim grants", () => {
  it.effect("a grant lets another account's principal use the key; revoking it stops that", () =>
    Effect.gen(function* () {
      const kms = yield* KmsSim
      const key = yield* newKey
      expect(yield* outcome(kms.encrypt({ KeyId: key.Arn, Plaintext: plaintext }, bob))).toBe("AccessDeniedException")
      const { GrantId } = yield* kms.createGrant({ KeyId: key.KeyId, GranteePrincipal: bob.principalArn, Operations: ["Encrypt", "Decrypt"] }, caller)
      expect(GrantId).toMatch(/^[0-9a-f]{64}$/)
      const { CiphertextBlob } = yield* kms.encrypt({ KeyId: key.Arn, Plaintext: plaintext }, bob)
      expect((yield* kms.decrypt({ CiphertextBlob }, bob)).Plaintext).toEqual(plaintext)
      // Only the operations granted.
      expect(yield* outcome(kms.generateDataKey({ KeyId: key.Arn, KeySpec: "AES_256" }, bob))).toBe("AccessDeniedException")
      yield* kms.revokeGrant({ KeyId: key.KeyId, GrantId }, caller)
      expect(yield* outcome(kms.decrypt({ CiphertextBlob }, bob))).toBe("AccessDeniedException")
      expect(yield* outcome(kms.revokeGrant({ KeyId: key.KeyId, GrantId }, caller))).toBe("InvalidGrantIdException")
    }).pipe(Effect.provide(kmsLayer())))

  it.effect("constraints limit the grant to matching encryption contexts", () =>
    Effect.gen(function* () {
      const kms = yield* KmsSim
      const key = yield* newKey
      yield* kms.createGrant({
        KeyId: key.KeyId,
        GranteePrincipal: bob.principalArn,
        Operations: ["Encrypt"],
        Constraints: { EncryptionContextSubset: { dept: "a" } }
      }, caller)
      expect(yield* outcome(kms.encrypt({ KeyId: key.Arn, Plaintext: plaintext, EncryptionContext: { dept: "a", x: "y" } }, bob))).toBe("ok")
      expect(yield* outcome(kms.encrypt({ KeyId: key.Arn, Plaintext: plaintext, EncryptionContext: { dept: "b" } }, bob))).toBe(
        "AccessDeniedException"
      )
      expect(yield* outcome(kms.encrypt({ KeyId: key.Arn, Plaintext: plaintext }, bob))).toBe("AccessDeniedException")
      const refused = yield* failure(kms.createGrant({
        KeyId: key.KeyId,
        GranteePrincipal: bob.principalArn,
        Operations: ["DescribeKey"],
        Constraints: { EncryptionContextEquals: { a: "b" } }
      }, caller))
      expect(refused._tag).toBe("ValidationException")
    }).pipe(Effect.provide(kmsLayer())))

  it.effect("a named CreateGrant retried returns the same grant with a new token; ListGrants shows one", () =>
    Effect.gen(function* () {
      const kms = yield* KmsSim
      const key = yield* newKey
      const request = { KeyId: key.KeyId, GranteePrincipal: bob.principalArn, Operations: ["Decrypt" as const], Name: "once" }
      const first = yield* kms.createGrant(request, caller)
      const again = yield* kms.createGrant(request, caller)
      expect(again.GrantId).toBe(first.GrantId)
      expect(again.GrantToken).not.toBe(first.GrantToken)
      const listed = yield* kms.listGrants({ KeyId: key.Arn }, caller)
      expect(listed.Truncated).toBe(false)
      expect(listed.Grants).toEqual([
        expect.objectContaining({
          KeyId: key.Arn,
          GrantId: first.GrantId,
          Name: "once",
          GranteePrincipal: bob.principalArn,
          IssuingAccount: `arn:aws:iam::${caller.accountId}:root`,
          Operations: ["Decrypt"]
        })
      ])
      const other = yield* kms.createGrant({ ...request, Operations: ["Encrypt"] }, caller)
      expect(other.GrantId).not.toBe(first.GrantId)
      expect((yield* kms.listGrants({ KeyId: key.KeyId, GrantId: other.GrantId }, caller)).Grants.map((g) => g.GrantId)).toEqual([other.GrantId])
      expect((yield* kms.listGrants({ KeyId: key.KeyId, Limit: 1 }, caller)).NextMarker).toBe("1")
      // ListGrants itself needs the key policy's permission.
      expect(yield* outcome(kms.listGrants({ KeyId: key.Arn }, bob))).toBe("AccessDeniedException")
    }).pipe(Effect.provide(kmsLayer())))

  it.effect("RetireGrant by token or id: the retiring principal may, the grantee only when granted RetireGrant", () =>
    Effect.gen(function* () {
      const kms = yield* KmsSim
      const key = yield* newKey
      const g = yield* kms.createGrant({
        KeyId: key.KeyId,
        GranteePrincipal: bob.principalArn,
        RetiringPrincipal: alice.principalArn,
        Operations: ["GenerateDataKey"]
      }, caller)
      const retirable = yield* kms.listRetirableGrants({ RetiringPrincipal: alice.principalArn }, caller)
      expect(retirable.Grants.map((r) => r.GrantId)).toEqual([g.GrantId])
      expect(yield* outcome(kms.retireGrant({ GrantToken: g.GrantToken }, bob))).toBe("AccessDeniedException")
      expect(yield* outcome(kms.retireGrant({ GrantToken: g.GrantToken, DryRun: true }, alice))).toBe("DryRunOperationException")
      expect(yield* outcome(kms.generateDataKey({ KeyId: key.Arn, KeySpec: "AES_256" }, bob))).toBe("ok")
      yield* kms.retireGrant({ GrantToken: g.GrantToken }, alice)
      expect(yield* outcome(kms.generateDataKey({ KeyId: key.Arn, KeySpec: "AES_256" }, bob))).toBe("AccessDeniedException")
      expect(yield* outcome(kms.retireGrant({ GrantToken: g.GrantToken }, alice))).toBe("InvalidGrantTokenException")

      const self = yield* kms.createGrant({ KeyId: key.KeyId, GranteePrincipal: bob.principalArn, Operations: ["Encrypt", "RetireGrant"] }, caller)
      yield* kms.retireGrant({ KeyId: key.Arn, GrantId: self.GrantId }, bob)
      expect((yield* kms.listGrants({ KeyId: key.KeyId }, caller)).Grants).toEqual([])
      expect(yield* outcome(kms.retireGrant({ KeyId: key.Arn }, bob))).toBe("ValidationException")
    }).pipe(Effect.provide(kmsLayer())))

  it.effect("an explicit deny in the key policy stands against a grant; CreateGrant refuses a key pending deletion", () =>
    Effect.gen(function* () {
      const kms = yield* KmsSim
      const key = yield* newKey
      yield* kms.createGrant({ KeyId: key.KeyId, GranteePrincipal: alice.principalArn, Operations: ["Encrypt"] }, caller)
      const policy = JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${caller.accountId}:root` }, Action: "kms:*", Resource: "*" },
          { Effect: "Deny", Principal: { AWS: alice.principalArn }, Action: "kms:Encrypt", Resource: "*" }
        ]
      })
      yield* kms.putKeyPolicy({ KeyId: key.KeyId, Policy: policy }, caller)
      expect(yield* outcome(kms.encrypt({ KeyId: key.KeyId, Plaintext: plaintext }, alice))).toBe("AccessDeniedException")
      yield* kms.scheduleKeyDeletion({ KeyId: key.KeyId, PendingWindowInDays: 7 }, caller)
      expect(yield* outcome(kms.createGrant({ KeyId: key.KeyId, GranteePrincipal: bob.principalArn, Operations: ["Encrypt"] }, caller))).toBe(
        "KMSInvalidStateException"
      )
    }).pipe(Effect.provide(kmsLayer())))
})
