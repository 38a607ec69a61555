/**
 * `QueueStates` against the plain `Map` it stands for: random sets, deletes and rebases, and after
 * each step the same entries, every earlier value as it was, and the keys it records as changed
 * exactly those set or deleted since its base. Then `QueueStore.diff` and `settled` reading that
 * record against the same values read by comparing every queue.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import * as QueueMessages from "../../src/sqs/QueueMessages.js"
import { QueueStates } from "../../src/sqs/QueueStates.js"
import * as QueueStore from "../../src/sqs/QueueStore.js"

type Step =
  | { readonly _tag: "Set"; readonly key: string; readonly purgedAt: number }
  | { readonly _tag: "Delete"; readonly key: string }
  | { readonly _tag: "Rebase" }

const keyArb = fc.constantFrom("000000000000/a", "000000000000/b", "000000000000/c", "111111111111/a", "111111111111/d")
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ _tag: fc.constant("Set" as const), key: keyArb, purgedAt: fc.nat(1000) }) },
  { weight: 2, arbitrary: fc.record({ _tag: fc.constant("Delete" as const), key: keyArb }) },
  { weight: 1, arbitrary: fc.constant({ _tag: "Rebase" as const }) }
)

/** A queue's state told apart from others by its last purge. */
const stateOf = (purgedAt: number): QueueMessages.QueueState => ({ ...QueueMessages.empty(), lastPurgeAt: purgedAt })

const sortedEntries = (states: ReadonlyMap<string, QueueMessages.QueueState>) =>
  [...states.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))

/** A sort order for changes, which `diff` lists queue by queue in no promised order across queues. */
const changeText = (change: QueueStore.QueueChange) => JSON.stringify(change, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))

describe("QueueStates", () => {
  it("reads as a Map, leaves earlier values as they were, and records the keys changed since its base", () => {
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 40 }), (steps) => {
        let states = QueueStates.empty()
        let base = states
        const model = new Map<string, QueueMessages.QueueState>()
        let changedSinceBase = new Set<string>()
        const kept: Array<{ readonly value: QueueStates; readonly entries: ReturnType<typeof sortedEntries> }> = []
        for (const step of steps) {
          if (step._tag === "Rebase") {
            states = states.rebased()
            base = states
            changedSinceBase = new Set()
          } else {
            states = step._tag === "Set" ? states.set(step.key, stateOf(step.purgedAt)) : states.delete(step.key)
            if (step._tag === "Set") model.set(step.key, stateOf(step.purgedAt))
            else model.delete(step.key)
            changedSinceBase.add(step.key)
          }
          expect(sortedEntries(states)).toEqual(sortedEntries(model))
          expect(states.size).toBe(model.size)
          for (const key of ["000000000000/a", "000000000000/d"]) {
            expect(states.has(key)).toBe(model.has(key))
            expect(states.get(key)).toEqual(model.get(key))
          }
          expect(states.changedSince(base)).toEqual(changedSinceBase)
          // Another value is not its base: only a comparison of every key says what changed.
          if (states !== base) expect(states.changedSince(QueueStates.from(new Map(model)))).toBeUndefined()
          kept.push({ value: states, entries: sortedEntries(states) })
        }
        for (const { value, entries } of kept) expect(sortedEntries(value)).toEqual(entries)
      }),
      { numRuns: 300 }
    )
  })

  it("lets diff and settled visit only the changed queues, with what comparing every queue finds", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ key: keyArb, purgedAt: fc.nat(1000) }), { maxLength: 10 }),
        fc.array(fc.oneof(fc.record({ _tag: fc.constant("Set" as const), key: keyArb, purgedAt: fc.nat(1000) }), fc.record({ _tag: fc.constant("Delete" as const), key: keyArb })), { maxLength: 15 }),
        (initial, steps) => {
          let states = QueueStates.empty()
          for (const { key, purgedAt } of initial) states = states.set(key, stateOf(purgedAt))
          const before: QueueStore.QueueSystem = { ...QueueStore.empty(), states: states.rebased() }
          let after = before.states as QueueStates
          for (const step of steps) after = step._tag === "Set" ? after.set(step.key, stateOf(step.purgedAt)) : after.delete(step.key)
          const recorded: QueueStore.QueueSystem = { ...before, states: after }
          // The same value in a plain Map records nothing: `diff` compares every queue.
          const compared: QueueStore.QueueSystem = { ...before, states: new Map(after) }
          expect(QueueStore.diff(before, recorded).map(changeText).sort()).toEqual(QueueStore.diff(before, compared).map(changeText).sort())
          expect(sortedEntries(QueueStore.settled(before, recorded).states)).toEqual(sortedEntries(QueueStore.settled(before, compared).states))
        }
      ),
      { numRuns: 300 }
    )
  })
})
