/**
 * ListPhoneNumbersOptedOut: one page of the numbers that opted out (SNS API reference, "ListPhoneNumbersOptedOut"; botocore `sns/2010-03-31`).
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { Text } from "../query/Shapes.js"
import * as Xml from "../query/Xml.js"
import * as Action from "./Action.js"

/**
 * Answers `phoneNumbers` then `nextToken` when there is a further page.
 *
 * @category actions
 */
export const ListPhoneNumbersOptedOut = Action.make({
  name: "ListPhoneNumbersOptedOut",
  request: Schema.Struct({ nextToken: Schema.optional(Text) }),
  input: (wire) => wire.nextToken,
  run: (sns, nextToken, ctx) => sns.listPhoneNumbersOptedOut(nextToken, ctx),
  encode: (page) => [Xml.list("phoneNumbers", page.phoneNumbers, (n) => [{ _tag: "Text", text: n }]), ...Xml.optionalLeaf("nextToken", page.nextToken)]
})
