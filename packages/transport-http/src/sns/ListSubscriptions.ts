/**
 * ListSubscriptions: one page of the caller's subscriptions (SNS API reference, "ListSubscriptions"; botocore `sns/2010-03-31`).
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
export const ListSubscriptions = Action.make({
  name: "ListSubscriptions",
  request: Schema.Struct({ NextToken: Schema.optional(Text) }),
  input: (wire) => wire.NextToken,
  run: (sns, nextToken, ctx) => sns.listSubscriptions(nextToken, ctx),
  encode: subscriptionsPageXml
})
