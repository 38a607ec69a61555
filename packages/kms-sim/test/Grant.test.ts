import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import * as fc from "fast-check"
import * as Grant from "../src/Grant.js"

const bob = { arn: "arn:aws:iam::111111111111:user/bob", accountId: "111111111111" }
const carol = { arn: "arn:aws:iam::111111111111:user/carol", accountId: "111111111111" }
const owner = { arn: "arn:aws:iam::000000000000:root", accountId: "000000000000" }

const grant = (overrides: Partial<Grant.Grant> = {}): Grant.Grant => ({
  grantId: "a".repeat(64),
  granteePrincipal: bob.arn,
  operations: ["Encrypt", "Decrypt"],
  issuingAccount: "000000000000",
  creationDate: 0,
  tokens: ["t"],
  ...overrides
})
const context = fc.dictionary(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 }), { maxKeys: 4 })

describe("Grant.allows", () => {
  it("gives the grantee exactly the grant's operations", () => {
    expect(Grant.allows([grant()], bob, "Decrypt", undefined)).toBe(true)
    expect(Grant.allows([grant()], bob, "GenerateDataKey", undefined)).toBe(false)
    expect(Grant.allows([grant()], carol, "Decrypt", undefined)).toBe(false)
    expect(Grant.allows(undefined, bob, "Decrypt", undefined)).toBe(false)
  })

  it("a grant to an account's root covers that account's principals", () => {
    const g = grant({ granteePrincipal: "arn:aws:iam::111111111111:root" })
    expect(Grant.allows([g], carol, "Encrypt", undefined)).toBe(true)
    expect(Grant.allows([g], owner, "Encrypt", undefined)).toBe(false)
  })

  it("EncryptionContextEquals needs exactly the pairs; EncryptionContextSubset needs them among others", () => {
    fc.assert(
      fc.property(context, context, (required, extra) => {
        const both = { ...extra, ...required }
        const subset = grant({ constraints: { EncryptionContextSubset: required } })
        const equals = grant({ constraints: { EncryptionContextEquals: required } })
        expect(Grant.allows([subset], bob, "Decrypt", both)).toBe(true)
        expect(Grant.allows([equals], bob, "Decrypt", required)).toBe(true)
        const sameKeys = Object.keys(both).length === Object.keys(required).length
        expect(Grant.allows([equals], bob, "Decrypt", both)).toBe(sameKeys)
      })
    )
    const subset = grant({ constraints: { EncryptionContextSubset: { dept: "a" } } })
    expect(Grant.allows([subset], bob, "Decrypt", { dept: "b" })).toBe(false)
    expect(Grant.allows([subset], bob, "Decrypt", undefined)).toBe(false)
  })
})

describe("Grant.mayRetire", () => {
  it("the retiring principal, the grantee given RetireGrant, and the issuing account's root", () => {
    const g = grant({ retiringPrincipal: carol.arn })
    expect(Grant.mayRetire(g, carol)).toBe(true)
    expect(Grant.mayRetire(g, bob)).toBe(false)
    expect(Grant.mayRetire({ ...g, operations: ["Decrypt", "RetireGrant"] }, bob)).toBe(true)
    expect(Grant.mayRetire(g, owner)).toBe(true)
    expect(Grant.mayRetire(g, { arn: "arn:aws:iam::000000000000:user/alice", accountId: "000000000000" })).toBe(false)
  })
})

describe("Grant.checkNew", () => {
  const request: Grant.GrantRequest = { granteePrincipal: bob.arn, operations: ["Decrypt"] }

  it("constraints only with operations that take an encryption context, and one kind at a time", () => {
    const withDescribe = { ...request, operations: ["Decrypt", "DescribeKey"] as const, constraints: { EncryptionContextSubset: { a: "b" } } }
    expect(Either.getOrThrowWith(Either.flip(Grant.checkNew([], withDescribe, "k")), () => "ok")._tag).toBe("ValidationException")
    const both = { ...request, constraints: { EncryptionContextSubset: { a: "b" }, EncryptionContextEquals: { a: "b" } } }
    expect(Either.isLeft(Grant.checkNew([], both, "k"))).toBe(true)
    expect(Either.isRight(Grant.checkNew([], { ...request, constraints: { EncryptionContextEquals: { a: "b" } } }, "k"))).toBe(true)
  })

  it("refuses the 501st grant for one grantee on a key", () => {
    const existing = Array.from({ length: Grant.MAX_GRANTS_PER_PRINCIPAL }, (_, i) => grant({ grantId: String(i) }))
    expect(Either.flip(Grant.checkNew(existing, request, "k")).pipe(Either.map((e) => e._tag))).toEqual(Either.right("LimitExceededException"))
    expect(Either.isRight(Grant.checkNew(existing, { ...request, granteePrincipal: carol.arn }, "k"))).toBe(true)
  })

  it("sameRequest matches a named grant only on identical parameters", () => {
    const named = grant({ name: "n", operations: ["Decrypt", "Encrypt"] })
    expect(Grant.sameRequest(named, { name: "n", granteePrincipal: bob.arn, operations: ["Encrypt", "Decrypt"] })).toBe(true)
    expect(Grant.sameRequest(named, { name: "n", granteePrincipal: bob.arn, operations: ["Encrypt"] })).toBe(false)
    expect(Grant.sameRequest(named, { name: "m", granteePrincipal: bob.arn, operations: ["Encrypt", "Decrypt"] })).toBe(false)
    expect(Grant.sameRequest(grant(), { granteePrincipal: bob.arn, operations: ["Encrypt", "Decrypt"] })).toBe(false)
  })
})
