/**
 * The shape of one SQS action on the wire (AWS JSON 1.0, `X-Amz-Target: AmazonSQS.<Action>`): a
 * reader of its request body into the core's input, the call on the core, and the encoder of its
 * result as the JSON object AWS answers. One file per action defines one of these.
 *
 * @since 0.1.0
 */
import type { Errors, QueueErrors, RequestContext, Sqs } from "@sealcast/core"
import { Effect, Either } from "effect"
import type { JsonObject, ReadError } from "./internal/read.js"

/**
 * @category models
 */
export type ActionError = QueueErrors.SqsError | Errors.StoreFailure

/**
 * @category models
 */
export interface SqsAction {
  readonly name: string
  readonly handle: (body: JsonObject, sqs: Sqs.SqsService, ctx: RequestContext.RequestContext) => Effect.Effect<unknown, ActionError | ReadError>
}

/**
 * Defines an action.
 *
 * @category constructors
 */
export const make = <I, O>(spec: {
  readonly name: string
  readonly decode: (body: JsonObject) => Either.Either<I, ReadError>
  readonly run: (sqs: Sqs.SqsService, input: I, ctx: RequestContext.RequestContext) => Effect.Effect<O, ActionError>
  /** The answer's members; an action whose output is empty answers `{}`. */
  readonly encode?: (output: O) => Record<string, unknown>
}): SqsAction => ({
  name: spec.name,
  handle: (body, sqs, ctx) =>
    Either.match(spec.decode(body), {
      onLeft: (error) => Effect.fail(error),
      onRight: (input) => Effect.map(spec.run(sqs, input, ctx), (output) => spec.encode?.(output) ?? {})
    })
})
