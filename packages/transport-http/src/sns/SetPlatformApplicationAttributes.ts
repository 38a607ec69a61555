/**
 * SetPlatformApplicationAttributes: changes a platform application's attributes (SNS API reference, "SetPlatformApplicationAttributes"; botocore `sns/2010-03-31`).
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { Text } from "../query/Shapes.js"
import * as Action from "./Action.js"
import { Attributes } from "./internal/shapes.js"

/**
 * `PlatformApplicationArn` and `Attributes` are required; the answer is empty.
 *
 * @category actions
 */
export const SetPlatformApplicationAttributes = Action.make({
  name: "SetPlatformApplicationAttributes",
  request: Schema.Struct({ PlatformApplicationArn: Text, Attributes: Attributes }),
  input: (wire) => wire,
  run: (sns, wire, ctx) => sns.setPlatformApplicationAttributes(wire.PlatformApplicationArn, Object.fromEntries(wire.Attributes), ctx)
})
