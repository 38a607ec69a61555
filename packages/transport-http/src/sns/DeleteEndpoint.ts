/**
 * DeleteEndpoint: deletes a device endpoint (SNS API reference, "DeleteEndpoint"; botocore `sns/2010-03-31`).
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { Text } from "../query/Shapes.js"
import * as Action from "./Action.js"

/**
 * `EndpointArn` is required; the answer is empty.
 *
 * @category actions
 */
export const DeleteEndpoint = Action.make({
  name: "DeleteEndpoint",
  request: Schema.Struct({ EndpointArn: Text }),
  input: (wire) => wire.EndpointArn,
  run: (sns, arn, ctx) => sns.deleteEndpoint(arn, ctx)
})
