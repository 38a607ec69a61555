/**
 * Wire shapes more than one SNS action shares (botocore `sns/2010-03-31`): tags, attribute maps,
 * message attributes, the message members of Publish and PublishBatch, and the subscription list.
 */
import type { Message, Publish, Sns, Topic } from "@sealcast/core"
import { Schema } from "effect"
import { Blob, QueryList, QueryMap, Text } from "../../query/Shapes.js"
import * as Xml from "../../query/Xml.js"

/** `Tag`: Key and Value, both required. */
const TagShape = Schema.Struct({ Key: Text, Value: Text })

/** `TagList`: `Tags.member.N.Key` / `.Value`. */
export const Tags = QueryList(TagShape)

/** The core's tags from the wire's. */
export const toTags = (tags: ReadonlyArray<typeof TagShape.Type>): ReadonlyArray<Topic.Tag> =>
  tags.map((t) => ({ key: t.Key, value: t.Value }))

/** `TagList` in a response. */
export const tagsXml = (tags: ReadonlyArray<Topic.Tag>): Xml.Node =>
  Xml.list("Tags", tags, (t) => [Xml.leaf("Key", t.key), Xml.leaf("Value", t.value)])

/** `TopicAttributesMap` and `SubscriptionAttributesMap`: `Attributes.entry.N.key` / `.value`. */
export const Attributes = QueryMap("key", "value", Text)

/** `MessageAttributeValue`: DataType required, then StringValue or BinaryValue. */
const MessageAttributeValueShape = Schema.Struct({
  DataType: Text,
  StringValue: Schema.optional(Text),
  BinaryValue: Schema.optional(Blob)
})

/** `MessageAttributeMap`: `MessageAttributes.entry.N.Name` / `.Value.*`. */
export const MessageAttributes = QueryMap("Name", "Value", MessageAttributeValueShape)

/**
 * SNS reads the field its DataType names: BinaryValue for `Binary…`, StringValue otherwise. If only
 * the other field came, it is passed on so the core answers "must use field 'Binary'" (or
 * 'String'); if neither came, an empty value of the named field is passed so the core answers "must
 * contain non-empty message attribute value" (SNS guide, "Amazon SNS message attributes").
 */
const toMessageAttribute = (wire: typeof MessageAttributeValueShape.Type): Message.MessageAttributeValue => {
  const dataType = wire.DataType
  const binary = (bytes: Uint8Array) => ({ dataType, binaryValue: bytes })
  const text = (value: string) => ({ dataType, stringValue: value })
  if (dataType.startsWith("Binary")) {
    if (wire.BinaryValue !== undefined) return binary(wire.BinaryValue)
    return wire.StringValue !== undefined ? text(wire.StringValue) : binary(new Uint8Array(0))
  }
  if (wire.StringValue !== undefined) return text(wire.StringValue)
  return wire.BinaryValue !== undefined ? binary(wire.BinaryValue) : text("")
}

/** The members Publish and PublishBatch entries share. Message is required in both. */
export const messageFields = {
  Message: Text,
  Subject: Schema.optional(Text),
  MessageStructure: Schema.optional(Text),
  MessageAttributes: Schema.optional(MessageAttributes),
  MessageDeduplicationId: Schema.optional(Text),
  MessageGroupId: Schema.optional(Text)
}

const MessageFieldsShape = Schema.Struct(messageFields)

/** The core's message input from the shared members. */
export const toMessageInput = (wire: typeof MessageFieldsShape.Type): Publish.MessageInput => ({
  message: wire.Message,
  subject: wire.Subject,
  messageStructure: wire.MessageStructure,
  // Most messages carry no attributes: an empty record, with no array of entries made for it.
  messageAttributes: wire.MessageAttributes === undefined
    ? {}
    : Object.fromEntries(Array.from(wire.MessageAttributes, ([name, value]) => [name, toMessageAttribute(value)])),
  messageGroupId: wire.MessageGroupId,
  messageDeduplicationId: wire.MessageDeduplicationId
})

/** `SubscriptionsList` then `NextToken`, as ListSubscriptions and ListSubscriptionsByTopic answer. */
export const subscriptionsPageXml = (page: {
  readonly subscriptions: ReadonlyArray<Sns.SubscriptionSummary>
  readonly nextToken: string | undefined
}): ReadonlyArray<Xml.Node> => [
  Xml.list("Subscriptions", page.subscriptions, (s) => [
    Xml.leaf("SubscriptionArn", s.subscriptionArn),
    Xml.leaf("Owner", s.owner),
    Xml.leaf("Protocol", s.protocol),
    Xml.leaf("Endpoint", s.endpoint),
    Xml.leaf("TopicArn", s.topicArn)
  ]),
  ...Xml.optionalLeaf("NextToken", page.nextToken)
]

/** A model `integer` (MaxResults). */
export const Integer = Schema.compose(Text, Schema.NumberFromString.pipe(Schema.int()))

/**
 * A list of ARNs with their attributes, then `NextToken`, as ListPlatformApplications and
 * ListEndpointsByPlatformApplication answer.
 */
export const arnsWithAttributesXml = (
  listName: string,
  arnName: string,
  page: { readonly items: ReadonlyArray<Sns.ArnWithAttributes>; readonly nextToken: string | undefined }
): ReadonlyArray<Xml.Node> => [
  Xml.list(listName, page.items, (item) => [Xml.leaf(arnName, item.arn), Xml.map("Attributes", item.attributes)]),
  ...Xml.optionalLeaf("NextToken", page.nextToken)
]
