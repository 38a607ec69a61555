/**
 * ListTagsForResource: the tags of a topic (SNS API reference, "ListTagsForResource"; botocore `sns/2010-03-31`).
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { Text } from "../query/Shapes.js"
import * as Action from "./Action.js"
import { tagsXml } from "./internal/shapes.js"

/**
 * @category actions
 */
export const ListTagsForResource = Action.make({
  name: "ListTagsForResource",
  request: Schema.Struct({ ResourceArn: Text }),
  input: (wire) => wire.ResourceArn,
  run: (sns, resourceArn, ctx) => sns.listTagsForResource(resourceArn, ctx),
  encode: (tags) => [tagsXml(tags)]
})
