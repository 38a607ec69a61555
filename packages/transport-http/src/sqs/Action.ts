/**
 * The shape of one SQS action on the wire (AWS JSON 1.0, `X-Amz-Target: AmazonSQS.<Action>`): a
 * reader of its request body into the core's input, the call on the core, and the encoder of its
 * result as the JSON object AWS answers. One file per action defines one of these.
 *
 * @since 0.1.0
 */
import type { Errors, QueueErrors, RequestContext, Sqs } from "@sealcast/core"
import { Effect, Either, Exit } from "effect"
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
  /**
   * `handle` outside the runtime, where the action offers it: `done` is called once with the
   * answer's members or the error (a defect as a defect); false, with nothing done, when the body
   * does not decode or the core must take the request through `handle` (docs/PERFORMANCE.md,
   * "SendMessage without a fiber").
   */
  readonly handleNow?: (
    body: JsonObject,
    sqs: Sqs.SqsService,
    ctx: RequestContext.RequestContext,
    done: (result: Exit.Exit<unknown, ActionError>) => void
  ) => boolean
}

/**
 * The core call without the runtime: `done` is called once with its outcome; false, with nothing
 * done, when `run` must take the request.
 *
 * @category models
 */
export type RunNow<I, O> = (
  sqs: Sqs.SqsService,
  input: I,
  ctx: RequestContext.RequestContext,
  done: (result: Exit.Exit<O, ActionError>) => void
) => boolean

/**
 * Defines an action.
 *
 * @category constructors
 */
export const make = <I, O>(spec: {
  readonly name: string
  readonly decode: (body: JsonObject) => Either.Either<I, ReadError>
  readonly run: (sqs: Sqs.SqsService, input: I, ctx: RequestContext.RequestContext) => Effect.Effect<O, ActionError>
  /** `run` outside the runtime, for the actions that offer it. */
  readonly runNow?: RunNow<I, O>
  /** The answer's members; an action whose output is empty answers `{}`. */
  readonly encode?: (output: O) => Record<string, unknown>
}): SqsAction => {
  const encode = (output: O): Record<string, unknown> => spec.encode?.(output) ?? {}
  const runNow = spec.runNow
  return {
    name: spec.name,
    handle: (body, sqs, ctx) =>
      Either.match(spec.decode(body), {
        onLeft: (error) => Effect.fail(error),
        onRight: (input) => Effect.map(spec.run(sqs, input, ctx), encode)
      }),
    ...(runNow === undefined ? {} : {
      handleNow: (body, sqs, ctx, done) => {
        const input = spec.decode(body)
        return Either.isRight(input) && runNow(sqs, input.right, ctx, (result) => done(Exit.map(result, encode)))
      }
    } satisfies Pick<SqsAction, "handleNow">)
  }
}
