/**
 * ConfirmSubscription: confirms a pending subscription with the token SNS sent to its endpoint (SNS API reference, "ConfirmSubscription"; botocore `sns/2010-03-31`).
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { Text } from "../query/Shapes.js"
import * as Xml from "../query/Xml.js"
import * as Action from "./Action.js"

/**
 * May arrive unsigned, from the SubscribeURL link. `AuthenticateOnUnsubscribe` is a string in the
 * model; SNS's guide documents it as "true" to forbid unauthenticated unsubscribes, so "true" in any
 * case means yes and anything else no.
 *
 * @category actions
 */
export const ConfirmSubscription = Action.makeLink({
  name: "ConfirmSubscription",
  request: Schema.Struct({ TopicArn: Text, Token: Text, AuthenticateOnUnsubscribe: Schema.optional(Text) }),
  input: (wire) => ({
    topicArn: wire.TopicArn,
    token: wire.Token,
    authenticateOnUnsubscribe: (wire.AuthenticateOnUnsubscribe ?? "").toLowerCase() === "true"
  }),
  run: (sns, input, ctx) => sns.confirmSubscription(input, ctx),
  encode: (output) => [Xml.leaf("SubscriptionArn", output.subscriptionArn)]
})
