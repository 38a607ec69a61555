/**
 * CreateQueue: creates a queue, or answers the URL of the existing one when its attributes agree (SQS API Reference, "CreateQueue").
 *
 * @since 0.1.0
 */
import { Either } from "effect"
import * as Action from "./Action.js"
import { requiredString, stringMap } from "./internal/read.js"

export const CreateQueue = Action.make({
  name: "CreateQueue",
  decode: (body) =>
    Either.all({ name: requiredString(body, "QueueName"), attributes: stringMap(body, "Attributes"), tags: stringMap(body, "tags") }),
  run: (sqs, input, ctx) => sqs.createQueue(input, ctx),
  encode: (output) => ({ QueueUrl: output.queueUrl })
})
