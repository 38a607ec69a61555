/**
 * The model-based test of the core: random histories of SNS actions and clock moves, run against the
 * real Sns service (memory stores, the noble cipher, a seeded id source, a test KMS) and against a
 * deliberately simple model. After every command the invariants of SNS encryption at rest are checked
 * on everything stored so far.
 */
import { Effect, Either, Layer } from "effect"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import * as Cipher from "../src/Cipher.js"
import * as DataKeyCache from "../src/DataKeyCache.js"
import type * as Errors from "../src/Errors.js"
import * as Fifo from "../src/Fifo.js"
import * as Ids from "../src/Ids.js"
import * as MessageStore from "../src/MessageStore.js"
import * as RegistryStore from "../src/RegistryStore.js"
import type { RequestContext } from "../src/RequestContext.js"
import * as Sns from "../src/Sns.js"
import * as ManualClock from "./support/ManualClock.js"
import * as TestKms from "./support/TestKms.js"

const REGION = "us-east-1"
const ACCOUNT = "000000000000"
const TOPICS = ["alpha", "beta", "gamma.fifo"] as const
const KEYS = ["alias/one", "alias/two"] as const
const PRINCIPALS = [`arn:aws:iam::${ACCOUNT}:root`, `arn:aws:iam::${ACCOUNT}:user/alice`] as const

const ctxOf = (principal: number): RequestContext => ({
  accountId: ACCOUNT,
  principalArn: PRINCIPALS[principal]!,
  region: REGION,
  transport: "https",
  auth: "sigv4"
})

const arnOf = (topic: string) => `arn:aws:sns:${REGION}:${ACCOUNT}:${topic}`

// ---------------------------------------------------------------------------------------------------
// The model: what SNS promises, kept as plainly as possible.

interface ModelMessage {
  readonly id: string
  readonly topic: string
  readonly body: string
  readonly subject: string
  /** Encryption was on for the topic at the instant of publish. */
  readonly sealed: boolean
  readonly deliveries: ReadonlyArray<string>
}

interface ModelTopic {
  key: string | undefined
  readonly fifo: boolean
  subscriptions: Array<{ arn: string; confirmed: boolean; token: string | undefined }>
  dedup: Map<string, { id: string; at: number }>
}

interface Model {
  now: number
  topics: Map<string, ModelTopic>
  keyStates: Map<string, TestKms.KeyState>
  messages: Array<ModelMessage>
}

interface Real {
  readonly sns: Sns.SnsService
  readonly store: MessageStore.MessageStoreService
  readonly kms: TestKms.TestKms
  readonly clock: ManualClock.ManualClock
}

const run = <A, E>(real: Real, effect: Effect.Effect<A, E>): Either.Either<A, E> =>
  Effect.runSync(Effect.either(effect).pipe(Effect.withClock(real.clock)))

type PublishInput = Parameters<Sns.SnsService["publish"]>[0]

/**
 * Publish as the transport takes it: without the runtime when `publishNow` takes the message (the
 * memory store commits at once, so `done` has run when it returns), else through `publish`.
 */
const publishAsTransport = (real: Real, input: PublishInput, ctx: RequestContext): Either.Either<Sns.PublishResult, Errors.SnsError> => {
  let answered: Either.Either<Sns.PublishResult, Errors.SnsError> | undefined
  const taken = real.sns.publishNow!(input, ctx, (result) => {
    answered = result
  })
  if (!taken) return run(real, real.sns.publish(input, ctx))
  expect(answered).toBeDefined()
  return answered!
}

const storedBody = (real: Real, id: string) => Effect.runSync(real.store.get(id))

/** Every invariant, checked over everything published so far. */
const checkInvariants = (model: Model, real: Real) => {
  for (const m of model.messages) {
    const stored = storedBody(real, m.id)
    // Every acknowledged message is stored until its topic is deleted.
    expect(stored).toBeDefined()
    if (stored === undefined) continue
    // Sealed exactly when encryption was on at publish; a stored message never changes variant.
    expect(stored.body._tag).toBe(m.sealed ? "Sealed" : "Plain")
    // Metadata is never sealed.
    expect(stored.subject).toBe(m.subject)
    expect(stored.topicArn).toBe(arnOf(m.topic))
    if (stored.body._tag === "Plain") expect(stored.body.text).toBe(m.body)
    else {
      const text = new TextDecoder().decode(stored.body.envelope.ciphertext)
      expect(text.includes(m.body)).toBe(false)
      // No data key serves past its window: the key sealing this body was issued less than 5 minutes
      // before the message, for this topic and this publisher.
      const blob = stored.body.envelope.encryptedDataKey
      const issue = real.kms.issued.find((k) => k.ciphertextBlob === blob)
      expect(issue).toBeDefined()
      expect(stored.timestamp - issue!.issuedAt).toBeLessThan(DataKeyCache.MAX_AGE_MS)
      expect(stored.timestamp).toBeGreaterThanOrEqual(issue!.issuedAt)
      expect(issue!.topicArn).toBe(stored.topicArn)
      expect(issue!.principalArn).toBe(stored.publisher)
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Commands: one class per SNS action, each comparing the real answer with the model's expectation.

type Cmd = fc.Command<Model, Real>

class CreateTopic implements Cmd {
  constructor(readonly topic: string, readonly key: string | undefined) {}
  check = () => true
  run(m: Model, r: Real) {
    const fifo = this.topic.endsWith(".fifo")
    const attributes: Record<string, string> = {}
    if (this.key !== undefined) attributes["KmsMasterKeyId"] = this.key
    if (fifo) attributes["FifoTopic"] = "true"
    const result = run(r, r.sns.createTopic({ name: this.topic, attributes, tags: [], dataProtectionPolicy: undefined }, ctxOf(0)))
    const existing = m.topics.get(this.topic)
    if (existing === undefined) {
      expect(result).toEqual(Either.right({ topicArn: arnOf(this.topic) }))
      m.topics.set(this.topic, { key: this.key, fifo, subscriptions: [], dedup: new Map() })
    } else if (this.key === undefined || existing.key === this.key) {
      // Idempotent: only an attribute in the request that differs from the topic's is a conflict.
      expect(result).toEqual(Either.right({ topicArn: arnOf(this.topic) }))
    } else {
      expect(Either.isLeft(result) && result.left._tag).toBe("InvalidParameter")
    }
    checkInvariants(m, r)
  }
  toString = () => `CreateTopic(${this.topic}${this.key === undefined ? "" : `, KmsMasterKeyId=${this.key}`})`
}

class SetKey implements Cmd {
  constructor(readonly topic: string, readonly key: string) {}
  check = () => true
  run(m: Model, r: Real) {
    const result = run(r, r.sns.setTopicAttributes(arnOf(this.topic), "KmsMasterKeyId", this.key, ctxOf(0)))
    const t = m.topics.get(this.topic)
    if (t === undefined) expect(Either.isLeft(result) && result.left._tag).toBe("NotFound")
    else {
      expect(Either.isRight(result)).toBe(true)
      t.key = this.key === "" ? undefined : this.key
    }
    checkInvariants(m, r)
  }
  toString = () => `SetTopicAttributes(${this.topic}, KmsMasterKeyId=${JSON.stringify(this.key)})`
}

class SetKeyState implements Cmd {
  constructor(readonly key: string, readonly state: TestKms.KeyState) {}
  check = () => true
  run(m: Model, r: Real) {
    r.kms.setState(this.key, this.state)
    m.keyStates.set(this.key, this.state)
  }
  toString = () => `Kms.${this.state === "Enabled" ? "EnableKey" : this.state === "Disabled" ? "DisableKey" : "ScheduleKeyDeletion"}(${this.key})`
}

/** What the model expects of a publish to `topic` now: the KMS error, if any. */
const expectedKmsError = (m: Model, t: ModelTopic) => {
  if (t.key === undefined) return undefined
  const state = m.keyStates.get(t.key)
  return state === "Disabled" ? "KMSDisabled" : state === "PendingDeletion" ? "KMSInvalidState" : undefined
}

class Publish implements Cmd {
  constructor(
    readonly topic: string,
    readonly body: string,
    readonly principal: number,
    readonly dedupId: string,
    /** Whether the transport's way in is taken (`publishNow`, falling back to `publish`). */
    readonly now: boolean
  ) {}
  check = () => true
  run(m: Model, r: Real) {
    const t = m.topics.get(this.topic)
    const subject = `s${m.messages.length}`
    const input: PublishInput = {
      topicArn: arnOf(this.topic),
      targetArn: undefined,
      phoneNumber: undefined,
      message: this.body,
      subject,
      messageStructure: undefined,
      messageAttributes: { kind: { dataType: "String", stringValue: "model" } },
      messageGroupId: this.topic.endsWith(".fifo") ? "g" : undefined,
      messageDeduplicationId: this.topic.endsWith(".fifo") ? this.dedupId : undefined
    }
    const result = this.now ? publishAsTransport(r, input, ctxOf(this.principal)) : run(r, r.sns.publish(input, ctxOf(this.principal)))
    if (t === undefined) {
      expect(Either.isLeft(result) && result.left._tag).toBe("NotFound")
      return checkInvariants(m, r)
    }
    const kmsError = expectedKmsError(m, t)
    if (kmsError !== undefined) {
      // A failed Publish stores nothing (docs/SEMANTICS.md §2).
      expect(Either.isLeft(result) && result.left._tag).toBe(kmsError)
      return checkInvariants(m, r)
    }
    expect(Either.isRight(result)).toBe(true)
    const { messageId, sequenceNumber } = (result as Either.Right<never, Sns.PublishResult>).right
    if (t.fifo) {
      expect(sequenceNumber).toMatch(/^\d{20}$/)
      const seen = t.dedup.get(this.dedupId)
      if (seen !== undefined && m.now - seen.at < Fifo.DEDUPLICATION_WINDOW_MS) {
        // Deduplicated inside the window: the first message's id, nothing stored.
        expect(messageId).toBe(seen.id)
        return checkInvariants(m, r)
      }
      t.dedup.set(this.dedupId, { id: messageId, at: m.now })
    } else {
      expect(sequenceNumber).toBeUndefined()
    }
    const deliveries = t.subscriptions.filter((s) => s.confirmed).map((s) => s.arn)
    m.messages.push({ id: messageId, topic: this.topic, body: this.body, subject, sealed: t.key !== undefined, deliveries })
    const pending = Effect.runSync(r.store.due(Number.MAX_SAFE_INTEGER, 100_000)).filter((d) => d.messageId === messageId)
    expect(pending.map((d) => d.subscriptionArn).sort()).toEqual([...deliveries].sort())
    checkInvariants(m, r)
  }
  toString = () =>
    `Publish${this.now ? "Now" : ""}(${this.topic}, ${JSON.stringify(this.body)}, by ${PRINCIPALS[this.principal]}${this.topic.endsWith(".fifo") ? `, dedup=${this.dedupId}` : ""})`
}

class PublishBatch implements Cmd {
  constructor(readonly topic: string, readonly bodies: ReadonlyArray<string>) {}
  check = (m: Readonly<Model>) => !this.topic.endsWith(".fifo") && m.topics.has(this.topic)
  run(m: Model, r: Real) {
    const t = m.topics.get(this.topic)!
    const result = run(
      r,
      r.sns.publishBatch(
        arnOf(this.topic),
        this.bodies.map((body, i) => ({
          id: `e${i}`,
          message: body,
          subject: `b${i}`,
          messageStructure: undefined,
          messageAttributes: {},
          messageGroupId: undefined,
          messageDeduplicationId: undefined
        })),
        ctxOf(0)
      )
    )
    expect(Either.isRight(result)).toBe(true)
    const { successful, failed } = (result as Either.Right<never, Sns.PublishBatchResult>).right
    const kmsError = expectedKmsError(m, t)
    if (kmsError !== undefined) {
      expect(successful).toEqual([])
      expect(failed.map((f) => f.error._tag)).toEqual(this.bodies.map(() => kmsError))
      return checkInvariants(m, r)
    }
    expect(failed).toEqual([])
    const deliveries = t.subscriptions.filter((s) => s.confirmed).map((s) => s.arn)
    successful.forEach((s, i) => {
      m.messages.push({ id: s.messageId, topic: this.topic, body: this.bodies[i]!, subject: `b${i}`, sealed: t.key !== undefined, deliveries })
    })
    checkInvariants(m, r)
  }
  toString = () => `PublishBatch(${this.topic}, ${JSON.stringify(this.bodies)})`
}

class Subscribe implements Cmd {
  constructor(readonly topic: string, readonly confirmed: boolean, readonly n: number) {}
  check = (m: Readonly<Model>) => m.topics.has(this.topic)
  run(m: Model, r: Real) {
    const t = m.topics.get(this.topic)!
    const subscribe = (input: { protocol: string; endpoint: string }) =>
      run(r, r.sns.subscribe({ topicArn: arnOf(this.topic), ...input, attributes: {}, returnSubscriptionArn: true }, ctxOf(0)))
    const other = this.confirmed
      ? { protocol: "lambda", endpoint: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:f${this.n}` }
      : { protocol: "https", endpoint: `https://example.test/hook/${this.n}` }
    let input = other
    if (t.fifo) {
      // A FIFO topic delivers only to SQS queues (docs/SEMANTICS.md §9): a queue of the topic's
      // account is confirmed at once, another account's waits for ConfirmSubscription.
      const refused = subscribe(other)
      expect(Either.isLeft(refused) && refused.left._tag === "InvalidParameter" && refused.left.message).toBe(
        `Invalid parameter: Invalid protocol type: ${other.protocol}`
      )
      input = { protocol: "sqs", endpoint: `arn:aws:sqs:${REGION}:${this.confirmed ? ACCOUNT : "111111111111"}:q${this.n}.fifo` }
    }
    const result = subscribe(input)
    expect(Either.isRight(result)).toBe(true)
    const arn = (result as Either.Right<never, { subscriptionArn: string }>).right.subscriptionArn
    if (!t.subscriptions.some((s) => s.arn === arn)) {
      const registry = Effect.runSync(r.sns.registry)
      const token = registry.subscriptions.get(arn)!.confirmationToken
      t.subscriptions.push({ arn, confirmed: this.confirmed, token })
    }
    checkInvariants(m, r)
  }
  toString = () =>
    `Subscribe(${this.topic}, ${this.topic.endsWith(".fifo") ? (this.confirmed ? "own sqs" : "other account's sqs") : this.confirmed ? "lambda" : "https"} #${this.n})`
}

class Confirm implements Cmd {
  constructor(readonly topic: string, readonly index: number) {}
  check = (m: Readonly<Model>) => (m.topics.get(this.topic)?.subscriptions.length ?? 0) > 0
  run(m: Model, r: Real) {
    const t = m.topics.get(this.topic)!
    const s = t.subscriptions[this.index % t.subscriptions.length]!
    if (s.token === undefined) return
    const result = run(r, r.sns.confirmSubscription({ topicArn: arnOf(this.topic), token: s.token, authenticateOnUnsubscribe: false }, undefined))
    if (s.confirmed) expect(Either.isLeft(result)).toBe(true)
    else {
      expect(result).toEqual(Either.right({ subscriptionArn: s.arn }))
      s.confirmed = true
    }
    checkInvariants(m, r)
  }
  toString = () => `ConfirmSubscription(${this.topic}, #${this.index})`
}

class Unsubscribe implements Cmd {
  constructor(readonly topic: string, readonly index: number) {}
  check = (m: Readonly<Model>) => (m.topics.get(this.topic)?.subscriptions.length ?? 0) > 0
  run(m: Model, r: Real) {
    const t = m.topics.get(this.topic)!
    const s = t.subscriptions.splice(this.index % t.subscriptions.length, 1)[0]!
    expect(Either.isRight(run(r, r.sns.unsubscribe(s.arn, ctxOf(0))))).toBe(true)
    const left = Effect.runSync(r.store.due(Number.MAX_SAFE_INTEGER, 100_000)).filter((d) => d.subscriptionArn === s.arn)
    expect(left).toEqual([])
    checkInvariants(m, r)
  }
  toString = () => `Unsubscribe(${this.topic}, #${this.index})`
}

class DeleteTopic implements Cmd {
  constructor(readonly topic: string) {}
  check = () => true
  run(m: Model, r: Real) {
    expect(Either.isRight(run(r, r.sns.deleteTopic(arnOf(this.topic), ctxOf(0))))).toBe(true)
    m.topics.delete(this.topic)
    // Deleting a topic takes its messages with it.
    for (const gone of m.messages.filter((x) => x.topic === this.topic)) expect(storedBody(r, gone.id)).toBeUndefined()
    m.messages = m.messages.filter((x) => x.topic !== this.topic)
    checkInvariants(m, r)
  }
  toString = () => `DeleteTopic(${this.topic})`
}

class AdvanceClock implements Cmd {
  constructor(readonly ms: number) {}
  check = () => true
  run(m: Model, r: Real) {
    r.clock.advance(this.ms)
    m.now += this.ms
  }
  toString = () => `Clock.advance(${(this.ms / 1000).toFixed(1)} s)`
}

const topic = fc.constantFrom(...TOPICS)
const body = fc.string({ minLength: 1, maxLength: 40 }).map((s) => `m:${s}`)

const commands = fc.commands(
  [
    fc.tuple(topic, fc.option(fc.constantFrom(...KEYS), { nil: undefined })).map(([t, k]) => new CreateTopic(t, k)),
    fc.tuple(topic, fc.constantFrom("", ...KEYS)).map(([t, k]) => new SetKey(t, k)),
    fc.tuple(fc.constantFrom(...KEYS), fc.constantFrom<TestKms.KeyState>("Enabled", "Enabled", "Disabled", "PendingDeletion")).map(([k, s]) => new SetKeyState(k, s)),
    fc.tuple(topic, body, fc.integer({ min: 0, max: 1 }), fc.constantFrom("d1", "d2", "d3"), fc.boolean()).map(([t, b, p, d, n]) => new Publish(t, b, p, d, n)),
    fc.tuple(topic, fc.array(body, { minLength: 1, maxLength: 3 })).map(([t, bs]) => new PublishBatch(t, bs)),
    fc.tuple(topic, fc.boolean(), fc.integer({ min: 0, max: 3 })).map(([t, c, n]) => new Subscribe(t, c, n)),
    fc.tuple(topic, fc.nat()).map(([t, i]) => new Confirm(t, i)),
    fc.tuple(topic, fc.nat()).map(([t, i]) => new Unsubscribe(t, i)),
    topic.map((t) => new DeleteTopic(t)),
    fc.constantFrom(1_000, 60_000, 4 * 60_000, 5 * 60_000, 6 * 60_000).map((ms) => new AdvanceClock(ms))
  ],
  { maxCommands: 40 }
)

const setup = (seed: number) => () => {
  const clock = ManualClock.make(1_800_000_000_000)
  const ids = Ids.makeSeeded(seed)
  const kms = TestKms.makeTestKms(REGION, ACCOUNT, clock.now, (n) => Effect.runSync(ids.randomBytes(n)))
  for (const [i, alias] of KEYS.entries()) kms.createKey(alias, Effect.runSync(ids.randomBytes(32)).map((b) => b ^ i))
  const store = MessageStore.makeMemory()
  const layer = Layer.mergeAll(
    TestKms.layer(kms),
    Layer.succeed(MessageStore.MessageStore, store),
    RegistryStore.layerMemory,
    Cipher.layerNoble,
    Layer.succeed(Ids.Ids, ids)
  )
  // Made on the manual clock, which `publishNow` reads as `publish` does.
  const sns = Effect.runSync(Sns.make.pipe(Effect.provide(layer), Effect.withClock(clock)))
  const model: Model = { now: clock.now(), topics: new Map(), keyStates: new Map(KEYS.map((k) => [k, "Enabled"])), messages: [] }
  return { model, real: { sns, store, kms, clock } }
}

describe("Sns model", () => {
  it("keeps the encryption-at-rest rules over random histories", () => {
    fc.assert(
      fc.property(commands, fc.integer({ min: 1, max: 2 ** 31 - 1 }), (cmds, seed) => fc.modelRun(setup(seed), cmds)),
      { numRuns: 1000 }
    )
  })

  it("opens every sealed body back to what was published", () => {
    const { real } = setup(7)()
    const ctx = ctxOf(1)
    const arn = Either.getOrThrow(run(real, real.sns.createTopic({ name: "t", attributes: { KmsMasterKeyId: "alias/one" }, tags: [], dataProtectionPolicy: undefined }, ctx))).topicArn
    const bodies = ["hello", "ünïcode ✓", "x".repeat(10_000)]
    for (const message of bodies) {
      const { messageId } = Either.getOrThrow(
        run(real, real.sns.publish({ topicArn: arn, targetArn: undefined, phoneNumber: undefined, message, subject: undefined, messageStructure: undefined, messageAttributes: {}, messageGroupId: undefined, messageDeduplicationId: undefined }, ctx))
      )
      const stored = storedBody(real, messageId)!
      expect(stored.body._tag).toBe("Sealed")
      expect(Either.getOrThrow(run(real, real.sns.openBody(stored)))).toBe(message)
    }
    // One data key served all three (same topic, key and principal, inside the window), and one
    // Decrypt opened them all.
    expect(real.kms.issued.length).toBe(1)
    expect(real.kms.decrypts.count).toBe(1)
  })

  it("publishNow takes only what needs no wait: a cached data key under a usable key, a standard topic", () => {
    const { real } = setup(11)()
    const ctx = ctxOf(1)
    const create = (name: string, attributes: Record<string, string>) =>
      Either.getOrThrow(run(real, real.sns.createTopic({ name, attributes, tags: [], dataProtectionPolicy: undefined }, ctx))).topicArn
    const sealed = create("sealed", { KmsMasterKeyId: "alias/one" })
    const fifo = create("plain.fifo", { FifoTopic: "true" })
    const input = (topicArn: string, message: string): PublishInput => ({
      topicArn, targetArn: undefined, phoneNumber: undefined, message, subject: undefined, messageStructure: undefined,
      messageAttributes: {}, messageGroupId: topicArn.endsWith(".fifo") ? "g" : undefined, messageDeduplicationId: topicArn.endsWith(".fifo") ? "d" : undefined
    })
    const answers: Array<Either.Either<Sns.PublishResult, Errors.SnsError>> = []
    const now = (topicArn: string, message: string) => real.sns.publishNow!(input(topicArn, message), ctx, (result) => answers.push(result))
    // No data key yet: KMS must be asked, so `publish` takes it.
    expect(now(sealed, "first")).toBe(false)
    expect(answers).toHaveLength(0)
    Either.getOrThrow(run(real, real.sns.publish(input(sealed, "first"), ctx)))
    expect(now(sealed, "second")).toBe(true)
    expect(answers).toHaveLength(1)
    const stored = storedBody(real, Either.getOrThrow(answers[0]!).messageId)!
    expect(stored.body._tag).toBe("Sealed")
    expect(Either.getOrThrow(run(real, real.sns.openBody(stored)))).toBe("second")
    expect(real.kms.issued).toHaveLength(1)
    // The key is checked on every publish (docs/SEMANTICS.md §1.7), cached data key or not.
    real.kms.setState("alias/one", "Disabled")
    expect(now(sealed, "third")).toBe(false)
    expect(Either.flip(run(real, real.sns.publish(input(sealed, "third"), ctx))).pipe(Either.map((e) => e._tag))).toEqual(Either.right("KMSDisabled"))
    expect(now(fifo, "fourth")).toBe(false)
    expect(answers).toHaveLength(1)
  })

  it("openBodyNow opens in place only with a data key opened in the last 5 minutes; a changed byte is refused", () => {
    const { real } = setup(13)()
    const ctx = ctxOf(1)
    const arn = Either.getOrThrow(run(real, real.sns.createTopic({ name: "t", attributes: { KmsMasterKeyId: "alias/one" }, tags: [], dataProtectionPolicy: undefined }, ctx))).topicArn
    const publish = (message: string) =>
      storedBody(real, Either.getOrThrow(run(real, real.sns.publish({ topicArn: arn, targetArn: undefined, phoneNumber: undefined, message, subject: undefined, messageStructure: undefined, messageAttributes: {}, messageGroupId: undefined, messageDeduplicationId: undefined }, ctx))).messageId)!
    const first = publish("first")
    // Its data key has not been opened yet: that takes a KMS Decrypt, which only `openBody` makes.
    expect(real.sns.openBodyNow(first, real.clock.now())).toBeUndefined()
    expect(Either.getOrThrow(run(real, real.sns.openBody(first)))).toBe("first")
    expect(real.sns.openBodyNow(first, real.clock.now())).toEqual(Either.right("first"))
    expect(real.kms.decrypts.count).toBe(1)
    // A changed byte of the ciphertext does not authenticate (SP 800-38D §7.2).
    if (first.body._tag !== "Sealed") throw new Error("expected a sealed body")
    const ciphertext = Uint8Array.from(first.body.envelope.ciphertext)
    ciphertext[0] = ciphertext[0]! ^ 1
    const tampered = { ...first, body: { ...first.body, envelope: { ...first.body.envelope, ciphertext } } }
    expect(Either.flip(real.sns.openBodyNow(tampered, real.clock.now())!).pipe(Either.map((e) => e._tag))).toEqual(Either.right("CipherOpenError"))
    // Past the 5 minutes the opened data key is not reused, and KMS is asked again.
    real.clock.advance(5 * 60_000 + 1)
    expect(real.sns.openBodyNow(first, real.clock.now())).toBeUndefined()
    // A plain body is its own text.
    const plainArn = Either.getOrThrow(run(real, real.sns.createTopic({ name: "plain", attributes: {}, tags: [], dataProtectionPolicy: undefined }, ctx))).topicArn
    const plain = storedBody(real, Either.getOrThrow(run(real, real.sns.publish({ topicArn: plainArn, targetArn: undefined, phoneNumber: undefined, message: "open", subject: undefined, messageStructure: undefined, messageAttributes: {}, messageGroupId: undefined, messageDeduplicationId: undefined }, ctx))).messageId)!
    expect(real.sns.openBodyNow(plain, real.clock.now())).toEqual(Either.right("open"))
  })
})
