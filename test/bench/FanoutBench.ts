/**
 * Scenario 17, SNS → SQS fan-out: signed Publish of 1 KiB, replayed by the load generator, to an
 * encrypted topic (a customer managed key whose policy lets `sns.amazonaws.com` use it) subscribed by
 * four queues under SSE-KMS with the same key, for raw delivery, each with the queue policy of AWS's
 * tutorial allowing the topic (SNS Developer Guide, "Fanout to Amazon SQS queues"; docs/SEMANTICS.md
 * §9). What landed is read through the SDK as the queues' ApproximateNumberOfMessages before and after
 * the measured seconds. The same fan-out against moto's SNS and SQS, which check no policy and encrypt
 * nothing, in the same run.
 */
import { CreateKeyCommand, KMSClient } from "@aws-sdk/client-kms"
import { CreateTopicCommand, SNSClient, SubscribeCommand } from "@aws-sdk/client-sns"
import { CreateQueueCommand, GetQueueAttributesCommand, SetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs"
import type { RunningBroker } from "sealcast"
import { Agent } from "node:https"
import { fetchLoad, load, type LoadShape, motoTarget } from "./Http.js"
import type { LoadResult } from "./loadWorker.js"
import { messageOfSize, signPublish, type SigningTarget } from "./Signing.js"

/** How many queues the topic fans out to. */
export const FANOUT_QUEUES = 4

/** What a fan-out load did: the Publish load and the messages that landed in the queues, all four together, in the measured seconds. */
export type FanoutResult = LoadResult & { readonly landedDuringRun: number; readonly queues: number }

/** One end of the fan-out: its topic, its queues, and an SQS client to count them with. */
interface Fanout {
  readonly topicArn: string
  readonly queueUrls: ReadonlyArray<string>
  readonly sqs: SQSClient
}

/** What the SNS, SQS and KMS clients are given: where, as whom, and the broker's CA when over HTTPS. */
interface ClientConfig {
  readonly endpoint: string
  readonly region: string
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string }
  readonly requestHandler?: { readonly httpsAgent: Agent }
}

/** The queue policy of AWS's tutorial (SNS Developer Guide, "Subscribing an Amazon SQS queue to an Amazon SNS topic", step 2). */
const queuePolicy = (queueArn: string, topicArn: string, accountId: string) =>
  JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Service: "sns.amazonaws.com" },
        Action: "sqs:SendMessage",
        Resource: queueArn,
        Condition: { ArnLike: { "aws:SourceArn": topicArn }, StringEquals: { "aws:SourceAccount": accountId } }
      }
    ]
  })

/** A customer managed key the account manages and SNS may use (SQS Developer Guide, "Key management"). */
const keyPolicy = (accountId: string) =>
  JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: "kms:*", Resource: "*" },
      { Effect: "Allow", Principal: { Service: "sns.amazonaws.com" }, Action: ["kms:GenerateDataKey*", "kms:Decrypt"], Resource: "*" }
    ]
  })

/**
 * The topic, its queues with their policies, and raw subscriptions, made through the SDKs. With
 * `kmsKeyArn`, the topic and every queue are encrypted under it.
 */
const openFanout = async (config: ClientConfig, name: string, kmsKeyArn: string | undefined): Promise<Fanout> => {
  const sns = new SNSClient(config)
  const sqs = new SQSClient(config)
  const encryption: Record<string, string> = kmsKeyArn === undefined ? {} : { KmsMasterKeyId: kmsKeyArn }
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: name, Attributes: encryption }))
  if (TopicArn === undefined) throw new Error(`the topic ${name} was not created`)
  const accountId = TopicArn.split(":")[4]!
  const queueUrls: Array<string> = []
  for (let i = 0; i < FANOUT_QUEUES; i++) {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `${name}-${i}`, Attributes: encryption }))
    if (QueueUrl === undefined) throw new Error(`the queue ${name}-${i} was not created`)
    const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["QueueArn"] }))).Attributes?.["QueueArn"]
    if (arn === undefined) throw new Error(`the queue ${name}-${i} has no ARN`)
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { Policy: queuePolicy(arn, TopicArn, accountId) } }))
    await sns.send(new SubscribeCommand({ TopicArn, Protocol: "sqs", Endpoint: arn, Attributes: { RawMessageDelivery: "true" } }))
    queueUrls.push(QueueUrl)
  }
  sns.destroy()
  return { topicArn: TopicArn, queueUrls, sqs }
}

/** The messages in all the fan-out's queues, as their ApproximateNumberOfMessages. */
const landed = async (fanout: Fanout): Promise<number> => {
  let total = 0
  for (const QueueUrl of fanout.queueUrls) {
    const { Attributes } = await fanout.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["ApproximateNumberOfMessages"] }))
    total += Number(Attributes?.["ApproximateNumberOfMessages"] ?? Number.NaN)
  }
  return total
}

/**
 * Scenario 17 against the broker: a customer managed key, the encrypted topic and its four SSE-KMS
 * queues, then the Publish load. `onMeasuring` runs once the warm-up is over (the profiler's start).
 */
export const fanoutLoad = async (
  broker: RunningBroker,
  messageBytes: number,
  shape: LoadShape,
  onMeasuring: () => Promise<void> = async () => undefined
): Promise<FanoutResult> => {
  const config: ClientConfig = {
    endpoint: broker.endpoint,
    region: broker.region,
    credentials: { ...broker.credentials },
    requestHandler: { httpsAgent: new Agent({ ca: broker.caPem, keepAlive: true }) }
  }
  const kms = new KMSClient(config)
  const key = await kms.send(new CreateKeyCommand({ Description: "benchmark fan-out key, usable by SNS", Policy: keyPolicy(broker.accountId) }))
  kms.destroy()
  const fanout = await openFanout(config, "bench-fanout", key.KeyMetadata?.Arn)
  let before = 0
  const result = await load(broker.endpoint, [signPublish(broker, fanout.topicArn, messageOfSize(messageBytes))], shape, broker.caPem, async () => {
    before = await landed(fanout)
    await onMeasuring()
  })
  const after = await landed(fanout)
  fanout.sqs.destroy()
  return { ...result, landedDuringRun: after - before, queues: FANOUT_QUEUES }
}

/**
 * Scenario 17 against moto at `port`, over plain HTTP: the same topic, queues, policies and
 * subscriptions without encryption (moto encrypts nothing and checks no policy), and the same Publish
 * through `fetchLoad`, as moto closes the connection after each answer.
 */
export const motoFanoutLoad = async (port: number, messageBytes: number, shape: LoadShape): Promise<FanoutResult> => {
  const target: SigningTarget = motoTarget(port)
  const fanout = await openFanout({ endpoint: target.endpoint, region: target.region, credentials: target.credentials }, "bench-moto-fanout", undefined)
  let before = 0
  const result = await fetchLoad(`http://127.0.0.1:${port}/`, signPublish(target, fanout.topicArn, messageOfSize(messageBytes)), shape, async () => {
    before = await landed(fanout)
  })
  const after = await landed(fanout)
  fanout.sqs.destroy()
  return { ...result, landedDuringRun: after - before, queues: FANOUT_QUEUES }
}
