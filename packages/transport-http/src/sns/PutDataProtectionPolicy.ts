/**
 * PutDataProtectionPolicy: sets a topic's data protection policy (SNS API reference, "PutDataProtectionPolicy"; botocore `sns/2010-03-31`).
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { Text } from "../query/Shapes.js"
import * as Action from "./Action.js"

/**
 * @category actions
 */
export const PutDataProtectionPolicy = Action.make({
  name: "PutDataProtectionPolicy",
  request: Schema.Struct({ ResourceArn: Text, DataProtectionPolicy: Text }),
  input: (wire) => wire,
  run: (sns, wire, ctx) => sns.putDataProtectionPolicy(wire.ResourceArn, wire.DataProtectionPolicy, ctx)
})
