/**
 * ChangeMessageVisibilityBatch: up to 10 visibility changes, each reported on its own (SQS API Reference, "ChangeMessageVisibilityBatch").
 *
 * @since 0.1.0
 */
import { Either } from "effect"
import * as Action from "./Action.js"
import { encodeBatch } from "./internal/batch.js"
import { objectList, requiredInteger, requiredString } from "./internal/read.js"

export const ChangeMessageVisibilityBatch = Action.make({
  name: "ChangeMessageVisibilityBatch",
  decode: (body) =>
    Either.all({
      queueUrl: requiredString(body, "QueueUrl"),
      entries: Either.flatMap(objectList(body, "Entries"), (entries) =>
        Either.all(
          entries.map((entry) =>
            Either.all({ id: requiredString(entry, "Id"), receiptHandle: requiredString(entry, "ReceiptHandle"), visibilityTimeout: requiredInteger(entry, "VisibilityTimeout") })
          )
        )
      )
    }),
  run: (sqs, input, ctx) => sqs.changeMessageVisibilityBatch(input.queueUrl, input.entries, ctx),
  encode: (result) => encodeBatch(result, (id) => ({ Id: id }))
})
