/**
 * UntagResource: removes tags from a topic by key (SNS API reference, "UntagResource"; botocore `sns/2010-03-31`).
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { QueryList, Text } from "../query/Shapes.js"
import * as Action from "./Action.js"

/**
 * Keys arrive as `TagKeys.member.N`. The model's output is an empty structure.
 *
 * @category actions
 */
export const UntagResource = Action.make({
  name: "UntagResource",
  request: Schema.Struct({ ResourceArn: Text, TagKeys: QueryList(Text) }),
  input: (wire) => wire,
  run: (sns, wire, ctx) => sns.untagResource(wire.ResourceArn, wire.TagKeys, ctx),
  encode: () => []
})
