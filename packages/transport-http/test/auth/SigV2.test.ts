import { Either } from "effect"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import type { HttpRequestParts } from "../../src/auth/Request.js"
import { sign, type SigV2Options, stringToSign, verifySigV2 } from "../../src/auth/SigV2.js"
import { EXAMPLE_KEY_ID, EXAMPLE_SECRET, exampleCredential, lookupOf, outcome, run } from "./support.js"

const NOW = Date.UTC(2026, 10, 28, 19, 22, 33)
const MINUTE = 60_000
const options = (overrides: Partial<SigV2Options> = {}): SigV2Options => ({
  now: NOW,
  lookup: lookupOf(exampleCredential()),
  ...overrides
})
const verify = (parts: HttpRequestParts, overrides: Partial<SigV2Options> = {}) => outcome(verifySigV2(parts, options(overrides)))

/** A form POST signed with this module's SigV2 steps (the botocore fixtures pin those steps). */
const signedPost = (
  params: ReadonlyArray<readonly [string, string]>,
  { method = "HmacSHA256", secret = EXAMPLE_SECRET }: { method?: "HmacSHA256" | "HmacSHA1"; secret?: string } = {}
): HttpRequestParts => {
  const all = [...params, ["AWSAccessKeyId", EXAMPLE_KEY_ID], ["SignatureVersion", "2"], ["SignatureMethod", method]] as const
  const signature = sign(secret, stringToSign("POST", "127.0.0.1:9443", "/", all), method)
  return {
    method: "POST",
    rawPath: "/",
    rawQuery: "",
    rawHeaders: [["Host", "127.0.0.1:9443"]],
    body: new Uint8Array(),
    formParams: [...all, ["Signature", signature]]
  }
}
const base = [["Action", "ListTopics"], ["Version", "2010-03-31"], ["Timestamp", "2026-11-28T19:22:33Z"]] as const

describe("SigV2", () => {
  it("the string to sign is AWS's: method, lower-case host, path, sorted encoded parameters", () => {
    expect(stringToSign("POST", "SNS.us-east-1.amazonaws.com", "", [["b", "x y"], ["a", "é~*"], ["Signature", "s"], ["A", "+"]]))
      .toBe("POST\nsns.us-east-1.amazonaws.com\n/\nA=%2B&a=%C3%A9~%2A&b=x%20y")
  })

  it("verifies HmacSHA256 and HmacSHA1, and refuses any flipped parameter, host or path byte", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.string({ unit: "grapheme", minLength: 1, maxLength: 6 }), fc.string({ unit: "grapheme", maxLength: 6 })), { maxLength: 4 }),
        fc.constantFrom("HmacSHA256" as const, "HmacSHA1" as const),
        fc.nat(),
        (extra, method, at) => {
          const params = [...base, ...extra.filter(([k]) => !/^(Signature|AWSAccessKeyId|SignatureVersion|SignatureMethod|Timestamp|Expires|SecurityToken)/.test(k))]
          const parts = signedPost(params, { method })
          expect(verify(parts)).toBe("ok")
          const form = parts.formParams!
          const i = at % form.length
          const [name, value] = form[i]!
          const flipped = value === "" ? "x" : value.slice(0, -1) + String.fromCharCode(value.charCodeAt(value.length - 1) ^ 1)
          expect(verify({ ...parts, formParams: form.map((p, j) => (j === i ? [name, flipped] : p)) })).not.toBe("ok")
          expect(verify({ ...parts, rawHeaders: [["Host", "127.0.0.1:9442"]] })).toBe("SignatureDoesNotMatch")
          expect(verify({ ...parts, rawPath: "/x" })).toBe("SignatureDoesNotMatch")
        }
      ),
      { numRuns: 200 }
    )
  })

  it("a wrong secret is SignatureDoesNotMatch; with debug the string to sign is shown", () => {
    const parts = signedPost(base, { secret: "wrong" })
    const result = run(verifySigV2(parts, options({ debug: true })))
    expect(Either.isLeft(result) && result.left._tag).toBe("SignatureDoesNotMatch")
    expect(Either.isLeft(result) && result.left.message).toContain(
      "\n\nThe String-to-Sign should have been\n'POST\n127.0.0.1:9443\n/\nAWSAccessKeyId=AKIDEXAMPLE&Action=ListTopics"
    )
  })

  it("Timestamp must be within 15 minutes; Expires must not have passed; one of them, not both", () => {
    const parts = signedPost(base)
    expect(verify(parts, { now: NOW + 15 * MINUTE })).toBe("ok")
    expect(run(verifySigV2(parts, options({ now: NOW + 16 * MINUTE })))).toEqual(Either.left(expect.objectContaining({
      _tag: "RequestExpired",
      message: "Signature expired: 20261128T192233Z is now earlier than 20261128T192333Z (20261128T193833Z - 15 min.)"
    })))
    expect(verify(parts, { now: NOW - 16 * MINUTE })).toBe("RequestExpired")
    const expiring = signedPost([["Action", "ListTopics"], ["Expires", "2026-11-28T20:00:00.000Z"]])
    expect(verify(expiring, { now: Date.UTC(2026, 10, 28, 19, 59) })).toBe("ok")
    expect(verify(expiring, { now: Date.UTC(2026, 10, 28, 20, 1) })).toBe("RequestExpired")
    expect(verify(signedPost([...base, ["Expires", "2026-11-28T20:00:00Z"]]))).toBe("IncompleteSignature")
    expect(verify(signedPost([["Action", "ListTopics"]]))).toBe("IncompleteSignature")
    expect(verify(signedPost([["Action", "ListTopics"], ["Timestamp", "yesterday"]]))).toBe("IncompleteSignature")
    expect(verify(signedPost([["Action", "ListTopics"], ["Timestamp", "2026-11-28T21:22:33+02:00"]]))).toBe("ok")
  })

  it("unknown keys, session tokens, missing or unsupported parameters", () => {
    expect(verify(signedPost(base), { lookup: lookupOf() })).toBe("InvalidClientTokenId")
    const temporary = lookupOf(exampleCredential("tok"))
    expect(verify(signedPost([...base, ["SecurityToken", "tok"]]), { lookup: temporary })).toBe("ok")
    expect(verify(signedPost([...base, ["SecurityToken", "tok2"]]), { lookup: temporary })).toBe("InvalidClientTokenId")
    expect(verify(signedPost(base), { lookup: temporary })).toBe("InvalidClientTokenId")
    const parts = signedPost(base)
    const without = (name: string) => ({ ...parts, formParams: parts.formParams!.filter(([k]) => k !== name) })
    expect(run(verifySigV2(without("Signature"), options()))).toEqual(Either.left(expect.objectContaining({
      _tag: "IncompleteSignature",
      message: "The request must contain the parameter Signature."
    })))
    const replaced = (name: string, value: string) => ({
      ...parts,
      formParams: parts.formParams!.map(([k, v]) => [k, k === name ? value : v] as const)
    })
    expect(verify(replaced("SignatureVersion", "1"))).toBe("IncompleteSignature")
    expect(verify(replaced("SignatureMethod", "HmacMD5"))).toBe("IncompleteSignature")
    expect(verify({ ...parts, formParams: [...parts.formParams!, ["Signature", "again"]] })).toBe("IncompleteSignature")
  })

  it("a GET carries the parameters in its query string, form-encoded", () => {
    const post = signedPost([...base, ["Message", "a b+c"]])
    const rawQuery = post.formParams!.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v).replace(/%20/g, "+")}`).join("&")
    const get = { ...post, method: "GET", rawQuery }
    const { formParams: _, ...withoutForm } = get
    // The method is signed, so the POST's signature does not carry over to a GET.
    expect(verify(withoutForm)).toBe("SignatureDoesNotMatch")
    const resigned = stringToSign("GET", "127.0.0.1:9443", "/", post.formParams!)
    const signature = sign(EXAMPLE_SECRET, resigned, "HmacSHA256")
    const getQuery = rawQuery.replace(/Signature=[^&]*/, `Signature=${encodeURIComponent(signature)}`)
    expect(verify({ ...withoutForm, rawQuery: getQuery })).toBe("ok")
  })
})
