/**
 * Who is asking, and how the request reached the broker. The transport builds it after verifying the
 * signature; the core's rules read it (which account owns a new topic, whether an encrypted topic may
 * be touched over this transport).
 *
 * @since 0.1.0
 */

/**
 * @category models
 */
export interface RequestContext {
  /** The caller's account, from its verified credentials. */
  readonly accountId: string
  /** The caller's principal, e.g. `arn:aws:iam::000000000000:root`. */
  readonly principalArn: string
  /** The broker's region: the region in every ARN it makes. */
  readonly region: string
  /** How the bytes arrived. */
  readonly transport: "https" | "http"
  /** How the request was authenticated. `none` only for the links SNS itself hands out. */
  readonly auth: "sigv4" | "sigv2" | "none"
}
