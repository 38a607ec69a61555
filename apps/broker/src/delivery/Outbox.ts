/**
 * The outbox: where deliveries to endpoints a local broker cannot reach (email, email-json, sms,
 * application, firehose), messages published straight to a device endpoint or a phone number, SMS
 * sandbox one-time passwords and email confirmation requests go, so tests can read them as they
 * would the mail, the phone or the stream (`GET /_sealcast/outbox`, as LocalStack offers; narrowed
 * with `?kind=<protocol>` and `?target=<endpoint>`, docs/CONTRACT.md).
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
  /** The kind of delivery: the subscription's protocol, or `application` / `sms` for a direct publish. */
  readonly protocol: string
  /** Where it went: the subscription's endpoint, the device endpoint's ARN or the phone number. */
  readonly endpoint: string
  /** The account whose outbox shows it: the topic's owner, or a direct publish's publisher. */
  readonly accountId: string
  /**
   * The subscription's ARN (confirmations too: it is what ConfirmSubscription will return); absent
   * for a direct publish or a one-time password.
   */
  readonly subscriptionArn: string | undefined
  readonly topicArn: string | undefined
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
   * The answer to `GET /_sealcast/outbox` for a caller of `accountId`: the entries of its own account
   * (they hold bodies and subscription tokens in plaintext), of one kind or to one target when
   * asked; the counts are across accounts.
   */
  readonly response: (
    accountId: string,
    filter?: { readonly kind?: string | undefined; readonly target?: string | undefined }
  ) => { readonly status: number; readonly contentType: string; readonly body: string }
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
    response: (accountId, filter = {}) => {
      const all = snapshot()
      const own = all.entries.filter(
        (e) =>
          e.accountId === accountId &&
          (filter.kind === undefined || e.protocol === filter.kind) &&
          (filter.target === undefined || e.endpoint === filter.target)
      )
      return { status: 200, contentType: "application/json", body: JSON.stringify({ ...all, entries: own }) }
    }
  }
}
