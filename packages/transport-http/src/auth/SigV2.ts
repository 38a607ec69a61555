/**
 * Legacy AWS Signature Version 2, as the Query protocol carries it (AWS General Reference, "Signature
 * Version 2 signing process").
 *
 * The signature travels as parameters beside the action's own (`AWSAccessKeyId`, `SignatureVersion=2`,
 * `SignatureMethod=HmacSHA256` or `HmacSHA1`, `Timestamp` or `Expires`, optional `SecurityToken`,
 * `Signature`), in the query string or the form body. It covers the method, host, path and the
 * decoded parameters, not the body bytes nor any other header, which is why SNS refuses it for
 * encrypted topics (docs/SEMANTICS.md §1.9).
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import {
  IncompleteSignature,
  InvalidClientTokenId,
  RequestExpired,
  SignatureDoesNotMatch,
  signatureDoesNotMatch
} from "./AuthErrors.js"
import { type Hashing, nobleHashing } from "./Hashing.js"
import { checkSessionToken, findCredential } from "./internal/credentials.js"
import {
  base64,
  constantTimeEqualText,
  decodeFormComponent,
  headerValues,
  joinSortedPairs,
  percentEncode,
  splitQuery,
  utf8ToBytes
} from "./internal/encoding.js"
import { checkClockSkew, parseIsoExtended } from "./internal/time.js"
import { type CredentialLookup, type HttpRequestParts, identityOf, type VerifiedIdentity } from "./Request.js"

/**
 * The two MACs SigV2 allows.
 *
 * @category models
 */
export type SignatureMethod = "HmacSHA256" | "HmacSHA1"

/**
 * Every parameter of the request, decoded: the query string's (form-decoded, as the Query protocol
 * treats query and body alike) followed by the form body's.
 *
 * @category encoding
 */
export const requestParams = (parts: HttpRequestParts): ReadonlyArray<readonly [string, string]> => [
  ...splitQuery(parts.rawQuery).map((pair) => [decodeFormComponent(pair.key), decodeFormComponent(pair.value)] as const),
  ...(parts.formParams ?? [])
]

/**
 * The string to sign:
 *
 * ```
 * METHOD \n lower-case host \n path (or "/") \n name=value&… (all parameters but Signature, each
 * name and value UTF-8 percent-encoded with only RFC 3986 unreserved characters bare, sorted by name)
 * ```
 *
 * @category rules
 */
export const stringToSign = (
  method: string,
  host: string,
  rawPath: string,
  params: ReadonlyArray<readonly [string, string]>
): string => {
  const encoded = params
    .filter(([name]) => name !== "Signature")
    .map(([name, value]) => [percentEncode(utf8ToBytes(name)), percentEncode(utf8ToBytes(value))] as const)
  return `${method}\n${host.toLowerCase()}\n${rawPath === "" ? "/" : rawPath}\n${joinSortedPairs(encoded)}`
}

/**
 * The signature: base64 of the HMAC of the string to sign under the secret key itself.
 *
 * @category rules
 */
export const sign = (
  secretAccessKey: string,
  toSign: string,
  method: SignatureMethod,
  hashing: Hashing = nobleHashing
): string => {
  const mac = method === "HmacSHA256" ? hashing.hmacSha256 : hashing.hmacSha1
  return base64(mac(utf8ToBytes(secretAccessKey), utf8ToBytes(toSign)))
}

/**
 * Whether the request asks for SigV2 at all: it has a `SignatureVersion` parameter.
 *
 * @category rules
 */
export const hasSigV2 = (parts: HttpRequestParts): boolean =>
  requestParams(parts).some(([name]) => name === "SignatureVersion")

/**
 * @category models
 */
export interface SigV2Options<E = never, R = never> {
  /** The server's clock, milliseconds since the epoch. */
  readonly now: number
  readonly lookup: CredentialLookup<E, R>
  /** Append the string to sign to `SignatureDoesNotMatch`. */
  readonly debug?: boolean
  /** Defaults to the portable `@noble/hashes` implementation. */
  readonly hashing?: Hashing
}

const incomplete = (message: string) => new IncompleteSignature({ message })

const REQUIRED = ["AWSAccessKeyId", "SignatureVersion", "SignatureMethod", "Signature"] as const

/** The single value of `name`, `undefined` if absent; a repeated auth parameter is malformed. */
const single = (params: ReadonlyArray<readonly [string, string]>, name: string) => {
  const values = params.filter(([key]) => key === name).map(([, value]) => value)
  return values.length > 1 ? null : values[0]
}

/**
 * Verifies a SigV2-signed Query request and returns who signed it. `Timestamp` must lie within 15
 * minutes of the server's clock either way; `Expires` must not have passed; one of the two, not both.
 *
 * @category rules
 */
export const verifySigV2 = <E = never, R = never>(
  parts: HttpRequestParts,
  options: SigV2Options<E, R>
): Effect.Effect<
  VerifiedIdentity,
  IncompleteSignature | RequestExpired | InvalidClientTokenId | SignatureDoesNotMatch | E,
  R
> =>
  Effect.gen(function*() {
    const hashing = options.hashing ?? nobleHashing
    const params = requestParams(parts)
    for (const name of [...REQUIRED, "Timestamp", "Expires", "SecurityToken"]) {
      if (single(params, name) === null) {
        return yield* Effect.fail(incomplete(`The parameter ${name} may appear only once.`))
      }
    }
    const missing = REQUIRED.filter((name) => single(params, name) === undefined)
    if (missing.length > 0) {
      return yield* Effect.fail(incomplete(`The request must contain the parameter ${missing.join(", ")}.`))
    }
    const accessKeyId = single(params, "AWSAccessKeyId")!
    const version = single(params, "SignatureVersion")!
    const method = single(params, "SignatureMethod")!
    const signature = single(params, "Signature")!
    if (version !== "2") {
      return yield* Effect.fail(incomplete(`SignatureVersion '${version}' is not supported: use 2, or Signature Version 4.`))
    }
    if (method !== "HmacSHA256" && method !== "HmacSHA1") {
      return yield* Effect.fail(incomplete(`SignatureMethod '${method}' is not supported: use HmacSHA256 or HmacSHA1.`))
    }

    const timestamp = single(params, "Timestamp")
    const expires = single(params, "Expires")
    if ((timestamp === undefined) === (expires === undefined)) {
      return yield* Effect.fail(incomplete("The request must contain either a Timestamp or an Expires parameter, not both."))
    }
    const when = (timestamp ?? expires)!
    const instant = parseIsoExtended(when)
    if (instant === undefined) {
      return yield* Effect.fail(incomplete(`${timestamp === undefined ? "Expires" : "Timestamp"} must be ISO 8601, got '${when}'.`))
    }
    const now = options.now
    if (expires !== undefined && now > instant) {
      return yield* Effect.fail(new RequestExpired({ message: `Request has expired. Expires date is ${expires}` }))
    }
    if (timestamp !== undefined) yield* checkClockSkew(instant, now, { past: true })

    const credential = yield* findCredential(options.lookup, accessKeyId)
    const host = headerValues(parts.rawHeaders, "host").join(",").trim()
    const toSign = stringToSign(parts.method, host, parts.rawPath, params)
    if (!constantTimeEqualText(sign(credential.secretAccessKey, toSign, method, hashing), signature)) {
      return yield* Effect.fail(signatureDoesNotMatch(options.debug === true ? { stringToSign: toSign } : undefined))
    }
    const token = single(params, "SecurityToken")
    yield* checkSessionToken(credential, token === undefined || token === null ? [] : [token])
    return identityOf(credential, "sigv2")
  })
