/**
 * The one-line fixture of docs/CONTRACT.md, "Embedding in a Node program": a suite calls `useBroker()` at
 * its top and gets, for its tests, an in-process broker on a free port with nothing on disk, the SDK
 * clients pointed at it, and local subscribers and lambda functions that are cleaned up after it.
 */
import type { KMSClient } from "@aws-sdk/client-kms"
import type { SNSClient } from "@aws-sdk/client-sns"
import type { SQSClient } from "@aws-sdk/client-sqs"
import { type BrokerOptions, type RunningBroker, type SnsEvent, startBroker } from "sealcast"
import { afterAll, beforeAll } from "vitest"
import { kmsClient, snsClient, sqsClient, type Target, targetOf } from "./Clients.js"
import { startSubscriber, type Subscriber, type SubscriberOptions } from "./Subscriber.js"

export interface BrokerFixture {
  readonly broker: RunningBroker
  readonly target: Target
  readonly sns: SNSClient
  readonly kms: KMSClient
  readonly sqs: SQSClient
  /** A local HTTP subscriber that trusts the broker's CA, closed after the suite. */
  readonly subscriber: (options?: Omit<SubscriberOptions, "caPem">) => Promise<Subscriber>
  /** Registers a lambda function `name` that records the events it is invoked with. */
  readonly recordingFunction: (name: string) => { readonly arn: string; readonly events: ReadonlyArray<SnsEvent> }
}

export const useBroker = (options: BrokerOptions = {}): BrokerFixture => {
  let running: { broker: RunningBroker; target: Target; sns: SNSClient; kms: KMSClient; sqs: SQSClient } | undefined
  const subscribers: Array<Subscriber> = []
  const current = () => {
    if (running === undefined) throw new Error("the broker fixture is used outside the suite's tests")
    return running
  }
  beforeAll(async () => {
    const broker = await startBroker({ port: 0, dataDir: ":memory:", logLevel: "error", ...options })
    const target = targetOf(broker)
    running = { broker, target, sns: snsClient(target), kms: kmsClient(target), sqs: sqsClient(target) }
  })
  afterAll(async () => {
    await Promise.all(subscribers.map((s) => s.close()))
    if (running === undefined) return
    running.sns.destroy()
    running.kms.destroy()
    running.sqs.destroy()
    await running.broker.stop()
  })
  return {
    get broker() { return current().broker },
    get target() { return current().target },
    get sns() { return current().sns },
    get kms() { return current().kms },
    get sqs() { return current().sqs },
    subscriber: async (subscriberOptions = {}) => {
      const subscriber = await startSubscriber({ caPem: current().target.caPem, ...subscriberOptions })
      subscribers.push(subscriber)
      return subscriber
    },
    recordingFunction: (name) => {
      const { broker } = current()
      const events: Array<SnsEvent> = []
      broker.registerFunction(name, (event) => {
        events.push(event)
      })
      return { arn: `arn:aws:lambda:${broker.region}:${broker.accountId}:function:${name}`, events }
    }
  }
}
