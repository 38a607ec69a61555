/**
 * Deduplication and sequence numbers of the FIFO topics of one SNS service (docs/SEMANTICS.md §4):
 * each topic's `Fifo.FifoState`, loaded from the message store the first time the topic is published
 * to after start-up, and advanced only once the messages it accepted are stored.
 *
 * On a store that brokers share (`MessageStoreService.fifoTopics`), each publish holds the topic's
 * lock across the cluster, and the state kept here is used only while the topic's latest stored
 * message is still the one it ended on; otherwise another broker published since, and the state is
 * read again from the store, in the same transaction as the write.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import type { StoreFailure } from "./Errors.js"
import * as Fifo from "./Fifo.js"
import type { AppendEntry, MessageStoreService, SharedFifoTopics } from "./MessageStore.js"
import type { StoredMessage } from "./Message.js"

/**
 * One message offered to a FIFO topic.
 *
 * @category models
 */
export interface Candidate {
  readonly deduplicationId: string
  readonly messageId: string
}

/**
 * What became of a candidate: accepted with a fresh sequence number, or a duplicate answered with the
 * message id and sequence number of the message it repeats.
 *
 * @category models
 */
export type Outcome =
  | { readonly _tag: "Accepted"; readonly sequenceNumber: string }
  | { readonly _tag: "Duplicate"; readonly messageId: string; readonly sequenceNumber: string }

/**
 * @category models
 */
export interface FifoSequencer {
  /**
   * Decides every candidate of one topic in order and hands the outcomes (one per candidate) to
   * `store`, which writes the accepted messages with `append`; then `committed` runs on its answer.
   * All under one lock, so sequence numbers follow commit order. The topic's state moves on only if
   * the write commits.
   */
  readonly sequence: <A, E>(
    topicArn: string,
    at: number,
    candidates: ReadonlyArray<Candidate>,
    store: (outcomes: ReadonlyArray<Outcome>, append: (entries: ReadonlyArray<AppendEntry>) => Effect.Effect<void, StoreFailure>) => Effect.Effect<A, E>,
    committed: (stored: A) => void
  ) => Effect.Effect<A, E | StoreFailure>
  /** Drops a deleted topic's state: a topic created again under its name starts afresh. */
  readonly forget: (topicArn: string) => void
}

/**
 * @category constructors
 */
export const make = (messages: MessageStoreService): Effect.Effect<FifoSequencer> =>
  Effect.map(Effect.makeSemaphore(1), (lock) => {
    /** Each topic's state, and the id of the last message it accepted (on a shared store). */
    const states = new Map<string, { readonly state: Fifo.FifoState; readonly latest: string | undefined }>()

    const rebuild = (recent: ReadonlyArray<StoredMessage>): Fifo.FifoState =>
      Fifo.fromRecent(
        recent.flatMap((m) =>
          m.fifo === undefined
            ? []
            : [{ deduplicationId: m.fifo.messageDeduplicationId, messageId: m.messageId, sequenceNumber: m.fifo.sequenceNumber, acceptedAt: m.timestamp }]
        )
      )

    /** Decides the candidates in order on `state`; returns the outcomes, the state after, and the last accepted id. */
    const decideAll = (state: Fifo.FifoState, at: number, candidates: ReadonlyArray<Candidate>) => {
      let after = state
      let lastAccepted: string | undefined
      const outcomes: Array<Outcome> = []
      for (const candidate of candidates) {
        const decision = Fifo.decide(after, candidate.deduplicationId, candidate.messageId, at)
        if (decision._tag === "Duplicate") {
          outcomes.push(decision)
          continue
        }
        after = decision.state
        lastAccepted = candidate.messageId
        outcomes.push({ _tag: "Accepted", sequenceNumber: decision.sequenceNumber })
      }
      return { outcomes, after, lastAccepted }
    }

    /** The topic's state; after start-up, rebuilt from the messages of the deduplication window. */
    const stateOf = (topicArn: string, at: number): Effect.Effect<Fifo.FifoState, StoreFailure> => {
      const known = states.get(topicArn)
      if (known !== undefined) return Effect.succeed(known.state)
      return Effect.map(messages.listByTopic(topicArn, { since: at - Fifo.DEDUPLICATION_WINDOW_MS, limit: 1_000_000 }), (recent) => {
        const state = rebuild(recent)
        states.set(topicArn, { state, latest: undefined })
        return state
      })
    }

    const sequenceAlone: FifoSequencer["sequence"] = (topicArn, at, candidates, store, committed) =>
      Effect.gen(function* () {
        const { after, outcomes } = decideAll(yield* stateOf(topicArn, at), at, candidates)
        const stored = yield* store(outcomes, messages.append)
        states.set(topicArn, { state: after, latest: undefined })
        committed(stored)
        return stored
      })

    const sequenceShared = (shared: SharedFifoTopics): FifoSequencer["sequence"] => (topicArn, at, candidates, store, committed) =>
      Effect.gen(function* () {
        const [stored, next] = yield* shared.hold(topicArn, (held) =>
          Effect.gen(function* () {
            const known = states.get(topicArn)
            const state = known !== undefined && known.latest === held.latest
              ? known.state
              : yield* Effect.map(held.recent(at - Fifo.DEDUPLICATION_WINDOW_MS), (recent) => {
                const rebuilt = rebuild(recent)
                // Numbers this broker handed out stay behind it even if their messages were pruned.
                return known !== undefined && known.state.lastSequence > rebuilt.lastSequence ? { ...rebuilt, lastSequence: known.state.lastSequence } : rebuilt
              })
            const { after, lastAccepted, outcomes } = decideAll(state, at, candidates)
            const stored = yield* store(outcomes, held.append)
            return [stored, { state: after, latest: lastAccepted ?? held.latest }] as const
          })
        )
        states.set(topicArn, next)
        committed(stored)
        return stored
      })

    const sequence = messages.fifoTopics === undefined ? sequenceAlone : sequenceShared(messages.fifoTopics)

    return {
      sequence: (topicArn, at, candidates, store, committed) => lock.withPermits(1)(sequence(topicArn, at, candidates, store, committed)),
      forget: (topicArn) => {
        states.delete(topicArn)
      }
    }
  })
