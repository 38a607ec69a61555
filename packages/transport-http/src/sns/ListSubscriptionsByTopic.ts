/**
 * ListSubscriptionsByTopic: one page of a topic's subscriptions (SNS API reference, "ListSubscriptionsByTopic"; botocore `sns/2010-03-31`).
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { Text } from "../query/Shapes.js"
import * as Action from "./Action.js"
import { subscriptionsPageXml } from "./internal/shapes.js"

/**
 * @category actions
 */
export const ListSubscriptionsByTopic = Action.make({
  name: "ListSubscriptionsByTopic",
  request: Schema.Struct({ TopicArn: Text, NextToken: Schema.optional(Text) }),
  input: (wire) => wire,
  run: (sns, wire, ctx) => sns.listSubscriptionsByTopic(wire.TopicArn, wire.NextToken, ctx),
  encode: subscriptionsPageXml
})
