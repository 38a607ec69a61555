/**
 * ChangeMessageVisibility: a new visibility timeout for a received message, counted from now (SQS API Reference, "ChangeMessageVisibility").
 *
 * @since 0.1.0
 */
import { Either } from "effect"
import * as Action from "./Action.js"
import { requiredInteger, requiredString } from "./internal/read.js"

export const ChangeMessageVisibility = Action.make({
  name: "ChangeMessageVisibility",
  decode: (body) =>
    Either.all({
      queueUrl: requiredString(body, "QueueUrl"),
      receiptHandle: requiredString(body, "ReceiptHandle"),
      visibilityTimeout: requiredInteger(body, "VisibilityTimeout")
    }),
  run: (sqs, input, ctx) => sqs.changeMessageVisibility(input.queueUrl, input.receiptHandle, input.visibilityTimeout, ctx)
})
