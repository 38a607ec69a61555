import { describe, expect, it } from "vitest"
import { batchUntilNextTurn } from "../../src/internal/NextTurn.js"

/** Resolves after the current turn's check phase, when batches of this turn have been handed over. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve))

describe("batchUntilNextTurn", () => {
  it("hands what one turn added over together, once, in order, after the turn", async () => {
    const batches: Array<Array<number>> = []
    const batch = batchUntilNextTurn<number>((items) => batches.push(items))
    batch.add(1)
    batch.add(2)
    batch.add(3)
    expect(batches).toEqual([])
    await nextTurn()
    batch.add(4)
    await nextTurn()
    expect(batches).toEqual([[1, 2, 3], [4]])
  })

  it("an item taken back is not handed over, and an emptied batch is never handed over", async () => {
    const batches: Array<Array<string>> = []
    const batch = batchUntilNextTurn<string>((items) => batches.push(items))
    batch.add("a")
    batch.add("b")
    expect(batch.remove("a")).toBe(true)
    expect(batch.remove("a")).toBe(false)
    await nextTurn()
    batch.add("c")
    batch.remove("c")
    batch.add("d")
    batch.clear()
    await nextTurn()
    expect(batches).toEqual([["b"]])
  })

  it("flushNow hands over at once, and the turn's end finds nothing more", async () => {
    const batches: Array<Array<number>> = []
    const batch = batchUntilNextTurn<number>((items) => batches.push(items))
    batch.add(1)
    batch.flushNow()
    expect(batches).toEqual([[1]])
    await nextTurn()
    expect(batches).toEqual([[1]])
  })
})
