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
  /** A random (version 4) UUID, RFC 9562 §5.4: SNS message ids, subscription ids, KMS key ids. */
  readonly uuid: Effect.Effect<string>
}

/**
 * @category services
 */
export class Ids extends Context.Tag("@sealcast/core/Ids")<Ids, IdsService>() {}

const hex = (bytes: Uint8Array): string => {
  let out = ""
  for (const b of bytes) out += b.toString(16).padStart(2, "0")
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
  const h = hex(b)
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`
}

const fromSource = (source: (n: number) => Uint8Array): IdsService => ({
  randomBytes: (n) => Effect.sync(() => source(n)),
  uuid: Effect.sync(() => uuidFromBytes(source(16)))
})

/** Bytes drawn from the platform's CSPRNG at a time: one call serves many ids and nonces. */
const POOL_BYTES = 4096

/**
 * A CSPRNG source that draws in 4 KiB blocks. Each `getRandomValues` call crosses into the platform,
 * which costs far more than copying out a few bytes, so ids and nonces come from the block until it is
 * used up. Every byte is handed out once; none is reused.
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
