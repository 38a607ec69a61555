/**
 * Batching until the next turn of the event loop: items added during one turn are handed over
 * together, once, after that turn's I/O callbacks (`setImmediate` runs in the check phase, after the
 * poll phase; Node.js guide, "The Node.js Event Loop"). The delivery outcomes settled in one turn
 * share one store call, the posts of one turn one message to the delivery worker, the worker's
 * answers one message back, and the store's writes one commit.
 *
 * @since 0.1.0
 */

/**
 * @category models
 */
export interface NextTurnBatch<A> {
  /** Adds an item; the first item of a turn schedules the hand-over. */
  readonly add: (item: A) => void
  /** Takes an item back before it is handed over; false when it was not waiting. */
  readonly remove: (item: A) => boolean
  /** Forgets everything waiting, unhanded. */
  readonly clear: () => void
  /** Hands over what is waiting now, without waiting for the turn's end (a store closing). */
  readonly flushNow: () => void
}

/**
 * A batch handed to `flush` at the end of the turn its first item was added in. `flush` is never
 * called with an empty batch.
 *
 * @category constructors
 */
export const batchUntilNextTurn = <A>(flush: (batch: Array<A>) => void): NextTurnBatch<A> => {
  let waiting: Array<A> = []
  const handOver = () => {
    const batch = waiting
    waiting = []
    if (batch.length > 0) flush(batch)
  }
  return {
    add: (item) => {
      if (waiting.push(item) === 1) setImmediate(handOver)
    },
    remove: (item) => {
      const at = waiting.indexOf(item)
      if (at < 0) return false
      waiting.splice(at, 1)
      return true
    },
    clear: () => {
      waiting = []
    },
    flushNow: handOver
  }
}
