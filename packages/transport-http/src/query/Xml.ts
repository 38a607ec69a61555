/**
 * A small XML writer for AWS Query responses: elements and text only, which is all the SNS response
 * shapes use (Smithy "AWS query protocol", responses; the envelopes in docs/SEMANTICS.md §3).
 *
 * Element names are the model's member names, fixed in code; text is anything a client stored, so
 * it is escaped, and a character XML 1.0 cannot carry at all is refused rather than sent as a
 * document no strict parser accepts.
 *
 * @since 0.1.0
 */
import { Data, Either } from "effect"

/**
 * @category models
 */
export type Node =
  | {
      readonly _tag: "Element"
      readonly name: string
      readonly attributes: ReadonlyArray<readonly [name: string, value: string]>
      readonly children: ReadonlyArray<Node>
    }
  | { readonly _tag: "Text"; readonly text: string }

/**
 * A text holds a character that XML 1.0 has no way to write (XML 1.0 §2.2, production [2] `Char`:
 * not even a character reference may name it, per §4.1 "Well-formedness constraint: Legal
 * Character").
 *
 * @category errors
 */
export class UnrepresentableCharacter extends Data.TaggedError("UnrepresentableCharacter")<{
  readonly codePoint: number
  readonly message: string
}> {}

const unrepresentable = (codePoint: number) =>
  new UnrepresentableCharacter({
    codePoint,
    message: `The response would hold ${codePointName(codePoint)}, which XML 1.0 cannot carry.`
  })

/**
 * @category constructors
 */
export const element = (
  name: string,
  children: ReadonlyArray<Node>,
  attributes: ReadonlyArray<readonly [name: string, value: string]> = []
): Node => ({ _tag: "Element", name, attributes, children })

/**
 * An element holding one text.
 *
 * @category constructors
 */
export const leaf = (name: string, text: string): Node => element(name, [{ _tag: "Text", text }])

/**
 * An element holding one text, or nothing when the value is absent (optional members are left out).
 *
 * @category constructors
 */
export const optionalLeaf = (name: string, text: string | undefined): ReadonlyArray<Node> =>
  text === undefined ? [] : [leaf(name, text)]

/**
 * The SNS `member` list: `<Name><member>…</member>…</Name>`.
 *
 * @category constructors
 */
export const list = <A>(name: string, items: ReadonlyArray<A>, member: (item: A) => ReadonlyArray<Node>): Node =>
  element(name, items.map((item) => element("member", member(item))))

/**
 * The SNS attribute map: `<Name><entry><key>…</key><value>…</value></entry>…</Name>`.
 *
 * @category constructors
 */
export const map = (name: string, entries: Readonly<Record<string, string>>): Node =>
  element(
    name,
    Object.entries(entries).map(([key, value]) => element("entry", [leaf("key", key), leaf("value", value)]))
  )

/** XML 1.0 §2.2 [2]: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]. */
const isXmlChar = (cp: number): boolean =>
  cp === 0x9 ||
  cp === 0xa ||
  cp === 0xd ||
  (cp >= 0x20 && cp <= 0xd7ff) ||
  (cp >= 0xe000 && cp <= 0xfffd) ||
  (cp >= 0x10000 && cp <= 0x10ffff)

/**
 * What XML 1.0 §2.2 [2] leaves out: the C0 controls but TAB, LF and CR, the surrogates (with the `u`
 * flag a pair is one astral character, so only a lone surrogate matches), and U+FFFE/U+FFFF.
 */
const OUTSIDE_XML_CHAR = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ud800-\udfff\ufffe\uffff]/u

/** `OUTSIDE_XML_CHAR` with every surrogate, paired or not: a superset, for a first quick scan. */
const NEEDS_CAREFUL_SCAN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ud800-\udfff\ufffe\uffff]/

/**
 * The first code point of `text` that XML 1.0 cannot carry, or undefined when every one can: what
 * the request edge refuses, so nothing is stored that no answer could hold.
 *
 * @category encoding
 */
export const firstUnrepresentable = (text: string): number | undefined => {
  // Most texts hold no control character and no surrogate at all: one scan without the `u` flag,
  // far faster on text beyond Latin-1, says so (docs/PERFORMANCE.md, "The HTTP layer against the
  // bare server").
  if (!NEEDS_CAREFUL_SCAN.test(text)) return undefined
  const found = OUTSIDE_XML_CHAR.exec(text)
  return found === null ? undefined : found[0].codePointAt(0)
}

/**
 * `U+FFFF` for a code point, as messages name characters.
 *
 * @category encoding
 */
export const codePointName = (codePoint: number): string => `U+${codePoint.toString(16).toUpperCase().padStart(4, "0")}`

/**
 * Anything `escapeText` would write differently or refuse: the five markup characters, TAB, LF, CR,
 * the other C0 controls, surrogates (pairs take the careful path too) and U+FFFE/U+FFFF.
 */
const NEEDS_ESCAPING = /[\u0000-\u001f"&'<>\ud800-\udfff\ufffe\uffff]/

/**
 * Escapes a text for element content. `&` and `<` must be escaped (§2.4); `>` too, so `]]>` can never
 * appear; the quotes so the same text is safe in an attribute. TAB, LF and CR are written as
 * character references so no parser's line-end normalisation (§2.11) or whitespace trimming can
 * change them. Iterating by code point keeps a surrogate pair whole; a lone surrogate is no
 * character at all and is refused.
 *
 * @category encoding
 */
export const escapeText = (text: string): Either.Either<string, UnrepresentableCharacter> => {
  // Most texts (ids, ARNs, names) hold nothing to escape and no surrogate: answered as they are,
  // after one native scan, instead of being rebuilt code point by code point.
  if (!NEEDS_ESCAPING.test(text)) return Either.right(text)
  let out = ""
  for (const char of text) {
    const cp = char.codePointAt(0)!
    switch (cp) {
      case 0x26: out += "&amp;"; break
      case 0x3c: out += "&lt;"; break
      case 0x3e: out += "&gt;"; break
      case 0x22: out += "&quot;"; break
      case 0x27: out += "&apos;"; break
      case 0x9: out += "&#x9;"; break
      case 0xa: out += "&#xA;"; break
      case 0xd: out += "&#xD;"; break
      default:
        if (!isXmlChar(cp)) return Either.left(unrepresentable(cp))
        out += char
    }
  }
  return Either.right(out)
}

/**
 * Writes a node. An element with no children is written `<Name/>`, as AWS writes empty results.
 *
 * @category encoding
 */
export const render = (node: Node): Either.Either<string, UnrepresentableCharacter> => {
  if (node._tag === "Text") return escapeText(node.text)
  // Plain loops with early returns rather than `Either.gen`: every response passes through here.
  let open = node.name
  for (const [name, value] of node.attributes) {
    const escaped = escapeText(value)
    if (Either.isLeft(escaped)) return escaped
    open += ` ${name}="${escaped.right}"`
  }
  if (node.children.length === 0) return Either.right(`<${open}/>`)
  let inner = ""
  for (const child of node.children) {
    const rendered = render(child)
    if (Either.isLeft(rendered)) return rendered
    inner += rendered.right
  }
  return Either.right(`<${open}>${inner}</${node.name}>`)
}

/**
 * Like `escapeText`, but replaces what XML cannot carry with U+FFFD. Only for human-readable texts
 * (error messages), which must always reach the client even when they quote a client's bad input.
 *
 * @category encoding
 */
export const escapeTextLossy = (text: string): string => {
  let out = ""
  for (const char of text) {
    const escaped = escapeText(char)
    out += Either.isRight(escaped) ? escaped.right : "\uFFFD"
  }
  return out
}

/** The namespace of every SNS response (docs/SEMANTICS.md §3). */
export const SNS_NAMESPACE = "http://sns.amazonaws.com/doc/2010-03-31/"

/**
 * The success envelope. `result` is the content of `<{Op}Result>`, or undefined for operations whose
 * model output is empty (`smithy.api#Unit`: DeleteTopic, Unsubscribe, …), which AWS answers with
 * `ResponseMetadata` alone.
 *
 * @category encoding
 */
export const successEnvelope = (
  operation: string,
  result: ReadonlyArray<Node> | undefined,
  requestId: string
): Either.Either<string, UnrepresentableCharacter> => {
  // The envelope is fixed text around the result: written as text, only the result is rendered
  // (docs/PERFORMANCE.md, "The HTTP layer against the bare server").
  const rendered = result === undefined ? Either.right("") : render(element(`${operation}Result`, result))
  if (Either.isLeft(rendered)) return rendered
  const id = escapeText(requestId)
  if (Either.isLeft(id)) return id
  return Either.right(
    `<${operation}Response xmlns="${SNS_NAMESPACE}">${rendered.right}` +
      `<ResponseMetadata><RequestId>${id.right}</RequestId></ResponseMetadata></${operation}Response>`
  )
}

/**
 * The error envelope. Always succeeds: the message is escaped lossily.
 *
 * @category encoding
 */
export const errorEnvelope = (
  fault: "Sender" | "Receiver",
  code: string,
  message: string,
  requestId: string
): string =>
  `<ErrorResponse xmlns="${SNS_NAMESPACE}"><Error><Type>${fault}</Type><Code>${escapeTextLossy(code)}</Code>` +
  `<Message>${escapeTextLossy(message)}</Message></Error><RequestId>${escapeTextLossy(requestId)}</RequestId></ErrorResponse>`
