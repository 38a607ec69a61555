/**
 * CreateSMSSandboxPhoneNumber: adds a destination number to the SMS sandbox and texts it a one-time password (SNS API reference, "CreateSMSSandboxPhoneNumber"; botocore `sns/2010-03-31`).
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { Text } from "../query/Shapes.js"
import * as Action from "./Action.js"

/**
 * `PhoneNumber` is required, `LanguageCode` optional; the answer is empty.
 *
 * @category actions
 */
export const CreateSMSSandboxPhoneNumber = Action.make({
  name: "CreateSMSSandboxPhoneNumber",
  request: Schema.Struct({ PhoneNumber: Text, LanguageCode: Schema.optional(Text) }),
  input: (wire) => wire,
  run: (sns, wire, ctx) => sns.createSmsSandboxPhoneNumber(wire.PhoneNumber, wire.LanguageCode, ctx)
})
