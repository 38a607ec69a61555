import { describe, expect, it } from "@effect/vitest"
import type { Message, MessageStore } from "@sealcast/core"
import type Database from "better-sqlite3"
import { Effect, Fiber } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll } from "vitest"
import * as SqliteDatabase from "../../src/store/SqliteDatabase.js"
import * as SqliteMessageStore from "../../src/store/SqliteMessageStore.js"

// The full port contract runs in the `test` workspace (test/contracts); these are the SQLite store's own promises.

const root = mkdtempSync(join(tmpdir(), "sealcast-store-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))

const TOPIC = "arn:aws:sns:us-east-1:000000000000:orders"
const entry = (messageId: string): MessageStore.AppendEntry => {
  const message: Message.StoredMessage = {
    messageId,
    topicArn: TOPIC,
    subject: undefined,
    attributes: {},
    messageStructure: undefined,
    timestamp: 1000,
    publisher: "arn:aws:iam::000000000000:root",
    fifo: undefined,
    body: { _tag: "Plain", text: messageId }
  }
  return { message, subscriptionArns: [`${TOPIC}:sub`] }
}

/** The database, with a count of the transactions and savepoints begun on it (calls of `transaction` functions). */
const countingTransactions = (db: Database.Database) => {
  const counter = { transactions: 0 }
  const counting = (fn: (...args: Array<never>) => unknown) => {
    const transaction = db.transaction(fn)
    return (...args: Array<never>) => {
      counter.transactions++
      return transaction(...args)
    }
  }
  const proxy = new Proxy(db, {
    get: (target, property) => {
      if (property === "transaction") return counting
      const value: unknown = Reflect.get(target, property)
      return typeof value === "function" ? value.bind(target) : value
    }
  })
  return { proxy, counter }
}

describe("SqliteMessageStore", () => {
  it.effect("appends arriving in the same turn of the event loop share one transaction, with no savepoint", () =>
    Effect.gen(function* () {
      const db = yield* SqliteDatabase.open(":memory:")
      const { proxy, counter } = countingTransactions(db)
      const store = yield* SqliteMessageStore.make(proxy, { ownsDatabase: true })
      const before = counter.transactions
      yield* Effect.forEach(Array.from({ length: 50 }, (_, i) => entry(`m${i}`)), (e) => store.append([e]), {
        concurrency: "unbounded"
      })
      expect(counter.transactions - before).toBe(1)
      expect(yield* store.pendingCount).toBe(50)
      yield* store.append([entry("later")])
      expect(counter.transactions - before).toBe(2)
      yield* store.close
    }))

  it.effect("settles in the same turn share one transaction too, and are committed when they resolve", () =>
    Effect.gen(function* () {
      const db = yield* SqliteDatabase.open(":memory:")
      const { proxy, counter } = countingTransactions(db)
      const store = yield* SqliteMessageStore.make(proxy, { ownsDatabase: true })
      const entries = Array.from({ length: 20 }, (_, i) => entry(`m${i}`))
      yield* store.append(entries)
      const before = counter.transactions
      yield* Effect.forEach(
        entries,
        ({ message, subscriptionArns }, i) =>
          store.settle([
            {
              messageId: message.messageId,
              subscriptionArn: subscriptionArns[0]!,
              outcome: i % 2 === 0 ? { _tag: "Delivered" } : { _tag: "Retry", attempts: 1, dueAt: 5000 }
            }
          ]),
        { concurrency: "unbounded" }
      )
      expect(counter.transactions - before).toBe(1)
      expect(yield* store.pendingCount).toBe(10)
      expect((yield* store.due(5000, 100)).map((d) => d.attempts)).toEqual(Array(10).fill(1))
      yield* store.close
    }))

  it.effect("a refused caller sends its group to one savepoint per caller: it fails alone, the others commit", () =>
    Effect.gen(function* () {
      const db = yield* SqliteDatabase.open(":memory:")
      const { proxy, counter } = countingTransactions(db)
      const store = yield* SqliteMessageStore.make(proxy, { ownsDatabase: true })
      yield* store.append([entry("taken")])
      const before = counter.transactions
      const ids = ["a", "b", "taken", "c", "d"]
      const results = yield* Effect.forEach(ids, (id) => Effect.either(store.append([entry(id)])), { concurrency: "unbounded" })
      // The group's transaction, rolled back; the fallback's; a savepoint per caller.
      expect(counter.transactions - before).toBe(2 + ids.length)
      expect(results.map((r) => r._tag)).toEqual(["Right", "Right", "Left", "Right", "Right"])
      expect(yield* store.pendingCount).toBe(5)
      yield* store.close
    }))

  it.effect("appendNow asks every write of a turn for its entries before the group's transaction begins", () =>
    Effect.gen(function* () {
      const db = yield* SqliteDatabase.open(":memory:")
      const { proxy, counter } = countingTransactions(db)
      const store = yield* SqliteMessageStore.make(proxy, { ownsDatabase: true })
      const appendNow = store.appendNow!
      const before = counter.transactions
      // What each write saw when the store asked for its entries: transactions begun, rows stored.
      const seen: Array<readonly [number, number]> = []
      const rows = () => (db.prepare("SELECT COUNT(*) AS n FROM messages").get() as { readonly n: number }).n
      const ids = ["a", "b", "c"]
      const told = yield* Effect.forEach(
        ids,
        (id) =>
          Effect.async<string | undefined>((resume) =>
            appendNow(
              () => {
                seen.push([counter.transactions - before, rows()])
                return [entry(id)]
              },
              (failure) => resume(Effect.succeed(failure?.message))
            )
          ),
        { concurrency: "unbounded" }
      )
      expect(told).toEqual([undefined, undefined, undefined])
      expect(seen).toEqual([[0, 0], [0, 0], [0, 0]])
      expect(counter.transactions - before).toBe(1)
      expect(yield* store.pendingCount).toBe(3)
      yield* store.close
    }))

  it.effect("an append interrupted before its group commits writes nothing", () =>
    Effect.gen(function* () {
      const store = yield* SqliteMessageStore.open({ path: ":memory:" })
      const fiber = yield* Effect.fork(store.append([entry("abandoned")]))
      yield* Effect.yieldNow()
      yield* Fiber.interrupt(fiber)
      yield* store.append([entry("kept")])
      expect(yield* store.get("abandoned")).toBeUndefined()
      expect(yield* store.get("kept")).toBeDefined()
      yield* store.close
    }))

  it.effect("close commits what is queued, then refuses appends", () =>
    Effect.gen(function* () {
      const path = join(root, "close", "sealcast.db")
      const store = yield* SqliteMessageStore.open({ path })
      const queued = yield* Effect.fork(store.append([entry("queued")]))
      yield* Effect.yieldNow()
      yield* store.close
      yield* Fiber.join(queued)
      const refused = yield* Effect.flip(store.append([entry("too-late")]))
      expect(refused.message).toBe("The message store is closed")
      const reopened = yield* SqliteMessageStore.open({ path })
      expect((yield* reopened.get("queued"))?.body).toEqual({ _tag: "Plain", text: "queued" })
      expect(yield* reopened.pendingCount).toBe(1)
      yield* reopened.close
    }))

  it.effect("an attribute named __proto__ comes back as an attribute, not as a prototype", () =>
    Effect.gen(function* () {
      const store = yield* SqliteMessageStore.open({ path: ":memory:" })
      // An own `__proto__` key, as a parsed request would hold it (an object literal would set the prototype).
      const attributes = JSON.parse(`{"__proto__":{"dataType":"String","stringValue":"kept"}}`) as Message.StoredMessage["attributes"]
      const proto = entry("proto")
      yield* store.append([{ ...proto, message: { ...proto.message, attributes } }])
      const back = yield* store.get("proto")
      expect(Object.keys(back?.attributes ?? {})).toEqual(["__proto__"])
      expect(back?.attributes).toEqual(attributes)
      yield* store.close
    }))

  it.effect("a sealed body is stored as its envelope only: no column holds plaintext", () =>
    Effect.gen(function* () {
      const db = yield* SqliteDatabase.open(":memory:")
      const store = yield* SqliteMessageStore.make(db)
      const sealed = entry("sealed")
      yield* store.append([{
        ...sealed,
        message: {
          ...sealed.message,
          body: {
            _tag: "Sealed",
            envelope: {
              algorithm: "AES_256_GCM",
              keyArn: "arn:aws:kms:us-east-1:000000000000:key/k",
              encryptedDataKey: new Uint8Array([1, 2, 3]),
              nonce: new Uint8Array(12),
              ciphertext: new Uint8Array(20).fill(0xab)
            }
          }
        }
      }])
      const row = db.prepare("SELECT body_kind, body_text, envelope_ciphertext FROM messages WHERE id = 'sealed'").get()
      expect(row).toEqual({ body_kind: "Sealed", body_text: null, envelope_ciphertext: Buffer.alloc(20, 0xab) })
      yield* store.close
      expect(db.open).toBe(true)
      db.close()
    }))
})
