/**
 * ReceiveMessage: up to 10 messages, waiting up to WaitTimeSeconds for one (SQS API Reference,
 * "ReceiveMessage"). Only the system attributes (`MessageSystemAttributeNames`, or the older
 * `AttributeNames`) and message attributes (`MessageAttributeNames`: a name, `prefix.*`, `All` or
 * `.*`) the request names are returned; MD5OfMessageAttributes is the digest of all of them, as sent.
 *
 * @since 0.1.0
 */
import { type Message, QueueMessages } from "@sealcast/core"
import { Effect, Either } from "effect"
import * as Action from "./Action.js"
import { encodeMessageAttributes, optionalInteger, optionalString, requiredString, stringList } from "./internal/read.js"

const systemAttributesNamed = (all: Record<string, string>, names: ReadonlyArray<string>): Record<string, string> => {
  if (names.includes("All")) return all
  const out: Record<string, string> = {}
  for (const name of names) if (all[name] !== undefined) out[name] = all[name]
  return out
}

const messageAttributesNamed = (all: Message.MessageAttributes, names: ReadonlyArray<string>): Message.MessageAttributes => {
  if (names.includes("All") || names.includes(".*")) return all
  const out: Record<string, Message.MessageAttributeValue> = {}
  for (const [name, value] of Object.entries(all)) {
    const wanted = names.some((n) => (n.endsWith(".*") ? name.startsWith(n.slice(0, -1)) : n === name))
    if (wanted) out[name] = value
  }
  return out
}

export const ReceiveMessage = Action.make({
  name: "ReceiveMessage",
  decode: (body) =>
    Either.all({
      queueUrl: requiredString(body, "QueueUrl"),
      systemAttributeNames: Either.map(Either.all([stringList(body, "AttributeNames"), stringList(body, "MessageSystemAttributeNames")]), ([a, b]) => [...a, ...b]),
      messageAttributeNames: stringList(body, "MessageAttributeNames"),
      receive: Either.all({
        maxNumberOfMessages: optionalInteger(body, "MaxNumberOfMessages"),
        visibilityTimeout: optionalInteger(body, "VisibilityTimeout"),
        waitTimeSeconds: optionalInteger(body, "WaitTimeSeconds"),
        receiveRequestAttemptId: optionalString(body, "ReceiveRequestAttemptId")
      })
    }),
  run: (sqs, input, ctx) => Effect.map(sqs.receiveMessage(input.queueUrl, input.receive, ctx), (received) => ({ received, input })),
  encode: ({ input, received }) =>
    received.length === 0
      ? {}
      : {
          Messages: received.map(({ message, receiptHandle }) => {
            const system = systemAttributesNamed(QueueMessages.systemAttributes(message), input.systemAttributeNames)
            const attributes = messageAttributesNamed(message.attributes, input.messageAttributeNames)
            return {
              MessageId: message.messageId,
              ReceiptHandle: receiptHandle,
              MD5OfBody: message.md5OfMessageBody,
              Body: message.body,
              ...(Object.keys(system).length > 0 ? { Attributes: system } : {}),
              ...(message.md5OfMessageAttributes !== undefined && Object.keys(attributes).length > 0
                ? { MD5OfMessageAttributes: message.md5OfMessageAttributes, MessageAttributes: encodeMessageAttributes(attributes) }
                : {})
            }
          })
        }
})
