/**
 * DeleteMessageBatch: up to 10 receipt handles, each reported on its own (SQS API Reference, "DeleteMessageBatch").
 *
 * @since 0.1.0
 */
import { Either } from "effect"
import * as Action from "./Action.js"
import { encodeBatch } from "./internal/batch.js"
import { objectList, requiredString } from "./internal/read.js"

export const DeleteMessageBatch = Action.make({
  name: "DeleteMessageBatch",
  decode: (body) =>
    Either.all({
      queueUrl: requiredString(body, "QueueUrl"),
      entries: Either.flatMap(objectList(body, "Entries"), (entries) =>
        Either.all(entries.map((entry) => Either.all({ id: requiredString(entry, "Id"), receiptHandle: requiredString(entry, "ReceiptHandle") })))
      )
    }),
  run: (sqs, input, ctx) => sqs.deleteMessageBatch(input.queueUrl, input.entries, ctx),
  encode: (result) => encodeBatch(result, (id) => ({ Id: id }))
})
