/**
 * Errors of the AWS JSON 1.1 protocol itself, before any KMS operation runs.
 *
 * @since 0.1.0
 */
import { Data } from "effect"

/** `X-Amz-Target` names no operation KMS has. */
export class UnknownOperationException extends Data.TaggedError("UnknownOperationException")<{
  readonly message: string
}> {}

/** The body is not a JSON object. */
export class SerializationException extends Data.TaggedError("SerializationException")<{ readonly message: string }> {}

export const kmsProtocolErrorTags = ["UnknownOperationException", "SerializationException"] as const
