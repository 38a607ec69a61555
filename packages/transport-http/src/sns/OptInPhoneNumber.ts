/**
 * OptInPhoneNumber: lets an opted-out number be texted again (SNS API reference, "OptInPhoneNumber"; botocore `sns/2010-03-31`).
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { Text } from "../query/Shapes.js"
import * as Action from "./Action.js"

/**
 * `phoneNumber` is required; the answer is empty.
 *
 * @category actions
 */
export const OptInPhoneNumber = Action.make({
  name: "OptInPhoneNumber",
  request: Schema.Struct({ phoneNumber: Text }),
  input: (wire) => wire.phoneNumber,
  run: (sns, phoneNumber, ctx) => sns.optInPhoneNumber(phoneNumber, ctx)
})
