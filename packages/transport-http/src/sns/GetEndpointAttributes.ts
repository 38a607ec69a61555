/**
 * GetEndpointAttributes: a device endpoint's Token, Enabled and CustomUserData (SNS API reference, "GetEndpointAttributes"; botocore `sns/2010-03-31`).
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { Text } from "../query/Shapes.js"
import * as Xml from "../query/Xml.js"
import * as Action from "./Action.js"

/**
 * Answers the `Attributes` map.
 *
 * @category actions
 */
export const GetEndpointAttributes = Action.make({
  name: "GetEndpointAttributes",
  request: Schema.Struct({ EndpointArn: Text }),
  input: (wire) => wire.EndpointArn,
  run: (sns, arn, ctx) => sns.getEndpointAttributes(arn, ctx),
  encode: (attributes) => [Xml.map("Attributes", attributes)]
})
