/**
 * PurgeQueue: deletes every message of a queue, once a minute (SQS API Reference, "PurgeQueue").
 *
 * @since 0.1.0
 */
import { Either } from "effect"
import * as Action from "./Action.js"
import { requiredString } from "./internal/read.js"

export const PurgeQueue = Action.make({
  name: "PurgeQueue",
  decode: (body) => Either.map(requiredString(body, "QueueUrl"), (queueUrl) => ({ queueUrl })),
  run: (sqs, input, ctx) => sqs.purgeQueue(input.queueUrl, ctx)
})
