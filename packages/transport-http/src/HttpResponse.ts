/**
 * The answer every route gives (SNS, KMS, the app's own routes), for the server glue to write with
 * its `x-amzn-RequestId` (docs/SEMANTICS.md §3).
 *
 * @since 0.1.0
 */

/**
 * `Body` narrows what a route is known to answer with: the SNS and KMS protocols always answer text.
 *
 * @category models
 */
export interface Response<Body extends string | Uint8Array = string | Uint8Array> {
  readonly status: number
  readonly contentType: string
  /** Further headers of the answer (SQS's `x-amzn-query-error`). */
  readonly headers?: Readonly<Record<string, string>>
  /** Text goes to the socket as it is, encoded on the way out; bytes as they are. */
  readonly body: Body
}
