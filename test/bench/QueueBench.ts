/**
 * The SQS scenarios: SendMessage of 1 KiB over HTTPS to a queue without encryption (14) and to one
 * with SSE-SQS, the default for new queues (15), replayed by the load generator as signed AWS JSON
 * 1.0 requests; ReceiveMessage + DeleteMessage of what those sends left, by SDK consumers in their own
 * process (16); and the same three against moto's SQS over plain HTTP, in the same run.
 */
import { CreateQueueCommand, SQSClient } from "@aws-sdk/client-sqs"
import type { RunningBroker } from "sealcast"
import { Agent } from "node:https"
import { runWorker } from "./Child.js"
import { fanoutLoad } from "./FanoutBench.js"
import type { ConsumeJob, ConsumeResult } from "./consumerWorker.js"
import { fetchLoad, load, type LoadShape, motoTarget, sendToMoto } from "./Http.js"
import type { LoadResult } from "./loadWorker.js"
import { messageOfSize, signSqsJson, type SigningTarget } from "./Signing.js"

/** How many consumer loops receive and delete at once. */
export const CONSUMERS = 8

/** The broker's two benchmark queues. */
export interface BenchQueues {
  readonly plainQueueUrl: string
  readonly sseSqsQueueUrl: string
}

export const openQueues = async (broker: RunningBroker): Promise<BenchQueues> => {
  const sqs = new SQSClient({
    endpoint: broker.endpoint,
    region: broker.region,
    credentials: { ...broker.credentials },
    requestHandler: { httpsAgent: new Agent({ ca: broker.caPem, keepAlive: true }) }
  })
  const create = async (name: string, attributes: Record<string, string>) =>
    (await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }))).QueueUrl!
  const queues = {
    plainQueueUrl: await create("bench-queue-plain", { SqsManagedSseEnabled: "false" }),
    sseSqsQueueUrl: await create("bench-queue-sse-sqs", {})
  }
  sqs.destroy()
  return queues
}

/** Scenarios 14 and 15: a signed SendMessage of `messageBytes` to `queueUrl`, replayed. */
export const sendMessageLoad = (broker: RunningBroker, queueUrl: string, messageBytes: number, shape: LoadShape): Promise<LoadResult> =>
  load(broker.endpoint, [signSqsJson(broker, "SendMessage", { QueueUrl: queueUrl, MessageBody: messageOfSize(messageBytes) })], shape, broker.caPem)

/** Scenario 16: the consumers' process against `queueUrl` for the shape's time. */
export const receiveDeleteLoad = (
  target: SigningTarget & { readonly caPem?: string | undefined },
  queueUrl: string,
  shape: LoadShape
): Promise<ConsumeResult> =>
  runWorker<ConsumeResult>("./consumerWorker.ts", {
    endpoint: target.endpoint,
    region: target.region,
    credentials: target.credentials,
    caPem: target.caPem,
    queueUrl,
    consumers: CONSUMERS,
    durationSeconds: shape.durationSeconds,
    warmupSeconds: shape.warmupSeconds
  } satisfies ConsumeJob)

/** What moto's SQS did under scenarios 14 and 16, or why it could not. */
export type MotoQueueResults =
  | { readonly sendMessage: LoadResult; readonly receiveDelete: ConsumeResult }
  | { readonly skipped: string }

/**
 * Scenarios 14 and 16 against moto's SQS at `port` (moto answers SQS's AWS JSON 1.0, closing the
 * connection after each answer, so the sends go through `fetchLoad`).
 */
export const motoQueueLoads = async (port: number, messageBytes: number, shape: LoadShape): Promise<MotoQueueResults> => {
  const target = motoTarget(port)
  const created = await sendToMoto(port, signSqsJson(target, "CreateQueue", { QueueName: "bench-moto-queue" }))
  const queueUrl = created === undefined ? undefined : (JSON.parse(created) as { readonly QueueUrl?: string }).QueueUrl
  if (queueUrl === undefined) return { skipped: `moto's CreateQueue answered ${created ?? "nothing"}` }
  const request = signSqsJson(target, "SendMessage", { QueueUrl: queueUrl, MessageBody: messageOfSize(messageBytes) })
  const sendMessage = await fetchLoad(`http://127.0.0.1:${port}/`, request, shape)
  return { sendMessage, receiveDelete: await receiveDeleteLoad(target, queueUrl, shape) }
}

/** Scenarios 14 to 17 on one broker, in `npm run bench`'s order: each SendMessage, then what they left received and deleted, then the fan-out. */
export const queueScenarios = async (broker: RunningBroker, messageBytes: number, shape: LoadShape, step: (what: string) => void) => {
  const queues = await openQueues(broker)
  step("14 SendMessage, queue without encryption")
  const sendPlain = await sendMessageLoad(broker, queues.plainQueueUrl, messageBytes, shape)
  step("15 SendMessage, SSE-SQS queue")
  const sendSseSqs = await sendMessageLoad(broker, queues.sseSqsQueueUrl, messageBytes, shape)
  step("16 ReceiveMessage + DeleteMessage, SSE-SQS queue")
  const receiveDelete = await receiveDeleteLoad(broker, queues.sseSqsQueueUrl, shape)
  step("17 SNS → SQS fan-out, encrypted topic into 4 SSE-KMS queues")
  const fanout = await fanoutLoad(broker, messageBytes, shape)
  return { sendPlain, sendSseSqs, receiveDelete, fanout }
}
