/**
 * AddPermission and RemovePermission: statements in a topic's access policy, edited by label.
 *
 * @since 0.1.0
 */
import { Either } from "effect"
import * as Arn from "./Arn.js"
import { invalidParameter, type InvalidParameter } from "./Errors.js"
import * as Topic from "./Topic.js"

/** The actions AddPermission may grant (SNS API reference, AddPermission: ActionName). */
export const grantableActions: ReadonlyArray<string> = [
  "GetTopicAttributes",
  "SetTopicAttributes",
  "AddPermission",
  "RemovePermission",
  "DeleteTopic",
  "Subscribe",
  "ListSubscriptionsByTopic",
  "Publish",
  "Receive"
] as const

const statementsOf = (topic: Topic.Topic): Array<Record<string, unknown>> => {
  const doc = JSON.parse(topic.attributes["Policy"] ?? Topic.defaultPolicy(topic)) as Record<string, unknown>
  const s = doc["Statement"]
  return (Array.isArray(s) ? s : [s]) as Array<Record<string, unknown>>
}

const withStatements = (topic: Topic.Topic, statements: ReadonlyArray<Record<string, unknown>>): Topic.Topic => {
  const doc = JSON.parse(topic.attributes["Policy"] ?? Topic.defaultPolicy(topic)) as Record<string, unknown>
  return { ...topic, attributes: { ...topic.attributes, Policy: JSON.stringify({ ...doc, Statement: statements }) } }
}

/**
 * Adds a statement labelled `label` that lets the accounts perform the actions.
 *
 * @category operations
 */
export const add = (
  topic: Topic.Topic,
  label: string,
  accountIds: ReadonlyArray<string>,
  actions: ReadonlyArray<string>
): Either.Either<Topic.Topic, InvalidParameter> => {
  if (!/^[A-Za-z0-9_-]{1,100}$/.test(label)) return Either.left(invalidParameter("Label"))
  if (accountIds.length === 0 || accountIds.some((a) => !/^\d{12}$/.test(a))) {
    return Either.left(invalidParameter("AWSAccountId"))
  }
  if (actions.length === 0 || actions.some((a) => !grantableActions.includes(a))) {
    return Either.left(invalidParameter("ActionName"))
  }
  const statements = statementsOf(topic)
  if (statements.some((s) => s["Sid"] === label)) {
    return Either.left(invalidParameter("Statement", "Already exists"))
  }
  const principals = accountIds.map(Arn.accountRoot)
  statements.push({
    Sid: label,
    Effect: "Allow",
    Principal: { AWS: principals.length === 1 ? principals[0] : principals },
    Action: actions.length === 1 ? `SNS:${actions[0]}` : actions.map((a) => `SNS:${a}`),
    Resource: topic.arn
  })
  return Either.right(withStatements(topic, statements))
}

/**
 * Removes the statement labelled `label`.
 *
 * @category operations
 */
export const remove = (topic: Topic.Topic, label: string): Either.Either<Topic.Topic, InvalidParameter> => {
  const statements = statementsOf(topic)
  const kept = statements.filter((s) => s["Sid"] !== label)
  if (kept.length === statements.length) return Either.left(invalidParameter("Label", `No statement with label ${label}`))
  return Either.right(withStatements(topic, kept))
}
