/**
 * Every error request authentication can raise, one `Data.TaggedError` per AWS error code.
 *
 * The tag is the code AWS puts on the wire (AWS "Common Errors" for the Query protocol).
 * Texts are AWS's own where they are known (docs/SEMANTICS.md §6). HTTP statuses are not decided here:
 * they belong to the transport's one error table.
 *
 * @since 0.1.0
 */
import { Data } from "effect"

/**
 * The request carries no signature at all: no SigV4 `Authorization` header, no presigned query, no
 * SigV2 parameters.
 *
 * @category errors
 */
export class MissingAuthenticationToken extends Data.TaggedError("MissingAuthenticationToken")<{
  readonly message: string
}> {}

/**
 * A signature is present but malformed or incomplete: a missing or unparsable part of the
 * `Authorization` header or presigned query, a bad date, an unsupported algorithm.
 *
 * @category errors
 */
export class IncompleteSignature extends Data.TaggedError("IncompleteSignature")<{ readonly message: string }> {}

/**
 * The access key id is unknown, or the session token presented does not belong to it.
 *
 * @category errors
 */
export class InvalidClientTokenId extends Data.TaggedError("InvalidClientTokenId")<{ readonly message: string }> {}

/**
 * The signature is well formed but wrong, or scoped to another region, service or date, or leaves
 * `host` unsigned.
 *
 * @category errors
 */
export class SignatureDoesNotMatch extends Data.TaggedError("SignatureDoesNotMatch")<{
  readonly message: string
}> {}

/**
 * The request's date is too far from the server's clock, or a presigned URL or SigV2 `Expires` has
 * passed.
 *
 * @category errors
 */
export class RequestExpired extends Data.TaggedError("RequestExpired")<{ readonly message: string }> {}

/**
 * Every error request authentication can raise.
 *
 * @category errors
 */
export type AuthError =
  | MissingAuthenticationToken
  | IncompleteSignature
  | InvalidClientTokenId
  | SignatureDoesNotMatch
  | RequestExpired

/**
 * Every tag above, so the transport's error table can prove it has a row for each.
 *
 * @category errors
 */
export const authErrorTags = [
  "MissingAuthenticationToken",
  "IncompleteSignature",
  "InvalidClientTokenId",
  "SignatureDoesNotMatch",
  "RequestExpired"
] as const satisfies ReadonlyArray<AuthError["_tag"]>

/** AWS's text for `MissingAuthenticationToken`. */
export const missingAuthenticationTokenMessage = "Request is missing Authentication Token"

/** AWS's text for `InvalidClientTokenId`. */
export const invalidClientTokenIdMessage = "The security token included in the request is invalid."

/** AWS's text for `SignatureDoesNotMatch`, before any debug detail. */
export const signatureDoesNotMatchMessage =
  "The request signature we calculated does not match the signature you provided. Check your AWS Secret " +
  "Access Key and signing method. Consult the service documentation for details."

/**
 * `SignatureDoesNotMatch`; with `debug`, AWS's own appendix showing what the server signed, so a
 * client author can diff it against their own (SigV2 has no canonical request, only a string to sign).
 *
 * @category constructors
 */
export const signatureDoesNotMatch = (
  debug: { readonly canonicalRequest?: string; readonly stringToSign: string } | undefined
): SignatureDoesNotMatch => {
  if (debug === undefined) return new SignatureDoesNotMatch({ message: signatureDoesNotMatchMessage })
  const canonical = debug.canonicalRequest === undefined
    ? ""
    : `\n\nThe Canonical String for this request should have been\n'${debug.canonicalRequest}'`
  return new SignatureDoesNotMatch({
    message: `${signatureDoesNotMatchMessage}${canonical}\n\nThe String-to-Sign should have been\n'${debug.stringToSign}'\n`
  })
}
