/**
 * Test support: the example credentials of the AWS SigV4 test suite and a lookup over a fixed list.
 */
import { Effect, Either } from "effect"
import type { Credential, CredentialLookup } from "../../src/auth/Request.js"

export const EXAMPLE_KEY_ID = "AKIDEXAMPLE"
export const EXAMPLE_SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"

export const exampleCredential = (sessionToken?: string): Credential => ({
  accessKeyId: EXAMPLE_KEY_ID,
  secretAccessKey: EXAMPLE_SECRET,
  accountId: "000000000000",
  principalArn: "arn:aws:iam::000000000000:root",
  ...(sessionToken === undefined ? {} : { sessionToken })
})

export const lookupOf = (...credentials: ReadonlyArray<Credential>): CredentialLookup => (accessKeyId) =>
  Effect.succeed(credentials.find((c) => c.accessKeyId === accessKeyId))

/** Runs a verification to an Either, so a test can look at the typed error's tag. */
export const run = <A, E>(effect: Effect.Effect<A, E>): Either.Either<A, E> => Effect.runSync(Effect.either(effect))

/** The tag of a failed verification, or "ok". */
export const outcome = <A, E extends { readonly _tag: string }>(effect: Effect.Effect<A, E>): string =>
  Either.match(run(effect), { onLeft: (e) => e._tag, onRight: () => "ok" })
