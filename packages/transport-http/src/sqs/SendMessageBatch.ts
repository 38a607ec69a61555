/**
 * SendMessageBatch: up to 10 messages, each reported on its own (SQS API Reference, "SendMessageBatch").
 *
 * @since 0.1.0
 */
import { Either } from "effect"
import * as Action from "./Action.js"
import { encodeBatch } from "./internal/batch.js"
import { objectList, requiredString } from "./internal/read.js"
import { decodeMessage, encodeSent } from "./SendMessage.js"

export const SendMessageBatch = Action.make({
  name: "SendMessageBatch",
  decode: (body) =>
    Either.all({
      queueUrl: requiredString(body, "QueueUrl"),
      entries: Either.flatMap(objectList(body, "Entries"), (entries) =>
        Either.all(entries.map((entry) => Either.map(Either.all([requiredString(entry, "Id"), decodeMessage(entry)]), ([id, message]) => ({ ...message, id }))))
      )
    }),
  run: (sqs, input, ctx) => sqs.sendMessageBatch(input.queueUrl, input.entries, ctx),
  encode: (result) => encodeBatch(result, (id, sent) => ({ Id: id, ...encodeSent(sent) }))
})
