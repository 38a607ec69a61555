/**
 * SetTopicAttributes: sets one attribute of a topic (SNS API reference, "SetTopicAttributes"; botocore `sns/2010-03-31`).
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
export const SetTopicAttributes = Action.make({
  name: "SetTopicAttributes",
  request: Schema.Struct({ TopicArn: Text, AttributeName: Text, AttributeValue: Schema.optional(Text) }),
  input: (wire) => wire,
  run: (sns, wire, ctx) => sns.setTopicAttributes(wire.TopicArn, wire.AttributeName, wire.AttributeValue ?? "", ctx)
})
