/**
 * Message movement tasks over the queue system: StartMessageMoveTask's, ListMessageMoveTasks' and
 * CancelMessageMoveTask's answers (the errors SQS gives), and a property over the task's state
 * machine driven as the shell drives it: messages are neither lost nor doubled, the rate is kept, the
 * statuses follow RUNNING → COMPLETED | CANCELLING → CANCELLED | FAILED, and a task ends.
 */
import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import * as fc from "fast-check"
import * as MessageMoves from "../../src/sqs/MessageMoves.js"
import * as MessageMoveTask from "../../src/sqs/MessageMoveTask.js"
import * as Queue from "../../src/sqs/Queue.js"
import * as QueueMessages from "../../src/sqs/QueueMessages.js"
import * as QueueStore from "../../src/sqs/QueueStore.js"

const ACCOUNT = "000000000000"
const OWNER: Queue.Owner = { accountId: ACCOUNT, region: "us-east-1", origin: "https://localhost:9324" }
const T0 = 1_767_225_600_000
const arnOf = (name: string) => `arn:aws:sqs:us-east-1:${ACCOUNT}:${name}`
const keyOf = (name: string) => Queue.keyOf(ACCOUNT, name)

const createQueue = (system: QueueStore.QueueSystem, name: string, attributes: Record<string, string> = {}): QueueStore.QueueSystem => {
  const created = Either.getOrThrow(Queue.createQueue(system.directory, { name, attributes }, OWNER, T0))
  const states = new Map(system.states)
  states.set(keyOf(name), QueueMessages.empty())
  return { directory: created.directory, states }
}

const queueOf = (system: QueueStore.QueueSystem, name: string) => system.directory.queues.get(keyOf(name))!
const stateOf = (system: QueueStore.QueueSystem, name: string) => system.states.get(keyOf(name))!
const withState = (system: QueueStore.QueueSystem, name: string, state: QueueMessages.QueueState) => {
  const states = new Map(system.states)
  states.set(keyOf(name), state)
  return { ...system, states }
}

/**
 * `orders` with `dlq` as its dead-letter queue (maxReceiveCount 1), `other` besides, and `count`
 * messages sent to `orders` and redriven into `dlq` the way a receive redrives them.
 */
const withRedriven = (count: number): QueueStore.QueueSystem => {
  let system = createQueue(QueueStore.empty(), "dlq")
  system = createQueue(system, "orders", { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: arnOf("dlq"), maxReceiveCount: 1 }) })
  system = createQueue(system, "other")
  const orders = queueOf(system, "orders")
  let state = stateOf(system, "orders")
  for (let i = 0; i < count; i++) {
    const input = {
      body: `m${i}`,
      attributes: {},
      delaySeconds: undefined,
      messageGroupId: undefined,
      messageDeduplicationId: undefined,
      messageId: `id-${i}`,
      senderId: ACCOUNT
    }
    state = Either.getOrThrow(QueueMessages.send(state, orders, input, T0)).state
  }
  const receive = (s: QueueMessages.QueueState, at: number) =>
    Either.getOrThrow(
      QueueMessages.receive(s, orders, { maxNumberOfMessages: 10, visibilityTimeout: 0, waitTimeSeconds: undefined, receiveRequestAttemptId: undefined, nonce: "n" }, at)
    )
  for (let round = 0; round < count; round += 10) state = receive(state, T0).state
  let redriven: Array<QueueMessages.QueueMessage> = []
  while (state.messages.size > 0) {
    const r = receive(state, T0)
    state = r.state
    redriven = [...redriven, ...r.redriven]
  }
  system = withState(system, "orders", state)
  return withState(system, "dlq", QueueMessages.acceptRedriven(stateOf(system, "dlq"), queueOf(system, "dlq"), redriven, T0))
}

const start = (system: QueueStore.QueueSystem, input: Partial<MessageMoves.StartInput> = {}, now = T0) =>
  MessageMoves.start(system, { sourceArn: arnOf("dlq"), destinationArn: undefined, maxNumberOfMessagesPerSecond: undefined, ...input }, ACCOUNT, "task-1", now)

const errorOf = <A>(result: Either.Either<A, { readonly _tag: string; readonly message: string }>) =>
  Either.isLeft(result) ? `${result.left._tag}: ${result.left.message}` : "Right"

describe("StartMessageMoveTask, ListMessageMoveTasks, CancelMessageMoveTask", () => {
  it("a redriven message records its source queue, which ReceiveMessage shows as DeadLetterQueueSourceArn", () => {
    const system = withRedriven(2)
    const [m] = [...stateOf(system, "dlq").messages.values()]
    expect(m!.deadLetterSourceArn).toBe(arnOf("orders"))
    expect(QueueMessages.systemAttributes(m!)["DeadLetterQueueSourceArn"]).toBe(arnOf("orders"))
  })

  it("refuses with SQS's errors: a missing source or destination, a source that is no dead-letter queue, a bad rate, a second active task", () => {
    const system = withRedriven(3)
    expect(errorOf(start(system, { sourceArn: arnOf("nope") }))).toBe(
      "ResourceNotFoundException: The resource that you specified for the SourceArn parameter doesn't exist."
    )
    expect(errorOf(MessageMoves.start(system, { sourceArn: arnOf("dlq"), destinationArn: undefined, maxNumberOfMessagesPerSecond: undefined }, "111111111111", "t", T0))).toMatch(
      /^ResourceNotFoundException/
    )
    expect(errorOf(start(system, { sourceArn: arnOf("orders") }))).toBe("InvalidParameterValue: Source queue must be configured as a Dead Letter Queue.")
    expect(errorOf(start(system, { destinationArn: arnOf("nope") }))).toBe(
      "ResourceNotFoundException: The resource that you specified for the DestinationArn parameter doesn't exist."
    )
    expect(errorOf(start(system, { destinationArn: arnOf("dlq") }))).toMatch(/^InvalidParameterValue/)
    expect(errorOf(start(system, { maxNumberOfMessagesPerSecond: 0 }))).toMatch(/^InvalidParameterValue: Value 0 for parameter MaxNumberOfMessagesPerSecond/)
    expect(errorOf(start(system, { maxNumberOfMessagesPerSecond: 501 }))).toMatch(/^InvalidParameterValue/)
    const started = Either.getOrThrow(start(system, { maxNumberOfMessagesPerSecond: 500 }))
    expect(errorOf(start(started.system))).toBe(
      "InvalidParameterValue: There is already a task running. Only one active task is allowed for a source queue arn at a given time."
    )
  })

  it("a started task counts the messages to move, lists newest first, and its handle decodes to its id and source", () => {
    const system = withRedriven(3)
    const { system: next, task } = Either.getOrThrow(start(system, { destinationArn: arnOf("other"), maxNumberOfMessagesPerSecond: 1 }))
    expect(task).toMatchObject({ status: "RUNNING", toMove: 3, moved: 0, startedAt: T0, destinationArn: arnOf("other"), maxNumberOfMessagesPerSecond: 1 })
    const handle = MessageMoveTask.encodeHandle(task)
    expect(JSON.parse(atob(handle))).toEqual({ taskId: "task-1", sourceArn: arnOf("dlq") })
    expect(Either.getOrThrow(MessageMoveTask.decodeHandle(handle))).toEqual({ taskId: "task-1", sourceArn: arnOf("dlq") })
    expect(Either.getOrThrow(MessageMoves.list(next, { sourceArn: arnOf("dlq"), maxResults: undefined }, ACCOUNT))).toEqual([task])
    expect(errorOf(MessageMoves.list(next, { sourceArn: arnOf("dlq"), maxResults: 11 }, ACCOUNT))).toMatch(/^InvalidParameterValue/)
    expect(errorOf(MessageMoves.list(next, { sourceArn: arnOf("nope"), maxResults: 1 }, ACCOUNT))).toMatch(/^ResourceNotFoundException/)
  })

  it("CancelMessageMoveTask: SQS's errors for a bad handle, a missing source, an unknown task, a task no longer running", () => {
    const { system, task } = Either.getOrThrow(start(withRedriven(2), { maxNumberOfMessagesPerSecond: 1 }))
    expect(errorOf(MessageMoves.cancel(system, "not a handle", ACCOUNT))).toBe("InvalidParameterValue: Value for parameter TaskHandle is invalid.")
    expect(errorOf(MessageMoves.cancel(system, MessageMoveTask.encodeHandle({ taskId: "task-1", sourceArn: arnOf("nope") }), ACCOUNT))).toBe(
      "ResourceNotFoundException: The resource that you specified for the SourceArn parameter doesn't exist."
    )
    expect(errorOf(MessageMoves.cancel(system, MessageMoveTask.encodeHandle({ taskId: "other", sourceArn: arnOf("dlq") }), ACCOUNT))).toBe(
      "ResourceNotFoundException: Task does not exist."
    )
    const cancelled = Either.getOrThrow(MessageMoves.cancel(system, MessageMoveTask.encodeHandle(task), ACCOUNT))
    expect(cancelled.task.status).toBe("CANCELLING")
    expect(errorOf(MessageMoves.cancel(cancelled.system, MessageMoveTask.encodeHandle(task), ACCOUNT))).toMatch(/^InvalidParameterValue/)
    const settled = MessageMoves.advance(cancelled.system, T0 + 5000)
    expect(stateOf(settled.system, "dlq").moveTasks[0]!.status).toBe("CANCELLED")
    expect(stateOf(settled.system, "dlq").messages.size).toBe(2)
    expect(settled.nextAt).toBeUndefined()
  })

  it("without a destination each message goes back to its source, arriving as new there; with one, to it", () => {
    const { system } = Either.getOrThrow(start(withRedriven(2)))
    const done = MessageMoves.advance(system, T0 + 1000)
    expect(stateOf(done.system, "dlq").messages.size).toBe(0)
    const back = [...stateOf(done.system, "orders").messages.values()]
    expect(back.map((m) => m.body)).toEqual(["m0", "m1"])
    expect(back[0]).toMatchObject({ receiveCount: 0, lastReceive: undefined, visibleAt: T0 + 1000, enqueuedAt: T0 + 1000 })
    expect(back[0]!.deadLetterSourceArn).toBeUndefined()
    expect(stateOf(done.system, "dlq").moveTasks[0]).toMatchObject({ status: "COMPLETED", moved: 2, toMove: 2 })

    const { system: named } = Either.getOrThrow(start(withRedriven(2), { destinationArn: arnOf("other") }))
    expect(stateOf(MessageMoves.advance(named, T0 + 1000).system, "other").messages.size).toBe(2)
  })

  it("a destination deleted while the task runs fails it with SQS's reason, keeping what it moved", () => {
    const { system } = Either.getOrThrow(start(withRedriven(3), { destinationArn: arnOf("other"), maxNumberOfMessagesPerSecond: 1 }))
    const first = MessageMoves.advance(system, T0 + 1000)
    expect(stateOf(first.system, "dlq").moveTasks[0]).toMatchObject({ status: "RUNNING", moved: 1 })
    expect(first.nextAt).toBe(T0 + 2000)
    const deleted = Either.getOrThrow(Queue.deleteQueue(first.system.directory, queueOf(first.system, "other").url, T0 + 1500))
    const states = new Map(first.system.states)
    states.delete(keyOf("other"))
    const failed = MessageMoves.advance({ directory: deleted.directory, states }, T0 + 2000)
    expect(stateOf(failed.system, "dlq").moveTasks[0]).toMatchObject({ status: "FAILED", moved: 1, failureReason: "AWS.SimpleQueueService.NonExistentQueue" })
    expect(stateOf(failed.system, "dlq").messages.size).toBe(2)
  })

  it("tasks are stored with their source queue: QueueStore's changes carry them", () => {
    const before = withRedriven(1)
    const { system } = Either.getOrThrow(start(before))
    const changes = QueueStore.diff(before, system)
    expect(changes).toEqual([expect.objectContaining({ _tag: "PutMeta", key: keyOf("dlq") })])
    expect(QueueStore.applyChanges(before, changes).states.get(keyOf("dlq"))!.moveTasks).toEqual(stateOf(system, "dlq").moveTasks)
  })
})

const LEGAL: Readonly<Record<MessageMoveTask.MoveTaskStatus, ReadonlyArray<MessageMoveTask.MoveTaskStatus>>> = {
  RUNNING: ["RUNNING", "COMPLETED", "CANCELLING", "FAILED"],
  CANCELLING: ["CANCELLING", "CANCELLED"],
  COMPLETED: ["COMPLETED"],
  CANCELLED: ["CANCELLED"],
  FAILED: ["FAILED"]
}

describe("the task's state machine, driven as the shell drives it", () => {
  it("messages are neither lost nor doubled, the rate is kept, statuses move only forward, and every task ends", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 25 }),
        fc.option(fc.integer({ min: 1, max: 8 }), { nil: undefined }),
        fc.array(
          fc.oneof(
            fc.record({ _tag: fc.constant("Wait" as const), ms: fc.integer({ min: 0, max: 2500 }) }),
            fc.constant({ _tag: "Cancel" as const }),
            fc.constant({ _tag: "Start" as const }),
            fc.constant({ _tag: "Redrive" as const })
          ),
          { maxLength: 25 }
        ),
        (count, rate, operations) => {
          let system = withRedriven(count)
          let now = T0
          let tasks = 0
          const ids = () => [...stateOf(system, "dlq").messages.keys(), ...stateOf(system, "orders").messages.keys()].sort()
          const all = ids()
          const check = (previous: ReadonlyArray<MessageMoveTask.MoveTask>) => {
            expect(ids()).toEqual(all)
            const current = stateOf(system, "dlq").moveTasks
            expect(current.filter(MessageMoveTask.isActive).length).toBeLessThanOrEqual(1)
            for (const task of current) {
              const before = previous.find((t) => t.taskId === task.taskId)
              if (before !== undefined) expect(LEGAL[before.status]).toContain(task.status)
              expect(task.moved).toBeLessThanOrEqual(task.toMove)
              const perSecond = task.maxNumberOfMessagesPerSecond ?? MessageMoveTask.DEFAULT_MESSAGES_PER_SECOND
              expect(task.moved).toBeLessThanOrEqual(Math.floor(((now - task.startedAt) * perSecond) / 1000))
            }
          }
          /** What the shell does while time passes: a step at each instant the last one asked for. */
          const runUntil = (until: number) => {
            let due: number | undefined = now
            while (due !== undefined && due <= until) {
              now = due
              const previous = stateOf(system, "dlq").moveTasks
              const advanced = MessageMoves.advance(system, now)
              system = advanced.system
              check(previous)
              due = advanced.nextAt
            }
            now = until
          }
          for (const operation of operations) {
            const previous = stateOf(system, "dlq").moveTasks
            if (operation._tag === "Wait") runUntil(now + operation.ms)
            else if (operation._tag === "Start") {
              const started = MessageMoves.start(
                system,
                { sourceArn: arnOf("dlq"), destinationArn: undefined, maxNumberOfMessagesPerSecond: rate },
                ACCOUNT,
                `task-${tasks}`,
                now
              )
              if (Either.isRight(started)) {
                system = started.right.system
                tasks++
              } else expect(previous.some(MessageMoveTask.isActive)).toBe(true)
            } else if (operation._tag === "Cancel") {
              const task = previous[0]
              if (task !== undefined) {
                const cancelled = MessageMoves.cancel(system, MessageMoveTask.encodeHandle(task), ACCOUNT)
                expect(Either.isRight(cancelled)).toBe(task.status === "RUNNING")
                if (Either.isRight(cancelled)) system = cancelled.right.system
              }
            } else {
              // Messages moved back are received past maxReceiveCount and redriven again.
              const orders = queueOf(system, "orders")
              let state = stateOf(system, "orders")
              const receive = (s: QueueMessages.QueueState) =>
                Either.getOrThrow(
                  QueueMessages.receive(s, orders, { maxNumberOfMessages: 10, visibilityTimeout: 0, waitTimeSeconds: undefined, receiveRequestAttemptId: undefined, nonce: "r" }, now)
                )
              state = receive(state).state
              const again = receive(state)
              system = withState(withState(system, "orders", again.state), "dlq", QueueMessages.acceptRedriven(stateOf(system, "dlq"), queueOf(system, "dlq"), again.redriven, now))
            }
            check(previous)
          }
          // Left alone, every task ends: long enough for the slowest rate to move everything.
          runUntil(now + (count + 2) * 1000 + 1000)
          const last = stateOf(system, "dlq").moveTasks[0]
          if (last !== undefined) expect(MessageMoveTask.isActive(last)).toBe(false)
        }
      ),
      { numRuns: 150 }
    )
  })
})
