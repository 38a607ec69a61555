/**
 * The steps of a history: each is plain data (so a history can be saved and replayed), runs its API
 * call(s) against the endpoint through the AWS SDK, asks the model (src/Model.ts) what the answer
 * must be, and throws a `Divergence` when they differ. Names are slots (topics, keys and endpoints
 * 0 and 1, and the slot `MISSING` that is never created, whose calls the endpoint must answer
 * NotFound) so a shrunk history stays readable.
 *
 * @since 0.1.0
 */
import {
  CancelKeyDeletionCommand,
  CreateAliasCommand,
  CreateKeyCommand,
  DisableKeyCommand,
  EnableKeyCommand,
  ScheduleKeyDeletionCommand
} from "@aws-sdk/client-kms"
import {
  ConfirmSubscriptionCommand,
  CreateTopicCommand,
  DeleteTopicCommand,
  GetTopicAttributesCommand,
  PublishBatchCommand,
  PublishCommand,
  type SNSClient,
  SetSubscriptionAttributesCommand,
  SetTopicAttributesCommand,
  SubscribeCommand,
  UnsubscribeCommand
} from "@aws-sdk/client-sns"
import type { Publish } from "@sealcast/core"
import type { MessageAttributes } from "@sealcast/core/Message"
import * as Endpoint from "./Endpoint.js"
import { call, Divergence, expectDelivery, type History, type Outcome, show } from "./History.js"
import * as FanoutModel from "./FanoutModel.js"
import * as FanoutSteps from "./FanoutSteps.js"
import * as Model from "./Model.js"
import * as QueueModel from "./QueueModel.js"
import * as QueueSteps from "./QueueSteps.js"

/**
 * The AWS documentation behind each kind of expectation.
 *
 * @category models
 */
export const docs = {
  createTopic: "SNS API Reference, CreateTopic — https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html",
  deleteTopic: "SNS API Reference, DeleteTopic — https://docs.aws.amazon.com/sns/latest/api/API_DeleteTopic.html",
  topicAttributes:
    "SNS API Reference, SetTopicAttributes and GetTopicAttributes (KmsMasterKeyId, FifoTopic, ContentBasedDeduplication) — https://docs.aws.amazon.com/sns/latest/api/API_SetTopicAttributes.html",
  keyStates:
    "SNS Developer Guide, \"Encryption at rest\" (the topic's KMS key must be enabled when a message is published) and KMS Developer Guide, \"Key states of AWS KMS keys\" — https://docs.aws.amazon.com/sns/latest/dg/sns-server-side-encryption.html, https://docs.aws.amazon.com/kms/latest/developerguide/key-state.html",
  kmsApi: "KMS API Reference, the operation's page and \"Key states of AWS KMS keys\" — https://docs.aws.amazon.com/kms/latest/developerguide/key-state.html",
  alias: "KMS API Reference, CreateAlias — https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateAlias.html",
  subscribe:
    "SNS Developer Guide, \"Fanout to HTTP/S endpoints\" (the SubscriptionConfirmation message and ConfirmSubscription) — https://docs.aws.amazon.com/sns/latest/dg/SendMessageToHttp.prepare.html",
  fifoSubscribe:
    "SNS Developer Guide, \"Message delivery for FIFO topics\" (a FIFO topic delivers only to Amazon SQS queues) — https://docs.aws.amazon.com/sns/latest/dg/fifo-message-delivery.html",
  filter: "SNS Developer Guide, \"Amazon SNS message filtering\" — https://docs.aws.amazon.com/sns/latest/dg/sns-message-filtering.html",
  publish: "SNS API Reference, Publish — https://docs.aws.amazon.com/sns/latest/api/API_Publish.html",
  publishBatch: "SNS API Reference, PublishBatch — https://docs.aws.amazon.com/sns/latest/api/API_PublishBatch.html",
  fifoDedup:
    "SNS Developer Guide, \"Message deduplication for FIFO topics\" — https://docs.aws.amazon.com/sns/latest/dg/fifo-message-dedup.html",
  fifoOrder:
    "SNS Developer Guide, \"Message ordering details for FIFO topics\" — https://docs.aws.amazon.com/sns/latest/dg/fifo-message-delivery.html",
  delivery:
    "SNS Developer Guide, \"Amazon SNS message filtering\" and \"Fanout to HTTP/S endpoints\" (confirmed subscriptions whose policy accepts a message receive it; no other does) — https://docs.aws.amazon.com/sns/latest/dg/sns-message-filtering.html",
  transport:
    "SNS Developer Guide, \"Encryption at rest\": all requests to topics with SSE enabled must use HTTPS and Signature Version 4 — https://docs.aws.amazon.com/sns/latest/dg/sns-server-side-encryption.html",
  sigv4:
    "IAM User Guide, \"AWS Signature Version 4 for API requests\" (the signature, the date within 15 minutes, the credential scope's region and service) — https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html"
} as const

/** @category models */
export interface TopicSlot {
  readonly slot: number
  readonly fifo: boolean
}

/** How a KmsMasterKeyId names a key: a key slot by id or ARN, or an alias slot. @category models */
export type KeyChoice =
  | { readonly form: "id" | "arn"; readonly key: number }
  | { readonly form: "alias"; readonly alias: number }

/** A message as a step publishes it; the body is JSON so MessageBody policies can read it. @category models */
export interface MessageSpec {
  readonly body: number
  readonly color: "red" | "blue" | undefined
  readonly size: number | undefined
  readonly group: string | undefined
  readonly dedup: string | undefined
}

/** A filter policy and its scope, as the kit generates them. @category models */
export interface FilterSpec {
  readonly policy: string
  readonly scope: "MessageAttributes" | "MessageBody"
}

/**
 * One step of a history, as data.
 *
 * @category models
 */
export type StepSpec =
  | { readonly call: "CreateTopic"; readonly topic: TopicSlot; readonly contentDedup: boolean; readonly key: KeyChoice | undefined; readonly http: boolean }
  | { readonly call: "DeleteTopic"; readonly topic: TopicSlot; readonly http: boolean }
  | { readonly call: "SetKmsMasterKeyId"; readonly topic: TopicSlot; readonly key: KeyChoice | undefined; readonly http: boolean }
  | { readonly call: "CreateKey"; readonly key: number }
  | { readonly call: "EnableKey" | "DisableKey" | "ScheduleKeyDeletion" | "CancelKeyDeletion"; readonly key: number }
  | { readonly call: "CreateAlias"; readonly alias: number; readonly key: number }
  | { readonly call: "Subscribe"; readonly topic: TopicSlot; readonly endpoint: number; readonly filter: FilterSpec | undefined }
  | { readonly call: "ConfirmSubscription"; readonly topic: TopicSlot; readonly endpoint: number }
  | { readonly call: "Unsubscribe"; readonly topic: TopicSlot; readonly endpoint: number }
  | { readonly call: "SetFilterPolicy"; readonly topic: TopicSlot; readonly endpoint: number; readonly filter: FilterSpec }
  | { readonly call: "Publish"; readonly topic: TopicSlot; readonly message: MessageSpec; readonly http: boolean }
  | { readonly call: "PublishBatch"; readonly topic: TopicSlot; readonly messages: ReadonlyArray<MessageSpec> }
  | { readonly call: "MutatedPublish"; readonly topic: TopicSlot; readonly mutation: Endpoint.Mutation; readonly message: MessageSpec }
  | QueueSteps.QueueStepSpec
  | FanoutSteps.FanoutStepSpec

/**
 * The model a history carries: the oracle's state plus the history's names.
 *
 * @category models
 */
export interface HistoryModel {
  readonly oracle: Model.ModelState
  readonly prefix: string
  readonly origin: string
  /** The receiver's HTTPS origin, when the endpoint delivers there: endpoint slot 1 is subscribed over HTTPS. */
  readonly httpsOrigin: string | undefined
  /** The endpoint's id of each key slot the history created. */
  readonly keyIds: Map<number, string>
  /** The SQS side of the oracle. */
  readonly queues: QueueModel.QueueModelState
  /** The SNS → SQS deliveries the model made. */
  readonly fanout: FanoutModel.FanoutState
}

/** Names and ARNs of a history's slots. */
export const topicName = (m: { readonly prefix: string }, t: TopicSlot): string => `${m.prefix}t${t.slot}${t.fifo ? ".fifo" : ""}`
export const topicArn = (m: HistoryModel, t: TopicSlot): string => `arn:aws:sns:${m.oracle.region}:${m.oracle.accountId}:${topicName(m, t)}`
export const endpointPath = (m: { readonly prefix: string }, t: TopicSlot, endpoint: number): string =>
  `/${m.prefix}t${t.slot}${t.fifo ? "f" : ""}/e${endpoint}`
const endpointUrl = (m: HistoryModel, t: TopicSlot, endpoint: number): string =>
  `${endpoint === 1 && m.httpsOrigin !== undefined ? m.httpsOrigin : m.origin}${endpointPath(m, t, endpoint)}`
const protocolOf = (url: string): "http" | "https" => (url.startsWith("https:") ? "https" : "http")

/** The receiver path a subscription's endpoint names, if it is one of the kit's receiver's. */
export const receiverPath = (m: HistoryModel, endpoint: string): string | undefined => {
  for (const origin of [m.origin, m.httpsOrigin]) if (origin !== undefined && endpoint.startsWith(`${origin}/`)) return endpoint.slice(origin.length)
  return undefined
}
const aliasName = (m: { readonly prefix: string }, alias: number): string => `alias/${m.prefix}a${alias}`

/** A key slot never created stands for a key that does not exist: a well-formed id no key has. */
const missingKeyId = (key: number): string => `00000000-0000-4000-8000-00000000000${key % 10}`

const keyIdOf = (m: HistoryModel, key: number): string => m.keyIds.get(key) ?? missingKeyId(key)

/** How a step names a key slot or alias slot in an attribute. */
export const keyText = (m: HistoryModel, choice: KeyChoice): string => {
  switch (choice.form) {
    case "id":
      return keyIdOf(m, choice.key)
    case "arn":
      return `arn:aws:kms:${m.oracle.region}:${m.oracle.accountId}:key/${keyIdOf(m, choice.key)}`
    case "alias":
      return aliasName(m, choice.alias)
  }
}

/** The subscription of a slot, in the model. */
export const subscriptionOf = (m: HistoryModel, t: TopicSlot, endpoint: number) => {
  const url = endpointUrl(m, t, endpoint)
  const arn = topicArn(m, t)
  for (const s of m.oracle.registry.subscriptions.values()) if (s.topicArn === arn && s.endpoint === url) return s
  return undefined
}

/** The body a message spec publishes; `n` makes it unique in the history unless FIFO repeats it on purpose. */
export const bodyOf = (h: History, message: MessageSpec): string =>
  JSON.stringify({ kit: `${h.prefix}b${message.body}`, ...(message.color === undefined ? {} : { color: message.color }), ...(message.size === undefined ? {} : { size: message.size }) })

const attributesOf = (message: MessageSpec) => ({
  ...(message.color === undefined ? {} : { color: { DataType: "String", StringValue: message.color } }),
  ...(message.size === undefined ? {} : { size: { DataType: "Number", StringValue: String(message.size) } })
})

const messageInput = (h: History, message: MessageSpec): Publish.MessageInput => ({
  message: bodyOf(h, message),
  subject: undefined,
  messageStructure: undefined,
  messageAttributes: Model.stringAttributes({
    ...(message.color === undefined ? {} : { color: { type: "String", value: message.color } }),
    ...(message.size === undefined ? {} : { size: { type: "Number", value: String(message.size) } })
  }),
  messageGroupId: message.group,
  messageDeduplicationId: message.dedup
})

const snsCode = (error: unknown) => Endpoint.errorCode(error, "sns")
const kmsCode = (error: unknown) => Endpoint.errorCode(error, "kms")

const compareOutcome = (name: string, expected: Model.Expected<unknown>, actual: Outcome<unknown>, doc: string): void => {
  if (expected.ok === actual.ok && (expected.ok || actual.ok || expected.code === actual.code)) return
  throw new Divergence({
    call: name,
    expected: show(expected),
    actual: show(actual),
    doc,
    fingerprint: `${name}:${show(expected)}:${show(actual)}`
  })
}

const ECHOED = ["KmsMasterKeyId", "FifoTopic", "ContentBasedDeduplication"] as const

/** Reads the topic's attributes back and compares the ones the kit set. */
const checkEcho = async (m: HistoryModel, h: History, t: TopicSlot): Promise<void> => {
  const arn = topicArn(m, t)
  const ctx = Model.contextOf(m.oracle, "https")
  const expected = Model.topicAttributes(m.oracle, arn, ctx)
  const actual = await call(h, "GetTopicAttributes", { TopicArn: arn }, () => h.world.endpoint.sns.send(new GetTopicAttributesCommand({ TopicArn: arn })), snsCode)
  compareOutcome("GetTopicAttributes", expected, actual, docs.topicAttributes)
  if (!expected.ok || !actual.ok) return
  for (const name of ECHOED) {
    const want = expected.value[name]
    const got = actual.value.Attributes?.[name]
    if (want !== got) {
      throw new Divergence({
        call: "GetTopicAttributes",
        expected: `${name} ${want === undefined ? "absent" : JSON.stringify(want)}`,
        actual: `${name} ${got === undefined ? "absent" : JSON.stringify(got)}`,
        doc: docs.topicAttributes,
        fingerprint: `echo:${name}:${want === undefined}:${got === undefined}`
      })
    }
  }
}

/** A publish refused or accepted for its key's sake cites the key rules; anything else the call's page. */
const publishDoc = (expected: Model.Expected<unknown>, actual: Outcome<unknown>, otherwise: string): string =>
  [expected, actual].some((o) => !o.ok && o.code.startsWith("KMS")) ? docs.keyStates : otherwise

const clientFor = (h: History, http: boolean): SNSClient => (http ? h.world.endpoint.plainSns! : h.world.endpoint.sns)

/** Records where an accepted message must arrive: the kit's receiver, or a queue (src/FanoutModel.ts). */
export const expectRouted = (
  m: HistoryModel,
  h: History,
  subscriptionArns: ReadonlyArray<string>,
  messageId: string,
  body: string,
  fifo: Model.Accepted["fifo"],
  attributes: MessageAttributes
) => {
  for (const arn of subscriptionArns) {
    const s = m.oracle.registry.subscriptions.get(arn)
    if (s?.protocol === "sqs") FanoutModel.deliver(m.oracle, m.queues, m.fanout, s, messageId, body, attributes, fifo)
    const path = s === undefined ? undefined : receiverPath(m, s.endpoint)
    if (path !== undefined) expectDelivery(h, path, { messageId, body, step: h.step, group: fifo?.messageGroupId })
  }
}

/** A FIFO duplicate must answer with the first message's id (Fifo.decide) and is not delivered again. */
const settleAccepted = (
  m: HistoryModel,
  h: History,
  name: string,
  topic: TopicSlot,
  accepted: Model.Accepted,
  messageId: string,
  body: string,
  attributes: MessageAttributes
): void => {
  if (accepted.fifo !== undefined) {
    const { duplicateOf } = Model.sequence(m.oracle, topicArn(m, topic), accepted.fifo.messageDeduplicationId, messageId)
    if (duplicateOf !== undefined) {
      if (duplicateOf !== messageId) {
        throw new Divergence({
          call: name,
          expected: `MessageId ${duplicateOf} (a duplicate of deduplication id ${accepted.fifo.messageDeduplicationId} inside 5 minutes)`,
          actual: `MessageId ${messageId}`,
          doc: docs.fifoDedup,
          fingerprint: `${name}:duplicate-id`
        })
      }
      return
    }
  }
  expectRouted(m, h, accepted.subscriptionArns, messageId, body, accepted.fifo, attributes)
}

/**
 * Runs one step against the endpoint and the model.
 *
 * @category operations
 */
export const run = async (spec: StepSpec, m: HistoryModel, h: History): Promise<void> => {
  if (QueueSteps.isQueueStep(spec)) return QueueSteps.run(spec, m, h, keyText)
  if (FanoutSteps.isFanoutStep(spec)) return FanoutSteps.run(spec, m, h)
  const { endpoint, ledger } = h.world
  const https = Model.contextOf(m.oracle, "https")
  switch (spec.call) {
    case "CreateTopic": {
      const name = topicName(m, spec.topic)
      const attributes: Record<string, string> = {
        ...(spec.topic.fifo ? { FifoTopic: "true" } : {}),
        ...(spec.topic.fifo && spec.contentDedup ? { ContentBasedDeduplication: "true" } : {}),
        ...(spec.key === undefined ? {} : { KmsMasterKeyId: keyText(m, spec.key) })
      }
      const actual = await call(h, "CreateTopic", { Name: name, Attributes: attributes, via: spec.http ? "http" : undefined }, () =>
        clientFor(h, spec.http).send(new CreateTopicCommand({ Name: name, Attributes: attributes })), snsCode)
      if (actual.ok && actual.value.TopicArn !== undefined) ledger.topic(actual.value.TopicArn)
      const expected = Model.createTopic(m.oracle, name, attributes, Model.contextOf(m.oracle, spec.http ? "http" : "https"))
      compareOutcome("CreateTopic", expected, actual, spec.http ? docs.transport : docs.createTopic)
      if (expected.ok && actual.ok && actual.value.TopicArn !== expected.value) {
        throw new Divergence({ call: "CreateTopic", expected: `TopicArn ${expected.value}`, actual: `TopicArn ${actual.value.TopicArn}`, doc: docs.createTopic, fingerprint: "CreateTopic:arn" })
      }
      if (expected.ok) await checkEcho(m, h, spec.topic)
      return
    }
    case "DeleteTopic": {
      const arn = topicArn(m, spec.topic)
      const actual = await call(h, "DeleteTopic", { TopicArn: arn, via: spec.http ? "http" : undefined }, () => clientFor(h, spec.http).send(new DeleteTopicCommand({ TopicArn: arn })), snsCode)
      compareOutcome("DeleteTopic", Model.deleteTopic(m.oracle, arn, Model.contextOf(m.oracle, spec.http ? "http" : "https")), actual, spec.http ? docs.transport : docs.deleteTopic)
      return
    }
    case "SetKmsMasterKeyId": {
      const arn = topicArn(m, spec.topic)
      const value = spec.key === undefined ? "" : keyText(m, spec.key)
      const actual = await call(h, "SetTopicAttributes", { TopicArn: arn, AttributeName: "KmsMasterKeyId", AttributeValue: value, via: spec.http ? "http" : undefined }, () =>
        clientFor(h, spec.http).send(new SetTopicAttributesCommand({ TopicArn: arn, AttributeName: "KmsMasterKeyId", AttributeValue: value })), snsCode)
      const expected = Model.setTopicAttribute(m.oracle, arn, "KmsMasterKeyId", value, Model.contextOf(m.oracle, spec.http ? "http" : "https"))
      compareOutcome("SetTopicAttributes", expected, actual, spec.http ? docs.transport : docs.topicAttributes)
      if (expected.ok) await checkEcho(m, h, spec.topic)
      return
    }
    case "CreateKey": {
      const actual = await call(h, "CreateKey", { Description: `${h.prefix}k${spec.key}` }, () =>
        endpoint.kms.send(new CreateKeyCommand({ Description: `${h.prefix}k${spec.key}` })), kmsCode)
      compareOutcome("CreateKey", { ok: true, value: undefined }, actual, docs.kmsApi)
      const keyId = actual.ok ? actual.value.KeyMetadata?.KeyId : undefined
      if (keyId === undefined) {
        throw new Divergence({ call: "CreateKey", expected: "KeyMetadata.KeyId", actual: "none", doc: docs.kmsApi, fingerprint: "CreateKey:no-id" })
      }
      ledger.key(keyId)
      m.keyIds.set(spec.key, keyId)
      Model.createKey(m.oracle, keyId)
      return
    }
    case "EnableKey":
    case "DisableKey":
    case "ScheduleKeyDeletion":
    case "CancelKeyDeletion": {
      const KeyId = keyIdOf(m, spec.key)
      const command =
        spec.call === "EnableKey"
          ? new EnableKeyCommand({ KeyId })
          : spec.call === "DisableKey"
            ? new DisableKeyCommand({ KeyId })
            : spec.call === "ScheduleKeyDeletion"
              ? new ScheduleKeyDeletionCommand({ KeyId, PendingWindowInDays: 7 })
              : new CancelKeyDeletionCommand({ KeyId })
      const input = spec.call === "ScheduleKeyDeletion" ? { KeyId, PendingWindowInDays: 7 } : { KeyId }
      const actual = await call(h, spec.call, input, () => endpoint.kms.send(command as never) as Promise<unknown>, kmsCode)
      compareOutcome(spec.call, Model.changeKey(m.oracle, KeyId, spec.call), actual, docs.kmsApi)
      return
    }
    case "CreateAlias": {
      const AliasName = aliasName(m, spec.alias)
      const TargetKeyId = keyIdOf(m, spec.key)
      const actual = await call(h, "CreateAlias", { AliasName, TargetKeyId }, () => endpoint.kms.send(new CreateAliasCommand({ AliasName, TargetKeyId })), kmsCode)
      if (actual.ok) ledger.alias(AliasName)
      compareOutcome("CreateAlias", Model.createAlias(m.oracle, AliasName, TargetKeyId), actual, docs.alias)
      return
    }
    case "Subscribe": {
      const arn = topicArn(m, spec.topic)
      const url = endpointUrl(m, spec.topic, spec.endpoint)
      const attributes = spec.filter === undefined ? {} : { FilterPolicy: spec.filter.policy, FilterPolicyScope: spec.filter.scope }
      const before = subscriptionOf(m, spec.topic, spec.endpoint)
      const path = endpointPath(m, spec.topic, spec.endpoint)
      // A subscription to this endpoint may have come and gone: its confirmation is not this one's.
      const earlierTokens = new Set(h.world.receiver.deliveries(path).map((d) => d.token))
      const actual = await call(h, "Subscribe", { TopicArn: arn, Protocol: protocolOf(url), Endpoint: url, Attributes: attributes, ReturnSubscriptionArn: true }, () =>
        endpoint.sns.send(new SubscribeCommand({ TopicArn: arn, Protocol: protocolOf(url), Endpoint: url, Attributes: attributes, ReturnSubscriptionArn: true })), snsCode)
      const id = actual.ok ? (actual.value.SubscriptionArn ?? "").split(":").pop() ?? "" : "refused"
      const expected = Model.subscribe(m.oracle, { topicArn: arn, protocol: protocolOf(url), endpoint: url, attributes }, id, https)
      compareOutcome("Subscribe", expected, actual, spec.topic.fifo ? docs.fifoSubscribe : spec.filter === undefined ? docs.subscribe : docs.filter)
      if (!expected.ok || !actual.ok) return
      if (actual.value.SubscriptionArn !== expected.value.arn) {
        throw new Divergence({ call: "Subscribe", expected: `SubscriptionArn ${expected.value.arn}`, actual: `SubscriptionArn ${actual.value.SubscriptionArn}`, doc: docs.subscribe, fingerprint: "Subscribe:arn" })
      }
      if (before === undefined && expected.value.status === "PendingConfirmation") {
        const confirmation = await h.world.receiver.waitFor(
          path,
          (d) => d.type === "SubscriptionConfirmation" && !earlierTokens.has(d.token),
          h.world.deliveryWaitMs
        )
        if (confirmation?.token === undefined) {
          throw new Divergence({
            call: "Subscribe",
            expected: `a SubscriptionConfirmation posted to ${path} within ${h.world.deliveryWaitMs} ms`,
            actual: "none arrived",
            doc: docs.subscribe,
            fingerprint: "Subscribe:no-confirmation"
          })
        }
        h.tokens.set(expected.value.arn, confirmation.token)
      }
      return
    }
    case "ConfirmSubscription": {
      const s = subscriptionOf(m, spec.topic, spec.endpoint)!
      const Token = h.tokens.get(s.arn) ?? ""
      const actual = await call(h, "ConfirmSubscription", { TopicArn: s.topicArn, Token: "<the token SNS posted>" }, () =>
        endpoint.sns.send(new ConfirmSubscriptionCommand({ TopicArn: s.topicArn, Token })), snsCode)
      const expected = Model.confirmSubscription(m.oracle, s.topicArn, s.arn)
      compareOutcome("ConfirmSubscription", expected, actual, docs.subscribe)
      if (expected.ok && actual.ok && actual.value.SubscriptionArn !== s.arn) {
        throw new Divergence({ call: "ConfirmSubscription", expected: `SubscriptionArn ${s.arn}`, actual: `SubscriptionArn ${actual.value.SubscriptionArn}`, doc: docs.subscribe, fingerprint: "Confirm:arn" })
      }
      return
    }
    case "Unsubscribe": {
      const s = subscriptionOf(m, spec.topic, spec.endpoint)!
      const actual = await call(h, "Unsubscribe", { SubscriptionArn: s.arn }, () => endpoint.sns.send(new UnsubscribeCommand({ SubscriptionArn: s.arn })), snsCode)
      compareOutcome("Unsubscribe", Model.unsubscribe(m.oracle, s.arn, https), actual, docs.subscribe)
      return
    }
    case "SetFilterPolicy": {
      const s = subscriptionOf(m, spec.topic, spec.endpoint)!
      // The scope first, then the policy read under it, as a client changing both would.
      for (const [AttributeName, AttributeValue] of [["FilterPolicyScope", spec.filter.scope], ["FilterPolicy", spec.filter.policy]] as const) {
        const actual = await call(h, "SetSubscriptionAttributes", { SubscriptionArn: s.arn, AttributeName, AttributeValue }, () =>
          endpoint.sns.send(new SetSubscriptionAttributesCommand({ SubscriptionArn: s.arn, AttributeName, AttributeValue })), snsCode)
        compareOutcome("SetSubscriptionAttributes", Model.setSubscriptionAttribute(m.oracle, s.arn, AttributeName, AttributeValue, https), actual, docs.filter)
      }
      return
    }
    case "Publish": {
      const arn = topicArn(m, spec.topic)
      const body = bodyOf(h, spec.message)
      const input = {
        TopicArn: arn,
        Message: body,
        MessageAttributes: attributesOf(spec.message),
        ...(spec.message.group === undefined ? {} : { MessageGroupId: spec.message.group }),
        ...(spec.message.dedup === undefined ? {} : { MessageDeduplicationId: spec.message.dedup })
      }
      const actual = await call(h, "Publish", { ...input, via: spec.http ? "http" : undefined }, () => clientFor(h, spec.http).send(new PublishCommand(input)), snsCode)
      const expected = Model.publish(m.oracle, arn, messageInput(h, spec.message), Model.contextOf(m.oracle, spec.http ? "http" : "https"))
      compareOutcome("Publish", expected, actual, spec.http ? docs.transport : publishDoc(expected, actual, docs.publish))
      if (!expected.ok || !actual.ok) {
        if (!expected.ok) h.refusedBodies.set(body, h.step)
        return
      }
      settleAccepted(m, h, "Publish", spec.topic, expected.value, actual.value.MessageId ?? "", body, messageInput(h, spec.message).messageAttributes)
      return
    }
    case "PublishBatch": {
      const arn = topicArn(m, spec.topic)
      const entries = spec.messages.map((message, i) => ({
        Id: `e${i}`,
        Message: bodyOf(h, message),
        MessageAttributes: attributesOf(message),
        ...(message.group === undefined ? {} : { MessageGroupId: message.group }),
        ...(message.dedup === undefined ? {} : { MessageDeduplicationId: message.dedup })
      }))
      const actual = await call(h, "PublishBatch", { TopicArn: arn, PublishBatchRequestEntries: entries }, () =>
        endpoint.sns.send(new PublishBatchCommand({ TopicArn: arn, PublishBatchRequestEntries: entries })), snsCode)
      const expected = Model.publishBatch(m.oracle, arn, spec.messages.map((message, i) => ({ id: `e${i}`, ...messageInput(h, message) })), https)
      compareOutcome("PublishBatch", expected, actual, docs.publishBatch)
      if (!expected.ok || !actual.ok) return
      for (const [i, entry] of expected.value.entries()) {
        const ok = actual.value.Successful?.find((s) => s.Id === entry.id)
        const failed = actual.value.Failed?.find((f) => f.Id === entry.id)
        const got: Outcome<unknown> = ok !== undefined ? { ok: true, value: ok } : { ok: false, code: failed?.Code?.replace(/Exception$/, "") ?? "absent from the answer" }
        compareOutcome(`PublishBatch entry ${entry.id}`, entry.outcome, got, publishDoc(entry.outcome, got, docs.publishBatch))
        if (entry.outcome.ok && ok !== undefined) settleAccepted(m, h, `PublishBatch entry ${entry.id}`, spec.topic, entry.outcome.value, ok.MessageId ?? "", entries[i]!.Message, messageInput(h, spec.messages[i]!).messageAttributes)
        else h.refusedBodies.set(entries[i]!.Message, h.step)
      }
      return
    }
    case "MutatedPublish": {
      const arn = topicArn(m, spec.topic)
      const body = bodyOf(h, spec.message)
      h.refusedBodies.set(body, h.step)
      const form = { Action: "Publish", TopicArn: arn, Message: body, ...(spec.message.group === undefined ? {} : { MessageGroupId: spec.message.group }) }
      const answer = await call(h, `Publish (${spec.mutation} spoiled)`, form, () => Endpoint.sendRawSns(endpoint, form, spec.mutation), () => "transport error")
      if (answer.ok && answer.value.status >= 200 && answer.value.status < 300) {
        throw new Divergence({
          call: `Publish (${spec.mutation} spoiled)`,
          expected: "refused (HTTP 4xx: the signature does not verify)",
          actual: `HTTP ${answer.value.status}, accepted`,
          doc: docs.sigv4,
          fingerprint: `sigv4:${spec.mutation}`
        })
      }
      return
    }
  }
}

/**
 * The slot that is never created: steps naming it check the endpoint's NotFound answers. Every
 * other slot a step names must exist in the model, so a history spends its steps on live resources.
 *
 * @category models
 */
export const MISSING = 9

const topicExists = (m: HistoryModel, t: TopicSlot): boolean => t.slot === MISSING || m.oracle.registry.topics.has(topicArn(m, t))
const keyExists = (m: HistoryModel, key: number): boolean => key === MISSING || m.keyIds.has(key)
const choiceExists = (m: HistoryModel, choice: KeyChoice | undefined): boolean =>
  choice === undefined ||
  (choice.form === "alias"
    ? m.oracle.aliases.has(`arn:aws:kms:${m.oracle.region}:${m.oracle.accountId}:${aliasName(m, choice.alias)}`)
    : keyExists(m, choice.key))

/**
 * Whether a step can run in the model's state (fast-check's `check`): what it names exists (or is
 * the MISSING slot), and a subscription to confirm is pending.
 *
 * @category operations
 */
export const applicable = (spec: StepSpec, m: HistoryModel): boolean => {
  if (QueueSteps.isQueueStep(spec)) return QueueSteps.applicable(spec, m, (choice) => choiceExists(m, choice))
  if (FanoutSteps.isFanoutStep(spec)) return FanoutSteps.applicable(spec, m)
  switch (spec.call) {
    case "ConfirmSubscription": {
      const s = subscriptionOf(m, spec.topic, spec.endpoint)
      return s !== undefined && m.oracle.tokens.has(s.arn)
    }
    case "CreateKey":
      return !m.keyIds.has(spec.key)
    case "EnableKey":
    case "DisableKey":
    case "ScheduleKeyDeletion":
    case "CancelKeyDeletion":
    case "CreateAlias":
      return keyExists(m, spec.key)
    case "Unsubscribe":
    case "SetFilterPolicy":
      return subscriptionOf(m, spec.topic, spec.endpoint) !== undefined
    case "CreateTopic":
      return choiceExists(m, spec.key)
    case "SetKmsMasterKeyId":
      return topicExists(m, spec.topic) && choiceExists(m, spec.key)
    case "DeleteTopic":
    case "Subscribe":
    case "Publish":
    case "PublishBatch":
    case "MutatedPublish":
      return topicExists(m, spec.topic)
  }
}

/**
 * A step as the report prints it.
 *
 * @category utils
 */
export const describe = (spec: StepSpec): string => {
  const { call: name, ...rest } = spec
  return `${name} ${JSON.stringify(rest)}`
}
