/**
 * DeleteTopic: deletes a topic and its subscriptions (SNS API reference, "DeleteTopic"; botocore `sns/2010-03-31`).
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { Text } from "../query/Shapes.js"
import * as Action from "./Action.js"

/**
 * The model's output is empty: the answer is `ResponseMetadata` alone.
 *
 * @category actions
 */
export const DeleteTopic = Action.make({
  name: "DeleteTopic",
  request: Schema.Struct({ TopicArn: Text }),
  input: (wire) => wire.TopicArn,
  run: (sns, topicArn, ctx) => sns.deleteTopic(topicArn, ctx)
})
