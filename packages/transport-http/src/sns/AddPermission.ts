/**
 * AddPermission: adds a statement to a topic's access policy (SNS API reference, "AddPermission"; botocore `sns/2010-03-31`).
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { QueryList, Text } from "../query/Shapes.js"
import * as Action from "./Action.js"

/**
 * Every member is required; the lists arrive as `AWSAccountId.member.N` and `ActionName.member.N`.
 * The model's output is empty.
 *
 * @category actions
 */
export const AddPermission = Action.make({
  name: "AddPermission",
  request: Schema.Struct({ TopicArn: Text, Label: Text, AWSAccountId: QueryList(Text), ActionName: QueryList(Text) }),
  input: (wire) => ({ topicArn: wire.TopicArn, label: wire.Label, accountIds: wire.AWSAccountId, actions: wire.ActionName }),
  run: (sns, input, ctx) => sns.addPermission(input, ctx)
})
