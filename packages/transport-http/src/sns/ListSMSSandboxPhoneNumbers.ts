/**
 * ListSMSSandboxPhoneNumbers: one page of the SMS sandbox's numbers and their status (SNS API reference, "ListSMSSandboxPhoneNumbers"; botocore `sns/2010-03-31`).
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { Text } from "../query/Shapes.js"
import * as Xml from "../query/Xml.js"
import * as Action from "./Action.js"
import { Integer } from "./internal/shapes.js"

/**
 * Answers `PhoneNumbers` (each `PhoneNumber` and `Status`) then `NextToken` when there is a further page.
 *
 * @category actions
 */
export const ListSMSSandboxPhoneNumbers = Action.make({
  name: "ListSMSSandboxPhoneNumbers",
  request: Schema.Struct({ NextToken: Schema.optional(Text), MaxResults: Schema.optional(Integer) }),
  input: (wire) => wire,
  run: (sns, wire, ctx) => sns.listSmsSandboxPhoneNumbers(wire.NextToken, wire.MaxResults, ctx),
  encode: (page) => [
    Xml.list("PhoneNumbers", page.phoneNumbers, (n) => [Xml.leaf("PhoneNumber", n.phoneNumber), Xml.leaf("Status", n.status)]),
    ...Xml.optionalLeaf("NextToken", page.nextToken)
  ]
})
