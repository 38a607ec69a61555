/**
 * `sealcast/testing`: a broker for a test suite in one call, for vitest, jest and node:test alike.
 *
 * ```ts
 * import { afterAll, expect, it } from "vitest"
 * import { startTestBroker } from "sealcast/testing"
 *
 * const sealcast = await startTestBroker({ afterAll })   // port 0, `:memory:`, stopped after the suite
 * it("delivers", async () => {
 *   const { TopicArn } = await sealcast.sns.send(new CreateTopicCommand({ Name: "orders" }))
 *   const inbox = await sealcast.subscribe(TopicArn!)
 *   await sealcast.sns.send(new PublishCommand({ TopicArn, Message: "hello" }))
 *   expect((await inbox.next()).value.message).toBe("hello")
 * })
 * ```
 *
 * The SDK clients are the unmodified AWS SDK for JavaScript v3 (`@aws-sdk/client-sns`,
 * `@aws-sdk/client-kms`: peer dependencies, installed by the suite), given only the endpoint, region,
 * credentials and the broker's CA, as any client of the broker would be.
 *
 * `subscribe(topicArn)` subscribes an in-process function (the `lambda` protocol, see
 * `delivery/Functions.ts`), so no HTTP server is needed, and hands back what is delivered to it, each
 * notification's SNS signature verified against the certificate its SigningCertURL serves (the
 * checks of the SNS developer guide, "Verifying the signatures of Amazon SNS messages").
 *
 * @since 0.1.0
 */
import { KMSClient } from "@aws-sdk/client-kms"
import { SNSClient, SubscribeCommand, UnsubscribeCommand } from "@aws-sdk/client-sns"
import { createVerify } from "node:crypto"
import { Agent, get } from "node:https"
import { type RunningBroker, startBroker } from "./Broker.js"
import type { BrokerOptionsInput } from "./config/BrokerOptions.js"
import { algorithmOf, stringToSign } from "./delivery/Signature.js"
import type { SnsEventRecord } from "./delivery/Functions.js"

/**
 * One delivered notification, decoded, its signature checked.
 *
 * @category models
 */
export interface DeliveredNotification {
  readonly messageId: string
  readonly topicArn: string
  readonly subject: string | undefined
  readonly message: string
  readonly timestamp: string
  readonly messageAttributes: Readonly<Record<string, { readonly Type: string; readonly Value: string }>>
  /** The record as the subscription received it. */
  readonly record: SnsEventRecord
}

/**
 * What `subscribe` hands back: the notifications, in the order they are delivered. `next()` waits
 * for the next one; `close()` unsubscribes (also done when the broker stops).
 *
 * @category models
 */
export interface Inbox extends AsyncIterableIterator<DeliveredNotification> {
  readonly subscriptionArn: string
  readonly close: () => Promise<void>
}

/**
 * The SDK client settings that reach the broker: for any further client the suite makes.
 *
 * @category models
 */
export interface ClientConfig {
  readonly endpoint: string
  readonly region: string
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string }
  readonly requestHandler: { readonly httpsAgent: Agent }
}

/**
 * @category models
 */
export interface TestBroker {
  readonly broker: RunningBroker
  readonly endpoint: string
  readonly region: string
  readonly accountId: string
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string }
  /** The CA that signed the broker's certificate (PEM). */
  readonly caPem: string
  readonly clientConfig: ClientConfig
  readonly sns: SNSClient
  readonly kms: KMSClient
  /** Subscribes an in-process receiver to `topicArn`; `attributes` as Subscribe takes them (FilterPolicy, …). */
  readonly subscribe: (topicArn: string, attributes?: Readonly<Record<string, string>>) => Promise<Inbox>
  /** Unsubscribes every inbox, closes the clients, stops the broker. Called by the `afterAll` hook. */
  readonly stop: () => Promise<void>
}

/**
 * @category models
 */
export interface TestBrokerOptions extends BrokerOptionsInput {
  /**
   * The test framework's end-of-suite hook, which stops the broker: vitest's `afterAll`, node:test's
   * `after`. Jest's global `afterAll` (and vitest's with `globals: true`) is found without it.
   */
  readonly afterAll?: (stop: () => Promise<void>) => unknown
}

const readCertificate = (url: string, ca: string): Promise<string> =>
  new Promise((resolve, reject) => {
    get(url, { ca, agent: false }, (res) => {
      let body = ""
      res.setEncoding("utf8").on("data", (chunk: string) => (body += chunk)).on("end", () => {
        if (res.statusCode === 200) resolve(body)
        else reject(new Error(`GET ${url} answered ${res.statusCode}`))
      })
    }).on("error", reject)
  })

/** The end-of-suite hook a test framework put on the global object, if any. */
const globalAfterAll = (): ((stop: () => Promise<void>) => unknown) | undefined => {
  const hook = (globalThis as { afterAll?: unknown }).afterAll
  return typeof hook === "function" ? (hook as (stop: () => Promise<void>) => unknown) : undefined
}

let functionCount = 0

/**
 * Starts a broker on a free port with nothing on disk, and the clients to reach it.
 *
 * @category constructors
 */
export const startTestBroker = async (options: TestBrokerOptions = {}): Promise<TestBroker> => {
  const { afterAll, ...brokerOptions } = options
  const broker = await startBroker({ port: 0, dataDir: ":memory:", logLevel: "error", ...brokerOptions })
  if (broker.caPem === undefined) {
    await broker.stop()
    throw new Error("sealcast/testing needs the broker's own CA: leave tlsCert and tlsKey unset")
  }
  const caPem = broker.caPem
  const clientConfig: ClientConfig = {
    endpoint: broker.endpoint,
    region: broker.region,
    credentials: broker.credentials,
    requestHandler: { httpsAgent: new Agent({ ca: caPem, keepAlive: true }) }
  }
  const sns = new SNSClient({ ...clientConfig, credentials: { ...broker.credentials } })
  const kms = new KMSClient({ ...clientConfig, credentials: { ...broker.credentials } })
  const certificates = new Map<string, Promise<string>>()
  const inboxes = new Set<Inbox>()

  /** Checks a record as a subscriber should: the certificate comes from this broker, and signed it. */
  const verified = async (record: SnsEventRecord): Promise<DeliveredNotification> => {
    const sns = record.Sns
    if (new URL(sns.SigningCertUrl).origin !== new URL(broker.endpoint).origin) {
      throw new Error(`notification ${sns.MessageId}: SigningCertUrl ${sns.SigningCertUrl} is not this broker's`)
    }
    if (sns.SignatureVersion !== "1" && sns.SignatureVersion !== "2") {
      throw new Error(`notification ${sns.MessageId}: unknown SignatureVersion ${sns.SignatureVersion}`)
    }
    let certificate = certificates.get(sns.SigningCertUrl)
    if (certificate === undefined) {
      certificate = readCertificate(sns.SigningCertUrl, caPem)
      certificates.set(sns.SigningCertUrl, certificate)
    }
    const fields = {
      Type: sns.Type,
      MessageId: sns.MessageId,
      TopicArn: sns.TopicArn,
      ...(sns.Subject === null ? {} : { Subject: sns.Subject }),
      Message: sns.Message,
      Timestamp: sns.Timestamp,
      SignatureVersion: sns.SignatureVersion
    }
    const valid = createVerify(algorithmOf(sns.SignatureVersion))
      .update(stringToSign(fields as Parameters<typeof stringToSign>[0]), "utf8")
      .verify(await certificate, sns.Signature, "base64")
    if (!valid) throw new Error(`notification ${sns.MessageId}: its SNS signature does not verify`)
    return {
      messageId: sns.MessageId,
      topicArn: sns.TopicArn,
      subject: sns.Subject ?? undefined,
      message: sns.Message,
      timestamp: sns.Timestamp,
      messageAttributes: sns.MessageAttributes,
      record
    }
  }

  const subscribe = async (topicArn: string, attributes: Readonly<Record<string, string>> = {}): Promise<Inbox> => {
    const name = `sealcast-testing-${++functionCount}`
    const delivered: Array<Promise<DeliveredNotification>> = []
    const waiting: Array<(next: Promise<DeliveredNotification>) => void> = []
    let closed = false
    broker.registerFunction(name, (event) => {
      for (const record of event.Records) {
        const next = verified(record)
        // A rejection is seen by whoever takes this notification; until then it is held, not thrown.
        next.catch(() => undefined)
        const taker = waiting.shift()
        if (taker === undefined) delivered.push(next)
        else taker(next)
      }
    })
    const { SubscriptionArn } = await sns.send(
      new SubscribeCommand({
        TopicArn: topicArn,
        Protocol: "lambda",
        Endpoint: `arn:aws:lambda:${broker.region}:${broker.accountId}:function:${name}`,
        Attributes: { ...attributes },
        ReturnSubscriptionArn: true
      })
    )
    const subscriptionArn = SubscriptionArn ?? ""
    const inbox: Inbox = {
      subscriptionArn,
      next: async () => {
        if (closed) return { done: true, value: undefined }
        const next = delivered.shift() ?? new Promise<DeliveredNotification>((resolve, reject) => {
          waiting.push((promise) => promise.then(resolve, reject))
        })
        return { done: false, value: await next }
      },
      close: async () => {
        if (closed) return
        closed = true
        inboxes.delete(inbox)
        await sns.send(new UnsubscribeCommand({ SubscriptionArn: subscriptionArn }))
      },
      [Symbol.asyncIterator]() {
        return this
      }
    }
    inboxes.add(inbox)
    return inbox
  }

  let stopping: Promise<void> | undefined
  const stop = () =>
    (stopping ??= (async () => {
      await Promise.allSettled([...inboxes].map((inbox) => inbox.close()))
      sns.destroy()
      kms.destroy()
      clientConfig.requestHandler.httpsAgent.destroy()
      await broker.stop()
    })())

  const hook = afterAll ?? globalAfterAll()
  if (hook !== undefined) hook(stop)

  return {
    broker,
    endpoint: broker.endpoint,
    region: broker.region,
    accountId: broker.accountId,
    credentials: broker.credentials,
    caPem,
    clientConfig,
    sns,
    kms,
    subscribe,
    stop
  }
}
