/**
 * StartMessageMoveTask: moves a dead-letter queue's messages back to their source queues, or to a
 * named queue, at a rate (SQS API Reference, "StartMessageMoveTask").
 *
 * @since 0.1.0
 */
import { Either } from "effect"
import * as Action from "./Action.js"
import { optionalInteger, optionalString, requiredString } from "./internal/read.js"

export const StartMessageMoveTask = Action.make({
  name: "StartMessageMoveTask",
  decode: (body) =>
    Either.all({
      sourceArn: requiredString(body, "SourceArn"),
      destinationArn: optionalString(body, "DestinationArn"),
      maxNumberOfMessagesPerSecond: optionalInteger(body, "MaxNumberOfMessagesPerSecond")
    }),
  run: (sqs, input, ctx) => sqs.startMessageMoveTask(input, ctx),
  encode: (output) => ({ TaskHandle: output.taskHandle })
})
