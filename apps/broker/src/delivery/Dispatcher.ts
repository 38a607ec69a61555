/**
 * The delivery engine: sends every pending delivery in the message store to its subscriber, and the
 * confirmation request of every new subscription that needs one.
 *
 * It wakes when the service accepts messages and when the store's next delivery falls due, reads due
 * deliveries in batches, and starts their attempts, at most `concurrency` at once; what a read finds
 * beyond the free slots waits in a backlog and starts as slots free up. An attempt is plain code
 * driven by callbacks (it runs for every delivery, so it spends no fiber per step): it gets the
 * message its pass read and looks up its subscription and topic; the body is opened (KMS Decrypt of
 * its data key, SEMANTICS.md §1.4) only then, just before it is sent. The outcome goes back to the
 * store: Delivered, Retry at the delay the subscription's retry Schedule gives, or Dropped once that
 * Schedule is spent (SNS guide, "Amazon SNS message delivery retries"; dead-letter queues are not
 * implemented, so a dropped delivery is counted and logged).
 *
 * FIFO topics: the deliveries of one message group to one subscription form a lane, sent one at a
 * time in sequence-number order; the next waits until the previous one is delivered or dropped
 * (SNS guide, "Message ordering details for FIFO topics"). HTTP/S throttle policies
 * (`maxReceivesPerSecond`) cap how many attempts start per second for a subscription.
 *
 * Stopping: closing the scope stops new attempts and waits for those in flight to finish and settle
 * (each is bounded by the 15-second delivery timeout, the wait by STOP_GRACE). Deliveries not yet
 * attempted stay pending in the store; with a durable store a restart sends them.
 *
 * @since 0.1.0
 */
import { type DeliveryPolicy, type Message, MessageStore, type Registry, Routing, Sns, type Subscription, type Topic } from "@sealcast/core"
import { Cause, Clock, Duration, Effect, Either, Exit, FiberSet, Option, Queue, Runtime, Schedule, type Scope } from "effect"
import { randomUUID } from "node:crypto"
import type { Metrics } from "../metrics/Metrics.js"
import * as Envelope from "./Envelope.js"
import * as Functions from "./Functions.js"
import * as HttpDelivery from "./HttpDelivery.js"
import type { Outbox } from "./Outbox.js"
import * as RetrySchedule from "./RetrySchedule.js"
import * as Signature from "./Signature.js"

/**
 * Where the dispatcher reports. Fields never include a message body: for an encrypted topic the body
 * must not reach a log in plaintext (CONTRACT.md, "At rest").
 *
 * @category models
 */
export type Log = (
  level: "debug" | "info" | "warn" | "error",
  message: string,
  fields: Readonly<Record<string, string | number>>
) => void

/**
 * @category models
 */
export interface Options {
  /** The broker's own origin, e.g. `https://127.0.0.1:9443`, for SubscribeURL, UnsubscribeURL and SigningCertURL. */
  readonly origin: string
  readonly signing: Signature.SigningIdentity
  /** The broker's CA, trusted for HTTPS endpoints besides the system's CAs. */
  readonly caPem?: string | undefined
  readonly functions: Functions.Functions
  readonly outbox: Outbox
  readonly metrics: Metrics
  readonly log: Log
  /** Attempts in flight at once; 32 unless given. */
  readonly concurrency?: number | undefined
  /** How long a stop waits for the attempts in flight; STOP_GRACE unless given. */
  readonly stopGrace?: Duration.Duration | undefined
}

/**
 * Attempts in flight at once, unless the options say otherwise. The posts themselves run on the
 * delivery worker thread, so a slot costs the event loop little while its endpoint answers; with 32,
 * delivery to one local subscriber fell behind a steady stream of publishes, because each slot
 * also waits out the event loop's turns.
 */
export const DEFAULT_CONCURRENCY = 128

/** After an unexpected failure of the loop itself (a store error), wait this long before trying again. */
const PAUSE_AFTER_FAILURE = Duration.seconds(1)

/**
 * How long a stop waits for the attempts in flight: each is bounded by the 15-second delivery
 * timeout, and a few seconds more let its outcome commit. Past it the stop goes on; what was not
 * settled is still pending in the store.
 */
export const STOP_GRACE = Duration.seconds(20)

/** A confirmation request that fails is retried three times, 1, 2 and 4 seconds apart. */
const confirmationRetries = Schedule.intersect(Schedule.exponential(Duration.seconds(1)), Schedule.recurs(3))

/** How often the store is read for due deliveries while announcements keep the backlog busy. */
const READ_INTERVAL_MS = 50

/** Started candidates dropped from the front of the backlog array once this many have piled up. */
const COMPACT_AFTER = 1024

/** Recently accepted messages kept for their first delivery (see `recent`): a few MiB of 1 KiB messages. */
const RECENT_MESSAGES_KEPT = 4096

/** Message FIFO data cached by message id, cleared whole past this size (a miss only costs a store read). */
const FIFO_CACHE_LIMIT = 100_000

interface Target {
  readonly message: Message.StoredMessage
  readonly subscription: Subscription.Subscription
  readonly topic: Topic.Topic
}

/** A due delivery chosen to start, with its FIFO lane if it has one. */
interface Candidate {
  readonly delivery: MessageStore.PendingDelivery
  readonly lane: string | undefined
}

/** `Failed` without a target: the attempt broke before its subscription was known (a store error). */
type Outcome =
  | { readonly _tag: "Delivered"; readonly target: Target }
  | { readonly _tag: "Failed"; readonly reason: string; readonly target: Target | undefined }
  | { readonly _tag: "Gone"; readonly reason: string }

/** A failed service call as an outcome: its typed failure is a failed attempt; a defect, an attempt that broke before the endpoint. */
const failedOrBroken = (cause: Cause.Cause<{ readonly reason: string }>, target: Target): Outcome => {
  const failure = Cause.failureOption(cause)
  return Option.isSome(failure)
    ? { _tag: "Failed", reason: failure.value.reason, target }
    : { _tag: "Failed", reason: Cause.pretty(cause), target: undefined }
}

/** The HTTP/S delivery policy (throttle, content type); other protocols have none. */
const httpPolicyOf = (topic: Topic.Topic, subscription: Subscription.Subscription): DeliveryPolicy.HttpDeliveryPolicy | undefined =>
  subscription.protocol === "http" || subscription.protocol === "https" ? Routing.deliveryPolicyFor(topic, subscription) : undefined

/** What to store for an outcome, and what to report once it is stored. */
interface Decided {
  readonly outcome: MessageStore.DeliveryOutcome
  readonly committed: () => void
}

const deliveryKey = (d: MessageStore.PendingDelivery) => `${d.messageId}\u0000${d.subscriptionArn}`
const laneKey = (subscriptionArn: string, messageGroupId: string) => `${subscriptionArn}\u0000${messageGroupId}`

/** Sequence numbers are decimal strings without leading zeros: longer is larger, else compare as text. */
const compareSequence = (a: string, b: string): number => (a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0)

/**
 * Starts the engine in the current scope. Subscribes to the service's events before it returns, so
 * start it before the broker takes requests.
 *
 * @category constructors
 */
export const start = (
  options: Options
): Effect.Effect<void, Signature.SigningKeyError, Sns.Sns | MessageStore.MessageStore | Scope.Scope> =>
  Effect.gen(function* () {
    const sns = yield* Sns.Sns
    const store = yield* MessageStore.MessageStore
    const signer = yield* Signature.makeSigner(options.signing)
    const sender = yield* HttpDelivery.makeHttpSender(options.caPem)
    const fibers = yield* FiberSet.make()
    const events = yield* sns.events
    const wake = yield* Queue.sliding<void>(1)
    const concurrency = Math.max(1, options.concurrency ?? DEFAULT_CONCURRENCY)
    const signingCertUrl = Envelope.signingCertUrl(options.origin)
    const { log, metrics, outbox, functions } = options

    /** Deliveries started and not yet settled in the store: the next reads of due rows skip them. */
    const inFlight = new Set<string>()
    /**
     * Attempts still waiting for their endpoint: what `concurrency` limits. An attempt frees its slot
     * when its answer comes, not when its outcome is committed, so the store's commit latency does
     * not hold slots.
     */
    let attempting = 0
    /** Lane -> the message at its head: in flight, or waiting for its retry. */
    const lanes = new Map<string, string>()
    const fifoOf = new Map<string, Message.FifoInfo | null>()
    /** Subscription -> when its attempts started during the last second (throttle policy). */
    const starts = new Map<string, Array<number>>()
    /** Confirmation tokens already sent, so an attribute change on a pending subscription sends nothing new. */
    const confirmed = new Set<string>()
    /**
     * Deliveries to start, in order, from `next` on: what reads of the store found due, then what
     * was announced since. Starting them as slots free up, before reading again, reads each due row
     * about once or twice rather than once per finished attempt.
     */
    let backlog: Array<Candidate> = []
    let next = 0
    /** The backlog's deliveries not started yet: neither a read nor an announcement adds them twice. */
    const queued = new Set<string>()
    /**
     * Deliveries of messages just accepted (standard topics), from the service's events, waiting for
     * the next pass to join the backlog. A new message's deliveries are known the moment it is
     * committed, so under a steady stream of publishes the store is read only every
     * READ_INTERVAL_MS (for retries come due) instead of after every few attempts.
     */
    let announced: Array<MessageStore.PendingDelivery> = []
    /**
     * How many deliveries may wait in the backlog before announcements stop adding to it (endpoints
     * slower than publishers): the rest are in the store, where reads find them. Kept small because
     * each read looks past what waits.
     */
    const announcedLimit = 4 * concurrency
    /** Whether announcements came since the store was last read. */
    let announcedSinceRead = false
    /** When the store was last read for due deliveries. */
    let lastRead = Number.NEGATIVE_INFINITY
    /** Rows the last read left behind (behind a FIFO lane, throttled), so the next read looks past them. */
    let skipped = 0
    /** Messages the last read loaded for their FIFO data, handed to their attempts so they are not read twice. */
    let loaded = new Map<string, Message.StoredMessage>()
    /**
     * The messages most recently accepted, as stored (sealed bodies sealed), from the service's
     * events: a message is usually delivered moments after it is accepted, and reading it back from
     * the store was a tenth of each delivery's CPU time. Oldest forgotten first past
     * RECENT_MESSAGES_KEPT; a message not here is read from the store as before.
     */
    const recent = new Map<string, Message.StoredMessage>()
    const knownMessage = (messageId: string) => loaded.get(messageId) ?? recent.get(messageId)

    const signal = Queue.offer(wake, undefined)
    const runtime = yield* Effect.runtime<never>()
    const runCallback = Runtime.runCallback(runtime)
    const runSync = Runtime.runSync(runtime)
    const clock = yield* Effect.clock

    /** Set when the scope closes: no attempt starts after that, and the close waits for those in flight. */
    let stopping = false
    let whenIdle: (() => void) | undefined
    yield* Effect.addFinalizer(() =>
      // Finalizers run uninterruptibly, and a timeout waits for what it interrupts: the wait itself
      // must be interruptible for the grace to end it.
      Effect.interruptible(
        Effect.async<void>((resume) => {
          stopping = true
          if (inFlight.size === 0) return resume(Effect.void)
          whenIdle = () => resume(Effect.void)
        })
      ).pipe(
        Effect.timeoutOption(options.stopGrace ?? STOP_GRACE),
        Effect.flatMap((idle) =>
          Option.isSome(idle)
            ? Effect.void
            : Effect.sync(() =>
              log("warn", "stopped with delivery attempts unfinished; they stay pending and are sent after a restart", {
                attempts: inFlight.size
              })
            )
        )
      )
    )

    /** Remembers a FIFO topic's message's FIFO data (null: none) for the passes to come. */
    const rememberFifo = (message: Message.StoredMessage): Message.FifoInfo | null => {
      const info = message.fifo ?? null
      if (fifoOf.size >= FIFO_CACHE_LIMIT) fifoOf.clear()
      fifoOf.set(message.messageId, info)
      return info
    }

    /**
     * Sends one delivery by its protocol and hands its outcome to `finish`, once. The notification's
     * fields, links and signature are built only for the protocols that send them: a raw HTTP/S
     * delivery posts the message text alone.
     */
    const send = (target: Target, body: string, now: number, finish: (outcome: Outcome) => void): void => {
      const { message, subscription, topic } = target
      const text = Envelope.messageFor(message, body, subscription.protocol, subscription.endpoint)
      const raw = subscription.attributes["RawMessageDelivery"] === "true"
      const fields = () => Envelope.notificationFields({ message, text, signatureVersion: Signature.signatureVersionOf(topic.attributes) })
      const unsubscribeUrl = () => Envelope.unsubscribeUrl(options.origin, subscription.arn)
      const signed = () => {
        const signedFields = fields()
        return Envelope.notification(
          signedFields,
          { signature: signer.sign(signedFields), signingCertUrl, unsubscribeUrl: unsubscribeUrl() },
          message.attributes
        )
      }
      const failed = (reason: string): Outcome => ({ _tag: "Failed", reason, target })
      const toOutbox = (outboxBody: string) => {
        outbox.put({
          type: "Notification",
          protocol: subscription.protocol,
          endpoint: subscription.endpoint,
          subscriptionArn: subscription.arn,
          topicArn: topic.arn,
          messageId: message.messageId,
          subject: message.subject,
          body: outboxBody,
          subscribeUrl: undefined,
          deliveredAt: new Date(now).toISOString()
        })
        finish({ _tag: "Delivered", target })
      }
      switch (subscription.protocol) {
        case "http":
        case "https":
          sender.send(
            {
              url: subscription.endpoint,
              messageType: "Notification",
              messageId: message.messageId,
              topicArn: topic.arn,
              subscriptionArn: subscription.arn,
              raw,
              contentType: httpPolicyOf(topic, subscription)?.headerContentType,
              body: raw ? text : Envelope.encode(signed())
            },
            (failure) => finish(failure === undefined ? { _tag: "Delivered", target } : failed(failure.reason))
          )
          return
        case "lambda":
          runCallback(functions.invoke(subscription.endpoint, Functions.eventOf(subscription.arn, signed())), {
            onExit: (exit) => finish(Exit.isSuccess(exit) ? { _tag: "Delivered", target } : failedOrBroken(exit.cause, target))
          })
          return
        case "email-json":
          return toOutbox(Envelope.encode(signed()))
        case "sqs":
          // Subscribe refuses SQS endpoints (no queues yet), so none is ever stored.
          return finish(failed("SQS queues are not provided"))
        case "firehose":
          return toOutbox(raw ? text : Envelope.firehoseRecord(fields(), unsubscribeUrl(), message.attributes))
        case "email":
        case "sms":
        case "application":
          return toOutbox(text)
      }
    }

    /**
     * One attempt, from its message to its settled outcome. Plain code and callbacks rather than a
     * fiber per step: this runs for every delivery, and fibers per step were the largest share of
     * its CPU time. Effects run only where a service is asynchronous (KMS for a sealed body, a Lambda
     * function, the store's commit), each as one fiber. Nothing here throws past its caller: an
     * unexpected throw is an attempt that broke before reaching the endpoint.
     *
     * `message` is what the pass read (undefined: no longer stored); `registry` is the pass's view.
     */
    const attempt = (
      d: MessageStore.PendingDelivery,
      lane: string | undefined,
      message: Message.StoredMessage | undefined,
      registry: Registry.Registry
    ): void => {
      let done = false
      const finish = (outcome: Outcome) => {
        if (done) return
        done = true
        settle(d, lane, outcome)
      }
      try {
        if (message === undefined) return finish({ _tag: "Gone", reason: "the message is no longer stored" })
        const subscription = registry.subscriptions.get(d.subscriptionArn)
        const topic = registry.topics.get(message.topicArn)
        if (subscription === undefined || topic === undefined) {
          return finish({ _tag: "Gone", reason: subscription === undefined ? "the subscription was deleted" : "the topic was deleted" })
        }
        const target = { message, subscription, topic }
        const sendOpened = (body: string) => {
          try {
            send(target, body, clock.unsafeCurrentTimeMillis(), finish)
          } catch (cause) {
            finish({ _tag: "Failed", reason: String(cause), target: undefined })
          }
        }
        // A plain body is its own text (the first rule of `Sns.openBody`); only a sealed one needs
        // the service, for the KMS Decrypt of its data key.
        if (message.body._tag === "Plain") return sendOpened(message.body.text)
        runCallback(sns.openBody(message), {
          onExit: (exit) => {
            if (Exit.isSuccess(exit)) return sendOpened(exit.value)
            const failure = Cause.failureOption(exit.cause)
            finish(
              Option.isSome(failure)
                ? { _tag: "Failed", reason: `the body could not be opened: ${failure.value._tag}`, target }
                : { _tag: "Failed", reason: Cause.pretty(exit.cause), target: undefined }
            )
          }
        })
      } catch (cause) {
        finish({ _tag: "Failed", reason: String(cause), target: undefined })
      }
    }

    const releaseLane = (lane: string | undefined, messageId: string) => {
      if (lane === undefined || lanes.get(lane) !== messageId) return
      lanes.delete(lane)
      // The lane's next message is found by a read: make the next pass read, whatever the interval.
      lastRead = Number.NEGATIVE_INFINITY
    }

    /** The attempt's outcome is stored (or could not be): reads may see its row again, and a stop waits for it no longer. */
    const attemptEnded = (d: MessageStore.PendingDelivery) => {
      inFlight.delete(deliveryKey(d))
      if (inFlight.size === 0) whenIdle?.()
      Queue.unsafeOffer(wake, undefined)
    }

    /**
     * Outcomes decided in this turn of the event loop, waiting to be settled together: one store
     * call and one fiber for all of them instead of one each, and the store commits them in one
     * transaction.
     */
    let settling: Array<{ readonly d: MessageStore.PendingDelivery; readonly decided: Decided }> = []

    const settleQueued = () => {
      const batch = settling
      settling = []
      const settlements = batch.map(({ d, decided }) => ({ messageId: d.messageId, subscriptionArn: d.subscriptionArn, outcome: decided.outcome }))
      runCallback(store.settle(settlements), {
        onExit: (exit) => {
          for (const { d, decided } of batch) {
            if (Exit.isSuccess(exit)) decided.committed()
            else {
              log("error", "delivery attempt could not be settled", {
                messageId: d.messageId,
                subscriptionArn: d.subscriptionArn,
                cause: Cause.pretty(exit.cause)
              })
            }
            attemptEnded(d)
          }
        }
      })
    }

    /**
     * Records an attempt's outcome in the store, and once it is committed, its metrics, log line and
     * lane. The outcomes of one event-loop turn go to the store together, after the turn's I/O.
     */
    const settle = (d: MessageStore.PendingDelivery, lane: string | undefined, outcome: Outcome): void => {
      attempting--
      Queue.unsafeOffer(wake, undefined)
      const fields = { messageId: d.messageId, subscriptionArn: d.subscriptionArn }
      let decided: Decided
      try {
        decided = decide(d, lane, outcome, fields)
      } catch (cause) {
        log("error", "delivery attempt could not be settled", { ...fields, cause: String(cause) })
        return attemptEnded(d)
      }
      settling.push({ d, decided })
      if (settling.length === 1) setImmediate(settleQueued)
    }

    /** What to store for an outcome (SNS guide, "Amazon SNS message delivery retries"), and what to report once stored. */
    const decide = (
      d: MessageStore.PendingDelivery,
      lane: string | undefined,
      outcome: Outcome,
      fields: { readonly messageId: string; readonly subscriptionArn: string }
    ): Decided => {
      if (outcome._tag === "Delivered") {
        return {
          outcome: { _tag: "Delivered" },
          committed: () => {
            metrics.delivered(outcome.target.topic.arn, outcome.target.subscription.protocol)
            releaseLane(lane, d.messageId)
          }
        }
      }
      if (outcome._tag === "Gone") {
        return {
          outcome: { _tag: "Dropped", attempts: d.attempts },
          committed: () => {
            releaseLane(lane, d.messageId)
            log("info", "delivery dropped", { ...fields, reason: outcome.reason })
          }
        }
      }
      const now = clock.unsafeCurrentTimeMillis()
      const target = outcome.target
      if (target === undefined) {
        // Not an attempt at the endpoint: look again shortly, without spending a retry.
        return {
          outcome: { _tag: "Retry", attempts: d.attempts, dueAt: now + Duration.toMillis(PAUSE_AFTER_FAILURE) },
          committed: () => log("error", "delivery could not be attempted", { ...fields, reason: outcome.reason })
        }
      }
      const protocol = target.subscription.protocol
      const http = protocol === "http" || protocol === "https"
      // CloudWatch's NumberOfNotificationsFailed counts every failed HTTP/S attempt, and for other
      // protocols each delivery SNS gives up on (SNS guide, "Amazon SNS metrics").
      if (http) metrics.failed(target.topic.arn, protocol)
      const attempts = d.attempts + 1
      const schedule = RetrySchedule.fromPolicy(RetrySchedule.retryPolicyFor(target.topic, target.subscription))
      const delay = runSync(RetrySchedule.delayBeforeRetry(schedule, attempts, now))
      if (Option.isSome(delay)) {
        return {
          outcome: { _tag: "Retry", attempts, dueAt: now + Duration.toMillis(delay.value) },
          committed: () => log("debug", "delivery attempt failed, will retry", { ...fields, attempts, reason: outcome.reason })
        }
      }
      return {
        outcome: { _tag: "Dropped", attempts },
        committed: () => {
          if (!http) metrics.failed(target.topic.arn, protocol)
          metrics.dropped(target.topic.arn, protocol)
          releaseLane(lane, d.messageId)
          log("warn", "delivery dropped after its retry policy was spent", { ...fields, attempts, reason: outcome.reason })
        }
      }
    }

    /** The throttle policy's window: may this subscription start an attempt at `now`? */
    const throttled = (target: { readonly topic: Topic.Topic; readonly subscription: Subscription.Subscription }, now: number) => {
      const rate = httpPolicyOf(target.topic, target.subscription)?.maxReceivesPerSecond
      if (rate === undefined) return { throttled: false, until: undefined }
      const recent = (starts.get(target.subscription.arn) ?? []).filter((t) => t > now - 1000)
      starts.set(target.subscription.arn, recent)
      if (recent.length >= rate) return { throttled: true, until: recent[0]! + 1000 }
      recent.push(now)
      return { throttled: false, until: undefined }
    }

    /**
     * Reads due deliveries into the backlog, FIFO lanes already chosen; tells whether the read was
     * full (more may be due). Deliveries in flight are still pending, so the read returns them
     * again: it reads past them, as many more as there are attempt slots, plus those the last read
     * had to leave behind.
     */
    const readDue = (now: number) =>
      Effect.gen(function* () {
        const limit = inFlight.size + queued.size + concurrency + skipped
        const due = yield* store.due(now, limit)
        const registry = yield* sns.registry
        skipped = 0
        loaded = new Map()
        // Lanes whose head is already in the backlog, not started yet: nothing of theirs may join it.
        const waitingLanes = new Set<string>()
        for (let i = next; i < backlog.length; i++) if (backlog[i]!.lane !== undefined) waitingLanes.add(backlog[i]!.lane!)
        // Per FIFO lane, the waiting delivery with the lowest sequence number.
        const laneChoice = new Map<string, { readonly messageId: string; readonly sequenceNumber: string }>()
        const candidates: Array<Candidate> = []
        for (const delivery of due) {
          const key = deliveryKey(delivery)
          if (inFlight.has(key) || queued.has(key)) continue
          const subscription = registry.subscriptions.get(delivery.subscriptionArn)
          const topic = subscription === undefined ? undefined : registry.topics.get(subscription.topicArn)
          // Only a FIFO topic's messages have lanes, and FifoTopic is fixed when a topic is created
          // (SNS API reference, CreateTopic), so a standard topic's delivery needs no message read here.
          if (topic === undefined || topic.attributes["FifoTopic"] !== "true") {
            candidates.push({ delivery, lane: undefined })
            continue
          }
          let fifo = fifoOf.get(delivery.messageId)
          if (fifo === undefined) {
            const known = knownMessage(delivery.messageId)
            const read = known === undefined ? yield* Effect.either(store.get(delivery.messageId)) : Either.right(known)
            // A message that cannot be read: its attempt reads it again and reports the failure,
            // while the other due deliveries go on.
            if (Either.isLeft(read)) {
              candidates.push({ delivery, lane: undefined })
              continue
            }
            const message = read.right
            // A message gone from the store: its attempt finds out and drops the delivery.
            if (message === undefined) fifo = null
            else {
              fifo = rememberFifo(message)
              loaded.set(message.messageId, message)
            }
          }
          if (fifo === null) {
            candidates.push({ delivery, lane: undefined })
            continue
          }
          const lane = laneKey(delivery.subscriptionArn, fifo.messageGroupId)
          const head = lanes.get(lane)
          const chosen = laneChoice.get(lane)
          if (
            (head !== undefined && head !== delivery.messageId) ||
            waitingLanes.has(lane) ||
            (chosen !== undefined && compareSequence(chosen.sequenceNumber, fifo.sequenceNumber) < 0)
          ) {
            skipped++
            continue
          }
          if (chosen !== undefined) skipped++
          laneChoice.set(lane, { messageId: delivery.messageId, sequenceNumber: fifo.sequenceNumber })
          candidates.push({ delivery, lane })
        }
        const found = candidates.filter(({ delivery, lane }) => lane === undefined || laneChoice.get(lane)?.messageId === delivery.messageId)
        for (const { delivery } of found) queued.add(deliveryKey(delivery))
        // What was due in the store goes before what was waiting: it was due first.
        backlog = found.concat(backlog.slice(next))
        next = 0
        lastRead = now
        announcedSinceRead = false
        return due.length >= limit
      })

    /**
     * Moves announced deliveries into the backlog, skipping any a read has already found (a delivery
     * is visible in the store from its commit, a moment before its announcement is taken). Also drops
     * the backlog's started part once it is large, so the array does not grow without end.
     */
    const takeAnnounced = () => {
      if (next >= COMPACT_AFTER) {
        backlog = backlog.slice(next)
        next = 0
      }
      for (const delivery of announced) {
        const key = deliveryKey(delivery)
        if (inFlight.has(key) || queued.has(key)) continue
        queued.add(key)
        backlog.push({ delivery, lane: undefined })
      }
      announced = []
    }

    /**
     * Starts what may start now, from the backlog; reads the store once the backlog is spent, and at
     * least every READ_INTERVAL_MS while announcements keep it full; tells when a throttle lifts and
     * whether there is more to do at once.
     */
    const pass = Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      takeAnnounced()
      // While announcements arrive, they bring the new deliveries, and the store (for retries come
      // due and FIFO messages) is read at most every READ_INTERVAL_MS; without them, whenever the
      // backlog is spent.
      const readDueNow = now - lastRead >= READ_INTERVAL_MS || (next >= backlog.length && !announcedSinceRead)
      const full = readDueNow ? yield* readDue(now) : false
      const registry = yield* sns.registry
      let throttleLifts: number | undefined
      while (next < backlog.length && attempting < concurrency && !stopping) {
        const { delivery, lane } = backlog[next++]!
        queued.delete(deliveryKey(delivery))
        const subscription = registry.subscriptions.get(delivery.subscriptionArn)
        const topic = subscription === undefined ? undefined : registry.topics.get(subscription.topicArn)
        if (subscription !== undefined && topic !== undefined) {
          const verdict = throttled({ topic, subscription }, now)
          if (verdict.throttled) {
            skipped++
            throttleLifts = Math.min(throttleLifts ?? Infinity, verdict.until!)
            continue
          }
        }
        // Read before the attempt counts as in flight: a read that fails is an outcome like any other,
        // settled, never an attempt left in flight for a stop to wait on forever.
        const known = knownMessage(delivery.messageId)
        const read = known === undefined ? yield* Effect.either(store.get(delivery.messageId)) : Either.right(known)
        if (lane !== undefined) lanes.set(lane, delivery.messageId)
        inFlight.add(deliveryKey(delivery))
        attempting++
        if (Either.isLeft(read)) {
          settle(delivery, lane, { _tag: "Failed", reason: `the message could not be read: ${read.left.message}`, target: undefined })
        } else {
          attempt(delivery, lane, read.right, registry)
        }
      }
      return { throttleLifts, full: full || (next < backlog.length && !stopping) }
    })

    /** Waits for a wake-up, or until `at` at the latest. */
    const wakeOrAt = (at: number, now: number) =>
      Effect.raceFirst(Queue.take(wake), Effect.sleep(Duration.millis(Math.max(0, at - now))))

    const waitForWork = (throttleLifts: number | undefined) =>
      Effect.gen(function* () {
        // With every slot taken, only a finishing attempt can start anything, and it wakes the loop.
        if (attempting >= concurrency) return yield* Queue.take(wake)
        const now = yield* Clock.currentTimeMillis
        // While announcements flow, the store is read again once the read interval has passed,
        // which finds whatever has come due by then: no need to ask when that is.
        if (announcedSinceRead) {
          return yield* wakeOrAt(Math.min(lastRead + READ_INTERVAL_MS, throttleLifts ?? Infinity), now)
        }
        const next = yield* store.nextDueAt
        // Due now but not started (in flight, behind its lane, or over capacity): a finishing attempt wakes us.
        const candidates = [next !== undefined && next > now ? next : undefined, throttleLifts].filter((t): t is number => t !== undefined)
        if (candidates.length === 0) return yield* Queue.take(wake)
        yield* wakeOrAt(Math.min(...candidates), now)
      })

    const loop = Effect.gen(function* () {
      const result = yield* pass
      if (result.full && attempting < concurrency) return
      yield* waitForWork(result.throttleLifts)
    }).pipe(
      Effect.catchAllCause((cause) =>
        Effect.zipRight(
          Effect.sync(() => log("error", "delivery loop failed; retrying", { cause: Cause.pretty(cause) })),
          Effect.sleep(PAUSE_AFTER_FAILURE)
        )
      ),
      Effect.forever
    )

    const confirm = (subscription: Subscription.Subscription, token: string) =>
      Effect.gen(function* () {
        const topic = (yield* sns.registry).topics.get(subscription.topicArn)
        if (topic === undefined) return
        const now = yield* Clock.currentTimeMillis
        const subscribeUrl = Envelope.subscribeUrl(options.origin, topic.arn, token)
        const fields = Envelope.confirmationFields({
          messageId: randomUUID(),
          token,
          topicArn: topic.arn,
          subscribeUrl,
          at: now,
          signatureVersion: Signature.signatureVersionOf(topic.attributes)
        })
        const document = Envelope.encode(Envelope.confirmation(fields, signer.sign(fields), signingCertUrl))
        if (subscription.protocol === "http" || subscription.protocol === "https") {
          const post = sender.post({
            url: subscription.endpoint,
            messageType: "SubscriptionConfirmation",
            messageId: fields.MessageId,
            topicArn: topic.arn,
            subscriptionArn: undefined,
            raw: false,
            contentType: undefined,
            body: document
          })
          const result = yield* Effect.either(Effect.retry(post, confirmationRetries))
          if (result._tag === "Left") {
            log("warn", "subscription confirmation request could not be delivered", { subscriptionArn: subscription.arn, reason: result.left.reason })
          }
          return
        }
        outbox.put({
          type: "SubscriptionConfirmation",
          protocol: subscription.protocol,
          endpoint: subscription.endpoint,
          subscriptionArn: subscription.arn,
          topicArn: topic.arn,
          messageId: fields.MessageId,
          subject: "AWS Notification - Subscription Confirmation",
          body: subscription.protocol === "email-json" ? document : fields.Message,
          subscribeUrl,
          deliveredAt: new Date(now).toISOString()
        })
      })

    /** Sends a pending subscription its confirmation request, once per token, in the background. */
    const requestConfirmation = (s: Subscription.Subscription) =>
      Effect.suspend(() => {
        const token = s.confirmationToken
        if (s.status !== "PendingConfirmation" || token === undefined || confirmed.has(token)) return Effect.void
        confirmed.add(token)
        return FiberSet.run(
          fibers,
          confirm(s, token).pipe(
            Effect.catchAllCause((cause) =>
              Effect.sync(() => log("error", "subscription confirmation failed", { subscriptionArn: s.arn, cause: Cause.pretty(cause) }))
            )
          )
        )
      })

    const onEvent = (event: Sns.Event) =>
      Effect.gen(function* () {
        if (event._tag === "MessagesAccepted") {
          for (const { message, subscriptionArns } of event.messages) {
            if (recent.size >= RECENT_MESSAGES_KEPT) recent.delete(recent.keys().next().value!)
            recent.set(message.messageId, message)
            // FIFO messages wait for their lane, which a read of the store works out in order: the
            // next pass reads, whatever the interval.
            if (message.fifo !== undefined) {
              lastRead = Number.NEGATIVE_INFINITY
              continue
            }
            if (queued.size + announced.length + subscriptionArns.length > announcedLimit) continue
            announcedSinceRead = true
            for (const subscriptionArn of subscriptionArns) {
              announced.push({ messageId: message.messageId, subscriptionArn, attempts: 0, dueAt: message.timestamp })
            }
          }
          // With every attempt slot taken a pass could start nothing; the next attempt to finish
          // wakes the loop, and its pass sees these messages then.
          if (attempting < concurrency) yield* signal
          return
        }
        for (const change of event.changes) {
          if (change._tag === "DeleteSubscription") {
            for (const lane of lanes.keys()) if (lane.startsWith(`${change.subscriptionArn}\u0000`)) lanes.delete(lane)
            starts.delete(change.subscriptionArn)
          }
          if (change._tag === "PutSubscription") yield* requestConfirmation(change.subscription)
        }
      })

    // A subscription still pending when the broker last stopped may never have had its request sent
    // (a crash between the commit and the send), so each start asks again, once per token.
    for (const s of (yield* sns.registry).subscriptions.values()) yield* requestConfirmation(s)

    // Everything waiting is taken at once: one wake-up per burst of publishes, not one per event.
    yield* FiberSet.run(
      fibers,
      Effect.forever(Effect.flatMap(Queue.takeBetween(events, 1, Number.MAX_SAFE_INTEGER), (taken) => Effect.forEach(taken, onEvent, { discard: true })))
    )
    yield* FiberSet.run(fibers, loop)
  })
