/**
 * CancelMessageMoveTask: stops a running message movement task; what it moved stays moved (SQS API
 * Reference, "CancelMessageMoveTask").
 *
 * @since 0.1.0
 */
import { Either } from "effect"
import * as Action from "./Action.js"
import { requiredString } from "./internal/read.js"

export const CancelMessageMoveTask = Action.make({
  name: "CancelMessageMoveTask",
  decode: (body) => Either.map(requiredString(body, "TaskHandle"), (taskHandle) => ({ taskHandle })),
  run: (sqs, input, ctx) => sqs.cancelMessageMoveTask(input.taskHandle, ctx),
  encode: (output) => ({ ApproximateNumberOfMessagesMoved: output.approximateNumberOfMessagesMoved })
})
