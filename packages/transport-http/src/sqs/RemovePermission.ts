/**
 * RemovePermission: drops the statement AddPermission labelled (SQS API Reference, "RemovePermission").
 *
 * @since 0.1.0
 */
import { Either } from "effect"
import * as Action from "./Action.js"
import { requiredString } from "./internal/read.js"

export const RemovePermission = Action.make({
  name: "RemovePermission",
  decode: (body) => Either.all({ queueUrl: requiredString(body, "QueueUrl"), label: requiredString(body, "Label") }),
  run: (sqs, input, ctx) => sqs.removePermission(input.queueUrl, input.label, ctx)
})
