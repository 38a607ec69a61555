/**
 * ListOriginationNumbers: one page of the account's origination numbers (SNS API reference, "ListOriginationNumbers"; botocore `sns/2010-03-31`).
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { Text } from "../query/Shapes.js"
import * as Xml from "../query/Xml.js"
import * as Action from "./Action.js"
import { Integer } from "./internal/shapes.js"

/**
 * Answers `PhoneNumbers` then `NextToken` when there is a further page.
 *
 * @category actions
 */
export const ListOriginationNumbers = Action.make({
  name: "ListOriginationNumbers",
  request: Schema.Struct({ NextToken: Schema.optional(Text), MaxResults: Schema.optional(Integer) }),
  input: (wire) => wire,
  run: (sns, wire, ctx) => sns.listOriginationNumbers(wire.NextToken, wire.MaxResults, ctx),
  encode: (page) => [Xml.list("PhoneNumbers", page.phoneNumbers, () => []), ...Xml.optionalLeaf("NextToken", page.nextToken)]
})
