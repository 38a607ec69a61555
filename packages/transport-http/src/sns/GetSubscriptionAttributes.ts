/**
 * GetSubscriptionAttributes: every attribute of a subscription (SNS API reference, "GetSubscriptionAttributes"; botocore `sns/2010-03-31`).
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { Text } from "../query/Shapes.js"
import * as Xml from "../query/Xml.js"
import * as Action from "./Action.js"

/**
 * @category actions
 */
export const GetSubscriptionAttributes = Action.make({
  name: "GetSubscriptionAttributes",
  request: Schema.Struct({ SubscriptionArn: Text }),
  input: (wire) => wire.SubscriptionArn,
  run: (sns, subscriptionArn, ctx) => sns.getSubscriptionAttributes(subscriptionArn, ctx),
  encode: (attributes) => [Xml.map("Attributes", attributes)]
})
