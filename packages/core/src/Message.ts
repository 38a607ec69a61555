/**
 * The stored message: plaintext metadata and a body that is either plain text or a sealed envelope.
 *
 * SNS Developer Guide, "Encryption at rest", "Encryption scope": SSE encrypts the body of a message
 * and not its metadata (topic name and attributes; subject, message ID, timestamp and attributes),
 * the data protection policy or per-topic metrics (docs/SEMANTICS.md §1.4). So everything but the
 * body is plain here, and the body is a tagged union decided once, at publish, never changed after
 * (docs/SEMANTICS.md §1.5).
 *
 * @since 0.1.0
 */

/**
 * A typed message attribute, as SNS takes it (docs/SEMANTICS.md §4). `Binary` values are bytes; the other
 * types carry their text.
 *
 * @category models
 */
export type MessageAttributeValue =
  | { readonly dataType: string; readonly stringValue: string; readonly binaryValue?: undefined }
  | { readonly dataType: string; readonly binaryValue: Uint8Array; readonly stringValue?: undefined }

/**
 * @category models
 */
export type MessageAttributes = Readonly<Record<string, MessageAttributeValue>>

/**
 * The envelope of a sealed body (docs/SEMANTICS.md §1.6): the body under AES-256-GCM with a data key, and
 * that data key encrypted by KMS (its CiphertextBlob). The plaintext data key is never part of it.
 *
 * @category models
 */
export interface Envelope {
  readonly algorithm: "AES_256_GCM"
  /** The ARN of the KMS key that encrypted the data key. */
  readonly keyArn: string
  /** KMS's CiphertextBlob for the data key; only KMS Decrypt turns it back into the key. */
  readonly encryptedDataKey: Uint8Array
  /** 12 random bytes, fresh for every message (SP 800-38D §8.2). */
  readonly nonce: Uint8Array
  /** The body's UTF-8 bytes under AES-256-GCM, with the 16-byte tag appended. */
  readonly ciphertext: Uint8Array
}

/**
 * A body is stored as one of these and never changes variant.
 *
 * @category models
 */
export type MessageBody =
  | { readonly _tag: "Plain"; readonly text: string }
  | { readonly _tag: "Sealed"; readonly envelope: Envelope }

/**
 * FIFO metadata (docs/SEMANTICS.md §4).
 *
 * @category models
 */
export interface FifoInfo {
  readonly messageGroupId: string
  readonly messageDeduplicationId: string
  /** Decimal string, strictly increasing per topic, as SNS returns it. */
  readonly sequenceNumber: string
}

/**
 * A message as the store keeps it.
 *
 * @category models
 */
export interface StoredMessage {
  readonly messageId: string
  readonly topicArn: string
  readonly subject: string | undefined
  readonly attributes: MessageAttributes
  /** `"json"` when the body is a per-protocol JSON object (Publish's MessageStructure). */
  readonly messageStructure: "json" | undefined
  /** Milliseconds since the epoch, when the broker accepted the message. */
  readonly timestamp: number
  /** The ARN of the principal that published. */
  readonly publisher: string
  readonly fifo: FifoInfo | undefined
  readonly body: MessageBody
}
