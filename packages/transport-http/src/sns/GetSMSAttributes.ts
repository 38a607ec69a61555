/**
 * GetSMSAttributes: the account's SMS settings (SNS API reference, "GetSMSAttributes"; botocore `sns/2010-03-31`).
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { QueryList, Text } from "../query/Shapes.js"
import * as Xml from "../query/Xml.js"
import * as Action from "./Action.js"

/**
 * `attributes` optionally names the ones wanted; answers the `attributes` map.
 *
 * @category actions
 */
export const GetSMSAttributes = Action.make({
  name: "GetSMSAttributes",
  request: Schema.Struct({ attributes: Schema.optional(QueryList(Text)) }),
  input: (wire) => wire.attributes ?? [],
  run: (sns, names, ctx) => sns.getSmsAttributes(names, ctx),
  encode: (attributes) => [Xml.map("attributes", attributes)]
})
