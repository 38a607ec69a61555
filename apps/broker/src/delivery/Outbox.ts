/**
 * The outbox: where deliveries to endpoints a local broker cannot reach (email, email-json, sms,
 * application, firehose) and email confirmation requests go, so tests can read them as they
 * would the mail, the phone or the stream (`GET /_sealcast/outbox`, as LocalStack offers).
 *
 * Bounded: it keeps the most recent entries and counts everything, so a long run cannot exhaust
 * memory. Entries hold bodies in plaintext, in memory only; nothing here is written to disk, and the
 * route answers only a SigV4-signed caller, with its own account's entries.
 *
 * @since 0.1.0
 */

/**
 * @category models
 */
export interface OutboxEntry {
  readonly type: "Notification" | "SubscriptionConfirmation"
  readonly protocol: string
  readonly endpoint: string
  /** The subscription's ARN (confirmations too: it is what ConfirmSubscription will return). */
  readonly subscriptionArn: string
  readonly topicArn: string
  readonly messageId: string
  /** The subject line an email would carry. */
  readonly subject: string | undefined
  /** The body as the protocol receives it. */
  readonly body: string
  /** Confirmation requests only: the link that confirms. */
  readonly subscribeUrl: string | undefined
  /** ISO 8601, when the broker put it here. */
  readonly deliveredAt: string
}

/**
 * @category models
 */
export interface OutboxSnapshot {
  /** How many entries ever arrived, per protocol. */
  readonly counts: Readonly<Record<string, number>>
  readonly total: number
  /** How many old entries were let go to stay within `capacity`. */
  readonly evicted: number
  readonly capacity: number
  /** The most recent entries, oldest first. */
  readonly entries: ReadonlyArray<OutboxEntry>
}

/**
 * @category models
 */
export interface Outbox {
  readonly put: (entry: OutboxEntry) => void
  readonly snapshot: () => OutboxSnapshot
  /**
   * The answer to `GET /_sealcast/outbox` for a caller of `accountId`: the entries of its own
   * topics (they hold bodies and subscription tokens in plaintext); the counts are across accounts.
   */
  readonly response: (accountId: string) => { readonly status: number; readonly contentType: string; readonly body: string }
}

/** Enough for any test's assertions, small enough to stay cheap. */
export const DEFAULT_CAPACITY = 1000

/**
 * A ring of the last `capacity` entries.
 *
 * @category constructors
 */
export const make = (capacity: number = DEFAULT_CAPACITY): Outbox => {
  const size = Math.max(1, Math.floor(capacity))
  const ring: Array<OutboxEntry> = []
  let start = 0
  let total = 0
  const counts: Record<string, number> = {}

  const snapshot = (): OutboxSnapshot => ({
    counts: { ...counts },
    total,
    evicted: total - ring.length,
    capacity: size,
    entries: [...ring.slice(start), ...ring.slice(0, start)]
  })

  return {
    put: (entry) => {
      total++
      counts[entry.protocol] = (counts[entry.protocol] ?? 0) + 1
      if (ring.length < size) ring.push(entry)
      else {
        ring[start] = entry
        start = (start + 1) % size
      }
    },
    snapshot,
    response: (accountId) => {
      const all = snapshot()
      // A topic ARN is `arn:partition:sns:region:account:name`.
      const own = all.entries.filter((e) => e.topicArn.split(":")[4] === accountId)
      return { status: 200, contentType: "application/json", body: JSON.stringify({ ...all, entries: own }) }
    }
  }
}
