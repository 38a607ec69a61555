/**
 * ListQueues: the caller's queues by name prefix, paged with MaxResults and NextToken (SQS API Reference, "ListQueues").
 *
 * @since 0.1.0
 */
import { Either } from "effect"
import * as Action from "./Action.js"
import { optionalInteger, optionalString } from "./internal/read.js"

export const ListQueues = Action.make({
  name: "ListQueues",
  decode: (body) =>
    Either.all({ prefix: optionalString(body, "QueueNamePrefix"), maxResults: optionalInteger(body, "MaxResults"), nextToken: optionalString(body, "NextToken") }),
  run: (sqs, input, ctx) => sqs.listQueues(input, ctx),
  encode: (output) => ({
    ...(output.queueUrls.length > 0 ? { QueueUrls: output.queueUrls } : {}),
    ...(output.nextToken !== undefined ? { NextToken: output.nextToken } : {})
  })
})
