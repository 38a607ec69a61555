/**
 * GetQueueAttributes: the named attributes of a queue, or all of them for `All` (SQS API Reference, "GetQueueAttributes").
 *
 * @since 0.1.0
 */
import { Either } from "effect"
import * as Action from "./Action.js"
import { requiredString, stringList } from "./internal/read.js"

export const GetQueueAttributes = Action.make({
  name: "GetQueueAttributes",
  decode: (body) => Either.all({ queueUrl: requiredString(body, "QueueUrl"), attributeNames: stringList(body, "AttributeNames") }),
  run: (sqs, input, ctx) => sqs.getQueueAttributes(input.queueUrl, input.attributeNames, ctx),
  encode: (attributes) => (Object.keys(attributes).length > 0 ? { Attributes: attributes } : {})
})
