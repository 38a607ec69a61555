/**
 * The documents SNS delivers, exactly as AWS sends them: the HTTP/S notification and subscription
 * confirmation JSON, the per-protocol message of a `MessageStructure=json` publish, the raw body, and
 * the compact form Firehose receives.
 *
 * Pure: the caller supplies the signature (see `Signature.ts`), so the same fields feed the string to
 * sign and the document.
 *
 * @since 0.1.0
 */
import type { Message } from "@sealcast/core"

/**
 * The links SNS hands to subscribers, all on the broker's own origin (docs/CONTRACT.md, "The endpoint").
 *
 * @category constructors
 */
export const subscribeUrl = (origin: string, topicArn: string, token: string): string =>
  `${origin}/?Action=ConfirmSubscription&TopicArn=${encodeURIComponent(topicArn)}&Token=${encodeURIComponent(token)}`

/**
 * @category constructors
 */
export const unsubscribeUrl = (origin: string, subscriptionArn: string): string =>
  `${origin}/?Action=Unsubscribe&SubscriptionArn=${encodeURIComponent(subscriptionArn)}`

/**
 * Where the broker serves the certificate whose key signs every message.
 *
 * @category constructors
 */
export const signingCertUrl = (origin: string): string => `${origin}/_sealcast/signing-cert.pem`

/**
 * SNS guide, "HTTP/HTTPS notification JSON format": "The time (GMT) when the notification was
 * published", written by AWS as ISO 8601 with milliseconds and `Z`.
 *
 * @category encoding
 */
export const timestamp = (millis: number): string => new Date(millis).toISOString()

/**
 * A message attribute as SNS writes it into notifications: `{"Type": <data type>, "Value": <text>}`,
 * a Binary value in base64 (SNS guide, "Amazon SNS message attributes").
 *
 * @category models
 */
export interface AttributeValue {
  readonly Type: string
  readonly Value: string
}

/**
 * @category encoding
 */
export const attributeValues = (attributes: Message.MessageAttributes): Readonly<Record<string, AttributeValue>> => {
  const out: Record<string, AttributeValue> = {}
  for (const [name, value] of Object.entries(attributes)) {
    out[name] = {
      Type: value.dataType,
      Value: value.binaryValue === undefined ? value.stringValue : Buffer.from(value.binaryValue).toString("base64")
    }
  }
  return out
}

/**
 * The fields of a notification that its signature covers, plus the ones around them. `Subject` is
 * absent when the publisher gave none ("this name-value pair does not appear in this JSON document").
 *
 * @category models
 */
export interface NotificationFields {
  readonly Type: "Notification"
  readonly MessageId: string
  readonly TopicArn: string
  readonly Subject?: string
  readonly Message: string
  readonly Timestamp: string
  readonly SignatureVersion: "1" | "2"
}

/**
 * A notification as SNS posts it, in AWS's field order.
 *
 * @category models
 */
export interface Notification extends NotificationFields {
  readonly Signature: string
  readonly SigningCertURL: string
  readonly UnsubscribeURL: string
  readonly MessageAttributes?: Readonly<Record<string, AttributeValue>>
}

/**
 * @category models
 */
export interface ConfirmationFields {
  readonly Type: "SubscriptionConfirmation"
  readonly MessageId: string
  readonly Token: string
  readonly TopicArn: string
  readonly Message: string
  readonly SubscribeURL: string
  readonly Timestamp: string
  readonly SignatureVersion: "1" | "2"
}

/**
 * A subscription confirmation as SNS posts it (SNS guide, "HTTP/HTTPS subscription confirmation JSON
 * format").
 *
 * @category models
 */
export interface Confirmation extends ConfirmationFields {
  readonly Signature: string
  readonly SigningCertURL: string
}

/**
 * @category constructors
 */
export const notificationFields = (input: {
  readonly message: Message.StoredMessage
  readonly text: string
  readonly signatureVersion: "1" | "2"
}): NotificationFields => ({
  Type: "Notification",
  MessageId: input.message.messageId,
  TopicArn: input.message.topicArn,
  ...(input.message.subject === undefined ? {} : { Subject: input.message.subject }),
  Message: input.text,
  Timestamp: timestamp(input.message.timestamp),
  SignatureVersion: input.signatureVersion
})

/**
 * Completes a notification with its signature and links. `MessageAttributes` appears only when the
 * message has attributes, as in AWS's deliveries.
 *
 * @category constructors
 */
export const notification = (
  fields: NotificationFields,
  links: { readonly signature: string; readonly signingCertUrl: string; readonly unsubscribeUrl: string },
  attributes: Message.MessageAttributes
): Notification => ({
  ...fields,
  Signature: links.signature,
  SigningCertURL: links.signingCertUrl,
  UnsubscribeURL: links.unsubscribeUrl,
  ...(Object.keys(attributes).length === 0 ? {} : { MessageAttributes: attributeValues(attributes) })
})

/**
 * The text SNS puts in a SubscriptionConfirmation's `Message`.
 *
 * @category encoding
 */
export const confirmationMessage = (topicArn: string): string =>
  `You have chosen to subscribe to the topic ${topicArn}.\nTo confirm the subscription, visit the SubscribeURL included in this message.`

/**
 * @category constructors
 */
export const confirmationFields = (input: {
  readonly messageId: string
  readonly token: string
  readonly topicArn: string
  readonly subscribeUrl: string
  readonly at: number
  readonly signatureVersion: "1" | "2"
}): ConfirmationFields => ({
  Type: "SubscriptionConfirmation",
  MessageId: input.messageId,
  Token: input.token,
  TopicArn: input.topicArn,
  Message: confirmationMessage(input.topicArn),
  SubscribeURL: input.subscribeUrl,
  Timestamp: timestamp(input.at),
  SignatureVersion: input.signatureVersion
})

/**
 * @category constructors
 */
export const confirmation = (fields: ConfirmationFields, signature: string, signingCertUrl: string): Confirmation => ({
  ...fields,
  Signature: signature,
  SigningCertURL: signingCertUrl
})

/**
 * SNS's own layout of the documents it posts: one field a line, two-space indent, `" : "` between
 * name and value, and each message attribute on one compact line.
 *
 * @category encoding
 */
export const encode = (document: Notification | Confirmation): string => {
  const lines = Object.entries(document).map(([name, value]) => {
    if (name !== "MessageAttributes") return `  ${JSON.stringify(name)} : ${JSON.stringify(value)}`
    const attributes = Object.entries(value as Record<string, AttributeValue>).map(
      ([attribute, v]) => `    ${JSON.stringify(attribute)} : ${JSON.stringify({ Type: v.Type, Value: v.Value })}`
    )
    return `  "MessageAttributes" : {\n${attributes.join(",\n")}\n  }`
  })
  return `{\n${lines.join(",\n")}\n}`
}

/**
 * The mobile push platforms, which key a `MessageStructure=json` message by platform rather than by
 * protocol (SNS guide, "Send custom platform-specific payloads to mobile devices").
 */
const platformOf = (endpointArn: string): string | undefined => /:endpoint\/([^/]+)\//.exec(endpointArn)?.[1]

/**
 * The message a subscription receives. With `MessageStructure=json`, the body is an object of
 * per-protocol messages and SNS sends the protocol's own entry, else `default` (SNS API reference,
 * Publish: MessageStructure). Publish has already checked that `default` is a string; a body that no
 * longer parses is sent as it is rather than lost.
 *
 * @category rules
 */
export const messageFor = (message: Message.StoredMessage, body: string, protocol: string, endpoint: string): string => {
  if (message.messageStructure !== "json") return body
  let parsed: unknown
  try {
    parsed = JSON.parse(body)
  } catch {
    return body
  }
  if (typeof parsed !== "object" || parsed === null) return body
  const fields = parsed as Record<string, unknown>
  const key = protocol === "application" ? platformOf(endpoint) ?? protocol : protocol
  const own = fields[key]
  if (typeof own === "string") return own
  const fallback = fields["default"]
  return typeof fallback === "string" ? fallback : body
}

/**
 * What Firehose stores for a notification without raw delivery: the notification's metadata without
 * signature fields, as compact JSON (SNS guide, "Formatting Amazon SNS notifications for storage in
 * Amazon S3 destinations").
 *
 * @category encoding
 */
export const firehoseRecord = (fields: NotificationFields, unsubscribe: string, attributes: Message.MessageAttributes): string =>
  JSON.stringify({
    Type: fields.Type,
    MessageId: fields.MessageId,
    TopicArn: fields.TopicArn,
    ...(fields.Subject === undefined ? {} : { Subject: fields.Subject }),
    Message: fields.Message,
    Timestamp: fields.Timestamp,
    UnsubscribeURL: unsubscribe,
    ...(Object.keys(attributes).length === 0 ? {} : { MessageAttributes: attributeValues(attributes) })
  })
