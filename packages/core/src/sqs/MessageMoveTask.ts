/**
 * A message movement task (SQS API Reference, "StartMessageMoveTask", "ListMessageMoveTasks",
 * "CancelMessageMoveTask"; Developer Guide, "Configure a dead-letter queue redrive") as declared data
 * with pure transitions: what a task is, its handle, and how it moves from one status to the next.
 * Which messages move, and where, is `MessageMoves.ts`; the shell drives both with its clock.
 *
 * @since 0.1.0
 */
import { Either, Encoding } from "effect"

/**
 * "RUNNING, COMPLETED, CANCELLING, CANCELLED, and FAILED" (ListMessageMoveTasksResultEntry, Status).
 *
 * @category models
 */
export type MoveTaskStatus = "RUNNING" | "COMPLETED" | "CANCELLING" | "CANCELLED" | "FAILED"

/**
 * One task, kept with its source queue.
 *
 * @category models
 */
export interface MoveTask {
  readonly taskId: string
  readonly sourceArn: string
  /** Undefined: each message goes back to the queue it was redriven from. */
  readonly destinationArn: string | undefined
  /** Undefined: the request named no rate. */
  readonly maxNumberOfMessagesPerSecond: number | undefined
  readonly status: MoveTaskStatus
  /** StartedTimestamp, epoch milliseconds. */
  readonly startedAt: number
  /** ApproximateNumberOfMessagesMoved. */
  readonly moved: number
  /** ApproximateNumberOfMessagesToMove: "obtained at the time of starting the message movement task". */
  readonly toMove: number
  /** "only included if the task status is FAILED". */
  readonly failureReason: string | undefined
}

/** "The maximum value for messages per second is 500." */
export const MAX_MESSAGES_PER_SECOND = 500

/**
 * The rate of a task whose request named none. SQS "will optimize the rate based on the queue message
 * backlog size"; here it is the fastest a request may ask for.
 */
export const DEFAULT_MESSAGES_PER_SECOND = MAX_MESSAGES_PER_SECOND

/** ListMessageMoveTasks' MaxResults: "The default is 1 … The upper limit is 10"; older tasks are forgotten. */
export const MAX_LISTED_TASKS = 10

/**
 * A task that may still move messages. "Only one active message movement task is supported per queue
 * at any given time."
 *
 * @category predicates
 */
export const isActive = (task: MoveTask): boolean => task.status === "RUNNING" || task.status === "CANCELLING"

/**
 * A new task, running from `now`.
 *
 * @category constructors
 */
export const start = (input: {
  readonly taskId: string
  readonly sourceArn: string
  readonly destinationArn: string | undefined
  readonly maxNumberOfMessagesPerSecond: number | undefined
  readonly toMove: number
  readonly now: number
}): MoveTask => ({
  taskId: input.taskId,
  sourceArn: input.sourceArn,
  destinationArn: input.destinationArn,
  maxNumberOfMessagesPerSecond: input.maxNumberOfMessagesPerSecond,
  status: "RUNNING",
  startedAt: input.now,
  moved: 0,
  toMove: input.toMove,
  failureReason: undefined
})

/**
 * A queue's tasks with a new one first, the oldest dropped past the ten ListMessageMoveTasks can show.
 *
 * @category constructors
 */
export const remember = (tasks: ReadonlyArray<MoveTask>, task: MoveTask): ReadonlyArray<MoveTask> => [task, ...tasks].slice(0, MAX_LISTED_TASKS)

/**
 * The task with this id replaced.
 *
 * @category constructors
 */
export const replace = (tasks: ReadonlyArray<MoveTask>, task: MoveTask): ReadonlyArray<MoveTask> =>
  tasks.map((t) => (t.taskId === task.taskId ? task : t))

/**
 * How many messages a running task may have moved by `now` beyond those it has: its rate counted from
 * its start, at most one second's worth at a time (so a task resumed after a restart does not burst),
 * and never past the number it set out to move.
 *
 * @category rules
 */
export const allowance = (task: MoveTask, now: number): number => {
  const rate = task.maxNumberOfMessagesPerSecond ?? DEFAULT_MESSAGES_PER_SECOND
  const due = Math.floor(((now - task.startedAt) * rate) / 1000) - task.moved
  return Math.max(0, Math.min(due, rate, task.toMove - task.moved))
}

/**
 * When a running task may next move a message: the instant its rate allows one more.
 *
 * @category rules
 */
export const nextMoveAt = (task: MoveTask): number => {
  const rate = task.maxNumberOfMessagesPerSecond ?? DEFAULT_MESSAGES_PER_SECOND
  return task.startedAt + Math.ceil(((task.moved + 1) * 1000) / rate)
}

/**
 * A running task after moving `count` more messages; complete once it has moved what it set out to,
 * or when `exhausted` (the source has no message left to move).
 *
 * @category transitions
 */
export const progress = (task: MoveTask, count: number, exhausted: boolean): MoveTask => {
  const moved = task.moved + count
  return { ...task, moved, status: moved >= task.toMove || exhausted ? "COMPLETED" : task.status }
}

/**
 * A running task that could not go on: it keeps what it moved. The reason is the error code SQS
 * reports, as ListMessageMoveTasks shows it (e.g. `AWS.SimpleQueueService.NonExistentQueue` for a
 * destination deleted while the task ran).
 *
 * @category transitions
 */
export const fail = (task: MoveTask, moved: number, reason: string): MoveTask => ({
  ...task,
  moved: task.moved + moved,
  status: "FAILED",
  failureReason: reason
})

/**
 * CancelMessageMoveTask: "Only active (non-completed) message movement tasks can be cancelled." The
 * task stops moving at once and shows CANCELLING until the shell's next step settles it as CANCELLED.
 *
 * @category transitions
 */
export const cancel = (task: MoveTask): Either.Either<MoveTask, "NotActive"> =>
  task.status === "RUNNING" ? Either.right({ ...task, status: "CANCELLING" }) : Either.left("NotActive")

/**
 * The shell's step after a cancel.
 *
 * @category transitions
 */
export const settleCancel = (task: MoveTask): MoveTask => (task.status === "CANCELLING" ? { ...task, status: "CANCELLED" } : task)

/**
 * The task handle: "An identifier associated with a message movement task", which SQS makes as the
 * base64 of `{"taskId":…,"sourceArn":…}` (the API Reference's examples decode to that), so
 * CancelMessageMoveTask finds the source queue from the handle alone.
 *
 * @category encoding
 */
export const encodeHandle = (task: Pick<MoveTask, "taskId" | "sourceArn">): string =>
  Encoding.encodeBase64(JSON.stringify({ taskId: task.taskId, sourceArn: task.sourceArn }))

/**
 * @category encoding
 */
export const decodeHandle = (handle: string): Either.Either<{ readonly taskId: string; readonly sourceArn: string }, "Invalid"> =>
  Either.flatMap(
    Either.mapLeft(Encoding.decodeBase64String(handle), () => "Invalid" as const),
    (text) => {
      try {
        const parsed: unknown = JSON.parse(text)
        if (typeof parsed === "object" && parsed !== null) {
          const { sourceArn, taskId } = parsed as Record<string, unknown>
          if (typeof taskId === "string" && typeof sourceArn === "string") return Either.right({ taskId, sourceArn })
        }
      } catch {
        // Not JSON: the handle is not one SQS issued.
      }
      return Either.left("Invalid" as const)
    }
  )
