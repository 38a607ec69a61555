/**
 * AddPermission: a statement in the queue's policy letting other accounts take the named actions
 * (SQS API Reference, "AddPermission"). Query requests name them `AWSAccountId.n` and `ActionName.n`.
 *
 * @since 0.1.0
 */
import { Either } from "effect"
import * as Action from "./Action.js"
import { requiredString, stringList } from "./internal/read.js"

export const AddPermission = Action.make({
  name: "AddPermission",
  decode: (body) =>
    Either.all({
      queueUrl: requiredString(body, "QueueUrl"),
      label: requiredString(body, "Label"),
      accountIds: stringList(body, "AWSAccountIds"),
      actions: stringList(body, "Actions")
    }),
  run: (sqs, input, ctx) => sqs.addPermission(input.queueUrl, { label: input.label, accountIds: input.accountIds, actions: input.actions }, ctx)
})
