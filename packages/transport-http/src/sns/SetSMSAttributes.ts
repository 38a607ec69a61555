/**
 * SetSMSAttributes: the account's default settings for sending texts (SNS API reference, "SetSMSAttributes"; botocore `sns/2010-03-31`).
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import * as Action from "./Action.js"
import { Attributes } from "./internal/shapes.js"

/**
 * `attributes` (lower-case, as the model names it) is required; the answer is empty.
 *
 * @category actions
 */
export const SetSMSAttributes = Action.make({
  name: "SetSMSAttributes",
  request: Schema.Struct({ attributes: Attributes }),
  input: (wire) => Object.fromEntries(wire.attributes),
  run: (sns, attributes, ctx) => sns.setSmsAttributes(attributes, ctx)
})
