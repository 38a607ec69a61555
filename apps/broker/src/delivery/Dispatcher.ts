/**
 * The delivery shell: sends every pending delivery in the message store to its subscriber. What to
 * send next is decided by the scheduler (`Scheduler`, a declared state and its transitions); this
 * module carries its decisions out: it reads the store, starts attempts through the `Sender` of
 * each subscription's protocol, stores their outcomes, and sleeps until there is work.
 *
 * It wakes when the service accepts messages (their deliveries are announced, so the store need not
 * be read for them) and when the store's next delivery falls due. An attempt gets the message its
 * pass read (or the one just accepted) and the subscription and topic of the pass's registry; the
 * body is opened (KMS Decrypt of its data key, docs/SEMANTICS.md §1.4) only then, just before it is sent,
 * once for the attempts of one message started in one turn of the event loop.
 * The outcome goes back to the store: Delivered, Retry at the delay the subscription's retry policy
 * gives (`RetrySchedule`), or Dropped once that policy is spent or the failure is one SNS does not
 * retry (SNS guide, "Amazon SNS message delivery retries"). A dropped delivery is counted and logged,
 * and moved to its subscription's dead-letter queue if it has one (`SubscriptionDlq`). The outcomes
 * of one event-loop turn are stored together.
 *
 * Confirmation requests of new subscriptions, and of those still pending when delivery starts, are
 * `Confirmations`'.
 *
 * It logs with the fiber's logger (`Log.ts`); log fields never include a message body: for an
 * encrypted topic the body must not reach a log in plaintext (docs/CONTRACT.md, "At rest").
 *
 * Stopping: closing the scope stops new attempts and waits for those in flight to finish and settle
 * (each is bounded by the 15-second delivery timeout, the wait by STOP_GRACE). Deliveries not yet
 * attempted stay pending in the store; with a durable store a restart sends them.
 *
 * @since 0.1.0
 */
import { type Cipher, type Errors, type Ids, type Message, MessageStore, type Registry, Replay, Routing, Sns, Sqs, type Subscription } from "@sealcast/core"
import { Cause, Clock, Duration, Effect, Either, Exit, FiberSet, Option, Queue, Runtime, type Scope } from "effect"
import { batchUntilNextTurn } from "../internal/NextTurn.js"
import * as Log from "../Log.js"
import type { Metrics } from "../metrics/Metrics.js"
import * as Confirmations from "./Confirmations.js"
import * as Envelope from "./Envelope.js"
import type * as Functions from "./Functions.js"
import * as HttpDelivery from "./HttpDelivery.js"
import * as HttpSender from "./HttpSender.js"
import * as LambdaSender from "./LambdaSender.js"
import type { Outbox } from "./Outbox.js"
import * as OutboxSender from "./OutboxSender.js"
import * as Replayer from "./Replayer.js"
import * as RetrySchedule from "./RetrySchedule.js"
import * as Scheduler from "./Scheduler.js"
import * as Sender from "./Sender.js"
import * as Signature from "./Signature.js"
import * as SqsSender from "./SqsSender.js"
import * as SubscriptionDlq from "./SubscriptionDlq.js"

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
  /** Attempts in flight at once; DEFAULT_CONCURRENCY unless given. */
  readonly concurrency?: number | undefined
  /** How long a stop waits for the attempts in flight; STOP_GRACE unless given. */
  readonly stopGrace?: Duration.Duration | undefined
  /** `--lenient-queue-policies`: SQS deliveries skip the queue-policy check (docs/SEMANTICS.md §8). */
  readonly lenientQueuePolicies?: boolean | undefined
}

/**
 * Attempts in flight at once, unless the options say otherwise. The posts themselves run on the
 * delivery worker thread, so a slot costs the event loop little while its endpoint answers; with 32,
 * delivery to one local subscriber fell behind a steady stream of publishes, because each slot
 * also waits out the event loop's turns.
 */
export const DEFAULT_CONCURRENCY = 128

/** After an unexpected failure (of the loop, or of an attempt before its endpoint), look again after this long. */
const PAUSE_AFTER_FAILURE = Duration.seconds(1)

/**
 * How long a stop waits for the attempts in flight: each is bounded by the 15-second delivery
 * timeout, and a few seconds more let its outcome commit. Past it the stop goes on; what was not
 * settled is still pending in the store.
 */
export const STOP_GRACE = Duration.seconds(20)

/** Recently accepted messages kept for their first delivery (see `recent`): a few MiB of 1 KiB messages. */
const RECENT_MESSAGES_KEPT = 4096

/** Message FIFO data cached by message id, cleared whole past this size (a miss only costs a store read). */
const FIFO_CACHE_LIMIT = 100_000

/** Pending rows read at start to find FIFO lane heads waiting for their retries. */
const RECOVERY_READ_LIMIT = 100_000

/** Messages whose sealed body was refused and logged, forgotten all at once past this many. */
const REFUSALS_REMEMBERED = 10_000

/** What the store keeps of a delivered delivery, one value for all of them. */
const DELIVERED: MessageStore.DeliveryOutcome = { _tag: "Delivered" }

/**
 * One attempt's outcome, as the store takes it (`MessageStore.Settlement`, copied to its three fields
 * for the store) and with what to report once it is stored. Which outcome it was follows from `outcome` and `target`: Delivered; Retry or
 * Dropped with a target is a failed attempt the retry policy decided about; without one, Dropped is
 * a delivery whose message, subscription or topic is gone, and Retry an attempt that broke before
 * its endpoint (looked at again shortly, without spending a retry).
 */
interface Settling extends MessageStore.Settlement {
  readonly candidate: Scheduler.Candidate
  readonly target: Sender.Target | undefined
  readonly reason: string | undefined
  /** The message as the subscription receives it, for a dead-letter queue should the delivery end here. */
  readonly text: string | undefined
}

/** The HTTP/S throttle policy's rate for a subscription, if it has one. */
const rateIn = (registry: Registry.Registry) => (subscriptionArn: string): number | undefined => {
  const subscription = registry.subscriptions.get(subscriptionArn)
  if (subscription === undefined || (subscription.protocol !== "http" && subscription.protocol !== "https")) return undefined
  const topic = registry.topics.get(subscription.topicArn)
  return topic === undefined ? undefined : Routing.deliveryPolicyFor(topic, subscription).maxReceivesPerSecond
}

/** Only a FIFO topic's messages have lanes, and FifoTopic is fixed when a topic is created (SNS API reference, CreateTopic). */
const isFifoDelivery = (registry: Registry.Registry, delivery: MessageStore.PendingDelivery): boolean => {
  const subscription = registry.subscriptions.get(delivery.subscriptionArn)
  const topic = subscription === undefined ? undefined : registry.topics.get(subscription.topicArn)
  return topic !== undefined && topic.attributes["FifoTopic"] === "true"
}

/** Why a sealed body did not open, for the log: the KMS's or the cipher's own words, never the body. */
const refusalReason = (failure: { readonly _tag: string; readonly message?: string; readonly reason?: string }): string =>
  `${failure._tag}: ${failure.message ?? failure.reason ?? "no reason given"}`

/**
 * Starts the engine in the current scope. Subscribes to the service's events before it returns, so
 * start it before the broker takes requests.
 *
 * @category constructors
 */
export const start = (
  options: Options
): Effect.Effect<void, Signature.SigningKeyError, Sns.Sns | Sqs.Sqs | MessageStore.MessageStore | Ids.Ids | Scope.Scope> =>
  Effect.gen(function* () {
    const sns = yield* Sns.Sns
    const sqs = yield* Sqs.Sqs
    const store = yield* MessageStore.MessageStore
    const signer = yield* Signature.makeSigner(options.signing)
    const poster = yield* HttpDelivery.makeHttpPoster(options.caPem)
    const fibers = yield* FiberSet.make()
    const events = yield* sns.events
    const wake = yield* Queue.sliding<void>(1)
    const runtime = yield* Effect.runtime<never>()
    const runCallback = Runtime.runCallback(runtime)
    const clock = yield* Effect.clock
    const { metrics } = options
    /** For the plain callbacks below; what runs as an effect logs with `Effect.log…`. */
    const log = Log.plainFrom(runtime)

    const notifier = Sender.makeNotifier(options.origin, signer)
    const lenientQueuePolicies = options.lenientQueuePolicies === true
    /** Refused SQS writes already logged, by message and subscription, so each is logged once, not once per attempt. */
    const sqsRefusalsLogged = new Set<string>()
    const sqsRefused = (target: Sender.Target, refusal: SqsSender.Refusal, reason: string) => {
      const { message, subscription, topic } = target
      metrics.sqsDeliveryRefused(topic.arn, subscription.endpoint, refusal)
      const key = `${message.messageId}\u0000${subscription.arn}`
      if (sqsRefusalsLogged.has(key)) return
      if (sqsRefusalsLogged.size >= REFUSALS_REMEMBERED) sqsRefusalsLogged.clear()
      sqsRefusalsLogged.add(key)
      log("warn", "the queue refused a delivery; it is retried by the subscription's retry policy", {
        messageId: message.messageId,
        subscriptionArn: subscription.arn,
        queueArn: subscription.endpoint,
        reason
      })
    }
    const dlq = SubscriptionDlq.make(sqs, notifier, runtime, { lenientQueuePolicies, log })
    const http = HttpSender.make(poster, notifier)
    const outbox = OutboxSender.make(options.outbox, notifier)
    const senders: Sender.Senders = {
      http,
      https: http,
      lambda: LambdaSender.make(options.functions, notifier, runtime),
      sqs: SqsSender.make(sqs, notifier, runtime, { lenientQueuePolicies, refused: sqsRefused }),
      email: outbox,
      "email-json": outbox,
      sms: outbox,
      application: outbox,
      firehose: outbox
    }
    const confirmations = yield* Confirmations.make({ origin: options.origin, signer, poster, outbox: options.outbox, sqs, lenientQueuePolicies })

    const state = Scheduler.initial(options.concurrency ?? DEFAULT_CONCURRENCY)

    /** FIFO data of the messages passes have seen (null: none, or no longer stored). */
    const fifoOf = new Map<string, Message.FifoInfo | null>()
    /** Messages the last read loaded for their FIFO data, handed to their attempts so they are not read twice. */
    let loaded = new Map<string, Message.StoredMessage>()
    /**
     * The messages most recently accepted, as stored (sealed bodies sealed), from the service's
     * events: a message is usually delivered moments after it is accepted, and reading it back from
     * the store was a tenth of each delivery's CPU time. Oldest forgotten first past
     * RECENT_MESSAGES_KEPT; a message not here is read from the store.
     */
    const recent = new Map<string, Message.StoredMessage>()
    /**
     * `recent`'s ids as they came, a ring whose next slot holds the oldest. Asking the map itself for
     * its oldest key walks past every key deleted since V8 last compacted it, a µs per message.
     */
    const recentOrder = new Array<string | undefined>(RECENT_MESSAGES_KEPT)
    let recentNext = 0
    const rememberRecent = (message: Message.StoredMessage) => {
      const oldest = recentOrder[recentNext]
      if (oldest !== undefined) recent.delete(oldest)
      recentOrder[recentNext] = message.messageId
      recentNext = (recentNext + 1) % RECENT_MESSAGES_KEPT
      recent.set(message.messageId, message)
    }
    const knownMessage = (messageId: string) => loaded.get(messageId) ?? recent.get(messageId)
    /** Messages whose sealed body was refused, so each refusal is logged once, not once per attempt. */
    const refused = new Set<string>()
    /**
     * Sealed bodies opened in this turn of the event loop, by message id: a message's other attempts
     * started in the same turn (its other subscriptions) send the same text rather than open it again
     * (docs/PERFORMANCE.md, "A message's body opened once for its subscriptions"). Forgotten at the
     * turn's end, so each turn's attempts are checked against KMS as it is then.
     */
    let openedThisTurn = new Map<string, string>()
    const forgetOpened = () => {
      openedThisTurn = new Map()
    }
    const rememberOpened = (messageId: string, text: string) => {
      if (openedThisTurn.size === 0) setImmediate(forgetOpened)
      openedThisTurn.set(messageId, text)
    }

    const signal = Queue.offer(wake, undefined)

    let whenIdle: (() => void) | undefined
    yield* Effect.addFinalizer(() =>
      // Finalizers run uninterruptibly, and a timeout waits for what it interrupts: the wait itself
      // must be interruptible for the grace to end it.
      Effect.interruptible(
        Effect.async<void>((resume) => {
          if (Scheduler.stopped(state)) return resume(Effect.void)
          whenIdle = () => resume(Effect.void)
        })
      ).pipe(
        Effect.timeoutOption(options.stopGrace ?? STOP_GRACE),
        Effect.flatMap((idle) =>
          Option.isSome(idle)
            ? Effect.void
            : Effect.annotateLogs(Effect.logWarning("stopped with delivery attempts unfinished; they stay pending and are sent after a restart"), {
              attempts: state.inFlight.size
            })
        )
      )
    )

    // -------------------------------------------------------------------------------------------
    // Storing outcomes
    // -------------------------------------------------------------------------------------------

    /** What a stored outcome reports: metrics, a log line, and the scheduler's view of it. */
    const report = (s: Settling, committed: boolean): void => {
      const fields = { messageId: s.messageId, subscriptionArn: s.subscriptionArn }
      let ended = false
      if (!committed) {
        // Logged where the batch failed.
      } else if (s.outcome._tag === "Delivered") {
        ended = true
        metrics.delivered(s.target!.topic.arn, s.target!.subscription.protocol)
      } else if (s.target === undefined) {
        ended = s.outcome._tag === "Dropped"
        if (ended) log("info", "delivery dropped", { ...fields, reason: s.reason! })
        else log("error", "delivery could not be attempted", { ...fields, reason: s.reason! })
      } else if (s.outcome._tag === "Retry") {
        log("debug", "delivery attempt failed, will retry", { ...fields, attempts: s.outcome.attempts, reason: s.reason! })
      } else {
        ended = true
        const { topic, subscription } = s.target
        const protocol = subscription.protocol
        if (protocol !== "http" && protocol !== "https") metrics.failed(topic.arn, protocol)
        metrics.dropped(topic.arn, protocol)
        log("warn", "delivery dropped after its retry policy was spent, or on an error SNS does not retry", {
          ...fields,
          attempts: s.outcome.attempts,
          reason: s.reason!
        })
        dlq.moveToDlq(s.target, s.text, s.reason!)
      }
      if (Scheduler.outcomeSettled(state, s.candidate, committed, ended, s.outcome._tag === "Retry" ? s.outcome.dueAt : undefined)) whenIdle?.()
      Queue.unsafeOffer(wake, undefined)
    }

    /**
     * The outcomes decided in one turn of the event loop, stored together after the turn's I/O: one
     * store call and one fiber for all of them, and the store commits them in one transaction.
     */
    const settling = batchUntilNextTurn<Settling>((batch) =>
      runCallback(store.settle(batch.map(({ messageId, subscriptionArn, outcome }) => ({ messageId, subscriptionArn, outcome }))), {
        onExit: (exit) => {
          if (Exit.isFailure(exit)) {
            for (const s of batch) {
              log("error", "delivery attempt could not be settled", { messageId: s.messageId, subscriptionArn: s.subscriptionArn, cause: Cause.pretty(exit.cause) })
            }
          }
          for (const s of batch) report(s, Exit.isSuccess(exit))
        }
      })
    )

    /**
     * An attempt is answered (or broke, or found its delivery gone): its slot is free, and what to
     * store is decided. A failed attempt at the endpoint spends a retry; CloudWatch's
     * NumberOfNotificationsFailed counts every failed HTTP/S attempt, and for other protocols each
     * delivery SNS gives up on (SNS guide, "Amazon SNS metrics").
     */
    const attemptAnswered = (
      candidate: Scheduler.Candidate,
      target: Sender.Target | undefined,
      failure: Sender.SendFailure | undefined,
      gone: string | undefined,
      text?: string
    ): void => {
      Scheduler.answered(state)
      Queue.unsafeOffer(wake, undefined)
      const d = candidate.delivery
      let outcome: MessageStore.DeliveryOutcome
      let reason: string | undefined
      try {
        if (gone !== undefined) {
          outcome = { _tag: "Dropped", attempts: d.attempts }
          reason = gone
          target = undefined
        } else if (failure === undefined && target !== undefined) {
          outcome = DELIVERED
        } else if (target === undefined || failure === undefined || failure.beforeEndpoint === true) {
          outcome = { _tag: "Retry", attempts: d.attempts, dueAt: clock.unsafeCurrentTimeMillis() + Duration.toMillis(PAUSE_AFTER_FAILURE) }
          reason = failure?.reason ?? "the attempt broke before its endpoint"
          target = undefined
        } else {
          const { topic, subscription } = target
          if (subscription.protocol === "http" || subscription.protocol === "https") metrics.failed(topic.arn, subscription.protocol)
          outcome = failure.permanent === true
            ? { _tag: "Dropped", attempts: d.attempts + 1 }
            : RetrySchedule.afterFailedAttempt(RetrySchedule.retryPolicyFor(topic, subscription), d.attempts + 1, clock.unsafeCurrentTimeMillis())
          reason = failure.reason
        }
      } catch (cause) {
        log("error", "delivery attempt could not be settled", { messageId: d.messageId, subscriptionArn: d.subscriptionArn, cause: String(cause) })
        if (Scheduler.outcomeSettled(state, candidate, false, false, undefined)) whenIdle?.()
        Queue.unsafeOffer(wake, undefined)
        return
      }
      settling.add({ messageId: d.messageId, subscriptionArn: d.subscriptionArn, outcome, candidate, target, reason, text })
    }

    // -------------------------------------------------------------------------------------------
    // Attempts
    // -------------------------------------------------------------------------------------------

    /**
     * A sealed body the service could not open (the KMS refused its data key, or the envelope did
     * not authenticate) holds its deliveries back: each message's refusal is logged once, with what
     * a person needs to find the cause and never the plaintext, and counted per subscription.
     */
    const bodyRefused = (target: Sender.Target, failure: { readonly _tag: string; readonly message?: string; readonly reason?: string }) => {
      const { message, subscription, topic } = target
      metrics.sealedBodyRefused(topic.arn, subscription.arn)
      if (refused.has(message.messageId)) return
      if (refused.size >= REFUSALS_REMEMBERED) refused.clear()
      refused.add(message.messageId)
      log("error", "a sealed message body could not be opened; its deliveries are held back", {
        messageId: message.messageId,
        topicArn: topic.arn,
        keyArn: message.body._tag === "Sealed" ? message.body.envelope.keyArn : "",
        reason: refusalReason(failure)
      })
    }

    /**
     * One attempt, from its message to its answer. Plain code and callbacks rather than a fiber per
     * step: this runs for every delivery, and fibers per step were the largest share of its CPU
     * time. Effects run only where a service is asynchronous (KMS for a sealed body, a Lambda
     * function), each as one fiber. Nothing here throws past its caller: an unexpected throw is an
     * attempt that broke before reaching the endpoint.
     *
     * `message` is what the pass read (undefined: no longer stored); `registry` is the pass's view.
     */
    const attempt = (candidate: Scheduler.Candidate, message: Message.StoredMessage | undefined, registry: Registry.Registry): void => {
      let done = false
      let target: Sender.Target | undefined
      let sentText: string | undefined
      const finish = (failure: Sender.SendFailure | undefined) => {
        if (done) return
        done = true
        attemptAnswered(candidate, target, failure, undefined, sentText)
      }
      const broke = (cause: unknown) => finish({ reason: String(cause), beforeEndpoint: true })
      try {
        if (message === undefined) {
          done = true
          return attemptAnswered(candidate, undefined, undefined, "the message is no longer stored")
        }
        const subscription = registry.subscriptions.get(candidate.delivery.subscriptionArn)
        const topic = registry.topics.get(message.topicArn)
        if (subscription === undefined || topic === undefined) {
          done = true
          return attemptAnswered(candidate, undefined, undefined, subscription === undefined ? "the subscription was deleted" : "the topic was deleted")
        }
        if (subscription.protocol === "application") {
          // A push to a deleted or disabled device endpoint is not delivered (SNS API reference,
          // SetEndpointAttributes: Enabled "SNS will not deliver notifications to the endpoint").
          const endpoint = registry.platformEndpoints.get(subscription.endpoint)
          if (endpoint === undefined || endpoint.attributes["Enabled"] !== "true") {
            done = true
            return attemptAnswered(candidate, undefined, undefined, endpoint === undefined ? "the endpoint was deleted" : "the endpoint is disabled")
          }
        }
        if (candidate.delivery.replayed && subscription.replay === undefined) {
          done = true
          return attemptAnswered(candidate, undefined, undefined, "the subscription's replay was stopped")
        }
        // A replayed message goes out as it was published, marked replayed (docs/SEMANTICS.md §7).
        const sendTo: Sender.Target = (target = { message: candidate.delivery.replayed ? Replay.markReplayed(message) : message, subscription, topic })
        const sendOpened = (body: string) => {
          try {
            sentText = Envelope.messageFor(message, body, subscription.protocol, subscription.endpoint)
            senders[subscription.protocol].send(sendTo, sentText, clock.unsafeCurrentTimeMillis(), finish)
          } catch (cause) {
            broke(cause)
          }
        }
        // A plain body is its own text (the first rule of `Sns.openBody`); only a sealed one needs
        // the service, for the KMS Decrypt of its data key.
        if (message.body._tag === "Plain") return sendOpened(message.body.text)
        const opened = openedThisTurn.get(message.messageId)
        if (opened !== undefined) return sendOpened(opened)
        const openedNow = (text: string) => {
          rememberOpened(message.messageId, text)
          sendOpened(text)
        }
        const notOpened = (failure: Errors.KmsFailure | Cipher.CipherOpenError) => {
          bodyRefused(sendTo, failure)
          finish({ reason: `the body could not be opened: ${failure._tag}` })
        }
        // With its data key opened in the last 5 minutes, a body opens in place, with no fiber.
        const now = sns.openBodyNow(message, clock.unsafeCurrentTimeMillis())
        if (now !== undefined) return Either.isRight(now) ? openedNow(now.right) : notOpened(now.left)
        runCallback(sns.openBody(message), {
          onExit: (exit) => {
            if (Exit.isSuccess(exit)) return openedNow(exit.value)
            const failure = Cause.failureOption(exit.cause)
            if (Option.isNone(failure)) return broke(Cause.pretty(exit.cause))
            notOpened(failure.value)
          }
        })
      } catch (cause) {
        broke(cause)
      }
    }

    // -------------------------------------------------------------------------------------------
    // Passes
    // -------------------------------------------------------------------------------------------

    const laneOfRead = (delivery: MessageStore.PendingDelivery) => fifoOf.get(delivery.messageId) ?? undefined

    /** Reads due rows into the scheduler, with the FIFO data their lanes need; answers whether the read was full. */
    const readDue = (now: number) =>
      Effect.gen(function* () {
        const limit = Scheduler.readLimit(state)
        Scheduler.readBegun(state)
        const due = yield* store.due(now, limit)
        // A row another broker's publish wrote may be for a subscription made through that broker:
        // read after the rows, the registry holds every subscription they name.
        yield* sns.catchUp
        const registry = yield* sns.registry
        loaded = new Map()
        // Cleared before, never during, the loop: every FIFO row of this read must find its entry.
        if (fifoOf.size + due.length > FIFO_CACHE_LIMIT) fifoOf.clear()
        for (const delivery of due) {
          if (fifoOf.has(delivery.messageId) || !isFifoDelivery(registry, delivery)) continue
          let message = knownMessage(delivery.messageId)
          if (message === undefined) {
            const read = yield* Effect.either(store.get(delivery.messageId))
            // A message that cannot be read has no lane here: its attempt reads it again and settles
            // the failure, while the other due deliveries go on.
            if (Either.isLeft(read)) continue
            message = read.right
          }
          fifoOf.set(delivery.messageId, message?.fifo ?? null)
          if (message !== undefined) loaded.set(message.messageId, message)
        }
        // Only a FIFO topic's messages are in `fifoOf`, so a standard topic's row needs no registry lookup here.
        return Scheduler.dueRowsAdmitted(state, due, limit, laneOfRead, now)
      })

    /** Starts what the scheduler says may start now, reading the store first when it says so. */
    const pass = Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      const full = Scheduler.passBegun(state, now) ? yield* readDue(now) : false
      const registry = yield* sns.registry
      const started = Scheduler.startNow(state, rateIn(registry), now, full)
      for (const candidate of started.starts) {
        // The scheduler already counts the attempt in flight: a read that fails is settled like any
        // other outcome (retried without spending a retry), never left in flight for a stop to
        // wait on forever.
        let message = knownMessage(candidate.delivery.messageId)
        if (message === undefined) {
          const read = yield* Effect.either(store.get(candidate.delivery.messageId))
          if (Either.isLeft(read)) {
            attemptAnswered(candidate, undefined, { reason: `the message could not be read: ${read.left.message}`, beforeEndpoint: true }, undefined)
            continue
          }
          message = read.right
        }
        attempt(candidate, message, registry)
      }
      return started
    })

    /**
     * The earliest instant an alarm set by `wakeOrAt` will wake the loop at; Infinity for none. While
     * announcements flow the loop asks for the same instant pass after pass (the next read's), and
     * one alarm serves them all: a pass no longer races a timer against its wake-up, which cost two
     * fibers and a timer per pass (docs/PERFORMANCE.md, "Delivery: one alarm for many passes").
     */
    let alarmAt = Infinity

    /**
     * Waits for a wake-up, or until `at` at the latest: an alarm at `at` or before is set unless one
     * is. An alarm that rings after the loop has moved on only makes one pass more, which finds
     * nothing to do.
     */
    const wakeOrAt = (at: number, now: number) =>
      Effect.gen(function* () {
        if (at < alarmAt) {
          alarmAt = at
          const ring = Effect.sync(() => {
            if (alarmAt === at) alarmAt = Infinity
            Queue.unsafeOffer(wake, undefined)
          })
          yield* FiberSet.run(fibers, Effect.delay(ring, Duration.millis(Math.max(0, at - now))))
        }
        yield* Queue.take(wake)
      })

    const waitForWork = (throttleLifts: number | undefined) =>
      Effect.gen(function* () {
        const wait = Scheduler.waitAfterPass(state, throttleLifts)
        if (wait._tag === "Wake") return yield* Queue.take(wake)
        const now = yield* Clock.currentTimeMillis
        if (wait._tag === "WakeOrAt") return yield* wakeOrAt(wait.at, now)
        const at = Scheduler.wakeAfterNextDue(state, yield* store.nextDueAt, throttleLifts, now)
        return yield* at === undefined ? Queue.take(wake) : wakeOrAt(at, now)
      })

    const loop = Effect.gen(function* () {
      const started = yield* pass
      if (started.more && state.attempting < state.concurrency) return
      yield* waitForWork(started.throttleLifts)
    }).pipe(
      Effect.catchAllCause((cause) =>
        Effect.zipRight(
          Effect.annotateLogs(Effect.logError("delivery loop failed; retrying"), { cause: Cause.pretty(cause) }),
          Effect.sleep(PAUSE_AFTER_FAILURE)
        )
      ),
      Effect.forever
    )

    // -------------------------------------------------------------------------------------------
    // Events
    // -------------------------------------------------------------------------------------------

    const onEvent = (event: Sns.Event): Effect.Effect<void> => {
      if (event._tag === "MessagesAccepted") {
        let toDeliver = false
        for (const { message, subscriptionArns } of event.messages) {
          // A message no subscription takes has nothing to deliver: no wake-up, no pass (the cost of
          // a Publish to a topic nobody reads, docs/PERFORMANCE.md, "CPU per request").
          if (subscriptionArns.length === 0) continue
          toDeliver = true
          rememberRecent(message)
          Scheduler.announcementAdmitted(state, message.messageId, message.timestamp, message.fifo !== undefined, subscriptionArns)
        }
        // With every attempt slot taken a pass could start nothing; the next attempt to be answered
        // wakes the loop, and its pass sees these messages then.
        return toDeliver && Scheduler.hasFreeSlot(state) ? signal : Effect.void
      }
      if (event._tag === "DirectMessageAccepted") {
        options.outbox.put({
          type: "Notification",
          protocol: event.kind,
          endpoint: event.target,
          accountId: event.accountId,
          subscriptionArn: undefined,
          topicArn: undefined,
          messageId: event.messageId,
          subject: event.subject,
          body: event.text,
          subscribeUrl: undefined,
          deliveredAt: new Date(event.timestamp).toISOString()
        })
        return Effect.void
      }
      return Effect.forEach(
        event.changes,
        (change) => {
          if (change._tag === "DeleteSubscription") Scheduler.subscriptionRemoved(state, change.subscriptionArn)
          if (change._tag !== "PutSubscription") return Effect.void
          // A ReplayPolicy set, or a subscription confirmed, may start a replay.
          return Effect.zipRight(change.subscription.replay === undefined ? Effect.void : lookAtReplays, confirmations.request(change.subscription))
        },
        { discard: true }
      )
    }

    /**
     * Restart recovery: a FIFO lane's head that was waiting for its retry when the broker last
     * stopped holds its lane again, before any pass can start a later message of its group.
     */
    const recoverLanes = Effect.gen(function* () {
      const registry = yield* sns.registry
      let fifoTopics = false
      for (const topic of registry.topics.values()) if (topic.attributes["FifoTopic"] === "true") fifoTopics = true
      if (!fifoTopics) return
      const pending = yield* store.due(Number.MAX_SAFE_INTEGER, RECOVERY_READ_LIMIT)
      for (const delivery of pending) {
        if (delivery.attempts === 0 || fifoOf.has(delivery.messageId) || !isFifoDelivery(registry, delivery)) continue
        const read = yield* Effect.either(store.get(delivery.messageId))
        // A message that cannot be read holds no lane: its own attempts settle the failure.
        if (Either.isRight(read)) fifoOf.set(delivery.messageId, read.right?.fifo ?? null)
      }
      Scheduler.lanesRecovered(state, pending, laneOfRead)
    })
    yield* recoverLanes.pipe(
      Effect.catchAll((failure) => Effect.annotateLogs(Effect.logError("FIFO lanes could not be recovered from the store"), { reason: failure.message }))
    )

    // A subscription still pending when the broker last stopped may never have had its request sent
    // (a crash between the commit and the send), so each start asks again, once per token.
    yield* Effect.forEach((yield* sns.registry).subscriptions.values(), (s: Subscription.Subscription) => confirmations.request(s), { discard: true })

    const lookAtReplays = yield* Replayer.start({ wakeDelivery: signal, metrics })

    // Everything waiting is taken at once: one wake-up per burst of publishes, not one per event.
    yield* FiberSet.run(
      fibers,
      Effect.forever(Effect.flatMap(Queue.takeBetween(events, 1, Number.MAX_SAFE_INTEGER), (taken) => Effect.forEach(taken, onEvent, { discard: true })))
    )
    yield* FiberSet.run(fibers, loop)
  })
