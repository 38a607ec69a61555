/**
 * CheckIfPhoneNumberIsOptedOut: whether a number opted out of the account's texts (SNS API reference, "CheckIfPhoneNumberIsOptedOut"; botocore `sns/2010-03-31`).
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { Text } from "../query/Shapes.js"
import * as Xml from "../query/Xml.js"
import * as Action from "./Action.js"

/**
 * `phoneNumber` is required; answers `isOptedOut`.
 *
 * @category actions
 */
export const CheckIfPhoneNumberIsOptedOut = Action.make({
  name: "CheckIfPhoneNumberIsOptedOut",
  request: Schema.Struct({ phoneNumber: Text }),
  input: (wire) => wire.phoneNumber,
  run: (sns, phoneNumber, ctx) => sns.checkIfPhoneNumberIsOptedOut(phoneNumber, ctx),
  encode: (optedOut) => [Xml.leaf("isOptedOut", String(optedOut))]
})
