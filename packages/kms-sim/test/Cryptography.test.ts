import type { KmsCaller } from "@sealcast/core/Kms"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { emptyNode, passNode } from "../src/internal/operations/Cryptography.js"

// Two pieces only, so that questions often share all but one part, and a part of one question
// often equals a part of another at another place (a service principal and a context key).
const piece = fc.constantFrom("", "a")
const caller: fc.Arbitrary<KmsCaller> = fc.record(
  {
    accountId: piece,
    principalArn: piece,
    viaService: fc.constantFrom("sns" as const, "sqs" as const),
    service: fc.record({ principal: piece, sourceArn: piece, sourceAccount: piece })
  },
  { requiredKeys: ["accountId", "principalArn"] }
)
const context = fc.array(fc.tuple(piece, piece), { maxLength: 2 }).map((entries) => Object.fromEntries(entries))
const question = fc.tuple(piece, caller, context)

/** A question as the list of its parts in order, the context's entries in the order a walk sees them. */
const parts = ([keyIdText, who, ctx]: readonly [string, KmsCaller, Record<string, string>]) =>
  JSON.stringify([keyIdText, who.accountId, who.principalArn, who.viaService ?? null, who.service ?? null, Object.entries(ctx)])

describe("checkKeyForUse's remembered passes", () => {
  it("answer a question only with the pass remembered for that same question", () => {
    fc.assert(
      fc.property(fc.array(question, { minLength: 1, maxLength: 16 }), question, (remembered, asked) => {
        const root = emptyNode()
        remembered.forEach(([keyIdText, who, ctx], i) => {
          passNode(root, keyIdText, who, ctx, true)!.pass = { keyArn: String(i) }
        })
        const found = passNode(root, asked[0], asked[1], asked[2], false)?.pass
        const last = remembered.map(parts).lastIndexOf(parts(asked))
        expect(found).toEqual(last < 0 ? undefined : { keyArn: String(last) })
      }),
      { numRuns: 3000 }
    )
  })
})
