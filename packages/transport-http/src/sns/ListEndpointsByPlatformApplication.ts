/**
 * ListEndpointsByPlatformApplication: one page of a platform application's device endpoints (SNS API reference, "ListEndpointsByPlatformApplication"; botocore `sns/2010-03-31`).
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { Text } from "../query/Shapes.js"
import * as Action from "./Action.js"
import { arnsWithAttributesXml } from "./internal/shapes.js"

/**
 * Answers `Endpoints` (each an `EndpointArn` and its attributes) then `NextToken` when there is a further page.
 *
 * @category actions
 */
export const ListEndpointsByPlatformApplication = Action.make({
  name: "ListEndpointsByPlatformApplication",
  request: Schema.Struct({ PlatformApplicationArn: Text, NextToken: Schema.optional(Text) }),
  input: (wire) => wire,
  run: (sns, wire, ctx) => sns.listEndpointsByPlatformApplication(wire.PlatformApplicationArn, wire.NextToken, ctx),
  encode: (page) => arnsWithAttributesXml("Endpoints", "EndpointArn", page)
})
