import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { makeSigningKeyCache } from "../../src/auth/SigningKeyCache.js"
import { signingKey } from "../../src/auth/SigV4.js"

describe("SigningKeyCache", () => {
  it("returns the derived key, derives once per scope, and holds at most its capacity (least recently used out)", () => {
    // Model: the list of scopes, most recently used last; a hit must not derive, a miss must.
    const scope = fc.record({
      secret: fc.constantFrom("s1", "s2"),
      date: fc.constantFrom("20261127", "20261128"),
      region: fc.constantFrom("us-east-1", "eu-west-1"),
      service: fc.constantFrom("sns", "kms")
    })
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.array(scope, { maxLength: 40 }), (capacity, scopes) => {
        const cache = makeSigningKeyCache(capacity)
        let recent: Array<string> = []
        for (const s of scopes) {
          const id = JSON.stringify(s)
          let derived = false
          const key = cache.get(s.secret, s.date, s.region, s.service, () => {
            derived = true
            return signingKey(s.secret, s)
          })
          expect(key).toEqual(signingKey(s.secret, s))
          expect(derived).toBe(!recent.includes(id))
          recent = [...recent.filter((r) => r !== id), id].slice(-capacity)
          expect(cache.size()).toBe(recent.length)
        }
      }),
      { numRuns: 1000 }
    )
  })
})
