/**
 * The queue consumers, in a process of their own: `consumers` loops with the AWS SDK v3 (JSON 1.0,
 * keep-alive, the SDK's MD5 checks on), each receiving up to 10 messages and deleting each with
 * DeleteMessage, for a fixed time after a short warm-up. Answers one JSON line: messages received and
 * deleted per second, and each receive-and-delete cycle's latency.
 */
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs"
import { Agent } from "node:https"
import { answer, parentMessages } from "./Child.js"
import { percentile } from "./Stats.js"

/** What the harness asks for. */
export interface ConsumeJob {
  readonly endpoint: string
  readonly region: string
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string }
  /** The CA to trust for an `https` endpoint. */
  readonly caPem?: string | undefined
  readonly queueUrl: string
  readonly consumers: number
  readonly durationSeconds: number
  readonly warmupSeconds: number
}

/** What the harness gets back. */
export interface ConsumeResult {
  readonly messagesPerSecond: number
  /** One ReceiveMessage and the DeleteMessages of what it returned. */
  readonly cycleP50Ms: number
  readonly cycleP99Ms: number
  readonly deleted: number
  /** Receives that found the queue empty: if many, the queue ran dry and the figure is a floor. */
  readonly emptyReceives: number
  readonly errors: number
}

const job = await parentMessages()<ConsumeJob>()
const sqs = new SQSClient({
  endpoint: job.endpoint,
  region: job.region,
  credentials: { ...job.credentials },
  maxAttempts: 1,
  ...(job.caPem === undefined ? {} : { requestHandler: { httpsAgent: new Agent({ ca: job.caPem, keepAlive: true }) } })
})

const run = async (seconds: number) => {
  const until = performance.now() + seconds * 1000
  const cycles: Array<number> = []
  let deleted = 0
  let emptyReceives = 0
  let errors = 0
  await Promise.all(
    Array.from({ length: job.consumers }, async () => {
      while (performance.now() < until) {
        const started = performance.now()
        try {
          const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: job.queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 60 }))
          if (Messages === undefined || Messages.length === 0) {
            emptyReceives += 1
            continue
          }
          await Promise.all(Messages.map((m) => sqs.send(new DeleteMessageCommand({ QueueUrl: job.queueUrl, ReceiptHandle: m.ReceiptHandle! }))))
          deleted += Messages.length
          cycles.push(performance.now() - started)
        } catch {
          errors += 1
        }
      }
    })
  )
  return { cycles: cycles.sort((a, b) => a - b), deleted, emptyReceives, errors }
}

await run(job.warmupSeconds)
const measured = await run(job.durationSeconds)
sqs.destroy()
answer({
  messagesPerSecond: measured.deleted / job.durationSeconds,
  cycleP50Ms: percentile(measured.cycles, 0.5),
  cycleP99Ms: percentile(measured.cycles, 0.99),
  deleted: measured.deleted,
  emptyReceives: measured.emptyReceives,
  errors: measured.errors
} satisfies ConsumeResult)
process.exit(0)
