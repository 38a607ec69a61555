/**
 * The shape of one SNS action on the wire: a schema that decodes its request parameters once into
 * the core's input, the call on the core, and the encoder of its result. One file per action
 * (`CreateTopic.ts`, `Publish.ts`, …) defines one of these.
 *
 * @since 0.1.0
 */
import type { Errors, RequestContext, Sns } from "@sealcast/core"
import { Effect, Either, type Schema } from "effect"
import { MissingAuthenticationToken, missingAuthenticationTokenMessage } from "../auth/AuthErrors.js"
import type { InvalidParameterValue, ValidationError } from "../query/Errors.js"
import type { TreeNode } from "../query/Form.js"
import * as Shapes from "../query/Shapes.js"
import type * as Xml from "../query/Xml.js"

/**
 * What an action can fail with once its request is read: the core's errors, or a call without a
 * signature to an action that needs one.
 *
 * @category models
 */
export type ActionError = Errors.SnsError | MissingAuthenticationToken

/**
 * @category models
 */
export interface SnsAction<I, O> {
  /** The `Action` parameter, as the model names the operation. */
  readonly name: string
  /** Reads the request's parameters (`Form.toTree`) into the core's input. */
  readonly decode: (tree: TreeNode) => Either.Either<I, ValidationError | InvalidParameterValue>
  /** Calls the core. `ctx` is undefined for a request that carried no signature. */
  readonly run: (sns: Sns.SnsService, input: I, ctx: RequestContext.RequestContext | undefined) => Effect.Effect<O, ActionError>
  /**
   * The content of `<{Op}Result>`, or undefined when the model's output is empty (`smithy.api#Unit`)
   * and AWS answers with `ResponseMetadata` alone.
   */
  readonly encode: ((output: O) => ReadonlyArray<Xml.Node>) | undefined
  /** `run` outside the runtime, for the actions that offer it (`RunNow`). */
  readonly runNow?: RunNow<I, O>
}

/**
 * The core call without the runtime: `done` is called once with its outcome; false, with nothing
 * done, when `run` must take the request (docs/PERFORMANCE.md, "Publish without a fiber").
 *
 * @category models
 */
export type RunNow<I, O> = (
  sns: Sns.SnsService,
  input: I,
  ctx: RequestContext.RequestContext,
  done: (result: Either.Either<O, Errors.SnsError>) => void
) => boolean

/**
 * Any action, its input and output types hidden: what the dispatch table holds.
 *
 * @category models
 */
export interface AnySnsAction {
  readonly name: string
  readonly handle: (
    tree: TreeNode,
    sns: Sns.SnsService,
    ctx: RequestContext.RequestContext | undefined
  ) => Effect.Effect<ReadonlyArray<Xml.Node> | undefined, ActionError | ValidationError | InvalidParameterValue>
  /**
   * `handle` outside the runtime for a signed request, where the action offers it: false, with
   * nothing done, when the request does not decode or the core must take it through `handle`.
   */
  readonly handleNow?: (
    tree: TreeNode,
    sns: Sns.SnsService,
    ctx: RequestContext.RequestContext,
    done: (result: Either.Either<ReadonlyArray<Xml.Node> | undefined, Errors.SnsError>) => void
  ) => boolean
}

/**
 * Defines an action that needs a signed request.
 *
 * @category constructors
 */
export const make = <W, E, I, O>(spec: {
  readonly name: string
  /** The request's members by their wire names (`Shapes.ts`); required members are not optional. */
  readonly request: Schema.Schema<W, E>
  /** The decoded request as the core's input: a total mapping, every check having been made above. */
  readonly input: (wire: W) => I
  readonly run: (sns: Sns.SnsService, input: I, ctx: RequestContext.RequestContext) => Effect.Effect<O, Errors.SnsError>
  readonly runNow?: RunNow<I, O>
  readonly encode?: (output: O) => ReadonlyArray<Xml.Node>
}): SnsAction<I, O> & AnySnsAction =>
  withHandle({
    name: spec.name,
    ...(spec.runNow === undefined ? {} : { runNow: spec.runNow }),
    decode: decoder(spec.request, spec.input),
    // Every action but the two links SNS hands out needs a verified caller (docs/CONTRACT.md, "The
    // endpoint": "Nothing is accepted unsigned, except the subscription-confirmation and
    // unsubscribe links").
    run: (sns, input, ctx) =>
      ctx === undefined
        ? Effect.fail(new MissingAuthenticationToken({ message: missingAuthenticationTokenMessage }))
        : spec.run(sns, input, ctx),
    encode: spec.encode
  })

/**
 * Defines an action that a link may call unsigned (ConfirmSubscription, Unsubscribe); the core
 * decides what an unsigned call may do.
 *
 * @category constructors
 */
export const makeLink = <W, E, I, O>(spec: {
  readonly name: string
  readonly request: Schema.Schema<W, E>
  readonly input: (wire: W) => I
  readonly run: (
    sns: Sns.SnsService,
    input: I,
    ctx: RequestContext.RequestContext | undefined
  ) => Effect.Effect<O, Errors.SnsError>
  readonly encode?: (output: O) => ReadonlyArray<Xml.Node>
}): SnsAction<I, O> & AnySnsAction =>
  withHandle({ name: spec.name, decode: decoder(spec.request, spec.input), run: spec.run, encode: spec.encode })

const decoder = <W, E, I>(request: Schema.Schema<W, E>, input: (wire: W) => I) => {
  const decode = Shapes.decode(request)
  return (tree: TreeNode) => Either.map(decode(tree), input)
}

const withHandle = <I, O>(action: SnsAction<I, O>): SnsAction<I, O> & AnySnsAction => ({
  ...action,
  // Decoding is pure, so it is matched directly; only the core call is an effect.
  handle: (tree, sns, ctx) =>
    Either.match(action.decode(tree), {
      onLeft: (error) => Effect.fail(error),
      onRight: (input) => Effect.map(action.run(sns, input, ctx), (output) => action.encode?.(output))
    }),
  ...(action.runNow === undefined ? {} : { handleNow: handleNow(action, action.runNow) })
})

const handleNow = <I, O>(action: SnsAction<I, O>, runNow: RunNow<I, O>): NonNullable<AnySnsAction["handleNow"]> =>
  (tree, sns, ctx, done) => {
    const input = action.decode(tree)
    return Either.isRight(input) && runNow(sns, input.right, ctx, (result) => done(Either.map(result, (output) => action.encode?.(output))))
  }
