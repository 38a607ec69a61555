/**
 * The pure checks of Publish and PublishBatch: what a message must look like before the broker
 * accepts it (docs/SEMANTICS.md §4; SNS API reference, Publish and PublishBatch).
 *
 * @since 0.1.0
 */
import { Either } from "effect"
import {
  BatchEntryIdsNotDistinct,
  BatchRequestTooLong,
  EmptyBatchRequest,
  invalidParameter,
  type InvalidParameter,
  InvalidBatchEntryId,
  type ParameterValueInvalid,
  TooManyEntriesInBatchRequest
} from "./Errors.js"
import * as Fifo from "./Fifo.js"
import type { MessageAttributes } from "./Message.js"
import * as MessageAttributesRules from "./MessageAttributes.js"
import * as Platform from "./Platform.js"
import * as Sms from "./Sms.js"
import * as Topic from "./Topic.js"

/**
 * One message as a client sends it, decoded from the wire.
 *
 * @category models
 */
export interface MessageInput {
  readonly message: string | undefined
  readonly subject: string | undefined
  readonly messageStructure: string | undefined
  readonly messageAttributes: MessageAttributes
  readonly messageGroupId: string | undefined
  readonly messageDeduplicationId: string | undefined
}

/**
 * A Publish request: one of TopicArn, TargetArn or PhoneNumber names the destination.
 *
 * @category models
 */
export interface PublishInput extends MessageInput {
  readonly topicArn: string | undefined
  readonly targetArn: string | undefined
  readonly phoneNumber: string | undefined
}

/**
 * @category models
 */
export interface BatchEntryInput extends MessageInput {
  readonly id: string
}

/**
 * A message that passed every check, with its FIFO ids settled.
 *
 * @category models
 */
export interface ValidMessage {
  readonly body: string
  readonly subject: string | undefined
  readonly messageStructure: "json" | undefined
  readonly attributes: MessageAttributes
  readonly fifo: { readonly messageGroupId: string; readonly messageDeduplicationId: string } | undefined
  /** The size SNS counts against its limit: UTF-8 body plus attributes. */
  readonly bytes: number
}

/** PublishBatch: at most 10 entries (docs/SEMANTICS.md §4). */
export const MAX_BATCH_ENTRIES = 10

/** PublishBatch: at most 256 KiB of messages together. */
export const MAX_BATCH_BYTES = 262_144

/**
 * Where a Publish goes: a topic (TopicArn, or a TargetArn naming one), a device endpoint (a TargetArn
 * naming one) or a phone number.
 *
 * @category models
 */
export type Destination =
  | { readonly _tag: "Topic"; readonly arn: string }
  | { readonly _tag: "Endpoint"; readonly arn: string }
  | { readonly _tag: "PhoneNumber"; readonly phoneNumber: string }

/**
 * Which destination a Publish names: exactly one of TopicArn, TargetArn or PhoneNumber.
 *
 * @category rules
 */
export const destination = (input: PublishInput): Either.Either<Destination, InvalidParameter> => {
  const given = [input.topicArn, input.targetArn, input.phoneNumber].filter((x) => x !== undefined && x !== "")
  if (given.length === 0) return Either.left(invalidParameter("TopicArn or TargetArn Reason: no value for required parameter"))
  if (given.length > 1) {
    return Either.left(invalidParameter("TopicArn or TargetArn Reason: Only one of TopicArn, TargetArn or PhoneNumber may be specified"))
  }
  if (input.phoneNumber !== undefined && input.phoneNumber !== "") {
    return Either.map(Sms.validatePhoneNumber(input.phoneNumber), (phoneNumber) => ({ _tag: "PhoneNumber", phoneNumber }))
  }
  if (input.targetArn !== undefined && input.targetArn !== "" && Platform.isEndpointArn(input.targetArn)) {
    return Either.right({ _tag: "Endpoint", arn: input.targetArn })
  }
  return Either.right({ _tag: "Topic", arn: (input.topicArn ?? input.targetArn)! })
}

/**
 * The text one recipient reads: with MessageStructure=json the entry under its key (a protocol, or a
 * push platform), else `default` (SNS API reference, Publish: MessageStructure). The body has been
 * checked by `validateStructure`.
 *
 * @category rules
 */
export const textFor = (message: ValidMessage, key: string): string => {
  if (message.messageStructure !== "json") return message.body
  const fields = JSON.parse(message.body) as Record<string, string>
  return fields[key] ?? fields["default"]!
}

/**
 * MessageStructure=json: the body is a JSON object with a string `default` and, optionally, a string
 * message per protocol. Texts are SNS's.
 *
 * @category validation
 */
export const validateStructure = (
  body: string,
  structure: string | undefined
): Either.Either<"json" | undefined, InvalidParameter> => {
  if (structure === undefined || structure === "") return Either.right(undefined)
  if (structure !== "json") return Either.left(invalidParameter("MessageStructure"))
  let doc: unknown
  try {
    doc = JSON.parse(body)
  } catch {
    return Either.left(invalidParameter("Message Structure - JSON message body failed to parse"))
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    return Either.left(invalidParameter("Message Structure - JSON message body failed to parse"))
  }
  const fields = doc as Record<string, unknown>
  if (typeof fields["default"] !== "string") {
    return Either.left(invalidParameter("Message Structure - No default entry in JSON message body"))
  }
  for (const [key, value] of Object.entries(fields)) {
    if (typeof value !== "string") {
      return Either.left(invalidParameter(`Message Structure - the value of ${key} must be a string`))
    }
  }
  return Either.right("json")
}

/**
 * Every check of one message against its topic; a message to a device endpoint or a phone number
 * (no topic) is checked as a standard topic's.
 *
 * FIFO (docs/SEMANTICS.md §4): a group id is required; the deduplication id is the explicit one, or the
 * body's SHA-256 when the topic has content-based deduplication, else the request is refused. A
 * deduplication id on a standard topic is refused.
 *
 * Straight-line checks rather than `Either.gen`, as it runs on every publish (docs/PERFORMANCE.md,
 * "Publish in the core").
 *
 * @category validation
 */
export const validateMessage = (
  topic: Topic.Topic | undefined,
  input: MessageInput
): Either.Either<ValidMessage, InvalidParameter | ParameterValueInvalid> => {
  const body = input.message
  if (body === undefined) return Either.left(invalidParameter("Message Reason: no value for required parameter"))
  if (body.length === 0) return Either.left(invalidParameter("Empty message"))
  let subject: string | undefined
  if (input.subject !== undefined) {
    const checked = MessageAttributesRules.validateSubject(input.subject)
    if (Either.isLeft(checked)) return Either.left(checked.left)
    subject = checked.right
  }
  const attributes = MessageAttributesRules.validateAll(input.messageAttributes)
  if (Either.isLeft(attributes)) return Either.left(attributes.left)
  const bytes = MessageAttributesRules.messageBytes(body, attributes.right)
  if (bytes > MessageAttributesRules.MAX_MESSAGE_BYTES) {
    return Either.left(invalidParameter("Message too long"))
  }
  const messageStructure = validateStructure(body, input.messageStructure)
  if (Either.isLeft(messageStructure)) return Either.left(messageStructure.left)
  const fifo = topic !== undefined && topic.fifo ? fifoIds(topic, input, body) : standardIds(input)
  if (Either.isLeft(fifo)) return Either.left(fifo.left)
  return Either.right({ body, subject, messageStructure: messageStructure.right, attributes: attributes.right, fifo: fifo.right, bytes })
}

/** A FIFO topic's message: the group id it must have and the deduplication id it gets. */
const fifoIds = (
  topic: Topic.Topic,
  input: MessageInput,
  body: string
): Either.Either<ValidMessage["fifo"], InvalidParameter | ParameterValueInvalid> => {
  if (input.messageGroupId === undefined || input.messageGroupId === "") {
    return Either.left(invalidParameter("The MessageGroupId parameter is required for FIFO topics"))
  }
  const messageGroupId = Fifo.validateId("MessageGroupId", input.messageGroupId)
  if (Either.isLeft(messageGroupId)) return Either.left(messageGroupId.left)
  let messageDeduplicationId: Either.Either<string, InvalidParameter | ParameterValueInvalid>
  if (input.messageDeduplicationId !== undefined) {
    messageDeduplicationId = Fifo.validateId("MessageDeduplicationId", input.messageDeduplicationId)
  } else if (Topic.contentBasedDeduplication(topic)) {
    messageDeduplicationId = Either.right(Fifo.contentDeduplicationId(body))
  } else {
    return Either.left(
      invalidParameter("The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly")
    )
  }
  return Either.map(messageDeduplicationId, (id) => ({ messageGroupId: messageGroupId.right, messageDeduplicationId: id }))
}

/** A standard topic's message: no deduplication id, and a group id (ignored) only if well-formed. */
const standardIds = (input: MessageInput): Either.Either<undefined, InvalidParameter | ParameterValueInvalid> => {
  if (input.messageDeduplicationId !== undefined) {
    return Either.left(
      invalidParameter("MessageDeduplicationId", "The request includes MessageDeduplicationId parameter that is not valid for this topic type")
    )
  }
  return input.messageGroupId === undefined ? Either.right(undefined) : Either.map(Fifo.validateId("MessageGroupId", input.messageGroupId), () => undefined)
}

/**
 * PublishBatch's FIFO rules that refuse the whole request rather than one entry: on a FIFO topic
 * every entry needs a MessageGroupId, and, unless the topic deduplicates by content, a
 * MessageDeduplicationId. AWS answers the request itself `InvalidParameter` with Publish's texts,
 * before looking at any entry (recorded AWS answers in LocalStack's validated PublishBatch tests);
 * the other rules of one message fail its entry alone, in `Failed`.
 *
 * @category validation
 */
export const validateBatchForTopic = (
  topic: Topic.Topic,
  entries: ReadonlyArray<BatchEntryInput>
): Either.Either<void, InvalidParameter> => {
  if (!topic.fifo) return Either.void
  if (entries.some((entry) => entry.messageGroupId === undefined || entry.messageGroupId === "")) {
    return Either.left(invalidParameter("The MessageGroupId parameter is required for FIFO topics"))
  }
  if (!Topic.contentBasedDeduplication(topic) && entries.some((entry) => entry.messageDeduplicationId === undefined)) {
    return Either.left(
      invalidParameter("The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly")
    )
  }
  return Either.void
}

const ENTRY_ID = /^[A-Za-z0-9_-]{1,80}$/

/**
 * The checks on a batch as a whole; each entry is then checked on its own and may fail alone.
 *
 * @category validation
 */
export const validateBatch = (
  entries: ReadonlyArray<BatchEntryInput>
): Either.Either<
  ReadonlyArray<BatchEntryInput>,
  EmptyBatchRequest | TooManyEntriesInBatchRequest | BatchEntryIdsNotDistinct | InvalidBatchEntryId | BatchRequestTooLong
> => {
  if (entries.length === 0) {
    return Either.left(new EmptyBatchRequest({ message: "The batch request doesn't contain any entries." }))
  }
  if (entries.length > MAX_BATCH_ENTRIES) {
    return Either.left(new TooManyEntriesInBatchRequest({ message: "The batch request contains more entries than permissible." }))
  }
  const ids = new Set<string>()
  let total = 0
  for (const entry of entries) {
    if (!ENTRY_ID.test(entry.id)) {
      return Either.left(
        new InvalidBatchEntryId({
          message: "The Id of a batch entry in a batch request doesn't abide by the specification."
        })
      )
    }
    if (ids.has(entry.id)) {
      return Either.left(new BatchEntryIdsNotDistinct({ message: "Two or more batch entries in the request have the same Id." }))
    }
    ids.add(entry.id)
    total += MessageAttributesRules.messageBytes(entry.message ?? "", entry.messageAttributes)
  }
  if (total > MAX_BATCH_BYTES) {
    return Either.left(new BatchRequestTooLong({ message: "The length of all the messages put together is more than the limit." }))
  }
  return Either.right(entries)
}
