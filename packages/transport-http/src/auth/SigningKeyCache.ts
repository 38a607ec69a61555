/**
 * A small bounded cache of SigV4 signing keys.
 *
 * A signing key is four chained HMACs and depends only on (secret, date, region, service), so every
 * request of a day under one key derives the same one, and deriving it once per scope is what AWS
 * recommends (AWS General Reference, "Calculate the signature"). Least recently used keys are evicted
 * first.
 *
 * @since 0.1.0
 */

/**
 * @category models
 */
export interface SigningKeyCache {
  /** The cached key for these inputs, or `derive()`'s result, remembered. */
  readonly get: (
    secretAccessKey: string,
    date: string,
    region: string,
    service: string,
    derive: () => Uint8Array
  ) => Uint8Array
  /** How many keys are held now (never more than the capacity). */
  readonly size: () => number
}

/**
 * A cache holding at most `capacity` keys.
 *
 * @category constructors
 */
export const makeSigningKeyCache = (capacity = 64): SigningKeyCache => {
  // A Map iterates in insertion order, so re-inserting on every hit keeps the oldest entry first.
  const entries = new Map<string, Uint8Array>()
  // The key answered last, with its inputs. A client signs request after request under one key, so
  // most lookups ask for it again; it is already the most recently used, so it is answered without
  // building its id or reordering the map. It is always one of the entries, the newest.
  let last:
    | { readonly secretAccessKey: string; readonly date: string; readonly region: string; readonly service: string; readonly key: Uint8Array }
    | undefined
  return {
    get: (secretAccessKey, date, region, service, derive) => {
      if (
        last !== undefined && last.secretAccessKey === secretAccessKey && last.date === date && last.region === region &&
        last.service === service
      ) {
        return last.key
      }
      // Each part is prefixed with its length, so no two different inputs share an id.
      const id = `${date.length}:${date}${region.length}:${region}${service.length}:${service}${secretAccessKey}`
      const cached = entries.get(id)
      if (cached !== undefined) {
        entries.delete(id)
        entries.set(id, cached)
        last = { secretAccessKey, date, region, service, key: cached }
        return cached
      }
      const key = derive()
      entries.set(id, key)
      if (entries.size > capacity) {
        const oldest = entries.keys().next()
        if (oldest.done !== true) entries.delete(oldest.value)
      }
      // With no room at all the new key was evicted at once, and is not remembered either.
      last = entries.has(id) ? { secretAccessKey, date, region, service, key } : undefined
      return key
    },
    size: () => entries.size
  }
}
