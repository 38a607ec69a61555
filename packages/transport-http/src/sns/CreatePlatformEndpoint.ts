/**
 * CreatePlatformEndpoint: registers a device with a platform application, or answers the endpoint its token already has (SNS API reference, "CreatePlatformEndpoint"; botocore `sns/2010-03-31`).
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { Text } from "../query/Shapes.js"
import * as Xml from "../query/Xml.js"
import * as Action from "./Action.js"
import { Attributes } from "./internal/shapes.js"

/**
 * `PlatformApplicationArn` and `Token` are required; answers `EndpointArn`.
 *
 * @category actions
 */
export const CreatePlatformEndpoint = Action.make({
  name: "CreatePlatformEndpoint",
  request: Schema.Struct({
    PlatformApplicationArn: Text,
    Token: Text,
    CustomUserData: Schema.optional(Text),
    Attributes: Schema.optional(Attributes)
  }),
  input: (wire) => ({
    applicationArn: wire.PlatformApplicationArn,
    token: wire.Token,
    customUserData: wire.CustomUserData,
    attributes: Object.fromEntries(wire.Attributes ?? [])
  }),
  run: (sns, input, ctx) => sns.createPlatformEndpoint(input, ctx),
  encode: (output) => [Xml.leaf("EndpointArn", output.endpointArn)]
})
