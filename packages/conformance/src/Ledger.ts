/**
 * Everything a run created on the endpoint, so it is deleted at the end of each history, at the end
 * of the run, and when the run is interrupted (SIGINT): topics are deleted (with their
 * subscriptions), queues deleted (with their messages), aliases deleted, keys scheduled for deletion after the shortest wait KMS allows
 * (7 days). Cleaning is best effort: a failure is counted, never thrown.
 *
 * @since 0.1.0
 */
import { DeleteAliasCommand, ScheduleKeyDeletionCommand } from "@aws-sdk/client-kms"
import { DeleteTopicCommand } from "@aws-sdk/client-sns"
import { DeleteQueueCommand } from "@aws-sdk/client-sqs"
import type { Endpoint } from "./Endpoint.js"

/**
 * @category models
 */
export interface Ledger {
  readonly topic: (arn: string) => void
  readonly queue: (url: string) => void
  readonly key: (keyId: string) => void
  readonly alias: (name: string) => void
  /** Deletes what was recorded since the last clean; answers how many deletions failed. */
  readonly clean: () => Promise<number>
}

/**
 * @category constructors
 */
export const make = (endpoint: Endpoint): Ledger => {
  const topics = new Set<string>()
  const queues = new Set<string>()
  const keys = new Set<string>()
  const aliases = new Set<string>()
  const attempt = async (send: () => Promise<unknown>): Promise<number> => {
    try {
      await send()
      return 0
    } catch (error) {
      const name = (error as { name?: string }).name ?? ""
      return /NotFound|InvalidState|QueueDoesNotExist/.test(name) ? 0 : 1
    }
  }
  const cleanNow = async (): Promise<number> => {
    const work = [
      ...[...topics].map((TopicArn) => attempt(() => endpoint.sns.send(new DeleteTopicCommand({ TopicArn })))),
      ...[...queues].map((QueueUrl) => attempt(() => endpoint.sqs.send(new DeleteQueueCommand({ QueueUrl })))),
      ...[...aliases].map((AliasName) => attempt(() => endpoint.kms.send(new DeleteAliasCommand({ AliasName })))),
      ...[...keys].map((KeyId) => attempt(() => endpoint.kms.send(new ScheduleKeyDeletionCommand({ KeyId, PendingWindowInDays: 7 }))))
    ]
    topics.clear()
    queues.clear()
    aliases.clear()
    keys.clear()
    return (await Promise.all(work)).reduce((a, b) => a + b, 0)
  }
  // Cleans run one after another, so a clean that finds nothing new still returns only once the
  // deletions an earlier one started (on SIGINT, say) are done.
  let previous: Promise<number> = Promise.resolve(0)
  return {
    topic: (arn) => void topics.add(arn),
    queue: (url) => void queues.add(url),
    key: (keyId) => void keys.add(keyId),
    alias: (name) => void aliases.add(name),
    clean: () => {
      const next = previous.then(cleanNow)
      previous = next.catch(() => 0)
      return next
    }
  }
}
