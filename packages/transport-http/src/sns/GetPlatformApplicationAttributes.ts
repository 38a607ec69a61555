/**
 * GetPlatformApplicationAttributes: a platform application's attributes, its credentials left out (SNS API reference, "GetPlatformApplicationAttributes"; botocore `sns/2010-03-31`).
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
export const GetPlatformApplicationAttributes = Action.make({
  name: "GetPlatformApplicationAttributes",
  request: Schema.Struct({ PlatformApplicationArn: Text }),
  input: (wire) => wire.PlatformApplicationArn,
  run: (sns, arn, ctx) => sns.getPlatformApplicationAttributes(arn, ctx),
  encode: (attributes) => [Xml.map("Attributes", attributes)]
})
