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

/** Two hex digits for each byte value, made once: ids are formatted on every publish. */
const HEX_BYTE = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"))

const hex = (bytes: Uint8Array, from: number, to: number): string => {
  let out = ""
  for (let i = from; i < to; i++) out += HEX_BYTE[bytes[i]!]
  return out
}

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

const formatUuid = (b: Uint8Array): string =>
  `${hex(b, 0, 4)}-${hex(b, 4, 6)}-${hex(b, 6, 8)}-${hex(b, 8, 10)}-${hex(b, 10, 16)}`

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
  const b = new Uint8Array(16)
  let ms = Math.max(0, Math.floor(unixMs))
  for (let i = 5; i >= 0; i--) {
    b[i] = ms % 256
    ms = Math.floor(ms / 256)
  }
  b.set(random.subarray(0, UUID_V7_RANDOM_BYTES), 6)
  b[6] = (b[6]! & 0x0f) | 0x70
  b[8] = (b[8]! & 0x3f) | 0x80
  return formatUuid(b)
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
