/**
 * The broker's metrics in the Prometheus text exposition format 0.0.4 (`GET /_sealcast/metrics`).
 *
 * Per topic, the CloudWatch metrics SNS publishes (SNS guide, "Monitoring Amazon SNS topics using
 * CloudWatch"): NumberOfMessagesPublished, PublishSize, NumberOfNotificationsDelivered,
 * NumberOfNotificationsFailed and NumberOfNotificationsFilteredOut with its -InvalidAttributes,
 * -NoMessageAttributes and -InvalidMessageBody variants; deliveries per protocol; message replays
 * started, completed and failed, and the messages they replay (docs/SEMANTICS.md §7, "Message
 * replay"); and KMS requests per key and operation, which the KMS reports and `render` is handed.
 *
 * docs/SEMANTICS.md §1.4: per-topic metrics are not encrypted, and nothing here holds a message body.
 * Resource names are shown only to a signed scrape, and only its own account's (`View`).
 *
 * @since 0.1.0
 */
import { type FilterPolicy, Replay, Sns } from "@sealcast/core"
import { Effect, Queue, type Scope } from "effect"

/** The content type of the 0.0.4 text format. */
export const CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

/**
 * @category models
 */
export type FilterVerdict = Exclude<FilterPolicy.Verdict, "Matched">

/**
 * One row of the KMS's request counts.
 *
 * @category models
 */
export interface KmsCount {
  readonly keyArn: string
  readonly operation: string
  readonly count: number
}

interface Family {
  readonly name: string
  readonly type: "counter" | "summary"
  readonly help: string
}

const family = (name: string, type: Family["type"], help: string): Family => ({ name, type, help })

/** Each family names the CloudWatch metric it mirrors. */
const PUBLISHED = family("sealcast_sns_messages_published_total", "counter", "Messages accepted by Publish and PublishBatch (CloudWatch NumberOfMessagesPublished).")
const PUBLISH_SIZE = family("sealcast_sns_publish_size_bytes", "summary", "Size of accepted messages, body plus attributes (CloudWatch PublishSize).")
const DELIVERED = family("sealcast_sns_notifications_delivered_total", "counter", "Notifications delivered, per protocol (CloudWatch NumberOfNotificationsDelivered).")
const FAILED = family(
  "sealcast_sns_notifications_failed_total",
  "counter",
  "Failed notifications, per protocol: every failed HTTP/S attempt, and for other protocols each delivery given up (CloudWatch NumberOfNotificationsFailed)."
)
const DROPPED = family("sealcast_sns_notifications_dropped_total", "counter", "Deliveries dropped after their retry policy was spent, per protocol.")
const SEALED_BODY_REFUSED = family(
  "sealcast_sns_sealed_body_refusals_total",
  "counter",
  "Delivery attempts held back because the message's sealed body could not be opened (the KMS refused its data key, or the envelope did not authenticate), per subscription."
)
const SQS_REFUSED = family(
  "sealcast_sns_sqs_deliveries_refused_total",
  "counter",
  "Delivery attempts into SQS queues the queue refused: its policy does not allow the topic (queue_policy), or its KMS key does not let sns.amazonaws.com use it (kms_key)."
)
const FILTERED: Readonly<Record<FilterVerdict, Family>> = {
  FilteredOut: family("sealcast_sns_notifications_filtered_out_total", "counter", "Notifications a filter policy rejected (CloudWatch NumberOfNotificationsFilteredOut)."),
  InvalidAttributes: family(
    "sealcast_sns_notifications_filtered_out_invalid_attributes_total",
    "counter",
    "Notifications filtered out because their attributes were invalid (CloudWatch NumberOfNotificationsFilteredOut-InvalidAttributes)."
  ),
  NoMessageAttributes: family(
    "sealcast_sns_notifications_filtered_out_no_message_attributes_total",
    "counter",
    "Notifications filtered out because they had no attributes (CloudWatch NumberOfNotificationsFilteredOut-NoMessageAttributes)."
  ),
  InvalidMessageBody: family(
    "sealcast_sns_notifications_filtered_out_invalid_message_body_total",
    "counter",
    "Notifications filtered out because their body was not valid JSON for a body filter (CloudWatch NumberOfNotificationsFilteredOut-InvalidMessageBody)."
  )
}
const REPLAYS_STARTED = family(
  "sealcast_sns_replays_started_total",
  "counter",
  "Message replays started: the archived messages a subscription's ReplayPolicy selects were stored for delivery."
)
const REPLAYS_COMPLETED = family("sealcast_sns_replays_completed_total", "counter", "Message replays completed: none of their deliveries is pending any more.")
const REPLAYS_FAILED = family("sealcast_sns_replays_failed_total", "counter", "Message replays failed: the topic kept no archive any more when they would start.")
const MESSAGES_REPLAYED = family("sealcast_sns_messages_replayed_total", "counter", "Archived messages replays redeliver, counted as each replay starts.")
const KMS_REQUESTS = family("sealcast_kms_requests_total", "counter", "KMS requests, per key and operation.")

/**
 * Exposition format 0.0.4: in label values, backslash, double quote and line feed are escaped.
 *
 * @category encoding
 */
export const escapeLabelValue = (value: string): string => value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")

/**
 * In HELP text, backslash and line feed are escaped.
 *
 * @category encoding
 */
export const escapeHelp = (text: string): string => text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")

const labelText = (labels: ReadonlyArray<readonly [string, string]>): string =>
  labels.length === 0 ? "" : `{${labels.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(",")}}`

/** Counters keyed by their label values, joined with a separator no ARN or protocol contains. */
class Counter {
  readonly values = new Map<string, { readonly labels: ReadonlyArray<readonly [string, string]>; value: number }>()
  add(labels: ReadonlyArray<readonly [string, string]>, amount: number): void {
    const key = labels.map(([, v]) => v).join("\u0000")
    const entry = this.values.get(key)
    if (entry === undefined) this.values.set(key, { labels, value: amount })
    else entry.value += amount
  }
}

const header = (f: Family): Array<string> => [`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`]

/**
 * Which figures a scrape may see. Resource names (topic, subscription and key ARNs) say what an
 * account holds, so an unauthenticated scrape sees only the totals across them (`Totals`); a
 * SigV4-signed one sees its own account's resources one by one (`Account`); `Everything` is for the
 * broker's own tests.
 *
 * @category models
 */
export type View =
  | { readonly _tag: "Totals" }
  | { readonly _tag: "Account"; readonly accountId: string }
  | { readonly _tag: "Everything" }

/** @category constructors */
export const totals: View = { _tag: "Totals" }
/** @category constructors */
export const everything: View = { _tag: "Everything" }
/** @category constructors */
export const account = (accountId: string): View => ({ _tag: "Account", accountId })

/** The labels that name a resource; each value is an ARN. */
const RESOURCE_LABELS: ReadonlySet<string> = new Set(["topic_arn", "subscription_arn", "key_arn"])

/** The account field of an ARN (`arn:partition:service:region:account:resource`). */
const accountOfArn = (arn: string): string | undefined => arn.split(":")[4]

type Entry = { readonly labels: ReadonlyArray<readonly [string, string]>; readonly value: number }

const visible = (counter: Counter, view: View): ReadonlyArray<Entry> => {
  const entries = [...counter.values.values()]
  switch (view._tag) {
    case "Everything":
      return entries
    case "Account":
      return entries.filter(({ labels }) => labels.every(([k, v]) => !RESOURCE_LABELS.has(k) || accountOfArn(v) === view.accountId))
    case "Totals": {
      // Summed over the resource labels, keyed by what remains (protocol, operation), as in `Counter`.
      const summed = new Counter()
      for (const { labels, value } of entries) summed.add(labels.filter(([k]) => !RESOURCE_LABELS.has(k)), value)
      return [...summed.values.values()]
    }
  }
}

const samples = (name: string, counter: Counter, view: View): Array<string> =>
  visible(counter, view).map(({ labels, value }) => `${name}${labelText(labels)} ${value}`)

/**
 * @category models
 */
export interface Metrics {
  /** Counts a MessagesAccepted event: publishes, their sizes, and the filter verdicts. */
  readonly observe: (event: Sns.Event) => void
  readonly delivered: (topicArn: string, protocol: string) => void
  readonly failed: (topicArn: string, protocol: string) => void
  readonly dropped: (topicArn: string, protocol: string) => void
  /** An attempt for this subscription was held back: the message's sealed body did not open. */
  readonly sealedBodyRefused: (topicArn: string, subscriptionArn: string) => void
  readonly sqsDeliveryRefused: (topicArn: string, queueArn: string, refusal: "queue_policy" | "kms_key") => void
  /**
   * A step of a replay of one of the topic's subscriptions, as the replayer carried it out: counted
   * by the status it moves the replay to (`Replay.transition`); a step that moves nothing, nothing.
   */
  readonly replayStep: (topicArn: string, replay: Replay.Replay, event: Replay.Event) => void
  /** The exposition text, with the KMS's counts as they are now, as `view` may see it. */
  readonly render: (kmsCounts: ReadonlyArray<KmsCount>, view: View) => string
}

/**
 * @category constructors
 */
export const make = (): Metrics => {
  const published = new Counter()
  const sizeSum = new Counter()
  const delivered = new Counter()
  const failed = new Counter()
  const dropped = new Counter()
  const sealedBodyRefused = new Counter()
  const sqsRefused = new Counter()
  const replaysStarted = new Counter()
  const replaysCompleted = new Counter()
  const replaysFailed = new Counter()
  const messagesReplayed = new Counter()
  const filtered: Record<FilterVerdict, Counter> = {
    FilteredOut: new Counter(),
    InvalidAttributes: new Counter(),
    NoMessageAttributes: new Counter(),
    InvalidMessageBody: new Counter()
  }
  const verdicts = Object.keys(filtered) as ReadonlyArray<FilterVerdict>

  return {
    observe: (event) => {
      if (event._tag !== "MessagesAccepted") return
      const topic = [["topic_arn", event.topicArn]] as const
      published.add(topic, event.messages.length)
      for (const m of event.messages) {
        sizeSum.add(topic, m.bytes)
        for (const verdict of verdicts) {
          const n = m.filteredOut[verdict]
          if (n !== undefined && n > 0) filtered[verdict].add(topic, n)
        }
      }
    },
    delivered: (topicArn, protocol) => delivered.add([["topic_arn", topicArn], ["protocol", protocol]], 1),
    failed: (topicArn, protocol) => failed.add([["topic_arn", topicArn], ["protocol", protocol]], 1),
    dropped: (topicArn, protocol) => dropped.add([["topic_arn", topicArn], ["protocol", protocol]], 1),
    sealedBodyRefused: (topicArn, subscriptionArn) => sealedBodyRefused.add([["topic_arn", topicArn], ["subscription_arn", subscriptionArn]], 1),
    sqsDeliveryRefused: (topicArn, queueArn, refusal) => sqsRefused.add([["topic_arn", topicArn], ["queue_arn", queueArn], ["reason", refusal]], 1),
    replayStep: (topicArn, replay, event) => {
      const next = Replay.transition(replay, event).status
      if (next === replay.status) return
      const topic = [["topic_arn", topicArn]] as const
      if (event._tag === "Started") {
        replaysStarted.add(topic, 1)
        messagesReplayed.add(topic, event.inserted)
      }
      if (next === "Completed") replaysCompleted.add(topic, 1)
      if (next === "Failed") replaysFailed.add(topic, 1)
    },
    render: (kmsCounts, view) => {
      const kms = new Counter()
      for (const c of kmsCounts) kms.add([["key_arn", c.keyArn], ["operation", c.operation]], c.count)
      /** A counter family: its HELP and TYPE lines, then its samples. */
      const counter = (f: Family, values: Counter) => [...header(f), ...samples(f.name, values, view)]
      const lines = [
        ...counter(PUBLISHED, published),
        // A summary without quantiles: its sum and count (exposition format 0.0.4, "Histograms and summaries").
        ...header(PUBLISH_SIZE),
        ...samples(`${PUBLISH_SIZE.name}_sum`, sizeSum, view),
        ...samples(`${PUBLISH_SIZE.name}_count`, published, view),
        ...counter(DELIVERED, delivered),
        ...counter(FAILED, failed),
        ...counter(DROPPED, dropped),
        ...counter(SEALED_BODY_REFUSED, sealedBodyRefused),
        ...counter(SQS_REFUSED, sqsRefused),
        ...verdicts.flatMap((v) => counter(FILTERED[v], filtered[v])),
        ...counter(REPLAYS_STARTED, replaysStarted),
        ...counter(REPLAYS_COMPLETED, replaysCompleted),
        ...counter(REPLAYS_FAILED, replaysFailed),
        ...counter(MESSAGES_REPLAYED, messagesReplayed),
        ...counter(KMS_REQUESTS, kms)
      ]
      return `${lines.join("\n")}\n`
    }
  }
}

/**
 * Feeds `metrics` from the service's events for as long as the scope lives. Start it before the
 * broker takes requests, so no publish goes uncounted.
 *
 * @category constructors
 */
export const follow = (metrics: Metrics): Effect.Effect<void, never, Sns.Sns | Scope.Scope> =>
  Effect.gen(function* () {
    const sns = yield* Sns.Sns
    const events = yield* sns.events
    // Everything waiting is taken at once: one wake-up per burst of publishes, not one per event.
    yield* Effect.forkScoped(
      Effect.forever(Effect.map(Queue.takeBetween(events, 1, Number.MAX_SAFE_INTEGER), (taken) => {
        for (const event of taken) metrics.observe(event)
      }))
    )
  })
