/**
 * The SNS endpoint's actions by name, and the dispatch from a parsed Query request to the XML
 * answer (docs/SEMANTICS.md §3): `Action` picks the action, `Version` must be SNS's 2010-03-31, the
 * action decodes its parameters, calls the core and encodes the result; any failure becomes the
 * `ErrorResponse` its row in the error table describes.
 *
 * @since 0.1.0
 */
import { Errors, type RequestContext, type Sns } from "@sealcast/core"
import { Effect, Either } from "effect"
import { describeError, type ErrorTag } from "../ErrorTable.js"
import { InvalidAction, type MalformedQueryString, MissingAction } from "../query/Errors.js"
import * as Form from "../query/Form.js"
import { InternalFailure } from "../EdgeErrors.js"
import type { Response } from "../HttpResponse.js"
import * as Xml from "../query/Xml.js"
import type { AnySnsAction } from "./Action.js"
import { AddPermission } from "./AddPermission.js"
import { ConfirmSubscription } from "./ConfirmSubscription.js"
import { CheckIfPhoneNumberIsOptedOut } from "./CheckIfPhoneNumberIsOptedOut.js"
import { CreatePlatformApplication } from "./CreatePlatformApplication.js"
import { CreatePlatformEndpoint } from "./CreatePlatformEndpoint.js"
import { CreateSMSSandboxPhoneNumber } from "./CreateSMSSandboxPhoneNumber.js"
import { DeleteEndpoint } from "./DeleteEndpoint.js"
import { DeletePlatformApplication } from "./DeletePlatformApplication.js"
import { DeleteSMSSandboxPhoneNumber } from "./DeleteSMSSandboxPhoneNumber.js"
import { GetEndpointAttributes } from "./GetEndpointAttributes.js"
import { GetPlatformApplicationAttributes } from "./GetPlatformApplicationAttributes.js"
import { GetSMSAttributes } from "./GetSMSAttributes.js"
import { GetSMSSandboxAccountStatus } from "./GetSMSSandboxAccountStatus.js"
import { ListEndpointsByPlatformApplication } from "./ListEndpointsByPlatformApplication.js"
import { ListOriginationNumbers } from "./ListOriginationNumbers.js"
import { ListPhoneNumbersOptedOut } from "./ListPhoneNumbersOptedOut.js"
import { ListPlatformApplications } from "./ListPlatformApplications.js"
import { ListSMSSandboxPhoneNumbers } from "./ListSMSSandboxPhoneNumbers.js"
import { OptInPhoneNumber } from "./OptInPhoneNumber.js"
import { SetEndpointAttributes } from "./SetEndpointAttributes.js"
import { SetPlatformApplicationAttributes } from "./SetPlatformApplicationAttributes.js"
import { SetSMSAttributes } from "./SetSMSAttributes.js"
import { VerifySMSSandboxPhoneNumber } from "./VerifySMSSandboxPhoneNumber.js"
import { CreateTopic } from "./CreateTopic.js"
import { DeleteTopic } from "./DeleteTopic.js"
import { GetDataProtectionPolicy } from "./GetDataProtectionPolicy.js"
import { GetSubscriptionAttributes } from "./GetSubscriptionAttributes.js"
import { GetTopicAttributes } from "./GetTopicAttributes.js"
import { ListSubscriptions } from "./ListSubscriptions.js"
import { ListSubscriptionsByTopic } from "./ListSubscriptionsByTopic.js"
import { ListTagsForResource } from "./ListTagsForResource.js"
import { ListTopics } from "./ListTopics.js"
import { Publish } from "./Publish.js"
import { PublishBatch } from "./PublishBatch.js"
import { PutDataProtectionPolicy } from "./PutDataProtectionPolicy.js"
import { RemovePermission } from "./RemovePermission.js"
import { SetSubscriptionAttributes } from "./SetSubscriptionAttributes.js"
import { SetTopicAttributes } from "./SetTopicAttributes.js"
import { Subscribe } from "./Subscribe.js"
import { TagResource } from "./TagResource.js"
import { UntagResource } from "./UntagResource.js"
import { Unsubscribe } from "./Unsubscribe.js"

/** The API version every SNS request names. */
export const VERSION = "2010-03-31"

/**
 * Every action the broker serves, by its `Action` name.
 *
 * @category actions
 */
export const actions: Readonly<Record<string, AnySnsAction>> = Object.fromEntries(
  [
    AddPermission,
    ConfirmSubscription,
    CreateTopic,
    DeleteTopic,
    GetDataProtectionPolicy,
    GetSubscriptionAttributes,
    GetTopicAttributes,
    ListSubscriptions,
    ListSubscriptionsByTopic,
    ListTagsForResource,
    ListTopics,
    Publish,
    PublishBatch,
    PutDataProtectionPolicy,
    RemovePermission,
    SetSubscriptionAttributes,
    SetTopicAttributes,
    Subscribe,
    TagResource,
    UntagResource,
    Unsubscribe,
    CheckIfPhoneNumberIsOptedOut,
    CreatePlatformApplication,
    CreatePlatformEndpoint,
    CreateSMSSandboxPhoneNumber,
    DeleteEndpoint,
    DeletePlatformApplication,
    DeleteSMSSandboxPhoneNumber,
    GetEndpointAttributes,
    GetPlatformApplicationAttributes,
    GetSMSAttributes,
    GetSMSSandboxAccountStatus,
    ListEndpointsByPlatformApplication,
    ListOriginationNumbers,
    ListPhoneNumbersOptedOut,
    ListPlatformApplications,
    ListSMSSandboxPhoneNumbers,
    OptInPhoneNumber,
    SetEndpointAttributes,
    SetPlatformApplicationAttributes,
    SetSMSAttributes,
    VerifySMSSandboxPhoneNumber
  ].map((action) => [action.name, action])
)

const CONTENT_TYPE = "text/xml"

/**
 * The `ErrorResponse` for any tagged error, through the one error table. The server glue uses it too,
 * for errors raised before dispatch (authentication, body size).
 *
 * @category encoding
 */
export const errorResponse = (error: { readonly _tag: ErrorTag; readonly message?: string }, requestId: string): Response<string> => {
  const row = describeError(error)
  return { status: row.status, contentType: CONTENT_TYPE, body: Xml.errorEnvelope(row.fault, row.code, row.message, requestId) }
}

/**
 * Which action a request names. A missing `Version` is accepted: AWS itself answers such a request
 * (LocalStack's AWS-validated `test_validate.py` sends none); another version has none of these
 * operations.
 */
const actionOf = (form: Form.Form): Either.Either<AnySnsAction, MissingAction | InvalidAction> => {
  const name = form.get("Action")
  if (name === undefined || name === "") {
    return Either.left(new MissingAction({ message: "The request is missing an action or a required parameter." }))
  }
  const version = form.get("Version") ?? VERSION
  const action = Object.hasOwn(actions, name) ? actions[name] : undefined
  if (action === undefined || version !== VERSION) {
    return Either.left(new InvalidAction({ message: `Could not find operation ${name} for version ${version}` }))
  }
  return Either.right(action)
}

/**
 * Every value of the request, checked once here rather than per action or member: a character XML
 * 1.0 cannot carry (XML 1.0 §2.2, production [2] `Char`) could be stored, but never answered, so
 * every later read of the resource would fail. Refused as SNS refuses any value it does not accept,
 * `InvalidParameter` naming the parameter as it came on the wire (SNS API reference, Common Errors
 * of each action: "InvalidParameter: Indicates that a request parameter does not comply with the
 * associated constraints").
 */
const unrepresentableParameter = (form: Form.Form): Errors.InvalidParameter | undefined => {
  for (const [name, value] of form) {
    const codePoint = Xml.firstUnrepresentable(value)
    if (codePoint !== undefined) {
      return new Errors.InvalidParameter({
        message: `Invalid parameter: ${name} Reason: ${Xml.codePointName(codePoint)} is not a character XML 1.0 allows (XML 1.0 section 2.2, Char).`
      })
    }
  }
  return undefined
}

/**
 * Runs one request. `ctx` is the verified caller, or undefined for an unsigned request (then only
 * ConfirmSubscription and Unsubscribe may proceed). Never fails: every error, and every defect, is an
 * answer.
 *
 * @category dispatch
 */
export const dispatch = (
  form: Form.Form,
  sns: Sns.SnsService,
  ctx: RequestContext.RequestContext | undefined,
  requestId: string
): Effect.Effect<Response<string>> =>
  // Reading the action and the tree is pure: plain Either steps, then the one effectful call, whose
  // failure or success becomes the answer in one step.
  Effect.suspend(() => {
    const request = Either.flatMap(
      actionOf(form),
      (action): Either.Either<{ action: AnySnsAction; tree: Form.TreeNode }, Errors.InvalidParameter | MalformedQueryString> => {
        const refused = unrepresentableParameter(form)
        return refused !== undefined ? Either.left(refused) : Either.map(Form.toTree(form), (tree) => ({ action, tree }))
      }
    )
    if (Either.isLeft(request)) return Effect.succeed(errorResponse(request.left, requestId))
    const { action, tree } = request.right
    // Once the service has begun an action it finishes it, whether or not the client waits: a change
    // cut off halfway could leave the store and the service's memory out of step.
    return Effect.map(Effect.either(Effect.uninterruptible(action.handle(tree, sns, ctx))), (result) => answerOf(action, result, requestId))
  }).pipe(
    // A defect is a bug, never the client's doing: InternalFailure, with nothing of its details.
    Effect.catchAllDefect(() => Effect.succeed(internalFailure(requestId)))
  )

const internalFailure = (requestId: string): Response<string> => errorResponse(new InternalFailure(), requestId)

/** The answer to an action's outcome: its result in the success envelope, or its error's row. */
const answerOf = (
  action: AnySnsAction,
  result: Either.Either<ReadonlyArray<Xml.Node> | undefined, { readonly _tag: ErrorTag; readonly message?: string }>,
  requestId: string
): Response<string> => {
  const body = Either.flatMap(result, (nodes) => Xml.successEnvelope(action.name, nodes, requestId))
  return Either.isLeft(body) ? errorResponse(body.left, requestId) : { status: 200, contentType: CONTENT_TYPE, body: body.right }
}

/**
 * `dispatch` without the runtime, for a signed request to an action that runs at once but for its
 * commit (`AnySnsAction.handleNow`: Publish). `verified` is asked for the caller only once the action
 * is known to offer it. `answer` is called once, with what `dispatch` would answer; false, with
 * nothing done, when `dispatch` must run the request (docs/PERFORMANCE.md, "Publish without a fiber").
 *
 * @category dispatch
 */
export const dispatchNow = (
  form: Form.Form,
  sns: Sns.SnsService,
  verified: () => RequestContext.RequestContext | undefined,
  requestId: string,
  answer: (response: Response<string>) => void
): boolean => {
  const action = actionOf(form)
  if (Either.isLeft(action) || action.right.handleNow === undefined || unrepresentableParameter(form) !== undefined) return false
  const tree = Form.toTree(form)
  if (Either.isLeft(tree)) return false
  const ctx = verified()
  if (ctx === undefined) return false
  const handleNow = action.right.handleNow
  // As in `dispatch`, a defect is answered InternalFailure, before the commit or after it.
  try {
    return handleNow(tree.right, sns, ctx, (result) => {
      let response: Response<string>
      try {
        response = answerOf(action.right, result, requestId)
      } catch {
        response = internalFailure(requestId)
      }
      answer(response)
    })
  } catch {
    answer(internalFailure(requestId))
    return true
  }
}
