/**
 * Randomness as a service: message ids, subscription ids and tokens, nonces, data-key material.
 *
 * Nothing else in the core draws random numbers, so a test can provide a seeded layer and replay any
 * history byte for byte.
 *
 * @since 0.1.0
 */
import { randomBytes as cryptoRandomBytes } from "@noble/hashes/utils.js"
import { Context, Effect, Layer } from "effect"

/**
 * @category models
 */
export interface IdsService {
  /** `n` bytes from a cryptographically secure source (or the test's seeded one). */
  readonly randomBytes: (n: number) => Effect.Effect<Uint8Array>
  /** A random (version 4) UUID, RFC 9562 §5.4: subscription ids, tokens' ids, KMS key ids. */
  readonly uuid: Effect.Effect<string>
  /**
   * `randomBytes` as a plain call, for hot paths that already run inside an effect (Effect's naming:
   * `unsafe` marks a side effect performed where it is called, not described for later).
   */
  readonly unsafeRandomBytes: (n: number) => Uint8Array
  /** A time-ordered (version 7) UUID for the instant `unixMs`: SNS message ids (`uuidV7FromBytes`). */
  readonly unsafeUuidV7: (unixMs: number) => string
}

/**
 * @category services
 */
export class Ids extends Context.Tag("@sealcast/core/Ids")<Ids, IdsService>() {}

/** The ASCII codes of the hex digits: ids are formatted on every publish. */
const HEX_DIGIT = Array.from("0123456789abcdef", (digit) => digit.charCodeAt(0))

/** The hex digit of a byte's high half. */
const high = (byte: number): number => HEX_DIGIT[byte >>> 4]!

/** The hex digit of a byte's low half. */
const low = (byte: number): number => HEX_DIGIT[byte & 0x0f]!

const DASH = 0x2d

/**
 * Formats 16 random bytes as a version-4 UUID: the version nibble is 4 and the variant bits are
 * `10` (RFC 9562 §4.1, §4.2).
 *
 * @category utils
 */
export const uuidFromBytes = (random: Uint8Array): string => {
  const b = random.slice(0, 16)
  b[6] = (b[6]! & 0x0f) | 0x40
  b[8] = (b[8]! & 0x3f) | 0x80
  return formatUuid(b)
}

// One string made from its 36 character codes, not pieces joined: the pieces would be joined again
// when the id is first read (docs/PERFORMANCE.md, "The embedded publish: one wait for the commit").
const formatUuid = (b: Uint8Array): string =>
  String.fromCharCode(
    high(b[0]!), low(b[0]!), high(b[1]!), low(b[1]!), high(b[2]!), low(b[2]!), high(b[3]!), low(b[3]!), DASH,
    high(b[4]!), low(b[4]!), high(b[5]!), low(b[5]!), DASH,
    high(b[6]!), low(b[6]!), high(b[7]!), low(b[7]!), DASH,
    high(b[8]!), low(b[8]!), high(b[9]!), low(b[9]!), DASH,
    high(b[10]!), low(b[10]!), high(b[11]!), low(b[11]!), high(b[12]!), low(b[12]!),
    high(b[13]!), low(b[13]!), high(b[14]!), low(b[14]!), high(b[15]!), low(b[15]!)
  )

/** Random bytes a version-7 UUID takes: its last 10 bytes, of which 74 bits stay random. */
export const UUID_V7_RANDOM_BYTES = 10

/**
 * Formats a version-7 UUID (RFC 9562 §5.7): the first 48 bits are `unixMs` big-endian, then the
 * version nibble 7, the variant bits `10`, and 74 bits from `random`.
 *
 * Message ids are made this way: ids that grow with time keep the store's index local (RFC 9562 §6.2;
 * docs/PERFORMANCE.md, "Message ids: UUIDv7"). The 74 random bits keep ids unguessable, and clients treat a MessageId as an
 * opaque string (SNS API reference, Publish: "Unique identifier assigned to the published message").
 *
 * @category utils
 */
export const uuidV7FromBytes = (unixMs: number, random: Uint8Array): string => {
  const ms = Math.max(0, Math.floor(unixMs))
  // The 48 bits as a 32-bit and a 16-bit part: JavaScript's bit operators take 32 bits.
  const ms32 = Math.floor(ms / 0x10000)
  const ms16 = ms % 0x10000
  const t0 = (ms32 >>> 24) & 0xff
  const t1 = (ms32 >>> 16) & 0xff
  const t2 = (ms32 >>> 8) & 0xff
  const t3 = ms32 & 0xff
  const t4 = ms16 >>> 8
  const t5 = ms16 & 0xff
  const version = (random[0]! & 0x0f) | 0x70
  const variant = (random[2]! & 0x3f) | 0x80
  const r = random
  return String.fromCharCode(
    high(t0), low(t0), high(t1), low(t1), high(t2), low(t2), high(t3), low(t3), DASH,
    high(t4), low(t4), high(t5), low(t5), DASH,
    high(version), low(version), high(r[1]!), low(r[1]!), DASH,
    high(variant), low(variant), high(r[3]!), low(r[3]!), DASH,
    high(r[4]!), low(r[4]!), high(r[5]!), low(r[5]!), high(r[6]!), low(r[6]!),
    high(r[7]!), low(r[7]!), high(r[8]!), low(r[8]!), high(r[9]!), low(r[9]!)
  )
}

const fromSource = (source: (n: number) => Uint8Array): IdsService => {
  return {
    randomBytes: (n) => Effect.sync(() => source(n)),
    uuid: Effect.sync(() => uuidFromBytes(source(16))),
    unsafeRandomBytes: source,
    unsafeUuidV7: (unixMs) => uuidV7FromBytes(unixMs, source(UUID_V7_RANDOM_BYTES))
  }
}

/** Bytes drawn from the platform's CSPRNG at a time: one call serves many ids and nonces. */
const POOL_BYTES = 4096

/**
 * A CSPRNG source that draws in 4 KiB blocks, since a call into the platform costs far more than
 * copying a few bytes (docs/PERFORMANCE.md, "Random bytes in blocks"). Every byte is handed out once;
 * none is reused.
 *
 * @category constructors
 */
export const makePooled = (fill: (n: number) => Uint8Array = cryptoRandomBytes): ((n: number) => Uint8Array) => {
  let pool: Uint8Array = new Uint8Array(0)
  let at = 0
  return (n) => {
    if (n > POOL_BYTES) return fill(n)
    if (at + n > pool.length) {
      pool = fill(POOL_BYTES)
      at = 0
    }
    const out = pool.slice(at, at + n)
    at += n
    return out
  }
}

/**
 * The production layer: the platform's CSPRNG (`crypto.getRandomValues`, present in Node 20 and
 * every browser) through `@noble/hashes`, drawn in blocks.
 *
 * @category layers
 */
export const layerCrypto: Layer.Layer<Ids> = Layer.sync(Ids, () => fromSource(makePooled()))

/**
 * A deterministic source for tests: xorshift32 from `seed`. Never for real keys.
 *
 * @category constructors
 */
export const makeSeeded = (seed: number): IdsService => {
  let state = seed >>> 0 || 0x9e3779b9
  return fromSource((n) => {
    const out = new Uint8Array(n)
    for (let i = 0; i < n; i++) {
      state ^= state << 13
      state >>>= 0
      state ^= state >>> 17
      state ^= state << 5
      state >>>= 0
      out[i] = state & 0xff
    }
    return out
  })
}

/**
 * @category layers
 */
export const layerSeeded = (seed: number): Layer.Layer<Ids> => Layer.sync(Ids, () => makeSeeded(seed))
