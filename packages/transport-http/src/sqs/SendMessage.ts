/**
 * SendMessage: adds a message to a queue; answers its id and the MD5 digests the SDKs check (SQS API Reference, "SendMessage").
 *
 * @since 0.1.0
 */
import type { Sqs } from "@sealcast/core"
import { Either } from "effect"
import * as Action from "./Action.js"
import { type JsonObject, messageAttributes, optionalInteger, optionalString, requiredString } from "./internal/read.js"

/** One message's members, as SendMessage and each SendMessageBatch entry carry them. */
export const decodeMessage = (body: JsonObject) =>
  Either.all({
    body: requiredString(body, "MessageBody"),
    attributes: messageAttributes(body, "MessageAttributes"),
    delaySeconds: optionalInteger(body, "DelaySeconds"),
    messageGroupId: optionalString(body, "MessageGroupId"),
    messageDeduplicationId: optionalString(body, "MessageDeduplicationId")
  })

/** A sent message's answer members. */
export const encodeSent = (output: Sqs.SendMessageResult): Record<string, unknown> => ({
  MessageId: output.messageId,
  MD5OfMessageBody: output.md5OfMessageBody,
  ...(output.md5OfMessageAttributes !== undefined ? { MD5OfMessageAttributes: output.md5OfMessageAttributes } : {}),
  ...(output.sequenceNumber !== undefined ? { SequenceNumber: output.sequenceNumber } : {})
})

export const SendMessage = Action.make({
  name: "SendMessage",
  decode: (body) => Either.all({ queueUrl: requiredString(body, "QueueUrl"), message: decodeMessage(body) }),
  run: (sqs, input, ctx) => sqs.sendMessage(input.queueUrl, input.message, ctx),
  runNow: (sqs, input, ctx, done) => sqs.sendMessageNow?.(input.queueUrl, input.message, ctx, done) ?? false,
  encode: encodeSent
})
