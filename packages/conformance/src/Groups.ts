/**
 * The command groups: one per area of a service, each with the steps it generates and the
 * capabilities it needs. A service's groups are listed under its name: SNS's, KMS's (key states as SNS
 * sees them) and SQS's.
 *
 * @since 0.1.0
 */
import fc from "fast-check"
import { mutations } from "./Endpoint.js"
import type { Capabilities } from "./History.js"
import type { PolicyChoice } from "./FanoutSteps.js"
import type { QueueMessageSpec, QueueSetting, QueueSlot } from "./QueueSteps.js"
import { type FilterSpec, type KeyChoice, type MessageSpec, MISSING, type StepSpec, type TopicSlot } from "./Steps.js"

/**
 * @category models
 */
export interface Group {
  readonly name: string
  readonly service: "sns" | "kms" | "sqs"
  /** One line for the README and `--help`. */
  readonly checks: string
  /** Why the group cannot run against an endpoint with these capabilities, if it cannot. */
  readonly missing: (c: Capabilities) => string | undefined
  readonly steps: (c: Capabilities) => ReadonlyArray<fc.Arbitrary<StepSpec>>
}

/** Slots 0 and 1, and now and then the slot never created (NotFound answers). */
const slot = fc.oneof({ arbitrary: fc.integer({ min: 0, max: 1 }), weight: 19 }, { arbitrary: fc.constant(MISSING), weight: 1 })
const createdSlot = fc.integer({ min: 0, max: 1 })
const topicSlot = (fifo: fc.Arbitrary<boolean>): fc.Arbitrary<TopicSlot> => fc.record({ slot, fifo })
const newTopicSlot = (fifo: fc.Arbitrary<boolean>): fc.Arbitrary<TopicSlot> => fc.record({ slot: createdSlot, fifo })
const standard = topicSlot(fc.constant(false))
/** FIFO histories use one topic, so their messages meet in its groups. */
const fifoTopic: fc.Arbitrary<TopicSlot> = fc.record({ slot: fc.oneof({ arbitrary: fc.constant(0), weight: 19 }, { arbitrary: fc.constant(MISSING), weight: 1 }), fifo: fc.constant(true) })
const createFifoTopic = fc.record({ call: fc.constant("CreateTopic" as const), topic: fc.constant({ slot: 0, fifo: true }), contentDedup: fc.boolean(), key: fc.constant(undefined), http: fc.constant(false) })

const keyChoice: fc.Arbitrary<KeyChoice> = fc.oneof(
  fc.record({ form: fc.constantFrom("id" as const, "arn" as const), key: slot }),
  fc.record({ form: fc.constant("alias" as const), alias: fc.constant(0) })
)

/** Filter policies over the kit's attributes (color, size) and the same fields of its JSON bodies. */
export const filterPolicies: ReadonlyArray<FilterSpec> = [
  { policy: `{"color":["red"]}`, scope: "MessageAttributes" },
  { policy: `{"size":[{"numeric":[">",2]}]}`, scope: "MessageAttributes" },
  { policy: `{"color":[{"anything-but":["red"]}]}`, scope: "MessageAttributes" },
  { policy: `{"color":[{"exists":false}]}`, scope: "MessageAttributes" },
  { policy: `{"color":["blue"],"size":[{"numeric":["<=",2]}]}`, scope: "MessageAttributes" },
  { policy: `{"color":["blue"]}`, scope: "MessageBody" },
  { policy: `{"size":[{"numeric":["<",2]}]}`, scope: "MessageBody" },
  { policy: `{"$or":[{"color":["red"]},{"size":[3]}]}`, scope: "MessageBody" },
  { policy: `{"color":"red"}`, scope: "MessageAttributes" }
]
const filter = fc.constantFrom(...filterPolicies)

/** FIFO bodies come from three, so content-based deduplication meets repeats; standard ones are numbered. */
const message = (fifo: boolean): fc.Arbitrary<MessageSpec> =>
  fc.record({
    body: fifo ? fc.integer({ min: 0, max: 2 }) : fc.nat(),
    color: fc.constantFrom("red" as const, "blue" as const, undefined),
    size: fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined }),
    group: fifo ? fc.constantFrom("g0", "g1", "g0", "g1", undefined) : fc.constant(undefined),
    dedup: fifo ? fc.constantFrom("d0", "d1", "d2", "d3", undefined) : fc.constant(undefined)
  })

const createTopic = (fifo: fc.Arbitrary<boolean>, key: fc.Arbitrary<KeyChoice | undefined>, http: fc.Arbitrary<boolean>) =>
  fc.record({ call: fc.constant("CreateTopic" as const), topic: newTopicSlot(fifo), contentDedup: fc.boolean(), key, http })

const keySteps: ReadonlyArray<fc.Arbitrary<StepSpec>> = [
  fc.record({ call: fc.constant("CreateKey" as const), key: createdSlot }),
  fc.record({ call: fc.constantFrom("EnableKey" as const, "DisableKey" as const, "ScheduleKeyDeletion" as const, "CancelKeyDeletion" as const), key: slot }),
  fc.record({ call: fc.constant("CreateAlias" as const), alias: fc.constant(0), key: slot })
]

/** fast-check picks among a group's arbitraries evenly; a step listed twice comes twice as often. */
const subscriptionSteps = (topic: fc.Arbitrary<TopicSlot>, filtered = true): ReadonlyArray<fc.Arbitrary<StepSpec>> => [
  fc.record({ call: fc.constant("Subscribe" as const), topic, endpoint: createdSlot, filter: filtered ? fc.option(filter, { nil: undefined }) : fc.constant(undefined) }),
  fc.record({ call: fc.constant("Subscribe" as const), topic, endpoint: createdSlot, filter: fc.constant(undefined) }),
  fc.record({ call: fc.constant("ConfirmSubscription" as const), topic, endpoint: createdSlot }),
  fc.record({ call: fc.constant("ConfirmSubscription" as const), topic, endpoint: createdSlot }),
  fc.record({ call: fc.constant("ConfirmSubscription" as const), topic, endpoint: createdSlot }),
  fc.record({ call: fc.constant("Unsubscribe" as const), topic, endpoint: createdSlot }),
  ...(filtered ? [fc.record({ call: fc.constant("SetFilterPolicy" as const), topic, endpoint: createdSlot, filter })] : [])
]

const publish = (topic: fc.Arbitrary<TopicSlot>, fifo: boolean, http: fc.Arbitrary<boolean> = fc.constant(false)) =>
  fc.record({ call: fc.constant("Publish" as const), topic, message: message(fifo), http })

const publishBatch = (topic: fc.Arbitrary<TopicSlot>, fifo: boolean) =>
  fc.record({ call: fc.constant("PublishBatch" as const), topic, messages: fc.array(message(fifo), { minLength: 1, maxLength: 4 }) })

/** Mostly slot 0, so a history's messages meet in one queue; now and then slot 1 or the MISSING one. */
const standardQueue: fc.Arbitrary<QueueSlot> = fc.record({
  slot: fc.oneof({ arbitrary: fc.constant(0), weight: 15 }, { arbitrary: fc.constant(1), weight: 4 }, { arbitrary: fc.constant(MISSING), weight: 1 }),
  fifo: fc.constant(false)
})
const newQueueSlot = (fifo: boolean): fc.Arbitrary<QueueSlot> =>
  fc.record({ slot: fc.oneof({ arbitrary: fc.constant(0), weight: 3 }, { arbitrary: fc.constant(1), weight: 1 }), fifo: fc.constant(fifo) })
/** FIFO histories use one queue, so their messages meet in its groups. */
const fifoQueue: fc.Arbitrary<QueueSlot> = fc.record({ slot: fc.oneof({ arbitrary: fc.constant(0), weight: 19 }, { arbitrary: fc.constant(MISSING), weight: 1 }), fifo: fc.constant(true) })

const visibility = fc.constantFrom("0" as const, "600" as const)
const timeSetting: fc.Arbitrary<QueueSetting> = fc.oneof(
  fc.record({ name: fc.constant("VisibilityTimeout" as const), value: visibility }),
  fc.record({ name: fc.constant("DelaySeconds" as const), value: fc.constantFrom("0" as const, "900" as const) })
)
const sseSetting: fc.Arbitrary<QueueSetting> = fc.oneof(
  fc.record({ name: fc.constant("SqsManagedSseEnabled" as const), value: fc.constantFrom("true" as const, "false" as const) }),
  fc.record({ name: fc.constant("KmsMasterKeyId" as const), key: fc.option(keyChoice, { nil: undefined }) })
)
const dedupSetting: fc.Arbitrary<QueueSetting> = fc.record({ name: fc.constant("ContentBasedDeduplication" as const), value: fc.constantFrom("true" as const, "false" as const) })
/** A queue's settings: at most one of each name, as a request's attribute map holds them. */
const settings = (setting: fc.Arbitrary<QueueSetting>): fc.Arbitrary<ReadonlyArray<QueueSetting>> =>
  fc.uniqueArray(setting, { maxLength: 2, selector: (s) => s.name })

/** Standard bodies are numbered; FIFO ones come from three, so content-based deduplication meets repeats. */
const queueMessage = (fifo: boolean): fc.Arbitrary<QueueMessageSpec> =>
  fc.record({
    body: fifo ? fc.integer({ min: 0, max: 2 }) : fc.nat(),
    color: fc.constantFrom("red" as const, "blue" as const, undefined),
    delay: fifo ? fc.constant(undefined) : fc.constantFrom(undefined, undefined, 0 as const, 900 as const),
    group: fifo ? fc.constantFrom("g0", "g1", "g0", "g1", undefined) : fc.constant(undefined),
    dedup: fifo ? fc.constantFrom("d0", "d1", "d2", "d3", undefined) : fc.constant(undefined)
  })

const handle = fc.integer({ min: 0, max: 3 })
const sendSteps = (queue: fc.Arbitrary<QueueSlot>, fifo: boolean): ReadonlyArray<fc.Arbitrary<StepSpec>> => [
  fc.record({ call: fc.constant("SendMessage" as const), queue, message: queueMessage(fifo) }),
  fc.record({ call: fc.constant("SendMessage" as const), queue, message: queueMessage(fifo) }),
  fc.record({ call: fc.constant("SendMessageBatch" as const), queue, messages: fc.array(queueMessage(fifo), { minLength: 1, maxLength: 4 }) })
]
const receiveSteps = (queue: fc.Arbitrary<QueueSlot>, fifo: boolean): ReadonlyArray<fc.Arbitrary<StepSpec>> => [
  fc.record({
    call: fc.constant("ReceiveMessage" as const),
    queue,
    max: fc.constantFrom(1 as const, 10 as const),
    visibility: fc.constantFrom(0 as const, 600 as const, undefined),
    attempt: fifo ? fc.constantFrom("a0" as const, "a1" as const, undefined) : fc.constant(undefined)
  }),
  fc.record({ call: fc.constant("DeleteMessage" as const), queue, handle }),
  fc.record({ call: fc.constant("ChangeMessageVisibility" as const), queue, handle, timeout: fc.constantFrom(0 as const, 600 as const) })
]
const batchSteps = (queue: fc.Arbitrary<QueueSlot>): ReadonlyArray<fc.Arbitrary<StepSpec>> => [
  fc.record({ call: fc.constant("DeleteMessageBatch" as const), queue, handles: fc.array(handle, { minLength: 1, maxLength: 3 }) }),
  fc.record({ call: fc.constant("ChangeMessageVisibilityBatch" as const), queue, handles: fc.array(handle, { minLength: 1, maxLength: 3 }), timeout: fc.constantFrom(0 as const, 600 as const) })
]
const createQueue = (queue: fc.Arbitrary<QueueSlot>, setting: fc.Arbitrary<QueueSetting>) =>
  fc.record({ call: fc.constant("CreateQueue" as const), queue, settings: settings(setting), tagged: fc.boolean() })
const queueCall = (queue: fc.Arbitrary<QueueSlot>, ...calls: Array<"DeleteQueue" | "GetQueueUrl" | "GetQueueAttributes" | "ListQueueTags" | "PurgeQueue">) =>
  fc.record({ call: fc.constantFrom(...calls), queue })
/** Slot 0 mostly, so a history's topics, queues and subscriptions meet. */
const mostlyFirst = fc.oneof({ arbitrary: fc.constant(0), weight: 3 }, { arbitrary: fc.constant(1), weight: 1 })
const fanoutQueueSlot: fc.Arbitrary<QueueSlot> = fc.record({ slot: mostlyFirst, fifo: fc.constant(false) })
const fanoutTopic: fc.Arbitrary<TopicSlot> = fc.record({ slot: mostlyFirst, fifo: fc.constant(false) })
const fanoutQueue = fc.record({
  call: fc.constant("CreatePolicyQueue" as const),
  queue: fanoutQueueSlot,
  policy: fc.constantFrom<Array<PolicyChoice>>("none", "topic0", "topic1", "bothTopics", "account", "accountRoot", "topic0", "bothTopics")
})
const subscribeQueue = fc.record({
  call: fc.constant("SubscribeQueue" as const),
  topic: fanoutTopic,
  queue: fanoutQueueSlot,
  raw: fc.boolean(),
  filter: fc.option(filter, { nil: undefined })
})
/** The FIFO topic's subscriber: one FIFO queue, whose policy may or may not let the topic write into it. */
const fifoFanoutQueueSlot: fc.Arbitrary<QueueSlot> = fc.constant({ slot: 0, fifo: true })
const fifoFanoutQueue = fc.record({
  call: fc.constant("CreatePolicyQueue" as const),
  queue: fifoFanoutQueueSlot,
  policy: fc.constantFrom<Array<PolicyChoice>>("bothTopics", "account", "bothTopics", "account", "none")
})
const fifoSubscribeQueue = fc.record({
  call: fc.constant("SubscribeQueue" as const),
  topic: fifoTopic,
  queue: fifoFanoutQueueSlot,
  raw: fc.boolean(),
  filter: fc.option(filter, { nil: undefined, freq: 3 })
})
/** Three of each, so a history has its queue subscribed early and spends its steps publishing. */
const fifoFanoutSteps: ReadonlyArray<fc.Arbitrary<StepSpec>> = [
  fifoFanoutQueue,
  fifoFanoutQueue,
  fifoFanoutQueue,
  fifoSubscribeQueue,
  fifoSubscribeQueue,
  fifoSubscribeQueue,
  fc.record({ call: fc.constant("ReadQueue" as const), queue: fifoFanoutQueueSlot })
]
const noSqs = (c: Capabilities) => (c.sqs ? undefined : "the endpoint serves no SQS")

/**
 * Every group, in the order they run.
 *
 * @category constants
 */
export const groups: ReadonlyArray<Group> = [
  {
    name: "topics",
    service: "sns",
    checks: "CreateTopic (standard and FIFO, idempotent, conflicting attributes), DeleteTopic, KmsMasterKeyId set and cleared, each read back with GetTopicAttributes",
    missing: () => undefined,
    steps: () => [
      createTopic(fc.boolean(), fc.option(keyChoice, { nil: undefined }), fc.constant(false)),
      fc.record({ call: fc.constant("DeleteTopic" as const), topic: topicSlot(fc.boolean()), http: fc.constant(false) }),
      fc.record({ call: fc.constant("SetKmsMasterKeyId" as const), topic: topicSlot(fc.boolean()), key: fc.option(keyChoice, { nil: undefined }), http: fc.constant(false) })
    ]
  },
  {
    name: "kms",
    service: "kms",
    checks: "key states as SNS sees them: CreateKey, DisableKey, EnableKey, ScheduleKeyDeletion, CancelKeyDeletion, CreateAlias, and Publish to a topic under each key (KMSDisabled, KMSInvalidState, KMSNotFound)",
    missing: (c) => (c.kms ? undefined : "the endpoint serves no KMS"),
    steps: () => [
      ...keySteps,
      createTopic(fc.constant(false), fc.option(keyChoice, { nil: undefined }), fc.constant(false)),
      fc.record({ call: fc.constant("SetKmsMasterKeyId" as const), topic: standard, key: fc.option(keyChoice, { nil: undefined }), http: fc.constant(false) }),
      publish(standard, false),
      publish(standard, false)
    ]
  },
  {
    name: "delivery",
    service: "sns",
    checks: "HTTP subscriptions to the kit's receiver: confirmation, filter policies (MessageAttributes and MessageBody scopes), Unsubscribe, Publish and PublishBatch, each message delivered to exactly the subscriptions the model routes it to",
    missing: (c) => (c.delivery ? undefined : "the endpoint does not deliver to the kit's receiver"),
    steps: () => [
      createTopic(fc.constant(false), fc.constant(undefined), fc.constant(false)),
      createTopic(fc.constant(false), fc.constant(undefined), fc.constant(false)),
      ...subscriptionSteps(standard),
      publish(standard, false),
      publish(standard, false),
      publishBatch(standard, false)
    ]
  },
  {
    name: "fifo",
    service: "sns",
    checks: "FIFO topics: group ids, explicit and content-based deduplication (a duplicate answers the first MessageId and is not delivered again), PublishBatch, Subscribe refused for any protocol but sqs, and delivery into a subscribed SQS FIFO queue in publish order within each message group",
    missing: () => undefined,
    steps: (c) => [
      createFifoTopic,
      createFifoTopic,
      createFifoTopic,
      // A FIFO topic delivers only to SQS queues: HTTP subscriptions are refused, as the model refuses them.
      ...(c.delivery ? subscriptionSteps(fifoTopic, false).slice(0, 1) : []),
      ...(c.sqs && c.snsToSqs ? fifoFanoutSteps : []),
      publish(fifoTopic, true),
      publish(fifoTopic, true),
      publish(fifoTopic, true),
      publishBatch(fifoTopic, true)
    ]
  },
  {
    name: "transport",
    service: "sns",
    checks: "plain HTTP against HTTPS: an encrypted topic is created, changed, published to and deleted only over HTTPS (InvalidSecurity otherwise)",
    missing: (c) =>
      !c.https ? "the endpoint is not HTTPS" : !c.plainHttp ? "no plain-HTTP endpoint was given (--http-endpoint)" : !c.kms ? "the endpoint serves no KMS" : undefined,
    steps: () => [
      fc.record({ call: fc.constant("CreateKey" as const), key: createdSlot }),
      createTopic(fc.constant(false), fc.option(keyChoice, { nil: undefined }), fc.boolean()),
      fc.record({ call: fc.constant("SetKmsMasterKeyId" as const), topic: standard, key: fc.option(keyChoice, { nil: undefined }), http: fc.boolean() }),
      publish(standard, false, fc.boolean()),
      fc.record({ call: fc.constant("DeleteTopic" as const), topic: standard, http: fc.boolean() })
    ]
  },
  {
    name: "sigv4",
    service: "sns",
    checks: "requests whose SigV4 signature is altered, dated outside the 15-minute window, or scoped to another region or service are refused, and a refused Publish is never delivered",
    missing: (c) => (c.sigv4 ? undefined : "the endpoint does not check SigV4 signatures (it accepted an unsigned request)"),
    steps: (c) => [
      createTopic(fc.constant(false), fc.constant(undefined), fc.constant(false)),
      createTopic(fc.constant(false), fc.constant(undefined), fc.constant(false)),
      ...(c.delivery ? subscriptionSteps(standard, false).slice(0, 5) : []),
      fc.record({ call: fc.constant("MutatedPublish" as const), topic: standard, mutation: fc.constantFrom(...mutations), message: message(false) }),
      publish(standard, false)
    ]
  },
  {
    name: "queues",
    service: "sqs",
    checks: "standard queues: CreateQueue (idempotent, conflicting attributes, tags), DeleteQueue, GetQueueUrl, attributes and tags read back, SendMessage and SendMessageBatch (delays), ReceiveMessage (only visible messages, visibility timeouts), DeleteMessage, ChangeMessageVisibility and their batches, PurgeQueue",
    missing: noSqs,
    steps: () => [
      // Three of about twenty, so a history has a queue early and spends its steps on it.
      createQueue(newQueueSlot(false), fc.oneof(timeSetting, sseSetting.filter((s) => s.name === "SqsManagedSseEnabled"))),
      createQueue(newQueueSlot(false), timeSetting),
      createQueue(newQueueSlot(false), timeSetting),
      queueCall(standardQueue, "DeleteQueue", "GetQueueUrl", "GetQueueAttributes", "PurgeQueue"),
      fc.oneof(
        fc.record({ call: fc.constant("SetQueueAttributes" as const), queue: standardQueue, setting: timeSetting }),
        fc.record({ call: fc.constant("TagQueue" as const), queue: standardQueue, key: fc.constantFrom("k0" as const, "k1" as const), value: fc.constantFrom("v0" as const, "v1" as const) }),
        fc.record({ call: fc.constant("UntagQueue" as const), queue: standardQueue, key: fc.constantFrom("k0" as const, "k1" as const) }),
        queueCall(standardQueue, "ListQueueTags")
      ),
      ...sendSteps(standardQueue, false),
      ...receiveSteps(standardQueue, false),
      ...receiveSteps(standardQueue, false).slice(0, 1),
      ...receiveSteps(standardQueue, false).slice(0, 1),
      ...batchSteps(standardQueue)
    ]
  },
  {
    name: "queue-kms",
    service: "sqs",
    checks: "encrypted queues: KmsMasterKeyId and SqsManagedSseEnabled set, cleared and read back, and SendMessage and SendMessageBatch under each key state (KmsDisabled, KmsInvalidState, KmsNotFound)",
    missing: (c) => noSqs(c) ?? (c.kms ? undefined : "the endpoint serves no KMS"),
    steps: () => [
      ...keySteps,
      createQueue(newQueueSlot(false), sseSetting),
      createQueue(newQueueSlot(false), sseSetting),
      fc.record({ call: fc.constant("SetQueueAttributes" as const), queue: standardQueue, setting: sseSetting }),
      ...sendSteps(standardQueue, false)
    ]
  },
  {
    name: "fifo-queues",
    service: "sqs",
    checks: "FIFO queues: message groups (a group with a message in flight is blocked, order within a group), deduplication by id and by content (a duplicate answers the first MessageId and SequenceNumber), growing sequence numbers, ReceiveRequestAttemptId retries, receipt handles that expire",
    missing: noSqs,
    steps: () => [
      createQueue(fc.constant({ slot: 0, fifo: true }), fc.oneof(dedupSetting, fc.record({ name: fc.constant("VisibilityTimeout" as const), value: visibility }))),
      createQueue(fc.constant({ slot: 0, fifo: true }), dedupSetting),
      createQueue(fc.constant({ slot: 0, fifo: true }), dedupSetting),
      fc.record({ call: fc.constant("SetQueueAttributes" as const), queue: fifoQueue, setting: dedupSetting }),
      ...sendSteps(fifoQueue, true),
      ...sendSteps(fifoQueue, true).slice(0, 1),
      ...receiveSteps(fifoQueue, true),
      ...receiveSteps(fifoQueue, true).slice(0, 1),
      ...batchSteps(fifoQueue).slice(0, 1),
      queueCall(fifoQueue, "GetQueueAttributes", "PurgeQueue")
    ]
  },
  {
    name: "fanout",
    service: "sns",
    checks: "SNS → SQS subscriptions: queues whose policy allows sns.amazonaws.com for one topic, both (ArnLike), the account (aws:SourceAccount) or not at all, Subscribe with protocol sqs (raw or not, filter policies), Publish and PublishBatch, and each queue holding exactly the messages routed to it and allowed by its policy: the notification document, or the raw message with its attributes",
    missing: (c) =>
      noSqs(c) ??
      (c.snsToSqs ? undefined : "the endpoint does not deliver SNS messages into a subscribed queue") ??
      (c.delivery ? undefined : "the endpoint does not deliver to the kit's receiver, which the barrier needs"),
    steps: () => [
      fc.record({ call: fc.constant("CreateTopic" as const), topic: fanoutTopic, contentDedup: fc.constant(false), key: fc.constant(undefined), http: fc.constant(false) }),
      fc.record({ call: fc.constant("CreateTopic" as const), topic: fanoutTopic, contentDedup: fc.constant(false), key: fc.constant(undefined), http: fc.constant(false) }),
      fanoutQueue,
      fanoutQueue,
      subscribeQueue,
      subscribeQueue,
      subscribeQueue,
      publish(fanoutTopic, false),
      publish(fanoutTopic, false),
      publish(fanoutTopic, false),
      publishBatch(fanoutTopic, false),
      fc.record({ call: fc.constant("ReadQueue" as const), queue: fanoutQueueSlot })
    ]
  }
]
