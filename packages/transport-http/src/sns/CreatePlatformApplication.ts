/**
 * CreatePlatformApplication: registers an app with a push notification service (SNS API reference, "CreatePlatformApplication"; botocore `sns/2010-03-31`).
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { Text } from "../query/Shapes.js"
import * as Xml from "../query/Xml.js"
import * as Action from "./Action.js"
import { Attributes } from "./internal/shapes.js"

/**
 * `Name`, `Platform` and `Attributes` are required; answers `PlatformApplicationArn`.
 *
 * @category actions
 */
export const CreatePlatformApplication = Action.make({
  name: "CreatePlatformApplication",
  request: Schema.Struct({ Name: Text, Platform: Text, Attributes: Attributes }),
  input: (wire) => ({ name: wire.Name, platform: wire.Platform, attributes: Object.fromEntries(wire.Attributes) }),
  run: (sns, input, ctx) => sns.createPlatformApplication(input, ctx),
  encode: (output) => [Xml.leaf("PlatformApplicationArn", output.platformApplicationArn)]
})
