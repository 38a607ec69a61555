/**
 * Unsubscribe: deletes a subscription (SNS API reference, "Unsubscribe"; botocore `sns/2010-03-31`).
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { Text } from "../query/Shapes.js"
import * as Action from "./Action.js"

/**
 * May arrive unsigned, from the UnsubscribeURL link; the core refuses that when the subscription
 * was confirmed with AuthenticateOnUnsubscribe. The model's output is empty.
 *
 * @category actions
 */
export const Unsubscribe = Action.makeLink({
  name: "Unsubscribe",
  request: Schema.Struct({ SubscriptionArn: Text }),
  input: (wire) => wire.SubscriptionArn,
  run: (sns, subscriptionArn, ctx) => sns.unsubscribe(subscriptionArn, ctx)
})
