/**
 * A deliberately strict reader for the XML subset the SNS responses use (elements, attributes and
 * text; no comments, CDATA or declarations), written from XML 1.0 itself so it checks the writer
 * independently: every character must match production [2] `Char`, `<` and `&` never appear raw in
 * text, references are the five predefined entities or numeric references to legal characters
 * (§4.1, §4.6), and tags nest. Throws on anything else — it is a test oracle, not product code.
 */
export interface XmlElement {
  readonly name: string
  readonly attributes: Readonly<Record<string, string>>
  readonly children: ReadonlyArray<XmlElement | string>
}

const isXmlChar = (cp: number): boolean =>
  cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) ||
  (cp >= 0x10000 && cp <= 0x10ffff)

const ENTITIES: Readonly<Record<string, string>> = { amp: "&", lt: "<", gt: ">", quot: "\"", apos: "'" }

/** Decodes character data, refusing anything XML 1.0 does not allow in it. */
export const decodeText = (raw: string): string => {
  let out = ""
  for (let i = 0; i < raw.length; ) {
    const cp = raw.codePointAt(i)!
    if (!isXmlChar(cp)) throw new Error(`illegal character U+${cp.toString(16)}`)
    const ch = String.fromCodePoint(cp)
    if (ch === "<") throw new Error("raw '<' in text")
    if (ch === "&") {
      const end = raw.indexOf(";", i)
      if (end < 0) throw new Error("unterminated reference")
      const ref = raw.slice(i + 1, end)
      if (/^#x[0-9A-Fa-f]+$/.test(ref) || /^#[0-9]+$/.test(ref)) {
        const value = ref[1] === "x" ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10)
        if (!isXmlChar(value)) throw new Error(`reference to illegal character ${ref}`)
        out += String.fromCodePoint(value)
      } else if (Object.hasOwn(ENTITIES, ref)) {
        out += ENTITIES[ref]
      } else {
        throw new Error(`unknown reference &${ref};`)
      }
      i = end + 1
    } else {
      out += ch
      i += ch.length
    }
  }
  return out
}

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*/

/** Parses one document made of a single root element. */
export const parseStrict = (xml: string): XmlElement => {
  let pos = 0
  const element = (): XmlElement => {
    if (xml[pos] !== "<") throw new Error(`expected '<' at ${pos}`)
    pos++
    const name = NAME.exec(xml.slice(pos))?.[0]
    if (name === undefined) throw new Error(`bad element name at ${pos}`)
    pos += name.length
    const attributes: Record<string, string> = {}
    for (;;) {
      const m = /^ ([A-Za-z_][A-Za-z0-9_.:-]*)="([^"<]*)"/.exec(xml.slice(pos))
      if (m === null) break
      attributes[m[1]!] = decodeText(m[2]!)
      pos += m[0].length
    }
    if (xml.startsWith("/>", pos)) {
      pos += 2
      return { name, attributes, children: [] }
    }
    if (xml[pos] !== ">") throw new Error(`expected '>' at ${pos}`)
    pos++
    const children: Array<XmlElement | string> = []
    for (;;) {
      if (xml.startsWith(`</${name}>`, pos)) {
        pos += name.length + 3
        return { name, attributes, children }
      }
      if (xml.startsWith("</", pos)) throw new Error(`mismatched end tag at ${pos}`)
      if (xml[pos] === "<") {
        children.push(element())
      } else {
        const end = xml.indexOf("<", pos)
        if (end < 0) throw new Error("unterminated element")
        children.push(decodeText(xml.slice(pos, end)))
        pos = end
      }
    }
  }
  const root = element()
  if (pos !== xml.length) throw new Error("content after the root element")
  return root
}

/** The text of a child element by path, e.g. `text(doc, "Error", "Code")`. */
export const text = (node: XmlElement, ...path: ReadonlyArray<string>): string | undefined => {
  let current: XmlElement | undefined = node
  for (const name of path) {
    current = current.children.find((c): c is XmlElement => typeof c !== "string" && c.name === name)
    if (current === undefined) return undefined
  }
  return current.children.filter((c): c is string => typeof c === "string").join("")
}
