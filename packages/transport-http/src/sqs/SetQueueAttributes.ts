/**
 * SetQueueAttributes: changes a queue's attributes (SQS API Reference, "SetQueueAttributes").
 *
 * @since 0.1.0
 */
import { Either } from "effect"
import * as Action from "./Action.js"
import { requiredString, stringMap } from "./internal/read.js"

export const SetQueueAttributes = Action.make({
  name: "SetQueueAttributes",
  decode: (body) => Either.all({ queueUrl: requiredString(body, "QueueUrl"), attributes: stringMap(body, "Attributes") }),
  run: (sqs, input, ctx) => sqs.setQueueAttributes(input.queueUrl, input.attributes, ctx)
})
