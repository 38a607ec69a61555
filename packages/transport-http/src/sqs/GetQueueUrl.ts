/**
 * GetQueueUrl: the URL of a queue by name (SQS API Reference, "GetQueueUrl").
 *
 * @since 0.1.0
 */
import { Either } from "effect"
import * as Action from "./Action.js"
import { optionalString, requiredString } from "./internal/read.js"

export const GetQueueUrl = Action.make({
  name: "GetQueueUrl",
  decode: (body) => Either.all({ queueName: requiredString(body, "QueueName"), queueOwnerAccountId: optionalString(body, "QueueOwnerAWSAccountId") }),
  run: (sqs, input, ctx) => sqs.getQueueUrl(input, ctx),
  encode: (output) => ({ QueueUrl: output.queueUrl })
})
