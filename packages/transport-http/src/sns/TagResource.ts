/**
 * TagResource: adds or replaces tags on a topic (SNS API reference, "TagResource"; botocore `sns/2010-03-31`).
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { Text } from "../query/Shapes.js"
import * as Action from "./Action.js"
import { Tags, toTags } from "./internal/shapes.js"

/**
 * The model's output is an empty structure, so AWS answers an empty `<TagResourceResult/>`.
 *
 * @category actions
 */
export const TagResource = Action.make({
  name: "TagResource",
  request: Schema.Struct({ ResourceArn: Text, Tags }),
  input: (wire) => ({ resourceArn: wire.ResourceArn, tags: toTags(wire.Tags) }),
  run: (sns, input, ctx) => sns.tagResource(input.resourceArn, input.tags, ctx),
  encode: () => []
})
