/**
 * Test support: reads a raw HTTP/1.1 request as the vector files store it into the `HttpRequestParts`
 * a server would hand to the verifier.
 */
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import type { HttpRequestParts } from "../../src/auth/Request.js"

/** `test/vectors/…` inside this package. */
export const vectorPath = (...segments: ReadonlyArray<string>): string =>
  fileURLToPath(new URL(["..", "vectors", ...segments].join("/"), import.meta.url))

/**
 * Parses `METHOD target HTTP/1.1`, header lines (a line starting with whitespace continues the
 * previous header, obs-fold), a blank line and the body. The target may hold a raw space
 * (`get-space`), so method and version are taken from the ends of the request line. The body is cut to
 * `Content-Length` when there is one (the captures end with a newline that is not part of it).
 */
export const parseRawRequest = (text: string): HttpRequestParts => {
  const separator = /\r?\n\r?\n/.exec(text)
  const head = separator === null ? text : text.slice(0, separator.index)
  const bodyText = separator === null ? "" : text.slice(separator.index + separator[0].length)
  const [requestLine = "", ...lines] = head.split(/\r?\n/)
  const method = requestLine.slice(0, requestLine.indexOf(" "))
  const target = requestLine.slice(method.length + 1, requestLine.lastIndexOf(" "))
  const headers: Array<[string, string]> = []
  for (const line of lines) {
    if (line === "") continue
    const last = headers[headers.length - 1]
    if (/^[ \t]/.test(line) && last !== undefined) {
      last[1] = `${last[1]}\n${line}`
    } else {
      const colon = line.indexOf(":")
      // Like Node, drop the optional whitespace around a field value (RFC 9110 §5.5).
      headers.push([line.slice(0, colon), line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, "")])
    }
  }
  const length = headers.find(([name]) => name.toLowerCase() === "content-length")
  const body = new TextEncoder().encode(bodyText)
  const question = target.indexOf("?")
  return {
    method,
    rawPath: question < 0 ? target : target.slice(0, question),
    rawQuery: question < 0 ? "" : target.slice(question + 1),
    rawHeaders: headers,
    body: length === undefined ? body : body.slice(0, Number(length[1].trim()))
  }
}

export const readRawRequest = (path: string): HttpRequestParts => parseRawRequest(readFileSync(path, "utf8"))

/** What a signer that signs every header it sends lists in SignedHeaders: lower-case, unique, sorted. */
export const allHeaderNames = (parts: HttpRequestParts): ReadonlyArray<string> =>
  [...new Set(parts.rawHeaders.map(([name]) => name.toLowerCase()))].sort()
