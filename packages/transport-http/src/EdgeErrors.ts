/**
 * Errors the server glue raises itself, before or around a protocol's work: a path nothing serves,
 * and a failure of the server's own (a defect). Both have rows in the one error table
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

