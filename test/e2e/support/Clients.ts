/**
 * What every end-to-end suite needs to talk to a running broker: the unmodified AWS SDK v3 clients
 * configured with only endpoint, region, credentials and the CA (docs/CONTRACT.md, "The endpoint"), and
 * raw requests signed with the SDK's own SigV4 signer for the wire-level checks the SDK cannot make.
 */
import { Sha256 } from "@aws-crypto/sha256-js"
import { KMSClient } from "@aws-sdk/client-kms"
import { GetSubscriptionAttributesCommand, SNSClient, SubscribeCommand, type SubscribeCommandInput } from "@aws-sdk/client-sns"
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SetQueueAttributesCommand,
  SQSClient
} from "@aws-sdk/client-sqs"
import { SignatureV4 } from "@smithy/signature-v4"
import { createHash } from "node:crypto"
import * as http from "node:http"
import * as https from "node:https"

/** Where a broker listens and whom it trusts: what a client needs to know. */
export interface Target {
  /** `https://…` or `http://…`. */
  readonly endpoint: string
  readonly region: string
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string }
  /** The CA that signed the broker's HTTPS certificate. */
  readonly caPem: string
}

/** A target from `startBroker`'s answer, or from the ready line of `sealcast serve`. */
export const targetOf = (broker: {
  readonly endpoint: string
  readonly region: string
  readonly credentials: Target["credentials"]
  readonly caPem: string | undefined
}): Target => {
  if (broker.caPem === undefined) throw new Error("the broker runs with a user certificate; these suites need its own CA")
  return { endpoint: broker.endpoint, region: broker.region, credentials: broker.credentials, caPem: broker.caPem }
}

const clientConfig = (target: Target) => ({
  endpoint: target.endpoint,
  region: target.region,
  credentials: { ...target.credentials },
  // The SDK retries throttling and 5xx; the suites want to see the first answer.
  maxAttempts: 1,
  requestHandler: { httpsAgent: new https.Agent({ ca: target.caPem, keepAlive: true }) }
})

export const snsClient = (target: Target): SNSClient => new SNSClient(clientConfig(target))

export const kmsClient = (target: Target): KMSClient => new KMSClient(clientConfig(target))

/** The SQS client checks MD5OfMessageBody and MD5OfMessageAttributes by default, as a user's does. */
export const sqsClient = (target: Target): SQSClient => new SQSClient(clientConfig(target))

/** A raw HTTP answer. */
export interface RawResponse {
  readonly status: number
  readonly headers: http.IncomingHttpHeaders
  readonly body: string
}

export interface RawRequest {
  readonly method: "GET" | "POST"
  /** Path and query, already escaped, e.g. `/_sealcast/health`. */
  readonly path: string
  readonly headers?: Readonly<Record<string, string>>
  readonly body?: string | Uint8Array
}

/**
 * Sends one request as it stands (no signing, no retries) and collects the answer. The path goes on
 * the request line verbatim; `content-length` is added unless the headers ask for chunked encoding.
 */
export const send = (origin: string, caPem: string, request: RawRequest): Promise<RawResponse> =>
  new Promise((resolve, reject) => {
    const { protocol, hostname, port } = new URL(origin)
    const body = request.body === undefined ? undefined : typeof request.body === "string" ? Buffer.from(request.body, "utf8") : Buffer.from(request.body)
    const chunked = request.headers?.["transfer-encoding"] === "chunked"
    const options: https.RequestOptions = {
      method: request.method,
      hostname,
      port,
      path: request.path,
      headers: { ...(body === undefined || chunked ? {} : { "content-length": String(body.length) }), ...request.headers },
      ca: caPem,
      agent: false
    }
    const req = (protocol === "https:" ? https : http).request(options, (res) => {
      const chunks: Array<Buffer> = []
      res.on("data", (chunk: Buffer) => chunks.push(chunk))
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }))
      res.on("error", reject)
    })
    req.on("error", reject)
    req.end(body)
  })

export interface SignedRequest extends RawRequest {
  /** The SigV4 credential scope's service. */
  readonly service: string
  readonly credentials?: Target["credentials"]
}

/** Signs `request` with the AWS SDK's SigV4 signer (headers, `x-amz-content-sha256` included) and sends it. */
export const sendSigned = async (target: Target, request: SignedRequest): Promise<RawResponse> => {
  const url = new URL(request.path, target.endpoint)
  const signer = new SignatureV4({
    credentials: { ...(request.credentials ?? target.credentials) },
    region: target.region,
    service: request.service,
    sha256: Sha256,
    uriEscapePath: true
  })
  const body = request.body === undefined ? "" : request.body
  const signed = await signer.sign({
    method: request.method,
    protocol: url.protocol,
    hostname: url.hostname,
    port: Number(url.port),
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers: { host: url.host, "x-amz-content-sha256": createHash("sha256").update(body).digest("hex"), ...request.headers },
    body
  })
  return send(target.endpoint, target.caPem, { method: request.method, path: request.path, headers: signed.headers, body })
}

/** A stored message as `GET /_sealcast/topics/<name>/messages` shows it (apps/broker/src/AppRoutes.ts). */
export interface StoredMessage {
  readonly messageId: string
  readonly topicArn: string
  readonly subject: string | null
  readonly attributes: Record<string, { readonly DataType: string; readonly StringValue?: string; readonly BinaryValue?: string }>
  readonly body:
    | { readonly kind: "Plain"; readonly text: string }
    | { readonly kind: "Sealed"; readonly algorithm: string; readonly keyArn: string; readonly encryptedDataKey: string; readonly nonce: string; readonly ciphertext: string }
}

/** The messages the broker holds for the topic `name`, through its SigV4-signed inspection route. */
export const storedMessages = async (target: Target, name: string): Promise<ReadonlyArray<StoredMessage>> => {
  const response = await sendSigned(target, { method: "GET", path: `/_sealcast/topics/${encodeURIComponent(name)}/messages?limit=1000`, service: "sns" })
  if (response.status !== 200) throw new Error(`inspection route answered ${response.status}: ${response.body}`)
  return (JSON.parse(response.body) as { messages: ReadonlyArray<StoredMessage> }).messages
}

/** Polls `check` until it holds, or fails after `timeoutMs` saying what was awaited. */
export const eventually = async (what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

/** An AWS error answer, from either wire protocol. */
export interface AwsError {
  readonly protocol: "query" | "json"
  readonly code: string
  readonly message: string
}

const XML_ERROR =
  /^(?:<\?xml[^>]*\?>\s*)?<ErrorResponse xmlns="http:\/\/sns\.amazonaws\.com\/doc\/2010-03-31\/">\s*<Error>\s*<Type>(Sender|Receiver)<\/Type>\s*<Code>([A-Za-z.]+)<\/Code>\s*<Message>([^<]*)<\/Message>\s*<\/Error>\s*<RequestId>[^<]+<\/RequestId>\s*<\/ErrorResponse>\s*$/

const XML_ENTITIES: Readonly<Record<string, string>> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" }

/** Character data as XML 1.0 §4.6 and §4.1 define its predefined entities and character references. */
const unescapeXml = (text: string): string =>
  text.replace(/&(#x[0-9A-Fa-f]+|#[0-9]+|amp|lt|gt|quot|apos);/g, (_, name: string) =>
    name.startsWith("#x") ? String.fromCodePoint(parseInt(name.slice(2), 16))
      : name.startsWith("#") ? String.fromCodePoint(parseInt(name.slice(1), 10))
      : XML_ENTITIES[name]!
  )

/**
 * Reads `response` as AWS's error shapes (docs/SEMANTICS.md §3 and §5): an SNS Query `ErrorResponse` or a
 * JSON 1.1 `{"__type","message"}` body; undefined when it is neither.
 */
export const awsErrorOf = (response: RawResponse): AwsError | undefined => {
  const type = String(response.headers["content-type"] ?? "")
  if (type.startsWith("text/xml") || type.startsWith("application/xml")) {
    const match = XML_ERROR.exec(response.body)
    return match === null ? undefined : { protocol: "query", code: match[2]!, message: unescapeXml(match[3]!) }
  }
  if (type.startsWith("application/x-amz-json-1.1") || type.startsWith("application/json")) {
    try {
      const value: unknown = JSON.parse(response.body)
      if (typeof value !== "object" || value === null) return undefined
      const { __type, message } = value as Record<string, unknown>
      return typeof __type === "string" && typeof message === "string" ? { protocol: "json", code: __type, message } : undefined
    } catch {
      return undefined
    }
  }
  return undefined
}

/**
 * Subscribes an endpoint that confirms on its own (an HTTP subscriber following SubscribeURL, or a
 * lambda function) and resolves to the subscription's ARN once it is confirmed.
 */
export const subscribeConfirmed = async (sns: SNSClient, input: Omit<SubscribeCommandInput, "ReturnSubscriptionArn">): Promise<string> => {
  const { SubscriptionArn } = await sns.send(new SubscribeCommand({ ...input, ReturnSubscriptionArn: true }))
  await eventually(`the subscription of ${input.Endpoint} to be confirmed`, async () => {
    const { Attributes } = await sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: SubscriptionArn! }))
    return Attributes?.["PendingConfirmation"] === "false"
  })
  return SubscriptionArn!
}

/**
 * An SQS queue subscribed to a topic, a FIFO queue when `queueName` ends in `.fifo`: the queue's
 * policy lets `sns.amazonaws.com` send for the topic, and a queue of the topic's own account is
 * confirmed at once (docs/SEMANTICS.md §9). A FIFO topic takes no other subscriber.
 */
export const subscribeQueue = async (
  sns: SNSClient,
  sqs: SQSClient,
  topicArn: string,
  queueName: string,
  options: { readonly subscriptionAttributes?: Record<string, string>; readonly queueAttributes?: Record<string, string> } = {}
): Promise<{ readonly url: string; readonly arn: string; readonly subscriptionArn: string }> => {
  const fifo = queueName.endsWith(".fifo")
  const Attributes = { ...options.queueAttributes, ...(fifo ? { FifoQueue: "true" } : {}) }
  const url = (await sqs.send(new CreateQueueCommand({ QueueName: queueName, Attributes }))).QueueUrl!
  const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["QueueArn"] }))).Attributes!["QueueArn"]!
  const Policy = JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: "sns.amazonaws.com" }, Action: "sqs:SendMessage", Resource: arn, Condition: { ArnEquals: { "aws:SourceArn": topicArn } } }]
  })
  await sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { Policy } }))
  const { SubscriptionArn } = await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: "sqs", Endpoint: arn, Attributes: options.subscriptionAttributes ?? {}, ReturnSubscriptionArn: true }))
  return { url, arn, subscriptionArn: SubscriptionArn! }
}

/** Receives until `count` messages came, each deleted once received: the messages in the order the queue handed them out. */
export const receiveCount = async (sqs: SQSClient, url: string, count: number, timeoutMs = 30_000): Promise<Array<Message>> => {
  const got: Array<Message> = []
  await eventually(`${count} messages in ${url}`, async () => {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageAttributeNames: ["All"], MessageSystemAttributeNames: ["All"] })
    )
    for (const m of Messages) {
      got.push(m)
      await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle! }))
    }
    return got.length >= count
  }, timeoutMs)
  return got
}

/** An outbox entry as `GET /_sealcast/outbox` shows it (apps/broker/src/delivery/Outbox.ts). */
export interface OutboxEntry {
  readonly type: string
  readonly protocol: string
  readonly endpoint: string
  readonly subscriptionArn?: string
  readonly topicArn?: string
  readonly messageId: string
  readonly subject?: string
  readonly body: string
}

/** The caller's outbox entries, narrowed by `kind` and `target` when given, through the signed route. */
export const outboxEntries = async (
  target: Target,
  filter: { readonly kind?: string; readonly target?: string } = {}
): Promise<ReadonlyArray<OutboxEntry>> => {
  const query = new URLSearchParams(Object.entries(filter).filter(([, v]) => v !== undefined) as Array<[string, string]>).toString()
  const response = await sendSigned(target, { method: "GET", path: `/_sealcast/outbox${query === "" ? "" : `?${query}`}`, service: "sns" })
  if (response.status !== 200) throw new Error(`outbox route answered ${response.status}: ${response.body}`)
  return (JSON.parse(response.body) as { entries: ReadonlyArray<OutboxEntry> }).entries
}
