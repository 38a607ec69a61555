/**
 * Requests signed by botocore, an independent implementation (fixtures made by
 * `test/vectors/botocore/generate.py`), verify; and with the signature or a signed parameter changed
 * they do not.
 */
import { readFileSync } from "node:fs"
import { Either } from "effect"
import { describe, expect, it } from "vitest"
import type { HttpRequestParts } from "../../src/auth/Request.js"
import { verifySigV2 } from "../../src/auth/SigV2.js"
import { verifySigV4 } from "../../src/auth/SigV4.js"
import * as Form from "../../src/query/Form.js"
import { vectorPath } from "./rawRequest.js"
import { exampleCredential, lookupOf, outcome, run } from "./support.js"

interface Fixture {
  readonly now: string
  readonly secretAccessKey: string
  readonly region: string
  readonly cases: ReadonlyArray<{
    readonly name: string
    readonly accessKeyId: string
    readonly sessionToken: string | null
    readonly request: {
      readonly method: string
      readonly rawPath: string
      readonly rawQuery: string
      readonly rawHeaders: ReadonlyArray<readonly [string, string]>
      readonly bodyBase64: string
      readonly formParams?: ReadonlyArray<readonly [string, string]>
    }
  }>
}

const load = (file: string): Fixture => JSON.parse(readFileSync(vectorPath("botocore", file), "utf8")) as Fixture

const partsOf = (request: Fixture["cases"][number]["request"]): HttpRequestParts => ({
  method: request.method,
  rawPath: request.rawPath,
  rawQuery: request.rawQuery,
  rawHeaders: request.rawHeaders,
  body: Uint8Array.from(Buffer.from(request.bodyBase64, "base64")),
  ...(request.formParams === undefined ? {} : { formParams: request.formParams })
})

const lookupFor = (fixture: Fixture, c: Fixture["cases"][number]) =>
  lookupOf({
    ...exampleCredential(c.sessionToken ?? undefined),
    accessKeyId: c.accessKeyId,
    secretAccessKey: fixture.secretAccessKey
  })

describe("botocore SigV4Auth / SigV4QueryAuth fixtures", () => {
  const fixture = load("sigv4.json")
  const now = Date.parse(fixture.now)
  it.each(fixture.cases)("$name verifies", (c) => {
    const service = c.name.startsWith("kms") ? "kms" : "sns"
    const verify = (parts: HttpRequestParts) =>
      verifySigV4(parts, { region: fixture.region, service, now, lookup: lookupFor(fixture, c) })
    const parts = partsOf(c.request)
    const identity = Either.getOrThrow(run(verify(parts)))
    expect(identity).toMatchObject({ scheme: "sigv4", region: "us-east-1", service })
    expect(outcome(verify({ ...parts, method: parts.method === "GET" ? "PUT" : "GET" }))).toBe("SignatureDoesNotMatch")
    expect(outcome(verify({ ...parts, rawPath: `${parts.rawPath}x` }))).toBe("SignatureDoesNotMatch")
  })
})

describe("botocore requests beyond ASCII and in the query", () => {
  const fixture = load("sigv4.json")
  const find = (name: string) => fixture.cases.find((c) => c.name === name)!

  it("a UTF-8 header value is hashed as the bytes received: one byte changed is refused", () => {
    const c = find("utf8-header-values")
    const parts = partsOf(c.request)
    const verify = (p: HttpRequestParts) =>
      verifySigV4(p, { region: fixture.region, service: "sns", now: Date.parse(fixture.now), lookup: lookupFor(fixture, c) })
    expect(outcome(verify(parts))).toBe("ok")
    // The same text read as characters rather than bytes (what re-encoding the Latin-1 string as UTF-8 hashed).
    const asText = parts.rawHeaders.map(([k, v]) => [k, k === "X-Note" ? Buffer.from(v, "latin1").toString("utf8") : v] as const)
    expect(outcome(verify({ ...parts, rawHeaders: asText }))).toBe("SignatureDoesNotMatch")
  })

  it("a presigned POST's parameters are read from its query string", () => {
    const c = find("presigned-post")
    const parts = partsOf(c.request)
    expect(parts.body.length).toBe(0)
    const form = Either.getOrThrow(Form.parseRequest(parts.method, parts.rawQuery, parts.body))
    expect(form.get("Action")).toBe("Publish")
    expect(form.get("Message")).toBe("h\u00e9llo \u20ac")
  })
})

describe("botocore SigV2Auth fixtures", () => {
  const fixture = load("sigv2.json")
  const now = Date.parse(fixture.now)
  it.each(fixture.cases)("$name verifies, and refuses any changed parameter value", (c) => {
    const verify = (parts: HttpRequestParts) => verifySigV2(parts, { now, lookup: lookupFor(fixture, c) })
    const parts = partsOf(c.request)
    expect(Either.getOrThrow(run(verify(parts)))).toMatchObject({ scheme: "sigv2", accessKeyId: "AKIDEXAMPLE" })
    const params = parts.formParams
    if (params !== undefined) {
      params.forEach(([name], i) => {
        const changed = params.map(([k, v], j) => [k, j === i ? `${v}x` : v] as const)
        expect(outcome(verify({ ...parts, formParams: changed })), name).not.toBe("ok")
      })
    } else {
      expect(outcome(verify({ ...parts, rawQuery: parts.rawQuery.replace("ListTopics", "ListTopicz") }))).toBe(
        "SignatureDoesNotMatch"
      )
    }
    expect(outcome(verify({ ...parts, rawHeaders: [["Host", "127.0.0.1:9444"]] }))).toBe("SignatureDoesNotMatch")
  })
})
