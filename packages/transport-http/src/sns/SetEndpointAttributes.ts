/**
 * SetEndpointAttributes: changes a device endpoint's Token, Enabled or CustomUserData (SNS API reference, "SetEndpointAttributes"; botocore `sns/2010-03-31`).
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { Text } from "../query/Shapes.js"
import * as Action from "./Action.js"
import { Attributes } from "./internal/shapes.js"

/**
 * `EndpointArn` and `Attributes` are required; the answer is empty.
 *
 * @category actions
 */
export const SetEndpointAttributes = Action.make({
  name: "SetEndpointAttributes",
  request: Schema.Struct({ EndpointArn: Text, Attributes: Attributes }),
  input: (wire) => wire,
  run: (sns, wire, ctx) => sns.setEndpointAttributes(wire.EndpointArn, Object.fromEntries(wire.Attributes), ctx)
})
