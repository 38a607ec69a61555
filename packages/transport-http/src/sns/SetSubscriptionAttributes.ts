/**
 * SetSubscriptionAttributes: sets one attribute of a subscription (SNS API reference, "SetSubscriptionAttributes"; botocore `sns/2010-03-31`).
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { Text } from "../query/Shapes.js"
import * as Action from "./Action.js"

/**
 * `AttributeValue` is optional in the model; an absent value is passed as the empty string, which
 * the core reads as clearing the attribute.
 *
 * @category actions
 */
export const SetSubscriptionAttributes = Action.make({
  name: "SetSubscriptionAttributes",
  request: Schema.Struct({ SubscriptionArn: Text, AttributeName: Text, AttributeValue: Schema.optional(Text) }),
  input: (wire) => wire,
  run: (sns, wire, ctx) => sns.setSubscriptionAttributes(wire.SubscriptionArn, wire.AttributeName, wire.AttributeValue ?? "", ctx)
})
