/**
 * Receipt handles: "Every time you receive a message from a queue, you receive a receipt handle for
 * that message. This handle is associated with the action of receiving the message, not with the
 * message itself" (Developer Guide, "Amazon SQS queue and message identifiers").
 *
 * A handle names the message and which of its receives issued it, so DeleteMessage and
 * ChangeMessageVisibility can tell the latest handle from an older one without keeping every handle
 * ever issued; the shell's random nonce makes it unguessable. To clients it is an opaque base64 string,
 * as SQS's are.
 *
 * @since 0.1.0
 */
import { Either, Encoding } from "effect"
import { ReceiptHandleIsInvalid } from "./QueueErrors.js"

/**
 * @category models
 */
export interface ReceiptHandle {
  readonly messageId: string
  /** The message's receive count after the receive that issued this handle. */
  readonly receive: number
  /** Random text from the shell, fresh for each receive. */
  readonly nonce: string
}

const SEPARATOR = " "

/**
 * @category encoding
 */
export const encode = (handle: ReceiptHandle): string =>
  Encoding.encodeBase64([handle.nonce, String(handle.receive), handle.messageId].join(SEPARATOR))

/**
 * Reads a handle back; anything this module did not write is invalid, with SQS's text.
 *
 * @category parsing
 */
export const decode = (text: string): Either.Either<ReceiptHandle, ReceiptHandleIsInvalid> => {
  const invalid = () => new ReceiptHandleIsInvalid({ message: `The input receipt handle "${text}" is not a valid receipt handle.` })
  const decoded = Encoding.decodeBase64String(text)
  if (Either.isLeft(decoded)) return Either.left(invalid())
  const parts = decoded.right.split(SEPARATOR)
  if (parts.length !== 3 || parts[0] === "" || parts[2] === "" || !/^[1-9]\d*$/.test(parts[1]!)) return Either.left(invalid())
  return Either.right({ nonce: parts[0]!, receive: Number(parts[1]), messageId: parts[2]! })
}
