/**
 * PublishBatch: sends up to ten messages to a topic, each succeeding or failing alone (SNS API reference, "PublishBatch"; botocore `sns/2010-03-31`; BatchResultErrorEntry lists Id, Code, Message, SenderFault).
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { describeError } from "../ErrorTable.js"
import { QueryList, Text } from "../query/Shapes.js"
import * as Xml from "../query/Xml.js"
import * as Action from "./Action.js"
import { messageFields, toMessageInput } from "./internal/shapes.js"

/**
 * Entries arrive as `PublishBatchRequestEntries.member.N.*`, each with a required `Id` and
 * `Message`. A failed entry carries the code and fault of the transport's one error table, so it
 * reads exactly as the same error would for a single Publish.
 *
 * @category actions
 */
export const PublishBatch = Action.make({
  name: "PublishBatch",
  request: Schema.Struct({
    TopicArn: Text,
    PublishBatchRequestEntries: QueryList(Schema.Struct({ Id: Text, ...messageFields }))
  }),
  input: (wire) => ({
    topicArn: wire.TopicArn,
    entries: wire.PublishBatchRequestEntries.map((entry) => ({ id: entry.Id, ...toMessageInput(entry) }))
  }),
  run: (sns, input, ctx) => sns.publishBatch(input.topicArn, input.entries, ctx),
  encode: (output) => [
    Xml.list("Successful", output.successful, (s) => [
      Xml.leaf("Id", s.id),
      Xml.leaf("MessageId", s.messageId),
      ...Xml.optionalLeaf("SequenceNumber", s.sequenceNumber)
    ]),
    Xml.list("Failed", output.failed, (f) => {
      const row = describeError(f.error)
      return [
        Xml.leaf("Id", f.id),
        Xml.leaf("Code", row.code),
        Xml.leaf("Message", row.message),
        Xml.leaf("SenderFault", String(row.fault === "Sender"))
      ]
    })
  ]
})
