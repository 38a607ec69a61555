/**
 * DeleteSMSSandboxPhoneNumber: removes a number from the SMS sandbox (SNS API reference, "DeleteSMSSandboxPhoneNumber"; botocore `sns/2010-03-31`).
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { Text } from "../query/Shapes.js"
import * as Action from "./Action.js"

/**
 * `PhoneNumber` is required; the answer is empty.
 *
 * @category actions
 */
export const DeleteSMSSandboxPhoneNumber = Action.make({
  name: "DeleteSMSSandboxPhoneNumber",
  request: Schema.Struct({ PhoneNumber: Text }),
  input: (wire) => wire.PhoneNumber,
  run: (sns, phoneNumber, ctx) => sns.deleteSmsSandboxPhoneNumber(phoneNumber, ctx)
})
