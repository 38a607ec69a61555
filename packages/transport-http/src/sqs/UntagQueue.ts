/**
 * UntagQueue: removes tags by key (SQS API Reference, "UntagQueue").
 *
 * @since 0.1.0
 */
import { Either } from "effect"
import * as Action from "./Action.js"
import { requiredString, stringList } from "./internal/read.js"

export const UntagQueue = Action.make({
  name: "UntagQueue",
  decode: (body) => Either.all({ queueUrl: requiredString(body, "QueueUrl"), keys: stringList(body, "TagKeys") }),
  run: (sqs, input, ctx) => sqs.untagQueue(input.queueUrl, input.keys, ctx)
})
