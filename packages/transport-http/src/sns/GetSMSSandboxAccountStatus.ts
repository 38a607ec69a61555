/**
 * GetSMSSandboxAccountStatus: whether the account is in the SMS sandbox (SNS API reference, "GetSMSSandboxAccountStatus"; botocore `sns/2010-03-31`).
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import * as Xml from "../query/Xml.js"
import * as Action from "./Action.js"

/**
 * Answers `IsInSandbox`.
 *
 * @category actions
 */
export const GetSMSSandboxAccountStatus = Action.make({
  name: "GetSMSSandboxAccountStatus",
  request: Schema.Struct({}),
  input: () => undefined,
  run: (sns, _input, ctx) => sns.getSmsSandboxAccountStatus(ctx),
  encode: (status) => [Xml.leaf("IsInSandbox", String(status.isInSandbox))]
})
