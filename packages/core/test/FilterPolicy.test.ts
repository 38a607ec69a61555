import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { evaluate, parse, type PolicyCall, type Scope, type Verdict } from "../src/FilterPolicy.js"
import type { MessageAttributes } from "../src/Message.js"

const vectorDir = join(import.meta.dirname, "vectors", "filter-policy")

interface MatchCase {
  readonly name: string
  readonly policy: unknown
  readonly scope: Scope
  /** As SNS shows attributes in a notification: `{"Type": …, "Value": …}`. */
  readonly attributes?: Readonly<Record<string, { readonly Type: string; readonly Value: string }>>
  readonly body?: string
  readonly expected: Verdict
}

interface RejectionCase {
  readonly policy: string
  readonly scope: Scope
  readonly call: PolicyCall
  readonly message: string
}

const matchFiles = readdirSync(vectorDir).filter((file) => file.endsWith(".json") && file !== "rejections.json")

const toAttributes = (attributes: MatchCase["attributes"]): MessageAttributes =>
  Object.fromEntries(
    Object.entries(attributes ?? {}).map(([name, { Type, Value }]) => [name, { dataType: Type, stringValue: Value }])
  )

const compiled = (policy: string, scope: Scope) => Either.getOrThrow(parse(policy, scope))

describe("FilterPolicy: the examples of the SNS developer guide", () => {
  it("has vectors for every page", () => {
    expect(matchFiles.sort()).toEqual([
      "and-or-logic.json",
      "attribute-key-matching.json",
      "example-filter-policies.json",
      "numeric-value-matching.json",
      "string-value-matching.json"
    ])
  })
  for (const file of matchFiles) {
    const { cases } = JSON.parse(readFileSync(join(vectorDir, file), "utf8")) as { cases: ReadonlyArray<MatchCase> }
    for (const vector of cases) {
      it(`${file}: ${vector.name} [${vector.scope}]`, () => {
        const policy = compiled(JSON.stringify(vector.policy), vector.scope)
        expect(evaluate(policy, { attributes: toAttributes(vector.attributes), body: vector.body ?? "" }))
          .toBe(vector.expected)
      })
    }
  }
})

describe("FilterPolicy: AWS's rejection texts", () => {
  const { cases } = JSON.parse(readFileSync(join(vectorDir, "rejections.json"), "utf8")) as {
    cases: ReadonlyArray<RejectionCase>
  }
  for (const vector of cases) {
    it(`${vector.call}: ${vector.message}`, () => {
      const result = parse(vector.policy, vector.scope, vector.call)
      expect(Either.isLeft(result)).toBe(true)
      if (Either.isLeft(result)) {
        expect(result.left._tag).toBe("InvalidParameter")
        expect(result.left.message).toBe(vector.message)
      }
    })
  }

  it("accepts exactly 150 combinations (AWS's accepted case)", () => {
    const policy = {
      source: ["aws.cloudwatch", "aws.events", "aws.test"],
      $or: [
        { metricName: ["CPUUtilization", "ReadLatency", "TestVal", "TestVal2", "TestVal3", "TestVal4"] },
        {
          metricType: ["MetricType", "TestType", "TestType2", "TestType3"],
          $or: [{ metricId: [1234, 4321, 5678, 9012] }, { spaceId: [1, 2, 3, 4, 5, 6, 7] }]
        }
      ]
    }
    expect(Either.isRight(parse(JSON.stringify(policy), "MessageAttributes"))).toBe(true)
  })

  it("refuses a policy over 256 KB, and invalid CIDRs and anything-but forms", () => {
    const huge = JSON.stringify({ key: ["x".repeat(256 * 1024)] })
    const reason = (policy: string) => Either.flip(parse(policy, "MessageAttributes")).pipe(Either.getOrThrow).message
    expect(reason(huge)).toBe("Invalid parameter: FilterPolicy: Filter policy can not be larger than 256 KB")
    expect(reason(`{"ip":[{"cidr":"10.0.0.0"}]}`)).toBe("Invalid parameter: FilterPolicy: Malformed CIDR, one '/' required")
    expect(reason(`{"ip":[{"cidr":"10.0.0.0/x"}]}`)).toBe(
      "Invalid parameter: FilterPolicy: Malformed CIDR, mask bits must be an integer"
    )
    expect(reason(`{"ip":[{"cidr":"10.0.0/8"}]}`)).toBe("Invalid parameter: FilterPolicy: Nonstandard IP address: 10.0.0")
    expect(reason(`{"ip":[{"cidr":"10.0.0.0/32"}]}`)).toBe("Invalid parameter: FilterPolicy: IPv4 mask bits must be < 32")
    expect(reason(`{"ip":[{"cidr":"::/128"}]}`)).toBe("Invalid parameter: FilterPolicy: IPv6 mask bits must be < 128")
    expect(reason(`{"k":[{"anything-but":{"wildcard":"a*"}}]}`)).toBe(
      "Invalid parameter: FilterPolicy: Unsupported anything-but pattern: wildcard"
    )
    expect(reason(`{"k":[{"anything-but":{"prefix":""}}]}`)).toBe(
      "Invalid parameter: FilterPolicy: Null prefix/suffix not allowed"
    )
    expect(reason(`{"k":[{"anything-but":["a",1]}]}`)).toBe(
      "Invalid parameter: FilterPolicy: Inside anything but list, either all values are number or string, mixed type is not supported"
    )
    expect(reason(`{"k":[]}`)).toBe("Invalid parameter: FilterPolicy: Empty arrays are not allowed")
    expect(reason(`[1]`)).toBe("Invalid parameter: FilterPolicy: Filter is not an object")
  })
})

describe("FilterPolicy: operators and message shapes", () => {
  const attrs = (entries: Record<string, [string, string]>): MessageAttributes =>
    Object.fromEntries(Object.entries(entries).map(([k, [dataType, stringValue]]) => [k, { dataType, stringValue }]))
  const verdict = (policy: object, scope: Scope, message: { attributes?: MessageAttributes; body?: string }) =>
    evaluate(compiled(JSON.stringify(policy), scope), { attributes: message.attributes ?? {}, body: message.body ?? "" })

  it("suffix, equals-ignore-case and anything-but suffix", () => {
    const body = JSON.stringify({ file: "Report.PDF" })
    expect(verdict({ file: [{ suffix: ".PDF" }] }, "MessageBody", { body })).toBe("Matched")
    expect(verdict({ file: [{ suffix: ".pdf" }] }, "MessageBody", { body })).toBe("FilteredOut")
    expect(verdict({ file: [{ "equals-ignore-case": "report.pdf" }] }, "MessageBody", { body })).toBe("Matched")
    expect(verdict({ file: [{ "anything-but": { suffix: ".PDF" } }] }, "MessageBody", { body })).toBe("FilteredOut")
    expect(verdict({ file: [{ "anything-but": { suffix: ".txt" } }] }, "MessageBody", { body })).toBe("Matched")
  })

  it("cidr over IPv6, never over a host name", () => {
    const policy = { ip: [{ cidr: "2001:db8::/32" }] }
    const at = (ip: string) => verdict(policy, "MessageAttributes", { attributes: attrs({ ip: ["String", ip] }) })
    expect(at("2001:db8:0:0:1::ff")).toBe("Matched")
    expect(at("2001:db9::1")).toBe("FilteredOut")
    expect(at("::ffff:10.0.0.1")).toBe("FilteredOut")
    expect(at("localhost")).toBe("FilteredOut")
  })

  it("a policy number matches only Number attributes, a policy string only String ones", () => {
    expect(verdict({ n: [5] }, "MessageAttributes", { attributes: attrs({ n: ["Number", "5.000001"] }) })).toBe("Matched")
    expect(verdict({ n: [5] }, "MessageAttributes", { attributes: attrs({ n: ["String", "5"] }) })).toBe("FilteredOut")
    expect(verdict({ n: ["5"] }, "MessageAttributes", { attributes: attrs({ n: ["Number", "5"] }) })).toBe("FilteredOut")
    expect(verdict({ n: [5] }, "MessageAttributes", { attributes: attrs({ n: ["String.Array", "[\"5\", 5]"] }) }))
      .toBe("Matched")
  })

  it("Binary attributes are ignored; missing attributes, malformed ones and bad bodies are told apart", () => {
    const binary: MessageAttributes = { k: { dataType: "Binary", binaryValue: new Uint8Array([1]) } }
    expect(verdict({ k: [{ exists: true }] }, "MessageAttributes", { attributes: binary })).toBe("FilteredOut")
    expect(verdict({ k: [{ exists: false }] }, "MessageAttributes", { attributes: binary })).toBe("Matched")
    expect(verdict({ k: ["v"] }, "MessageAttributes", {})).toBe("NoMessageAttributes")
    expect(verdict({ k: [{ exists: false }] }, "MessageAttributes", {})).toBe("Matched")
    expect(verdict({ k: ["v"] }, "MessageAttributes", { attributes: attrs({ k: ["String.Array", "[\"v\""] }) }))
      .toBe("InvalidAttributes")
    expect(verdict({ k: ["v"] }, "MessageAttributes", { attributes: attrs({ k: ["Number", "v"] }) }))
      .toBe("InvalidAttributes")
    expect(verdict({ k: ["v"] }, "MessageBody", { body: "not json" })).toBe("InvalidMessageBody")
    expect(verdict({ k: [{ exists: false }] }, "MessageBody", { body: "[1]" })).toBe("InvalidMessageBody")
  })

  it("MessageBody: nesting and dotted keys reach the same values, through arrays", () => {
    for (const body of [{ a: { b: "x" } }, { "a.b": "x" }, { a: [{ b: ["y", "x"] }] }]) {
      expect(verdict({ a: { b: ["x"] } }, "MessageBody", { body: JSON.stringify(body) })).toBe("Matched")
      expect(verdict({ "a.b": ["x"] }, "MessageBody", { body: JSON.stringify(body) })).toBe("Matched")
    }
    expect(verdict({ a: [{ exists: true }] }, "MessageBody", { body: JSON.stringify({ a: { b: 1 } }) })).toBe("FilteredOut")
    expect(verdict({ a: [{ exists: false }] }, "MessageBody", { body: JSON.stringify({ a: [] }) })).toBe("Matched")
    expect(verdict({ a: [null] }, "MessageBody", { body: JSON.stringify({ a: null }) })).toBe("Matched")
  })

  it("a deeply nested body does not exhaust the stack", () => {
    const depth = 100_000
    const body = "{\"a\":" + "[".repeat(depth) + "\"x\"" + "]".repeat(depth) + "}"
    expect(verdict({ a: ["x"] }, "MessageBody", { body })).toBe("Matched")
  })

  it("$or that SNS does not recognise is an ordinary key", () => {
    const policy = compiled(JSON.stringify({ $or: ["x", "y"] }), "MessageBody")
    expect(evaluate(policy, { attributes: {}, body: JSON.stringify({ $or: "y" }) })).toBe("Matched")
  })
})

describe("filter-policy refusals share one text shape", () => {
  it("every rule, the complexity limit included, reads 'FilterPolicy: <reason>' after the call's prefix", () => {
    const values = (n: number) => Array.from({ length: n }, (_, i) => `v${i}`)
    const refused = [
      JSON.stringify({ a: values(60), b: values(60), c: values(60) }),
      '{"a":[]}',
      '{"a":"x"}',
      '{"a":[{"numeric":[">"]}]}',
      "not json"
    ]
    for (const policy of refused) {
      const set = parse(policy, "MessageAttributes", "SetSubscriptionAttributes")
      const subscribe = parse(policy, "MessageAttributes", "Subscribe")
      const setText = Either.isLeft(set) ? set.left.message : ""
      const subscribeText = Either.isLeft(subscribe) ? subscribe.left.message : ""
      expect(setText, policy).toMatch(/^Invalid parameter: FilterPolicy: \S/)
      expect(subscribeText, policy).toBe(setText.replace("Invalid parameter: ", "Invalid parameter: Attributes Reason: "))
    }
  })
})
