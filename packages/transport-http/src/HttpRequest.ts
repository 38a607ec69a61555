/**
 * Reading a request off `node:http`: the raw parts that signatures cover, and the body read once,
 * up to a cap.
 *
 * @since 0.1.0
 */
import type { IncomingMessage } from "node:http"
import { Data, Either } from "effect"
import type { HttpRequestParts } from "./auth/Request.js"

/**
 * The body is larger than the server accepts (AWS answers 413).
 *
 * @category errors
 */
export class RequestEntityTooLarge extends Data.TaggedError("RequestEntityTooLarge")<{ readonly message: string }> {}

/**
 * The client went away or sent a broken body.
 *
 * @category errors
 */
export class RequestAborted extends Data.TaggedError("RequestAborted")<{ readonly message: string }> {}

/**
 * Reads the whole body, refusing it as soon as it passes `limit` bytes, so a client cannot make the
 * server buffer without bound. `done` is called once, with the body or the reason there is none.
 * A plain callback rather than an effect: the server enters the effect runtime once, after the
 * body, for the work that really is asynchronous.
 *
 * @category reading
 */
export const readBody = (
  req: IncomingMessage,
  limit: number,
  done: (body: Either.Either<Uint8Array, RequestEntityTooLarge | RequestAborted>) => void
): void => {
  const declared = Number(req.headers["content-length"] ?? "0")
  if (Number.isFinite(declared) && declared > limit) {
    req.resume()
    done(Either.left(new RequestEntityTooLarge({ message: `Request body must be at most ${limit} bytes` })))
    return
  }
  const chunks: Array<Buffer> = []
  let size = 0
  let finished = false
  const finish = (body: Either.Either<Uint8Array, RequestEntityTooLarge | RequestAborted>) => {
    if (finished) return
    finished = true
    done(body)
  }
  req.on("data", (chunk: Buffer) => {
    size += chunk.length
    if (size > limit) {
      req.removeAllListeners("data")
      req.resume()
      finish(Either.left(new RequestEntityTooLarge({ message: `Request body must be at most ${limit} bytes` })))
      return
    }
    chunks.push(chunk)
  })
  req.on("end", () => {
    const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)
    finish(Either.right(new Uint8Array(body.buffer, body.byteOffset, body.byteLength)))
  })
  // A client that goes away mid-body makes Node destroy the request with an `aborted` error
  // (ECONNRESET), so this one listener covers the `aborted` event too.
  req.on("error", (e) => finish(Either.left(new RequestAborted({ message: e.message }))))
}

/**
 * The request-target split as on the wire: the path before the first `?`, and the rest.
 *
 * @category reading
 */
export const splitTarget = (url: string): { readonly rawPath: string; readonly rawQuery: string } => {
  const at = url.indexOf("?")
  return at < 0 ? { rawPath: url, rawQuery: "" } : { rawPath: url.slice(0, at), rawQuery: url.slice(at + 1) }
}

/**
 * Node's `rawHeaders` (a flat list) as name/value pairs, repeats and order kept.
 *
 * @category reading
 */
export const headerPairs = (raw: ReadonlyArray<string>): ReadonlyArray<readonly [string, string]> => {
  const out: Array<readonly [string, string]> = []
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i]!, raw[i + 1]!])
  return out
}

/**
 * @category constructors
 */
export const partsOf = (
  req: IncomingMessage,
  body: Uint8Array,
  formParams?: ReadonlyArray<readonly [string, string]>
): HttpRequestParts => {
  const { rawPath, rawQuery } = splitTarget(req.url ?? "/")
  return {
    method: req.method ?? "GET",
    rawPath,
    rawQuery,
    rawHeaders: headerPairs(req.rawHeaders),
    body,
    ...(formParams === undefined ? {} : { formParams })
  }
}
