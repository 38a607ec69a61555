/**
 * The http and https sender: one POST per attempt through the delivery worker (`HttpDelivery`), the
 * signed notification as its body, or the bare message for raw delivery (SNS guide, "Amazon SNS raw
 * message delivery"), with the content type the delivery policy's requestPolicy names.
 *
 * @since 0.1.0
 */
import { Routing } from "@sealcast/core"
import * as Envelope from "./Envelope.js"
import type * as HttpDelivery from "./HttpDelivery.js"
import type { Notifier, Sender } from "./Sender.js"

/**
 * @category constructors
 */
export const make = (poster: HttpDelivery.HttpPoster, notifier: Notifier): Sender => ({
  send: (target, text, _now, done) => {
    const { message, subscription, topic } = target
    const raw = subscription.attributes["RawMessageDelivery"] === "true"
    poster.send(
      {
        url: subscription.endpoint,
        messageType: "Notification",
        messageId: message.messageId,
        topicArn: topic.arn,
        subscriptionArn: subscription.arn,
        raw,
        contentType: Routing.deliveryPolicyFor(topic, subscription).headerContentType,
        body: raw ? text : Envelope.encode(notifier.signed(target, text))
      },
      done
    )
  }
})
