/**
 * ListTopics: one page of the caller's topics (SNS API reference, "ListTopics"; botocore `sns/2010-03-31`).
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { Text } from "../query/Shapes.js"
import * as Xml from "../query/Xml.js"
import * as Action from "./Action.js"

/**
 * Answers `Topics` (each member a `TopicArn`) then `NextToken` when there is a further page.
 *
 * @category actions
 */
export const ListTopics = Action.make({
  name: "ListTopics",
  request: Schema.Struct({ NextToken: Schema.optional(Text) }),
  input: (wire) => wire.NextToken,
  run: (sns, nextToken, ctx) => sns.listTopics(nextToken, ctx),
  encode: (page) => [
    Xml.list("Topics", page.topicArns, (arn) => [Xml.leaf("TopicArn", arn)]),
    ...Xml.optionalLeaf("NextToken", page.nextToken)
  ]
})
