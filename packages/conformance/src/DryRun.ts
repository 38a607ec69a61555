/**
 * `--dry-run`: what a run would call, without calling anything. The capability probe, then for each
 * selected group one history as the seed generates it, then the deletions.
 *
 * @since 0.1.0
 */
import fc from "fast-check"
import { groups } from "./Groups.js"
import type { Capabilities } from "./History.js"
import * as Steps from "./Steps.js"

const everything: Capabilities = { kms: true, sigv4: true, https: true, plainHttp: true, delivery: true, httpsDelivery: true, sqs: true, snsToSqs: true }

/**
 * The lines `--dry-run` prints.
 *
 * @category operations
 */
export const plan = (options: {
  readonly endpoint: string
  readonly only?: ReadonlyArray<string> | undefined
  readonly runs?: number | undefined
  readonly maxSteps?: number | undefined
  readonly seed?: number | undefined
}): ReadonlyArray<string> => {
  const runs = options.runs ?? 25
  const lines = [
    `against ${options.endpoint}, every name starting sc<6 hex>-:`,
    "probe: CreateTopic <prefix>probe; KMS ListKeys; an unsigned SNS ListTopics; Subscribe an http and then an https endpoint of the kit's receiver (and, when no SubscriptionConfirmation arrives, Publish to it); CreateQueue <prefix>probe; DeleteTopic <prefix>probe; CreateTopic <prefix>probe-sqs, the queue's Policy set to let sns.amazonaws.com send for it, Subscribe the queue (sqs, raw), Publish, ReceiveMessage (long polls of 1 s) until the message is there, DeleteTopic <prefix>probe-sqs; the queue deleted at the end"
  ]
  for (const group of groups.filter((g) => options.only === undefined || options.only.includes(g.name))) {
    const history = fc.array(fc.oneof(...group.steps(everything)), { maxLength: options.maxSteps ?? 20 })
    const [sample] = fc.sample(history, { numRuns: 1, ...(options.seed === undefined ? {} : { seed: options.seed }) })
    lines.push(`${group.name}: up to ${runs} histories (more while shrinking), each of at most ${options.maxSteps ?? 20} steps; ${group.checks}. One such history:`)
    for (const [i, spec] of [...(sample ?? [])].entries()) lines.push(`  ${i + 1}. ${Steps.describe(spec)}`)
    lines.push("  then, per topic with a confirmed subscription: Subscribe, ConfirmSubscription, Publish (the barrier); ReceiveMessage from each queue SNS writes to until the model's deliveries are in, then once more (a short poll); then DeleteTopic, DeleteQueue, DeleteAlias, ScheduleKeyDeletion (7 days) for what the history created")
  }
  return lines
}
