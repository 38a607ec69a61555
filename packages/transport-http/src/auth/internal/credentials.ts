/**
 * The two credential checks SigV4 and SigV2 share: the access key must exist, and a temporary
 * credential's session token must come with the request.
 */
import { Effect, Either } from "effect"
import { InvalidClientTokenId, invalidClientTokenIdMessage } from "../AuthErrors.js"
import type { Credential, CredentialLookup } from "../Request.js"
import { constantTimeEqualText } from "./encoding.js"

/** The credential a lookup found, or AWS's `InvalidClientTokenId` when there is none. */
export const knownCredential = (credential: Credential | undefined): Either.Either<Credential, InvalidClientTokenId> =>
  credential === undefined ? Either.left(new InvalidClientTokenId({ message: invalidClientTokenIdMessage })) : Either.right(credential)

/** The credential for `accessKeyId`, or AWS's `InvalidClientTokenId` when there is none. */
export const findCredential = <E, R>(
  lookup: CredentialLookup<E, R>,
  accessKeyId: string
): Effect.Effect<Credential, InvalidClientTokenId | E, R> => Effect.flatMap(lookup(accessKeyId), knownCredential)

/**
 * Temporary credentials are only valid with their token (AWS IAM User Guide, "Using temporary
 * credentials with AWS resources"); a long-term key presented with a token is refused too, as AWS does.
 * `presented` holds every token the request carries (header and query); all must be the right one.
 */
export const checkSessionToken = (
  credential: Credential,
  presented: ReadonlyArray<string>
): Either.Either<void, InvalidClientTokenId> => {
  const expected = credential.sessionToken
  const valid = expected === undefined
    ? presented.length === 0
    : presented.length > 0 && presented.every((token) => constantTimeEqualText(token, expected))
  return valid ? Either.void : Either.left(new InvalidClientTokenId({ message: invalidClientTokenIdMessage }))
}
