/**
 * Subscribe: subscribes an endpoint to a topic (SNS API reference, "Subscribe"; botocore `sns/2010-03-31`).
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { Bool, Text } from "../query/Shapes.js"
import * as Xml from "../query/Xml.js"
import * as Action from "./Action.js"
import { Attributes } from "./internal/shapes.js"

/**
 * `Endpoint` is optional in the model (the core refuses a protocol that needs one without it);
 * `ReturnSubscriptionArn` asks for the ARN even while the subscription awaits confirmation.
 *
 * @category actions
 */
export const Subscribe = Action.make({
  name: "Subscribe",
  request: Schema.Struct({
    TopicArn: Text,
    Protocol: Text,
    Endpoint: Schema.optional(Text),
    Attributes: Schema.optional(Attributes),
    ReturnSubscriptionArn: Schema.optional(Bool)
  }),
  input: (wire) => ({
    topicArn: wire.TopicArn,
    protocol: wire.Protocol,
    endpoint: wire.Endpoint ?? "",
    attributes: Object.fromEntries(wire.Attributes ?? []),
    returnSubscriptionArn: wire.ReturnSubscriptionArn ?? false
  }),
  run: (sns, input, ctx) => sns.subscribe(input, ctx),
  encode: (output) => [Xml.leaf("SubscriptionArn", output.subscriptionArn)]
})
