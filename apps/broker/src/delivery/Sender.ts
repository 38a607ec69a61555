/**
 * What every protocol's delivery is: one `Sender` per protocol, handed a delivery whose body is
 * already open and its text already chosen for the protocol, that reports once how the attempt
 * went. The shell (`Dispatcher`) picks the sender by the subscription's protocol; the scheduler and
 * the retry decision know nothing of protocols. Implementations: `HttpSender` (http, https),
 * `LambdaSender` (lambda), `SqsSender` (sqs), `OutboxSender` (email, email-json, sms, application,
 * firehose).
 *
 * A sender is plain code with a callback, not an Effect: it runs for every delivery, and a fiber per
 * step was the largest share of a delivery's CPU time.
 *
 * @since 0.1.0
 */
import type { Message, Subscription, Topic } from "@sealcast/core"
import * as Envelope from "./Envelope.js"
import * as Signature from "./Signature.js"

/**
 * One delivery's message (as stored), subscription and topic, as the attempt's pass saw them.
 *
 * @category models
 */
export interface Target {
  readonly message: Message.StoredMessage
  readonly subscription: Subscription.Subscription
  readonly topic: Topic.Topic
}

/**
 * A failed attempt, for the retry decision and the log (never the body, which may be a secret's
 * plaintext). `beforeEndpoint`: the attempt broke before it reached the endpoint (a defect, not an
 * answer), so it is looked at again shortly without spending a retry. `permanent`: no retry helps.
 *
 * @category models
 */
export interface SendFailure {
  readonly reason: string
  readonly beforeEndpoint?: true
  /**
   * A client-side error SNS does not retry (SNS guide, "Amazon SNS dead-letter queues": "Amazon SNS
   * doesn't retry the message delivery that fails as a result of a client-side error"): the delivery
   * ends at once, into the subscription's dead-letter queue if it has one.
   */
  readonly permanent?: true
}

/**
 * @category models
 */
export interface Sender {
  /**
   * Sends `text` (the message for this protocol, `Envelope.messageFor`) at `now`, and calls `done`
   * once: `undefined` for a delivery, else the failure. Never throws for a failed attempt.
   */
  readonly send: (target: Target, text: string, now: number, done: (failure: SendFailure | undefined) => void) => void
}

/**
 * One sender for each protocol.
 *
 * @category models
 */
export type Senders = Readonly<Record<Subscription.Protocol, Sender>>

/**
 * The signed notification documents senders put on the wire, built only for the protocols that
 * send them (a raw HTTP/S delivery posts the message text alone).
 *
 * @category models
 */
export interface Notifier {
  /** The notification's fields, before signing. */
  readonly fields: (target: Target, text: string) => Envelope.NotificationFields
  /** The notification, signed, with its links. */
  readonly signed: (target: Target, text: string) => Envelope.Notification
  readonly unsubscribeUrl: (subscriptionArn: string) => string
}

/**
 * @category constructors
 */
export const makeNotifier = (origin: string, signer: Signature.Signer): Notifier => {
  const signingCertUrl = Envelope.signingCertUrl(origin)
  const unsubscribeUrl = (subscriptionArn: string) => Envelope.unsubscribeUrl(origin, subscriptionArn)
  const fields = (target: Target, text: string) =>
    Envelope.notificationFields({ message: target.message, text, signatureVersion: Signature.signatureVersionOf(target.topic.attributes) })
  return {
    fields,
    signed: (target, text) => {
      const signedFields = fields(target, text)
      return Envelope.notification(
        signedFields,
        { signature: signer.sign(signedFields), signingCertUrl, unsubscribeUrl: unsubscribeUrl(target.subscription.arn) },
        target.message.attributes
      )
    },
    unsubscribeUrl
  }
}
