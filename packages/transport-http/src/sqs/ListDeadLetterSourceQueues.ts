/**
 * ListDeadLetterSourceQueues: the queues whose RedrivePolicy names this one (SQS API Reference,
 * "ListDeadLetterSourceQueues"). The answer's list is `queueUrls`, lower-case, as the API model names it.
 *
 * @since 0.1.0
 */
import { Either } from "effect"
import * as Action from "./Action.js"
import { optionalInteger, optionalString, requiredString } from "./internal/read.js"

export const ListDeadLetterSourceQueues = Action.make({
  name: "ListDeadLetterSourceQueues",
  decode: (body) =>
    Either.all({ queueUrl: requiredString(body, "QueueUrl"), maxResults: optionalInteger(body, "MaxResults"), nextToken: optionalString(body, "NextToken") }),
  run: (sqs, input, ctx) => sqs.listDeadLetterSourceQueues(input.queueUrl, { maxResults: input.maxResults, nextToken: input.nextToken }, ctx),
  encode: (output) => ({ queueUrls: output.queueUrls, ...(output.nextToken !== undefined ? { NextToken: output.nextToken } : {}) })
})
