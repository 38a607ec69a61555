import { Errors as CoreErrors } from "@sealcast/core"
import { Errors as KmsErrors } from "@sealcast/kms-sim"
import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { authErrorTags } from "../src/auth/AuthErrors.js"
import { describeError, errorTable, transportErrorTags } from "../src/ErrorTable.js"
import { kmsProtocolErrorTags } from "../src/kms/Errors.js"
import { queryErrorTags } from "../src/query/Errors.js"

const lists = {
  core: CoreErrors.snsErrorTags,
  query: queryErrorTags,
  auth: authErrorTags,
  kms: KmsErrors.kmsErrorTags,
  kmsProtocol: kmsProtocolErrorTags,
  transport: transportErrorTags
}

describe("the error table", () => {
  it.each(Object.entries(lists))("has a row for every %s error tag", (_, tags) => {
    for (const tag of tags) {
      expect(Object.hasOwn(errorTable, tag), tag).toBe(true)
    }
  })

  it("has no row for a tag no layer raises", () => {
    const known = new Set(Object.values(lists).flat())
    expect(Object.keys(errorTable).filter((tag) => !known.has(tag as never))).toEqual([])
  })

  it("every row is a 4xx sender fault or a 5xx receiver fault", () => {
    for (const [tag, row] of Object.entries(errorTable)) {
      expect(row.fault === "Sender" ? row.status >= 400 && row.status < 500 : row.status >= 500, tag).toBe(true)
    }
  })

  it("uses AWS's statuses for the rows the SNS model and docs/SEMANTICS.md spell out", () => {
    const expected: Record<string, readonly [string, number, "Sender" | "Receiver"]> = {
      InvalidParameter: ["InvalidParameter", 400, "Sender"],
      NotFound: ["NotFound", 404, "Sender"],
      ResourceNotFound: ["ResourceNotFound", 404, "Sender"],
      AuthorizationError: ["AuthorizationError", 403, "Sender"],
      InvalidSecurity: ["InvalidSecurity", 403, "Sender"],
      KMSOptInRequired: ["KMSOptInRequired", 403, "Sender"],
      KMSDisabled: ["KMSDisabled", 400, "Sender"],
      KMSAccessDenied: ["KMSAccessDenied", 400, "Sender"],
      TopicLimitExceeded: ["TopicLimitExceeded", 403, "Sender"],
      SubscriptionLimitExceeded: ["SubscriptionLimitExceeded", 403, "Sender"],
      FilterPolicyLimitExceeded: ["FilterPolicyLimitExceeded", 403, "Sender"],
      ReplayLimitExceeded: ["ReplayLimitExceeded", 403, "Sender"],
      StoreFailure: ["InternalError", 500, "Receiver"],
      ValidationError: ["ValidationError", 400, "Sender"],
      MissingAuthenticationToken: ["MissingAuthenticationToken", 403, "Sender"],
      SignatureDoesNotMatch: ["SignatureDoesNotMatch", 403, "Sender"],
      NotFoundException: ["NotFoundException", 400, "Sender"],
      KMSInternalException: ["KMSInternalException", 500, "Receiver"],
      RequestEntityTooLarge: ["RequestEntityTooLarge", 413, "Sender"]
    }
    for (const [tag, [code, status, fault]] of Object.entries(expected)) {
      expect(describeError({ _tag: tag, message: "m" }), tag).toMatchObject({ code, status, fault, message: "m" })
    }
  })

  // Every SNS error of the service model (test/vectors/sns-model, made by its generate.py from botocore).
  const model: {
    readonly errors: Readonly<Record<string, { readonly code: string; readonly status: number; readonly fault: string }>>
  } = JSON.parse(readFileSync(new URL("vectors/sns-model/errors.json", import.meta.url), "utf8"))
  const modelByCode = new Map(Object.values(model.errors).map((e) => [e.code, e]))

  it("answers every error the SNS core raises with the model's code, status and fault", () => {
    for (const tag of CoreErrors.snsErrorTags) {
      const row = errorTable[tag]
      const declared = modelByCode.get(row.code)
      expect(declared, tag).toBeDefined()
      expect({ code: row.code, status: row.status, fault: row.fault }, tag).toEqual({
        code: declared?.code,
        status: declared?.status,
        fault: declared?.fault
      })
    }
  })

  it("raises every model error but those the SNS audit lists as never arising here", () => {
    // packages/core/README.md, "Audit against the SNS API Reference": conditions Sealcast does not have.
    const neverRaised = new Set([
      "Throttled",
      "ConcurrentAccess",
      "StaleTag",
      "TagPolicy",
      "InvalidState",
      "OptedOut",
      "UserError",
      "PlatformApplicationDisabled",
      "ValidationException"
    ])
    const raised = new Set(CoreErrors.snsErrorTags.map((tag) => errorTable[tag].code))
    expect([...modelByCode.keys()].filter((code) => !raised.has(code) && !neverRaised.has(code))).toEqual([])
  })

  it("describes a tagged error with its own message", () => {
    expect(describeError(new CoreErrors.NotFound({ message: "Topic does not exist" }))).toMatchObject({
      code: "NotFound",
      status: 404,
      fault: "Sender",
      message: "Topic does not exist"
    })
  })

  it("an unknown tag is an InternalFailure that does not repeat its message", () => {
    for (const tag of ["Boom", "__proto__", "toString", "constructor"]) {
      expect(describeError({ _tag: tag, message: "internal detail" })).toMatchObject({
        code: "InternalFailure",
        status: 500,
        fault: "Receiver",
        message: "The request processing has failed because of an unknown error, exception or failure."
      })
    }
  })
})
