/**
 * TagQueue: adds or overwrites cost-allocation tags (SQS API Reference, "TagQueue").
 *
 * @since 0.1.0
 */
import { Either } from "effect"
import * as Action from "./Action.js"
import { requiredString, stringMap } from "./internal/read.js"

export const TagQueue = Action.make({
  name: "TagQueue",
  decode: (body) => Either.all({ queueUrl: requiredString(body, "QueueUrl"), tags: stringMap(body, "Tags") }),
  run: (sqs, input, ctx) => sqs.tagQueue(input.queueUrl, input.tags, ctx)
})
