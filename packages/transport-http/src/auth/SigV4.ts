/**
 * AWS Signature Version 4, verified as a server does.
 *
 * The signer's steps (AWS General Reference, "Signature Version 4 signing process", and the AWS SigV4
 * test suite in `test/vectors/sigv4/`) are exported one by one for teaching, `canonicalRequest` ->
 * `stringToSign` -> `signingKey` -> `sign`; `verifySigV4` replays them over the request as received
 * and compares the result with the signature the request carries.
 *
 * Both forms are verified: the `Authorization` header, and the presigned query (`X-Amz-Algorithm`,
 * `X-Amz-Credential`, `X-Amz-Date`, `X-Amz-Expires`, `X-Amz-SignedHeaders`, `X-Amz-Signature`).
 *
 * @since 0.1.0
 */
import { Effect, Either } from "effect"
import {
  IncompleteSignature,
  InvalidClientTokenId,
  MissingAuthenticationToken,
  missingAuthenticationTokenMessage,
  RequestExpired,
  SignatureDoesNotMatch,
  signatureDoesNotMatch
} from "./AuthErrors.js"
import { type Hashing, nobleHashing } from "./Hashing.js"
import { checkSessionToken, knownCredential } from "./internal/credentials.js"
import {
  constantTimeEqualText,
  decodeComponent,
  headerValues,
  joinSortedPairs,
  percentEncode,
  byteStringBytes,
  byteStringText,
  queryValues,
  reencode,
  splitQuery,
  utf8ToBytes
} from "./internal/encoding.js"
import { checkClockSkew, formatIsoBasic, parseImfFixdate, parseIsoBasic } from "./internal/time.js"
import { type Credential, type CredentialLookup, type HttpRequestParts, identityOf, type VerifiedIdentity } from "./Request.js"
import type { SigningKeyCache } from "./SigningKeyCache.js"

/** The only SigV4 algorithm AWS defines for HMAC signing. */
export const ALGORITHM = "AWS4-HMAC-SHA256"
/** The fixed last element of every credential scope. */
export const SCOPE_TERMINATOR = "aws4_request"
/** AWS refuses a request dated more than 15 minutes from its clock, either way. */
export { MAX_CLOCK_SKEW_MS } from "./internal/time.js"
/** A presigned URL may live at most seven days (AWS General Reference, "Add the signature to the query string"). */
export const MAX_PRESIGNED_EXPIRES_SECONDS = 604_800

// ---------------------------------------------------------------------------------------------------
// The signer's steps
// ---------------------------------------------------------------------------------------------------

/**
 * The canonical URI: the path with dot segments removed (RFC 3986 §5.2.4) and empty segments
 * dropped, each segment then URI-encoded. The path arrives already percent-encoded by the client,
 * so this is the second encoding the SigV4 spec asks of every service but S3 (`%20` becomes
 * `%2520`), as botocore and the JS SDK do. The test suite's `normalize-path` cases pin the rules.
 *
 * @category encoding
 */
export const canonicalUri = (rawPath: string): string => {
  // Every SNS and KMS request is sent to `/`, which is already canonical.
  if (rawPath === "/") return rawPath
  const segments: Array<string> = []
  for (const segment of rawPath.split("/")) {
    if (segment === "" || segment === ".") continue
    if (segment === "..") segments.pop()
    else segments.push(segment)
  }
  const trailingSlash = segments.length > 0 && rawPath.endsWith("/") ? "/" : ""
  return `/${segments.map((segment) => percentEncode(utf8ToBytes(segment))).join("/")}${trailingSlash}`
}

/** The presigned form's own signature is not part of what it signs. */
const SIGNATURE_PARAM = "X-Amz-Signature"

/**
 * The canonical query string: each name and value decoded and re-encoded the one SigV4 way (RFC 3986
 * unreserved characters bare, everything else `%XX`), sorted by name then value, joined with `&`.
 * A parameter without `=` has an empty value (`get-vanilla-empty-query-key`). With
 * `excludeSignature`, the presigned form's `X-Amz-Signature` is left out.
 *
 * @category encoding
 */
export const canonicalQueryString = (rawQuery: string, excludeSignature = false): string =>
  rawQuery === "" ? "" : joinSortedPairs(
    splitQuery(rawQuery)
      .filter((pair) => !(excludeSignature && decodeComponent(pair.key) === SIGNATURE_PARAM))
      .map((pair) => [reencode(pair.key), reencode(pair.value)] as const)
  )

/**
 * A header value as SigV4 signs it: leading and trailing whitespace trimmed, every run of whitespace
 * (folded lines included) collapsed to one space (`get-header-value-trim`,
 * `get-header-value-multiline`), as the JS SDK and botocore do. Only ASCII whitespace counts: the
 * value is a byte string (one character per byte received), and a byte such as 0xA0 is part of a
 * UTF-8 character there (`à` is C3 A0), never a space of its own.
 *
 * @category encoding
 */
export const canonicalHeaderValue = (value: string): string =>
  // Most values are canonical already: one test instead of two replacements (docs/PERFORMANCE.md,
  // "Reading the signature without regular-expression splits").
  NOT_CANONICAL.test(value) ? value.replace(/[\t\n\v\f\r ]+/g, " ").replace(/^ | $/g, "") : value

/** Whatever `canonicalHeaderValue` would change: a whitespace other than a space, two spaces, or an edge space. */
const NOT_CANONICAL = /[\t\n\v\f\r]| {2}|^ | $/

/**
 * The canonical headers block: for each signed header, in the order signed, `name:value\n`, where a
 * header sent several times has its values joined with `,` in arrival order
 * (`get-header-key-duplicate`). Names match case-insensitively.
 *
 * @category encoding
 */
export const canonicalHeaders = (
  rawHeaders: ReadonlyArray<readonly [string, string]>,
  signedHeaders: ReadonlyArray<string>
): string => {
  let block = ""
  for (const name of signedHeaders) block += `${name}:${canonicalValueOf(rawHeaders, name) ?? ""}\n`
  return block
}

/**
 * The values of header `name` as the canonical headers block writes them: each canonical, joined
 * with `,` in arrival order; undefined when the request has no such header. One pass, with no array
 * of the values (docs/PERFORMANCE.md, "SigV4 and the Publish form with fewer objects").
 */
const canonicalValueOf = (rawHeaders: ReadonlyArray<readonly [string, string]>, name: string): string | undefined => {
  const wanted = name.toLowerCase()
  let joined: string | undefined
  for (let i = 0; i < rawHeaders.length; i++) {
    const [key, value] = rawHeaders[i]!
    if (key.length === wanted.length && (key === wanted || key.toLowerCase() === wanted)) {
      joined = joined === undefined ? canonicalHeaderValue(value) : `${joined},${canonicalHeaderValue(value)}`
    }
  }
  return joined
}

/**
 * What `canonicalRequest` needs: the raw request, which headers were signed, and the payload hash.
 *
 * @category models
 */
export interface CanonicalRequestInput {
  readonly method: string
  readonly rawPath: string
  readonly rawQuery: string
  readonly rawHeaders: ReadonlyArray<readonly [string, string]>
  /** Lower-case header names, sorted, as the signature lists them. */
  readonly signedHeaders: ReadonlyArray<string>
  /** Hex SHA-256 of the body. */
  readonly payloadHash: string
  /** A presigned request, whose query carries `X-Amz-Signature`. */
  readonly presigned?: boolean
}

/**
 * Task 1 of the signing process: the canonical request.
 *
 * ```
 * METHOD \n CanonicalURI \n CanonicalQueryString \n CanonicalHeaders \n SignedHeaders \n PayloadHash
 * ```
 *
 * @category rules
 */
export const canonicalRequest = (input: CanonicalRequestInput): string =>
  `${input.method}\n${canonicalUri(input.rawPath)}\n${canonicalQueryString(input.rawQuery, input.presigned === true)}\n` +
  `${canonicalHeaders(input.rawHeaders, input.signedHeaders)}\n${input.signedHeaders.join(";")}\n${input.payloadHash}`

/**
 * The credential scope: which day, region and service a signature is good for.
 *
 * @category models
 */
export interface CredentialScope {
  /** `YYYYMMDD`, the date part of `X-Amz-Date`. */
  readonly date: string
  readonly region: string
  readonly service: string
}

/**
 * `YYYYMMDD/region/service/aws4_request`.
 *
 * @category encoding
 */
export const scopeString = (scope: CredentialScope): string =>
  `${scope.date}/${scope.region}/${scope.service}/${SCOPE_TERMINATOR}`

/**
 * Task 2: the string to sign, `AWS4-HMAC-SHA256 \n X-Amz-Date \n scope \n hex(SHA-256(canonical request))`.
 *
 * The canonical request is a byte string: its header values are the bytes received, one character
 * per byte, as Node hands them over (`HttpRequestParts.rawHeaders`), and everything else in it is
 * ASCII. So it is hashed byte for byte, never re-encoded: a value the client sent as UTF-8 bytes is
 * hashed as exactly those bytes, as AWS and the signers hash them.
 *
 * @category rules
 */
export const stringToSign = (
  amzDate: string,
  scope: CredentialScope,
  canonical: string,
  hashing: Hashing = nobleHashing
): string => `${ALGORITHM}\n${amzDate}\n${scopeString(scope)}\n${hashing.sha256Hex(byteStringBytes(canonical))}`

/**
 * Task 3a: the signing key, a chain of HMAC-SHA256 starting from `"AWS4" + secret` over the date,
 * region, service and `aws4_request`.
 *
 * @category rules
 */
export const signingKey = (secretAccessKey: string, scope: CredentialScope, hashing: Hashing = nobleHashing): Uint8Array =>
  [scope.region, scope.service, SCOPE_TERMINATOR].reduce<Uint8Array>(
    (key, part) => hashing.hmacSha256(key, part),
    hashing.hmacSha256(`AWS4${secretAccessKey}`, scope.date)
  )

/**
 * Task 3b: the signature, hex HMAC-SHA256 of the string to sign under the signing key.
 *
 * @category rules
 */
export const sign = (key: Uint8Array, toSign: string, hashing: Hashing = nobleHashing): string =>
  hashing.hmacSha256Hex(key, toSign)

// ---------------------------------------------------------------------------------------------------
// Reading what a request claims
// ---------------------------------------------------------------------------------------------------

/**
 * What a request says about its own signature, read but not yet checked.
 *
 * @category models
 */
export interface SignatureClaim {
  readonly form: "header" | "query"
  readonly algorithm: string
  /** `AKID/YYYYMMDD/region/service/aws4_request`, unsplit. */
  readonly credential: string
  readonly signedHeaders: ReadonlyArray<string>
  readonly signature: string
  /** The request's date in ISO 8601 basic format, as it enters the string to sign. */
  readonly amzDate: string
  /** The same instant in milliseconds since the epoch. */
  readonly requestTime: number
  /** Presigned only: `X-Amz-Expires`, in seconds. */
  readonly expiresSeconds?: number
}

const incomplete = (message: string) => new IncompleteSignature({ message })

const badDate = (text: string) =>
  incomplete(`Date must be in ISO-8601 'basic format'. Got '${text}'. See http://en.wikipedia.org/wiki/ISO_8601`)

/**
 * JavaScript's `\s` (ECMA-262, WhiteSpace and LineTerminator), which `String.prototype.trim` also
 * strips: a byte string's 0xA0 counts, as it did when the header was split with `/[\s,]+/`.
 */
const isWhitespace = (code: number): boolean =>
  code === 0x20 || (code >= 0x09 && code <= 0x0d) || (code >= 0xa0 && isWhitespaceBeyondAscii(code))

const isWhitespaceBeyondAscii = (code: number): boolean =>
  code === 0xa0 || code === 0x1680 || (code >= 0x2000 && code <= 0x200a) || code === 0x2028 || code === 0x2029 ||
  code === 0x202f || code === 0x205f || code === 0x3000 || code === 0xfeff

/**
 * A comma or a whitespace. The characters of a parameter (letters, digits, `/-=;_`) all lie between
 * the comma (0x2C) and 0xA0, so they are answered by the first two comparisons.
 */
const isSeparator = (code: number): boolean =>
  code > 0x2c ? code >= 0xa0 && isWhitespaceBeyondAscii(code) : code === 0x2c || code === 0x20 || (code >= 0x09 && code <= 0x0d)

/** Whether the item `text[start, end)` is the parameter `name`, that is starts with `name=`. */
const isParameter = (text: string, start: number, eq: number, name: string): boolean =>
  eq - start === name.length && text.startsWith(name, start)

/**
 * Reads the `Authorization` header form. Parameters are separated by commas and/or whitespace.
 * AWS's texts for each defect are kept; missing parts are all named at once, as AWS does.
 */
const readHeaderClaim = (
  parts: HttpRequestParts,
  authorization: string
): Either.Either<SignatureClaim, IncompleteSignature> => {
  const trimmed = authorization.trim()
  let gap = 0
  while (gap < trimmed.length && !isWhitespace(trimmed.charCodeAt(gap))) gap++
  const algorithm = trimmed.slice(0, gap)
  // The three parameters SigV4 defines; any other is ignored, and the first of a repeated one counts.
  let credential: string | undefined
  let signature: string | undefined
  let signedHeaders: string | undefined
  // Items are the runs between commas and whitespace, found by a scan rather than a regular
  // expression's split (docs/PERFORMANCE.md, "Reading the signature without regular-expression splits"),
  // and only the values wanted are sliced out.
  for (let end = gap; end < trimmed.length;) {
    let start = end
    while (start < trimmed.length && isSeparator(trimmed.charCodeAt(start))) start++
    if (start === trimmed.length) break
    end = start
    while (end < trimmed.length && !isSeparator(trimmed.charCodeAt(end))) end++
    const eq = trimmed.indexOf("=", start)
    if (eq < 0 || eq >= end) {
      return Either.left(
        incomplete(
          `'${trimmed.slice(start, end)}' not a valid key=value pair (missing equal-sign) in Authorization header: '${authorization}'.`
        )
      )
    }
    if (isParameter(trimmed, start, eq, "Credential")) credential ??= trimmed.slice(eq + 1, end)
    else if (isParameter(trimmed, start, eq, "Signature")) signature ??= trimmed.slice(eq + 1, end)
    else if (isParameter(trimmed, start, eq, "SignedHeaders")) signedHeaders ??= trimmed.slice(eq + 1, end)
  }
  // "AWS looks first for the x-amz-date header or parameter. If AWS cannot find a value for
  // x-amz-date, it uses the date header." (AWS General Reference, "Handling dates in SigV4")
  const amzDateText = canonicalValueOf(parts.rawHeaders, "x-amz-date")
  const fromAmzDate = amzDateText !== undefined
  const dateText = amzDateText ?? canonicalValueOf(parts.rawHeaders, "date")
  if (
    credential === undefined || credential === "" || signature === undefined || signature === "" ||
    signedHeaders === undefined || dateText === undefined
  ) {
    const missing = [
      credential === undefined || credential === "" ? "Authorization header requires 'Credential' parameter." : "",
      signature === undefined || signature === "" ? "Authorization header requires 'Signature' parameter." : "",
      signedHeaders === undefined ? "Authorization header requires 'SignedHeaders' parameter." : "",
      dateText === undefined
        ? "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
        : ""
    ].filter((m) => m !== "")
    return Either.left(incomplete(`${missing.join(" ")} Authorization=${authorization}`))
  }
  // The Date header may also be IMF-fixdate; x-amz-date must be ISO 8601 basic.
  const isoTime = parseIsoBasic(dateText)
  const requestTime = isoTime ?? (fromAmzDate ? undefined : parseImfFixdate(dateText))
  if (requestTime === undefined) return Either.left(badDate(dateText))
  return Either.right({
    form: "header",
    algorithm,
    credential,
    signedHeaders: signedHeaderNames(signedHeaders),
    signature,
    // A date that parsed as ISO 8601 basic is already in the string to sign's form (the parser
    // accepts only valid, zero-padded fields); only an IMF-fixdate needs rewriting.
    amzDate: isoTime === undefined ? formatIsoBasic(requestTime) : dateText,
    requestTime
  })
}

/**
 * The names of `SignedHeaders`, split on `;`, empty ones left out: `split(";").filter(…)` without
 * the filter's second array (docs/PERFORMANCE.md, "SigV4 and the Publish form with fewer objects").
 */
const signedHeaderNames = (text: string): ReadonlyArray<string> => {
  const names: Array<string> = []
  let start = 0
  for (let semicolon = text.indexOf(";"); semicolon >= 0; semicolon = text.indexOf(";", start)) {
    if (semicolon > start) names.push(text.slice(start, semicolon))
    start = semicolon + 1
  }
  if (start < text.length) names.push(start === 0 ? text : text.slice(start))
  return names
}

const PRESIGNED_PARAMS = [
  "X-Amz-Algorithm",
  "X-Amz-Credential",
  "X-Amz-Signature",
  "X-Amz-Date",
  "X-Amz-SignedHeaders",
  "X-Amz-Expires"
] as const

/** Reads the presigned query form; each parameter must appear exactly once. */
const readQueryClaim = (parts: HttpRequestParts): Either.Either<SignatureClaim, IncompleteSignature> => {
  const values = PRESIGNED_PARAMS.map((name) => queryValues(parts.rawQuery, name))
  const [algorithm, credential, signature, amzDate, signedHeaders, expires] = values.map((v) =>
    v.length === 1 ? v[0]! : undefined
  )
  if (
    algorithm === undefined || credential === undefined || signature === undefined || amzDate === undefined ||
    signedHeaders === undefined || expires === undefined
  ) {
    return Either.left(
      incomplete(
        "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, " +
          "X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters."
      )
    )
  }
  const requestTime = parseIsoBasic(amzDate)
  if (requestTime === undefined) return Either.left(badDate(amzDate))
  if (!/^\d{1,7}$/.test(expires)) return Either.left(incomplete("X-Amz-Expires should be a number"))
  const expiresSeconds = Number(expires)
  if (expiresSeconds > MAX_PRESIGNED_EXPIRES_SECONDS) {
    return Either.left(incomplete(`X-Amz-Expires must be less than a week (in seconds) that is; ${MAX_PRESIGNED_EXPIRES_SECONDS}`))
  }
  return Either.right({
    form: "query",
    algorithm,
    credential,
    signedHeaders: signedHeaderNames(signedHeaders),
    signature,
    amzDate,
    requestTime,
    expiresSeconds
  })
}

/**
 * Whether the request carries SigV4 at all: an `Authorization` header, or `X-Amz-Algorithm` in the
 * query.
 *
 * @category rules
 */
export const hasSigV4 = (parts: HttpRequestParts): boolean =>
  headerValues(parts.rawHeaders, "authorization").length > 0 || queryValues(parts.rawQuery, "X-Amz-Algorithm").length > 0

/**
 * Reads the signature claim from whichever form the request uses; the header form wins when both are
 * present. No signature at all is `MissingAuthenticationToken`.
 *
 * @category rules
 */
export const readClaim = (
  parts: HttpRequestParts
): Either.Either<SignatureClaim, MissingAuthenticationToken | IncompleteSignature> => {
  const authorization = headerValues(parts.rawHeaders, "authorization")
  if (authorization.length > 0) {
    return readHeaderClaim(parts, authorization.length === 1 ? authorization[0]! : authorization.join(","))
  }
  if (queryValues(parts.rawQuery, "X-Amz-Algorithm").length > 0) return readQueryClaim(parts)
  return Either.left(new MissingAuthenticationToken({ message: missingAuthenticationTokenMessage }))
}

// ---------------------------------------------------------------------------------------------------
// The checks, in the order AWS applies them
// ---------------------------------------------------------------------------------------------------

/**
 * Clock skew and expiry. A header-signed request must be dated within 15 minutes of the server's
 * clock either way. A presigned one may not be dated more than 15 minutes ahead, and lives for
 * `X-Amz-Expires` seconds from its date.
 *
 * @category rules
 */
export const checkTime = (claim: SignatureClaim, now: number): Either.Either<void, RequestExpired> =>
  Either.flatMap(
    checkClockSkew(claim.requestTime, now, { past: claim.expiresSeconds === undefined }),
    () => claim.expiresSeconds !== undefined && now > claim.requestTime + claim.expiresSeconds * 1000
      ? Either.left(
        new RequestExpired({
          message: `Request has expired: X-Amz-Date ${claim.amzDate} plus X-Amz-Expires ${claim.expiresSeconds} ` +
            `seconds is earlier than ${formatIsoBasic(now)}.`
        })
      )
      : Either.void
  )

/**
 * The credential's scope, split, once it is known to have its five parts.
 *
 * @category models
 */
export interface ClaimedCredential extends CredentialScope {
  readonly accessKeyId: string
  readonly terminator: string
}

/**
 * The algorithm must be AWS4-HMAC-SHA256 and the credential `AKID/date/region/service/aws4_request`.
 *
 * @category rules
 */
export const checkShape = (claim: SignatureClaim): Either.Either<ClaimedCredential, IncompleteSignature> => {
  if (claim.algorithm !== ALGORITHM) {
    return Either.left(incomplete(`Unsupported AWS 'algorithm': '${claim.algorithm}' (only ${ALGORITHM} for now).`))
  }
  // The four slashes found one after another, rather than `split("/")`'s array (docs/PERFORMANCE.md,
  // "SigV4 and the Publish form with fewer objects").
  const text = claim.credential
  const first = text.indexOf("/")
  const second = first < 0 ? -1 : text.indexOf("/", first + 1)
  const third = second < 0 ? -1 : text.indexOf("/", second + 1)
  const fourth = third < 0 ? -1 : text.indexOf("/", third + 1)
  if (fourth < 0 || text.indexOf("/", fourth + 1) >= 0) {
    return Either.left(
      incomplete(
        `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${claim.credential}'`
      )
    )
  }
  return Either.right({
    accessKeyId: text.slice(0, first),
    date: text.slice(first + 1, second),
    region: text.slice(second + 1, third),
    service: text.slice(third + 1, fourth),
    terminator: text.slice(fourth + 1)
  })
}

/**
 * The scope must name this server's region, the expected service, the `aws4_request` terminator and
 * the date of `X-Amz-Date` ("Handling dates in Signature Version 4"); every failed part is named, and
 * `host` must be signed, with AWS's texts.
 *
 * @category rules
 */
export const checkScope = (
  claim: SignatureClaim,
  credential: ClaimedCredential,
  expected: { readonly region: string; readonly service: string }
): Either.Either<void, SignatureDoesNotMatch> => {
  const dateMatches = credential.date === claim.amzDate.slice(0, 8)
  // A request in scope, the usual case, builds none of the complaints.
  if (
    credential.region === expected.region && credential.service === expected.service &&
    credential.terminator === SCOPE_TERMINATOR && dateMatches
  ) {
    return Either.void
  }
  const complaints = [
    credential.region === expected.region ? "" : `Credential should be scoped to a valid region, not '${credential.region}'.`,
    credential.service === expected.service ? "" : `Credential should be scoped to correct service: '${expected.service}'.`,
    credential.terminator === SCOPE_TERMINATOR
      ? ""
      : `Credential should be scoped with a valid terminator: '${SCOPE_TERMINATOR}', not '${credential.terminator}'.`,
    dateMatches
      ? ""
      : `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: ` +
        `'${credential.date}' != '${claim.amzDate.slice(0, 8)}', from '${claim.amzDate}'.`
  ].filter((complaint) => complaint !== "")
  return complaints.length > 0 ? Either.left(new SignatureDoesNotMatch({ message: complaints.join(" ") })) : Either.void
}

/**
 * `host` must be among the signed headers, so a signature cannot be replayed against another host.
 *
 * @category rules
 */
export const checkHostSigned = (claim: SignatureClaim): Either.Either<void, SignatureDoesNotMatch> =>
  claim.signedHeaders.some((name) => name.toLowerCase() === "host")
    ? Either.void
    : Either.left(new SignatureDoesNotMatch({ message: "'Host' must be a 'SignedHeader' in the AWS Authorization." }))

// ---------------------------------------------------------------------------------------------------
// Verification
// ---------------------------------------------------------------------------------------------------

/**
 * @category models
 */
export interface SigV4Options<E = never, R = never> {
  /** This server's region; the credential scope must name it. */
  readonly region: string
  /** The service the request is addressed to (`sns` or `kms`); the credential scope must name it. */
  readonly service: string
  /** The server's clock, milliseconds since the epoch. */
  readonly now: number
  readonly lookup: CredentialLookup<E, R>
  /** Append the canonical request and string to sign to `SignatureDoesNotMatch`, as AWS does. */
  readonly debug?: boolean
  /** Defaults to the portable `@noble/hashes` implementation. */
  readonly hashing?: Hashing
  /** Reuse signing keys across requests; without one each request derives its own. */
  readonly signingKeys?: SigningKeyCache
}

/**
 * Verifies a SigV4-signed request (header or presigned form) and returns who signed it.
 *
 * Order of checks, as AWS reports them: the signature's parts and date are present and well formed;
 * the date is within the clock skew or the presigned lifetime; `host` is signed; the algorithm and
 * the credential's shape; the scope; the access key exists; the signature matches; the session token
 * belongs to the key.
 *
 * @category rules
 */
export const verifySigV4 = <E = never, R = never>(
  parts: HttpRequestParts,
  options: SigV4Options<E, R>
): Effect.Effect<
  VerifiedIdentity,
  | MissingAuthenticationToken
  | IncompleteSignature
  | RequestExpired
  | SignatureDoesNotMatch
  | InvalidClientTokenId
  | E,
  R
> =>
  // The checks are pure and answer `Either`s; only the credential lookup is an effect. Running them
  // as two plain steps around that one effect, rather than as a generator of effects, keeps the
  // fiber runtime out of the work every signed request does.
  Either.match(checkClaim(parts, options), {
    onLeft: (error) => Effect.fail(error),
    onRight: ({ claim, scope }) =>
      Effect.flatMap(options.lookup(scope.accessKeyId), (found) =>
        Either.flatMap(knownCredential(found), (credential) => checkSignature(parts, claim, scope, credential, options)))
  })

/**
 * `verifySigV4` over a credential table that answers at once (`credentialOf`): who signed, or
 * undefined when the request is refused or its key unknown, and `verifySigV4` then says why.
 *
 * @category rules
 */
export const verifySigV4Now = (
  parts: HttpRequestParts,
  options: Omit<SigV4Options, "lookup">,
  credentialOf: (accessKeyId: string) => Credential | undefined
): VerifiedIdentity | undefined => {
  const claimed = checkClaim(parts, options)
  if (Either.isLeft(claimed)) return undefined
  const { claim, scope } = claimed.right
  const credential = credentialOf(scope.accessKeyId)
  if (credential === undefined) return undefined
  const verified = checkSignature(parts, claim, scope, credential, options)
  return Either.isRight(verified) ? verified.right : undefined
}

/**
 * The request's claim, and its credential scope, once every check that needs no secret has passed.
 * Plain early returns rather than a generator: every signed request passes through here.
 */
const checkClaim = (
  parts: HttpRequestParts,
  options: { readonly now: number; readonly region: string; readonly service: string }
): Either.Either<
  { readonly claim: SignatureClaim; readonly scope: ClaimedCredential },
  MissingAuthenticationToken | IncompleteSignature | RequestExpired | SignatureDoesNotMatch
> => {
  const read = readClaim(parts)
  if (Either.isLeft(read)) return Either.left(read.left)
  const claim = read.right
  const time = checkTime(claim, options.now)
  if (Either.isLeft(time)) return Either.left(time.left)
  const hostSigned = checkHostSigned(claim)
  if (Either.isLeft(hostSigned)) return Either.left(hostSigned.left)
  const shape = checkShape(claim)
  if (Either.isLeft(shape)) return Either.left(shape.left)
  const scope = shape.right
  const scoped = checkScope(claim, scope, options)
  if (Either.isLeft(scoped)) return Either.left(scoped.left)
  return Either.right({ claim, scope })
}

/** Replays the signer's steps with the access key's secret and compares; then the body and the token. */
const checkSignature = (
  parts: HttpRequestParts,
  claim: SignatureClaim,
  scope: ClaimedCredential,
  credential: Credential,
  options: { readonly hashing?: Hashing; readonly signingKeys?: SigningKeyCache; readonly debug?: boolean }
): Either.Either<VerifiedIdentity, SignatureDoesNotMatch | InvalidClientTokenId> => {
  const hashing = options.hashing ?? nobleHashing
  // The payload hash is always the hash of the bytes received, never the `x-amz-content-sha256` a
  // client declares: that header, its `UNSIGNED-PAYLOAD` opt-out and its own error code
  // (`XAmzContentSHA256Mismatch`) are Amazon S3's (Amazon S3 API Reference, "Signature Calculations
  // for the Authorization Header"). Other services hash the body themselves (AWS General Reference,
  // "Create a canonical request": `Hex(SHA256Hash(<payload>))`), so a body that is not the one
  // signed, whatever the header says, is `SignatureDoesNotMatch` (403), which the SNS and KMS error
  // models declare and S3's code is not in.
  const payloadHash = hashing.sha256Hex(parts.body)
  const canonical = canonicalRequest({
    method: parts.method,
    rawPath: parts.rawPath,
    rawQuery: parts.rawQuery,
    rawHeaders: parts.rawHeaders,
    signedHeaders: claim.signedHeaders,
    payloadHash,
    presigned: claim.form === "query"
  })
  const toSign = stringToSign(claim.amzDate, scope, canonical, hashing)
  const derive = () => signingKey(credential.secretAccessKey, scope, hashing)
  const key = options.signingKeys === undefined
    ? derive()
    : options.signingKeys.get(credential.secretAccessKey, scope.date, scope.region, scope.service, derive)
  if (!constantTimeEqualText(sign(key, toSign, hashing), claim.signature)) {
    return Either.left(
      signatureDoesNotMatch(
        options.debug === true ? { canonicalRequest: byteStringText(canonical), stringToSign: toSign } : undefined
      )
    )
  }
  const tokenHeaders = headerValues(parts.rawHeaders, "x-amz-security-token")
  const tokenParams = queryValues(parts.rawQuery, "X-Amz-Security-Token")
  const session = checkSessionToken(
    credential,
    tokenHeaders.length === 0 ? tokenParams : [...tokenHeaders.map(canonicalHeaderValue), ...tokenParams]
  )
  if (Either.isLeft(session)) return Either.left(session.left)
  return Either.right(identityOf(credential, "sigv4", { region: scope.region, service: scope.service }))
}
