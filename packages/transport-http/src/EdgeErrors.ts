/**
 * Errors the server glue raises itself, before or around a protocol's work: a path nothing serves,
 * a KMS request on the plain-HTTP listener, a header section over the limit, and a failure of the
 * server's own (a defect). Both have rows in the one error table
 * (`ErrorTable.ts`); the body errors (`RequestEntityTooLarge`, `RequestAborted`) live beside the body
 * reader in `HttpRequest.ts`.
 *
 * @since 0.1.0
 */
import { Data } from "effect"

/** AWS's "Common Errors" text for InternalFailure. */
export const INTERNAL_FAILURE_MESSAGE = "The request processing has failed because of an unknown error, exception or failure."

/**
 * Nothing is served at the request's path (or the path is not valid percent-encoded UTF-8).
 *
 * @category errors
 */
export class UnknownPath extends Data.TaggedError("UnknownPath")<{ readonly message: string }> {}

/**
 * The server failed, never the client's doing. Its message is AWS's "Common Errors" text, so nothing
 * of the server's internals reaches the client.
 *
 * @category errors
 */
export class InternalFailure extends Data.TaggedError("InternalFailure")<{ readonly message: string }> {
  constructor() {
    super({ message: INTERNAL_FAILURE_MESSAGE })
  }
}


/**
 * A KMS request arrived on the plain-HTTP listener. KMS is served over TLS only ("All KMS API calls
 * must be signed and be transmitted using Transport Layer Security", KMS API reference, Welcome).
 *
 * @category errors
 */
export class KmsOverPlainHttp extends Data.TaggedError("KmsOverPlainHttp")<{ readonly message: string }> {
  constructor() {
    super({ message: "KMS requests must use HTTPS: this listener is plain HTTP. Send the request to the HTTPS endpoint." })
  }
}

/**
 * The request's header section is larger than the broker reads (16 KiB, Node's default limit).
 *
 * @category errors
 */
export class RequestHeaderSectionTooLarge extends Data.TaggedError("RequestHeaderSectionTooLarge")<{ readonly message: string }> {
  constructor() {
    super({ message: "Your request header section exceeds the maximum allowed size." })
  }
}
