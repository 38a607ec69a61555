/**
 * Refusals that say what to do. AWS's texts are written for a caller who knows which account and
 * region they meant; a caller of a local endpoint more often signed with another tool's habits
 * (LocalStack's `test`/`test` keys, a profile's default region, a service this endpoint does not
 * have). These keep AWS's code and status and its text first, and add the one fact that fixes it.
 *
 * Everything here runs only on a refusal: a request that verifies pays nothing for it.
 *
 * @since 0.1.0
 */
import { Effect, Either } from "effect"
import { UnknownOperationException } from "../kms/Errors.js"
import { InvalidAction } from "../query/Errors.js"
import { InvalidClientTokenId, invalidClientTokenIdMessage, SignatureDoesNotMatch } from "./AuthErrors.js"
import { detectScheme } from "./Authenticate.js"
import type { CredentialLookup, HttpRequestParts } from "./Request.js"
import { checkShape, readClaim } from "./SigV4.js"

/**
 * The services one endpoint answers, by the name SigV4 scopes use.
 *
 * @category models
 */
export const SERVED_SERVICES: ReadonlyArray<string> = ["sns", "sqs", "kms"] as const

/**
 * `lookup`, refusing an access key it does not know with AWS's `InvalidClientTokenId` text followed
 * by the key and `hint` (where the endpoint's keys are, how to set them).
 *
 * @category constructors
 */
export const withUnknownKeyHint = <E, R>(lookup: CredentialLookup<E, R>, hint: string): CredentialLookup<E | InvalidClientTokenId, R> =>
  (accessKeyId) =>
    Effect.flatMap(lookup(accessKeyId), (found) =>
      found !== undefined
        ? Effect.succeed(found)
        : Effect.fail(new InvalidClientTokenId({ message: `${invalidClientTokenIdMessage} This endpoint has no access key '${accessKeyId}'. ${hint}` }))
    )

/**
 * A refusal of a SigV4 request addressed to `service` (`sns` or `kms`), made plainer when its scope
 * is the cause: a service this endpoint does not serve is refused as an unknown action of the
 * protocol the request came in by (`InvalidAction` for AWS Query, `UnknownOperationException` for
 * JSON), "Sealcast does not serve <service>"; a scope for another region names the region served.
 * Any other refusal is returned as it is.
 *
 * @category constructors
 */
export const explainRefusal = <T extends { readonly _tag: string; readonly message: string }>(
  parts: HttpRequestParts,
  refusal: T,
  expected: { readonly service: string; readonly region: string }
): T | InvalidAction | UnknownOperationException | SignatureDoesNotMatch => {
  if (refusal._tag !== "SignatureDoesNotMatch" || detectScheme(parts) !== "sigv4") return refusal
  const scope = Either.getOrUndefined(Either.flatMap(readClaim(parts), checkShape))
  if (scope === undefined) return refusal
  if (!SERVED_SERVICES.includes(scope.service)) {
    const message = `Sealcast does not serve ${scope.service}; this endpoint serves sns, sqs and kms.`
    return expected.service === "sns" ? new InvalidAction({ message }) : new UnknownOperationException({ message })
  }
  if (scope.service === "sqs" && expected.service === "sns") {
    // A Query request signed for SQS that names neither SQS's Version nor a queue's path reaches
    // the SNS route.
    return new InvalidAction({
      message: "An SQS request in the AWS Query protocol names Version=2012-11-05 or is posted to its queue's URL; in the AWS JSON protocol it carries X-Amz-Target: AmazonSQS.<Action>."
    })
  }
  if (scope.region !== expected.region) {
    return new SignatureDoesNotMatch({
      message: `${refusal.message} This endpoint serves region ${expected.region}: sign for ${expected.region}.`
    })
  }
  return refusal
}
