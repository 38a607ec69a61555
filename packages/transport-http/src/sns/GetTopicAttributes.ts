/**
 * GetTopicAttributes: every attribute of a topic (SNS API reference, "GetTopicAttributes"; botocore `sns/2010-03-31`).
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { Text } from "../query/Shapes.js"
import * as Xml from "../query/Xml.js"
import * as Action from "./Action.js"

/**
 * Answers the map as `<Attributes><entry><key>…</key><value>…</value></entry>…</Attributes>`
 * (docs/SEMANTICS.md §3).
 *
 * @category actions
 */
export const GetTopicAttributes = Action.make({
  name: "GetTopicAttributes",
  request: Schema.Struct({ TopicArn: Text }),
  input: (wire) => wire.TopicArn,
  run: (sns, topicArn, ctx) => sns.getTopicAttributes(topicArn, ctx),
  encode: (attributes) => [Xml.map("Attributes", attributes)]
})
