/**
 * The SQS oracle: what an SQS endpoint must answer, computed by the pure queue model Sealcast's
 * service runs (`@sealcast/core/sqs/*`: `Queue` for the directory and attributes, `QueueMessages` for
 * send, receive, visibility, delete and purge, `Sqs.validateBatch` for batches, `QueueKms.failureFor`
 * for KMS refusals) and the simulated KMS's key rules, composed in the order packages/core/src/sqs/Sqs.ts
 * runs them. Nothing here restates a rule.
 *
 * Two things the endpoint decides and the model follows: ids (MessageId, receipt handles, sequence
 * numbers), which the model takes from the endpoint's answers and maps to its own, and which of the
 * receivable messages a receive returns (SQS may return any visible message of a standard queue, and
 * a leading part of each message group of a FIFO queue): the model checks the choice against
 * `QueueMessages.receivable` and then receives exactly those messages.
 *
 * Time is the model's clock (`Date.now()`), and the kit's visibility timeouts and delays are 0 or
 * many minutes, so no expectation depends on how long a history takes.
 *
 * @since 0.1.0
 */
import * as Queue from "@sealcast/core/sqs/Queue"
import * as QueueKms from "@sealcast/core/sqs/QueueKms"
import * as QueueMessages from "@sealcast/core/sqs/QueueMessages"
import type { QueueSystem } from "@sealcast/core/sqs/QueueStore"
import * as Sqs from "@sealcast/core/sqs/Sqs"
import type { MessageAttributes } from "@sealcast/core/Message"
import { attributeBytes, utf8Length } from "@sealcast/core/MessageAttributes"
import * as Identifiers from "@sealcast/kms-sim/Identifiers"
import * as Key from "@sealcast/kms-sim/Key"
import { Either } from "effect"
import type { Expected, ModelState } from "./Model.js"

const refused = (code: string): Expected<never> => ({ ok: false, code })
const accepted = <A>(value: A): Expected<A> => ({ ok: true, value })

/**
 * One receipt handle the endpoint gave, and the model's handle for the same receive.
 *
 * @category models
 */
export interface Handle {
  readonly queueUrl: string
  readonly messageId: string
  readonly endpoint: string
  readonly model: string
}

/**
 * The queues as the model sees them.
 *
 * @category models
 */
export interface QueueModelState {
  system: QueueSystem
  /** Where the endpoint's queue URLs point (`https://host:port`), learned from the probe queue. */
  readonly origin: string
  /** Every handle a receive gave, in order. */
  readonly handles: Array<Handle>
  /** The endpoint's SequenceNumber of each of the model's, by queue URL. */
  readonly sequenceNumbers: Map<string, Map<string, string>>
  /** Receives so far: each one's receipt-handle nonce is its number. */
  receives: number
}

/**
 * @category constructors
 */
export const empty = (origin: string): QueueModelState => ({
  system: { directory: Queue.emptyDirectory(), states: new Map() },
  origin,
  handles: [],
  sequenceNumbers: new Map(),
  receives: 0
})

const ownerOf = (oracle: ModelState, q: QueueModelState): Queue.Owner => ({ accountId: oracle.accountId, region: oracle.region, origin: q.origin })

const stateOf = (q: QueueModelState, queue: Queue.Queue): QueueMessages.QueueState =>
  q.system.states.get(Queue.keyOf(queue.accountId, queue.name)) ?? QueueMessages.empty()

const setState = (q: QueueModelState, queue: Queue.Queue, state: QueueMessages.QueueState): void => {
  const states = new Map(q.system.states)
  states.set(Queue.keyOf(queue.accountId, queue.name), state)
  q.system = { ...q.system, states }
}

/**
 * The queue a URL names in the caller's account.
 *
 * @category getters
 */
export const queueAt = (q: QueueModelState, url: string): Either.Either<Queue.Queue, { readonly _tag: string }> => Queue.lookup(q.system.directory, url)

/**
 * CreateQueue: the queue's URL, and its tags when it is new.
 *
 * @category operations
 */
export const createQueue = (
  oracle: ModelState,
  q: QueueModelState,
  name: string,
  attributes: Readonly<Record<string, string>>,
  tags: Readonly<Record<string, string>>
): Expected<string> => {
  const created = Queue.createQueue(q.system.directory, { name, attributes }, ownerOf(oracle, q), Date.now())
  if (Either.isLeft(created)) return refused(created.left._tag)
  if (!created.right.created) return accepted(created.right.queue.url)
  const tagged = Object.keys(tags).length > 0 ? Queue.tag(created.right.queue, tags) : Either.right(created.right.queue)
  if (Either.isLeft(tagged)) return refused(tagged.left._tag)
  q.system = { ...q.system, directory: Queue.updateQueue(created.right.directory, tagged.right) }
  setState(q, tagged.right, QueueMessages.empty())
  return accepted(tagged.right.url)
}

/**
 * DeleteQueue; its messages go with it.
 *
 * @category operations
 */
export const deleteQueue = (q: QueueModelState, url: string): Expected<void> => {
  const deleted = Queue.deleteQueue(q.system.directory, url, Date.now())
  if (Either.isLeft(deleted)) return refused(deleted.left._tag)
  const states = new Map(q.system.states)
  states.delete(Queue.keyOf(deleted.right.queue.accountId, deleted.right.queue.name))
  q.system = { directory: deleted.right.directory, states }
  return accepted(undefined)
}

/**
 * GetQueueUrl.
 *
 * @category operations
 */
export const getQueueUrl = (oracle: ModelState, q: QueueModelState, name: string): Expected<string> => {
  const queue = Queue.getQueueUrl(q.system.directory, oracle.accountId, name)
  return Either.isLeft(queue) ? refused(queue.left._tag) : accepted(queue.right.url)
}

/**
 * GetQueueAttributes `All`, counts included.
 *
 * @category operations
 */
export const queueAttributes = (q: QueueModelState, url: string): Expected<Record<string, string>> => {
  const queue = queueAt(q, url)
  if (Either.isLeft(queue)) return refused(queue.left._tag)
  const now = Date.now()
  return accepted(Queue.describe(queue.right, QueueMessages.counts(QueueMessages.expire(stateOf(q, queue.right), queue.right, now), now)))
}

/**
 * SetQueueAttributes.
 *
 * @category operations
 */
export const setQueueAttributes = (q: QueueModelState, url: string, attributes: Readonly<Record<string, string>>): Expected<void> => {
  const set = Queue.setQueueAttributes(q.system.directory, url, attributes, Date.now())
  if (Either.isLeft(set)) return refused(set.left._tag)
  q.system = { ...q.system, directory: set.right.directory }
  return accepted(undefined)
}

/**
 * TagQueue and UntagQueue.
 *
 * @category operations
 */
export const changeTags = (q: QueueModelState, url: string, change: { readonly tag: Readonly<Record<string, string>> } | { readonly untag: ReadonlyArray<string> }): Expected<void> => {
  const queue = queueAt(q, url)
  if (Either.isLeft(queue)) return refused(queue.left._tag)
  const changed = "tag" in change ? Queue.tag(queue.right, change.tag) : Queue.untag(queue.right, change.untag)
  if (Either.isLeft(changed)) return refused(changed.left._tag)
  q.system = { ...q.system, directory: Queue.updateQueue(q.system.directory, changed.right) }
  return accepted(undefined)
}

/**
 * ListQueueTags.
 *
 * @category operations
 */
export const listQueueTags = (q: QueueModelState, url: string): Expected<Readonly<Record<string, string>>> => {
  const queue = queueAt(q, url)
  return Either.isLeft(queue) ? refused(queue.left._tag) : accepted(queue.right.tags)
}

/**
 * The queue's KMS key, checked as a send checks it (docs/SEMANTICS.md §8, "KMS errors"): it resolves
 * in the caller's account, is a symmetric encryption key and is Enabled; KMS's refusal becomes SQS's
 * `Kms*` error. SSE-SQS uses the service's own key, which is always usable.
 *
 * @category rules
 */
export const checkQueueKey = (oracle: ModelState, queue: Queue.Queue): Either.Either<void, string> => {
  const keyIdText = Queue.settings(queue).kmsMasterKeyId
  if (keyIdText === undefined) return Either.void
  const usable = Identifiers.parseKeyRef(keyIdText).pipe(
    Either.flatMap((ref) => Identifiers.resolve({ keys: oracle.keys, aliases: oracle.aliases }, ref, oracle.region, oracle.accountId, true)),
    Either.flatMap((key) => Key.checkSymmetricUse(key, "GenerateDataKey")),
    Either.flatMap(Key.checkEnabled)
  )
  return Either.isLeft(usable) ? Either.left(QueueKms.failureFor(usable.left._tag, usable.left.message)._tag) : Either.void
}

/**
 * A message as the kit sends it.
 *
 * @category models
 */
export interface SendInput {
  readonly body: string
  readonly attributes: MessageAttributes
  readonly delaySeconds: number | undefined
  readonly messageGroupId: string | undefined
  readonly messageDeduplicationId: string | undefined
}

/**
 * What a send answers: the first message's id for a FIFO duplicate, and the model's SequenceNumber.
 *
 * @category models
 */
export interface Sent {
  readonly messageId: string
  readonly md5OfMessageBody: string
  readonly md5OfMessageAttributes: string | undefined
  readonly sequenceNumber: string | undefined
  readonly duplicate: boolean
}

const sendOne = (oracle: ModelState, q: QueueModelState, queue: Queue.Queue, input: SendInput, messageId: string): Expected<Sent> => {
  const sent = QueueMessages.send(stateOf(q, queue), queue, { ...input, messageId, senderId: oracle.accountId }, Date.now())
  if (Either.isLeft(sent)) return refused(sent.left._tag)
  setState(q, queue, sent.right.state)
  const { state: _state, ...result } = sent.right
  return accepted(result)
}

/**
 * The checks of a send before its message (Sqs.sendMessage): the queue, then its key.
 *
 * @category operations
 */
export const queueForSend = (oracle: ModelState, q: QueueModelState, url: string): Expected<Queue.Queue> => {
  const queue = queueAt(q, url)
  if (Either.isLeft(queue)) return refused(queue.left._tag)
  const key = checkQueueKey(oracle, queue.right)
  return Either.isLeft(key) ? refused(key.left) : accepted(queue.right)
}

/**
 * SendMessage, with the MessageId the endpoint drew (a new message keeps it; a duplicate answers the
 * first one's).
 *
 * @category operations
 */
export const sendMessage = (oracle: ModelState, q: QueueModelState, url: string, input: SendInput, messageId: string): Expected<Sent> => {
  const queue = queueForSend(oracle, q, url)
  return queue.ok ? sendOne(oracle, q, queue.value, input, messageId) : queue
}

/**
 * What SendMessageBatch must refuse whole (Sqs.sendMessageBatch: the entries, their total size, the
 * queue, its key), or the queue the entries go to one by one (`sendEntry`).
 *
 * @category operations
 */
export const sendMessageBatch = (
  oracle: ModelState,
  q: QueueModelState,
  url: string,
  entries: ReadonlyArray<SendInput & { readonly id: string }>
): Expected<Queue.Queue> => {
  const batch = Sqs.validateBatch(entries, "SendMessageBatchRequestEntry")
  if (Either.isLeft(batch)) return refused(batch.left._tag)
  const bytes = entries.reduce((sum, e) => sum + utf8Length(e.body) + attributeBytes(e.attributes), 0)
  if (bytes > Sqs.MAX_BATCH_BYTES) return refused("BatchRequestTooLong")
  return queueForSend(oracle, q, url)
}

/**
 * One entry of a batch the model accepted.
 *
 * @category operations
 */
export const sendEntry = (oracle: ModelState, q: QueueModelState, queue: Queue.Queue, input: SendInput, messageId: string): Expected<Sent> =>
  sendOne(oracle, q, queue, input, messageId)

/**
 * ReceiveMessage's input as the kit sends it.
 *
 * @category models
 */
export interface ReceiveInput {
  readonly maxNumberOfMessages: number
  readonly visibilityTimeout: number | undefined
  readonly receiveRequestAttemptId: string | undefined
}

/**
 * What a receive may answer: a retry of a FIFO receive (same ReceiveRequestAttemptId, nothing
 * changed) must answer the same messages with the same handles; any other receive may answer any
 * choice `checkChoice` accepts from `receivable`.
 *
 * @category models
 */
export type ReceiveExpectation =
  | { readonly _tag: "Retry"; readonly queue: Queue.Queue; readonly handles: ReadonlyArray<Handle>; readonly state: QueueMessages.QueueState }
  | { readonly _tag: "Choose"; readonly queue: Queue.Queue; readonly receivable: ReadonlyArray<QueueMessages.QueueMessage> }

/**
 * What ReceiveMessage may answer now.
 *
 * @category operations
 */
export const receiveOptions = (q: QueueModelState, url: string, input: ReceiveInput): Expected<ReceiveExpectation> => {
  const queue = queueAt(q, url)
  if (Either.isLeft(queue)) return refused(queue.left._tag)
  const now = Date.now()
  const state = stateOf(q, queue.right)
  if (input.receiveRequestAttemptId !== undefined && queue.right.fifo) {
    const nonce = `n${q.receives + 1}`
    const attempt = QueueMessages.receive(state, queue.right, { ...input, waitTimeSeconds: 0, nonce }, now)
    if (Either.isLeft(attempt)) return refused(attempt.left._tag)
    const handles = attempt.right.messages.map((r) => q.handles.find((h) => h.model === r.receiptHandle))
    // A retry hands back earlier handles; a new receive makes handles of its own nonce.
    if (handles.length > 0 && handles.every((h) => h !== undefined)) {
      return accepted({ _tag: "Retry", queue: queue.right, handles: handles as ReadonlyArray<Handle>, state: attempt.right.state })
    }
  }
  return accepted({ _tag: "Choose", queue: queue.right, receivable: QueueMessages.receivable(state, queue.right, now) })
}

/**
 * Why the endpoint's choice of messages is not one SQS may make, if it is not: each message must be
 * receivable, at most `max` of them, and on a FIFO queue each group's messages must be the first of
 * that group's receivable ones, in order.
 *
 * @category rules
 */
export const checkChoice = (
  expectation: Extract<ReceiveExpectation, { readonly _tag: "Choose" }>,
  chosen: ReadonlyArray<string>,
  max: number
): string | undefined => {
  if (chosen.length > max) return `${chosen.length} messages where at most ${max} were asked for`
  const receivable = new Map(expectation.receivable.map((m) => [m.messageId, m]))
  for (const id of chosen) if (!receivable.has(id)) return `message ${id}, which is not receivable (in flight, delayed, deleted or never sent)`
  if (!expectation.queue.fifo) return undefined
  const lanes = new Map<string, Array<string>>()
  for (const m of expectation.receivable) lanes.set(m.groupId!, [...(lanes.get(m.groupId!) ?? []), m.messageId])
  for (const [group, lane] of lanes) {
    const got = chosen.filter((id) => receivable.get(id)?.groupId === group)
    if (got.join() !== lane.slice(0, got.length).join()) return `group ${group}'s messages ${got.join(", ")}, where its order is ${lane.join(", ")}`
  }
  return undefined
}

/**
 * Receives exactly the messages the endpoint chose (already checked), by the core's receive over the
 * queue with only those messages in it; each one's model handle is recorded beside the endpoint's.
 *
 * @category operations
 */
export const receiveChosen = (
  q: QueueModelState,
  url: string,
  queue: Queue.Queue,
  input: ReceiveInput,
  chosen: ReadonlyArray<{ readonly messageId: string; readonly receiptHandle: string }>
): void => {
  q.receives++
  if (chosen.length === 0) return
  const state = stateOf(q, queue)
  const ids = new Set(chosen.map((c) => c.messageId))
  const only = new Map([...state.messages].filter(([id]) => ids.has(id)))
  const received = QueueMessages.receive({ ...state, messages: only }, queue, { ...input, maxNumberOfMessages: chosen.length, waitTimeSeconds: 0, nonce: `n${q.receives}` }, Date.now())
  if (Either.isLeft(received)) return
  const messages = new Map(state.messages)
  for (const r of received.right.messages) messages.set(r.message.messageId, r.message)
  setState(q, queue, { ...received.right.state, messages })
  for (const r of received.right.messages) {
    const endpointHandle = chosen.find((c) => c.messageId === r.message.messageId)?.receiptHandle ?? ""
    q.handles.push({ queueUrl: url, messageId: r.message.messageId, endpoint: endpointHandle, model: r.receiptHandle })
  }
}

/**
 * A retried receive the endpoint answered as the model did.
 *
 * @category operations
 */
export const receiveRetried = (q: QueueModelState, expectation: Extract<ReceiveExpectation, { readonly _tag: "Retry" }>): void => {
  q.receives++
  setState(q, expectation.queue, expectation.state)
}

/**
 * The handles a step may use on a queue: on a standard queue the latest handle of each message (an
 * older one "might not" delete, so its outcome is not one SQS fixes), on a FIFO queue every one.
 *
 * @category getters
 */
export const usableHandles = (q: QueueModelState, url: string): ReadonlyArray<Handle> => {
  const queue = queueAt(q, url)
  if (Either.isLeft(queue)) return []
  const onQueue = q.handles.filter((h) => h.queueUrl === url)
  if (queue.right.fifo) return onQueue
  const state = stateOf(q, queue.right)
  return onQueue.filter((h) => {
    const m = state.messages.get(h.messageId)
    return m === undefined || m.lastReceive?.handle === h.model
  })
}

/**
 * DeleteMessage and ChangeMessageVisibility, with the model's handle.
 *
 * @category operations
 */
export const changeMessage = (q: QueueModelState, url: string, modelHandle: string, visibilityTimeout: number | undefined): Expected<void> => {
  const queue = queueAt(q, url)
  if (Either.isLeft(queue)) return refused(queue.left._tag)
  const state = stateOf(q, queue.right)
  const now = Date.now()
  const changed: Either.Either<{ readonly state: QueueMessages.QueueState }, { readonly _tag: string }> =
    visibilityTimeout === undefined
      ? QueueMessages.deleteMessage(state, queue.right, modelHandle, now)
      : QueueMessages.changeVisibility(state, queue.right, modelHandle, visibilityTimeout, now)
  if (Either.isLeft(changed)) return refused(changed.left._tag)
  setState(q, queue.right, changed.right.state)
  return accepted(undefined)
}

/**
 * What DeleteMessageBatch or ChangeMessageVisibilityBatch must refuse whole, before its entries.
 *
 * @category operations
 */
export const checkBatch = (q: QueueModelState, url: string, entries: ReadonlyArray<{ readonly id: string }>, entryShape: string): Expected<void> => {
  const batch = Sqs.validateBatch(entries, entryShape)
  if (Either.isLeft(batch)) return refused(batch.left._tag)
  const queue = queueAt(q, url)
  return Either.isLeft(queue) ? refused(queue.left._tag) : accepted(undefined)
}

/**
 * PurgeQueue.
 *
 * @category operations
 */
export const purgeQueue = (q: QueueModelState, url: string): Expected<void> => {
  const queue = queueAt(q, url)
  if (Either.isLeft(queue)) return refused(queue.left._tag)
  const purged = QueueMessages.purge(stateOf(q, queue.right), queue.right, Date.now())
  if (Either.isLeft(purged)) return refused(purged.left._tag)
  setState(q, queue.right, purged.right)
  return accepted(undefined)
}

/**
 * The endpoint's SequenceNumber for one of the model's, per queue: a duplicate must answer the first
 * message's, and a new message one greater than every earlier one of its queue ("SequenceNumber
 * continues to increase for a particular MessageGroupId", SendMessage).
 *
 * @category operations
 */
export const sequenceNumbers = (q: QueueModelState, url: string): Map<string, string> => {
  let numbers = q.sequenceNumbers.get(url)
  if (numbers === undefined) {
    numbers = new Map()
    q.sequenceNumbers.set(url, numbers)
  }
  return numbers
}
