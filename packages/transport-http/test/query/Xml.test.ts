import { Either } from "effect"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import * as Xml from "../../src/query/Xml.js"
import { decodeText, parseStrict, text } from "./strictXml.js"

const isXmlChar = (cp: number): boolean =>
  cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) ||
  (cp >= 0x10000 && cp <= 0x10ffff)

/** Every code point of a string, with lone surrogates as themselves. */
const codePoints = (s: string) => Array.from(s, (c) => c.codePointAt(0)!)

/** Strings from the whole of UTF-16: astral pairs, lone surrogates, C0 controls, U+FFFE/FFFF. */
const anyText = fc.oneof(
  fc.string({ unit: "binary" }),
  fc.string({ unit: "grapheme" }),
  fc.array(fc.constantFrom("&", "<", ">", "\"", "'", "\t", "\r", "\n", "]]>", "\u0000", "\u001f", "\uD800", "\uDFFF", "😀", "\uFFFE", "é"))
    .map((parts) => parts.join(""))
)

describe("Xml.escapeText", () => {
  it("round-trips every string XML 1.0 can carry through a strict parser, and refuses exactly the others", () => {
    fc.assert(
      fc.property(anyText, (s) => {
        const escaped = Xml.escapeText(s)
        const representable = codePoints(s).every(isXmlChar)
        expect(Either.isRight(escaped)).toBe(representable)
        if (Either.isRight(escaped)) {
          expect(decodeText(escaped.right)).toBe(s)
          expect(parseStrict(`<a>${escaped.right}</a>`).children.join("")).toBe(s)
        }
      }),
      { numRuns: 2000 }
    )
  })

  it("firstUnrepresentable finds exactly what escapeText refuses, and names the same code point", () => {
    fc.assert(
      fc.property(anyText, (s) => {
        const refused = Either.getLeft(Xml.escapeText(s))
        expect(Xml.firstUnrepresentable(s)).toBe(refused._tag === "Some" ? refused.value.codePoint : undefined)
      }),
      { numRuns: 2000 }
    )
    expect(Xml.firstUnrepresentable("ok😀\uD83D")).toBe(0xd83d)
    expect(Xml.firstUnrepresentable("\uDE00")).toBe(0xde00)
  })

  it("keeps surrogate pairs whole and escapes the markup characters", () => {
    expect(Xml.escapeText("😀<&>\"'\t\r\n")).toEqual(Either.right("😀&lt;&amp;&gt;&quot;&apos;&#x9;&#xD;&#xA;"))
    expect(Either.getLeft(Xml.escapeText("a\u0001b"))).toMatchObject({ _tag: "Some", value: { codePoint: 1 } })
    expect(Either.getLeft(Xml.escapeText("\uD83D"))).toMatchObject({ _tag: "Some", value: { codePoint: 0xd83d } })
  })

  it("the lossy form always yields legal XML, replacing only what XML cannot carry", () => {
    fc.assert(
      fc.property(anyText, (s) => {
        const decoded = decodeText(Xml.escapeTextLossy(s))
        expect(decoded).toBe(Array.from(s, (c) => (isXmlChar(c.codePointAt(0)!) ? c : "\uFFFD")).join(""))
      })
    )
  })
})

describe("Xml envelopes", () => {
  it("success: namespace, Result, ResponseMetadata", () => {
    const body = Either.getOrThrow(Xml.successEnvelope("Publish", [Xml.leaf("MessageId", "m-1")], "r-1"))
    expect(body).toBe(
      "<PublishResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\"><PublishResult><MessageId>m-1</MessageId></PublishResult>" +
        "<ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></PublishResponse>"
    )
  })

  it("success: the envelope written as text is the envelope rendered as a tree", () => {
    const asTree = (operation: string, result: ReadonlyArray<Xml.Node> | undefined, requestId: string) =>
      Xml.render(
        Xml.element(
          `${operation}Response`,
          [
            ...(result === undefined ? [] : [Xml.element(`${operation}Result`, result)]),
            Xml.element("ResponseMetadata", [Xml.leaf("RequestId", requestId)])
          ],
          [["xmlns", Xml.SNS_NAMESPACE]]
        )
      )
    const result = fc.option(fc.array(fc.tuple(fc.constantFrom("MessageId", "SequenceNumber", "TopicArn"), anyText)), { nil: undefined })
    fc.assert(
      fc.property(fc.constantFrom("Publish", "CreateTopic", "DeleteTopic"), result, anyText, (operation, leaves, requestId) => {
        const nodes = leaves?.map(([name, text]) => Xml.leaf(name, text))
        expect(Xml.successEnvelope(operation, nodes, requestId)).toEqual(asTree(operation, nodes, requestId))
      }),
      { numRuns: 1000 }
    )
  })

  it("success without a result, and with an empty one", () => {
    expect(Either.getOrThrow(Xml.successEnvelope("DeleteTopic", undefined, "r"))).not.toContain("DeleteTopicResult")
    expect(Either.getOrThrow(Xml.successEnvelope("TagResource", [], "r"))).toContain("<TagResourceResult/>")
  })

  it("a map and a list", () => {
    const body = Either.getOrThrow(
      Xml.render(Xml.element("R", [Xml.map("Attributes", { a: "1", "<b>": "&" }), Xml.list("Topics", ["x"], (t) => [Xml.leaf("TopicArn", t)])]))
    )
    expect(body).toBe(
      "<R><Attributes><entry><key>a</key><value>1</value></entry><entry><key>&lt;b&gt;</key><value>&amp;</value></entry></Attributes>" +
        "<Topics><member><TopicArn>x</TopicArn></member></Topics></R>"
    )
  })

  it("error: any message, even one quoting characters XML cannot carry, gives a well-formed ErrorResponse", () => {
    fc.assert(
      fc.property(anyText, anyText, (code, message) => {
        const doc = parseStrict(Xml.errorEnvelope("Sender", code, message, "r-1"))
        expect(doc.name).toBe("ErrorResponse")
        expect(doc.attributes).toEqual({ xmlns: Xml.SNS_NAMESPACE })
        expect(text(doc, "Error", "Type")).toBe("Sender")
        expect(text(doc, "RequestId")).toBe("r-1")
      })
    )
  })
})
