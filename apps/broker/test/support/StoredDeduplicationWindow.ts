/**
 * A FIFO queue whose rule state was written before its deduplication ids had rows of their own
 * (`queue_deduplication`): the ids in the `seen` list of its `queue_meta` row, as `encodeMeta` then
 * wrote it. The queue deduplicates per message group, so its ids are `<group>\u0000<id>`, and one id
 * holds the six characters `\u0000` itself (a backslash is an allowed character). The migration tests
 * of both databases check that every id still deduplicates after the upgrade.
 */
import { Fifo, Queue, QueueMessages, type QueueStore } from "@sealcast/core"
import { Either } from "effect"
import { expect } from "vitest"

const OWNER: Queue.Owner = { accountId: "000000000000", region: "us-east-1", origin: "https://localhost:9324" }
const T0 = 1_767_225_600_000

const created = Either.getOrThrow(
  Queue.createQueue(
    Queue.emptyDirectory(),
    { name: "jobs.fifo", attributes: { FifoQueue: "true", DeduplicationScope: "messageGroup", FifoThroughputLimit: "perMessageGroupId" } },
    OWNER,
    T0
  )
)

export const key = Queue.keyOf(OWNER.accountId, "jobs.fifo")
export const queue = created.directory.queues.get(key)!

const ids = [["g1", "d1"], ["g1", "a\\u0000b"], ["g2", "d1"]] as const
const sequenceNumber = (i: number) => String(BigInt(T0) * 1_000_000n + BigInt(i)).padStart(20, "0")

/** The `queue_meta` value as written before `queue_deduplication`. */
export const meta = JSON.stringify({
  lastSequence: String(BigInt(T0) * 1_000_000n + 2n),
  seen: ids.map(([group, id], i) => [`${group}\u0000${id}`, { messageId: `m${i}`, sequenceNumber: sequenceNumber(i), acceptedAt: T0 + i }]),
  receiveAttempts: [],
  lastPurgeAt: null,
  moveTasks: []
})

const send = (state: QueueMessages.QueueState, group: string, id: string, n: number, now: number) =>
  Either.getOrThrow(
    QueueMessages.send(
      state,
      queue,
      { body: "x", attributes: {}, delaySeconds: undefined, messageGroupId: group, messageDeduplicationId: id, messageId: `new${n}`, senderId: OWNER.accountId },
      now
    )
  )

/** `loaded` holds each id of `meta` in its window, in order: a send of it is a duplicate until the window has passed. */
export const expectStillDeduplicating = (loaded: QueueStore.QueueSystem): void => {
  const state = loaded.states.get(key)!
  expect(state.fifo.lastSequence).toBe(BigInt(T0) * 1_000_000n + 2n)
  expect([...state.fifo.seen.entries()]).toEqual(
    ids.map(([group, id], i) => [`${group}\u0000${id}`, { messageId: `m${i}`, sequenceNumber: sequenceNumber(i), acceptedAt: T0 + i }])
  )
  ids.forEach(([group, id], i) => expect(send(state, group, id, i, T0 + 60_000)).toMatchObject({ duplicate: true, messageId: `m${i}` }))
  expect(send(state, "g3", "d1", 3, T0 + 60_000).duplicate).toBe(false)
  expect(send(state, "g1", "d1", 4, T0 + Fifo.DEDUPLICATION_WINDOW_MS).duplicate).toBe(false)
}
