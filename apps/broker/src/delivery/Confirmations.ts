/**
 * Subscription confirmation requests: each subscription pending confirmation gets one request per
 * token (SNS guide, "Confirm your Amazon SNS subscription"). HTTP/S endpoints are posted the signed
 * SubscriptionConfirmation document, retried three times, 1, 2 and 4 seconds apart; an SQS queue of
 * another account gets the same document as a message, written as SNS writes notifications (the
 * queue policy must let the topic send; SNS guide, "Sending Amazon SNS messages to an Amazon SQS
 * queue in a different account"), tried once; the other protocols that need confirming (email,
 * email-json) find theirs in the outbox with its SubscribeURL. Each request runs in the background,
 * in the scope delivery started in.
 *
 * @since 0.1.0
 */
import { Ids, type Sqs, type Subscription, Sns } from "@sealcast/core"
import { Cause, Clock, Duration, Effect, FiberSet, Schedule, type Scope } from "effect"
import * as Envelope from "./Envelope.js"
import type * as HttpDelivery from "./HttpDelivery.js"
import type { Outbox } from "./Outbox.js"
import * as Signature from "./Signature.js"

/** A confirmation request that fails is retried three times, 1, 2 and 4 seconds apart. */
const confirmationRetries = Schedule.intersect(Schedule.exponential(Duration.seconds(1)), Schedule.recurs(3))

/**
 * @category models
 */
export interface Options {
  /** The broker's own origin, for SubscribeURL and SigningCertURL. */
  readonly origin: string
  readonly signer: Signature.Signer
  readonly poster: HttpDelivery.HttpPoster
  readonly outbox: Outbox
  readonly sqs: Sqs.SqsService
  /** `--lenient-queue-policies`: the confirmation into a queue skips the queue-policy check. */
  readonly lenientQueuePolicies: boolean
}

/**
 * @category models
 */
export interface Confirmations {
  /** Sends a pending subscription its confirmation request, once per token, in the background; anything else is ignored. */
  readonly request: (subscription: Subscription.Subscription) => Effect.Effect<void>
}

/**
 * @category constructors
 */
export const make = (options: Options): Effect.Effect<Confirmations, never, Sns.Sns | Ids.Ids | Scope.Scope> =>
  Effect.gen(function* () {
    const sns = yield* Sns.Sns
    const ids = yield* Ids.Ids
    const fibers = yield* FiberSet.make()
    const { origin, signer, poster, outbox, sqs } = options
    const signingCertUrl = Envelope.signingCertUrl(origin)
    /** Confirmation tokens already sent, so an attribute change on a pending subscription sends nothing new. */
    const asked = new Set<string>()

    const confirm = (subscription: Subscription.Subscription, token: string) =>
      Effect.gen(function* () {
        const topic = (yield* sns.registry).topics.get(subscription.topicArn)
        if (topic === undefined) return
        const now = yield* Clock.currentTimeMillis
        const subscribeUrl = Envelope.subscribeUrl(origin, topic.arn, token)
        const fields = Envelope.confirmationFields({
          messageId: yield* ids.uuid,
          token,
          topicArn: topic.arn,
          subscribeUrl,
          at: now,
          signatureVersion: Signature.signatureVersionOf(topic.attributes)
        })
        const document = Envelope.encode(Envelope.confirmation(fields, signer.sign(fields), signingCertUrl))
        if (subscription.protocol === "http" || subscription.protocol === "https") {
          const post = poster.post({
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
            yield* Effect.annotateLogs(Effect.logWarning("subscription confirmation request could not be delivered"), {
              subscriptionArn: subscription.arn,
              reason: result.left.reason
            })
          }
          return
        }
        if (subscription.protocol === "sqs") {
          // A FIFO queue needs a group and a deduplication id; the confirmation's own message id serves as both.
          const sent = yield* Effect.either(
            sqs.deliverFromTopic({
              queueArn: subscription.endpoint,
              topicArn: topic.arn,
              topicAccountId: topic.accountId,
              body: document,
              attributes: {},
              messageGroupId: fields.MessageId,
              messageDeduplicationId: fields.MessageId,
              checkQueuePolicy: !options.lenientQueuePolicies
            })
          )
          if (sent._tag === "Left") {
            yield* Effect.annotateLogs(Effect.logWarning("subscription confirmation request could not be delivered"), {
              subscriptionArn: subscription.arn,
              reason: `${sent.left._tag}: ${sent.left.message}`
            })
          }
          return
        }
        outbox.put({
          type: "SubscriptionConfirmation",
          protocol: subscription.protocol,
          endpoint: subscription.endpoint,
          accountId: topic.accountId,
          subscriptionArn: subscription.arn,
          topicArn: topic.arn,
          messageId: fields.MessageId,
          subject: "AWS Notification - Subscription Confirmation",
          body: subscription.protocol === "email-json" ? document : fields.Message,
          subscribeUrl,
          deliveredAt: new Date(now).toISOString()
        })
      })

    return {
      request: (subscription) =>
        Effect.suspend(() => {
          const token = subscription.confirmationToken
          if (subscription.status !== "PendingConfirmation" || token === undefined || asked.has(token)) return Effect.void
          asked.add(token)
          return FiberSet.run(
            fibers,
            confirm(subscription, token).pipe(
              Effect.catchAllCause((cause) =>
                Effect.annotateLogs(Effect.logError("subscription confirmation failed"), { subscriptionArn: subscription.arn, cause: Cause.pretty(cause) })
              )
            )
          ).pipe(Effect.asVoid)
        })
    }
  })
