/**
 * The SQS service: every queue action as an effect over the pure queue model (`Queue.ts`,
 * `QueueMessages.ts`), with the ports (queue store, ids, clock) as services. The transport decodes a
 * request, calls one method here, and encodes the answer.
 *
 * State is one value, the `QueueSystem` (directory and each queue's messages), replaced under a lock:
 * an action computes the next value with the model, the store writes the difference, then the value
 * is replaced, so actions apply one after the other and nothing is acknowledged before it is stored.
 * The actions submitted in one turn of the event loop run as a group with one store write
 * (docs/PERFORMANCE.md, "SQS actions in groups").
 * A long-polling ReceiveMessage waits on the model's readiness: until a send or visibility change to
 * its queue, the instant a message becomes visible, or the end of its wait, whichever comes first
 * (SQS API Reference, "ReceiveMessage", WaitTimeSeconds).
 *
 * @since 0.1.0
 */
import { Clock, Context, Deferred, Duration, Effect, Either, Exit, FiberId, Layer, Runtime, type Scope } from "effect"
import { Cipher, NONCE_BYTES } from "../Cipher.js"
import type * as DataKeyCache from "../DataKeyCache.js"
import * as DataKeys from "../DataKeys.js"
import * as Encryption from "../Encryption.js"
import * as EncryptionContext from "../EncryptionContext.js"
import type { StoreFailure } from "../Errors.js"
import { Ids } from "../Ids.js"
import type { KmsCaller } from "../Kms.js"
import type { MessageAttributes, MessageBody } from "../Message.js"
import { attributeBytes, utf8Length } from "../MessageAttributes.js"
import type { RequestContext } from "../RequestContext.js"
import * as MessageDigest from "./MessageDigest.js"
import * as MessageMoves from "./MessageMoves.js"
import * as MessageMoveTask from "./MessageMoveTask.js"
import * as Queue from "./Queue.js"
import * as QueueAttributes from "./QueueAttributes.js"
import {
  AccessDenied,
  BatchEntryIdsNotDistinct,
  BatchRequestTooLong,
  EmptyBatchRequest,
  InvalidAttributeName,
  InvalidBatchEntryId,
  QueueDoesNotExist,
  type QueueKmsFailure,
  queueKmsFailure,
  type SqsError,
  TooManyEntriesInBatchRequest
} from "./QueueErrors.js"
import * as QueueKms from "./QueueKms.js"
import * as QueueMessages from "./QueueMessages.js"
import * as QueuePolicy from "./QueuePolicy.js"
import * as QueueStore from "./QueueStore.js"
import { QueueStates } from "./QueueStates.js"

/**
 * @category models
 */
export interface SqsOptions {
  /**
   * Where queue URLs point: the HTTPS listener's scheme, host and port, read when a URL is answered
   * (the listener's port is known only once it listens).
   */
  readonly origin: () => string
  /**
   * What the first action of a group waits for before the group runs, so the actions submitted
   * meanwhile share its store write and commit: the shell's next turn of the event loop. Without it
   * the action yields to the fibers ready now, and only those join.
   */
  readonly groupWait?: Effect.Effect<void> | undefined
}

/**
 * SendMessage's input, decoded from the wire.
 *
 * @category models
 */
export interface SendMessageInput {
  readonly body: string
  readonly attributes: MessageAttributes
  readonly delaySeconds: number | undefined
  readonly messageGroupId: string | undefined
  readonly messageDeduplicationId: string | undefined
}

/**
 * @category models
 */
export interface SendMessageResult {
  readonly messageId: string
  readonly md5OfMessageBody: string
  readonly md5OfMessageAttributes: string | undefined
  readonly sequenceNumber: string | undefined
}

/**
 * ReceiveMessage's input, decoded from the wire.
 *
 * @category models
 */
export interface ReceiveMessageInput {
  readonly maxNumberOfMessages: number | undefined
  readonly visibilityTimeout: number | undefined
  /** Undefined: the queue's ReceiveMessageWaitTimeSeconds. */
  readonly waitTimeSeconds: number | undefined
  readonly receiveRequestAttemptId: string | undefined
}

/**
 * The answer of a batch action: "The result of … each message is reported individually in the
 * response" (SendMessageBatch); each failed entry carries the error the single action would raise.
 *
 * @category models
 */
export interface BatchResult<A> {
  readonly successful: ReadonlyArray<{ readonly id: string; readonly result: A }>
  readonly failed: ReadonlyArray<{ readonly id: string; readonly error: SqsError }>
}

/**
 * A page of queue URLs (ListQueues, ListDeadLetterSourceQueues).
 *
 * @category models
 */
export interface QueueUrlPage {
  readonly queueUrls: ReadonlyArray<string>
  readonly nextToken: string | undefined
}

/**
 * A message SNS writes into a queue for a subscription of one of its topics (SNS Developer Guide,
 * "Fanout to Amazon SQS queues"): the text the subscription receives (the notification document, or
 * the raw message) and, for raw delivery, the message attributes as SQS message attributes.
 *
 * @category models
 */
export interface TopicDelivery {
  readonly queueArn: string
  readonly topicArn: string
  /** The topic owner's account: the `aws:SourceAccount` policies see. */
  readonly topicAccountId: string
  readonly body: string
  readonly attributes: MessageAttributes
  /** A FIFO topic's group and deduplication id, passed on into a FIFO queue only. */
  readonly messageGroupId: string | undefined
  readonly messageDeduplicationId: string | undefined
  /** False under `--lenient-queue-policies`: the queue policy is not asked (docs/SEMANTICS.md §9). */
  readonly checkQueuePolicy: boolean
}

/**
 * @category models
 */
export interface SqsService {
  readonly createQueue: (
    input: { readonly name: string; readonly attributes: Readonly<Record<string, string>>; readonly tags: Readonly<Record<string, string>> },
    ctx: RequestContext
  ) => Effect.Effect<{ readonly queueUrl: string }, SqsError | StoreFailure>
  readonly getQueueUrl: (
    input: { readonly queueName: string; readonly queueOwnerAccountId: string | undefined },
    ctx: RequestContext
  ) => Effect.Effect<{ readonly queueUrl: string }, SqsError>
  readonly listQueues: (
    input: { readonly prefix: string | undefined; readonly maxResults: number | undefined; readonly nextToken: string | undefined },
    ctx: RequestContext
  ) => Effect.Effect<QueueUrlPage, SqsError>
  readonly deleteQueue: (queueUrl: string, ctx: RequestContext) => Effect.Effect<void, SqsError | StoreFailure>
  readonly getQueueAttributes: (
    queueUrl: string,
    attributeNames: ReadonlyArray<string>,
    ctx: RequestContext
  ) => Effect.Effect<Record<string, string>, SqsError>
  readonly setQueueAttributes: (
    queueUrl: string,
    attributes: Readonly<Record<string, string>>,
    ctx: RequestContext
  ) => Effect.Effect<void, SqsError | StoreFailure>
  readonly sendMessage: (queueUrl: string, input: SendMessageInput, ctx: RequestContext) => Effect.Effect<SendMessageResult, SqsError | StoreFailure>
  /**
   * `sendMessage` without a fiber of its own, for a send whose every step before its group's commit
   * runs at once: the queue found and the caller allowed, and the body stored as sent or sealed
   * under a cached data key whose KMS key passes its check as a plain read. `done` is called once,
   * after the commit, with what `sendMessage` would answer (a defect as a defect). False, with
   * nothing done, when `sendMessage` must take it; docs/PERFORMANCE.md, "SendMessage without a fiber".
   */
  readonly sendMessageNow?: (
    queueUrl: string,
    input: SendMessageInput,
    ctx: RequestContext,
    done: (result: Exit.Exit<SendMessageResult, SqsError | StoreFailure>) => void
  ) => boolean
  readonly sendMessageBatch: (
    queueUrl: string,
    entries: ReadonlyArray<SendMessageInput & { readonly id: string }>,
    ctx: RequestContext
  ) => Effect.Effect<BatchResult<SendMessageResult>, SqsError | StoreFailure>
  readonly receiveMessage: (
    queueUrl: string,
    input: ReceiveMessageInput,
    ctx: RequestContext
  ) => Effect.Effect<ReadonlyArray<QueueMessages.Delivered>, SqsError | StoreFailure>
  readonly deleteMessage: (queueUrl: string, receiptHandle: string, ctx: RequestContext) => Effect.Effect<void, SqsError | StoreFailure>
  /**
   * `deleteMessage` without a fiber of its own, as `sendMessageNow`: false, with nothing done, when
   * the queue is not found or refuses the caller, and `deleteMessage` must take it.
   */
  readonly deleteMessageNow?: (
    queueUrl: string,
    receiptHandle: string,
    ctx: RequestContext,
    done: (result: Exit.Exit<void, SqsError | StoreFailure>) => void
  ) => boolean
  readonly deleteMessageBatch: (
    queueUrl: string,
    entries: ReadonlyArray<{ readonly id: string; readonly receiptHandle: string }>,
    ctx: RequestContext
  ) => Effect.Effect<BatchResult<void>, SqsError | StoreFailure>
  readonly changeMessageVisibility: (
    queueUrl: string,
    receiptHandle: string,
    visibilityTimeout: number,
    ctx: RequestContext
  ) => Effect.Effect<void, SqsError | StoreFailure>
  readonly changeMessageVisibilityBatch: (
    queueUrl: string,
    entries: ReadonlyArray<{ readonly id: string; readonly receiptHandle: string; readonly visibilityTimeout: number }>,
    ctx: RequestContext
  ) => Effect.Effect<BatchResult<void>, SqsError | StoreFailure>
  readonly purgeQueue: (queueUrl: string, ctx: RequestContext) => Effect.Effect<void, SqsError | StoreFailure>
  readonly tagQueue: (queueUrl: string, tags: Readonly<Record<string, string>>, ctx: RequestContext) => Effect.Effect<void, SqsError | StoreFailure>
  readonly untagQueue: (queueUrl: string, keys: ReadonlyArray<string>, ctx: RequestContext) => Effect.Effect<void, SqsError | StoreFailure>
  readonly listQueueTags: (queueUrl: string, ctx: RequestContext) => Effect.Effect<Readonly<Record<string, string>>, SqsError>
  readonly listDeadLetterSourceQueues: (
    queueUrl: string,
    input: { readonly maxResults: number | undefined; readonly nextToken: string | undefined },
    ctx: RequestContext
  ) => Effect.Effect<QueueUrlPage, SqsError>
  readonly addPermission: (
    queueUrl: string,
    input: { readonly label: string; readonly accountIds: ReadonlyArray<string>; readonly actions: ReadonlyArray<string> },
    ctx: RequestContext
  ) => Effect.Effect<void, SqsError | StoreFailure>
  readonly removePermission: (queueUrl: string, label: string, ctx: RequestContext) => Effect.Effect<void, SqsError | StoreFailure>
  /**
   * SNS's write into a queue, in process, as the service principal `sns.amazonaws.com`: refused
   * (AccessDenied) unless the queue policy allows the topic to send, and under SSE-KMS sealed with
   * KMS called as that principal, so the key policy must allow it (Kms* errors otherwise). Each
   * refusal's message says, for a person, what to change.
   */
  readonly deliverFromTopic: (delivery: TopicDelivery) => Effect.Effect<SendMessageResult, SqsError | StoreFailure>
  /**
   * Several of SNS's writes, each as `deliverFromTopic` with its own answer, applied as one action:
   * one store write and one commit for all, none answered before it. A store failure fails them all,
   * none having been stored.
   */
  readonly deliverFromTopics: (
    deliveries: ReadonlyArray<TopicDelivery>
  ) => Effect.Effect<ReadonlyArray<Either.Either<SendMessageResult, SqsError>>, StoreFailure>
  readonly startMessageMoveTask: (
    input: MessageMoves.StartInput,
    ctx: RequestContext
  ) => Effect.Effect<{ readonly taskHandle: string }, SqsError | StoreFailure>
  readonly listMessageMoveTasks: (
    input: { readonly sourceArn: string; readonly maxResults: number | undefined },
    ctx: RequestContext
  ) => Effect.Effect<ReadonlyArray<MessageMoveTask.MoveTask>, SqsError>
  readonly cancelMessageMoveTask: (
    taskHandle: string,
    ctx: RequestContext
  ) => Effect.Effect<{ readonly approximateNumberOfMessagesMoved: number }, SqsError | StoreFailure>
  /**
   * Puts in force what other brokers sharing the store committed since it was last read, and wakes
   * the long polls on the queues it touched; a request runs it first (docs/ARCHITECTURE.md, "A
   * cluster").
   */
  readonly catchUp: Effect.Effect<void, StoreFailure>
}

/**
 * @category services
 */
export class Sqs extends Context.Tag("@sealcast/core/Sqs")<Sqs, SqsService>() {}

/** "The maximum allowed individual message size and the maximum total payload size (the sum of the individual lengths of all of the batched messages) are both 256 KiB (262,144 bytes)" (SendMessageBatch). */
export const MAX_BATCH_BYTES = 262_144

/** "You can send up to 10 messages" in a batch, and the same for every batch action. */
export const MAX_BATCH_ENTRIES = 10

const BATCH_ENTRY_ID = /^[A-Za-z0-9_-]{1,80}$/

/**
 * The checks every batch action makes on its entries before any entry is tried, with SQS's texts:
 * at least one entry, at most 10, ids of 1 to 80 alphanumerics, hyphens and underscores, all distinct.
 *
 * @category validation
 */
export const validateBatch = (
  entries: ReadonlyArray<{ readonly id: string }>,
  entryShape: string
): Either.Either<void, EmptyBatchRequest | TooManyEntriesInBatchRequest | InvalidBatchEntryId | BatchEntryIdsNotDistinct> => {
  if (entries.length === 0) return Either.left(new EmptyBatchRequest({ message: `There should be at least one ${entryShape} in the request.` }))
  if (entries.length > MAX_BATCH_ENTRIES) {
    return Either.left(
      new TooManyEntriesInBatchRequest({ message: `Maximum number of entries per request are ${MAX_BATCH_ENTRIES}. You have sent ${entries.length}.` })
    )
  }
  const seen = new Set<string>()
  for (const { id } of entries) {
    if (!BATCH_ENTRY_ID.test(id)) {
      return Either.left(
        new InvalidBatchEntryId({
          message: "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long."
        })
      )
    }
    if (seen.has(id)) return Either.left(new BatchEntryIdsNotDistinct({ message: `Id ${id} repeated.` }))
    seen.add(id)
  }
  return Either.void
}

const HEX = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")

/** The attribute names GetQueueAttributes takes: `All` and every attribute a queue of either type has. */
const KNOWN_ATTRIBUTE_NAMES: ReadonlyArray<string> = [
  "All",
  ...QueueAttributes.settableAttributes(true),
  ...QueueAttributes.createOnlyAttributes,
  ...QueueAttributes.readOnlyAttributes
] as const

const keyOfQueue = (queue: Queue.Queue) => Queue.keyOf(queue.accountId, queue.name)

const stateOf = (system: QueueStore.QueueSystem, key: string) => system.states.get(key) ?? QueueMessages.empty()

const withState = (system: QueueStore.QueueSystem, key: string, state: QueueMessages.QueueState): QueueStore.QueueSystem => ({
  ...system,
  states: QueueStates.from(system.states).set(key, state)
})

/**
 * The queue a URL names, if the caller may take `action` on it: its own account's, or another's
 * whose queue policy allows it (`QueuePolicy.authorize`; docs/SEMANTICS.md §8).
 */
const queueOf = (
  system: QueueStore.QueueSystem,
  url: string,
  action: string,
  ctx: RequestContext
): Either.Either<Queue.Queue, QueueDoesNotExist | AccessDenied> =>
  Either.flatMap(Queue.lookup(system.directory, url), (queue) =>
    QueuePolicy.authorize(queue, Queue.policyOf(system.directory, queue), action, ctx)
  )

/**
 * Builds the service from its ports. Loads every queue and message from the store once, and runs the
 * message movement tasks (`MessageMoves.advance`) on the Clock until the scope closes: a step when a
 * task is started or cancelled, and whenever a running task's rate next allows a message.
 *
 * @category constructors
 */
export const make = (
  options: SqsOptions
): Effect.Effect<SqsService, StoreFailure, QueueStore.QueueStore | Ids | QueueKms.QueueKms | Cipher | MessageDigest.Md5 | Scope.Scope> =>
  Effect.gen(function* () {
    const store = yield* QueueStore.QueueStore
    const ids = yield* Ids
    const queueKms = yield* QueueKms.QueueKms
    const cipher = yield* Cipher
    const md5 = yield* MessageDigest.Md5
    const aadPrefixOf = Encryption.makeAadPrefixes(EncryptionContext.forQueue)
    const scratch = Encryption.makeSealScratch()
    const sealerOf = (kms: QueueKms.QueueKmsService["customer"]) =>
      Effect.map(DataKeys.makeWith(kms, EncryptionContext.forQueue), (dataKeys): Encryption.Sealer<QueueKmsFailure> => ({
        kms,
        dataKeys,
        cipher,
        nonce: () => ids.unsafeRandomBytes(NONCE_BYTES),
        aadPrefixOf,
        contextOf: EncryptionContext.forQueue,
        scratch
      }))
    // SSE-KMS and SSE-SQS each have their own data keys, under different KMS keys.
    const sealers = { KMS: yield* sealerOf(queueKms.customer), SQS: yield* sealerOf(queueKms.owned) } as const
    // The value in force, read at any time; replaced only by `modify`, under `lock`, so changes
    // apply one after the other (what a SynchronizedRef is, with a read that needs no effect).
    let inForce = yield* store.load
    const lock = yield* Effect.makeSemaphore(1)
    const modify = <A, E>(f: (system: QueueStore.QueueSystem) => Effect.Effect<readonly [A, QueueStore.QueueSystem], E>) =>
      lock.withPermits(1)(
        Effect.flatMap(Effect.suspend(() => f(inForce)), ([result, next]) =>
          Effect.sync(() => {
            inForce = next
            return result
          }))
      )
    const inForceNow = Effect.sync(() => inForce)
    const clock = yield* Effect.clock
    const runFork = Runtime.runFork(yield* Effect.runtime<never>())
    const shared = store.shared
    const urlOf = (queue: Queue.Queue) => Queue.queueUrl(options.origin(), queue.accountId, queue.name)

    // One signal per queue with a long poll waiting on it: completed, and dropped, when the queue
    // changes; a waiter takes the signal before it reads the queue, so no change is missed.
    const signals = new Map<string, Deferred.Deferred<void>>()
    const signalOf = (key: string) =>
      Effect.sync(() => {
        let signal = signals.get(key)
        if (signal === undefined) {
          signal = Deferred.unsafeMake<void>(FiberId.none)
          signals.set(key, signal)
        }
        return signal
      })
    const wake = (changes: ReadonlyArray<QueueStore.QueueChange>) =>
      Effect.sync(() => {
        for (const key of QueueStore.touchedKeys(changes)) {
          const signal = signals.get(key)
          if (signal !== undefined) {
            signals.delete(key)
            Deferred.unsafeDone(signal, Exit.void)
          }
        }
      })

    /** A step of one action on the system, at the group's instant: its answer and the next value. */
    type Step<A, E> = (system: QueueStore.QueueSystem, now: number) => Either.Either<readonly [A, QueueStore.QueueSystem], E>

    /** A step waiting for its group, and where its outcome goes. */
    interface Waiting {
      readonly step: Step<unknown, unknown>
      readonly answer: (outcome: Exit.Exit<unknown, unknown>) => void
    }
    // The steps submitted since the last group began; the first of them leads the next group.
    let waiting: Array<Waiting> = []
    const groupWait = options.groupWait ?? Effect.yieldNow()

    /**
     * Runs a group of steps against the value in force, under the ref's lock, one after the other in
     * the order they came, each seeing the ones before: their changes together are one store write
     * and one commit, then the new value is put in force, the long polls on the touched queues wake
     * and each step is answered. A step that fails changes nothing and the others go on; a store
     * that fails the write fails every step of the group, none having been stored.
     */
    const runGroup = (group: ReadonlyArray<Waiting>) =>
      Effect.flatMap(
        Effect.exit(modify((held) => {
          const body = (system: QueueStore.QueueSystem, caughtUp: ReadonlyArray<QueueStore.QueueChange>) =>
            Effect.gen(function* () {
              const now = yield* Clock.currentTimeMillis
              let next = system
              const outcomes = group.map(({ step }) => {
                const stepped = step(next, now)
                if (Either.isLeft(stepped)) return Exit.fail(stepped.left)
                next = stepped.right[1]
                return Exit.succeed(stepped.right[0])
              })
              const changes = QueueStore.diff(system, next)
              if (changes.length > 0) yield* store.apply(changes)
              return [[outcomes, [...caughtUp, ...changes]] as const, changes.length > 0 ? QueueStore.settled(system, next) : system] as const
            })
          return shared === undefined ? body(held, []) : shared.exclusive(held, (caughtUp) => body(caughtUp.system, caughtUp.changes))
        })),
        (exit) =>
          Exit.isSuccess(exit)
            ? Effect.zipRight(
              wake(exit.value[1]),
              Effect.sync(() => exit.value[0].forEach((outcome, i) => group[i]!.answer(outcome)))
            )
            : Effect.sync(() => group.forEach(({ answer }) => answer(exit)))
      )

    /**
     * Submits a step to the next group; true when it is the first, whose submitter must then lead
     * the group: wait for `groupWait` (the shell's next turn of the event loop, so the requests read
     * in this turn join it), then run it (`leadGroup`).
     */
    const submit = (waiter: Waiting): boolean => waiting.push(waiter) === 1
    const leadGroup = Effect.zipRight(
      groupWait,
      Effect.suspend(() => {
        const group = waiting
        waiting = []
        return runGroup(group)
      })
    )

    /**
     * Runs one pure step in a group with the others submitted before the group begins. A step once
     * submitted is not interrupted (a long poll that ends mid-receive), so the store and the value
     * stay in step and no caller is answered before its commit.
     */
    const run = <A, E>(step: Step<A, E>): Effect.Effect<A, E | StoreFailure> =>
      Effect.uninterruptible(Effect.suspend(() => {
        const outcome = Deferred.unsafeMake<unknown, unknown>(FiberId.none)
        const leads = submit({ step, answer: (exit) => Deferred.unsafeDone(outcome, exit) })
        const answer = Deferred.await(outcome) as Effect.Effect<A, E | StoreFailure>
        return leads ? Effect.zipRight(leadGroup, answer) : answer
      }))

    /**
     * `run` without a fiber per step: `done` hears the outcome after the group's commit, and a first
     * step leads its group on a fiber of the service's runtime, one for the whole group.
     */
    const runNow = <A, E>(step: Step<A, E>, done: (outcome: Exit.Exit<A, E | StoreFailure>) => void): void => {
      if (submit({ step, answer: done as Waiting["answer"] })) runFork(Effect.uninterruptible(leadGroup))
    }

    /** What other brokers sharing the store committed, put in force; their long polls here wake. */
    const catchUp: Effect.Effect<void, StoreFailure> = shared === undefined
      ? Effect.void
      : Effect.flatMap(
        modify((system) =>
          Effect.map(shared.catchUp(system), (caughtUp) => (caughtUp === undefined ? [[], system] as const : [caughtUp.changes, caughtUp.system] as const))
        ),
        wake
      )

    /** A step on one queue's messages, as a step on the system. */
    const queueStep = <A, E>(
      url: string,
      action: string,
      ctx: RequestContext,
      step: (state: QueueMessages.QueueState, queue: Queue.Queue, now: number) => Either.Either<readonly [A, QueueMessages.QueueState], E>
    ): Step<A, E | QueueDoesNotExist | AccessDenied> =>
    (system, now) =>
      Either.flatMap(queueOf(system, url, action, ctx), (queue) => {
        const key = keyOfQueue(queue)
        return Either.map(step(stateOf(system, key), queue, now), ([result, state]) => [result, withState(system, key, state)] as const)
      })

    /** A step on one queue's messages, run in a group. */
    const onQueue = <A, E>(
      url: string,
      action: string,
      ctx: RequestContext,
      step: (state: QueueMessages.QueueState, queue: Queue.Queue, now: number) => Either.Either<readonly [A, QueueMessages.QueueState], E>
    ) => run(queueStep(url, action, ctx, step))

    const read = <A, E>(f: (system: QueueStore.QueueSystem, now: number) => Either.Either<A, E>) =>
      Effect.flatMap(Effect.zip(inForceNow, Clock.currentTimeMillis), ([system, now]) => f(system, now))

    const senderId = (ctx: RequestContext) => ctx.accountId

    /**
     * A new message's id: a version-7 UUID of the instant, as SNS's are, so the store's index on
     * (queue, message id) grows at its end rather than at a random page per message (RFC 9562 §6.2;
     * docs/PERFORMANCE.md, "Message ids: UUIDv7").
     */
    const newMessageId = Effect.map(Clock.currentTimeMillis, (at) => ids.unsafeUuidV7(at))

    /** DeleteMessage's step. */
    const deleteStep = (queueUrl: string, receiptHandle: string, ctx: RequestContext) =>
      queueStep(queueUrl, "DeleteMessage", ctx, (state, queue, now) =>
        Either.map(QueueMessages.deleteMessage(state, queue, receiptHandle, now), (r) => [undefined, r.state] as const)
      )

    /** SendMessage's step: the queue as the group finds it, the body stored as decided before. */
    const sendStep = (
      queueUrl: string,
      input: SendMessageInput,
      messageId: string,
      ctx: RequestContext,
      storedBody: (() => QueueMessages.QueueBody) | undefined
    ) =>
      queueStep(queueUrl, "SendMessage", ctx, (state, queue, now) =>
        Either.map(QueueMessages.send(state, queue, sendInput(input, messageId, ctx, storedBody?.()), now), (r) => [sendResult(r), r.state] as const)
      )

    /** What the queue model is sent. The body's MD5 is taken here with the `Md5` service unless the caller has it already. */
    const sendInput = (
      input: SendMessageInput,
      messageId: string,
      ctx: RequestContext,
      storedBody: QueueMessages.QueueBody | undefined,
      md5OfMessageBody: string = md5.hex(input.body)
    ): QueueMessages.SendInput =>
      storedBody === undefined
        ? { ...input, messageId, senderId: senderId(ctx), md5OfMessageBody }
        : { ...input, messageId, senderId: senderId(ctx), storedBody, md5OfMessageBody }

    const callerOf = (ctx: RequestContext): KmsCaller => ({ accountId: ctx.accountId, principalArn: ctx.principalArn })

    /**
     * The body's stored form, decided by the queue as it is at the send (docs/SEMANTICS.md §8): under
     * SSE-KMS sealed under a data key of the queue's KMS key, reused per queue, key and sender for
     * KmsDataKeyReusePeriodSeconds, with the key's state and the sender's right checked every time;
     * under SSE-SQS sealed under a data key of the service's own key, reused per queue for 5 minutes;
     * else undefined (stored as sent). A body the model will refuse is not sealed. Answered as a
     * function that seals when the send's step runs, so a group's seals run together
     * (`Encryption.decideSealBody`).
     */
    const storedBodyOf = (
      queue: Queue.Queue,
      body: string,
      messageId: string,
      ctx: RequestContext,
      caller: KmsCaller = callerOf(ctx)
    ): Effect.Effect<(() => QueueMessages.QueueBody) | undefined, QueueKmsFailure> =>
      Effect.flatMap(Clock.currentTimeMillis, (at) => {
        const sealing = sealingOf(queue, body, caller)
        if (sealing === undefined) return Effect.succeed(undefined)
        return Effect.map(
          Encryption.decideSealBody(sealers[sealing.sse], sealing.scope, caller, body, messageId, at),
          (sealNow) => sealedAs(queue, sealing.sse, sealNow)
        )
      })

    /**
     * `storedBodyOf` at once, at `at`: undefined to store the body as sent, the seal to run with the
     * group, or false when the seal's decision has to wait for KMS (`Encryption.sealBodyLater`).
     */
    const storedBodyNow = (
      queue: Queue.Queue,
      body: string,
      messageId: string,
      caller: KmsCaller,
      at: number
    ): (() => QueueMessages.QueueBody) | undefined | false => {
      const sealing = sealingOf(queue, body, caller)
      if (sealing === undefined) return undefined
      const sealLater = Encryption.sealBodyLater(sealers[sealing.sse], sealing.scope, caller, body, messageId, at)
      return sealLater === undefined ? false : sealedAs(queue, sealing.sse, sealLater)
    }

    /**
     * Which of the queue's keys seals a body sent now, and the data key's scope: none when the queue
     * is not encrypted, or the body is one the model refuses (never sealed).
     */
    const sealingOf = (
      queue: Queue.Queue,
      body: string,
      caller: KmsCaller
    ): { readonly sse: "KMS" | "SQS"; readonly scope: DataKeyCache.Scope } | undefined => {
      const config = Queue.settings(queue)
      if (Either.isLeft(QueueMessages.validateBody(body))) return undefined
      if (config.kmsMasterKeyId !== undefined) {
        return {
          sse: "KMS",
          scope: {
            resourceArn: queue.arn,
            kmsKeyId: config.kmsMasterKeyId,
            principalArn: caller.principalArn,
            maxAgeMs: config.kmsDataKeyReusePeriodSeconds * 1000
          }
        }
      }
      if (config.sqsManagedSseEnabled) return { sse: "SQS", scope: { resourceArn: queue.arn, kmsKeyId: QueueKms.OWNED_KEY_ID, principalArn: "" } }
      return undefined
    }

    /** A queue's stored body from a seal to run with the group: the envelope, with the key and queue it was sealed for. */
    const sealedAs = (queue: Queue.Queue, sse: "KMS" | "SQS", sealNow: () => Extract<MessageBody, { _tag: "Sealed" }>) => (): QueueMessages.QueueBody => ({
      _tag: "Sealed",
      sse,
      queueArn: queue.arn,
      envelope: sealNow().envelope
    })

    /**
     * Opens the bodies of received messages: "Amazon SQS decrypts the message only when it is sent to
     * an authorized consumer" (SQS Developer Guide, "Encryption at rest"), here the receiver, whose
     * right to the queue's KMS key KMS checks under SSE-KMS. A message moved to a dead-letter queue
     * stays under its source queue's key and context. A body that does not open under its queue and
     * message id is a corrupted store, a defect.
     */
    const deliver = (
      received: ReadonlyArray<QueueMessages.Received>,
      ctx: RequestContext
    ): Effect.Effect<ReadonlyArray<QueueMessages.Delivered>, QueueKmsFailure> =>
      Effect.flatMap(Clock.currentTimeMillis, (at) =>
        Effect.forEach(received, (r) => {
          const body = r.message.body
          if (typeof body === "string") return Effect.succeed({ message: { ...r.message, body }, receiptHandle: r.receiptHandle })
          return Effect.map(
            Effect.catchTag(
              Encryption.openBody(sealers[body.sse], body.envelope, body.queueArn, callerOf(ctx), r.message.messageId, at),
              "CipherOpenError",
              (error) => Effect.die(error)
            ),
            (text) => ({ message: { ...r.message, body: text }, receiptHandle: r.receiptHandle })
          )
        })
      )

    const sendResult = (r: QueueMessages.SendResult): SendMessageResult => ({
      messageId: r.messageId,
      md5OfMessageBody: r.md5OfMessageBody,
      md5OfMessageAttributes: r.md5OfMessageAttributes,
      sequenceNumber: r.sequenceNumber
    })

    /**
     * One receive now. Messages past maxReceiveCount move to the dead-letter queue in the same step;
     * while the dead-letter queue does not exist, nothing moves and they are received as usual.
     */
    const receiveNow = (url: string, input: QueueMessages.ReceiveInput, ctx: RequestContext) =>
      run((system, now) =>
        Either.gen(function* () {
          const queue = yield* queueOf(system, url, "ReceiveMessage", ctx)
          const key = keyOfQueue(queue)
          const policy = Queue.settings(queue).redrivePolicy
          const deadLetterQueue = policy === undefined ? undefined : Queue.lookupArn(system.directory, policy.deadLetterTargetArn)
          const { RedrivePolicy: _, ...withoutRedrive } = queue.attributes
          const effective = policy !== undefined && deadLetterQueue === undefined ? { ...queue, attributes: withoutRedrive } : queue
          const r = yield* QueueMessages.receive(stateOf(system, key), effective, input, now)
          let next = withState(system, key, r.state)
          if (deadLetterQueue !== undefined && r.redriven.length > 0) {
            const dlqKey = keyOfQueue(deadLetterQueue)
            next = withState(next, dlqKey, QueueMessages.acceptRedriven(stateOf(next, dlqKey), deadLetterQueue, r.redriven, now))
          }
          return [r.messages, next] as const
        })
      )

    /** The queue a topic delivers into, if it exists and (unless lenient) its policy lets the topic send. */
    const topicTarget = (system: QueueStore.QueueSystem, delivery: TopicDelivery): Either.Either<Queue.Queue, QueueDoesNotExist | AccessDenied> => {
      const queue = Queue.lookupArn(system.directory, delivery.queueArn)
      if (queue === undefined) return Either.left(new QueueDoesNotExist({ message: `queue ${delivery.queueArn} does not exist` }))
      if (delivery.checkQueuePolicy && !QueuePolicy.allowsTopic(queue, Queue.policyOf(system.directory, queue), delivery.topicArn, delivery.topicAccountId)) {
        return Either.left(
          new AccessDenied({
            message: `queue ${queue.arn}'s policy does not allow ${QueuePolicy.SNS_PRINCIPAL} to SendMessage for topic ${delivery.topicArn}`
          })
        )
      }
      return Either.right(queue)
    }

    /**
     * A KMS refusal of SNS's write, in words that say what to change: the key policy must let
     * `sns.amazonaws.com` use the key, which the AWS managed `alias/aws/sqs` never can (SQS Developer
     * Guide, "Key management").
     */
    const explainKeyRefusal = (queue: Queue.Queue, failure: QueueKmsFailure): QueueKmsFailure => {
      const keyId = Queue.settings(queue).kmsMasterKeyId ?? QueueKms.OWNED_KEY_ID
      const managed = keyId === QueueKms.MANAGED_ALIAS || keyId.endsWith(`:${QueueKms.MANAGED_ALIAS}`)
      const why = managed
        ? `queue ${queue.arn} is encrypted under the AWS managed key ${QueueKms.MANAGED_ALIAS}, whose policy cannot be changed to let ${QueuePolicy.SNS_PRINCIPAL} use it; encrypt the queue under a customer managed key whose policy does`
        : failure._tag === "KmsAccessDenied"
        ? `queue ${queue.arn}'s KMS key ${keyId} does not let ${QueuePolicy.SNS_PRINCIPAL} use it (kms:GenerateDataKey*, kms:Decrypt) for topic messages`
        : `queue ${queue.arn}'s KMS key ${keyId} cannot be used`
      return queueKmsFailure(failure._tag, `${why}: ${failure.message}`)
    }
    /**
     * A topic's write made ready outside the lock, against `system` as it is then: its queue, its
     * message id, its body's seal decided and its body's MD5 from `md5Of`, and what the queue is
     * sent as a function the group's step runs (sealing the body then).
     */
    const prepareDelivery = (delivery: TopicDelivery, system: QueueStore.QueueSystem, md5Of: (body: string) => string) =>
      Effect.gen(function* () {
        const messageId = yield* newMessageId
        const queue = yield* topicTarget(system, delivery)
        const ctx: RequestContext = { accountId: delivery.topicAccountId, principalArn: QueuePolicy.SNS_PRINCIPAL, region: queue.region, transport: "https", auth: "sigv4" }
        const caller: KmsCaller = {
          accountId: queue.accountId,
          principalArn: QueuePolicy.SNS_PRINCIPAL,
          service: { principal: QueuePolicy.SNS_PRINCIPAL, sourceArn: delivery.topicArn, sourceAccount: delivery.topicAccountId }
        }
        const storedBody = yield* Effect.mapError(storedBodyOf(queue, delivery.body, messageId, ctx, caller), (failure) => explainKeyRefusal(queue, failure))
        const digest = md5Of(delivery.body)
        // Group and deduplication ids mean something only to a FIFO queue; a FIFO topic may feed a standard one.
        const input: SendMessageInput = {
          body: delivery.body,
          attributes: delivery.attributes,
          delaySeconds: undefined,
          messageGroupId: queue.fifo ? delivery.messageGroupId : undefined,
          messageDeduplicationId: queue.fifo ? delivery.messageDeduplicationId : undefined
        }
        // What the queue is sent, made when the group's step runs (the body sealed then).
        return { queue, send: () => sendInput(input, messageId, ctx, storedBody?.(), digest) }
      })

    /**
     * Under the lock each write is checked again against its queue as it is now (deleted, or its
     * policy changed, since it was prepared) and sent in turn, so a later one sees the earlier ones
     * (a FIFO queue's deduplication); one that fails leaves the others as they are. The check is a
     * function of the queue directory alone: while the directory is the one the writes were
     * prepared against, the queue each found then is its answer still.
     */
    const deliverFromTopics = (
      deliveries: ReadonlyArray<TopicDelivery>
    ): Effect.Effect<ReadonlyArray<Either.Either<SendMessageResult, SqsError>>, StoreFailure> => {
      // A message fanned out to several queues is one text, hashed once (docs/PERFORMANCE.md, "SNS →
      // SQS: one MD5 per message").
      const digests = new Map<string, string>()
      const md5Of = (body: string) => {
        const known = digests.get(body)
        if (known !== undefined) return known
        const digest = md5.hex(body)
        digests.set(body, digest)
        return digest
      }
      return Effect.flatMap(inForceNow, (preparedIn) =>
        Effect.flatMap(Effect.forEach(deliveries, (delivery) => Effect.either(prepareDelivery(delivery, preparedIn, md5Of))), (prepared) =>
          run((system, now) => {
            const sameDirectory = system.directory === preparedIn.directory
            let states: QueueStates | undefined
            const answers = prepared.map((ready, i) =>
              Either.flatMap(ready, ({ queue, send }) =>
                Either.flatMap(sameDirectory ? Either.right(queue) : topicTarget(system, deliveries[i]!), (target) => {
                  const key = keyOfQueue(target)
                  const sent = QueueMessages.send((states ?? system.states).get(key) ?? QueueMessages.empty(), target, send(), now)
                  return Either.map(sent, (r) => {
                    states = QueueStates.from(states ?? system.states).set(key, r.state)
                    return sendResult(r)
                  })
                })
              )
            )
            return Either.right([answers, states === undefined ? system : { ...system, states }] as const)
          })
        )
      )
    }

    // The move driver's wake-up: replaced at each step, completed by a start or a cancel.
    let moveSignal = Deferred.unsafeMake<void>(FiberId.none)
    const nudgeMoves = Effect.sync(() => Deferred.unsafeDone(moveSignal, Exit.void))
    const moveStep = Effect.gen(function* () {
      const signal = Deferred.unsafeMake<void>(FiberId.none)
      moveSignal = signal
      const nextAt = yield* run((system, now) => {
        const advanced = MessageMoves.advance(system, now)
        return Either.right([advanced.nextAt, advanced.system] as const)
      })
      const now = yield* Clock.currentTimeMillis
      yield* nextAt === undefined
        ? Deferred.await(signal)
        : Effect.raceFirst(Deferred.await(signal), Effect.sleep(Duration.millis(Math.max(0, nextAt - now))))
    }).pipe(
      // A store that fails a step is tried again a second later; the tasks stay as stored.
      Effect.catchAll((error) => Effect.zipRight(Effect.logWarning(`Message move tasks wait: ${error.message}`), Effect.sleep(Duration.seconds(1))))
    )

    const service: SqsService = {
      createQueue: (input, ctx) =>
        run((system, now) =>
          Either.gen(function* () {
            const owner = { accountId: ctx.accountId, region: ctx.region, origin: options.origin() }
            const created = yield* Queue.createQueue(system.directory, { name: input.name, attributes: input.attributes }, owner, now)
            if (!created.created) return [{ queueUrl: urlOf(created.queue) }, system] as const
            const queue = Object.keys(input.tags).length > 0 ? yield* Queue.tag(created.queue, input.tags) : created.queue
            const next = withState({ ...system, directory: Queue.updateQueue(created.directory, queue) }, keyOfQueue(queue), QueueMessages.empty())
            return [{ queueUrl: urlOf(queue) }, next] as const
          })
        ),

      getQueueUrl: (input, ctx) =>
        read((system) =>
          Either.map(
            Either.flatMap(Queue.getQueueUrl(system.directory, input.queueOwnerAccountId ?? ctx.accountId, input.queueName), (queue) =>
              QueuePolicy.authorize(queue, Queue.policyOf(system.directory, queue), "GetQueueUrl", ctx)
            ),
            (queue) => ({ queueUrl: urlOf(queue) })
          )
        ),

      catchUp,

      listQueues: (input, ctx) =>
        read((system) =>
          Either.map(Queue.listQueues(system.directory, ctx.accountId, input), (page) => ({
            queueUrls: page.queues.map(urlOf),
            nextToken: page.nextToken
          }))
        ),

      deleteQueue: (queueUrl, ctx) =>
        run((system, now) =>
          Either.gen(function* () {
            const queue = yield* queueOf(system, queueUrl, "DeleteQueue", ctx)
            const deleted = yield* Queue.deleteQueue(system.directory, queueUrl, now)
            const states = new Map(system.states)
            states.delete(keyOfQueue(queue))
            return [undefined, { directory: deleted.directory, states }] as const
          })
        ),

      getQueueAttributes: (queueUrl, attributeNames, ctx) =>
        read((system, now) =>
          Either.gen(function* () {
            const queue = yield* queueOf(system, queueUrl, "GetQueueAttributes", ctx)
            for (const name of attributeNames) {
              if (!KNOWN_ATTRIBUTE_NAMES.includes(name)) return yield* Either.left(new InvalidAttributeName({ message: `Unknown Attribute ${name}.` }))
            }
            const all = Queue.describe(queue, QueueMessages.counts(QueueMessages.expire(stateOf(system, keyOfQueue(queue)), queue, now), now))
            if (attributeNames.includes("All")) return all
            const out: Record<string, string> = {}
            for (const name of attributeNames) if (all[name] !== undefined) out[name] = all[name]
            return out
          })
        ),

      setQueueAttributes: (queueUrl, attributes, ctx) =>
        run((system, now) =>
          Either.gen(function* () {
            yield* queueOf(system, queueUrl, "SetQueueAttributes", ctx)
            const set = yield* Queue.setQueueAttributes(system.directory, queueUrl, attributes, now)
            return [undefined, { ...system, directory: set.directory }] as const
          })
        ),

      sendMessage: (queueUrl, input, ctx) =>
        Effect.gen(function* () {
          const messageId = yield* newMessageId
          const storedBody = yield* storedBodyOf(yield* read((system) => queueOf(system, queueUrl, "SendMessage", ctx)), input.body, messageId, ctx)
          return yield* run(sendStep(queueUrl, input, messageId, ctx, storedBody))
        }),

      // SendMessage's hot path: the queue, the caller's right and the seal's decision read at once,
      // the send's step then waits for its group's commit with a callback, no fiber of its own
      // (docs/PERFORMANCE.md, "SendMessage without a fiber"). Any refusal goes `sendMessage`'s way.
      sendMessageNow: (queueUrl, input, ctx, done) => {
        const at = clock.unsafeCurrentTimeMillis()
        const queue = queueOf(inForce, queueUrl, "SendMessage", ctx)
        if (Either.isLeft(queue)) return false
        const messageId = ids.unsafeUuidV7(at)
        const storedBody = storedBodyNow(queue.right, input.body, messageId, callerOf(ctx), at)
        if (storedBody === false) return false
        runNow(sendStep(queueUrl, input, messageId, ctx, storedBody), done)
        return true
      },

      sendMessageBatch: (queueUrl, entries, ctx) =>
        Effect.gen(function* () {
          yield* validateBatch(entries, "SendMessageBatchRequestEntry")
          const bytes = entries.reduce((sum, e) => sum + utf8Length(e.body) + attributeBytes(e.attributes), 0)
          if (bytes > MAX_BATCH_BYTES) {
            return yield* Effect.fail(
              new BatchRequestTooLong({ message: `Batch requests cannot be longer than ${MAX_BATCH_BYTES} bytes. You have sent ${bytes} bytes.` })
            )
          }
          const messageIds = yield* Effect.forEach(entries, () => newMessageId)
          const queue = yield* read((system) => queueOf(system, queueUrl, "SendMessage", ctx))
          const storedBodies = yield* Effect.forEach(entries, (entry, i) => Effect.either(storedBodyOf(queue, entry.body, messageIds[i]!, ctx)))
          // SendMessageBatch lists the Kms* errors for the action: a key unusable before it sealed any
          // of the batch fails the request. One that fails part way (disabled between two entries)
          // fails the entries it did not seal, each with its own error, and the others are sent.
          const firstRefusal = storedBodies.findIndex(Either.isLeft)
          const refusal = storedBodies[firstRefusal]
          if (refusal !== undefined && Either.isLeft(refusal) && !storedBodies.slice(0, firstRefusal).some((b) => Either.getOrUndefined(b) !== undefined)) {
            return yield* Effect.fail(refusal.left)
          }
          return yield* onQueue(queueUrl, "SendMessage", ctx, (initial, queue, now) => {
            let state = initial
            const successful: Array<{ readonly id: string; readonly result: SendMessageResult }> = []
            const failed: Array<{ readonly id: string; readonly error: SqsError }> = []
            entries.forEach((entry, i) => {
              const sealing = storedBodies[i]!
              if (Either.isLeft(sealing)) {
                failed.push({ id: entry.id, error: sealing.left })
                return
              }
              const sent = QueueMessages.send(state, queue, sendInput(entry, messageIds[i]!, ctx, sealing.right?.()), now)
              if (Either.isLeft(sent)) failed.push({ id: entry.id, error: sent.left })
              else {
                state = sent.right.state
                successful.push({ id: entry.id, result: sendResult(sent.right) })
              }
            })
            return Either.right([{ successful, failed }, state] as const)
          })
        }),

      receiveMessage: (queueUrl, input, ctx) =>
        Effect.gen(function* () {
          yield* QueueMessages.validateReceive({ ...input, nonce: "-" })
          const start = yield* Clock.currentTimeMillis
          const first = yield* read((system) => queueOf(system, queueUrl, "ReceiveMessage", ctx))
          const deadline = start + (input.waitTimeSeconds ?? Queue.settings(first).receiveMessageWaitTimeSeconds) * 1000
          const key = keyOfQueue(first)
          while (true) {
            const signal = yield* signalOf(key)
            const [readiness, now] = yield* read((system, at) =>
              Either.map(queueOf(system, queueUrl, "ReceiveMessage", ctx), (q) => [QueueMessages.readiness(stateOf(system, key), q, at, input.receiveRequestAttemptId), at] as const)
            )
            if (readiness._tag === "Ready") {
              const nonce = HEX(yield* ids.randomBytes(16))
              const received = yield* receiveNow(queueUrl, { ...input, nonce }, ctx)
              if (received.length > 0) return yield* deliver(received, ctx)
            }
            if (now >= deadline) return []
            // A receive that found nothing (another took the messages, or they moved to the
            // dead-letter queue) asks again at once; otherwise wait for a change or the next instant.
            if (readiness._tag !== "Ready") {
              const until = readiness._tag === "WaitUntil" ? Math.min(readiness.at, deadline) : deadline
              yield* Effect.raceFirst(Deferred.await(signal), Effect.sleep(Duration.millis(until - now)))
            }
          }
        }),

      deleteMessage: (queueUrl, receiptHandle, ctx) => run(deleteStep(queueUrl, receiptHandle, ctx)),

      deleteMessageNow: (queueUrl, receiptHandle, ctx, done) => {
        if (Either.isLeft(queueOf(inForce, queueUrl, "DeleteMessage", ctx))) return false
        runNow(deleteStep(queueUrl, receiptHandle, ctx), done)
        return true
      },

      deleteMessageBatch: (queueUrl, entries, ctx) =>
        Effect.zipRight(
          validateBatch(entries, "DeleteMessageBatchRequestEntry"),
          onQueue(queueUrl, "DeleteMessage", ctx, (initial, queue, now) => {
            let state = initial
            const successful: Array<{ readonly id: string; readonly result: void }> = []
            const failed: Array<{ readonly id: string; readonly error: SqsError }> = []
            for (const entry of entries) {
              const deleted = QueueMessages.deleteMessage(state, queue, entry.receiptHandle, now)
              if (Either.isLeft(deleted)) failed.push({ id: entry.id, error: deleted.left })
              else {
                state = deleted.right.state
                successful.push({ id: entry.id, result: undefined })
              }
            }
            return Either.right([{ successful, failed }, state] as const)
          })
        ),

      changeMessageVisibility: (queueUrl, receiptHandle, visibilityTimeout, ctx) =>
        onQueue(queueUrl, "ChangeMessageVisibility", ctx, (state, queue, now) =>
          Either.map(QueueMessages.changeVisibility(state, queue, receiptHandle, visibilityTimeout, now), (r) => [undefined, r.state] as const)
        ),

      changeMessageVisibilityBatch: (queueUrl, entries, ctx) =>
        Effect.zipRight(
          validateBatch(entries, "ChangeMessageVisibilityBatchRequestEntry"),
          onQueue(queueUrl, "ChangeMessageVisibility", ctx, (initial, queue, now) => {
            let state = initial
            const successful: Array<{ readonly id: string; readonly result: void }> = []
            const failed: Array<{ readonly id: string; readonly error: SqsError }> = []
            for (const entry of entries) {
              const changed = QueueMessages.changeVisibility(state, queue, entry.receiptHandle, entry.visibilityTimeout, now)
              if (Either.isLeft(changed)) failed.push({ id: entry.id, error: changed.left })
              else {
                state = changed.right.state
                successful.push({ id: entry.id, result: undefined })
              }
            }
            return Either.right([{ successful, failed }, state] as const)
          })
        ),

      purgeQueue: (queueUrl, ctx) =>
        onQueue(queueUrl, "PurgeQueue", ctx, (state, queue, now) => Either.map(QueueMessages.purge(state, queue, now), (next) => [undefined, next] as const)),

      tagQueue: (queueUrl, tags, ctx) =>
        run((system) =>
          Either.gen(function* () {
            const queue = yield* Queue.tag(yield* queueOf(system, queueUrl, "TagQueue", ctx), tags)
            return [undefined, { ...system, directory: Queue.updateQueue(system.directory, queue) }] as const
          })
        ),

      untagQueue: (queueUrl, keys, ctx) =>
        run((system) =>
          Either.gen(function* () {
            const queue = yield* Queue.untag(yield* queueOf(system, queueUrl, "UntagQueue", ctx), keys)
            return [undefined, { ...system, directory: Queue.updateQueue(system.directory, queue) }] as const
          })
        ),

      listQueueTags: (queueUrl, ctx) => read((system) => Either.map(queueOf(system, queueUrl, "ListQueueTags", ctx), (queue) => queue.tags)),

      listDeadLetterSourceQueues: (queueUrl, input, ctx) =>
        read((system) =>
          Either.gen(function* () {
            const queue = yield* queueOf(system, queueUrl, "ListDeadLetterSourceQueues", ctx)
            const page = yield* Queue.deadLetterSources(system.directory, queue, input)
            return { queueUrls: page.queues.map(urlOf), nextToken: page.nextToken }
          })
        ),

      addPermission: (queueUrl, input, ctx) =>
        run((system, now) =>
          Either.gen(function* () {
            const policy = yield* QueuePolicy.addPermission(yield* queueOf(system, queueUrl, "AddPermission", ctx), input)
            const set = yield* Queue.setQueueAttributes(system.directory, queueUrl, { Policy: policy }, now)
            return [undefined, { ...system, directory: set.directory }] as const
          })
        ),

      deliverFromTopic: (delivery) => Effect.flatMap(deliverFromTopics([delivery]), ([answer]) => answer!),

      deliverFromTopics,

      removePermission: (queueUrl, label, ctx) =>
        run((system, now) =>
          Either.gen(function* () {
            const policy = yield* QueuePolicy.removePermission(yield* queueOf(system, queueUrl, "RemovePermission", ctx), label)
            const set = yield* Queue.setQueueAttributes(system.directory, queueUrl, { Policy: policy }, now)
            return [undefined, { ...system, directory: set.directory }] as const
          })
        ),

      startMessageMoveTask: (input, ctx) =>
        Effect.gen(function* () {
          const taskId = yield* ids.uuid
          const task = yield* run((system, now) =>
            Either.map(MessageMoves.start(system, input, ctx.accountId, taskId, now), (started) => [started.task, started.system] as const)
          )
          yield* nudgeMoves
          return { taskHandle: MessageMoveTask.encodeHandle(task) }
        }),

      listMessageMoveTasks: (input, ctx) => read((system) => MessageMoves.list(system, input, ctx.accountId)),

      cancelMessageMoveTask: (taskHandle, ctx) =>
        Effect.gen(function* () {
          const task = yield* run((system) =>
            Either.map(MessageMoves.cancel(system, taskHandle, ctx.accountId), (cancelled) => [cancelled.task, cancelled.system] as const)
          )
          yield* nudgeMoves
          return { approximateNumberOfMessagesMoved: task.moved }
        })
    }
    yield* Effect.forkScoped(Effect.forever(moveStep))
    return service
  })

/**
 * @category layers
 */
export const layer = (options: SqsOptions): Layer.Layer<Sqs, StoreFailure, QueueStore.QueueStore | Ids | QueueKms.QueueKms | Cipher | MessageDigest.Md5> =>
  Layer.scoped(Sqs, make(options))
