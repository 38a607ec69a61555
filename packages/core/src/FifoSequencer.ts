/**
 * Deduplication and sequence numbers of the FIFO topics of one SNS service (docs/SEMANTICS.md §4):
 * each topic's `Fifo.FifoState`, loaded from the message store the first time the topic is published
 * to after start-up, and advanced only once the messages it accepted are stored.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import type { StoreFailure } from "./Errors.js"
import * as Fifo from "./Fifo.js"
import type { MessageStoreService } from "./MessageStore.js"

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
   * `store`, all under one lock, so sequence numbers follow commit order. The topic's state moves on
   * only if `store` succeeds.
   */
  readonly sequence: <A, E>(
    topicArn: string,
    at: number,
    candidates: ReadonlyArray<Candidate>,
    store: (outcomes: ReadonlyArray<Outcome>) => Effect.Effect<A, E>
  ) => Effect.Effect<A, E | StoreFailure>
  /** Drops a deleted topic's state: a topic created again under its name starts afresh. */
  readonly forget: (topicArn: string) => void
}

/**
 * @category constructors
 */
export const make = (messages: MessageStoreService): Effect.Effect<FifoSequencer> =>
  Effect.map(Effect.makeSemaphore(1), (lock) => {
    const states = new Map<string, Fifo.FifoState>()

    /** The topic's state; after start-up, rebuilt from the messages of the deduplication window. */
    const stateOf = (topicArn: string, at: number): Effect.Effect<Fifo.FifoState, StoreFailure> => {
      const known = states.get(topicArn)
      if (known !== undefined) return Effect.succeed(known)
      return Effect.map(messages.listByTopic(topicArn, { since: at - Fifo.DEDUPLICATION_WINDOW_MS, limit: 1_000_000 }), (recent) => {
        const state = Fifo.fromRecent(
          recent.flatMap((m) =>
            m.fifo === undefined
              ? []
              : [{ deduplicationId: m.fifo.messageDeduplicationId, messageId: m.messageId, sequenceNumber: m.fifo.sequenceNumber, acceptedAt: m.timestamp }]
          )
        )
        states.set(topicArn, state)
        return state
      })
    }

    return {
      sequence: (topicArn, at, candidates, store) =>
        lock.withPermits(1)(
          Effect.gen(function* () {
            let state = yield* stateOf(topicArn, at)
            const outcomes: Array<Outcome> = []
            for (const candidate of candidates) {
              const decision = Fifo.decide(state, candidate.deduplicationId, candidate.messageId, at)
              if (decision._tag === "Duplicate") {
                outcomes.push(decision)
                continue
              }
              state = decision.state
              outcomes.push({ _tag: "Accepted", sequenceNumber: decision.sequenceNumber })
            }
            const stored = yield* store(outcomes)
            states.set(topicArn, state)
            return stored
          })
        ),
      forget: (topicArn) => {
        states.delete(topicArn)
      }
    }
  })
