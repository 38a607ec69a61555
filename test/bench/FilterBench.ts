/**
 * Scenario 10 (the routing issue's benchmark): one message matched against 1,000 subscriptions with
 * filter policies, as `Routing.route` does when the broker accepts a message. Each policy is compiled
 * once (`Routing.recipient`, as the registry keeps it with the subscription); what is timed is the
 * per-message decision.
 * The floor beside it is the same 1,000 subscriptions without policies: the routing loop itself.
 */
import type { Message, Subscription } from "@sealcast/core"
import { Routing } from "@sealcast/core"
import { percentile } from "./Stats.js"

export interface FilterRow {
  readonly subscriptions: number
  /** Messages routed a second against every subscription's policy. */
  readonly messagesPerSecond: number
  /** The same with no policies: the loop alone. */
  readonly unfilteredMessagesPerSecond: number
  /** How many of the subscriptions the benchmark message matched. */
  readonly matched: number
}

const TOPIC_ARN = "arn:aws:sns:us-east-1:000000000000:bench-routing"

/** A spread of realistic policies: exact strings, numeric ranges, prefixes, anything-but, exists, $or, body scope. */
const policyFor = (i: number): { readonly policy: string; readonly scope: string } => {
  switch (i % 6) {
    case 0:
      return { policy: JSON.stringify({ store: [`store-${i % 50}`], event: ["order_placed", "order_paid"] }), scope: "MessageAttributes" }
    case 1:
      return { policy: JSON.stringify({ price: [{ numeric: [">=", i % 100, "<", (i % 100) + 50] }] }), scope: "MessageAttributes" }
    case 2:
      return { policy: JSON.stringify({ customer: [{ prefix: `c-${i % 10}` }], event: [{ "anything-but": ["order_cancelled"] }] }), scope: "MessageAttributes" }
    case 3:
      return { policy: JSON.stringify({ $or: [{ store: [`store-${i % 50}`] }, { vip: [{ exists: true }] }] }), scope: "MessageAttributes" }
    case 4:
      return { policy: JSON.stringify({ order: { total: [{ numeric: [">", i % 200] }], currency: ["EUR", "USD"] } }), scope: "MessageBody" }
    default:
      return { policy: JSON.stringify({ order: { lines: { sku: [{ prefix: `sku-${i % 20}` }] } } }), scope: "MessageBody" }
  }
}

const subscription = (i: number, filtered: boolean): Subscription.Subscription => {
  const { policy, scope } = policyFor(i)
  return {
    arn: `${TOPIC_ARN}:${i.toString().padStart(8, "0")}-0000-4000-8000-000000000000`,
    topicArn: TOPIC_ARN,
    accountId: "000000000000",
    protocol: "lambda",
    endpoint: `arn:aws:lambda:us-east-1:000000000000:function:f${i}`,
    status: "Confirmed",
    confirmationToken: undefined,
    confirmationWasAuthenticated: true,
    attributes: filtered ? { FilterPolicy: policy, FilterPolicyScope: scope } : {},
    createdAt: 0
  }
}

const message: { readonly attributes: Message.MessageAttributes; readonly body: string } = {
  attributes: {
    store: { dataType: "String", stringValue: "store-7" },
    event: { dataType: "String", stringValue: "order_placed" },
    price: { dataType: "Number", stringValue: "42.5" },
    customer: { dataType: "String", stringValue: "c-3-881" }
  },
  body: JSON.stringify({ order: { total: 120, currency: "EUR", lines: [{ sku: "sku-4-a", qty: 2 }, { sku: "sku-9-b", qty: 1 }] } })
}

/** Routes the message repeatedly for about `seconds`, in rounds; the median round's rate. */
const rate = (recipients: ReadonlyArray<Routing.Recipient>, seconds: number): number => {
  for (let i = 0; i < 200; i++) Routing.route(recipients, message)
  const rounds: Array<number> = []
  const roundMs = (seconds * 1000) / 5
  for (let r = 0; r < 5; r++) {
    let n = 0
    const start = performance.now()
    while (performance.now() - start < roundMs) {
      Routing.route(recipients, message)
      n++
    }
    rounds.push(n / ((performance.now() - start) / 1000))
  }
  return percentile([...rounds].sort((a, b) => a - b), 0.5)
}

export const filterThroughput = (count: number, seconds: number): FilterRow => {
  const filtered = Array.from({ length: count }, (_, i) => Routing.recipient(subscription(i, true)))
  const plain = Array.from({ length: count }, (_, i) => Routing.recipient(subscription(i, false)))
  return {
    subscriptions: count,
    messagesPerSecond: rate(filtered, seconds),
    unfilteredMessagesPerSecond: rate(plain, seconds),
    matched: Routing.route(filtered, message).subscriptionArns.length
  }
}
