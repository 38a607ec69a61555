/**
 * `MessageMap` against the plain `Map` it replaces: random puts, deletes and instants, and after each
 * step the order, the lookups, the visible messages, the next instant, the oldest message, the
 * counts and the message groups read as a walk of the `Map` reads them; every earlier value stays as
 * it was.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { MessageMap } from "../../src/sqs/MessageMap.js"
import type { QueueMessage } from "../../src/sqs/QueueMessages.js"

const message = (id: string, visibleAt: number, enqueuedAt: number, received: boolean, groupId?: string): QueueMessage => ({
  messageId: id,
  body: id,
  attributes: {},
  md5OfMessageBody: "",
  md5OfMessageAttributes: undefined,
  senderId: "000000000000",
  sentAt: enqueuedAt,
  enqueuedAt,
  visibleAt,
  receiveCount: received ? 1 : 0,
  firstReceivedAt: received ? enqueuedAt : undefined,
  lastReceive: received ? { handle: `h-${id}`, at: enqueuedAt } : undefined,
  groupId,
  deduplicationId: undefined,
  sequenceNumber: undefined
})

type Step =
  | {
      readonly _tag: "Put"
      readonly id: string
      readonly visibleAt: number
      readonly enqueuedAt: number
      readonly received: boolean
      /** A message put again may come with another group, or none: the indexes must follow. */
      readonly groupId: string | undefined
    }
  | { readonly _tag: "Delete"; readonly id: string }
  | { readonly _tag: "Advance"; readonly now: number }

const id = fc.integer({ min: 0, max: 12 }).map((n) => `m${n}`)
const instant = fc.integer({ min: 0, max: 40 })
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    _tag: fc.constant("Put" as const),
    id,
    visibleAt: instant,
    enqueuedAt: instant,
    received: fc.boolean(),
    groupId: fc.constantFrom(undefined, "g1", "g2", "g3")
  }),
  fc.record({ _tag: fc.constant("Delete" as const), id }),
  fc.record({ _tag: fc.constant("Advance" as const), now: instant })
)

const agrees = (map: MessageMap, model: ReadonlyMap<string, QueueMessage>, now: number) => {
  const all = [...model.values()]
  expect([...map.entries()]).toEqual([...model.entries()])
  expect([...map.keys()]).toEqual([...model.keys()])
  expect(map.size).toBe(model.size)
  for (const m of all) expect(map.get(m.messageId)).toBe(m)
  expect(map.has("absent")).toBe(false)
  expect([...map.visible(now)]).toEqual(all.filter((m) => m.visibleAt <= now))
  expect(map.nextVisibleAfter(now)).toBe(Math.min(Infinity, ...all.filter((m) => m.visibleAt > now).map((m) => m.visibleAt)))
  const oldest = Math.min(Infinity, ...all.map((m) => m.enqueuedAt))
  expect(map.oldestEnqueued()?.enqueuedAt ?? Infinity).toBe(oldest)
  expect(map.counts(now)).toEqual({
    visible: all.filter((m) => m.visibleAt <= now).length,
    inflight: all.filter((m) => m.visibleAt > now && m.lastReceive !== undefined).length,
    delayed: all.filter((m) => m.visibleAt > now && m.lastReceive === undefined).length
  })
  const groups = [...new Set(all.flatMap((m) => (m.groupId === undefined ? [] : [m.groupId])))]
  expect([...map.groupsByOldest()]).toEqual(groups)
  for (const group of [...groups, "absent"]) {
    expect([...map.ofGroup(group)]).toEqual(all.filter((m) => m.groupId === group))
    expect([...map.receivedOfGroup(group)]).toEqual(all.filter((m) => m.groupId === group && m.lastReceive !== undefined))
  }
}

describe("MessageMap", () => {
  it("reads as the Map it replaces, through puts, deletes and instants, earlier or later", () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        let map = MessageMap.empty().advance(0)
        const model = new Map<string, QueueMessage>()
        let now = 0
        const history: Array<readonly [MessageMap, ReadonlyArray<readonly [string, QueueMessage]>]> = []
        for (const s of steps) {
          if (s._tag === "Put") {
            const m = message(s.id, s.visibleAt, s.enqueuedAt, s.received, s.groupId)
            map = map.set(m)
            model.set(s.id, m)
          } else if (s._tag === "Delete") {
            map = map.delete(s.id)
            model.delete(s.id)
          } else {
            map = map.advance(s.now)
            now = s.now
          }
          agrees(map.advance(now), model, now)
          agrees(map, model, now)
          history.push([map, [...model.entries()]])
        }
        for (const [value, entries] of history) expect([...value.entries()]).toEqual(entries)
      })
    )
  })

  it("takes a plain Map's messages in its order, and is itself when it already is one", () => {
    const plain = new Map([message("b", 5, 1, false), message("a", 1, 2, true)].map((m) => [m.messageId, m] as const))
    const map = MessageMap.from(plain)
    agrees(map.advance(3), plain, 3)
    expect(MessageMap.from(map)).toBe(map)
  })
})
