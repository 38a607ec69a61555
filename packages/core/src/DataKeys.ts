/**
 * The data-key caches of one service: the sealing cache (a data key per topic or queue, key and
 * sending principal, reused under the rules of `DataKeyCache`) and the opening cache (a decrypted data
 * key per encrypted data key, reused for 5 minutes at delivery). docs/SEMANTICS.md §1.7 and §8.
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer } from "effect"
import * as DataKeyCache from "./DataKeyCache.js"
import * as EncryptionContext from "./EncryptionContext.js"
import type { KmsFailure } from "./Errors.js"
import { type DataKey, Kms, type KmsCaller, type KmsPort } from "./Kms.js"

/**
 * @category models
 */
export interface DataKeysService<E = KmsFailure> {
  /**
   * The cached data key for this scope if the reuse rules allow one more message under it (counted
   * as used), else undefined. Synchronous: the hot path of a sealed publish.
   */
  readonly reuse: (scope: DataKeyCache.Scope, at: number) => DataKey | undefined
  /**
   * A data key for this scope: the cached one if still reusable, else a fresh one from KMS. Misses
   * take a lock and look again, so concurrent publishes make one GenerateDataKey call, not one each.
   */
  readonly forSealing: (scope: DataKeyCache.Scope, caller: KmsCaller, at: number) => Effect.Effect<DataKey, E>
  /** The plaintext of an encrypted data key opened in the last 5 minutes, else undefined. */
  readonly opened: (encryptedDataKey: Uint8Array, at: number) => Uint8Array | undefined
  /** Decrypts an encrypted data key with KMS and remembers its plaintext; expired entries are dropped. */
  readonly forOpening: (
    encryptedDataKey: Uint8Array,
    resourceArn: string,
    caller: KmsCaller,
    at: number
  ) => Effect.Effect<Uint8Array, E>
}

/**
 * @category tags
 */
export class DataKeys extends Context.Tag("@sealcast/core/DataKeys")<DataKeys, DataKeysService>() {}

/**
 * A sealing cache entry whose count of uses goes up in place, not by a new entry per sealed message
 * (docs/PERFORMANCE.md, "The seal line without scratch arrays").
 */
interface CountedEntry extends DataKeyCache.Entry {
  uses: number
}

/** The opening cache's key: the encrypted data key's bytes, one character each. */
const bytesKey = (bytes: Uint8Array): string => String.fromCharCode.apply(null, bytes as unknown as Array<number>)

/**
 * The caches over one KMS port; `contextOf` is the encryption context of a resource's data keys
 * (`EncryptionContext.forTopic`, `forQueue`).
 *
 * @category constructors
 */
export const makeWith = <E>(
  kms: KmsPort<E>,
  contextOf: (resourceArn: string) => EncryptionContext.EncryptionContext
): Effect.Effect<DataKeysService<E>> => Effect.gen(function* () {
  /**
   * The sealing cache, by resource ARN, then one entry per key identifier and sending principal: a
   * resource has few, so a scan finds its scope without building a key text on every seal
   * (docs/PERFORMANCE.md, "A sealed publish: the key check remembered").
   */
  const sealing = new Map<string, Array<CountedEntry>>()
  const sealingLock = yield* Effect.makeSemaphore(1)
  const opening = new Map<string, { readonly plaintext: Uint8Array; readonly openedAt: number }>()

  /** Where `scope`'s entry is among its resource's, else -1. */
  const indexOf = (entries: ReadonlyArray<DataKeyCache.Entry>, scope: DataKeyCache.Scope): number => {
    for (let i = 0; i < entries.length; i++) {
      const cached = entries[i]!.scope
      if (cached.kmsKeyId === scope.kmsKeyId && cached.principalArn === scope.principalArn) return i
    }
    return -1
  }

  const remember = (entry: CountedEntry): void => {
    const entries = sealing.get(entry.scope.resourceArn)
    if (entries === undefined) return void sealing.set(entry.scope.resourceArn, [entry])
    const i = indexOf(entries, entry.scope)
    if (i < 0) entries.push(entry)
    else entries[i] = entry
  }

  const reuse = (scope: DataKeyCache.Scope, at: number): DataKey | undefined => {
    const entries = sealing.get(scope.resourceArn)
    if (entries === undefined) return undefined
    const i = indexOf(entries, scope)
    const cached = entries[i]
    if (cached === undefined || !DataKeyCache.canReuse(cached, scope, at)) return undefined
    cached.uses++
    return cached.dataKey
  }

  const service: DataKeysService<E> = {
    reuse,
    forSealing: (scope, caller, at) =>
      Effect.suspend(() => {
        const hit = reuse(scope, at)
        if (hit !== undefined) return Effect.succeed(hit)
        return sealingLock.withPermits(1)(
          Effect.suspend(() => {
            const again = reuse(scope, at)
            if (again !== undefined) return Effect.succeed(again)
            return Effect.map(kms.generateDataKey(scope.kmsKeyId, contextOf(scope.resourceArn), caller), (dataKey) => {
              remember({ scope, dataKey, createdAt: at, uses: 1 })
              return dataKey
            })
          })
        )
      }),
    opened: (encryptedDataKey, at) => {
      const opened = opening.get(bytesKey(encryptedDataKey))
      return opened !== undefined && DataKeyCache.canReuseOpened(opened.openedAt, at) ? opened.plaintext : undefined
    },
    forOpening: (encryptedDataKey, resourceArn, caller, at) =>
      Effect.map(kms.decrypt(encryptedDataKey, contextOf(resourceArn), caller), ({ plaintext }) => {
        opening.set(bytesKey(encryptedDataKey), { plaintext, openedAt: at })
        for (const [k, v] of opening) if (!DataKeyCache.canReuseOpened(v.openedAt, at)) opening.delete(k)
        return plaintext
      })
  }
  return service
})

/**
 * The caches of SNS, over the `Kms` port, for topics.
 *
 * @category constructors
 */
export const make: Effect.Effect<DataKeysService, never, Kms> = Effect.flatMap(Kms, (kms) => makeWith(kms, EncryptionContext.forTopic))

/**
 * @category layers
 */
export const layer: Layer.Layer<DataKeys, never, Kms> = Layer.effect(DataKeys, make)
