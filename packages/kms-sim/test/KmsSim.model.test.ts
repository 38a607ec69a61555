/**
 * The key lifecycle against a deliberately simple model of who may do what in which state.
 *
 * The model knows four states per key (Enabled, Disabled, PendingDeletion and Deleted, the last
 * reached only by the clock passing a deletion date), which alias names point at which key, and
 * every ciphertext made so far with its plaintext and context, and the grants each key gives another
 * account's user (KMS Developer Guide, "Grants in AWS KMS"). Each command acts on the real
 * simulator, predicts the outcome from the model alone (success or the exact error tag), and
 * compares.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Layer, ManagedRuntime, TestClock, TestContext } from "effect"
import * as fc from "fast-check"
import { KmsSim } from "../src/KmsSim.js"
import { caller, kmsLayer, outsider } from "./support.js"

/** A user of another account, whom only a grant lets use the keys. */
const grantee = { accountId: outsider.accountId, principalArn: `arn:aws:iam::${outsider.accountId}:user/grantee` }

const DAY = 86_400_000

type State = "Enabled" | "Disabled" | "PendingDeletion" | "Deleted"
interface ModelKey {
  readonly keyId: string
  readonly arn: string
  state: State
  /** Live grants to `grantee` for Encrypt: their ids and the tenant an EncryptionContextSubset demands. */
  readonly grants: Array<{ readonly grantId: string; readonly tenant: string | undefined }>
  deleteAt?: number
}
interface Model {
  now: number
  readonly keys: Array<ModelKey>
  readonly aliases: Map<string, number>
  readonly ciphertexts: Array<{ readonly key: number; readonly blob: Uint8Array; readonly plaintext: Uint8Array; readonly context: Record<string, string> }>
}
interface Real {
  readonly run: <A, E>(effect: Effect.Effect<A, E, KmsSim>) => Promise<Either.Either<A, E>>
}

type Outcome = "ok" | "NotFoundException" | "DisabledException" | "KMSInvalidStateException" | "AlreadyExistsException" | "InvalidCiphertextException"

const tagOf = <A, E extends { readonly _tag: string }>(result: Either.Either<A, E>): string => (Either.isLeft(result) ? result.left._tag : "ok")

/** Who may use a key for cryptography in each state (KMS Developer Guide, "Key states"). */
const useOutcome = (state: State): Outcome =>
  state === "Deleted" ? "NotFoundException" : state === "Disabled" ? "DisabledException" : state === "PendingDeletion" ? "KMSInvalidStateException" : "ok"

/** Management of a key: anything but CancelKeyDeletion is refused while pending deletion. */
const manageOutcome = (state: State): Outcome =>
  state === "Deleted" ? "NotFoundException" : state === "PendingDeletion" ? "KMSInvalidStateException" : "ok"

const pick = (m: Model, index: number) => {
  const i = index % m.keys.length
  return { i, key: m.keys[i]! }
}
const hasKeys = (m: Model) => m.keys.length > 0

type Command = fc.AsyncCommand<Model, Real>

class CreateKey implements Command {
  check = () => true
  async run(m: Model, r: Real) {
    const result = await r.run(Effect.flatMap(KmsSim, (kms) => kms.createKey({}, caller)))
    expect(tagOf(result)).toBe("ok")
    if (Either.isRight(result)) m.keys.push({ keyId: result.right.KeyMetadata.KeyId, arn: result.right.KeyMetadata.Arn, state: "Enabled", grants: [] })
  }
  toString = () => "CreateKey"
}

class SetEnabled implements Command {
  constructor(readonly index: number, readonly enabled: boolean) {}
  check = hasKeys
  async run(m: Model, r: Real) {
    const { key } = pick(m, this.index)
    const request = { KeyId: key.keyId }
    const result = await r.run(Effect.flatMap(KmsSim, (kms) => (this.enabled ? kms.enableKey(request, caller) : kms.disableKey(request, caller))))
    const expected = manageOutcome(key.state)
    expect(tagOf(result)).toBe(expected)
    if (expected === "ok") key.state = this.enabled ? "Enabled" : "Disabled"
  }
  toString = () => `${this.enabled ? "EnableKey" : "DisableKey"}(key#${this.index})`
}

class ScheduleDeletion implements Command {
  constructor(readonly index: number, readonly days: number) {}
  check = hasKeys
  async run(m: Model, r: Real) {
    const { key } = pick(m, this.index)
    const result = await r.run(Effect.flatMap(KmsSim, (kms) => kms.scheduleKeyDeletion({ KeyId: key.keyId, PendingWindowInDays: this.days }, caller)))
    const expected = manageOutcome(key.state)
    expect(tagOf(result)).toBe(expected)
    if (expected === "ok") {
      key.state = "PendingDeletion"
      key.deleteAt = m.now + this.days * DAY
    }
  }
  toString = () => `ScheduleKeyDeletion(key#${this.index}, ${this.days} days)`
}

class CancelDeletion implements Command {
  constructor(readonly index: number) {}
  check = hasKeys
  async run(m: Model, r: Real) {
    const { key } = pick(m, this.index)
    const result = await r.run(Effect.flatMap(KmsSim, (kms) => kms.cancelKeyDeletion({ KeyId: key.keyId }, caller)))
    const expected: Outcome = key.state === "Deleted" ? "NotFoundException" : key.state === "PendingDeletion" ? "ok" : "KMSInvalidStateException"
    expect(tagOf(result)).toBe(expected)
    if (expected === "ok") {
      key.state = "Disabled"
      delete key.deleteAt
    }
  }
  toString = () => `CancelKeyDeletion(key#${this.index})`
}

class AdvanceClock implements Command {
  constructor(readonly ms: number) {}
  check = () => true
  async run(m: Model, r: Real) {
    await r.run(TestClock.adjust(this.ms))
    m.now += this.ms
    m.keys.forEach((key, i) => {
      if (key.state === "PendingDeletion" && key.deleteAt !== undefined && key.deleteAt <= m.now) {
        key.state = "Deleted"
        for (const [name, target] of m.aliases) if (target === i) m.aliases.delete(name)
      }
    })
  }
  toString = () => `AdvanceClock(${this.ms % DAY === 0 ? `${this.ms / DAY} days` : `${this.ms / 3_600_000} hours`})`
}

class CreateAlias implements Command {
  constructor(readonly name: string, readonly index: number) {}
  check = hasKeys
  async run(m: Model, r: Real) {
    const { i, key } = pick(m, this.index)
    const result = await r.run(Effect.flatMap(KmsSim, (kms) => kms.createAlias({ AliasName: this.name, TargetKeyId: key.keyId }, caller)))
    const target = manageOutcome(key.state)
    const expected: Outcome = target !== "ok" ? target : m.aliases.has(this.name) ? "AlreadyExistsException" : "ok"
    expect(tagOf(result)).toBe(expected)
    if (expected === "ok") m.aliases.set(this.name, i)
  }
  toString = () => `CreateAlias(${this.name} -> key#${this.index})`
}

class UpdateAlias implements Command {
  constructor(readonly name: string, readonly index: number) {}
  check = hasKeys
  async run(m: Model, r: Real) {
    const { i, key } = pick(m, this.index)
    const result = await r.run(Effect.flatMap(KmsSim, (kms) => kms.updateAlias({ AliasName: this.name, TargetKeyId: key.keyId }, caller)))
    const expected: Outcome = m.aliases.has(this.name) ? manageOutcome(key.state) : "NotFoundException"
    expect(tagOf(result)).toBe(expected)
    if (expected === "ok") m.aliases.set(this.name, i)
  }
  toString = () => `UpdateAlias(${this.name} -> key#${this.index})`
}

class DeleteAlias implements Command {
  constructor(readonly name: string) {}
  check = () => true
  async run(m: Model, r: Real) {
    const result = await r.run(Effect.flatMap(KmsSim, (kms) => kms.deleteAlias({ AliasName: this.name }, caller)))
    expect(tagOf(result)).toBe(m.aliases.has(this.name) ? "ok" : "NotFoundException")
    m.aliases.delete(this.name)
  }
  toString = () => `DeleteAlias(${this.name})`
}

type Target = { readonly _tag: "Key"; readonly index: number } | { readonly _tag: "Alias"; readonly name: string }

/** The key a target names now, and what using it must answer. */
const resolveTarget = (m: Model, target: Target): { readonly keyId: string; readonly key?: number; readonly expected: Outcome } => {
  if (target._tag === "Alias") {
    const key = m.aliases.get(target.name)
    return key === undefined ? { keyId: target.name, expected: "NotFoundException" } : { keyId: target.name, key, expected: useOutcome(m.keys[key]!.state) }
  }
  const { i, key } = pick(m, target.index)
  return { keyId: key.keyId, key: i, expected: useOutcome(key.state) }
}
const showTarget = (t: Target) => (t._tag === "Alias" ? t.name : `key#${t.index}`)
const showContext = (c: Record<string, string>) => JSON.stringify(c)

class Encrypt implements Command {
  constructor(readonly target: Target, readonly plaintext: Uint8Array, readonly context: Record<string, string>) {}
  check = (m: Model) => this.target._tag === "Alias" || hasKeys(m)
  async run(m: Model, r: Real) {
    const { keyId, key, expected } = resolveTarget(m, this.target)
    const result = await r.run(
      Effect.flatMap(KmsSim, (kms) => kms.encrypt({ KeyId: keyId, Plaintext: this.plaintext, EncryptionContext: this.context }, caller))
    )
    expect(tagOf(result)).toBe(expected)
    if (Either.isRight(result) && key !== undefined) {
      m.ciphertexts.push({ key, blob: result.right.CiphertextBlob, plaintext: this.plaintext, context: this.context })
    }
  }
  toString = () => `Encrypt(${showTarget(this.target)}, ${this.plaintext.length} bytes, ${showContext(this.context)})`
}

class GenerateDataKey implements Command {
  constructor(readonly target: Target, readonly context: Record<string, string>) {}
  check = (m: Model) => this.target._tag === "Alias" || hasKeys(m)
  async run(m: Model, r: Real) {
    const { keyId, key, expected } = resolveTarget(m, this.target)
    const result = await r.run(
      Effect.flatMap(KmsSim, (kms) => kms.generateDataKey({ KeyId: keyId, KeySpec: "AES_256", EncryptionContext: this.context }, caller))
    )
    expect(tagOf(result)).toBe(expected)
    if (Either.isRight(result) && key !== undefined) {
      expect(result.right.KeyId).toContain(m.keys[key]!.keyId)
      m.ciphertexts.push({ key, blob: result.right.CiphertextBlob, plaintext: result.right.Plaintext, context: this.context })
    }
  }
  toString = () => `GenerateDataKey(${showTarget(this.target)}, ${showContext(this.context)})`
}

class Decrypt implements Command {
  constructor(readonly index: number, readonly sameContext: boolean) {}
  check = (m: Model) => m.ciphertexts.length > 0
  async run(m: Model, r: Real) {
    const c = m.ciphertexts[this.index % m.ciphertexts.length]!
    const context = this.sameContext ? c.context : { ...c.context, tampered: "yes" }
    const result = await r.run(Effect.flatMap(KmsSim, (kms) => kms.decrypt({ CiphertextBlob: c.blob, EncryptionContext: context }, caller)))
    const use = useOutcome(m.keys[c.key]!.state)
    const expected: Outcome = use !== "ok" ? use : this.sameContext ? "ok" : "InvalidCiphertextException"
    expect(tagOf(result)).toBe(expected)
    if (Either.isRight(result)) expect(result.right.Plaintext).toEqual(c.plaintext)
  }
  toString = () => `Decrypt(ciphertext#${this.index}${this.sameContext ? "" : ", other context"})`
}

class Rotate implements Command {
  constructor(readonly index: number) {}
  check = hasKeys
  async run(m: Model, r: Real) {
    const { key } = pick(m, this.index)
    const result = await r.run(Effect.flatMap(KmsSim, (kms) => kms.rotateKeyOnDemand({ KeyId: key.keyId }, caller)))
    expect(tagOf(result)).toBe(useOutcome(key.state))
  }
  toString = () => `RotateKeyOnDemand(key#${this.index})`
}

class Describe implements Command {
  constructor(readonly index: number) {}
  check = hasKeys
  async run(m: Model, r: Real) {
    const { key } = pick(m, this.index)
    const result = await r.run(Effect.flatMap(KmsSim, (kms) => kms.describeKey({ KeyId: key.keyId }, caller)))
    if (key.state === "Deleted") expect(tagOf(result)).toBe("NotFoundException")
    else expect(Either.map(result, (x) => x.KeyMetadata.KeyState)).toEqual(Either.right(key.state))
  }
  toString = () => `DescribeKey(key#${this.index})`
}

class GrantEncrypt implements Command {
  constructor(readonly index: number, readonly tenant: string | undefined) {}
  check = hasKeys
  async run(m: Model, r: Real) {
    const { key } = pick(m, this.index)
    const result = await r.run(
      Effect.flatMap(KmsSim, (kms) =>
        kms.createGrant({
          KeyId: key.keyId,
          GranteePrincipal: grantee.principalArn,
          Operations: ["Encrypt"],
          ...(this.tenant === undefined ? {} : { Constraints: { EncryptionContextSubset: { tenant: this.tenant } } })
        }, caller)
      )
    )
    expect(tagOf(result)).toBe(manageOutcome(key.state))
    if (Either.isRight(result)) key.grants.push({ grantId: result.right.GrantId, tenant: this.tenant })
  }
  toString = () => `CreateGrant(key#${this.index}, Encrypt${this.tenant === undefined ? "" : `, tenant=${this.tenant}`})`
}

class RevokeGrant implements Command {
  constructor(readonly index: number, readonly grant: number) {}
  check = hasKeys
  async run(m: Model, r: Real) {
    const { key } = pick(m, this.index)
    const grantId = key.grants[this.grant % Math.max(1, key.grants.length)]?.grantId ?? "0".repeat(64)
    const result = await r.run(Effect.flatMap(KmsSim, (kms) => kms.revokeGrant({ KeyId: key.keyId, GrantId: grantId }, caller)))
    const present = key.grants.some((g) => g.grantId === grantId)
    expect(tagOf(result)).toBe(key.state === "Deleted" ? "NotFoundException" : present ? "ok" : "InvalidGrantIdException")
    if (Either.isRight(result)) key.grants.splice(key.grants.findIndex((g) => g.grantId === grantId), 1)
  }
  toString = () => `RevokeGrant(key#${this.index}, grant#${this.grant})`
}

class GranteeEncrypt implements Command {
  constructor(readonly index: number, readonly context: Record<string, string>) {}
  check = hasKeys
  async run(m: Model, r: Real) {
    const { key } = pick(m, this.index)
    const result = await r.run(
      Effect.flatMap(KmsSim, (kms) => kms.encrypt({ KeyId: key.arn, Plaintext: Uint8Array.of(1), EncryptionContext: this.context }, grantee))
    )
    // The key is found first, then the grant decides, then the key's state.
    const granted = key.grants.some((g) => g.tenant === undefined || this.context["tenant"] === g.tenant)
    expect(tagOf(result)).toBe(key.state === "Deleted" ? "NotFoundException" : granted ? useOutcome(key.state) : "AccessDeniedException")
  }
  toString = () => `Encrypt(key#${this.index}, ${showContext(this.context)}) as the grantee`
}

const index = fc.nat({ max: 7 })
const aliasName = fc.constantFrom("alias/a", "alias/b", "alias/c")
const target: fc.Arbitrary<Target> = fc.oneof(
  index.map((i): Target => ({ _tag: "Key", index: i })),
  aliasName.map((name): Target => ({ _tag: "Alias", name }))
)
const context = fc.dictionary(fc.constantFrom("tenant", "topic", "t"), fc.string({ maxLength: 3 }), { maxKeys: 2 })

const commands = fc.commands<Model, Real, false>(
  [
    fc.constant(new CreateKey()),
    fc.tuple(index, fc.boolean()).map(([i, on]) => new SetEnabled(i, on)),
    fc.tuple(index, fc.integer({ min: 7, max: 30 })).map(([i, d]) => new ScheduleDeletion(i, d)),
    index.map((i) => new CancelDeletion(i)),
    fc.constantFrom(3_600_000, DAY, 7 * DAY, 31 * DAY).map((ms) => new AdvanceClock(ms)),
    fc.tuple(aliasName, index).map(([n, i]) => new CreateAlias(n, i)),
    fc.tuple(aliasName, index).map(([n, i]) => new UpdateAlias(n, i)),
    aliasName.map((n) => new DeleteAlias(n)),
    fc.tuple(target, fc.uint8Array({ minLength: 1, maxLength: 64 }), context).map(([t, p, c]) => new Encrypt(t, p, c)),
    fc.tuple(target, context).map(([t, c]) => new GenerateDataKey(t, c)),
    fc.tuple(fc.nat({ max: 31 }), fc.boolean()).map(([i, same]) => new Decrypt(i, same)),
    index.map((i) => new Rotate(i)),
    index.map((i) => new Describe(i)),
    fc.tuple(index, fc.option(fc.constantFrom("a", "b"), { nil: undefined })).map(([i, t]) => new GrantEncrypt(i, t)),
    fc.tuple(index, fc.nat({ max: 3 })).map(([i, g]) => new RevokeGrant(i, g)),
    fc.tuple(index, fc.dictionary(fc.constantFrom("tenant", "t"), fc.constantFrom("a", "b"), { maxKeys: 2 })).map(([i, c]) => new GranteeEncrypt(i, c))
  ],
  { maxCommands: 40 }
)

describe("KmsSim key lifecycle (model-based)", () => {
  it("agrees with the model on every outcome, across states, aliases, rotation, grants and time", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 31 - 1 }), commands, async (seed, cmds) => {
        const runtime = ManagedRuntime.make(Layer.merge(kmsLayer(seed), TestContext.TestContext))
        const real: Real = { run: (effect) => runtime.runPromise(Effect.either(effect)) }
        try {
          await fc.asyncModelRun(() => ({ model: { now: 0, keys: [], aliases: new Map(), ciphertexts: [] }, real }), cmds)
        } finally {
          await runtime.dispose()
        }
      }),
      { numRuns: 1000 }
    )
  }, 120_000)
})
