/**
 * The outbox sender: deliveries to endpoints a local broker cannot reach (email, email-json, sms,
 * application, firehose) go to the outbox, each body as its protocol receives it (SNS guide,
 * "Amazon SNS message formats"): email-json the signed notification, firehose the record (or the
 * bare message for raw delivery), the others the message text.
 *
 * @since 0.1.0
 */
import * as Envelope from "./Envelope.js"
import type { Outbox } from "./Outbox.js"
import type { Notifier, Sender, Target } from "./Sender.js"

/**
 * @category constructors
 */
export const make = (outbox: Outbox, notifier: Notifier): Sender => {
  const bodyFor = (target: Target, text: string): string => {
    const { message, subscription } = target
    switch (subscription.protocol) {
      case "email-json":
        return Envelope.encode(notifier.signed(target, text))
      case "firehose":
        return subscription.attributes["RawMessageDelivery"] === "true"
          ? text
          : Envelope.firehoseRecord(notifier.fields(target, text), notifier.unsubscribeUrl(subscription.arn), message.attributes)
      default:
        return text
    }
  }
  return {
    send: (target, text, now, done) => {
      const { message, subscription, topic } = target
      outbox.put({
        type: "Notification",
        protocol: subscription.protocol,
        endpoint: subscription.endpoint,
        accountId: topic.accountId,
        subscriptionArn: subscription.arn,
        topicArn: topic.arn,
        messageId: message.messageId,
        subject: message.subject,
        body: bodyFor(target, text),
        subscribeUrl: undefined,
        deliveredAt: new Date(now).toISOString()
      })
      done(undefined)
    }
  }
}
