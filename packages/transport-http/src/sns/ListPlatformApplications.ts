/**
 * ListPlatformApplications: one page of the caller's platform applications (SNS API reference, "ListPlatformApplications"; botocore `sns/2010-03-31`).
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { Text } from "../query/Shapes.js"
import * as Action from "./Action.js"
import { arnsWithAttributesXml } from "./internal/shapes.js"

/**
 * Answers `PlatformApplications` (each an ARN and its attributes) then `NextToken` when there is a further page.
 *
 * @category actions
 */
export const ListPlatformApplications = Action.make({
  name: "ListPlatformApplications",
  request: Schema.Struct({ NextToken: Schema.optional(Text) }),
  input: (wire) => wire.NextToken,
  run: (sns, nextToken, ctx) => sns.listPlatformApplications(nextToken, ctx),
  encode: (page) => arnsWithAttributesXml("PlatformApplications", "PlatformApplicationArn", page)
})
