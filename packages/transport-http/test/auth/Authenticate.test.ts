import { describe, expect, it } from "vitest"
import { authenticate, detectScheme } from "../../src/auth/Authenticate.js"
import { authErrorTags } from "../../src/auth/AuthErrors.js"
import type { HttpRequestParts } from "../../src/auth/Request.js"
import { sign, stringToSign } from "../../src/auth/SigV2.js"
import { signWithSmithy } from "./smithy.js"
import { EXAMPLE_KEY_ID, EXAMPLE_SECRET, exampleCredential, lookupOf, outcome } from "./support.js"

const NOW = Date.UTC(2026, 10, 28, 19, 22, 33)
const options = { region: "us-east-1", service: "sns", now: NOW, lookup: lookupOf(exampleCredential()) }
const bare: HttpRequestParts = { method: "POST", rawPath: "/", rawQuery: "", rawHeaders: [["Host", "127.0.0.1:9443"]], body: new Uint8Array() }

describe("authenticate", () => {
  it("picks SigV4 (header or presigned), SigV2, or nothing", async () => {
    const header = await signWithSmithy({ method: "POST", path: "/", query: {}, headers: {}, body: new Uint8Array() }, { date: new Date(NOW) })
    const presigned = await signWithSmithy({ method: "GET", path: "/", query: {}, headers: {}, body: new Uint8Array() }, { date: new Date(NOW), presignSeconds: 60 })
    const params = [["Action", "ListTopics"], ["AWSAccessKeyId", EXAMPLE_KEY_ID], ["SignatureVersion", "2"], ["SignatureMethod", "HmacSHA256"], ["Timestamp", "2026-11-28T19:22:33Z"]] as const
    const v2: HttpRequestParts = {
      ...bare,
      formParams: [...params, ["Signature", sign(EXAMPLE_SECRET, stringToSign("POST", "127.0.0.1:9443", "/", params), "HmacSHA256")]]
    }
    expect([header, presigned, v2, bare].map(detectScheme)).toEqual(["sigv4", "sigv4", "sigv2", "none"])
    expect(outcome(authenticate(header, options))).toBe("ok")
    expect(outcome(authenticate(presigned, options))).toBe("ok")
    expect(outcome(authenticate(v2, options))).toBe("ok")
    expect(outcome(authenticate(bare, options))).toBe("MissingAuthenticationToken")
    expect(outcome(authenticate({ ...bare, rawHeaders: [["Authorization", "Basic dXNlcjpwYXNz"]] }, options))).toBe("IncompleteSignature")
  })

  it("lists every error tag once", () => {
    expect(new Set(authErrorTags).size).toBe(5)
  })
})
