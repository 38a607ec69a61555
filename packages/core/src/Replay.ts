/**
 * Message replay for FIFO topic subscribers: which archived messages a subscription's ReplayPolicy
 * selects, whether a policy fits the topic's archive, and the replay's status as a value changed only
 * by pure transitions (docs/SEMANTICS.md §7, "Message replay").
 *
 * SNS Developer Guide, "Amazon SNS message replay for FIFO topic subscribers": a subscriber sets a
 * ReplayPolicy on its subscription; the archived messages of the chosen window are redelivered to its
 * endpoint, with the same content, MessageId and Timestamp, marked `Replayed`; the subscription's
 * filter policy chooses among them; starting a replay supersedes the one before.
 *
 * @since 0.1.0
 */
import { Either } from "effect"
import * as Archive from "./Archive.js"
import { invalidParameter, type InvalidParameter, ReplayLimitExceeded } from "./Errors.js"
import type { StoredMessage } from "./Message.js"

/**
 * The values of the subscription's read-only ReplayStatus attribute (SNS API Reference, Subscribe,
 * Attributes: "Completed", "In progress", "Failed", "Pending").
 *
 * @category models
 */
export type ReplayStatus = "Pending" | "In progress" | "Completed" | "Failed"

/**
 * A subscription's replay: its window and how far it got.
 *
 * @category models
 */
export interface Replay {
  readonly status: ReplayStatus
  /** The window's first instant (ms since the epoch). */
  readonly startingPoint: number
  /** The window's last instant; undefined: up to `requestedAt`. */
  readonly endingPoint: number | undefined
  /**
   * When the policy was set: the window's end when it names none, and the replay's identity, so a
   * step decided for a replay that a later policy superseded is not applied to the new one.
   */
  readonly requestedAt: number
}

/**
 * What happens to a replay, as the shell observes it.
 *
 * @category models
 */
export type Event =
  /** The selected messages' deliveries were stored; `inserted` of them. */
  | { readonly _tag: "Started"; readonly inserted: number }
  /** None of the replay's deliveries is pending any more. */
  | { readonly _tag: "Drained" }
  /** The topic keeps no archive any more, so the replay cannot be made. */
  | { readonly _tag: "ArchiveGone" }

/**
 * A replay as a ReplayPolicy starts it: "Pending – The default state while the replay initiates."
 *
 * @category constructors
 */
export const requested = (policy: Archive.ReplayPolicy, at: number): Replay => ({
  status: "Pending",
  startingPoint: policy.startingPoint,
  endingPoint: policy.endingPoint,
  requestedAt: at
})

/**
 * The one transition function. Pending starts (In progress, or Completed at once when nothing was
 * selected) or fails; In progress completes once its deliveries are drained; Completed and Failed
 * are final until a new ReplayPolicy replaces the replay. Any other pair leaves it as it is.
 *
 * @category transitions
 */
export const transition = (replay: Replay, event: Event): Replay => {
  switch (replay.status) {
    case "Pending":
      if (event._tag === "Started") return { ...replay, status: event.inserted === 0 ? "Completed" : "In progress" }
      if (event._tag === "ArchiveGone") return { ...replay, status: "Failed" }
      return replay
    case "In progress":
      return event._tag === "Drained" ? { ...replay, status: "Completed" } : replay
    case "Completed":
    case "Failed":
      return replay
  }
}

/**
 * Whether two values are the same replay (a step decided for one applies only to it).
 *
 * @category rules
 */
export const same = (a: Replay | undefined, b: Replay): boolean =>
  a !== undefined && a.requestedAt === b.requestedAt && a.startingPoint === b.startingPoint && a.endingPoint === b.endingPoint

/**
 * Checks a decoded ReplayPolicy against the subscription's topic at `now`: only an archived FIFO topic
 * replays; the window starts no earlier than the topic's BeginningArchiveTime ("The start time should
 * be later than the beginning of the approximated archive time") and lies wholly in the past.
 *
 * @category validation
 */
export const checkWindow = (
  policy: Archive.ReplayPolicy,
  topic: { readonly fifo: boolean; readonly archive: { readonly policy: Archive.ArchivePolicy; readonly archivedSince: number } | undefined },
  now: number
): Either.Either<Archive.ReplayPolicy, InvalidParameter> => {
  const bad = (reason: string) => Either.left(invalidParameter("ReplayPolicy", reason))
  if (!topic.fifo) return bad("ReplayPolicy is only supported for subscriptions to FIFO topics")
  if (topic.archive === undefined) return bad("The topic has no ArchivePolicy, so it keeps no messages to replay")
  const beginning = Archive.beginningArchiveTime(topic.archive.policy, topic.archive.archivedSince, now)
  if (policy.startingPoint < beginning) {
    return bad(`StartingPoint must not be before the topic's BeginningArchiveTime (${new Date(beginning).toISOString()})`)
  }
  if (policy.startingPoint > now) return bad("StartingPoint must not be in the future")
  if (policy.endingPoint !== undefined && policy.endingPoint > now) return bad("EndingPoint must not be in the future")
  return Either.right(policy)
}

/**
 * How many replays may be unfinished (Pending or In progress) at once across the topics of one
 * account. SNS declares `ReplayLimitExceeded` ("the maximum number of concurrent message replays",
 * SNS API Reference, Subscribe and SetSubscriptionAttributes) but its quota pages name no figure, so
 * this one is the broker's own. It is the account's, as SNS's other quotas are, not a topic's: a
 * FIFO topic has at most 100 subscriptions, each with at most one replay, so a topic's own limit of
 * 100 could never be reached.
 *
 * @category limits
 */
export const MAX_UNFINISHED_PER_ACCOUNT = 100

/**
 * Whether a replay still counts against the limit: from the moment its policy is accepted until it
 * is Completed or Failed.
 *
 * @category rules
 */
export const isUnfinished = (replay: Replay | undefined): boolean =>
  replay !== undefined && (replay.status === "Pending" || replay.status === "In progress")

/**
 * Whether one more replay may start in an account whose topics' other subscriptions have `unfinished`
 * replays (a subscription's own replay does not count: a new policy supersedes it).
 *
 * @category validation
 */
export const checkLimit = (unfinished: number, limit = MAX_UNFINISHED_PER_ACCOUNT): Either.Either<void, ReplayLimitExceeded> =>
  unfinished < limit
    ? Either.void
    : Either.left(
      new ReplayLimitExceeded({
        message: `The account already has ${limit} message replays that are not finished, the most that may run at once; try again once one completes`
      })
    )

/**
 * Whether a message accepted at `timestamp` falls in the replay's window (both ends included).
 *
 * @category rules
 */
export const inWindow = (replay: Replay, timestamp: number): boolean =>
  timestamp >= replay.startingPoint && timestamp <= (replay.endingPoint ?? replay.requestedAt)

/**
 * The messages a replay redelivers, in the archive's (acceptance) order: those in its window that the
 * subscription's filter policy accepts (`matches`, decided by the caller on the message as the
 * subscription would receive it).
 *
 * @category rules
 */
export const select = <M extends { readonly messageId: string; readonly timestamp: number }>(
  replay: Replay,
  archived: ReadonlyArray<M>,
  matches: (message: M) => boolean
): ReadonlyArray<string> => archived.filter((m) => inWindow(replay, m.timestamp) && matches(m)).map((m) => m.messageId)

/**
 * "If an ending point was specified in the ReplayPolicy then the subscription will no longer receive
 * newly published messages" (SNS API Reference, Subscribe, ReplayStatus): such a subscription is
 * routed nothing accepted after its policy was set.
 *
 * @category rules
 */
export const receivesNewMessages = (replay: Replay | undefined): boolean => replay === undefined || replay.endingPoint === undefined

/**
 * The attribute AWS puts on a replayed message "to help you identify that it's a replayed message".
 *
 * @category constants
 */
export const REPLAYED_ATTRIBUTE = "Replayed"

/**
 * A message as its replay delivers it: the same MessageId, Timestamp and content, with the `Replayed`
 * message attribute (String "true") beside the publisher's, so it shows in a notification's
 * MessageAttributes and, with raw delivery to SQS, as a queue message attribute.
 *
 * @category constructors
 */
export const markReplayed = (message: StoredMessage): StoredMessage => ({
  ...message,
  attributes: { ...message.attributes, [REPLAYED_ATTRIBUTE]: { dataType: "String", stringValue: "true" } }
})
