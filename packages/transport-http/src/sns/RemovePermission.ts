/**
 * RemovePermission: removes a statement from a topic's access policy by its label (SNS API reference, "RemovePermission"; botocore `sns/2010-03-31`).
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { Text } from "../query/Shapes.js"
import * as Action from "./Action.js"

/**
 * @category actions
 */
export const RemovePermission = Action.make({
  name: "RemovePermission",
  request: Schema.Struct({ TopicArn: Text, Label: Text }),
  input: (wire) => wire,
  run: (sns, wire, ctx) => sns.removePermission(wire.TopicArn, wire.Label, ctx)
})
