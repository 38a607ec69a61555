/**
 * In-process functions: the `lambda` protocol for embedded use. The embedding program registers a
 * handler under a function name (`broker.registerFunction(name, handler)`) and subscribes it by its
 * Lambda ARN; each delivery calls the handler with the event Lambda receives from SNS (Lambda
 * developer guide, "Using AWS Lambda with Amazon SNS": `Records[].Sns`, with Lambda's spellings
 * `SigningCertUrl` and `UnsubscribeUrl`, and `Subject` null when there is none).
 *
 * @since 0.1.0
 */
import { Data, Duration, Effect } from "effect"
import type { AttributeValue, Notification } from "./Envelope.js"

/**
 * @category models
 */
export interface SnsEventRecord {
  readonly EventSource: "aws:sns"
  readonly EventVersion: "1.0"
  readonly EventSubscriptionArn: string
  readonly Sns: {
    readonly Type: "Notification"
    readonly MessageId: string
    readonly TopicArn: string
    readonly Subject: string | null
    readonly Message: string
    readonly Timestamp: string
    readonly SignatureVersion: string
    readonly Signature: string
    readonly SigningCertUrl: string
    readonly UnsubscribeUrl: string
    readonly MessageAttributes: Readonly<Record<string, AttributeValue>>
  }
}

/**
 * @category models
 */
export interface SnsEvent {
  readonly Records: ReadonlyArray<SnsEventRecord>
}

/**
 * A registered function. Its result is ignored; a throw or a rejected promise is a failed attempt.
 *
 * @category models
 */
export type Handler = (event: SnsEvent) => unknown

/**
 * @category errors
 */
export class InvocationFailed extends Data.TaggedError("InvocationFailed")<{ readonly reason: string }> {}

/**
 * How long a handler may run before the attempt counts as failed, so a hung handler cannot hold a
 * delivery (or the broker's shutdown) forever. Lambda's own limit is configurable; this is SNS's HTTP
 * timeout, the same bound the broker gives any endpoint.
 */
export const TIMEOUT = Duration.seconds(15)

/**
 * The event for one notification.
 *
 * @category encoding
 */
export const eventOf = (subscriptionArn: string, notification: Notification): SnsEvent => ({
  Records: [
    {
      EventSource: "aws:sns",
      EventVersion: "1.0",
      EventSubscriptionArn: subscriptionArn,
      Sns: {
        Type: notification.Type,
        MessageId: notification.MessageId,
        TopicArn: notification.TopicArn,
        Subject: notification.Subject ?? null,
        Message: notification.Message,
        Timestamp: notification.Timestamp,
        SignatureVersion: notification.SignatureVersion,
        Signature: notification.Signature,
        SigningCertUrl: notification.SigningCertURL,
        UnsubscribeUrl: notification.UnsubscribeURL,
        MessageAttributes: notification.MessageAttributes ?? {}
      }
    }
  ]
})

/**
 * The function name in a Lambda ARN, `arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]`.
 *
 * @category utils
 */
export const functionNameOf = (arn: string): string | undefined => {
  const parts = arn.split(":")
  return parts[2] === "lambda" && parts[5] === "function" ? parts[6] : undefined
}

/**
 * @category models
 */
export interface Functions {
  /** Registers `handler` under a function name, or under a full function ARN to tell apart accounts or regions. */
  readonly register: (name: string, handler: Handler) => void
  readonly unregister: (name: string) => void
  /** Calls the function a subscription's ARN names: by its full ARN if registered so, else by name. */
  readonly invoke: (functionArn: string, event: SnsEvent) => Effect.Effect<void, InvocationFailed>
}

/**
 * @category constructors
 */
export const make = (): Functions => {
  const handlers = new Map<string, Handler>()
  const find = (arn: string): Handler | undefined => {
    const exact = handlers.get(arn)
    if (exact !== undefined) return exact
    const name = functionNameOf(arn)
    return name === undefined ? undefined : handlers.get(name)
  }
  return {
    register: (name, handler) => {
      handlers.set(name, handler)
    },
    unregister: (name) => {
      handlers.delete(name)
    },
    invoke: (functionArn, event) =>
      Effect.suspend(() => {
        const handler = find(functionArn)
        if (handler === undefined) {
          // Lambda's answer for a function that does not exist.
          return Effect.fail(new InvocationFailed({ reason: `Function not found: ${functionArn}` }))
        }
        return Effect.tryPromise({
          try: async () => {
            await handler(event)
          },
          catch: (cause) => new InvocationFailed({ reason: cause instanceof Error ? cause.message : String(cause) })
        }).pipe(
          Effect.timeoutFail({
            duration: TIMEOUT,
            onTimeout: () => new InvocationFailed({ reason: `Task timed out after ${Duration.toSeconds(TIMEOUT)} seconds` })
          })
        )
      })
  }
}
