/**
 * DeletePlatformApplication: deletes a platform application and its endpoints (SNS API reference, "DeletePlatformApplication"; botocore `sns/2010-03-31`).
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { Text } from "../query/Shapes.js"
import * as Action from "./Action.js"

/**
 * `PlatformApplicationArn` is required; the answer is empty.
 *
 * @category actions
 */
export const DeletePlatformApplication = Action.make({
  name: "DeletePlatformApplication",
  request: Schema.Struct({ PlatformApplicationArn: Text }),
  input: (wire) => wire.PlatformApplicationArn,
  run: (sns, arn, ctx) => sns.deletePlatformApplication(arn, ctx)
})
