/**
 * ListMessageMoveTasks: a source queue's most recent message movement tasks, newest first (SQS API
 * Reference, "ListMessageMoveTasks"). Each entry carries what ListMessageMoveTasksResultEntry
 * documents: TaskHandle "only populated for tasks that are in RUNNING status", DestinationArn and
 * MaxNumberOfMessagesPerSecond only when the request named them, FailureReason only when FAILED.
 *
 * @since 0.1.0
 */
import { MessageMoveTask } from "@sealcast/core"
import { Either } from "effect"
import * as Action from "./Action.js"
import { optionalInteger, requiredString } from "./internal/read.js"

const encodeTask = (task: MessageMoveTask.MoveTask): Record<string, unknown> => ({
  ...(task.status === "RUNNING" ? { TaskHandle: MessageMoveTask.encodeHandle(task) } : {}),
  Status: task.status,
  SourceArn: task.sourceArn,
  ...(task.destinationArn !== undefined ? { DestinationArn: task.destinationArn } : {}),
  ...(task.maxNumberOfMessagesPerSecond !== undefined ? { MaxNumberOfMessagesPerSecond: task.maxNumberOfMessagesPerSecond } : {}),
  ApproximateNumberOfMessagesMoved: task.moved,
  ApproximateNumberOfMessagesToMove: task.toMove,
  ...(task.failureReason !== undefined ? { FailureReason: task.failureReason } : {}),
  StartedTimestamp: task.startedAt
})

export const ListMessageMoveTasks = Action.make({
  name: "ListMessageMoveTasks",
  decode: (body) => Either.all({ sourceArn: requiredString(body, "SourceArn"), maxResults: optionalInteger(body, "MaxResults") }),
  run: (sqs, input, ctx) => sqs.listMessageMoveTasks(input, ctx),
  encode: (tasks) => ({ Results: tasks.map(encodeTask) })
})
