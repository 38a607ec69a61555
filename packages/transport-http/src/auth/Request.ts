/**
 * What request authentication reads and what it answers: the request exactly as it came off the
 * wire, the credential store's view of an access key, and the identity a valid signature proves.
 *
 * Signatures cover bytes, so the input is raw. In particular headers come as Node's
 * `req.rawHeaders` pairs, because `req.headers` joins repeated headers with `", "` where SigV4 wants
 * `","` (docs/SEMANTICS.md §6), and the body as the bytes received, not a decoded form.
 *
 * @since 0.1.0
 */
import type { Effect } from "effect"

/**
 * One HTTP request, untouched.
 *
 * @category models
 */
export interface HttpRequestParts {
  /** The request method as on the request line (`POST`). */
  readonly method: string
  /**
   * The request-target's path exactly as on the request line, before any `?`: still percent-encoded
   * (`/a%20b`), not normalised. Characters beyond ASCII stand for their UTF-8 bytes.
   */
  readonly rawPath: string
  /** Everything after the first `?` of the request-target (without the `?`), still encoded; `""` if none. */
  readonly rawQuery: string
  /**
   * Header name/value pairs in arrival order, repeats kept (Node's `req.rawHeaders`, paired). Node
   * hands values over as Latin-1 strings, one character per byte, and SigV4 hashes exactly those
   * bytes (a value sent as UTF-8 is hashed as its UTF-8 bytes, as the signer hashed it).
   */
  readonly rawHeaders: ReadonlyArray<readonly [string, string]>
  /** The body bytes as received. */
  readonly body: Uint8Array
  /**
   * The body's `application/x-www-form-urlencoded` parameters, decoded, in order; only SigV2 reads
   * them (its signature covers the parameters, not the body bytes). Absent for other bodies.
   */
  readonly formParams?: ReadonlyArray<readonly [string, string]>
}

/**
 * What the credential store knows of an access key.
 *
 * @category models
 */
export interface Credential {
  readonly accessKeyId: string
  readonly secretAccessKey: string
  /** Temporary credentials carry a token that every request must present (`X-Amz-Security-Token`). */
  readonly sessionToken?: string
  readonly accountId: string
  readonly principalArn: string
}

/**
 * Finds the credential for an access key id; `undefined` when there is none.
 *
 * @category models
 */
export type CredentialLookup<E = never, R = never> = (
  accessKeyId: string
) => Effect.Effect<Credential | undefined, E, R>

/**
 * Who signed the request, once the signature has been verified.
 *
 * @category models
 */
export interface VerifiedIdentity {
  readonly accessKeyId: string
  readonly accountId: string
  readonly principalArn: string
  readonly scheme: "sigv4" | "sigv2"
  /** SigV4 only: the credential scope's region (always the server's). */
  readonly region?: string
  /** SigV4 only: the credential scope's service (always the one the caller expected). */
  readonly service?: string
}

/**
 * Builds the identity a verified credential proves.
 *
 * @category constructors
 */
export const identityOf = (
  credential: Credential,
  scheme: VerifiedIdentity["scheme"],
  scope?: { readonly region: string; readonly service: string }
): VerifiedIdentity =>
  // Spelled out rather than spread: every signed request builds one.
  scope === undefined
    ? { accessKeyId: credential.accessKeyId, accountId: credential.accountId, principalArn: credential.principalArn, scheme }
    : {
      accessKeyId: credential.accessKeyId,
      accountId: credential.accountId,
      principalArn: credential.principalArn,
      scheme,
      region: scope.region,
      service: scope.service
    }
