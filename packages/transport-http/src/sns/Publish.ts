/**
 * Publish: sends one message to a topic (SNS API reference, "Publish"; botocore `sns/2010-03-31`).
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { Text } from "../query/Shapes.js"
import * as Xml from "../query/Xml.js"
import * as Action from "./Action.js"
import { messageFields, toMessageInput } from "./internal/shapes.js"

/**
 * `Message` is required; the destination is one of `TopicArn`, `TargetArn` or `PhoneNumber`, which
 * the core checks. Answers `MessageId`, and `SequenceNumber` on a FIFO topic.
 *
 * @category actions
 */
export const Publish = Action.make({
  name: "Publish",
  request: Schema.Struct({
    TopicArn: Schema.optional(Text),
    TargetArn: Schema.optional(Text),
    PhoneNumber: Schema.optional(Text),
    ...messageFields
  }),
  // The spread comes last: V8 builds this far faster (docs/PERFORMANCE.md, "Building Publish's input").
  input: (wire) => ({
    topicArn: wire.TopicArn,
    targetArn: wire.TargetArn,
    phoneNumber: wire.PhoneNumber,
    ...toMessageInput(wire)
  }),
  run: (sns, input, ctx) => sns.publish(input, ctx),
  runNow: (sns, input, ctx, done) => sns.publishNow?.(input, ctx, done) ?? false,
  encode: (output) => [Xml.leaf("MessageId", output.messageId), ...Xml.optionalLeaf("SequenceNumber", output.sequenceNumber)]
})
