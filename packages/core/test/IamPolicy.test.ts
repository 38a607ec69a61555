import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import * as fc from "fast-check"
import * as Policy from "../src/IamPolicy.js"

const doc = (statements: ReadonlyArray<unknown>): Policy.PolicyDocument => {
  const parsed = Policy.parse(JSON.stringify({ Version: "2012-10-17", Statement: statements }))
  if (Either.isLeft(parsed)) throw new Error(parsed.left.message)
  return parsed.right
}

const aws = (arn: string, accountId: string): Policy.Principal => ({ _tag: "AWS", arn, accountId })
const request = (overrides: Partial<Policy.Request> = {}): Policy.Request => ({
  principal: aws("arn:aws:iam::000000000000:user/alice", "000000000000"),
  action: "kms:Decrypt",
  resource: "arn:aws:kms:us-east-1:000000000000:key/k",
  context: {},
  ...overrides
})

describe("IamPolicy.evaluate", () => {
  it("an explicit Deny beats any Allow", () => {
    const policy = doc([
      { Effect: "Allow", Principal: { AWS: "*" }, Action: "kms:*", Resource: "*" },
      { Effect: "Deny", Principal: { AWS: "arn:aws:iam::000000000000:user/alice" }, Action: "kms:Decrypt", Resource: "*" }
    ])
    expect(Policy.evaluate(policy, request())).toBe("ExplicitDeny")
    expect(Policy.evaluate(policy, request({ action: "kms:Encrypt" }))).toBe("Allow")
    expect(Policy.evaluate(policy, request({ principal: aws("arn:aws:iam::000000000000:user/bob", "000000000000") }))).toBe("Allow")
  })

  it("matches actions case-insensitively with wildcards, resources case-sensitively, and NotAction/NotPrincipal", () => {
    const policy = doc([
      { Effect: "Allow", Principal: "*", Action: "KMS:generatedatakey*", Resource: "arn:aws:kms:*:000000000000:key/*" },
      { Effect: "Allow", NotPrincipal: { AWS: "111111111111" }, NotAction: ["kms:Put*", "kms:Schedule*"], Resource: "*" }
    ])
    const outsider = aws("arn:aws:iam::111111111111:user/eve", "111111111111")
    expect(Policy.evaluate(policy, request({ principal: outsider, action: "kms:GenerateDataKeyWithoutPlaintext" }))).toBe("Allow")
    expect(
      Policy.evaluate(policy, request({ principal: outsider, action: "kms:GenerateDataKey", resource: "ARN:aws:kms:us-east-1:000000000000:key/k" }))
    ).toBe("ImplicitDeny")
    expect(Policy.evaluate(policy, request({ principal: outsider, action: "kms:Decrypt" }))).toBe("ImplicitDeny")
    expect(Policy.evaluate(policy, request({ action: "kms:Decrypt" }))).toBe("Allow")
    expect(Policy.evaluate(policy, request({ action: "kms:PutKeyPolicy" }))).toBe("ImplicitDeny")
  })

  it("evaluates condition operators: String*, IfExists, Null, Bool, ForAnyValue and ForAllValues", () => {
    const allowIf = (condition: unknown) => doc([{ Effect: "Allow", Principal: "*", Action: "kms:*", Resource: "*", Condition: condition }])
    const ctx = { "kms:EncryptionContext:tenant": "t1", "kms:EncryptionContextKeys": ["tenant", "app"], "aws:SecureTransport": "true" }
    const cases: ReadonlyArray<[unknown, Policy.Decision]> = [
      [{ StringEquals: { "kms:EncryptionContext:tenant": ["t2", "t1"] } }, "Allow"],
      [{ StringEquals: { "KMS:ENCRYPTIONCONTEXT:TENANT": "t1" } }, "Allow"],
      [{ StringEquals: { "kms:EncryptionContext:tenant": "T1" } }, "ImplicitDeny"],
      [{ StringEqualsIgnoreCase: { "kms:EncryptionContext:tenant": "T1" } }, "Allow"],
      [{ StringNotEquals: { "kms:EncryptionContext:tenant": "t1" } }, "ImplicitDeny"],
      [{ StringNotEquals: { "kms:ViaService": "sns.us-east-1.amazonaws.com" } }, "Allow"],
      [{ StringLike: { "kms:EncryptionContext:tenant": "t?" } }, "Allow"],
      [{ StringEquals: { "kms:ViaService": "sns.us-east-1.amazonaws.com" } }, "ImplicitDeny"],
      [{ StringEqualsIfExists: { "kms:ViaService": "sns.us-east-1.amazonaws.com" } }, "Allow"],
      [{ Null: { "kms:ViaService": "true" } }, "Allow"],
      [{ Null: { "kms:EncryptionContext:tenant": "true" } }, "ImplicitDeny"],
      [{ Bool: { "aws:SecureTransport": true } }, "Allow"],
      [{ "ForAnyValue:StringEquals": { "kms:EncryptionContextKeys": "app" } }, "Allow"],
      [{ "ForAllValues:StringEquals": { "kms:EncryptionContextKeys": ["tenant"] } }, "ImplicitDeny"],
      [{ "ForAllValues:StringEquals": { "kms:EncryptionContextKeys": ["tenant", "app", "x"] } }, "Allow"],
      [{ StringEquals: { "kms:EncryptionContext:tenant": "t1" }, Bool: { "aws:SecureTransport": "false" } }, "ImplicitDeny"]
    ]
    for (const [condition, expected] of cases) {
      expect([condition, Policy.evaluate(allowIf(condition), request({ context: ctx }))]).toEqual([condition, expected])
    }
  })

  it("wildcardMatch agrees with a regular-expression reference", () => {
    const toRegExp = (pattern: string) =>
      new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replaceAll("*", ".*").replaceAll("?", ".")}$`, "s")
    const alphabet = fc.constantFrom("a", "b", "*", "?", ":", "/")
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 8 }).map((a) => a.join("")), fc.array(fc.constantFrom("a", "b", ":", "/", "*"), { maxLength: 10 }).map((a) => a.join("")), (pattern, value) => {
        expect(Policy.wildcardMatch(pattern, value)).toBe(toRegExp(pattern).test(value))
      }),
      { numRuns: 2000 }
    )
  })
})

describe("IamPolicy.parse", () => {
  it("refuses what is not a policy with PolicyDocumentError, never a throw", () => {
    const bad = [
      "not json",
      "[]",
      JSON.stringify({ Statement: [{ Effect: "Maybe", Principal: "*", Action: "kms:*" }] }),
      JSON.stringify({ Statement: [{ Effect: "Allow", Principal: "*" }] }),
      JSON.stringify({ Statement: [{ Effect: "Allow", Principal: "*", Action: "a", NotAction: "b" }] }),
      JSON.stringify({ Statement: [{ Effect: "Allow", Action: "kms:*" }] }),
      JSON.stringify({ Statement: [{ Effect: "Allow", Principal: "*", Action: "kms:*", Condition: { Wibble: { a: "b" } } }] }),
      JSON.stringify({ Statement: [{ Effect: "Allow", Principal: "*", Action: "kms:*", Extra: 1 }] })
    ]
    for (const text of bad) {
      const parsed = Policy.parse(text)
      expect(Either.isLeft(parsed) && parsed.left._tag).toBe("PolicyDocumentError")
    }
  })

  it("never throws on arbitrary JSON", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(() => Policy.parse(JSON.stringify(value))).not.toThrow()
      }),
      { numRuns: 500 }
    )
  })

  it("accepts a single statement object as well as a list", () => {
    const parsed = Policy.parse(JSON.stringify({ Statement: { Effect: "Allow", Principal: { AWS: ["1", "2"] }, Action: "kms:*" } }))
    expect(Either.isRight(parsed) && parsed.right.Statement.length).toBe(1)
  })
})
