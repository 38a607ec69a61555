/**
 * When a data key may be reused.
 *
 * docs/SEMANTICS.md §1.7: SNS reuses a data key for up to 5 minutes per topic and publishing principal, so
 * it calls KMS about once per topic and principal every 5 minutes (the SNS guide's cost formula).
 * Sealcast adds a cap on messages per data key: with random 96-bit nonces, NIST SP 800-38D §8.3 bounds
 * the invocations of one key to 2^32; we stop at 2^24, where the chance of any nonce repeating is below
 * 2^-49 (birthday bound: n² / 2^97).
 *
 * SQS does the same per queue, for the queue's KmsDataKeyReusePeriodSeconds (docs/SEMANTICS.md §8).
 *
 * The policy is pure; the `DataKeys` service keeps the caches.
 *
 * @since 0.1.0
 */
import type { DataKey } from "./Kms.js"

/** How long a data key serves: 5 minutes. */
export const MAX_AGE_MS = 5 * 60 * 1000

/** How many messages one data key may seal. */
export const MAX_USES = 2 ** 24

/**
 * What a data key is for: the resource it protects (a topic or a queue), the key identifier the
 * resource names, and who sends. `maxAgeMs` is how long the resource lets a data key serve: 5 minutes
 * for a topic, a queue's KmsDataKeyReusePeriodSeconds (docs/SEMANTICS.md §8).
 *
 * @category models
 */
export interface Scope {
  readonly resourceArn: string
  readonly kmsKeyId: string
  readonly principalArn: string
  readonly maxAgeMs?: number
}

/**
 * @category models
 */
export interface Entry {
  readonly scope: Scope
  readonly dataKey: DataKey
  readonly createdAt: number
  readonly uses: number
}

/**
 * A cached data key may seal one more message when it was made for exactly this scope, is younger
 * than the scope's `maxAgeMs` (5 minutes unless said) (and not from the future: a clock that went back refuses rather than extends), and
 * has sealed fewer than MAX_USES messages.
 *
 * @category rules
 */
export const canReuse = (entry: Entry, scope: Scope, now: number): boolean =>
  entry.scope.resourceArn === scope.resourceArn &&
  entry.scope.kmsKeyId === scope.kmsKeyId &&
  entry.scope.principalArn === scope.principalArn &&
  now >= entry.createdAt &&
  now - entry.createdAt < (scope.maxAgeMs ?? MAX_AGE_MS) &&
  entry.uses < MAX_USES

/**
 * A decrypted data key (delivery side) may be reused while it is less than 5 minutes old.
 *
 * @category rules
 */
export const canReuseOpened = (openedAt: number, now: number): boolean => now >= openedAt && now - openedAt < MAX_AGE_MS
