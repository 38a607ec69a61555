/**
 * CreateTopic: creates a topic, or returns the existing one of that name when its attributes agree (SNS API reference, "CreateTopic"; botocore `sns/2010-03-31`).
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { Text } from "../query/Shapes.js"
import * as Xml from "../query/Xml.js"
import * as Action from "./Action.js"
import { Attributes, Tags, toTags } from "./internal/shapes.js"

/**
 * `Name` is required; `Attributes`, `Tags` and `DataProtectionPolicy` are optional.
 *
 * @category actions
 */
export const CreateTopic = Action.make({
  name: "CreateTopic",
  request: Schema.Struct({
    Name: Text,
    Attributes: Schema.optional(Attributes),
    Tags: Schema.optional(Tags),
    DataProtectionPolicy: Schema.optional(Text)
  }),
  input: (wire) => ({
    name: wire.Name,
    attributes: Object.fromEntries(wire.Attributes ?? []),
    tags: toTags(wire.Tags ?? []),
    dataProtectionPolicy: wire.DataProtectionPolicy
  }),
  run: (sns, input, ctx) => sns.createTopic(input, ctx),
  encode: (output) => [Xml.leaf("TopicArn", output.topicArn)]
})
