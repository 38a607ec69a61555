/**
 * The pure rules, one by one: encryption, data key reuse, FIFO, delivery policies, canonical
 * encryption contexts, ids.
 */
import { Effect, Either, Layer } from "effect"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import * as Cipher from "../src/Cipher.js"
import * as DataKeyCache from "../src/DataKeyCache.js"
import * as DeliveryPolicy from "../src/DeliveryPolicy.js"
import * as Encryption from "../src/Encryption.js"
import * as EncryptionContext from "../src/EncryptionContext.js"
import * as Fifo from "../src/Fifo.js"
import * as Ids from "../src/Ids.js"
import type { Envelope } from "../src/Message.js"
import * as MessageAttributes from "../src/MessageAttributes.js"
import * as MessageStore from "../src/MessageStore.js"
import * as RegistryStore from "../src/RegistryStore.js"
import type { RequestContext } from "../src/RequestContext.js"
import * as Sns from "../src/Sns.js"
import * as Topic from "../src/Topic.js"
import * as TestKms from "./support/TestKms.js"

const owner = { accountId: "000000000000", region: "us-east-1" }
const topic = (attributes: Record<string, string>) =>
  Either.getOrThrow(Topic.make({ name: "t", attributes, tags: [], dataProtectionPolicy: undefined }, owner, 0))
const ctx = (transport: RequestContext["transport"], auth: RequestContext["auth"]): RequestContext => ({
  accountId: "000000000000",
  principalArn: "arn:aws:iam::000000000000:root",
  region: "us-east-1",
  transport,
  auth
})

describe("encryption rules", () => {
  it("seals exactly when KmsMasterKeyId is non-empty", () => {
    expect(Encryption.planBody(topic({}))).toEqual({ _tag: "Plain" })
    expect(Encryption.planBody(topic({ KmsMasterKeyId: "" }))).toEqual({ _tag: "Plain" })
    expect(Encryption.planBody(topic({ KmsMasterKeyId: "alias/aws/sns" }))).toEqual({ _tag: "Seal", kmsKeyId: "alias/aws/sns" })
  })

  it("demands HTTPS and SigV4 for encrypted topics only, with AWS's text", () => {
    const encrypted = topic({ KmsMasterKeyId: "alias/k" })
    for (const transport of ["https", "http"] as const) {
      for (const auth of ["sigv4", "sigv2", "none"] as const) {
        expect(Either.isRight(Encryption.requireSecureTransport(topic({}), ctx(transport, auth)))).toBe(true)
        const r = Encryption.requireSecureTransport(encrypted, ctx(transport, auth))
        expect(Either.isRight(r)).toBe(transport === "https" && auth === "sigv4")
        if (Either.isLeft(r)) {
          expect(r.left._tag).toBe("InvalidSecurity")
          expect(r.left.message).toBe(
            "The credential signature isn't valid. You must use an HTTPS endpoint and sign your request using Signature Version 4."
          )
        }
      }
    }
  })

  it("binds a body to its topic and message id", () => {
    expect(Encryption.bodyAad("a", "b")).not.toEqual(Encryption.bodyAad("a", "c"))
    expect(Encryption.bodyAad("a", "b")).not.toEqual(Encryption.bodyAad("b", "b"))
  })
})

describe("encryption context canonical form", () => {
  it("is injective: length prefixes keep {ab:c} and {a:bc} apart", () => {
    expect(EncryptionContext.canonicalize({ ab: "c" })).not.toEqual(EncryptionContext.canonicalize({ a: "bc" }))
  })

  it("ignores insertion order", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.string()), (ctx) => {
        const reversed = Object.fromEntries(Object.entries(ctx).reverse())
        expect(EncryptionContext.canonicalize(reversed)).toEqual(EncryptionContext.canonicalize(ctx))
      })
    )
  })

  it("differs for different contexts", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.string()), fc.dictionary(fc.string(), fc.string()), (a, b) => {
        const same = JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort())
        const equalBytes = Buffer.from(EncryptionContext.canonicalize(a)).equals(Buffer.from(EncryptionContext.canonicalize(b)))
        expect(equalBytes).toBe(same)
      })
    )
  })
})

describe("data key reuse", () => {
  const scope = { resourceArn: "t", kmsKeyId: "alias/k", principalArn: "p" }
  const entry: DataKeyCache.Entry = {
    scope,
    dataKey: { keyArn: "k", plaintext: new Uint8Array(32), ciphertextBlob: new Uint8Array(1) },
    createdAt: 1_000,
    uses: 1
  }
  it("serves the same scope for under 5 minutes and under the use cap", () => {
    expect(DataKeyCache.canReuse(entry, scope, 1_000)).toBe(true)
    expect(DataKeyCache.canReuse(entry, scope, 1_000 + DataKeyCache.MAX_AGE_MS - 1)).toBe(true)
    expect(DataKeyCache.canReuse(entry, scope, 1_000 + DataKeyCache.MAX_AGE_MS)).toBe(false)
    expect(DataKeyCache.canReuse(entry, scope, 999)).toBe(false)
    expect(DataKeyCache.canReuse({ ...entry, uses: DataKeyCache.MAX_USES }, scope, 1_000)).toBe(false)
  })
  it("never serves another topic, key or principal", () => {
    expect(DataKeyCache.canReuse(entry, { ...scope, resourceArn: "u" }, 1_000)).toBe(false)
    expect(DataKeyCache.canReuse(entry, { ...scope, kmsKeyId: "alias/j" }, 1_000)).toBe(false)
    expect(DataKeyCache.canReuse(entry, { ...scope, principalArn: "q" }, 1_000)).toBe(false)
  })
})

describe("FIFO", () => {
  it("deduplicates inside 5 minutes and not after", () => {
    const first = Fifo.decide(Fifo.empty(), "d", "m1", 0)
    expect(first._tag).toBe("Accept")
    const state = (first as Extract<Fifo.Decision, { _tag: "Accept" }>).state
    expect(Fifo.decide(state, "d", "m2", Fifo.DEDUPLICATION_WINDOW_MS - 1)).toMatchObject({ _tag: "Duplicate", messageId: "m1" })
    expect(Fifo.decide(state, "d", "m2", Fifo.DEDUPLICATION_WINDOW_MS)._tag).toBe("Accept")
  })

  it("hands out strictly increasing 20-digit sequence numbers", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 10_000 }), fc.constantFrom("a", "b", "c", "d", "e")), { maxLength: 50 }), (steps) => {
        let state = Fifo.empty()
        let now = 1_700_000_000_000
        let last = -1n
        steps.forEach(([dt, id], i) => {
          now += dt
          const d = Fifo.decide(state, `${id}${i}`, `m${i}`, now)
          if (d._tag !== "Accept") throw new Error("fresh ids are never duplicates")
          expect(d.sequenceNumber).toMatch(/^\d{20}$/)
          expect(BigInt(d.sequenceNumber) > last).toBe(true)
          last = BigInt(d.sequenceNumber)
          state = d.state
        })
      })
    )
  })

  it("keeps the window as the plain rule does: each id for 5 minutes after its acceptance, in acceptance order", () => {
    // The rule as first written: every accept copies the ids still inside the window, then adds its own.
    const plainDecide = (seen: ReadonlyMap<string, Fifo.DeduplicationEntry>, id: string, messageId: string, now: number) => {
      const previous = seen.get(id)
      if (previous !== undefined && now - previous.acceptedAt < Fifo.DEDUPLICATION_WINDOW_MS) return { duplicateOf: previous.messageId, seen }
      const kept = new Map([...seen].filter(([, entry]) => now - entry.acceptedAt < Fifo.DEDUPLICATION_WINDOW_MS))
      kept.delete(id)
      return { duplicateOf: undefined, seen: kept.set(id, { messageId, sequenceNumber: "", acceptedAt: now }) }
    }
    // Steps of 0 (ties), and steps that land an id's age exactly on the window's edge and beside it.
    const W = Fifo.DEDUPLICATION_WINDOW_MS
    const step = fc.oneof(fc.constantFrom(0, 1, W - 1, W, W + 1, W / 2), fc.integer({ min: 0, max: 120_000 }))
    const steps = fc.array(fc.tuple(step, fc.constantFrom("a", "b", "c", "d", "e", "f")), { maxLength: 80 })
    fc.assert(
      fc.property(steps, (steps) => {
        let state = Fifo.empty()
        let plain: ReadonlyMap<string, Fifo.DeduplicationEntry> = new Map()
        let now = 1_700_000_000_000
        steps.forEach(([dt, id], i) => {
          now += dt
          const decision = Fifo.decide(state, id, `m${i}`, now)
          const expected = plainDecide(plain, id, `m${i}`, now)
          expect(decision._tag === "Duplicate" ? decision.messageId : undefined).toBe(expected.duplicateOf)
          if (decision._tag === "Accept") state = decision.state
          plain = expected.seen
          expect([...state.seen.keys()]).toEqual([...plain.keys()])
          expect([...state.seen.values()].map((e) => [e.messageId, e.acceptedAt])).toEqual([...plain.values()].map((e) => [e.messageId, e.acceptedAt]))
          expect(state.seen.size).toBe(plain.size)
        })
      })
    )
  })

  it("takes a window decoded as a plain Map (a stored queue's) and goes on from it", () => {
    const stored = new Map([["d", { messageId: "m", sequenceNumber: "00000000000000000042", acceptedAt: 10 }]])
    const decision = Fifo.decide({ lastSequence: 42n, seen: stored }, "e", "n", 20)
    expect(decision._tag).toBe("Accept")
    const state = (decision as Extract<Fifo.Decision, { _tag: "Accept" }>).state
    expect([...state.seen.keys()]).toEqual(["d", "e"])
    expect(Fifo.decide(state, "d", "x", 30)).toMatchObject({ _tag: "Duplicate", messageId: "m" })
    expect(stored.size).toBe(1)
  })

  it("rebuilds its state from recent messages", () => {
    const state = Fifo.fromRecent([{ deduplicationId: "d", messageId: "m", sequenceNumber: "00000000000000000042", acceptedAt: 10 }])
    expect(state.lastSequence).toBe(42n)
    expect(Fifo.decide(state, "d", "x", 20)).toMatchObject({ _tag: "Duplicate", messageId: "m" })
  })

  describe("the changes between two windows", () => {
    type Step =
      | { readonly _tag: "Decide"; readonly dt: number; readonly id: string }
      | { readonly _tag: "Delete"; readonly id: string }
      | { readonly _tag: "SetAgain"; readonly id: string; readonly at: number }
    const W = Fifo.DEDUPLICATION_WINDOW_MS
    const ID = fc.constantFrom("a", "b", "c", "d", "e", "f", "g", "h")
    const arbitraryStep: fc.Arbitrary<Step> = fc.oneof(
      { weight: 6, arbitrary: fc.record({ _tag: fc.constant("Decide" as const), dt: fc.oneof(fc.constantFrom(0, W - 1, W, W + 1), fc.integer({ min: 0, max: 120_000 })), id: ID }) },
      { weight: 1, arbitrary: fc.record({ _tag: fc.constant("Delete" as const), id: ID }) },
      // An id set again at any instant, earlier ones too: not what `decide` does, which the count must catch.
      { weight: 1, arbitrary: fc.record({ _tag: fc.constant("SetAgain" as const), id: ID, at: fc.integer({ min: -W, max: W }) }) }
    )

    /** Every window the steps make, from an empty one: each made from the one before. */
    const windows = (steps: ReadonlyArray<Step>): ReadonlyArray<Fifo.DeduplicationWindow> => {
      let window = Fifo.DeduplicationWindow.empty()
      let now = 1_700_000_000_000
      const made = [window]
      steps.forEach((step, i) => {
        if (step._tag === "Decide") {
          now += step.dt
          const decision = Fifo.decide({ lastSequence: 0n, seen: window }, step.id, `m${i}`, now)
          if (decision._tag === "Accept") window = decision.state.seen as Fifo.DeduplicationWindow
        } else if (step._tag === "Delete") window = window.delete(step.id)
        else if (window.has(step.id)) window = window.set(step.id, { messageId: `m${i}`, sequenceNumber: "", acceptedAt: now + step.at })
        made.push(window)
      })
      return made
    }

    /** `previous` with `changes` applied, as a store applies them. */
    const applied = (previous: ReadonlyMap<string, Fifo.DeduplicationEntry>, changes: Fifo.WindowChanges) => {
      const result = new Map(previous)
      for (const id of changes.deleted) result.delete(id)
      for (const [id, entry] of changes.put) result.set(id, entry)
      return result
    }
    const sorted = (map: ReadonlyMap<string, Fifo.DeduplicationEntry>) => [...map].sort(([a], [b]) => (a < b ? -1 : 1))

    it("turn a window into any later one made from it, put and deleted apart, and agree with the comparison of plain maps", () => {
      fc.assert(
        fc.property(fc.array(arbitraryStep, { maxLength: 60 }), fc.nat(), fc.nat(), (steps, i, j) => {
          const made = windows(steps)
          const [from, to] = [i % made.length, j % made.length].sort((a, b) => a - b) as [number, number]
          const previous = made[from]!
          const current = made[to]!
          const changes = Fifo.DeduplicationWindow.changes(previous, current)
          expect(sorted(applied(previous, changes))).toEqual(sorted(current))
          expect(changes.deleted.filter((id) => current.has(id))).toEqual([])
          const plain = Fifo.DeduplicationWindow.changes(new Map(previous), new Map(current))
          expect(sorted(new Map(changes.put))).toEqual(sorted(new Map(plain.put)))
          expect([...changes.deleted].sort()).toEqual([...plain.deleted].sort())
        }),
        { numRuns: 300 }
      )
    })

    /** Counts the walks over a window's ids through its `Map` face. */
    const counted = (window: Fifo.DeduplicationWindow) => {
      const walks = { n: 0 }
      for (const name of ["entries", "keys", "values", "forEach", Symbol.iterator] as const) {
        const walk = window[name].bind(window) as (...args: Array<unknown>) => unknown
        Object.defineProperty(window, name, { value: (...args: Array<unknown>) => (walks.n++, walk(...args)) })
      }
      return walks
    }

    it("read an accept and the ids it pruned without walking either window of 10 000 ids", () => {
      let window = Fifo.DeduplicationWindow.empty()
      for (let i = 0; i < 10_000; i++) window = window.set(`id${i}`, { messageId: `m${i}`, sequenceNumber: "", acceptedAt: i * 10 })
      const decision = Fifo.decide({ lastSequence: 0n, seen: window }, "new", "m", W + 25)
      const next = (decision as Extract<Fifo.Decision, { _tag: "Accept" }>).state.seen as Fifo.DeduplicationWindow
      const walks = [counted(window), counted(next)]
      const changes = Fifo.DeduplicationWindow.changes(window, next)
      expect(walks.map((w) => w.n)).toEqual([0, 0])
      expect(changes.deleted).toEqual(["id0", "id1", "id2"])
      expect(changes.put.map(([id]) => id)).toEqual(["new"])
      // A decoded window is not made from anything: the two are compared in full.
      expect(Fifo.DeduplicationWindow.changes(new Map(window), next)).toEqual(changes)
    })
  })
})

describe("delivery policy", () => {
  it("walks the four phases in order", () => {
    const policy: DeliveryPolicy.RetryPolicy = {
      minDelayTarget: 1,
      maxDelayTarget: 60,
      numRetries: 10,
      numNoDelayRetries: 2,
      numMinDelayRetries: 2,
      numMaxDelayRetries: 2,
      backoffFunction: "linear"
    }
    const delays = Array.from({ length: 11 }, (_, i) => DeliveryPolicy.retryDelaySeconds(policy, i + 1))
    expect(delays).toEqual([0, 0, 1, 1, 1, 21, 40, 60, 60, 60, undefined])
  })

  it("keeps every backoff inside [min, max] and non-decreasing", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 0, max: 100 }),
        fc.constantFrom<DeliveryPolicy.BackoffFunction>("arithmetic", "exponential", "geometric", "linear"),
        (min, extra, backoffFunction) => {
          const policy = { ...DeliveryPolicy.defaultRetryPolicy, minDelayTarget: min, maxDelayTarget: min + extra, numRetries: 8, backoffFunction }
          let previous = 0
          for (let i = 1; i <= 8; i++) {
            const d = DeliveryPolicy.retryDelaySeconds(policy, i)!
            expect(d).toBeGreaterThanOrEqual(min)
            expect(d).toBeLessThanOrEqual(min + extra)
            expect(d).toBeGreaterThanOrEqual(previous)
            previous = d
          }
        }
      )
    )
  })

  it("refuses policies SNS refuses and never throws on any text", () => {
    const bad = (text: string) => Either.isLeft(DeliveryPolicy.parseTopicPolicy(text))
    expect(bad("{")).toBe(true)
    expect(bad('{"sqs":{}}')).toBe(true)
    expect(bad('{"http":{"defaultHealthyRetryPolicy":{"minDelayTarget":30,"maxDelayTarget":20}}}')).toBe(true)
    expect(bad('{"http":{"defaultHealthyRetryPolicy":{"numRetries":3,"numNoDelayRetries":4}}}')).toBe(true)
    expect(bad('{"http":{"defaultHealthyRetryPolicy":{"backoffFunction":"cubic"}}}')).toBe(true)
    expect(bad('{"http":{"defaultHealthyRetryPolicy":{"numRetries":100,"minDelayTarget":3600,"maxDelayTarget":3600}}}')).toBe(true)
    expect(bad('{"http":{"defaultRequestPolicy":{"headerContentType":"image/png"}}}')).toBe(true)
    expect(bad('{"http":{"defaultThrottlePolicy":{"maxReceivesPerSecond":0}}}')).toBe(true)
    expect(bad('{"http":{"defaultHealthyRetryPolicy":{"numRetries":5},"defaultThrottlePolicy":{"maxReceivesPerSecond":3}}}')).toBe(false)
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (text) => {
        expect(() => DeliveryPolicy.parseTopicPolicy(text)).not.toThrow()
        expect(() => DeliveryPolicy.parseSubscriptionPolicy(text)).not.toThrow()
      })
    )
  })
})

describe("body AAD", () => {
  it("for a queue, is the canonical encryption context of the queue ARN and the message id", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), fc.string({ unit: "binary" }), (queueArn, messageId) => {
        expect(Encryption.bodyAadAfter(Encryption.contextAadPrefix(EncryptionContext.forQueue(queueArn)), messageId)).toEqual(
          EncryptionContext.canonicalize({ "aws:sqs:arn": queueArn, "sealcast:messageId": messageId })
        )
      })
    )
  })

  it("written into a room is the same bytes, as a view of the room when it fits there", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), fc.oneof(fc.uuid(), fc.string({ unit: "binary" })), fc.nat({ max: 200 }), (topicArn, messageId, roomBytes) => {
        const prefix = Encryption.bodyAadPrefix(topicArn)
        const room = new Uint8Array(roomBytes).fill(0xa5)
        const aad = Encryption.bodyAadInto(room, prefix, messageId)
        expect(aad).toEqual(Encryption.bodyAadAfter(prefix, messageId))
        expect(aad.buffer === room.buffer).toBe(aad.length <= room.length)
      })
    )
  })

  it("is the canonical encryption context of the topic ARN and the message id", () => {
    // Message ids as the broker makes them (ASCII UUIDs) and any text at all.
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), fc.oneof(fc.uuid(), fc.string({ unit: "binary" })), (topicArn, messageId) => {
        expect(Encryption.bodyAad(topicArn, messageId)).toEqual(
          EncryptionContext.canonicalize({ "aws:sns:topicArn": topicArn, "sealcast:messageId": messageId })
        )
      })
    )
  })
})

describe("sealing through one scratch", () => {
  const cipher = Cipher.makeNoble()
  const dataKey = { keyArn: "arn:aws:kms:us-east-1:000000000000:key/k", plaintext: new Uint8Array(32).fill(9), ciphertextBlob: new Uint8Array([1]) }
  const prefix = Encryption.bodyAadPrefix("arn:aws:sns:us-east-1:000000000000:t")
  const nonceOf = (i: number) => new Uint8Array(Cipher.NONCE_BYTES).fill(i)
  const sealAll = (bodies: ReadonlyArray<string>, scratchOf: () => Encryption.SealScratch) =>
    bodies.map((body, i) => Encryption.seal(cipher, nonceOf(i), body, dataKey, prefix, `id-${i}`, scratchOf()).envelope)
  const opensTo = (envelope: Envelope, i: number) =>
    Effect.runSync(Encryption.open(cipher, envelope, dataKey.plaintext, prefix, `id-${i}`))

  it("seals each message to the bytes a fresh scratch gives, and no later seal changes an earlier box", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: "binary", maxLength: 300 }), { minLength: 1, maxLength: 8 }), (bodies) => {
        const scratch = Encryption.makeSealScratch()
        const reused = sealAll(bodies, () => scratch)
        expect(reused).toEqual(sealAll(bodies, Encryption.makeSealScratch))
        reused.forEach((envelope, i) => expect(opensTo(envelope, i)).toBe(bodies[i]))
      })
    )
  })

  it("seals bodies that do not fit the scratch, in characters or in UTF-8 bytes", () => {
    const bodies = ["a".repeat(70_000), "é".repeat(40_000), "short"]
    const reused = sealAll(bodies, () => Encryption.makeSealScratch())
    reused.forEach((envelope, i) => expect(opensTo(envelope, i)).toBe(bodies[i]))
  })
})

describe("ids", () => {
  it("makes RFC 9562 version-4 UUIDs", () => {
    const ids = Ids.makeSeeded(1)
    for (let i = 0; i < 100; i++) {
      expect(Effect.runSync(ids.uuid)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    }
  })
  it("makes RFC 9562 version-7 UUIDs that carry their millisecond and sort by it", () => {
    const ids = Ids.makeSeeded(2)
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 48 - 2 }), (ms) => {
        const id = ids.unsafeUuidV7(ms)
        expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
        expect(Number.parseInt(id.replace("-", "").slice(0, 12), 16)).toBe(ms)
        expect(ids.unsafeUuidV7(ms + 1) > id).toBe(true)
      })
    )
    expect(Ids.uuidV7FromBytes(0x017f22e279b0, new Uint8Array(10).fill(0xff))).toBe("017f22e2-79b0-7fff-bfff-ffffffffffff")
  })
  it("formats each id as the hex of its 16 bytes, as the bytes themselves say it", () => {
    // The plain reading of RFC 9562 §5.4 and §5.7: the bytes laid out, then each as two hex digits.
    const formatted = (b: Uint8Array) => {
      const hex = Array.from(b, (byte) => byte.toString(16).padStart(2, "0")).join("")
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
    }
    const v7 = (ms: number, random: Uint8Array) => {
      const b = new Uint8Array(16)
      new DataView(b.buffer).setBigUint64(0, BigInt(ms) << 16n)
      b.set(random.subarray(0, Ids.UUID_V7_RANDOM_BYTES), 6)
      b[6] = (b[6]! & 0x0f) | 0x70
      b[8] = (b[8]! & 0x3f) | 0x80
      return formatted(b)
    }
    const v4 = (random: Uint8Array) => {
      const b = random.slice(0, 16)
      b[6] = (b[6]! & 0x0f) | 0x40
      b[8] = (b[8]! & 0x3f) | 0x80
      return formatted(b)
    }
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 48 - 1 }), fc.uint8Array({ minLength: 16, maxLength: 16 }), (ms, random) => {
        expect(Ids.uuidV7FromBytes(ms, random)).toBe(v7(ms, random))
        expect(Ids.uuidFromBytes(random)).toBe(v4(random))
      })
    )
  })
  it("replays the same bytes from the same seed", () => {
    expect(Effect.runSync(Ids.makeSeeded(9).randomBytes(16))).toEqual(Effect.runSync(Ids.makeSeeded(9).randomBytes(16)))
  })
})

describe("secure transport at CreateTopic", () => {
  it("refuses an encrypted topic over plain HTTP before creating anything", () => {
    const ids = Ids.makeSeeded(3)
    const kms = TestKms.makeTestKms("us-east-1", "000000000000", () => 0, (n) => Effect.runSync(ids.randomBytes(n)))
    const sns = Effect.runSync(
      Sns.make.pipe(
        Effect.provide(Layer.mergeAll(TestKms.layer(kms), MessageStore.layerMemory, RegistryStore.layerMemory, Cipher.layerNoble, Layer.succeed(Ids.Ids, ids)))
      )
    )
    const input = { name: "t", attributes: { KmsMasterKeyId: "alias/k" }, tags: [], dataProtectionPolicy: undefined }
    const refused = Effect.runSync(Effect.either(sns.createTopic(input, ctx("http", "sigv4"))))
    expect(Either.isLeft(refused) && refused.left._tag).toBe("InvalidSecurity")
    expect(Effect.runSync(sns.registry).topics.size).toBe(0)
    expect(Either.isRight(Effect.runSync(Effect.either(sns.createTopic(input, ctx("https", "sigv4")))))).toBe(true)
    // The topic exists now; asking for it again over SigV2 is refused too.
    const again = Effect.runSync(Effect.either(sns.createTopic(input, ctx("https", "sigv2"))))
    expect(Either.isLeft(again) && again.left._tag).toBe("InvalidSecurity")
  })

  it("refuses every request naming an encrypted topic, or a subscription to one, over HTTP or SigV2; the unsigned links pass", () => {
    const ids = Ids.makeSeeded(4)
    const kms = TestKms.makeTestKms("us-east-1", "000000000000", () => 0, (n) => Effect.runSync(ids.randomBytes(n)))
    const sns = Effect.runSync(
      Sns.make.pipe(
        Effect.provide(Layer.mergeAll(TestKms.layer(kms), MessageStore.layerMemory, RegistryStore.layerMemory, Cipher.layerNoble, Layer.succeed(Ids.Ids, ids)))
      )
    )
    const secure = ctx("https", "sigv4")
    const { topicArn } = Effect.runSync(sns.createTopic({ name: "t", attributes: { KmsMasterKeyId: "alias/k" }, tags: [], dataProtectionPolicy: undefined }, secure))
    const subscribe = (c: RequestContext) => sns.subscribe({ topicArn, protocol: "sms", endpoint: "+15555550100", attributes: {}, returnSubscriptionArn: true }, c)
    const { subscriptionArn } = Effect.runSync(subscribe(secure))
    const requests: ReadonlyArray<readonly [string, (c: RequestContext) => Effect.Effect<unknown, { readonly _tag: string }>]> = [
      ["Subscribe", subscribe],
      ["ListSubscriptionsByTopic", (c) => sns.listSubscriptionsByTopic(topicArn, undefined, c)],
      ["GetSubscriptionAttributes", (c) => sns.getSubscriptionAttributes(subscriptionArn, c)],
      ["SetSubscriptionAttributes", (c) => sns.setSubscriptionAttributes(subscriptionArn, "RawMessageDelivery", "true", c)],
      ["TagResource", (c) => sns.tagResource(topicArn, [{ key: "k", value: "v" }], c)],
      ["UntagResource", (c) => sns.untagResource(topicArn, ["k"], c)],
      ["ListTagsForResource", (c) => sns.listTagsForResource(topicArn, c)],
      ["AddPermission", (c) => sns.addPermission({ topicArn, label: "l", accountIds: ["000000000000"], actions: ["Publish"] }, c)],
      ["RemovePermission", (c) => sns.removePermission(topicArn, "l", c)],
      ["GetDataProtectionPolicy", (c) => sns.getDataProtectionPolicy(topicArn, c)],
      ["PutDataProtectionPolicy", (c) => sns.putDataProtectionPolicy(topicArn, "", c)],
      ["ConfirmSubscription", (c) => sns.confirmSubscription({ topicArn, token: "no-such-token", authenticateOnUnsubscribe: false }, c)],
      ["Unsubscribe", (c) => sns.unsubscribe(subscriptionArn, c)]
    ]
    for (const [name, request] of requests) {
      for (const refusedCtx of [ctx("http", "sigv4"), ctx("https", "sigv2"), ctx("http", "sigv2")]) {
        const refused = Effect.runSync(Effect.either(request(refusedCtx)))
        expect(Either.isLeft(refused) && refused.left._tag, `${name} over ${refusedCtx.transport}/${refusedCtx.auth}`).toBe("InvalidSecurity")
      }
      const served = Effect.runSync(Effect.either(request(secure)))
      expect(Either.isLeft(served) && served.left._tag, name).not.toBe("InvalidSecurity")
    }
    // The unsigned link of the subscription, as a subscriber follows it.
    const { subscriptionArn: pending } = Effect.runSync(
      sns.subscribe({ topicArn, protocol: "email", endpoint: "a@example.com", attributes: {}, returnSubscriptionArn: true }, secure)
    )
    expect(Either.isRight(Effect.runSync(Effect.either(sns.unsubscribe(pending, undefined))))).toBe(true)
  })
})

describe("UTF-8 length", () => {
  it("equals the encoded length for any string, lone surrogates included", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.fullUnicodeString(), fc.string16bits()), (s) => {
        expect(MessageAttributes.utf8Length(s)).toBe(new TextEncoder().encode(s).length)
      }),
      { numRuns: 2000 }
    )
  })
})

describe("pooled randomness", () => {
  it("hands out the source's bytes in order, each once, a block at a time", () => {
    let counter = 0
    const source = (n: number) => Uint8Array.from({ length: n }, () => counter++ & 0xff)
    const draw = Ids.makePooled(source)
    const drawn: Array<number> = []
    for (let i = 0; i < 1000; i++) drawn.push(...draw(12))
    // A 4096-byte block serves 341 draws of 12 bytes (4092 bytes); its last 4 bytes are never used.
    const expected: Array<number> = []
    for (let stream = 0; expected.length < drawn.length; stream += 4096) {
      for (let i = 0; i < 4092 && expected.length < drawn.length; i++) expected.push((stream + i) & 0xff)
    }
    expect(drawn).toEqual(expected)
    expect(counter).toBe(Math.ceil(12_000 / 4092) * 4096)
    // Larger requests go straight to the source.
    expect(draw(5000).length).toBe(5000)
  })
})
