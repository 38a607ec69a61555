/**
 * ListQueueTags: a queue's tags (SQS API Reference, "ListQueueTags").
 *
 * @since 0.1.0
 */
import { Either } from "effect"
import * as Action from "./Action.js"
import { requiredString } from "./internal/read.js"

export const ListQueueTags = Action.make({
  name: "ListQueueTags",
  decode: (body) => Either.map(requiredString(body, "QueueUrl"), (queueUrl) => ({ queueUrl })),
  run: (sqs, input, ctx) => sqs.listQueueTags(input.queueUrl, ctx),
  encode: (tags) => (Object.keys(tags).length > 0 ? { Tags: tags } : {})
})
