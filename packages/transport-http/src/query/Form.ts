/**
 * Reading an AWS Query request: the `application/x-www-form-urlencoded` body as parameters, and the
 * parameters as the nested structure their dotted names spell (`Attributes.entry.1.key`,
 * `Tags.member.2.Value`, …), ready for the per-action schemas in `Shapes.ts`.
 *
 * Everything works on the body's bytes (held as a Latin-1 string, one character per byte, until
 * each component's escapes are undone and its UTF-8 decoded) and never throws: a broken escape,
 * bytes that are not UTF-8 or a parameter given twice become a `MalformedQueryString`.
 *
 * @since 0.1.0
 */
import { isAscii } from "node:buffer"
import { Either } from "effect"
import { hexDigitValue } from "../internal/hexDigit.js"
import { MalformedQueryString } from "./Errors.js"

/**
 * The parameters of a request, by name, in the order they arrived.
 *
 * @category models
 */
export type Form = ReadonlyMap<string, string>

/**
 * The parameters as a tree: `A.b.1=x` becomes `{ A: { b: { "1": "x" } } }`. Nodes have no prototype,
 * so a parameter named `__proto__` or `constructor` is only ever data.
 *
 * @category models
 */
export type Tree = string | TreeNode

/**
 * @category models
 */
export interface TreeNode {
  readonly [segment: string]: Tree
}

const PLUS = 0x2b
const PERCENT = 0x25
const SPACE = 0x20

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true })

const malformed = (message: string) => Either.left(new MalformedQueryString({ message }))

/** A byte beyond ASCII, as `parse` writes it (one character per byte). */
const BEYOND_ASCII = /[\u0080-\u00ff]/

/**
 * Decodes one name or value (WHATWG URL §5.1, "application/x-www-form-urlencoded parsing"): `+` is a
 * space and `%XX` a byte; the bytes are then UTF-8. Unlike the WHATWG parser, which keeps a broken
 * escape as it is, a `%` without two hex digits after it is refused, as AWS refuses it.
 *
 * `component` holds one character per byte (Latin-1, see `parse`); `ascii` says the whole body is
 * ASCII, so no component needs looking at for other bytes.
 */
const decodeComponent = (component: string, ascii: boolean): Either.Either<string, MalformedQueryString> => {
  // Most names and many values are plain ASCII with neither `+` nor `%`: each byte is already the
  // character it stands for, so the text is the component itself. Two native searches and, for a
  // body that is all ASCII (checked once), nothing more.
  const plus = component.indexOf("+")
  if (component.indexOf("%") < 0 && plus < 0 && (ascii || !BEYOND_ASCII.test(component))) {
    return Either.right(component)
  }
  // In an ASCII body every other character stands for itself, so once `+` is a space the platform's
  // decoder gives the same text natively, or throws where the loop below refuses (docs/PERFORMANCE.md,
  // "SigV4 and the Publish form with fewer objects").
  const decoded = ascii ? decodeUriComponent(plus < 0 ? component : component.replaceAll("+", " ")) : undefined
  if (decoded !== undefined) return Either.right(decoded)
  const out = new Uint8Array(component.length)
  let n = 0
  for (let i = 0; i < component.length; i++) {
    const byte = component.charCodeAt(i)
    if (byte === PLUS) {
      out[n++] = SPACE
    } else if (byte === PERCENT) {
      const high = i + 2 < component.length ? hexDigitValue(component.charCodeAt(i + 1)) : -1
      const low = high >= 0 ? hexDigitValue(component.charCodeAt(i + 2)) : -1
      if (low < 0) return malformed("The query string has a '%' that is not followed by two hexadecimal digits.")
      out[n++] = (high << 4) | low
      i += 2
    } else {
      out[n++] = byte
    }
  }
  try {
    return Either.right(utf8.decode(out.subarray(0, n)))
  } catch {
    return malformed("The query string is not UTF-8 once its escapes are decoded.")
  }
}

/**
 * `decodeURIComponent` (ECMA-262 §19.2.6.5: `%XX` escapes read as UTF-8), or undefined where it
 * throws: a `%` without two hexadecimal digits, or escapes that are not UTF-8.
 */
const decodeUriComponent = (component: string): string | undefined => {
  try {
    return decodeURIComponent(component)
  } catch {
    return undefined
  }
}

/**
 * Parses a form body (or a URL's query string, which has the same syntax). Pieces are split on `&`,
 * each at its first `=`; empty pieces (`a=1&&b=2`) carry nothing and are skipped; a piece without
 * `=` is a name with an empty value. A name may appear once: AWS's SDKs never repeat one, and a
 * request that does is ambiguous.
 *
 * @category parsing
 */
export const parse = (body: Uint8Array): Either.Either<Form, MalformedQueryString> => {
  // The body as one string of a character per byte (Latin-1 maps every byte to the code point of
  // the same value, so nothing is lost): splitting and slicing a string costs far less than making
  // a byte view of every piece. UTF-8 is decoded per component, after its escapes.
  const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString("latin1")
  const ascii = isAscii(body)
  const form = new Map<string, string>()
  let start = 0
  while (start <= text.length) {
    let end = text.indexOf("&", start)
    if (end < 0) end = text.length
    const piece = text.slice(start, end)
    start = end + 1
    if (piece.length === 0) continue
    const eq = piece.indexOf("=")
    const name = decodeComponent(eq < 0 ? piece : piece.slice(0, eq), ascii)
    const value = decodeComponent(eq < 0 ? "" : piece.slice(eq + 1), ascii)
    if (Either.isLeft(name)) return Either.left(name.left)
    if (Either.isLeft(value)) return Either.left(value.left)
    if (name.right === "") return malformed("The query string has a parameter without a name.")
    if (form.has(name.right)) return malformed(`The parameter ${name.right} appears more than once.`)
    form.set(name.right, value.right)
  }
  return Either.right(form)
}

/**
 * Builds the tree the dotted names describe. A name that is both a value and the prefix of other
 * names (`Tags=` with `Tags.member.1.Key=k`) is refused: no Query shape can be both.
 *
 * @category parsing
 */
export const toTree = (form: Form): Either.Either<TreeNode, MalformedQueryString> => {
  const root: Record<string, Tree> = Object.create(null)
  for (const [name, value] of form) {
    // Walked segment by segment with `indexOf` rather than split into an array: most names
    // (`Action`, `TopicArn`, `Message`) have no dot at all.
    let node = root
    let start = 0
    for (let dot = name.indexOf("."); dot >= 0; dot = name.indexOf(".", start)) {
      const segment = name.slice(start, dot)
      const child = node[segment]
      if (typeof child === "string") return conflict(name.slice(0, dot))
      if (child === undefined) {
        const created: Record<string, Tree> = Object.create(null)
        node[segment] = created
        node = created
      } else {
        node = child as Record<string, Tree>
      }
      start = dot + 1
    }
    const last = start === 0 ? name : name.slice(start)
    if (node[last] !== undefined) return conflict(name)
    node[last] = value
  }
  return Either.right(root)
}

const conflict = (name: string) => malformed(`The parameter ${name} is given both as a value and as a structure.`)

const utf8Encoder = new TextEncoder()

/**
 * The parameters of a whole request: the query string's and, unless the method is GET, the form
 * body's. AWS Query services read both (botocore's presigner, `SigV4QueryAuth`, moves a POST's form
 * into the query string and sends an empty body). A name given in both places is as ambiguous as a
 * name given twice in one, and refused the same way.
 *
 * @category parsing
 */
export const parseRequest = (
  method: string,
  rawQuery: string,
  body: Uint8Array
): Either.Either<Form, MalformedQueryString> => {
  const fromQuery = rawQuery === "" ? Either.right<Form>(new Map()) : parse(utf8Encoder.encode(rawQuery))
  if (method === "GET" || Either.isLeft(fromQuery)) return fromQuery
  const fromBody = parse(body)
  if (Either.isLeft(fromBody) || fromQuery.right.size === 0) return fromBody
  const merged = new Map(fromQuery.right)
  for (const [name, value] of fromBody.right) {
    if (merged.has(name)) return malformed(`The parameter ${name} appears more than once.`)
    merged.set(name, value)
  }
  return Either.right(merged)
}
