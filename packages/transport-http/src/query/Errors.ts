/**
 * Errors of the AWS Query protocol itself: what goes wrong before any SNS action runs.
 *
 * Tags are the codes AWS puts on the wire ("Common Errors" of the Query APIs; `ValidationError` as
 * SNS answers a missing required member). HTTP statuses live in the transport's one error table.
 *
 * @since 0.1.0
 */
import { Data } from "effect"

/**
 * A member the API model marks required is absent. SNS's own text, verified against AWS by
 * LocalStack's `tests/aws/test_validate.py`: "1 validation error detected: Value null at 'attributes'
 * failed to satisfy constraint: Member must not be null".
 *
 * @category errors
 */
export class ValidationError extends Data.TaggedError("ValidationError")<{ readonly message: string }> {}

/**
 * The `Action` names no operation of this API version.
 *
 * @category errors
 */
export class InvalidAction extends Data.TaggedError("InvalidAction")<{ readonly message: string }> {}

/**
 * The request has no `Action` parameter.
 *
 * @category errors
 */
export class MissingAction extends Data.TaggedError("MissingAction")<{ readonly message: string }> {}

/**
 * A parameter is present but its value cannot be read as its type (a boolean that is not
 * `true`/`false`, malformed base64, a list index that is not a positive whole number…).
 *
 * @category errors
 */
export class InvalidParameterValue extends Data.TaggedError("InvalidParameterValue")<{ readonly message: string }> {}

/**
 * The body is not a well-formed `application/x-www-form-urlencoded` string: a broken `%` escape,
 * bytes that are not UTF-8, a parameter given twice.
 *
 * @category errors
 */
export class MalformedQueryString extends Data.TaggedError("MalformedQueryString")<{ readonly message: string }> {}

/**
 * Every error of the Query protocol layer.
 *
 * @category errors
 */
export type QueryError = ValidationError | InvalidAction | MissingAction | InvalidParameterValue | MalformedQueryString

/**
 * Every tag above, so the error table can prove it has a row for each.
 *
 * @category errors
 */
export const queryErrorTags = [
  "ValidationError",
  "InvalidAction",
  "MissingAction",
  "InvalidParameterValue",
  "MalformedQueryString"
] as const satisfies ReadonlyArray<QueryError["_tag"]>
