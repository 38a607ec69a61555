/**
 * GetDataProtectionPolicy: a topic's data protection policy (SNS API reference, "GetDataProtectionPolicy"; botocore `sns/2010-03-31`).
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { Text } from "../query/Shapes.js"
import * as Xml from "../query/Xml.js"
import * as Action from "./Action.js"

/**
 * A topic without a policy answers an empty result.
 *
 * @category actions
 */
export const GetDataProtectionPolicy = Action.make({
  name: "GetDataProtectionPolicy",
  request: Schema.Struct({ ResourceArn: Text }),
  input: (wire) => wire.ResourceArn,
  run: (sns, resourceArn, ctx) => sns.getDataProtectionPolicy(resourceArn, ctx),
  encode: (policy) => Xml.optionalLeaf("DataProtectionPolicy", policy)
})
