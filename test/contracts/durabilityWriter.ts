/**
 * The writer half of the durability test: appends through the SQLite store as fast as it can, from
 * several concurrent lanes, and prints each message id on its own line only after `append` has
 * resolved (the moment a Publish would hand the client its MessageId). Runs until it is killed.
 *
 * Usage: node --import tsx durabilityWriter.ts <database path>
 */
import * as SqliteMessageStore from "sealcast/store/SqliteMessageStore"
import { Effect } from "effect"

const LANES = 8
const path = process.argv[2]
if (path === undefined) throw new Error("usage: durabilityWriter.ts <database path>")

const store = await Effect.runPromise(SqliteMessageStore.open({ path }))
let next = 0

const lane = async (): Promise<never> => {
  for (;;) {
    const messageId = `durable-${next++}`
    await Effect.runPromise(
      store.append([
        {
          message: {
            messageId,
            topicArn: "arn:aws:sns:us-east-1:000000000000:durable",
            subject: undefined,
            attributes: {},
            messageStructure: undefined,
            timestamp: Date.now(),
            publisher: "arn:aws:iam::000000000000:root",
            fifo: undefined,
            body: { _tag: "Plain", text: `body of ${messageId}` }
          },
          subscriptionArns: ["arn:aws:sns:us-east-1:000000000000:durable:00000000-0000-4000-8000-000000000001"]
        }
      ])
    )
    // A pipe write is synchronous on Linux: once this returns, the line is the parent's.
    process.stdout.write(`${messageId}\n`)
  }
}

await Promise.all(Array.from({ length: LANES }, lane))
