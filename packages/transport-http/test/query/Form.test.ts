import { Either } from "effect"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import * as Form from "../../src/query/Form.js"

const bytes = (s: string) => new TextEncoder().encode(s)
const parse = (s: string) => Form.parse(bytes(s))
const entries = (s: string) => Either.map(parse(s), (form) => [...form])

describe("Form.parse", () => {
  it("decodes `+` as a space and %XX as UTF-8 bytes, keeping arrival order", () => {
    expect(entries("b=x+y&a=%C3%BC%F0%9F%98%80%2B%26&c")).toEqual(
      Either.right([["b", "x y"], ["a", "ü😀+&"], ["c", ""]])
    )
  })

  it("skips empty pieces and splits each at its first `=`", () => {
    expect(entries("&a=1&&b==2&")).toEqual(Either.right([["a", "1"], ["b", "=2"]]))
    expect(entries("")).toEqual(Either.right([]))
  })

  it("refuses broken escapes, non-UTF-8 bytes, nameless and repeated parameters", () => {
    for (const body of ["a=%", "a=%4", "a=%zz", "%G1=x", "a=%C3", "a=%FF", "=x", "a=1&a=1"]) {
      expect(Either.getLeft(parse(body))).toMatchObject({ _tag: "Some", value: { _tag: "MalformedQueryString" } })
    }
    expect(Either.isLeft(Form.parse(new Uint8Array([0x61, 0x3d, 0xc3])))).toBe(true)
  })

  it("never throws on arbitrary bytes", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (body) => { Form.parse(body) }), { numRuns: 2000 })
  })

  it("decodes an ASCII body's components as the byte-by-byte decoder does, refusals and their texts included", () => {
    // The straightforward decoder: `+` and `%XX` to bytes, then strict UTF-8.
    const byBytes = (component: string) => {
      const out: Array<number> = []
      for (let i = 0; i < component.length; i++) {
        const char = component[i]!
        if (char === "+") {
          out.push(0x20)
        } else if (char === "%") {
          if (!/^[0-9A-Fa-f]{2}$/.test(component.slice(i + 1, i + 3))) {
            return "The query string has a '%' that is not followed by two hexadecimal digits."
          }
          out.push(parseInt(component.slice(i + 1, i + 3), 16))
          i += 2
        } else {
          out.push(char.charCodeAt(0))
        }
      }
      try {
        return { text: new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(new Uint8Array(out)) }
      } catch {
        return "The query string is not UTF-8 once its escapes are decoded."
      }
    }
    const fragment = fc.oneof(
      fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)).filter((c) => c !== "&" && c !== "=") }),
      fc.string({ unit: "binary" }).map(encodeURIComponent),
      fc.string({ unit: "grapheme" }).map((text) => new URLSearchParams({ a: text }).toString().slice(2)),
      fc.integer({ min: 0, max: 255 }).map((byte) => `%${byte.toString(16).padStart(2, "0")}`),
      fc.constantFrom("%", "%4", "%g0", "+", "%2B", "%EF%BB%BF", "%ED%A0%80", "%F4%90%80%80", "%C0%AF", "%E2%82")
    )
    fc.assert(
      fc.property(fc.array(fragment, { maxLength: 6 }).map((parts) => parts.join("")), (component) => {
        const expected = byBytes(component)
        const parsed = parse(`a=${component}`)
        if (typeof expected === "string") expect(Either.getLeft(parsed)).toMatchObject({ _tag: "Some", value: { message: expected } })
        else expect(Either.map(parsed, (form) => form.get("a"))).toEqual(Either.right(expected.text))
      }),
      { numRuns: 5000 }
    )
  })

  it("reads back what URLSearchParams writes, for any text", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(fc.string({ unit: "grapheme", minLength: 1 }), fc.string({ unit: "grapheme" })), { selector: ([k]) => k }), (pairs) => {
        const body = new URLSearchParams(pairs).toString()
        expect(entries(body)).toEqual(Either.right(pairs))
      })
    )
  })
})

describe("Form.toTree", () => {
  const tree = (s: string) => Either.flatMap(parse(s), Form.toTree)

  it("nests dotted names", () => {
    const t = Either.getOrThrow(tree("Tags.member.2.Key=b&Tags.member.1.Key=a&Name=n"))
    expect(JSON.parse(JSON.stringify(t))).toEqual({ Tags: { member: { "1": { Key: "a" }, "2": { Key: "b" } } }, Name: "n" })
  })

  it("refuses a name that is both a value and a structure, in either order", () => {
    for (const body of ["Tags=&Tags.member.1.Key=k", "Tags.member.1.Key=k&Tags="]) {
      expect(Either.getLeft(tree(body))).toMatchObject({ _tag: "Some", value: { _tag: "MalformedQueryString" } })
    }
  })

  it("keeps __proto__ and constructor as plain data", () => {
    const t = Either.getOrThrow(tree("__proto__.polluted=1&constructor=x"))
    expect(Object.getPrototypeOf(t)).toBeNull()
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined()
    expect(t["constructor"]).toBe("x")
  })
})

describe("Form.parseRequest", () => {
  const request = (method: string, query: string, body: string) =>
    Either.map(Form.parseRequest(method, query, bytes(body)), (form) => [...form])

  it("reads the query string and, unless GET, the body", () => {
    expect(request("POST", "Action=Publish&Message=h%C3%A9", "TopicArn=t")).toEqual(
      Either.right([["Action", "Publish"], ["Message", "hé"], ["TopicArn", "t"]])
    )
    expect(request("POST", "", "Action=ListTopics")).toEqual(Either.right([["Action", "ListTopics"]]))
    expect(request("GET", "Action=ListTopics", "Action=Publish")).toEqual(Either.right([["Action", "ListTopics"]]))
  })

  it("a name in both the query and the body is refused, as a name given twice", () => {
    const answer = Form.parseRequest("POST", "Action=Publish", bytes("Action=ListTopics"))
    expect(Either.isLeft(answer) && answer.left._tag).toBe("MalformedQueryString")
    expect(Either.isLeft(answer) && answer.left.message).toBe("The parameter Action appears more than once.")
  })
})
