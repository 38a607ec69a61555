/**
 * Test support: signs requests with the AWS SDK's own signer, `@smithy/signature-v4`, and turns the
 * result into the raw parts a server would receive.
 */
import { Sha256 } from "@aws-crypto/sha256-js"
import { SignatureV4 } from "@smithy/signature-v4"
import type { HttpRequestParts } from "../../src/auth/Request.js"
import { EXAMPLE_KEY_ID, EXAMPLE_SECRET } from "./support.js"

export const HOST = "127.0.0.1:9443"

/** The SDK's escaping (RFC 3986: encodeURIComponent plus `!'()*`), used to write paths and queries on the wire. */
export const escapeUri = (text: string): string =>
  encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)

export interface PlainRequest {
  readonly method: string
  /** Already escaped, as the SDK's serialisers write it. */
  readonly path: string
  readonly query: Record<string, string | Array<string>>
  readonly headers: Record<string, string>
  readonly body: Uint8Array
}

export interface SignOptions {
  readonly region?: string
  readonly service?: string
  readonly date: Date
  readonly sessionToken?: string
  readonly accessKeyId?: string
  readonly secretAccessKey?: string
  /** Presign for this many seconds instead of signing the headers. */
  readonly presignSeconds?: number
}

const rawQueryOf = (query: Record<string, string | Array<string> | null>): string =>
  Object.entries(query)
    .flatMap(([key, value]) =>
      value === null ? [escapeUri(key)] : (Array.isArray(value) ? value : [value]).map((v) => `${escapeUri(key)}=${escapeUri(v)}`)
    )
    .join("&")

export const signWithSmithy = async (request: PlainRequest, options: SignOptions): Promise<HttpRequestParts> => {
  const signer = new SignatureV4({
    credentials: {
      accessKeyId: options.accessKeyId ?? EXAMPLE_KEY_ID,
      secretAccessKey: options.secretAccessKey ?? EXAMPLE_SECRET,
      ...(options.sessionToken === undefined ? {} : { sessionToken: options.sessionToken })
    },
    region: options.region ?? "us-east-1",
    service: options.service ?? "sns",
    sha256: Sha256
  })
  const unsigned = {
    method: request.method,
    protocol: "https:",
    hostname: "127.0.0.1",
    port: 9443,
    path: request.path,
    query: request.query,
    headers: { host: HOST, ...request.headers },
    body: request.body
  }
  const signed = options.presignSeconds === undefined
    ? await signer.sign(unsigned, { signingDate: options.date })
    : await signer.presign(unsigned, { signingDate: options.date, expiresIn: options.presignSeconds })
  return {
    method: signed.method,
    rawPath: signed.path,
    rawQuery: rawQueryOf(signed.query as Record<string, string | Array<string> | null>),
    // On the wire each header value is its UTF-8 bytes, which Node hands over one character per byte.
    rawHeaders: Object.entries(signed.headers).map(([name, value]) => [name, Buffer.from(value, "utf8").toString("latin1")] as const),
    body: request.body
  }
}
