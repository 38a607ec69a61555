/**
 * Amazon Resource Names as SNS uses them: `arn:<partition>:sns:<region>:<account>:<topic>` for topics
 * and `<topic ARN>:<uuid>` for subscriptions.
 *
 * @since 0.1.0
 */
import { Either } from "effect"
import { invalidParameter, type InvalidParameter } from "./Errors.js"

/**
 * @category models
 */
export interface TopicArnParts {
  readonly partition: string
  readonly region: string
  readonly accountId: string
  readonly name: string
}

/**
 * @category constructors
 */
export const topicArn = (region: string, accountId: string, name: string): string =>
  `arn:aws:sns:${region}:${accountId}:${name}`

/**
 * Splits an SNS topic ARN. The texts are real SNS's: "Invalid parameter: TopicArn Reason: An ARN must
 * have at least 6 elements, not 1" (docs/SEMANTICS.md §3).
 *
 * @category parsing
 */
export const parseTopicArn = (
  arn: string,
  parameter = "TopicArn"
): Either.Either<TopicArnParts, InvalidParameter> => {
  const parts = arn.split(":")
  if (parts.length < 6) {
    return Either.left(invalidParameter(parameter, `An ARN must have at least 6 elements, not ${parts.length}`))
  }
  const [prefix, partition, service, region, accountId, ...rest] = parts as [string, string, string, string, string, ...Array<string>]
  const name = rest.join(":")
  if (prefix !== "arn" || partition === "" || service !== "sns" || region === "" || !/^\d{12}$/.test(accountId)) {
    return Either.left(invalidParameter(parameter, `${arn} is not a valid SNS topic ARN`))
  }
  if (rest.length !== 1 || name === "") {
    return Either.left(invalidParameter(parameter, `${arn} does not name a topic`))
  }
  return Either.right({ partition, region, accountId, name })
}

/**
 * A subscription ARN is the topic ARN followed by `:` and the subscription's id.
 *
 * @category parsing
 */
export const parseSubscriptionArn = (
  arn: string,
  parameter = "SubscriptionArn"
): Either.Either<{ readonly topicArn: string; readonly id: string }, InvalidParameter> => {
  const at = arn.lastIndexOf(":")
  const topic = at < 0 ? arn : arn.slice(0, at)
  const id = at < 0 ? "" : arn.slice(at + 1)
  return Either.flatMap(parseTopicArn(topic, parameter), () =>
    id === "" || arn.split(":").length !== 7
      ? Either.left(invalidParameter(parameter, `${arn} is not a valid subscription ARN`))
      : Either.right({ topicArn: topic, id })
  )
}

/**
 * The principal ARN of an account's root user.
 *
 * @category constructors
 */
export const accountRoot = (accountId: string): string => `arn:aws:iam::${accountId}:root`

const IAM_ROLE_ARN = /^arn:aws[\w-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/

/**
 * Whether `arn` names an IAM role (IAM User Guide, "IAM identifiers": `arn:aws:iam::<account>:role/<path and name>`),
 * as the attributes that give SNS a role to assume must.
 *
 * @category validation
 */
export const isIamRoleArn = (arn: string): boolean => IAM_ROLE_ARN.test(arn)
