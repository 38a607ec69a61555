/**
 * The replay shell: carries out the replays subscriptions' ReplayPolicy starts (docs/SEMANTICS.md §7,
 * "Message replay"). What a replay selects and how its status moves are the core's (`Replay`); this
 * module reads the topic's archive from the message store, has the core pick the messages the
 * subscription's window and filter policy take, stores their deliveries for that one subscription
 * (marked replayed, `MessageStore.replay`), wakes the dispatcher, and records each step in the
 * registry (`Sns.advanceReplay`), so a ReplayStatus and the deliveries it stands for survive a restart,
 * and counts each step in the broker's metrics.
 *
 * A Pending replay of a confirmed subscription is started; an In progress one is Completed once none
 * of its deliveries is pending. A step whose replay a newer policy superseded changes nothing, and
 * the next look starts the newer one, whose `replay` withdraws the older one's deliveries. After a
 * restart, a Pending replay is started (again, if the broker stopped between storing its deliveries
 * and recording the step: at-least-once, as every delivery).
 *
 * @since 0.1.0
 */
import { MessageStore, type Message, Replay, Routing, Sns, type Subscription, Topic } from "@sealcast/core"
import { Cause, Clock, Duration, Effect, Either, Queue, type Scope } from "effect"
import type { Metrics } from "../metrics/Metrics.js"

/** How often In progress replays are looked at for completion (and Pending ones retried after a failure). */
export const LOOK_INTERVAL = Duration.millis(250)

/** The archive is read this many messages at a time. */
const PAGE = 1000

/**
 * The topic's archived messages in the replay's window, oldest first, read `page` at a time by
 * acceptance instant. Messages sharing the instant that ended a page are read again by the next page
 * and skipped by id; a page that brings nothing new is read again twice as large.
 *
 * @category internals
 */
export const archived = (store: MessageStore.MessageStoreService, topicArn: string, replay: Replay.Replay, page = PAGE) =>
  Effect.gen(function* () {
    const out: Array<Message.StoredMessage> = []
    const seen = new Set<string>()
    let since = replay.startingPoint
    let limit = page
    for (;;) {
      const read = yield* store.listByTopic(topicArn, { since, limit })
      let fresh = 0
      let past = false
      for (const m of read) {
        if (seen.has(m.messageId)) continue
        fresh++
        seen.add(m.messageId)
        if (!Replay.inWindow(replay, m.timestamp)) {
          past = m.timestamp > (replay.endingPoint ?? replay.requestedAt)
          if (past) break
          continue
        }
        out.push(m)
      }
      if (past || read.length < limit) return out
      if (fresh === 0) limit *= 2
      else since = read[read.length - 1]!.timestamp
    }
  })

/**
 * Starts the replayer in the current scope. `wakeDelivery` tells the dispatcher deliveries were stored.
 * Returns what to call when a subscription's replay may have changed, so it is looked at at once.
 *
 * @category constructors
 */
export const start = (options: {
  readonly wakeDelivery: Effect.Effect<void>
  readonly metrics: Metrics
}): Effect.Effect<Effect.Effect<void>, never, Sns.Sns | MessageStore.MessageStore | Scope.Scope> =>
  Effect.gen(function* () {
    const sns = yield* Sns.Sns
    const store = yield* MessageStore.MessageStore
    const wake = yield* Queue.sliding<void>(1)

    /** Records a step of the replay, then counts it. */
    const advance = (subscription: Subscription.Subscription, replay: Replay.Replay, event: Replay.Event) =>
      Effect.tap(sns.advanceReplay(subscription.arn, replay, event), () => options.metrics.replayStep(subscription.topicArn, replay, event))

    /** Whether the subscription's filter policy takes the message, decided on its plaintext when the policy reads the body. */
    const accepts = (recipient: Routing.Recipient, message: Message.StoredMessage) => {
      if (recipient.filterPolicy === undefined) return Effect.succeed(true)
      const onBody = recipient.subscription.attributes["FilterPolicyScope"] === "MessageBody"
      const body = !onBody ? Effect.succeed(message.body._tag === "Plain" ? message.body.text : "") : sns.openBody(message)
      return Effect.map(body, (text) => Routing.accepts(recipient, { attributes: message.attributes, body: text }))
    }

    const begin = (subscription: Subscription.Subscription, replay: Replay.Replay, topic: Topic.Topic | undefined) =>
      Effect.gen(function* () {
        if (topic === undefined || Topic.archive(topic) === undefined) {
          return yield* advance(subscription, replay, { _tag: "ArchiveGone" })
        }
        const messages = yield* archived(store, topic.arn, replay)
        const recipient = Routing.recipient(subscription)
        const taken = new Set<string>()
        for (const m of messages) if (yield* accepts(recipient, m)) taken.add(m.messageId)
        const ids = Replay.select(replay, messages, (m) => taken.has(m.messageId))
        const inserted = yield* store.replay(subscription.arn, ids, yield* Clock.currentTimeMillis)
        if (inserted > 0) yield* options.wakeDelivery
        yield* advance(subscription, replay, { _tag: "Started", inserted })
      })

    const check = (subscription: Subscription.Subscription, replay: Replay.Replay) =>
      Effect.flatMap(store.replaysPending(subscription.arn), (pending) =>
        pending === 0 ? advance(subscription, replay, { _tag: "Drained" }) : Effect.void
      )

    /** One look at every replay; answers whether any is still to be finished. */
    const look = Effect.gen(function* () {
      yield* sns.catchUp
      const registry = yield* sns.registry
      let unfinished = false
      for (const subscription of registry.subscriptions.values()) {
        const replay = subscription.replay
        if (replay === undefined || replay.status === "Completed" || replay.status === "Failed") continue
        unfinished = true
        // A subscription still pending confirmation receives nothing; its replay starts once it is confirmed.
        if (subscription.status !== "Confirmed") continue
        const step = replay.status === "Pending" ? begin(subscription, replay, registry.topics.get(subscription.topicArn)) : check(subscription, replay)
        const done = yield* Effect.either(step)
        if (Either.isLeft(done)) {
          yield* Effect.annotateLogs(Effect.logError("a replay step failed; it is tried again"), {
            subscriptionArn: subscription.arn,
            reason: done.left.message
          })
        }
      }
      return unfinished
    })

    const loop = Effect.gen(function* () {
      const unfinished = yield* look
      yield* unfinished ? Effect.raceFirst(Queue.take(wake), Effect.sleep(LOOK_INTERVAL)) : Queue.take(wake)
    }).pipe(
      Effect.catchAllCause((cause) =>
        Effect.zipRight(Effect.annotateLogs(Effect.logError("the replayer failed; retrying"), { cause: Cause.pretty(cause) }), Effect.sleep(LOOK_INTERVAL))
      ),
      Effect.forever
    )
    yield* Effect.forkScoped(loop)
    return Queue.offer(wake, undefined).pipe(Effect.asVoid)
  })
