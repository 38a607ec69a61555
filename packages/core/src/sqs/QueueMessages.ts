/**
 * The messages of one queue as one immutable value, and every message action as a pure function
 * `(state, queue, input, now) -> Either<error, result>`: SendMessage, ReceiveMessage,
 * ChangeMessageVisibility, DeleteMessage, PurgeQueue, retention, redrive to a dead-letter queue, and
 * the decision a long poll waits on (SQS API Reference for each action; Developer Guide, "Amazon SQS
 * visibility timeout", "Amazon SQS message retention", "Amazon SQS dead-letter queues", "Amazon SQS
 * FIFO queues").
 *
 * Ids and the randomness of receipt handles come in with the input; nothing here reads a clock.
 *
 * @since 0.1.0
 */
import { Either } from "effect"
import * as Fifo from "../Fifo.js"
import type { Envelope, MessageAttributes } from "../Message.js"
import type { MoveTask } from "./MessageMoveTask.js"
import { attributeBytes, isSnsNumber, utf8Length, validateName as validateAttributeName } from "../MessageAttributes.js"
import * as MessageDigest from "./MessageDigest.js"
import { MessageMap } from "./MessageMap.js"
import type { Counts, Queue } from "./Queue.js"
import { settings } from "./Queue.js"
import {
  InvalidMessageContents,
  InvalidParameterValue,
  invalidValue,
  type MissingParameter,
  missingParameter,
  PurgeQueueInProgress,
  type ReceiptHandleIsInvalid
} from "./QueueErrors.js"
import * as ReceiptHandle from "./ReceiptHandle.js"

/**
 * A body as stored: the text, or its envelope when the queue sealed it at send (SSE-KMS under the
 * queue's KMS key, SSE-SQS under the service's own; docs/SEMANTICS.md §8). A message keeps the form
 * it was sent in: turning encryption on or off touches no stored message.
 *
 * @category models
 */
export type QueueBody =
  | string
  | {
    readonly _tag: "Sealed"
    readonly sse: "KMS" | "SQS"
    /** The queue it was sealed for, which its encryption context names; a redriven message keeps it. */
    readonly queueArn: string
    readonly envelope: Envelope
  }

/**
 * One message in a queue.
 *
 * @category models
 */
export interface QueueMessage {
  readonly messageId: string
  readonly body: QueueBody
  readonly attributes: MessageAttributes
  readonly md5OfMessageBody: string
  readonly md5OfMessageAttributes: string | undefined
  readonly senderId: string
  /** SentTimestamp, epoch milliseconds. */
  readonly sentAt: number
  /** When retention counts from: the send, or the move into a FIFO dead-letter queue. */
  readonly enqueuedAt: number
  /** When the message may next be received: the end of its delay or of its visibility timeout. */
  readonly visibleAt: number
  readonly receiveCount: number
  readonly firstReceivedAt: number | undefined
  /** The latest receive: its handle and instant. Only this handle deletes the message. */
  readonly lastReceive: { readonly handle: string; readonly at: number } | undefined
  readonly groupId: string | undefined
  readonly deduplicationId: string | undefined
  readonly sequenceNumber: string | undefined
  /**
   * DeadLetterQueueSourceArn: the queue a redrive moved it from, where a message move task without a
   * destination returns it. Absent on a message sent to this queue.
   */
  readonly deadLetterSourceArn?: string
}

/**
 * One ReceiveMessage of a FIFO queue made with a ReceiveRequestAttemptId: what it returned.
 *
 * @category models
 */
export interface ReceiveAttempt {
  readonly at: number
  readonly entries: ReadonlyArray<{ readonly messageId: string; readonly handle: string; readonly visibleAt: number }>
}

/**
 * A queue's messages and the state its rules keep.
 *
 * @category models
 */
export interface QueueState {
  /**
   * In the order they were sent (for a FIFO queue, the order of their sequence numbers). The actions
   * below answer a `MessageMap` and take any map (a plain one is indexed first).
   */
  readonly messages: ReadonlyMap<string, QueueMessage>
  /** FIFO: the deduplication ids inside the window and the last sequence number. */
  readonly fifo: Fifo.FifoState
  /** FIFO: recent receives by ReceiveRequestAttemptId. */
  readonly receiveAttempts: ReadonlyMap<string, ReceiveAttempt>
  readonly lastPurgeAt: number | undefined
  /** The queue's message movement tasks as a source, the most recent first, at most ten. */
  readonly moveTasks: ReadonlyArray<MoveTask>
  /**
   * The messages an action put or removed, counted from the map the store holds, so that the store
   * writes those and walks nothing else (`QueueStore.diff`). Undefined once the store has them.
   */
  readonly edits: MessageEdits | undefined
}

/**
 * How `messages` was made from `base`: only the messages with these ids differ (put, replaced or gone).
 *
 * @category models
 */
export interface MessageEdits {
  readonly base: ReadonlyMap<string, QueueMessage>
  readonly ids: ReadonlySet<string>
}

export const empty = (): QueueState => ({
  messages: MessageMap.empty(),
  fifo: Fifo.empty(),
  receiveAttempts: new Map(),
  lastPurgeAt: undefined,
  moveTasks: [],
  edits: undefined
})

/**
 * `state` with `messages`, a map made from `state.messages` by changing the messages of `ids`, the
 * edits recorded against the map the edits began from.
 */
const withMessages = (state: QueueState, messages: ReadonlyMap<string, QueueMessage>, ids: Iterable<string>): QueueState => {
  const all = new Set(state.edits?.ids)
  for (const id of ids) all.add(id)
  return { ...state, messages, edits: { base: state.edits?.base ?? state.messages, ids: all } }
}

/**
 * `state` with its messages as a `MessageMap` advanced to `now`. The messages are the same, so the
 * edits record no id; they record the base, so the store still finds the action's changes without a
 * walk (`QueueStore.diff`).
 */
const indexed = (state: QueueState, now: number): QueueState & { readonly messages: MessageMap } => {
  const messages = MessageMap.from(state.messages).advance(now)
  return messages === state.messages ? (state as QueueState & { readonly messages: MessageMap }) : { ...withMessages(state, messages, []), messages }
}

/**
 * The state as stored: its edits dropped, once the store has written them.
 *
 * @category constructors
 */
export const settled = (state: QueueState): QueueState => (state.edits === undefined ? state : { ...state, edits: undefined })

/** "The maximum is 12 hours" for a visibility timeout, in seconds. */
export const MAX_VISIBILITY_TIMEOUT = 43_200

/** ReceiveMessage's MaxNumberOfMessages: "Valid values: 1 to 10. Default: 1." */
export const MAX_RECEIVE = 10

/** ReceiveMessage's WaitTimeSeconds: at most 20. */
export const MAX_WAIT_SECONDS = 20

/** "The maximum number of message attributes per message is 10" (Developer Guide, "Amazon SQS message quotas"). */
export const MAX_ATTRIBUTES = 10

/** "You can use ReceiveRequestAttemptId only for 5 minutes after a ReceiveMessage action." */
export const RECEIVE_ATTEMPT_WINDOW_MS = 5 * 60 * 1000

/** "Only one PurgeQueue operation … is allowed every 60 seconds." */
export const PURGE_INTERVAL_MS = 60_000

// ---------------------------------------------------------------------------------------------------
// States of a message.

/**
 * Received and neither deleted nor back to visible: "in flight".
 *
 * @category predicates
 */
export const isInflight = (m: QueueMessage, now: number): boolean => m.lastReceive !== undefined && m.visibleAt > now

/**
 * Sent with a delay that has not passed, never received.
 *
 * @category predicates
 */
export const isDelayed = (m: QueueMessage, now: number): boolean => m.lastReceive === undefined && m.visibleAt > now

/**
 * ApproximateNumberOfMessages, …NotVisible and …Delayed, counted exactly.
 *
 * @category getters
 */
export const counts = (state: QueueState, now: number): Counts => MessageMap.from(state.messages).advance(now).counts(now)

/**
 * Retention: "Amazon SQS automatically deletes messages that have been in a queue for more than the
 * maximum message retention period", in flight or not, and a lowered MessageRetentionPeriod applies
 * to the messages already there. Every action below applies it first.
 *
 * @category rules
 */
export const expire = (state: QueueState, queue: Queue, now: number): QueueState & { readonly messages: MessageMap } => {
  const retentionMs = settings(queue).messageRetentionPeriod * 1000
  const current = indexed(state, now)
  let messages = current.messages
  const expired: Array<string> = []
  // The oldest first: the walk stops at the first message still within its retention.
  for (let m = messages.oldestEnqueued(); m !== undefined && now - m.enqueuedAt >= retentionMs; m = messages.oldestEnqueued()) {
    messages = messages.delete(m.messageId)
    expired.push(m.messageId)
  }
  return expired.length === 0 ? current : { ...withMessages(current, messages, expired), messages }
}

/**
 * What an action that changes nothing answers: `state` itself when retention took no message from
 * it, so its caller sees the value it gave (`current` differs only in its index's instant).
 */
const unchanged = (state: QueueState, current: QueueState): QueueState => (current.messages.size === state.messages.size ? state : current)

// ---------------------------------------------------------------------------------------------------
// SendMessage.

/**
 * "A message can include only XML, JSON, and unformatted text. The following Unicode characters are
 * allowed: #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF" (SendMessage,
 * MessageBody). With the `u` flag a lone surrogate is a code point of its own, outside every range.
 */
const ALLOWED_TEXT = /^[\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u

/**
 * @category validation
 */
export const validateBody = (body: string): Either.Either<string, InvalidMessageContents | MissingParameter> => {
  if (body === "") return Either.left(missingParameter("MessageBody"))
  return ALLOWED_TEXT.test(body)
    ? Either.right(body)
    : Either.left(
        new InvalidMessageContents({
          message: "Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF"
        })
      )
}

const DATA_TYPE = /^(String|Number|Binary)(\..{1,250})?$/

/**
 * Message attributes as SQS takes them (Developer Guide, "Message attribute components" and "Message
 * attribute data types"): at most 10; names as SNS has them; the types String, Number and Binary,
 * each with an optional custom label; values non-empty, numbers of up to 38 digits between 10^-128 and
 * 10^126, strings in the body's character set.
 *
 * @category validation
 */
export const validateAttributes = (
  attributes: MessageAttributes
): Either.Either<MessageAttributes, InvalidParameterValue> => {
  const bad = (message: string) => Either.left(new InvalidParameterValue({ message }))
  const names = Object.keys(attributes)
  if (names.length > MAX_ATTRIBUTES) {
    return bad(`Number of message attributes [${names.length}] exceeds the allowed maximum [${MAX_ATTRIBUTES}].`)
  }
  for (const name of names) {
    const named = validateAttributeName(name)
    if (Either.isLeft(named)) return bad(named.left.message)
    const value = attributes[name]!
    const type = DATA_TYPE.exec(value.dataType)
    if (type === null) return bad(`The type of message (user) attribute '${name}' is invalid. You must use only the following supported type prefixes: Binary, Number, String.`)
    const isBinary = type[1] === "Binary"
    if (isBinary !== (value.binaryValue !== undefined)) {
      return bad(`Message (user) attribute '${name}' must contain a non-empty ${isBinary ? "binary" : "string"} value of type '${value.dataType}'.`)
    }
    const empty = value.binaryValue !== undefined ? value.binaryValue.length === 0 : value.stringValue === ""
    if (empty) return bad(`Message (user) attribute '${name}' must contain a non-empty value of type '${value.dataType}'.`)
    if (value.stringValue !== undefined) {
      if (type[1] === "Number" && !isSnsNumber(value.stringValue)) return bad(`Can't cast the value of message (user) attribute '${name}' to a number.`)
      if (!ALLOWED_TEXT.test(value.stringValue)) return bad(`Message (user) attribute '${name}' value contains invalid characters.`)
    }
  }
  return Either.right(attributes)
}

const ID_CHARS = /^[\x21-\x7e]{1,128}$/

const validateFifoId = (parameter: string, id: string): Either.Either<string, InvalidParameterValue> =>
  ID_CHARS.test(id)
    ? Either.right(id)
    : Either.left(invalidValue(parameter, id, `${parameter} can only include alphanumeric and punctuation characters. 1 to 128 in length.`))

const NOT_FOR_THIS_QUEUE = "The request include parameter that is not valid for this queue type."

/**
 * The input of SendMessage, decoded from the wire, with the id the shell drew for it.
 *
 * @category models
 */
export interface SendInput {
  readonly body: string
  readonly attributes: MessageAttributes
  readonly delaySeconds: number | undefined
  readonly messageGroupId: string | undefined
  readonly messageDeduplicationId: string | undefined
  readonly messageId: string
  /** SenderId: the caller's account or principal id. */
  readonly senderId: string
  /** The body as it is to be stored when not `body` itself: its sealed form. */
  readonly storedBody?: QueueBody
  /** The MD5 of `body` when the caller has it: the SQS service hashes with its `Md5`, one text sent to several queues once. */
  readonly md5OfMessageBody?: string
}

/**
 * @category models
 */
export interface SendResult {
  readonly messageId: string
  readonly md5OfMessageBody: string
  readonly md5OfMessageAttributes: string | undefined
  readonly sequenceNumber: string | undefined
  /** FIFO: the deduplication id was seen inside the window; nothing was added. */
  readonly duplicate: boolean
  readonly state: QueueState
}

/**
 * SendMessage. A standard queue takes a per-message DelaySeconds (0 to 900) that overrides the
 * queue's; a FIFO queue takes none ("FIFO queues don't support per-message delays, only per-queue
 * delays"), needs a MessageGroupId, and a MessageDeduplicationId unless ContentBasedDeduplication is
 * on, when the id is the SHA-256 of the body. With `DeduplicationScope=messageGroup` a deduplication
 * id is unique within its group. A duplicate inside the 5-minute window is accepted and answered with
 * the first message's id and sequence number, and is not delivered (Developer Guide, "Exactly-once
 * processing in Amazon SQS"). Body and attributes together count against MaximumMessageSize.
 *
 * @category actions
 */
export const send = (
  state: QueueState,
  queue: Queue,
  input: SendInput,
  now: number
): Either.Either<SendResult, InvalidParameterValue | InvalidMessageContents | MissingParameter> =>
  Either.gen(function* () {
    const config = settings(queue)
    yield* validateBody(input.body)
    yield* validateAttributes(input.attributes)
    const size = utf8Length(input.body) + attributeBytes(input.attributes)
    if (size > config.maximumMessageSize) {
      return yield* Either.left(
        new InvalidParameterValue({
          message: `One or more parameters are invalid. Reason: Message must be shorter than ${config.maximumMessageSize} bytes.`
        })
      )
    }
    if (input.delaySeconds !== undefined) {
      if (queue.fifo) return yield* Either.left(invalidValue("DelaySeconds", String(input.delaySeconds), NOT_FOR_THIS_QUEUE))
      if (!Number.isInteger(input.delaySeconds) || input.delaySeconds < 0 || input.delaySeconds > 900) {
        return yield* Either.left(invalidValue("DelaySeconds", String(input.delaySeconds), "DelaySeconds must be >= 0 and <= 900"))
      }
    }
    if (input.messageGroupId !== undefined) yield* validateFifoId("MessageGroupId", input.messageGroupId)
    const current = expire(state, queue, now)
    const md5OfMessageBody = input.md5OfMessageBody ?? MessageDigest.md5OfMessageBody(input.body)
    const md5OfMessageAttributes = MessageDigest.md5OfMessageAttributes(input.attributes)
    const base = {
      messageId: input.messageId,
      body: input.storedBody ?? input.body,
      attributes: input.attributes,
      md5OfMessageBody,
      md5OfMessageAttributes,
      senderId: input.senderId,
      sentAt: now,
      enqueuedAt: now,
      visibleAt: now + (input.delaySeconds ?? config.delaySeconds) * 1000,
      receiveCount: 0,
      firstReceivedAt: undefined,
      lastReceive: undefined,
      groupId: input.messageGroupId
    }
    if (!queue.fifo) {
      if (input.messageDeduplicationId !== undefined) {
        return yield* Either.left(invalidValue("MessageDeduplicationId", input.messageDeduplicationId, NOT_FOR_THIS_QUEUE))
      }
      const messages = current.messages.set({ ...base, deduplicationId: undefined, sequenceNumber: undefined })
      const next = withMessages(current, messages, [input.messageId])
      return { messageId: input.messageId, md5OfMessageBody, md5OfMessageAttributes, sequenceNumber: undefined, duplicate: false, state: next }
    }
    if (input.messageGroupId === undefined) return yield* Either.left(missingParameter("MessageGroupId"))
    let deduplicationId = input.messageDeduplicationId
    if (deduplicationId !== undefined) yield* validateFifoId("MessageDeduplicationId", deduplicationId)
    else if (config.contentBasedDeduplication) deduplicationId = Fifo.contentDeduplicationId(input.body)
    else {
      return yield* Either.left(
        new InvalidParameterValue({
          message: "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly"
        })
      )
    }
    const key = config.deduplicationScope === "messageGroup" ? `${input.messageGroupId}\u0000${deduplicationId}` : deduplicationId
    const decision = Fifo.decide(current.fifo, key, input.messageId, now)
    if (decision._tag === "Duplicate") {
      return { messageId: decision.messageId, md5OfMessageBody, md5OfMessageAttributes, sequenceNumber: decision.sequenceNumber, duplicate: true, state: unchanged(state, current) }
    }
    const messages = current.messages.set({ ...base, deduplicationId, sequenceNumber: decision.sequenceNumber })
    return {
      messageId: input.messageId,
      md5OfMessageBody,
      md5OfMessageAttributes,
      sequenceNumber: decision.sequenceNumber,
      duplicate: false,
      state: { ...withMessages(current, messages, [input.messageId]), fifo: decision.state }
    }
  })

// ---------------------------------------------------------------------------------------------------
// ReceiveMessage.

/**
 * The input of ReceiveMessage, decoded from the wire, with a random nonce from the shell for the
 * receipt handles (text without spaces, e.g. hex).
 *
 * @category models
 */
export interface ReceiveInput {
  readonly maxNumberOfMessages: number | undefined
  readonly visibilityTimeout: number | undefined
  readonly waitTimeSeconds: number | undefined
  readonly receiveRequestAttemptId: string | undefined
  readonly nonce: string
}

/**
 * @category models
 */
export interface Received {
  readonly message: QueueMessage
  readonly receiptHandle: string
}

/**
 * A received message as answered: its body opened (docs/SEMANTICS.md §8).
 *
 * @category models
 */
export interface Delivered {
  readonly message: QueueMessage & { readonly body: string }
  readonly receiptHandle: string
}

/**
 * @category models
 */
export interface ReceiveResult {
  readonly messages: ReadonlyArray<Received>
  /**
   * Messages taken out for the dead-letter queue of the redrive policy; the shell hands them to that
   * queue's state with `acceptRedriven`.
   */
  readonly redriven: ReadonlyArray<QueueMessage>
  readonly state: QueueState
}

const checkRange = (parameter: string, value: number | undefined, min: number, max: number) =>
  value === undefined || (Number.isInteger(value) && value >= min && value <= max)
    ? Either.right(value)
    : Either.left(invalidValue(parameter, String(value), `Must be between ${min} and ${max}, if provided.`))

/**
 * Validates ReceiveMessage's numbers: MaxNumberOfMessages 1 to 10, VisibilityTimeout 0 to 43,200,
 * WaitTimeSeconds 0 to 20.
 *
 * @category validation
 */
export const validateReceive = (input: ReceiveInput): Either.Either<ReceiveInput, InvalidParameterValue> =>
  Either.gen(function* () {
    yield* checkRange("MaxNumberOfMessages", input.maxNumberOfMessages, 1, MAX_RECEIVE)
    yield* checkRange("VisibilityTimeout", input.visibilityTimeout, 0, MAX_VISIBILITY_TIMEOUT)
    yield* checkRange("WaitTimeSeconds", input.waitTimeSeconds, 0, MAX_WAIT_SECONDS)
    if (input.receiveRequestAttemptId !== undefined) yield* validateFifoId("ReceiveRequestAttemptId", input.receiveRequestAttemptId)
    return input
  })

/**
 * FIFO: the messages a receive may return, in the order it takes them. Of each group with no message
 * in flight ("a group is blocked while one of its messages is in flight"), the visible messages from
 * its head up to the first one that is not visible, in sequence order; the groups in the order of
 * their oldest message, each whole before the next: "Amazon SQS tries to return as many messages with
 * the same message group ID as possible" (ReceiveMessage, FIFO queues). Read lazily from the map's
 * group indexes, so a receive of ten reads about ten messages however long the queue.
 */
function* fifoCandidates(messages: MessageMap, now: number): Generator<QueueMessage> {
  for (const group of messages.groupsByOldest()) {
    if (some(messages.receivedOfGroup(group), (m) => isInflight(m, now))) continue
    for (const m of messages.ofGroup(group)) {
      if (m.visibleAt > now) break
      yield m
    }
  }
}

const some = <A>(items: Iterable<A>, holds: (item: A) => boolean): boolean => {
  for (const item of items) if (holds(item)) return true
  return false
}

/** `receivable`, read lazily: from the map's indexes, without a walk of the queue. */
const candidates = (current: QueueState & { readonly messages: MessageMap }, queue: Queue, now: number): Iterable<QueueMessage> =>
  queue.fifo ? fifoCandidates(current.messages, now) : current.messages.visible(now)

/**
 * The messages a receive at `now` may return, in the order this model takes them: on a standard
 * queue every visible message, oldest first; on a FIFO queue each unblocked group's visible head
 * (`fifoCandidates`). SQS may return any of them on a standard queue (short polling samples "a subset
 * of its servers"), and on a FIFO queue a leading part of each group's; messages past
 * maxReceiveCount are among them (the receive moves them to the dead-letter queue instead).
 *
 * @category rules
 */
export const receivable = (state: QueueState, queue: Queue, now: number): ReadonlyArray<QueueMessage> => {
  const current = expire(state, queue, now)
  return [...candidates(current, queue, now)]
}

/**
 * A retried FIFO receive: "During a visibility timeout, subsequent calls with the same
 * ReceiveRequestAttemptId return the same messages and receipt handles. If a retry occurs within the
 * deduplication interval, it resets the visibility timeout", and only "if none of the messages have
 * been modified (deleted or had their visibility changes)". Otherwise the receive is a new one.
 */
/** Whether a receive retried with `attempt`'s id gets that attempt's messages again: within the window, none of them deleted, received again or made visible since. */
const replayable = (state: QueueState, attempt: ReceiveAttempt | undefined, now: number): attempt is ReceiveAttempt =>
  attempt !== undefined &&
  attempt.entries.length > 0 &&
  now - attempt.at < RECEIVE_ATTEMPT_WINDOW_MS &&
  attempt.entries.every((e) => {
    const m = state.messages.get(e.messageId)
    return m !== undefined && m.lastReceive?.handle === e.handle && m.visibleAt === e.visibleAt && m.visibleAt > now
  })

const replay = (state: QueueState & { readonly messages: MessageMap }, attempt: ReceiveAttempt | undefined, visibilityMs: number, now: number) => {
  if (!replayable(state, attempt, now)) return undefined
  let messages = state.messages
  const received = attempt.entries.map((e) => {
    const message = { ...messages.get(e.messageId)!, visibleAt: now + visibilityMs }
    messages = messages.set(message)
    return { message, receiptHandle: e.handle }
  })
  return { messages, received }
}

/**
 * ReceiveMessage. Visible messages are returned oldest first, each with a new receipt handle, its
 * receive count raised and its first receive time set, and become invisible for the visibility
 * timeout (the request's, else the queue's).
 *
 * A FIFO queue returns messages in sequence order and never one whose group has a message in flight
 * or an earlier message not yet visible, so a group is processed one receive at a time, in order;
 * one receive may return several consecutive messages of a group.
 *
 * Redrive: with a RedrivePolicy, a message already received maxReceiveCount times is moved to the
 * dead-letter queue instead of being returned ("When the ReceiveCount for a message exceeds the
 * maxReceiveCount for a queue, Amazon SQS moves the message to a dead-letter queue").
 *
 * @category actions
 */
export const receive = (
  state: QueueState,
  queue: Queue,
  input: ReceiveInput,
  now: number
): Either.Either<ReceiveResult, InvalidParameterValue> =>
  Either.gen(function* () {
    yield* validateReceive(input)
    const config = settings(queue)
    const current = expire(state, queue, now)
    const visibilityMs = (input.visibilityTimeout ?? config.visibilityTimeout) * 1000
    const attemptId = queue.fifo ? input.receiveRequestAttemptId : undefined
    // The attempts are copied only when they change, so a standard queue's receive leaves them as stored.
    const stale = [...current.receiveAttempts.values()].some((a) => now - a.at >= RECEIVE_ATTEMPT_WINDOW_MS)
    const attempts = attemptId === undefined && !stale ? undefined : new Map<string, ReceiveAttempt>()
    for (const [id, a] of attempts === undefined ? [] : current.receiveAttempts) if (now - a.at < RECEIVE_ATTEMPT_WINDOW_MS) attempts!.set(id, a)
    if (attemptId !== undefined && attempts !== undefined) {
      const previous = attempts.get(attemptId)
      const replayed = replay(current, previous, visibilityMs, now)
      if (replayed !== undefined) {
        attempts.set(attemptId, {
          at: previous!.at,
          entries: replayed.received.map((r) => ({ messageId: r.message.messageId, handle: r.receiptHandle, visibleAt: r.message.visibleAt }))
        })
        const ids = replayed.received.map((r) => r.message.messageId)
        return { messages: replayed.received, redriven: [], state: { ...withMessages(current, replayed.messages, ids), receiveAttempts: attempts } }
      }
    }
    const max = input.maxNumberOfMessages ?? 1
    let messages = current.messages
    const received: Array<Received> = []
    const redriven: Array<QueueMessage> = []
    for (const m of candidates(current, queue, now)) {
      if (received.length >= max) break
      if (config.redrivePolicy !== undefined && m.receiveCount >= config.redrivePolicy.maxReceiveCount) {
        messages = messages.delete(m.messageId)
        redriven.push({ ...m, deadLetterSourceArn: queue.arn })
        continue
      }
      const count = m.receiveCount + 1
      const handle = ReceiptHandle.encode({ messageId: m.messageId, receive: count, nonce: input.nonce })
      const message: QueueMessage = {
        ...m,
        receiveCount: count,
        firstReceivedAt: m.firstReceivedAt ?? now,
        lastReceive: { handle, at: now },
        visibleAt: now + visibilityMs
      }
      messages = messages.set(message)
      received.push({ message, receiptHandle: handle })
    }
    if (attemptId !== undefined) {
      attempts?.set(attemptId, {
        at: now,
        entries: received.map((r) => ({ messageId: r.message.messageId, handle: r.receiptHandle, visibleAt: r.message.visibleAt }))
      })
    }
    const touched = [...received.map((r) => r.message.messageId), ...redriven.map((m) => m.messageId)]
    return {
      messages: received,
      redriven,
      state: { ...withMessages(current, messages, touched), receiveAttempts: attempts ?? current.receiveAttempts }
    }
  })

/**
 * Takes messages redriven from a source queue into its dead-letter queue. They arrive visible, with
 * their ids, bodies, attributes and receive history. "The expiration of a message is always based on
 * its original enqueue timestamp. When a message is moved to a dead-letter queue, the enqueue
 * timestamp is unchanged"; for FIFO queues "the enqueue timestamp resets when the message is moved to
 * a dead-letter queue" (Developer Guide, "Amazon SQS dead-letter queues").
 *
 * @category actions
 */
export const acceptRedriven = (
  state: QueueState,
  deadLetterQueue: Queue,
  redriven: ReadonlyArray<QueueMessage>,
  now: number
): QueueState => {
  if (redriven.length === 0) return state
  let messages = MessageMap.from(state.messages)
  for (const m of redriven) {
    messages = messages.set({
      ...m,
      lastReceive: undefined,
      visibleAt: now,
      enqueuedAt: deadLetterQueue.fifo ? now : m.enqueuedAt
    })
  }
  return withMessages(state, messages, redriven.map((m) => m.messageId))
}

/**
 * Takes messages a message move task moved here. They arrive as new to this queue: visible, never
 * received, retention counted from now, no dead-letter source; ids, bodies (a sealed one keeps its
 * envelope, docs/SEMANTICS.md §8), attributes and FIFO group, deduplication id and sequence number as
 * they were.
 *
 * @category actions
 */
export const acceptMoved = (state: QueueState, moved: ReadonlyArray<QueueMessage>, now: number): QueueState => {
  if (moved.length === 0) return state
  let messages = MessageMap.from(state.messages)
  for (const m of moved) {
    const { deadLetterSourceArn: _, ...rest } = m
    messages = messages.set({ ...rest, receiveCount: 0, firstReceivedAt: undefined, lastReceive: undefined, visibleAt: now, enqueuedAt: now })
  }
  return withMessages(state, messages, moved.map((m) => m.messageId))
}

/**
 * Takes messages out of a queue (a message move task's source).
 *
 * @category actions
 */
export const remove = (state: QueueState, ids: ReadonlyArray<string>): QueueState => {
  if (ids.length === 0) return state
  let messages = MessageMap.from(state.messages)
  for (const id of ids) messages = messages.delete(id)
  return withMessages(state, messages, ids)
}

/**
 * The system attributes ReceiveMessage can return for a message (`AttributeNames` / 
 * `MessageSystemAttributeNames`), timestamps in epoch milliseconds.
 *
 * @category encoding
 */
export const systemAttributes = (m: QueueMessage): Record<string, string> => {
  const out: Record<string, string> = {
    SenderId: m.senderId,
    SentTimestamp: String(m.sentAt),
    ApproximateReceiveCount: String(m.receiveCount)
  }
  if (m.firstReceivedAt !== undefined) out["ApproximateFirstReceiveTimestamp"] = String(m.firstReceivedAt)
  if (m.groupId !== undefined) out["MessageGroupId"] = m.groupId
  if (m.deduplicationId !== undefined) out["MessageDeduplicationId"] = m.deduplicationId
  if (m.sequenceNumber !== undefined) out["SequenceNumber"] = m.sequenceNumber
  if (m.deadLetterSourceArn !== undefined) out["DeadLetterQueueSourceArn"] = m.deadLetterSourceArn
  return out
}

/**
 * What a long poll waits for.
 *
 * @category models
 */
export type Readiness =
  | { readonly _tag: "Ready" }
  | { readonly _tag: "WaitUntil"; readonly at: number }
  | { readonly _tag: "Empty" }

/**
 * The decision part of long polling ("Long polling … waits until a message is available in the queue
 * before sending a response", ReceiveMessage, WaitTimeSeconds): `Ready` when a receive now would find
 * a message (or move one to the dead-letter queue), `WaitUntil` the next instant that can change
 * (a delay or visibility timeout ending, or, on a FIFO queue, an in-flight message expiring and
 * freeing its group), `Empty` when only a send can. The shell receives when ready, otherwise waits
 * until the earlier of that instant, a send to the queue and the end of WaitTimeSeconds, then asks
 * again. A FIFO receive retried with the `ReceiveRequestAttemptId` of one that got messages is ready
 * while those messages are still its to return ("Exactly-once processing in Amazon SQS").
 *
 * @category rules
 */
export const readiness = (state: QueueState, queue: Queue, now: number, receiveRequestAttemptId?: string): Readiness => {
  const current = expire(state, queue, now)
  if (!candidates(current, queue, now)[Symbol.iterator]().next().done) return { _tag: "Ready" }
  if (queue.fifo && receiveRequestAttemptId !== undefined && replayable(current, current.receiveAttempts.get(receiveRequestAttemptId), now)) {
    return { _tag: "Ready" }
  }
  const retentionMs = settings(queue).messageRetentionPeriod * 1000
  let next = current.messages.nextVisibleAfter(now)
  if (queue.fifo) {
    for (const group of current.messages.groupsByOldest()) {
      for (const m of current.messages.receivedOfGroup(group)) if (isInflight(m, now)) next = Math.min(next, m.enqueuedAt + retentionMs)
    }
  }
  return next === Infinity ? { _tag: "Empty" } : { _tag: "WaitUntil", at: next }
}

// ---------------------------------------------------------------------------------------------------
// ChangeMessageVisibility, DeleteMessage, PurgeQueue.

const notAvailable = (handle: string) =>
  invalidValue("ReceiptHandle", handle, "Message does not exist or is not available for visibility timeout change.")

/**
 * @category models
 */
export interface ChangeVisibilityResult {
  /** False when the request succeeded without changing anything (the handle's receive had ended). */
  readonly changed: boolean
  readonly state: QueueState
}

/**
 * ChangeMessageVisibility: the new timeout (0 to 43,200 seconds) counts from now, for a message in
 * flight under this receipt handle (the latest). "You can continue to call ChangeMessageVisibility to
 * extend the visibility timeout to the maximum allowed time. If you try to extend the visibility
 * timeout beyond the maximum, your request is rejected": the message may stay invisible at most 12
 * hours after the receive that issued the handle. A timeout of 0 makes it visible at once.
 *
 * A handle whose receive is over (its timeout ended, or the message was received again since)
 * succeeds and changes nothing, as SQS answers it; SQS declares MessageNotInflight for this action
 * but does not raise it. A message that is gone is refused.
 *
 * @category actions
 */
export const changeVisibility = (
  state: QueueState,
  queue: Queue,
  receiptHandle: string,
  visibilityTimeout: number,
  now: number
): Either.Either<ChangeVisibilityResult, InvalidParameterValue | ReceiptHandleIsInvalid> =>
  Either.gen(function* () {
    yield* checkRange("VisibilityTimeout", visibilityTimeout, 0, MAX_VISIBILITY_TIMEOUT)
    const handle = yield* ReceiptHandle.decode(receiptHandle)
    const current = expire(state, queue, now)
    const m = current.messages.get(handle.messageId)
    if (m === undefined) return yield* Either.left(notAvailable(receiptHandle))
    if (m.lastReceive?.handle !== receiptHandle || !isInflight(m, now)) return { changed: false, state: unchanged(state, current) }
    const visibleAt = now + visibilityTimeout * 1000
    if (visibleAt - m.lastReceive.at > MAX_VISIBILITY_TIMEOUT * 1000) {
      return yield* Either.left(
        invalidValue(
          "VisibilityTimeout",
          String(visibilityTimeout),
          `Total VisibilityTimeout for the message is beyond the limit [${MAX_VISIBILITY_TIMEOUT} seconds]`
        )
      )
    }
    return { changed: true, state: withMessages(current, current.messages.set({ ...m, visibleAt }), [m.messageId]) }
  })

/**
 * @category models
 */
export interface DeleteResult {
  /** False when the request succeeded without deleting (already gone, or an older handle). */
  readonly deleted: boolean
  readonly state: QueueState
}

/**
 * DeleteMessage. The latest receipt handle deletes the message, "even if the message is locked by
 * another reader due to the visibility timeout setting". A handle of a message already gone
 * (deleted, expired, purged or redriven) succeeds and changes nothing. An older handle: "if you
 * don't provide the most recently received receipt handle for the message, the request will still
 * succeed, but the message might not be deleted"; here it is never deleted. On a FIFO queue a handle
 * is good only while its receive is in flight, and an older or timed-out one is refused, as SQS
 * refuses it: "The receipt handle has expired."
 *
 * @category actions
 */
export const deleteMessage = (
  state: QueueState,
  queue: Queue,
  receiptHandle: string,
  now: number
): Either.Either<DeleteResult, ReceiptHandleIsInvalid | InvalidParameterValue> =>
  Either.gen(function* () {
    const handle = yield* ReceiptHandle.decode(receiptHandle)
    const current = expire(state, queue, now)
    const m = current.messages.get(handle.messageId)
    if (m === undefined) return { deleted: false, state: unchanged(state, current) }
    const latest = m.lastReceive?.handle === receiptHandle
    if (queue.fifo && (!latest || !isInflight(m, now))) {
      return yield* Either.left(invalidValue("ReceiptHandle", receiptHandle, "The receipt handle has expired."))
    }
    if (!latest) return { deleted: false, state: unchanged(state, current) }
    return { deleted: true, state: withMessages(current, current.messages.delete(m.messageId), [m.messageId]) }
  })

/**
 * PurgeQueue deletes every message; "Only one PurgeQueue operation on <queue> is allowed every 60
 * seconds." SQS takes up to 60 seconds to finish; here the messages are gone at once. The FIFO
 * deduplication window is kept: it tracks ids "even after the message has been received and deleted".
 *
 * @category actions
 */
export const purge = (state: QueueState, queue: Queue, now: number): Either.Either<QueueState, PurgeQueueInProgress> =>
  state.lastPurgeAt !== undefined && now - state.lastPurgeAt < PURGE_INTERVAL_MS
    ? Either.left(new PurgeQueueInProgress({ message: `Only one PurgeQueue operation on ${queue.name} is allowed every 60 seconds.` }))
    : Either.right({ ...withMessages(state, MessageMap.empty(), state.messages.keys()), receiveAttempts: new Map(), lastPurgeAt: now })
