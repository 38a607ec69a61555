/**
 * Queue policies: who besides the queue's own account may act on a queue, and the statements
 * AddPermission and RemovePermission edit (SQS Developer Guide, "Using custom policies with the
 * Amazon SQS access policy language"; SQS API Reference, "AddPermission", "RemovePermission").
 *
 * The policy is evaluated with the core's `IamPolicy`. Sealcast has no IAM: a caller of the queue's
 * own account is taken to hold an identity policy that allows every SQS action, so only an explicit
 * Deny in the queue policy refuses it; a caller of another account needs an Allow, as AWS's
 * cross-account evaluation does (IAM User Guide, "Cross-account policy evaluation logic";
 * docs/SEMANTICS.md §8, "Identity policies").
 *
 * @since 0.1.0
 */
import { Either } from "effect"
import * as IamPolicy from "../IamPolicy.js"
import type { RequestContext } from "../RequestContext.js"
import type * as Queue from "./Queue.js"
import { AccessDenied, invalidValue, type InvalidParameterValue, missingParameter, type MissingParameter, OverLimit } from "./QueueErrors.js"

/** The service principal SNS delivers to queues as (SNS Developer Guide, "Subscribing an Amazon SQS queue to an Amazon SNS topic"). */
export const SNS_PRINCIPAL = "sns.amazonaws.com"

/**
 * Every SQS action a queue policy may name, as AddPermission's `Actions` takes them ("the name of
 * any action or `*`"). The batch actions are authorized as their single forms.
 *
 * @category constants
 */
export const actionNames: ReadonlyArray<string> = [
  "AddPermission",
  "CancelMessageMoveTask",
  "ChangeMessageVisibility",
  "CreateQueue",
  "DeleteMessage",
  "DeleteQueue",
  "GetQueueAttributes",
  "GetQueueUrl",
  "ListDeadLetterSourceQueues",
  "ListMessageMoveTasks",
  "ListQueueTags",
  "ListQueues",
  "PurgeQueue",
  "ReceiveMessage",
  "RemovePermission",
  "SendMessage",
  "SetQueueAttributes",
  "StartMessageMoveTask",
  "TagQueue",
  "UntagQueue"
] as const

/**
 * The actions only the queue's owner may take: "Cross-account permissions don't apply to this
 * action" in each one's API Reference entry. A policy may name them; it never lets another account
 * take them.
 *
 * @category constants
 */
export const ownerOnlyActions: ReadonlyArray<string> = [
  "AddPermission",
  "CreateQueue",
  "ListQueueTags",
  "ListQueues",
  "RemovePermission",
  "SetQueueAttributes",
  "TagQueue",
  "UntagQueue"
] as const

/** "An Amazon SQS policy can have a maximum of seven actions per statement" (AddPermission). */
export const MAX_ACTIONS_PER_STATEMENT = 7

const LABEL = /^[A-Za-z0-9_-]{1,80}$/
const ACCOUNT_ID = /^\d{12}$/

/**
 * The queue policy's decision on a request; `ImplicitDeny` when the queue has no policy. `policy` is
 * the queue's parsed Policy attribute (`Queue.policyOf`).
 *
 * @category rules
 */
export const decide = (
  queue: Queue.Queue,
  policy: IamPolicy.PolicyDocument | undefined,
  principal: IamPolicy.Principal,
  action: string,
  context: IamPolicy.Request["context"]
): IamPolicy.Decision =>
  policy === undefined ? "ImplicitDeny" : IamPolicy.evaluate(policy, { principal, action: `sqs:${action}`, resource: queue.arn, context })

const accessDenied = (queue: Queue.Queue) => new AccessDenied({ message: `Access to the resource ${queue.url} is denied.` })

/**
 * Whether the caller may take `action` (the single form of a batch action) on the queue: its own
 * account unless the policy explicitly denies it; another account only where the policy allows it,
 * and never an owner-only action.
 *
 * @category rules
 */
export const authorize = (
  queue: Queue.Queue,
  policy: IamPolicy.PolicyDocument | undefined,
  action: string,
  ctx: RequestContext
): Either.Either<Queue.Queue, AccessDenied> => {
  const sameAccount = queue.accountId === ctx.accountId
  if (!sameAccount && ownerOnlyActions.includes(action)) return Either.left(accessDenied(queue))
  const decision = decide(queue, policy, { _tag: "AWS", arn: ctx.principalArn, accountId: ctx.accountId }, action, {
    "aws:PrincipalArn": ctx.principalArn,
    "aws:PrincipalAccount": ctx.accountId,
    "aws:SecureTransport": String(ctx.transport === "https")
  })
  const allowed = sameAccount ? decision !== "ExplicitDeny" : decision === "Allow"
  return allowed ? Either.right(queue) : Either.left(accessDenied(queue))
}

/**
 * Whether the queue policy lets SNS deliver the topic's messages: `sqs:SendMessage` for the service
 * principal `sns.amazonaws.com`, with `aws:SourceArn` the topic and `aws:SourceAccount` its owner
 * (SNS Developer Guide, "Subscribing an Amazon SQS queue to an Amazon SNS topic", step 2).
 *
 * @category rules
 */
export const allowsTopic = (
  queue: Queue.Queue,
  policy: IamPolicy.PolicyDocument | undefined,
  topicArn: string,
  topicAccountId: string
): boolean =>
  decide(queue, policy, { _tag: "Service", name: SNS_PRINCIPAL }, "SendMessage", { "aws:SourceArn": topicArn, "aws:SourceAccount": topicAccountId }) === "Allow"

/** The policy AddPermission starts from when the queue has none, with the `Id` SQS gives it. */
const emptyPolicy = (queue: Queue.Queue): Record<string, unknown> => ({
  Version: "2012-10-17",
  Id: `${queue.arn}/SQSDefaultPolicy`,
  Statement: []
})

const documentOf = (queue: Queue.Queue): Record<string, unknown> => {
  const text = queue.attributes["Policy"]
  return text === undefined || text === "" ? emptyPolicy(queue) : (JSON.parse(text) as Record<string, unknown>)
}

const statementsOf = (doc: Record<string, unknown>): Array<Record<string, unknown>> => {
  const s = doc["Statement"]
  return (s === undefined ? [] : Array.isArray(s) ? s : [s]) as Array<Record<string, unknown>>
}

const one = <A>(list: ReadonlyArray<A>): A | ReadonlyArray<A> => (list.length === 1 ? list[0]! : list)

/**
 * AddPermission: a statement labelled `label` allowing the accounts the actions, the way SQS writes
 * it (`"Action": "SQS:SendMessage"`, principals as account root ARNs, the queue as the resource).
 * Returns the queue's new Policy text.
 *
 * @category operations
 */
export const addPermission = (
  queue: Queue.Queue,
  input: { readonly label: string; readonly accountIds: ReadonlyArray<string>; readonly actions: ReadonlyArray<string> }
): Either.Either<string, InvalidParameterValue | MissingParameter | OverLimit> =>
  Either.gen(function* () {
    if (input.label === "") return yield* Either.left(missingParameter("Label"))
    if (!LABEL.test(input.label)) {
      return yield* Either.left(
        invalidValue("Label", input.label, "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length")
      )
    }
    if (input.accountIds.length === 0) return yield* Either.left(missingParameter("AWSAccountIds"))
    if (input.actions.length === 0) return yield* Either.left(missingParameter("Actions"))
    for (const id of input.accountIds) {
      if (!ACCOUNT_ID.test(id)) return yield* Either.left(invalidValue("AWSAccountIds", id, "An AWS account id is 12 digits."))
    }
    for (const action of input.actions) {
      if (action !== "*" && !actionNames.includes(action)) {
        return yield* Either.left(invalidValue("ActionName", `SQS:${action}`, "Please refer to the appropriate WSDL for a list of valid actions."))
      }
    }
    if (input.actions.length > MAX_ACTIONS_PER_STATEMENT) {
      return yield* Either.left(
        new OverLimit({ message: `${input.actions.length} Actions were found, maximum allowed is ${MAX_ACTIONS_PER_STATEMENT}.` })
      )
    }
    const doc = documentOf(queue)
    const statements = statementsOf(doc)
    if (statements.some((s) => s["Sid"] === input.label)) return yield* Either.left(invalidValue("Label", input.label, "Already exists."))
    statements.push({
      Sid: input.label,
      Effect: "Allow",
      Principal: { AWS: one(input.accountIds.map((id) => `arn:aws:iam::${id}:root`)) },
      Action: one(input.actions.map((a) => `SQS:${a}`)),
      Resource: queue.arn
    })
    return JSON.stringify({ ...doc, Statement: statements })
  })

/**
 * RemovePermission: drops the statement labelled `label`. The policy goes with its last statement.
 * Returns the queue's new Policy text, empty when none is left.
 *
 * @category operations
 */
export const removePermission = (queue: Queue.Queue, label: string): Either.Either<string, InvalidParameterValue | MissingParameter> => {
  if (label === "") return Either.left(missingParameter("Label"))
  const doc = documentOf(queue)
  const statements = statementsOf(doc)
  const kept = statements.filter((s) => s["Sid"] !== label)
  if (kept.length === statements.length) return Either.left(invalidValue("Label", label, "can't find label on existing policy."))
  return Either.right(kept.length === 0 ? "" : JSON.stringify({ ...doc, Statement: kept }))
}
