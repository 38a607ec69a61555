/**
 * The message store's writes, as plain row values and the one function that commits a group of them.
 *
 * The store (`SqliteMessageStore`) turns each `append`, `settle`, `removeTopic`,
 * `removeSubscription` and `prune` into a `Write`: a tuple of values ready to bind, so that handing
 * it to the writer thread (`SqliteWriterWorker`) costs a structured clone of strings, numbers and
 * bytes rather than of rich objects. `makeGroupWriter` holds the statements and the group-commit
 * logic, and runs wherever the writer's connection is: on the writer thread for a database file, in
 * the store's own thread for `":memory:"` (which no other connection can open).
 *
 * A group is first written as one plain transaction, the cheap path taken almost always. Only if some
 * write is refused (a duplicate message id) is that transaction rolled back and the group written
 * again with each write in its own savepoint, so the refused caller fails alone and the others
 * commit. If the commit itself fails, every write in the group fails: none of them was written.
 *
 * The writer thread loads this module: it imports neither `effect` nor the core at run time (types
 * only), which would add a third of a second to each thread's start.
 *
 * @since 0.1.0
 */
import type { Message, MessageStore } from "@sealcast/core"
import type Database from "better-sqlite3"
import { failureMessage } from "./internal/failureMessage.js"
import * as JsonBytes from "./internal/jsonBytes.js"

/**
 * The attributes of a message that has none, as stored: no JSON round trip for the common case.
 *
 * @category encoding
 */
export const NO_ATTRIBUTES = "{}"

/**
 * The values `insertMessage` binds, in its column order.
 *
 * @category models
 */
export type MessageValues = readonly [
  id: string,
  topicArn: string,
  timestamp: number,
  subject: string | null,
  attributes: string,
  messageStructure: string | null,
  publisher: string,
  fifoGroupId: string | null,
  fifoDeduplicationId: string | null,
  fifoSequenceNumber: string | null,
  bodyKind: string,
  bodyText: string | null,
  envelopeAlgorithm: string | null,
  envelopeKeyArn: string | null,
  envelopeEncryptedDataKey: Uint8Array | null,
  envelopeNonce: Uint8Array | null,
  envelopeCiphertext: Uint8Array | null
]

/**
 * A delivery owed, as `insertDelivery` binds it.
 *
 * @category models
 */
export type DeliveryValues = readonly [messageId: string, subscriptionArn: string, dueAt: number]

/**
 * A delivery outcome as its statement binds it: four values for a retry (`retryDelivery`), two for
 * an end (`endDelivery`, delivered or given up).
 *
 * @category models
 */
export type SettleValues =
  | readonly [attempts: number, dueAt: number, messageId: string, subscriptionArn: string]
  | readonly [messageId: string, subscriptionArn: string]

/**
 * One caller's write, all or none: the operation's name, then its values.
 *
 * @category models
 */
export type Write =
  | readonly ["append", messages: ReadonlyArray<MessageValues>, deliveries: ReadonlyArray<DeliveryValues>]
  | readonly ["settle", settlements: ReadonlyArray<SettleValues>]
  | readonly ["removeSubscription", subscriptionArn: string]
  | readonly ["removeTopic", topicArn: string]
  | readonly ["prune", before: number]

/**
 * What became of one write: the number of rows it changed once committed (`prune` reports it), or
 * the message of its `StoreFailure`. A bare number or string, because outcomes cross threads too.
 *
 * @category models
 */
export type WriteOutcome = number | string

const DOING: Readonly<Record<Write[0], string>> = {
  append: "Cannot store the messages",
  settle: "Cannot record the delivery outcomes",
  removeSubscription: "Cannot remove the subscription's deliveries",
  removeTopic: "Cannot remove the topic's messages",
  prune: "Cannot prune old messages"
}

/**
 * The outcome of a write that failed for `cause`: "Cannot store the messages: <SQLite's words>".
 *
 * @category utils
 */
export const failedOutcome = (write: Write, cause: unknown): WriteOutcome => failureMessage(DOING[write[0]], cause)

const hasAny = (record: Readonly<Record<string, unknown>>): boolean => {
  for (const _ in record) return true
  return false
}

/**
 * A message as `insertMessage`'s values. Bound by position, not by name: better-sqlite3 then binds
 * straight from the array instead of looking each `@name` up in an object, a few microseconds a row.
 *
 * @category encoding
 */
export const messageValues = (message: Message.StoredMessage): MessageValues => {
  const { body, fifo } = message
  const envelope = body._tag === "Sealed" ? body.envelope : undefined
  return [
    message.messageId,
    message.topicArn,
    message.timestamp,
    message.subject ?? null,
    hasAny(message.attributes) ? JsonBytes.stringify(message.attributes) : NO_ATTRIBUTES,
    message.messageStructure ?? null,
    message.publisher,
    fifo?.messageGroupId ?? null,
    fifo?.messageDeduplicationId ?? null,
    fifo?.sequenceNumber ?? null,
    body._tag,
    body._tag === "Plain" ? body.text : null,
    envelope?.algorithm ?? null,
    envelope?.keyArn ?? null,
    envelope?.encryptedDataKey ?? null,
    envelope?.nonce ?? null,
    envelope?.ciphertext ?? null
  ]
}

/**
 * An `append` as a write: each message's row, and one delivery row per distinct subscription, due
 * at once (the message's timestamp).
 *
 * @category encoding
 */
export const appendWrite = (entries: ReadonlyArray<MessageStore.AppendEntry>): Write => {
  const messages: Array<MessageValues> = []
  const deliveries: Array<DeliveryValues> = []
  for (const { message, subscriptionArns } of entries) {
    messages.push(messageValues(message))
    // A Set only when there is something to deduplicate: one subscriber is the common case.
    const distinct = subscriptionArns.length > 1 ? new Set(subscriptionArns) : subscriptionArns
    for (const subscriptionArn of distinct) deliveries.push([message.messageId, subscriptionArn, message.timestamp])
  }
  return ["append", messages, deliveries]
}

/**
 * A `settle` as a write.
 *
 * @category encoding
 */
export const settleWrite = (settlements: ReadonlyArray<MessageStore.Settlement>): Write => [
  "settle",
  settlements.map(({ messageId, subscriptionArn, outcome }): SettleValues =>
    outcome._tag === "Retry" ? [outcome.attempts, outcome.dueAt, messageId, subscriptionArn] : [messageId, subscriptionArn]
  )
]

/** A write's own refusal, as opposed to SQLite failing: its outcome is this message as it is. */
class Refusal {
  constructor(readonly message: string) {}
}

const isUniqueViolation = (cause: unknown) =>
  cause instanceof Error && "code" in cause && cause.code === "SQLITE_CONSTRAINT_UNIQUE"

/**
 * The group writer on `db`: commits a group of writes and answers one outcome per write, in order.
 * It never throws; SQLite's errors become the failed writes' outcomes.
 *
 * @category constructors
 */
export const makeGroupWriter = (db: Database.Database): (group: ReadonlyArray<Write>) => Array<WriteOutcome> => {
  // Prepared once, reused for every group.
  const insertMessage = db.prepare<[MessageValues]>(
    `INSERT INTO messages (id, topic_arn, timestamp, subject, attributes, message_structure, publisher,
       fifo_group_id, fifo_deduplication_id, fifo_sequence_number, body_kind, body_text,
       envelope_algorithm, envelope_key_arn, envelope_encrypted_data_key, envelope_nonce, envelope_ciphertext)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
  )
  const insertDelivery = db.prepare<[DeliveryValues]>(
    "INSERT INTO deliveries (message_id, subscription_arn, attempts, due_at) VALUES (?, ?, 0, ?)"
  )
  const retryDelivery = db.prepare<[SettleValues]>(
    "UPDATE deliveries SET attempts = ?, due_at = ? WHERE message_id = ? AND subscription_arn = ?"
  )
  const endDelivery = db.prepare<[SettleValues]>("DELETE FROM deliveries WHERE message_id = ? AND subscription_arn = ?")
  const deleteBySubscription = db.prepare<[string]>("DELETE FROM deliveries WHERE subscription_arn = ?")
  // The deliveries go with their messages by the foreign key's ON DELETE CASCADE.
  const deleteByTopic = db.prepare<[string]>("DELETE FROM messages WHERE topic_arn = ?")
  const deleteSettled = db.prepare<[number]>(
    `DELETE FROM messages WHERE timestamp < ?
       AND NOT EXISTS (SELECT 1 FROM deliveries WHERE deliveries.message_id = messages.id)`
  )

  /**
   * Runs one write; returns the rows it changed, or throws: a `Refusal` for a duplicate message
   * id, SQLite's error otherwise.
   */
  const apply = (write: Write): number => {
    switch (write[0]) {
      case "append": {
        for (const values of write[1]) {
          try {
            insertMessage.run(values)
          } catch (cause) {
            if (isUniqueViolation(cause)) throw new Refusal(`Message ${values[0]} is already stored`)
            throw cause
          }
        }
        for (const values of write[2]) insertDelivery.run(values)
        return write[1].length
      }
      case "settle": {
        let changes = 0
        for (const values of write[1]) changes += (values.length === 4 ? retryDelivery : endDelivery).run(values).changes
        return changes
      }
      case "removeSubscription":
        return deleteBySubscription.run(write[1]).changes
      case "removeTopic":
        return deleteByTopic.run(write[1]).changes
      case "prune":
        return deleteSettled.run(write[1]).changes
    }
  }

  /** Set when a write threw inside `writeGroup`, as opposed to its BEGIN or COMMIT failing. */
  let writeRefused = false

  /** The cheap path: the whole group in one transaction, no savepoints. */
  const writeGroup = db.transaction((group: ReadonlyArray<Write>, outcomes: Array<WriteOutcome>) => {
    writeRefused = false
    for (const write of group) {
      try {
        outcomes.push(apply(write))
      } catch (cause) {
        writeRefused = true
        throw cause
      }
    }
  })

  /** One write, all or none; nested in `writeEachAlone`'s transaction it is a SAVEPOINT. */
  const writeInSavepoint = db.transaction(apply)

  /** The fallback after a refusal: each write in its own savepoint, so a refused one fails alone. */
  const writeEachAlone = db.transaction((group: ReadonlyArray<Write>, outcomes: Array<WriteOutcome>) => {
    for (const write of group) {
      try {
        outcomes.push(writeInSavepoint(write))
      } catch (cause) {
        outcomes.push(cause instanceof Refusal ? cause.message : failedOutcome(write, cause))
      }
    }
  })

  return (group) => {
    const outcomes: Array<WriteOutcome> = []
    try {
      try {
        writeGroup(group, outcomes)
      } catch (cause) {
        // better-sqlite3 has rolled the group back. Only a refused write is worth a second try;
        // a failed BEGIN or COMMIT would fail again.
        if (!writeRefused) throw cause
        outcomes.length = 0
        writeEachAlone(group, outcomes)
      }
    } catch (cause) {
      return group.map((write) => failedOutcome(write, cause))
    }
    return outcomes
  }
}
