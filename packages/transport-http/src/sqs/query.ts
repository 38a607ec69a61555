/**
 * SQS in the AWS Query protocol (`Action=<X>&Version=2012-11-05`, a form posted to `/` or to the
 * queue's path `/<account>/<name>`; XML answers in the namespace
 * `http://queue.amazonaws.com/doc/2012-11-05/`, errors as `ErrorResponse`), the protocol older SDKs
 * speak (SQS Developer Guide, "Making query API requests"). The form is read into the same request
 * object the JSON protocol carries, so every action runs through its one file; its answer is
 * written back in the Query shapes: flattened lists (`<QueueUrl>…</QueueUrl><QueueUrl>…`), maps as
 * `<Attribute><Name/><Value/></Attribute>` and `<Tag><Key/><Value/></Tag>`, batch results as
 * `<{Action}ResultEntry>` and `<BatchResultErrorEntry>`.
 *
 * @since 0.1.0
 */
import type { RequestContext, Sqs } from "@sealcast/core"
import { Effect, Either } from "effect"
import { describeSqsError } from "../ErrorTable.js"
import type { Response } from "../HttpResponse.js"
import { InvalidAction, MissingAction } from "../query/Errors.js"
import type * as Form from "../query/Form.js"
import * as Xml from "../query/Xml.js"
import { actions } from "./index.js"
import type { JsonObject } from "./internal/read.js"

/** The API version every SQS Query request names. */
export const VERSION = "2012-11-05"

/** The namespace of every SQS Query answer. */
export const NAMESPACE = "http://queue.amazonaws.com/doc/2012-11-05/"

const CONTENT_TYPE = "text/xml"

/** Members whose Query text is an integer in the JSON request. */
const INTEGER_MEMBERS: ReadonlyArray<string> = [
  "MaxNumberOfMessages",
  "VisibilityTimeout",
  "WaitTimeSeconds",
  "DelaySeconds",
  "MaxResults",
  "MaxNumberOfMessagesPerSecond"
] as const

const scalar = (name: string, value: string): unknown => (INTEGER_MEMBERS.includes(name) && /^-?\d{1,15}$/.test(value) ? Number(value) : value)

/** `<prefix>.1`, `<prefix>.2`, … while present. */
const indexed = <A>(prefix: string, read: (at: string) => A | undefined): Array<A> => {
  const out: Array<A> = []
  for (let n = 1; ; n++) {
    const item = read(`${prefix}.${n}`)
    if (item === undefined) return out
    out.push(item)
  }
}

const pairs = (form: Form.Form, prefix: string, key: string, value: string): Record<string, string> | undefined => {
  const entries = indexed(prefix, (at) => {
    const k = form.get(`${at}.${key}`)
    return k === undefined ? undefined : ([k, form.get(`${at}.${value}`) ?? ""] as const)
  })
  return entries.length === 0 ? undefined : Object.fromEntries(entries)
}

const strings = (form: Form.Form, prefix: string): Array<string> | undefined => {
  const list = indexed(prefix, (at) => form.get(at))
  return list.length === 0 ? undefined : list
}

const messageAttributes = (form: Form.Form, prefix: string): Record<string, unknown> | undefined => {
  const entries = indexed(`${prefix}MessageAttribute`, (at) => {
    const name = form.get(`${at}.Name`)
    if (name === undefined) return undefined
    const value: Record<string, string> = {}
    for (const member of ["DataType", "StringValue", "BinaryValue"]) {
      const text = form.get(`${at}.Value.${member}`)
      if (text !== undefined) value[member] = text
    }
    return [name, value] as const
  })
  return entries.length === 0 ? undefined : Object.fromEntries(entries)
}

const ENTRY_MEMBERS: ReadonlyArray<string> = ["Id", "MessageBody", "DelaySeconds", "MessageGroupId", "MessageDeduplicationId", "ReceiptHandle", "VisibilityTimeout"] as const

const BATCH_ENTRY: Readonly<Record<string, string>> = {
  SendMessageBatch: "SendMessageBatchRequestEntry",
  DeleteMessageBatch: "DeleteMessageBatchRequestEntry",
  ChangeMessageVisibilityBatch: "ChangeMessageVisibilityBatchRequestEntry"
}

/**
 * The form as the JSON request object of `action`. `pathQueueUrl` is the queue the request was
 * posted to, when it was posted to a queue's path and names no QueueUrl.
 *
 * @category parsing
 */
export const toJsonRequest = (action: string, form: Form.Form, pathQueueUrl: string | undefined): JsonObject => {
  const out: Record<string, unknown> = {}
  for (const [name, value] of form) if (/^[A-Za-z]+$/.test(name) && name !== "Action" && name !== "Version") out[name] = scalar(name, value)
  if (out["QueueUrl"] === undefined && pathQueueUrl !== undefined) out["QueueUrl"] = pathQueueUrl
  const set = (name: string, value: unknown) => {
    if (value !== undefined) out[name] = value
  }
  set("Attributes", pairs(form, "Attribute", "Name", "Value"))
  set(action === "CreateQueue" ? "tags" : "Tags", pairs(form, "Tag", "Key", "Value"))
  set("TagKeys", strings(form, "TagKey"))
  set("AWSAccountIds", strings(form, "AWSAccountId"))
  set("Actions", strings(form, "ActionName"))
  set("AttributeNames", strings(form, "AttributeName"))
  set("MessageSystemAttributeNames", strings(form, "MessageSystemAttributeName"))
  set("MessageAttributeNames", strings(form, "MessageAttributeName"))
  set("MessageAttributes", messageAttributes(form, ""))
  const entryName = BATCH_ENTRY[action]
  if (entryName !== undefined) {
    out["Entries"] = indexed(entryName, (at) => {
      const entry: Record<string, unknown> = {}
      for (const member of ENTRY_MEMBERS) {
        const text = form.get(`${at}.${member}`)
        if (text !== undefined) entry[member] = scalar(member, text)
      }
      const attributes = messageAttributes(form, `${at}.`)
      if (attributes !== undefined) entry["MessageAttributes"] = attributes
      return Object.keys(entry).length === 0 ? undefined : entry
    })
  }
  return out
}

/** Actions whose output is empty: AWS answers them with `ResponseMetadata` alone. */
const NO_RESULT: ReadonlyArray<string> = [
  "DeleteQueue",
  "SetQueueAttributes",
  "DeleteMessage",
  "ChangeMessageVisibility",
  "PurgeQueue",
  "TagQueue",
  "UntagQueue",
  "AddPermission",
  "RemovePermission"
] as const

const text = (value: unknown): string => (typeof value === "string" ? value : String(value))

const attributeNodes = (name: string, map: unknown, key = "Name", value = "Value"): Array<Xml.Node> =>
  Object.entries(map as Record<string, unknown>).map(([k, v]) => Xml.element(name, [Xml.leaf(key, k), Xml.leaf(value, text(v))]))

const messageAttributeNodes = (map: unknown): Array<Xml.Node> =>
  Object.entries(map as Record<string, Record<string, string>>).map(([name, value]) =>
    Xml.element("MessageAttribute", [
      Xml.leaf("Name", name),
      Xml.element("Value", Object.entries(value).map(([member, v]) => Xml.leaf(member, v)))
    ])
  )

const memberNodes = (object: Record<string, unknown>): Array<Xml.Node> =>
  Object.entries(object).flatMap(([member, value]): Array<Xml.Node> => {
    if (member === "Attributes") return attributeNodes("Attribute", value)
    if (member === "MessageAttributes") return messageAttributeNodes(value)
    return [Xml.leaf(member, text(value))]
  })

/**
 * The content of `<{Action}Result>` for the JSON answer of `action`.
 *
 * @category encoding
 */
export const toXmlResult = (action: string, answer: Record<string, unknown>): Array<Xml.Node> =>
  Object.entries(answer).flatMap(([member, value]): Array<Xml.Node> => {
    switch (member) {
      case "QueueUrls":
      case "queueUrls":
        return (value as ReadonlyArray<string>).map((url) => Xml.leaf("QueueUrl", url))
      case "Attributes":
        return attributeNodes("Attribute", value)
      case "Tags":
        return attributeNodes("Tag", value, "Key", "Value")
      case "Messages":
        return (value as ReadonlyArray<Record<string, unknown>>).map((m) => Xml.element("Message", memberNodes(m)))
      case "Successful":
        return (value as ReadonlyArray<Record<string, unknown>>).map((e) => Xml.element(`${action}ResultEntry`, memberNodes(e)))
      case "Failed":
        return (value as ReadonlyArray<Record<string, unknown>>).map((e) => Xml.element("BatchResultErrorEntry", memberNodes(e)))
      // ListMessageMoveTasks: a flattened list whose entries carry the member's name, as botocore's
      // Query parser reads the SQS model's `Results` (flattened, no member name of its own).
      case "Results":
        return (value as ReadonlyArray<Record<string, unknown>>).map((e) => Xml.element("Results", memberNodes(e)))
      default:
        return [Xml.leaf(member, text(value))]
    }
  })

/**
 * The `ErrorResponse` for any tagged error, from its row in the one error table (SQS's own rows
 * first).
 *
 * @category encoding
 */
export const errorResponse = (error: { readonly _tag: string; readonly message?: string }, requestId: string): Response<string> => {
  const row = describeSqsError(error)
  return {
    status: row.status,
    contentType: CONTENT_TYPE,
    body: Xml.errorEnvelope(row.fault, row.code, row.message, requestId).replace(Xml.SNS_NAMESPACE, NAMESPACE)
  }
}

/**
 * Runs one Query request. As in the JSON protocol, a long poll is interruptible and every other
 * action, once begun, finishes.
 *
 * @category dispatch
 */
export const dispatch = (
  form: Form.Form,
  pathQueueUrl: string | undefined,
  sqs: Sqs.SqsService,
  ctx: RequestContext.RequestContext,
  requestId: string
): Effect.Effect<Response<string>> => {
  const name = form.get("Action")
  if (name === undefined) return Effect.succeed(errorResponse(new MissingAction({ message: "The request must contain the parameter Action." }), requestId))
  const action = Object.hasOwn(actions, name) ? actions[name] : undefined
  if (action === undefined) return Effect.succeed(errorResponse(new InvalidAction({ message: `The action ${name} is not valid for this endpoint.` }), requestId))
  const handled = action.handle(toJsonRequest(name, form, pathQueueUrl), sqs, ctx)
  return (name === "ReceiveMessage" ? Effect.interruptible(handled) : Effect.uninterruptible(handled)).pipe(
    Effect.flatMap((answer) => {
      const result = toXmlResult(name, answer as Record<string, unknown>)
      const body = Xml.render(
        Xml.element(
          `${name}Response`,
          [...(NO_RESULT.includes(name) ? [] : [Xml.element(`${name}Result`, result)]), Xml.element("ResponseMetadata", [Xml.leaf("RequestId", requestId)])],
          [["xmlns", NAMESPACE]]
        )
      )
      return Either.isLeft(body) ? Effect.fail(body.left) : Effect.succeed(body.right)
    }),
    Effect.match({
      onFailure: (error) => errorResponse(error, requestId),
      onSuccess: (body): Response<string> => ({ status: 200, contentType: CONTENT_TYPE, body })
    })
  )
}
