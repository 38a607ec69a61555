/**
 * VerifySMSSandboxPhoneNumber: verifies a sandbox number with the one-time password texted to it (SNS API reference, "VerifySMSSandboxPhoneNumber"; botocore `sns/2010-03-31`).
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { Text } from "../query/Shapes.js"
import * as Action from "./Action.js"

/**
 * `PhoneNumber` and `OneTimePassword` are required; the answer is empty.
 *
 * @category actions
 */
export const VerifySMSSandboxPhoneNumber = Action.make({
  name: "VerifySMSSandboxPhoneNumber",
  request: Schema.Struct({ PhoneNumber: Text, OneTimePassword: Text }),
  input: (wire) => wire,
  run: (sns, wire, ctx) => sns.verifySmsSandboxPhoneNumber(wire.PhoneNumber, wire.OneTimePassword, ctx)
})
