/**
 * DeleteQueue: deletes a queue and its messages (SQS API Reference, "DeleteQueue").
 *
 * @since 0.1.0
 */
import { Either } from "effect"
import * as Action from "./Action.js"
import { requiredString } from "./internal/read.js"

export const DeleteQueue = Action.make({
  name: "DeleteQueue",
  decode: (body) => Either.map(requiredString(body, "QueueUrl"), (queueUrl) => ({ queueUrl })),
  run: (sqs, input, ctx) => sqs.deleteQueue(input.queueUrl, ctx)
})
