/**
 * The SQS endpoint's actions by name, and the dispatch from an AWS JSON 1.0 request
 * (`X-Amz-Target: AmazonSQS.<Action>`, `Content-Type: application/x-amz-json-1.0`) to its answer
 * (docs/CONTRACT.md, "The endpoint"; AWS, "Amazon SQS AWS JSON protocol"). Errors are
 * `{"__type":"com.amazonaws.sqs#<Code>","message":…}` with the `x-amzn-query-error: <code>;<fault>`
 * header the SDKs read for the Query-compatible codes (`AWS.SimpleQueueService.NonExistentQueue`),
 * each from its row in the one error table.
 *
 * @since 0.1.0
 */
import type { RequestContext, Sqs } from "@sealcast/core"
import { Cause, Effect, Either, Exit, Option } from "effect"
import { describeSqsError, isSqsErrorTag } from "../ErrorTable.js"
import type { Response } from "../HttpResponse.js"
import { SerializationException, UnknownOperationException } from "../kms/Errors.js"
import type { ActionError, SqsAction } from "./Action.js"
import { AddPermission } from "./AddPermission.js"
import { CancelMessageMoveTask } from "./CancelMessageMoveTask.js"
import { ChangeMessageVisibility } from "./ChangeMessageVisibility.js"
import { ChangeMessageVisibilityBatch } from "./ChangeMessageVisibilityBatch.js"
import { CreateQueue } from "./CreateQueue.js"
import { DeleteMessage } from "./DeleteMessage.js"
import { DeleteMessageBatch } from "./DeleteMessageBatch.js"
import { DeleteQueue } from "./DeleteQueue.js"
import { GetQueueAttributes } from "./GetQueueAttributes.js"
import { GetQueueUrl } from "./GetQueueUrl.js"
import type { JsonObject } from "./internal/read.js"
import { ListDeadLetterSourceQueues } from "./ListDeadLetterSourceQueues.js"
import { ListMessageMoveTasks } from "./ListMessageMoveTasks.js"
import { ListQueues } from "./ListQueues.js"
import { ListQueueTags } from "./ListQueueTags.js"
import { PurgeQueue } from "./PurgeQueue.js"
import { ReceiveMessage } from "./ReceiveMessage.js"
import { RemovePermission } from "./RemovePermission.js"
import { SendMessage } from "./SendMessage.js"
import { SendMessageBatch } from "./SendMessageBatch.js"
import { SetQueueAttributes } from "./SetQueueAttributes.js"
import { StartMessageMoveTask } from "./StartMessageMoveTask.js"
import { TagQueue } from "./TagQueue.js"
import { UntagQueue } from "./UntagQueue.js"

/** The `X-Amz-Target` prefix of every SQS JSON request. */
export const TARGET_PREFIX = "AmazonSQS."

export const CONTENT_TYPE = "application/x-amz-json-1.0"

/**
 * Every action the broker serves, by name.
 *
 * @category actions
 */
export const actions: Readonly<Record<string, SqsAction>> = Object.fromEntries(
  [
    AddPermission,
    CancelMessageMoveTask,
    ChangeMessageVisibility,
    ChangeMessageVisibilityBatch,
    CreateQueue,
    DeleteMessage,
    DeleteMessageBatch,
    DeleteQueue,
    GetQueueAttributes,
    GetQueueUrl,
    ListDeadLetterSourceQueues,
    ListMessageMoveTasks,
    ListQueueTags,
    ListQueues,
    PurgeQueue,
    ReceiveMessage,
    RemovePermission,
    SendMessage,
    SendMessageBatch,
    SetQueueAttributes,
    StartMessageMoveTask,
    TagQueue,
    UntagQueue
  ].map((action) => [action.name, action])
)

/**
 * The JSON error answer for any tagged error. SQS's own errors are namespaced as the SQS model's
 * shapes are (`com.amazonaws.sqs#QueueDoesNotExist`); the protocol's and authentication errors carry
 * their plain code.
 *
 * @category encoding
 */
export const errorResponse = (error: { readonly _tag: string; readonly message?: string }): Response => {
  const row = describeSqsError(error)
  const code = row.jsonCode ?? row.code
  return {
    status: row.status,
    contentType: CONTENT_TYPE,
    headers: { "x-amzn-query-error": `${row.code};${row.fault}` },
    body: JSON.stringify({ __type: isSqsErrorTag(error._tag) ? `com.amazonaws.sqs#${code}` : code, message: row.message })
  }
}

const isObject = (value: unknown): value is JsonObject => typeof value === "object" && value !== null && !Array.isArray(value)

/** The action a target names; only the table's own entries, so `AmazonSQS.toString` names none. */
const actionOf = (target: string): SqsAction | undefined => {
  const name = target.slice(TARGET_PREFIX.length)
  return Object.hasOwn(actions, name) ? actions[name] : undefined
}

/**
 * Runs one JSON request: the action named by the target, its body read once, the core called. The
 * call is not interrupted once begun, so a change the service began is carried to its end.
 *
 * @category dispatch
 */
export const dispatch = (target: string, body: Uint8Array, sqs: Sqs.SqsService, ctx: RequestContext.RequestContext): Effect.Effect<Response> => {
  const action = actionOf(target)
  if (action === undefined) return Effect.succeed(errorResponse(new UnknownOperationException({ message: `Unknown operation ${target}` })))
  const parsed = parseBody(body)
  if (Either.isLeft(parsed)) return Effect.succeed(errorResponse(parsed.left))
  // ReceiveMessage's long poll is interruptible, whatever region it is run in: its wait races a
  // wake-up against the clock, which interrupts the loser, and a client that goes away ends it. Every
  // other action, once begun, finishes.
  const handled = action.handle(parsed.right, sqs, ctx)
  return (action.name === "ReceiveMessage" ? Effect.interruptible(handled) : Effect.uninterruptible(handled)).pipe(
    Effect.match({ onFailure: errorResponse, onSuccess: successResponse })
  )
}

/**
 * `dispatch` without the runtime, for a signed request whose action offers it (`SqsAction.handleNow`:
 * SendMessage, DeleteMessage). `verified` checks the signature, at once, only once the request is known to take
 * this path. `answer` is called once, with what `dispatch` would answer; a defect is handed to
 * `defect`, which answers it as the runtime's path does. False, with nothing done, when `dispatch`
 * must run the request (docs/PERFORMANCE.md, "SendMessage without a fiber").
 *
 * @category dispatch
 */
export const dispatchNow = (
  target: string,
  body: Uint8Array,
  sqs: Sqs.SqsService,
  verified: () => RequestContext.RequestContext | undefined,
  answer: (response: Response) => void,
  defect: (cause: Cause.Cause<unknown>) => Response
): boolean => {
  const handleNow = actionOf(target)?.handleNow
  if (handleNow === undefined) return false
  const parsed = parseBody(body)
  if (Either.isLeft(parsed)) return false
  const ctx = verified()
  if (ctx === undefined) return false
  const respond = (result: Exit.Exit<unknown, ActionError>): Response =>
    Exit.match(result, {
      onFailure: (cause) => Option.match(Cause.failureOption(cause), { onNone: () => defect(cause), onSome: errorResponse }),
      onSuccess: successResponse
    })
  try {
    return handleNow(parsed.right, sqs, ctx, (result) => {
      let response: Response
      try {
        response = respond(result)
      } catch (cause) {
        response = defect(Cause.die(cause))
      }
      answer(response)
    })
  } catch (cause) {
    answer(defect(Cause.die(cause)))
    return true
  }
}

const successResponse = (answer: unknown): Response => ({ status: 200, contentType: CONTENT_TYPE, body: JSON.stringify(answer) })

/** The request body as the JSON object every action reads, or why it is not one. */
const parseBody = (body: Uint8Array): Either.Either<JsonObject, SerializationException> => {
  let parsed: unknown
  try {
    parsed = body.length === 0 ? {} : JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(body))
  } catch {
    return Either.left(new SerializationException({ message: "The request body is not valid JSON." }))
  }
  return isObject(parsed) ? Either.right(parsed) : Either.left(new SerializationException({ message: "The request body must be a JSON object." }))
}
