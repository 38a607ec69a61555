/**
 * The SQS steps of a history, as data like the SNS ones (src/Steps.ts): queues are slots 0 and 1 (and
 * the never-created `MISSING`), messages are numbered bodies, and a receipt handle is named by its
 * place among the handles the history's receives got, so a shrunk history stays readable. Each step
 * runs its call through `@aws-sdk/client-sqs`, asks the SQS oracle (src/QueueModel.ts) what the
 * answer must be, and throws a `Divergence` when they differ.
 *
 * No step waits to show that something did not happen: a receive the model says finds nothing is a
 * short poll (WaitTimeSeconds 0) whose every message would be a divergence, and one that must find a
 * message long-polls (WaitTimeSeconds 1), which returns as soon as one is there.
 *
 * @since 0.1.0
 */
import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueueTagsCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  TagQueueCommand,
  UntagQueueCommand
} from "@aws-sdk/client-sqs"
import type { MessageAttributes } from "@sealcast/core/Message"
import { call, Divergence, type History, type Outcome, show } from "./History.js"
import type { Expected } from "./Model.js"
import * as QueueModel from "./QueueModel.js"
import type { HistoryModel, KeyChoice } from "./Steps.js"

/**
 * The AWS documentation behind each kind of SQS expectation.
 *
 * @category models
 */
export const queueDocs = {
  createQueue: "SQS API Reference, CreateQueue — https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html",
  deleteQueue: "SQS API Reference, DeleteQueue — https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_DeleteQueue.html",
  getQueueUrl: "SQS API Reference, GetQueueUrl — https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_GetQueueUrl.html",
  attributes:
    "SQS API Reference, SetQueueAttributes and GetQueueAttributes — https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_GetQueueAttributes.html",
  tags: "SQS Developer Guide, \"Tagging your Amazon SQS queues\" and TagQueue, UntagQueue, ListQueueTags — https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_TagQueue.html",
  send: "SQS API Reference, SendMessage — https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html",
  sendBatch: "SQS API Reference, SendMessageBatch — https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessageBatch.html",
  receive:
    "SQS API Reference, ReceiveMessage, and SQS Developer Guide, \"Amazon SQS visibility timeout\" (a message in flight or delayed is not returned; a visible one is) — https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ReceiveMessage.html",
  visibility:
    "SQS API Reference, ChangeMessageVisibility and DeleteMessage (receipt handles) — https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ChangeMessageVisibility.html",
  batch:
    "SQS API Reference, DeleteMessageBatch and ChangeMessageVisibilityBatch — https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_DeleteMessageBatch.html",
  purge: "SQS API Reference, PurgeQueue — https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_PurgeQueue.html",
  fifo: "SQS Developer Guide, \"Amazon SQS FIFO queues\" and \"Exactly-once processing in Amazon SQS\" (message groups, deduplication, ReceiveRequestAttemptId) — https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/FIFO-queues-exactly-once-processing.html",
  kms: "SQS Developer Guide, \"Encryption at rest in Amazon SQS\" (the queue's KMS key must be usable when a message is sent; SSE-KMS or SSE-SQS, one at a time) — https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-server-side-encryption.html"
} as const

/** @category models */
export interface QueueSlot {
  readonly slot: number
  readonly fifo: boolean
}

/** A message as a step sends it. @category models */
export interface QueueMessageSpec {
  readonly body: number
  readonly color: "red" | "blue" | undefined
  /** Standard queues: a per-message delay, none or 15 minutes (longer than any history). */
  readonly delay: 0 | 900 | undefined
  readonly group: string | undefined
  readonly dedup: string | undefined
}

/**
 * One queue attribute as a step sets it: the times are 0 or longer than any history, so no
 * expectation depends on how long the history takes.
 *
 * @category models
 */
export type QueueSetting =
  | { readonly name: "VisibilityTimeout"; readonly value: "0" | "600" }
  | { readonly name: "DelaySeconds"; readonly value: "0" | "900" }
  | { readonly name: "ContentBasedDeduplication"; readonly value: "true" | "false" }
  | { readonly name: "SqsManagedSseEnabled"; readonly value: "true" | "false" }
  | { readonly name: "KmsMasterKeyId"; readonly key: KeyChoice | undefined }

/**
 * One SQS step of a history, as data.
 *
 * @category models
 */
export type QueueStepSpec =
  | { readonly call: "CreateQueue"; readonly queue: QueueSlot; readonly settings: ReadonlyArray<QueueSetting>; readonly tagged: boolean }
  | { readonly call: "DeleteQueue" | "GetQueueUrl" | "GetQueueAttributes" | "ListQueueTags" | "PurgeQueue"; readonly queue: QueueSlot }
  | { readonly call: "SetQueueAttributes"; readonly queue: QueueSlot; readonly setting: QueueSetting }
  | { readonly call: "TagQueue"; readonly queue: QueueSlot; readonly key: "k0" | "k1"; readonly value: "v0" | "v1" }
  | { readonly call: "UntagQueue"; readonly queue: QueueSlot; readonly key: "k0" | "k1" }
  | { readonly call: "SendMessage"; readonly queue: QueueSlot; readonly message: QueueMessageSpec }
  | { readonly call: "SendMessageBatch"; readonly queue: QueueSlot; readonly messages: ReadonlyArray<QueueMessageSpec> }
  | { readonly call: "ReceiveMessage"; readonly queue: QueueSlot; readonly max: 1 | 10; readonly visibility: 0 | 600 | undefined; readonly attempt: "a0" | "a1" | undefined }
  | { readonly call: "DeleteMessage"; readonly queue: QueueSlot; readonly handle: number }
  | { readonly call: "ChangeMessageVisibility"; readonly queue: QueueSlot; readonly handle: number; readonly timeout: 0 | 600 }
  | { readonly call: "DeleteMessageBatch"; readonly queue: QueueSlot; readonly handles: ReadonlyArray<number> }
  | { readonly call: "ChangeMessageVisibilityBatch"; readonly queue: QueueSlot; readonly handles: ReadonlyArray<number>; readonly timeout: 0 | 600 }

const QUEUE_CALLS: ReadonlySet<string> = new Set([
  "CreateQueue",
  "DeleteQueue",
  "GetQueueUrl",
  "GetQueueAttributes",
  "ListQueueTags",
  "PurgeQueue",
  "SetQueueAttributes",
  "TagQueue",
  "UntagQueue",
  "SendMessage",
  "SendMessageBatch",
  "ReceiveMessage",
  "DeleteMessage",
  "ChangeMessageVisibility",
  "DeleteMessageBatch",
  "ChangeMessageVisibilityBatch"
])

/** @category predicates */
export const isQueueStep = (spec: { readonly call: string }): spec is QueueStepSpec => QUEUE_CALLS.has(spec.call)

/** The slot that is never created (as src/Steps.ts's MISSING). */
const MISSING = 9

export const queueName = (m: { readonly prefix: string }, q: QueueSlot): string => `${m.prefix}q${q.slot}${q.fifo ? ".fifo" : ""}`
export const queueUrl = (m: HistoryModel, q: QueueSlot): string => `${m.queues.origin}/${m.oracle.accountId}/${queueName(m, q)}`

/** An SQS error's code, as the SDK names it without the JSON protocol's prefix. */
export const sqsCode = (error: unknown): string => {
  const e = error as { name?: unknown }
  return typeof e.name === "string" ? e.name.replace(/^AWS\.SimpleQueueService\./, "") : String(error)
}

/** The same divergence at another entry of a batch is the same kind. */
const kindOf = (name: string): string => name.replace(/ entry e\d+$/, " entry")

const compareOutcome = (name: string, expected: Expected<unknown>, actual: Outcome<unknown>, doc: string): void => {
  if (expected.ok === actual.ok && (expected.ok || actual.ok || expected.code === actual.code)) return
  throw new Divergence({ call: name, expected: show(expected), actual: show(actual), doc, fingerprint: `${kindOf(name)}:${show(expected)}:${show(actual)}` })
}

const differ = (name: string, what: string, expected: string, actual: string, doc: string): never => {
  throw new Divergence({ call: name, expected: `${what} ${expected}`, actual: `${what} ${actual}`, doc, fingerprint: `${kindOf(name)}:${what}` })
}

const settingValue = (m: HistoryModel, s: QueueSetting, keyText: (m: HistoryModel, choice: KeyChoice) => string): string =>
  s.name === "KmsMasterKeyId" ? (s.key === undefined ? "" : keyText(m, s.key)) : s.value

/** The attributes the kit sets, read back after each change. */
const ECHOED = ["VisibilityTimeout", "DelaySeconds", "FifoQueue", "ContentBasedDeduplication", "KmsMasterKeyId", "SqsManagedSseEnabled", "QueueArn"] as const
/** Read back by GetQueueAttributes steps too (exact in the model; "approximate" on AWS). */
const COUNTS = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"] as const

const checkAttributes = async (m: HistoryModel, h: History, q: QueueSlot, names: ReadonlyArray<string>): Promise<void> => {
  const url = queueUrl(m, q)
  const expected = QueueModel.queueAttributes(m.queues, url)
  const actual = await call(h, "GetQueueAttributes", { QueueUrl: url, AttributeNames: ["All"] }, () =>
    h.world.endpoint.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["All"] })), sqsCode)
  compareOutcome("GetQueueAttributes", expected, actual, queueDocs.attributes)
  if (!expected.ok || !actual.ok) return
  for (const name of names) {
    const want = expected.value[name]
    const got = (actual.value.Attributes as Readonly<Record<string, string>> | undefined)?.[name]
    if (want !== got) {
      throw new Divergence({
        call: "GetQueueAttributes",
        expected: `${name} ${want === undefined ? "absent" : JSON.stringify(want)}`,
        actual: `${name} ${got === undefined ? "absent" : JSON.stringify(got)}`,
        doc: name === "KmsMasterKeyId" || name === "SqsManagedSseEnabled" ? queueDocs.kms : queueDocs.attributes,
        fingerprint: `queue-echo:${name}:${want === undefined}:${got === undefined}`
      })
    }
  }
}

/** The body of a numbered message: unique in the history unless a FIFO step repeats it on purpose. */
const bodyOf = (h: History, message: QueueMessageSpec): string => JSON.stringify({ kit: `${h.prefix}m${message.body}` })

const sdkAttributes = (message: QueueMessageSpec) =>
  message.color === undefined ? {} : { color: { DataType: "String", StringValue: message.color } }

const modelAttributes = (message: QueueMessageSpec): MessageAttributes =>
  message.color === undefined ? {} : { color: { dataType: "String", stringValue: message.color } }

const sendInput = (h: History, message: QueueMessageSpec): QueueModel.SendInput => ({
  body: bodyOf(h, message),
  attributes: modelAttributes(message),
  delaySeconds: message.delay,
  messageGroupId: message.group,
  messageDeduplicationId: message.dedup
})

const sdkMessage = (h: History, message: QueueMessageSpec) => ({
  MessageBody: bodyOf(h, message),
  MessageAttributes: sdkAttributes(message),
  ...(message.delay === undefined ? {} : { DelaySeconds: message.delay }),
  ...(message.group === undefined ? {} : { MessageGroupId: message.group }),
  ...(message.dedup === undefined ? {} : { MessageDeduplicationId: message.dedup })
})

/**
 * A send the model accepted, against what the endpoint answered: the same body digest, and on a FIFO
 * queue the first message's id for a duplicate, and sequence numbers that grow.
 */
const checkSent = (
  m: HistoryModel,
  name: string,
  url: string,
  sent: QueueModel.Sent,
  answer: { readonly MessageId?: string | undefined; readonly MD5OfMessageBody?: string | undefined; readonly SequenceNumber?: string | undefined }
): void => {
  const doc = sent.sequenceNumber === undefined ? queueDocs.send : queueDocs.fifo
  if (sent.duplicate && answer.MessageId !== sent.messageId) {
    throw new Divergence({
      call: name,
      expected: `MessageId ${sent.messageId} (a duplicate inside the 5-minute deduplication interval)`,
      actual: `MessageId ${answer.MessageId}`,
      doc: queueDocs.fifo,
      fingerprint: `${kindOf(name)}:duplicate-id`
    })
  }
  if (answer.MD5OfMessageBody !== sent.md5OfMessageBody) differ(name, "MD5OfMessageBody", sent.md5OfMessageBody, String(answer.MD5OfMessageBody), doc)
  if (sent.sequenceNumber === undefined) return
  const numbers = QueueModel.sequenceNumbers(m.queues, url)
  const known = numbers.get(sent.sequenceNumber)
  if (known !== undefined) {
    if (answer.SequenceNumber !== known) differ(name, "SequenceNumber", `${known} (the first message's)`, String(answer.SequenceNumber), queueDocs.fifo)
    return
  }
  const got = answer.SequenceNumber ?? ""
  const highest = [...numbers.values()].reduce((a, b) => (BigInt(b) > BigInt(a) ? b : a), "0")
  if (!/^\d+$/.test(got) || BigInt(got) <= BigInt(highest)) differ(name, "SequenceNumber", `greater than ${highest}`, got === "" ? "absent" : got, queueDocs.fifo)
  numbers.set(sent.sequenceNumber, got)
}

/** The handle a step names: its place among the usable handles, counted round. */
const handleAt = (m: HistoryModel, q: QueueSlot, index: number): QueueModel.Handle | undefined => {
  const handles = QueueModel.usableHandles(m.queues, queueUrl(m, q))
  return handles.length === 0 ? undefined : handles[index % handles.length]
}

/**
 * Runs one SQS step against the endpoint and the model.
 *
 * @category operations
 */
export const run = async (spec: QueueStepSpec, m: HistoryModel, h: History, keyText: (m: HistoryModel, choice: KeyChoice) => string): Promise<void> => {
  const sqs = h.world.endpoint.sqs
  const url = queueUrl(m, spec.queue)
  const send = <A>(name: string, input: object, command: () => Promise<A>) => call(h, name, input, command, sqsCode)
  switch (spec.call) {
    case "CreateQueue": {
      const name = queueName(m, spec.queue)
      const attributes: Record<string, string> = {
        ...(spec.queue.fifo ? { FifoQueue: "true" } : {}),
        ...Object.fromEntries(spec.settings.map((s) => [s.name, settingValue(m, s, keyText)]))
      }
      const tags: Record<string, string> = spec.tagged ? { k0: "v0" } : {}
      const actual = await send("CreateQueue", { QueueName: name, Attributes: attributes, tags }, () =>
        sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes, tags })))
      if (actual.ok && actual.value.QueueUrl !== undefined) h.world.ledger.queue(actual.value.QueueUrl)
      const expected = QueueModel.createQueue(m.oracle, m.queues, name, attributes, tags)
      compareOutcome("CreateQueue", expected, actual, spec.settings.some((s) => s.name === "KmsMasterKeyId" || s.name === "SqsManagedSseEnabled") ? queueDocs.kms : queueDocs.createQueue)
      if (!expected.ok || !actual.ok) return
      if (actual.value.QueueUrl !== expected.value) differ("CreateQueue", "QueueUrl", expected.value, String(actual.value.QueueUrl), queueDocs.createQueue)
      return checkAttributes(m, h, spec.queue, ECHOED)
    }
    case "DeleteQueue": {
      const actual = await send("DeleteQueue", { QueueUrl: url }, () => sqs.send(new DeleteQueueCommand({ QueueUrl: url })))
      return compareOutcome("DeleteQueue", QueueModel.deleteQueue(m.queues, url), actual, queueDocs.deleteQueue)
    }
    case "GetQueueUrl": {
      const name = queueName(m, spec.queue)
      const actual = await send("GetQueueUrl", { QueueName: name }, () => sqs.send(new GetQueueUrlCommand({ QueueName: name })))
      const expected = QueueModel.getQueueUrl(m.oracle, m.queues, name)
      compareOutcome("GetQueueUrl", expected, actual, queueDocs.getQueueUrl)
      if (expected.ok && actual.ok && actual.value.QueueUrl !== expected.value) differ("GetQueueUrl", "QueueUrl", expected.value, String(actual.value.QueueUrl), queueDocs.getQueueUrl)
      return
    }
    case "GetQueueAttributes":
      return checkAttributes(m, h, spec.queue, [...ECHOED, ...COUNTS])
    case "SetQueueAttributes": {
      const attributes = { [spec.setting.name]: settingValue(m, spec.setting, keyText) }
      const actual = await send("SetQueueAttributes", { QueueUrl: url, Attributes: attributes }, () =>
        sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: attributes })))
      const expected = QueueModel.setQueueAttributes(m.queues, url, attributes)
      compareOutcome("SetQueueAttributes", expected, actual, queueDocs.attributes)
      if (expected.ok) await checkAttributes(m, h, spec.queue, ECHOED)
      return
    }
    case "TagQueue": {
      const tags = { [spec.key]: spec.value }
      const actual = await send("TagQueue", { QueueUrl: url, Tags: tags }, () => sqs.send(new TagQueueCommand({ QueueUrl: url, Tags: tags })))
      return compareOutcome("TagQueue", QueueModel.changeTags(m.queues, url, { tag: tags }), actual, queueDocs.tags)
    }
    case "UntagQueue": {
      const actual = await send("UntagQueue", { QueueUrl: url, TagKeys: [spec.key] }, () => sqs.send(new UntagQueueCommand({ QueueUrl: url, TagKeys: [spec.key] })))
      return compareOutcome("UntagQueue", QueueModel.changeTags(m.queues, url, { untag: [spec.key] }), actual, queueDocs.tags)
    }
    case "ListQueueTags": {
      const actual = await send("ListQueueTags", { QueueUrl: url }, () => sqs.send(new ListQueueTagsCommand({ QueueUrl: url })))
      const expected = QueueModel.listQueueTags(m.queues, url)
      compareOutcome("ListQueueTags", expected, actual, queueDocs.tags)
      if (!expected.ok || !actual.ok) return
      const want = JSON.stringify(Object.fromEntries(Object.entries(expected.value).sort()))
      const got = JSON.stringify(Object.fromEntries(Object.entries(actual.value.Tags ?? {}).sort()))
      if (want !== got) differ("ListQueueTags", "Tags", want, got, queueDocs.tags)
      return
    }
    case "SendMessage": {
      const input = { QueueUrl: url, ...sdkMessage(h, spec.message) }
      const actual = await send("SendMessage", input, () => sqs.send(new SendMessageCommand(input)))
      const expected = QueueModel.sendMessage(m.oracle, m.queues, url, sendInput(h, spec.message), actual.ok ? (actual.value.MessageId ?? "") : "refused")
      compareOutcome("SendMessage", expected, actual, [expected, actual].some((o) => !o.ok && o.code.startsWith("Kms")) ? queueDocs.kms : spec.queue.fifo ? queueDocs.fifo : queueDocs.send)
      if (expected.ok && actual.ok) checkSent(m, "SendMessage", url, expected.value, actual.value)
      return
    }
    case "SendMessageBatch": {
      const entries = spec.messages.map((message, i) => ({ Id: `e${i}`, ...sdkMessage(h, message) }))
      const actual = await send("SendMessageBatch", { QueueUrl: url, Entries: entries }, () => sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: entries })))
      const inputs = spec.messages.map((message, i) => ({ id: `e${i}`, ...sendInput(h, message) }))
      const expected = QueueModel.sendMessageBatch(m.oracle, m.queues, url, inputs)
      compareOutcome("SendMessageBatch", expected, actual, [expected, actual].some((o) => !o.ok && o.code.startsWith("Kms")) ? queueDocs.kms : queueDocs.sendBatch)
      if (!expected.ok || !actual.ok) return
      for (const input of inputs) {
        const ok = actual.value.Successful?.find((s) => s.Id === input.id)
        const failed = actual.value.Failed?.find((f) => f.Id === input.id)
        const got: Outcome<unknown> = ok !== undefined ? { ok: true, value: ok } : { ok: false, code: failed?.Code ?? "absent from the answer" }
        const entry = QueueModel.sendEntry(m.oracle, m.queues, expected.value, input, ok?.MessageId ?? "refused")
        compareOutcome(`SendMessageBatch entry ${input.id}`, entry, got, spec.queue.fifo ? queueDocs.fifo : queueDocs.sendBatch)
        if (entry.ok && ok !== undefined) checkSent(m, `SendMessageBatch entry ${input.id}`, url, entry.value, ok)
      }
      return
    }
    case "ReceiveMessage":
      return receive(spec, m, h, url)
    case "DeleteMessage":
    case "ChangeMessageVisibility": {
      const handle = handleAt(m, spec.queue, spec.handle)!
      const timeout = spec.call === "ChangeMessageVisibility" ? spec.timeout : undefined
      const shown = { QueueUrl: url, ReceiptHandle: `<handle ${handle.endpoint.slice(0, 12)}… of ${handle.messageId}>`, ...(timeout === undefined ? {} : { VisibilityTimeout: timeout }) }
      const actual = await send(spec.call, shown, () =>
        timeout === undefined
          ? sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: handle.endpoint }))
          : sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: handle.endpoint, VisibilityTimeout: timeout })))
      return compareOutcome(spec.call, QueueModel.changeMessage(m.queues, url, handle.model, timeout), actual, spec.queue.fifo ? queueDocs.fifo : queueDocs.visibility)
    }
    case "DeleteMessageBatch":
    case "ChangeMessageVisibilityBatch": {
      const handles = spec.handles.map((i) => handleAt(m, spec.queue, i)!)
      const timeout = spec.call === "ChangeMessageVisibilityBatch" ? spec.timeout : undefined
      const entries = handles.map((handle, i) => ({ Id: `e${i}`, ReceiptHandle: handle.endpoint, ...(timeout === undefined ? {} : { VisibilityTimeout: timeout }) }))
      const shown = { QueueUrl: url, Entries: handles.map((handle, i) => `e${i}: <handle of ${handle.messageId}>`), ...(timeout === undefined ? {} : { VisibilityTimeout: timeout }) }
      const actual = await send(spec.call, shown, () =>
        timeout === undefined
          ? sqs.send(new DeleteMessageBatchCommand({ QueueUrl: url, Entries: entries }))
          : sqs.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: url, Entries: entries.map((e) => ({ ...e, VisibilityTimeout: timeout })) })))
      const shape = timeout === undefined ? "DeleteMessageBatchRequestEntry" : "ChangeMessageVisibilityBatchRequestEntry"
      const expected = QueueModel.checkBatch(m.queues, url, entries.map((e) => ({ id: e.Id })), shape)
      compareOutcome(spec.call, expected, actual, queueDocs.batch)
      if (!expected.ok || !actual.ok) return
      for (const [i, handle] of handles.entries()) {
        const id = `e${i}`
        const ok = actual.value.Successful?.find((s) => s.Id === id)
        const failed = actual.value.Failed?.find((f) => f.Id === id)
        const got: Outcome<unknown> = ok !== undefined ? { ok: true, value: ok } : { ok: false, code: failed?.Code ?? "absent from the answer" }
        compareOutcome(`${spec.call} entry ${id}`, QueueModel.changeMessage(m.queues, url, handle.model, timeout), got, spec.queue.fifo ? queueDocs.fifo : queueDocs.batch)
      }
      return
    }
    case "PurgeQueue": {
      const actual = await send("PurgeQueue", { QueueUrl: url }, () => sqs.send(new PurgeQueueCommand({ QueueUrl: url })))
      return compareOutcome("PurgeQueue", QueueModel.purgeQueue(m.queues, url), actual, queueDocs.purge)
    }
  }
}

const receive = async (spec: Extract<QueueStepSpec, { readonly call: "ReceiveMessage" }>, m: HistoryModel, h: History, url: string): Promise<void> => {
  const input: QueueModel.ReceiveInput = { maxNumberOfMessages: spec.max, visibilityTimeout: spec.visibility, receiveRequestAttemptId: spec.attempt }
  const options = QueueModel.receiveOptions(m.queues, url, input)
  // Long polling returns as soon as a message is there; a short poll when the model says none is.
  const mustFind = options.ok && (options.value._tag === "Retry" || options.value.receivable.length > 0)
  const request = {
    QueueUrl: url,
    MaxNumberOfMessages: spec.max,
    WaitTimeSeconds: mustFind ? 1 : 0,
    MessageAttributeNames: ["All"],
    ...(spec.visibility === undefined ? {} : { VisibilityTimeout: spec.visibility }),
    ...(spec.attempt === undefined ? {} : { ReceiveRequestAttemptId: spec.attempt })
  }
  const actual = await call(h, "ReceiveMessage", request, () => h.world.endpoint.sqs.send(new ReceiveMessageCommand(request)), sqsCode)
  compareOutcome("ReceiveMessage", options, actual, queueDocs.receive)
  if (!options.ok || !actual.ok) return
  const got = (actual.value.Messages ?? []).map((msg) => ({ messageId: msg.MessageId ?? "", receiptHandle: msg.ReceiptHandle ?? "", body: msg.Body ?? "", md5: msg.MD5OfMessageAttributes }))
  const expectation = options.value
  if (expectation._tag === "Retry") {
    const want = expectation.handles.map((x) => `${x.messageId}/${x.endpoint}`).join(", ")
    const answered = got.map((x) => `${x.messageId}/${x.receiptHandle}`).join(", ")
    if (want !== answered) {
      throw new Divergence({
        call: "ReceiveMessage",
        expected: `the retried receive's messages and receipt handles again: ${expectation.handles.map((x) => x.messageId).join(", ")}`,
        actual: got.length === 0 ? "no message" : `${got.map((x) => x.messageId).join(", ")}${got.every((x) => expectation.handles.some((e) => e.endpoint === x.receiptHandle)) ? "" : " with new receipt handles"}`,
        doc: queueDocs.fifo,
        fingerprint: "ReceiveMessage:attempt-retry"
      })
    }
    QueueModel.receiveRetried(m.queues, expectation)
    return
  }
  const wrong = QueueModel.checkChoice(expectation, got.map((x) => x.messageId), spec.max)
  if (wrong !== undefined) {
    throw new Divergence({
      call: "ReceiveMessage",
      expected: expectation.receivable.length === 0 ? "no message (none is receivable)" : `some of ${expectation.receivable.map((x) => x.messageId).join(", ")}`,
      actual: wrong,
      doc: spec.queue.fifo ? queueDocs.fifo : queueDocs.receive,
      fingerprint: `ReceiveMessage:not-receivable:${expectation.receivable.length === 0}`
    })
  }
  if (mustFind && got.length === 0) {
    throw new Divergence({
      call: "ReceiveMessage",
      expected: `at least one of ${expectation.receivable.map((x) => x.messageId).join(", ")} (visible, WaitTimeSeconds 1)`,
      actual: "no message",
      doc: queueDocs.receive,
      fingerprint: "ReceiveMessage:none"
    })
  }
  for (const x of got) {
    const sent = expectation.receivable.find((r) => r.messageId === x.messageId)!
    if (typeof sent.body === "string" && x.body !== sent.body) differ("ReceiveMessage", "Body", sent.body, x.body, queueDocs.receive)
    if (x.md5 !== sent.md5OfMessageAttributes) differ("ReceiveMessage", "MD5OfMessageAttributes", String(sent.md5OfMessageAttributes), String(x.md5), queueDocs.receive)
  }
  QueueModel.receiveChosen(m.queues, url, expectation.queue, input, got)
}

/**
 * Whether an SQS step can run in the model's state: the queue it names exists (or is the MISSING
 * slot; a new queue's slot is free), and the handles it names exist.
 *
 * @category operations
 */
export const applicable = (spec: QueueStepSpec, m: HistoryModel, keyChoiceExists: (choice: KeyChoice | undefined) => boolean): boolean => {
  const exists = spec.queue.slot === MISSING || QueueModel.queueAt(m.queues, queueUrl(m, spec.queue))._tag === "Right"
  switch (spec.call) {
    case "CreateQueue":
      return spec.settings.every((s) => s.name !== "KmsMasterKeyId" || keyChoiceExists(s.key))
    case "SetQueueAttributes":
      return exists && (spec.setting.name !== "KmsMasterKeyId" || keyChoiceExists(spec.setting.key))
    case "DeleteMessage":
    case "ChangeMessageVisibility":
    case "DeleteMessageBatch":
    case "ChangeMessageVisibilityBatch":
      return spec.queue.slot !== MISSING && handleAt(m, spec.queue, 0) !== undefined
    default:
      return exists
  }
}
