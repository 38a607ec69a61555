/**
 * DeleteMessage: deletes the message a receipt handle names (SQS API Reference, "DeleteMessage").
 *
 * @since 0.1.0
 */
import { Either } from "effect"
import * as Action from "./Action.js"
import { requiredString } from "./internal/read.js"

export const DeleteMessage = Action.make({
  name: "DeleteMessage",
  decode: (body) => Either.all({ queueUrl: requiredString(body, "QueueUrl"), receiptHandle: requiredString(body, "ReceiptHandle") }),
  run: (sqs, input, ctx) => sqs.deleteMessage(input.queueUrl, input.receiptHandle, ctx),
  runNow: (sqs, input, ctx, done) => sqs.deleteMessageNow?.(input.queueUrl, input.receiptHandle, ctx, done) ?? false
})
