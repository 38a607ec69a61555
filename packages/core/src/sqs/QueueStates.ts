/**
 * Each queue's state by its key, as a persistent map: it reads as the `ReadonlyMap` it stands for,
 * and `set` makes a new value sharing all but O(log n) of the old one (effect's `HashMap`), so an
 * action on one queue costs the same beside one queue or thousands. A value also knows which keys
 * were set or deleted since the value it was made from by `set` and `delete` alone (its base), so
 * `QueueStore.diff` and `settled` visit only those (docs/PERFORMANCE.md, "One queue among
 * thousands").
 *
 * @since 0.1.0
 */
import { HashMap, Option } from "effect"
import type { QueueState } from "./QueueMessages.js"

/**
 * @category models
 */
export class QueueStates implements ReadonlyMap<string, QueueState> {
  // Private fields, so equality in tests reads the entries and not the shape of the map.
  readonly #map: HashMap.HashMap<string, QueueState>
  /** What `#changed` counts from; undefined when this value is its own base. */
  readonly #base: QueueStates | undefined
  readonly #changed: ReadonlySet<string>

  private constructor(map: HashMap.HashMap<string, QueueState>, base: QueueStates | undefined, changed: ReadonlySet<string>) {
    this.#map = map
    this.#base = base
    this.#changed = changed
  }

  static empty(): QueueStates {
    return new QueueStates(HashMap.empty(), undefined, new Set())
  }

  /** `states` itself when it is a `QueueStates`, else one with the same entries, its own base. */
  static from(states: ReadonlyMap<string, QueueState>): QueueStates {
    if (states instanceof QueueStates) return states
    return new QueueStates(HashMap.fromIterable(states), undefined, new Set())
  }

  get size(): number {
    return HashMap.size(this.#map)
  }

  get(key: string): QueueState | undefined {
    return Option.getOrUndefined(HashMap.get(this.#map, key))
  }

  has(key: string): boolean {
    return HashMap.has(this.#map, key)
  }

  *entries(): MapIterator<[string, QueueState]> {
    for (const [key, state] of this.#map) yield [key, state]
  }

  *keys(): MapIterator<string> {
    for (const [key] of this.#map) yield key
  }

  *values(): MapIterator<QueueState> {
    for (const [, state] of this.#map) yield state
  }

  [Symbol.iterator](): MapIterator<[string, QueueState]> {
    return this.entries()
  }

  forEach(f: (state: QueueState, key: string, map: ReadonlyMap<string, QueueState>) => void): void {
    for (const [key, state] of this.#map) f(state, key, this)
  }

  /** The same entries with `key`'s state set. */
  set(key: string, state: QueueState): QueueStates {
    return new QueueStates(HashMap.set(this.#map, key, state), this.#base ?? this, this.#with(key))
  }

  /** The same entries without `key`. */
  delete(key: string): QueueStates {
    return new QueueStates(HashMap.remove(this.#map, key), this.#base ?? this, this.#with(key))
  }

  /**
   * The keys set or deleted since `base`, when this value was made from `base` by `set` and `delete`
   * alone; else undefined, and only a comparison of every key says what changed.
   */
  changedSince(base: ReadonlyMap<string, QueueState>): ReadonlySet<string> | undefined {
    return (this.#base ?? this) === base ? this.#changed : undefined
  }

  /** The same entries as their own base: what later changes count from (a value once stored). */
  rebased(): QueueStates {
    return this.#base === undefined ? this : new QueueStates(this.#map, undefined, new Set())
  }

  #with(key: string): ReadonlySet<string> {
    if (this.#changed.has(key)) return this.#changed
    const changed = new Set(this.#changed)
    changed.add(key)
    return changed
  }
}
