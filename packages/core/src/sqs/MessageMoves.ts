/**
 * Message movement tasks over the queue system, as pure functions (SQS API Reference,
 * "StartMessageMoveTask", "ListMessageMoveTasks", "CancelMessageMoveTask"; Developer Guide,
 * "Configure a dead-letter queue redrive"): starting a task on a dead-letter queue, listing and
 * cancelling a queue's tasks, and `advance`, the step the shell runs on its clock that moves what
 * each running task's rate allows. Tasks live in their source queue's state, so they are stored, and
 * resumed after a restart, with it (docs/SEMANTICS.md §8).
 *
 * @since 0.1.0
 */
import { Either } from "effect"
import * as MessageMoveTask from "./MessageMoveTask.js"
import * as Queue from "./Queue.js"
import { InvalidParameterValue, invalidValue, ResourceNotFoundException } from "./QueueErrors.js"
import * as QueueMessages from "./QueueMessages.js"
import type { QueueSystem } from "./QueueStore.js"

/** The FailureReason of a task whose destination queue is gone: the code of QueueDoesNotExist. */
export const NON_EXISTENT_QUEUE = "AWS.SimpleQueueService.NonExistentQueue"

const notFound = (parameter: "SourceArn" | "DestinationArn") =>
  new ResourceNotFoundException({ message: `The resource that you specified for the ${parameter} parameter doesn't exist.` })

const stateOf = (system: QueueSystem, key: string) => system.states.get(key) ?? QueueMessages.empty()

const withState = (system: QueueSystem, key: string, state: QueueMessages.QueueState): QueueSystem => {
  const states = new Map(system.states)
  states.set(key, state)
  return { ...system, states }
}

/** The caller's queue an ARN names. Another account's queue is answered as missing, as for URLs. */
const queueOfArn = (system: QueueSystem, arn: string, accountId: string): Queue.Queue | undefined => {
  const queue = Queue.lookupArn(system.directory, arn)
  return queue?.accountId === accountId ? queue : undefined
}

const keyOfQueue = (queue: Queue.Queue) => Queue.keyOf(queue.accountId, queue.name)

/**
 * A dead-letter queue: "a queue that other (source) queues can target" with their RedrivePolicy.
 *
 * @category predicates
 */
export const isDeadLetterQueue = (system: QueueSystem, queue: Queue.Queue): boolean =>
  [...system.directory.queues.values()].some((q) => Queue.settings(q).redrivePolicy?.deadLetterTargetArn === queue.arn)

/**
 * StartMessageMoveTask's input, decoded from the wire.
 *
 * @category models
 */
export interface StartInput {
  readonly sourceArn: string
  readonly destinationArn: string | undefined
  readonly maxNumberOfMessagesPerSecond: number | undefined
}

/**
 * StartMessageMoveTask. The source must be one of the caller's queues ("ResourceNotFoundException")
 * and a dead-letter queue ("Source queue must be configured as a Dead Letter Queue.", as SQS answers);
 * a destination, when named, must exist; the rate is 1 to 500; and the source has no active task
 * ("Only one active message movement task is supported per queue at any given time"). The task sets
 * out to move the messages receivable in the source now.
 *
 * @category actions
 */
export const start = (
  system: QueueSystem,
  input: StartInput,
  accountId: string,
  taskId: string,
  now: number
): Either.Either<{ readonly task: MessageMoveTask.MoveTask; readonly system: QueueSystem }, ResourceNotFoundException | InvalidParameterValue> =>
  Either.gen(function* () {
    const source = queueOfArn(system, input.sourceArn, accountId)
    if (source === undefined) return yield* Either.left(notFound("SourceArn"))
    const rate = input.maxNumberOfMessagesPerSecond
    if (rate !== undefined && (!Number.isInteger(rate) || rate < 1 || rate > MessageMoveTask.MAX_MESSAGES_PER_SECOND)) {
      return yield* Either.left(
        invalidValue("MaxNumberOfMessagesPerSecond", String(rate), `Must be between 1 and ${MessageMoveTask.MAX_MESSAGES_PER_SECOND}, if provided.`)
      )
    }
    if (!isDeadLetterQueue(system, source)) {
      return yield* Either.left(new InvalidParameterValue({ message: "Source queue must be configured as a Dead Letter Queue." }))
    }
    if (input.destinationArn !== undefined) {
      const destination = queueOfArn(system, input.destinationArn, accountId)
      if (destination === undefined) return yield* Either.left(notFound("DestinationArn"))
      if (destination.arn === source.arn) {
        return yield* Either.left(invalidValue("DestinationArn", input.destinationArn, "The destination queue must differ from the source queue."))
      }
    }
    const key = keyOfQueue(source)
    const state = QueueMessages.expire(stateOf(system, key), source, now)
    if (state.moveTasks.some(MessageMoveTask.isActive)) {
      return yield* Either.left(
        new InvalidParameterValue({ message: "There is already a task running. Only one active task is allowed for a source queue arn at a given time." })
      )
    }
    const task = MessageMoveTask.start({
      taskId,
      sourceArn: source.arn,
      destinationArn: input.destinationArn,
      maxNumberOfMessagesPerSecond: rate,
      toMove: QueueMessages.counts(state, now).visible,
      now
    })
    return { task, system: withState(system, key, { ...state, moveTasks: MessageMoveTask.remember(state.moveTasks, task) }) }
  })

/**
 * ListMessageMoveTasks: the source queue's tasks, the most recent first, `maxResults` of them (1 to
 * 10, default 1).
 *
 * @category getters
 */
export const list = (
  system: QueueSystem,
  input: { readonly sourceArn: string; readonly maxResults: number | undefined },
  accountId: string
): Either.Either<ReadonlyArray<MessageMoveTask.MoveTask>, ResourceNotFoundException | InvalidParameterValue> => {
  const source = queueOfArn(system, input.sourceArn, accountId)
  if (source === undefined) return Either.left(notFound("SourceArn"))
  const max = input.maxResults ?? 1
  if (!Number.isInteger(max) || max < 1 || max > MessageMoveTask.MAX_LISTED_TASKS) {
    return Either.left(invalidValue("MaxResults", String(max), `Must be between 1 and ${MessageMoveTask.MAX_LISTED_TASKS}, if provided.`))
  }
  return Either.right(stateOf(system, keyOfQueue(source)).moveTasks.slice(0, max))
}

/**
 * CancelMessageMoveTask, with SQS's answers: a handle that does not decode is an invalid value, one
 * whose source queue is gone names a missing SourceArn, one whose task the queue does not have is
 * "Task does not exist."; a task no longer running cannot be cancelled.
 *
 * @category actions
 */
export const cancel = (
  system: QueueSystem,
  taskHandle: string,
  accountId: string
): Either.Either<{ readonly task: MessageMoveTask.MoveTask; readonly system: QueueSystem }, ResourceNotFoundException | InvalidParameterValue> =>
  Either.gen(function* () {
    const handle = yield* Either.mapLeft(
      MessageMoveTask.decodeHandle(taskHandle),
      () => new InvalidParameterValue({ message: "Value for parameter TaskHandle is invalid." })
    )
    const source = queueOfArn(system, handle.sourceArn, accountId)
    if (source === undefined) return yield* Either.left(notFound("SourceArn"))
    const key = keyOfQueue(source)
    const state = stateOf(system, key)
    const task = state.moveTasks.find((t) => t.taskId === handle.taskId)
    if (task === undefined) return yield* Either.left(new ResourceNotFoundException({ message: "Task does not exist." }))
    const cancelled = yield* Either.mapLeft(
      MessageMoveTask.cancel(task),
      () => invalidValue("TaskHandle", taskHandle, "Only active (non-completed) message movement tasks can be cancelled.")
    )
    return { task: cancelled, system: withState(system, key, { ...state, moveTasks: MessageMoveTask.replace(state.moveTasks, cancelled) }) }
  })

/**
 * One running task's step: up to its allowance of the source's receivable messages, oldest first, go
 * to the destination (the task's, else each message's dead-letter source). A destination that does
 * not exist fails the task with SQS's reason, keeping what was moved before it; a message with no
 * dead-letter source and no destination named fails it the same way, as there is nowhere to return it.
 */
const advanceOne = (system: QueueSystem, source: Queue.Queue, now: number): QueueSystem => {
  const key = keyOfQueue(source)
  const expired = QueueMessages.expire(stateOf(system, key), source, now)
  let sourceState: QueueMessages.QueueState = expired
  const task = sourceState.moveTasks[0]!
  if (task.status === "CANCELLING") {
    return withState(system, key, { ...sourceState, moveTasks: MessageMoveTask.replace(sourceState.moveTasks, MessageMoveTask.settleCancel(task)) })
  }
  const allowed = MessageMoveTask.allowance(task, now)
  const receivable = [...expired.messages.visible(now)]
  const taken = receivable.slice(0, allowed)
  const byDestination = new Map<string, Array<QueueMessages.QueueMessage>>()
  let next = system
  let failure: string | undefined
  let moved = 0
  for (const m of taken) {
    const destination = queueOfArn(system, task.destinationArn ?? m.deadLetterSourceArn ?? "", source.accountId)
    if (destination === undefined) {
      failure = NON_EXISTENT_QUEUE
      break
    }
    const list = byDestination.get(keyOfQueue(destination)) ?? []
    list.push(m)
    byDestination.set(keyOfQueue(destination), list)
    moved++
  }
  for (const [destinationKey, messages] of byDestination) {
    next = withState(next, destinationKey, QueueMessages.acceptMoved(stateOf(next, destinationKey), messages, now))
  }
  sourceState = QueueMessages.remove(sourceState, taken.slice(0, moved).map((m) => m.messageId))
  const after = failure !== undefined
    ? MessageMoveTask.fail(task, moved, failure)
    : MessageMoveTask.progress(task, moved, receivable.length === moved)
  return withState(next, key, { ...sourceState, moveTasks: MessageMoveTask.replace(sourceState.moveTasks, after) })
}

/**
 * What `advance` did: the next value, and the instant the next step is due (undefined: no task is
 * active, and only a start or a cancel needs a step).
 *
 * @category models
 */
export interface Advanced {
  readonly system: QueueSystem
  readonly nextAt: number | undefined
}

/**
 * The shell's step: every active task moves what its rate allows by `now` (a cancelled one settles, one
 * with nothing left to move completes), and the step says when it is next due: when the rate allows
 * the next message, and never sooner than a second after a step that moved a whole second's worth, so
 * a task that fell behind (the broker was down) catches up at its rate, not in one burst.
 *
 * @category actions
 */
export const advance = (system: QueueSystem, now: number): Advanced => {
  let next = system
  let nextAt: number | undefined
  for (const [key, state] of system.states) {
    const task = state.moveTasks[0]
    const source = system.directory.queues.get(key)
    if (task === undefined || source === undefined || !MessageMoveTask.isActive(task)) continue
    const allowed = MessageMoveTask.allowance(task, now)
    if (task.status === "CANCELLING" || allowed > 0 || task.moved >= task.toMove) next = advanceOne(next, source, now)
    const after = stateOf(next, key).moveTasks[0]!
    if (after.status === "RUNNING") {
      const rate = after.maxNumberOfMessagesPerSecond ?? MessageMoveTask.DEFAULT_MESSAGES_PER_SECOND
      const at = Math.max(MessageMoveTask.nextMoveAt(after), allowed >= rate ? now + 1000 : now)
      nextAt = nextAt === undefined ? at : Math.min(nextAt, at)
    }
  }
  return { system: next, nextAt }
}
