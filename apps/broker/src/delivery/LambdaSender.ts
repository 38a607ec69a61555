/**
 * The lambda sender: calls the in-process function the subscription's ARN names (`Functions`) with
 * the event Lambda receives from SNS. A handler's failure is a failed attempt; a defect is an
 * attempt that broke before the endpoint.
 *
 * @since 0.1.0
 */
import { Cause, Exit, Option, Runtime } from "effect"
import * as Functions from "./Functions.js"
import type { Notifier, Sender } from "./Sender.js"

/**
 * @category constructors
 */
export const make = (functions: Functions.Functions, notifier: Notifier, runtime: Runtime.Runtime<never>): Sender => {
  const runCallback = Runtime.runCallback(runtime)
  return {
    send: (target, text, _now, done) => {
      runCallback(functions.invoke(target.subscription.endpoint, Functions.eventOf(target.subscription.arn, notifier.signed(target, text))), {
        onExit: (exit) => {
          if (Exit.isSuccess(exit)) return done(undefined)
          const failure = Cause.failureOption(exit.cause)
          done(Option.isSome(failure) ? failure.value : { reason: Cause.pretty(exit.cause), beforeEndpoint: true })
        }
      })
    }
  }
}
