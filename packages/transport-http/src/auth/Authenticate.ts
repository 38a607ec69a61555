/**
 * One entry point for request authentication: picks the scheme the request uses and verifies it.
 *
 * SigV4 when there is an `Authorization` header or `X-Amz-Algorithm` in the query (a malformed or
 * foreign `Authorization` header is still read as SigV4, and refused with SigV4's texts); SigV2 when
 * a `SignatureVersion` parameter is present; otherwise `MissingAuthenticationToken`.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import { type AuthError, MissingAuthenticationToken, missingAuthenticationTokenMessage } from "./AuthErrors.js"
import type { HttpRequestParts, VerifiedIdentity } from "./Request.js"
import { hasSigV2, verifySigV2 } from "./SigV2.js"
import { hasSigV4, type SigV4Options, verifySigV4 } from "./SigV4.js"

/**
 * Which scheme a request is signed with, judged from its shape alone.
 *
 * @category rules
 */
export const detectScheme = (parts: HttpRequestParts): "sigv4" | "sigv2" | "none" =>
  hasSigV4(parts) ? "sigv4" : hasSigV2(parts) ? "sigv2" : "none"

/**
 * Verifies whichever signature the request carries. `region` and `service` only bind SigV4, whose
 * credential scope names them; SigV2 has no scope.
 *
 * @category rules
 */
export const authenticate = <E = never, R = never>(
  parts: HttpRequestParts,
  options: SigV4Options<E, R>
): Effect.Effect<VerifiedIdentity, AuthError | E, R> => {
  switch (detectScheme(parts)) {
    case "sigv4":
      return verifySigV4(parts, options)
    case "sigv2":
      return verifySigV2(parts, options)
    case "none":
      return Effect.fail(new MissingAuthenticationToken({ message: missingAuthenticationTokenMessage }))
  }
}
