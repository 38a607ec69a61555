/**
 * Publish and PublishBatch for one SNS service: the checks (`Publish.ts`), the body's stored form
 * decided at the instant of publish and sealed before it is stored (`Encryption.ts`,
 * docs/SEMANTICS.md §1.4–1.7), the routing decision (`Routing.ts`), then the commit: stored,
 * sequenced on FIFO topics (`FifoSequencer.ts`), and announced. `publishNow` is the same flow as
 * plain functions and a callback, for the messages that wait for nothing but the commit
 * (docs/PERFORMANCE.md, "Publish without a fiber").
 *
 * @since 0.1.0
 */
import { Clock, Effect, Either } from "effect"
import { Cipher, NONCE_BYTES } from "./Cipher.js"
import type * as DataKeyCache from "./DataKeyCache.js"
import type { DataKeysService } from "./DataKeys.js"
import * as Encryption from "./Encryption.js"
import * as EncryptionContext from "./EncryptionContext.js"
import { EndpointDisabled, invalidParameter, type KmsFailure, type SnsError, StoreFailure } from "./Errors.js"
import type { FifoSequencer } from "./FifoSequencer.js"
import { Ids } from "./Ids.js"
import { Kms, type KmsCaller } from "./Kms.js"
import type { MessageBody, StoredMessage } from "./Message.js"
import { MessageStore, type MessageStoreService } from "./MessageStore.js"
import * as Platform from "./Platform.js"
import * as Publish from "./Publish.js"
import * as Registry from "./Registry.js"
import type { RegistryRef } from "./RegistryRef.js"
import type { RequestContext } from "./RequestContext.js"
import * as Routing from "./Routing.js"
import type * as Topic from "./Topic.js"

/**
 * @category models
 */
export interface PublishResult {
  readonly messageId: string
  readonly sequenceNumber: string | undefined
}

/**
 * @category models
 */
export interface PublishBatchResult {
  readonly successful: ReadonlyArray<PublishResult & { readonly id: string }>
  readonly failed: ReadonlyArray<{ readonly id: string; readonly error: SnsError }>
}

/**
 * Messages a topic accepted, for the shell: delivery wakes on them and metrics count them.
 *
 * @category models
 */
export interface MessagesAccepted {
  readonly _tag: "MessagesAccepted"
  readonly topicArn: string
  readonly messages: ReadonlyArray<{
    /** The record as stored (a sealed body stays sealed), so delivery need not read it back. */
    readonly message: StoredMessage
    readonly bytes: number
    /** The subscriptions the message is to be delivered to (what routing matched). */
    readonly subscriptionArns: ReadonlyArray<string>
    readonly filteredOut: Routing.Decision["filteredOut"]
  }>
}

/**
 * A message published straight to a device endpoint or a phone number (no topic), for the shell: it
 * goes to the outbox, as the text the endpoint's platform or the phone reads (docs/SEMANTICS.md §7).
 *
 * @category models
 */
export interface DirectMessageAccepted {
  readonly _tag: "DirectMessageAccepted"
  readonly kind: "application" | "sms"
  /** The publisher's account, whose outbox shows it. */
  readonly accountId: string
  /** The endpoint ARN or the phone number. */
  readonly target: string
  readonly messageId: string
  readonly subject: string | undefined
  readonly text: string
  readonly timestamp: number
}

/**
 * @category models
 */
export interface Publisher {
  /**
   * Answers after the message's commit. A message handed to a store's group commit by callback
   * (`MessageStore.appendNow`) is not withdrawn if the publish is interrupted while it waits: it is
   * stored and announced all the same, as one whose HTTP client went away (`publishNow`).
   */
  readonly publish: (input: Publish.PublishInput, ctx: RequestContext) => Effect.Effect<PublishResult, SnsError>
  /**
   * `publish` without the runtime, for a message to a standard topic whose every step before the
   * commit runs at once (no KMS call to wait for, nothing refused) on a store that takes a plain
   * callback (`MessageStore.appendNow`): `done` is called once, after the commit, with what `publish`
   * would answer. False, with nothing done, when `publish` must take it; docs/PERFORMANCE.md,
   * "Publish without a fiber".
   */
  readonly publishNow: (
    input: Publish.PublishInput,
    ctx: RequestContext,
    done: (result: Either.Either<PublishResult, SnsError>) => void
  ) => boolean
  readonly publishBatch: (
    topicArn: string,
    entries: ReadonlyArray<Publish.BatchEntryInput>,
    ctx: RequestContext
  ) => Effect.Effect<PublishBatchResult, SnsError>
}

/** One message ready to store: its record, where it goes, and what the announcement reports. */
interface Prepared {
  readonly message: StoredMessage
  readonly subscriptionArns: ReadonlyArray<string>
  readonly filteredOut: Routing.Decision["filteredOut"]
  readonly fifo: Publish.ValidMessage["fifo"]
  readonly bytes: number
}

const callerOf = (ctx: RequestContext): KmsCaller => ({ accountId: ctx.accountId, principalArn: ctx.principalArn })

/**
 * Builds the publishing flow over the service's registry, data-key caches, AAD prefixes and FIFO
 * state. `announce` must not block: it is called in place once messages are stored.
 *
 * @category constructors
 */
export const make = (parts: {
  readonly registry: RegistryRef
  readonly dataKeys: DataKeysService
  readonly aadPrefixOf: (topicArn: string) => Uint8Array
  readonly fifo: FifoSequencer
  readonly announce: (accepted: MessagesAccepted | DirectMessageAccepted) => void
}): Effect.Effect<Publisher, never, Kms | MessageStore | Cipher | Ids> =>
  Effect.gen(function* () {
    const kms = yield* Kms
    const messages = yield* MessageStore
    const clock = yield* Effect.clock
    const ids = yield* Ids
    const cipher = yield* Cipher
    const { aadPrefixOf, dataKeys, fifo, registry } = parts
    const sealer: Encryption.Sealer<KmsFailure> = {
      kms,
      dataKeys,
      cipher,
      nonce: () => ids.unsafeRandomBytes(NONCE_BYTES),
      aadPrefixOf,
      contextOf: EncryptionContext.forTopic,
      scratch: Encryption.makeSealScratch()
    }

    const scopeOf = (topic: Topic.Topic, kmsKeyId: string, ctx: RequestContext): DataKeyCache.Scope => ({
      resourceArn: topic.arn,
      kmsKeyId,
      principalArn: ctx.principalArn
    })

    /**
     * The body's stored form decided at the instant of publish (Encryption.planBody), to be made when
     * the answered function runs: plain, or sealed under a cached data key once the key passes its
     * check as a plain read (`Encryption.sealBodyLater`); else undefined, and `storeBody` decides it.
     */
    const storeBodyLater = (
      topic: Topic.Topic,
      body: string,
      messageId: string,
      ctx: RequestContext,
      at: number
    ): (() => MessageBody) | undefined => {
      const plan = Encryption.planBody(topic)
      if (plan._tag === "Plain") return () => ({ _tag: "Plain", text: body })
      // docs/SEMANTICS.md §1.7: the key's state and the caller's right are checked on every publish.
      return Encryption.sealBodyLater(sealer, scopeOf(topic, plan.kmsKeyId, ctx), callerOf(ctx), body, messageId, at)
    }

    /**
     * `storeBodyLater` when it has to wait: a data key to ask of KMS, or a key check that takes a
     * transaction or refuses (its error is the publish's).
     */
    const storeBody = (
      topic: Topic.Topic,
      body: string,
      messageId: string,
      ctx: RequestContext,
      at: number
    ): Effect.Effect<MessageBody, KmsFailure> => {
      const plan = Encryption.planBody(topic)
      if (plan._tag === "Plain") return Effect.succeed({ _tag: "Plain", text: body })
      return Effect.map(Encryption.decideSealBody(sealer, scopeOf(topic, plan.kmsKeyId, ctx), callerOf(ctx), body, messageId, at), (sealNow) => sealNow())
    }

    /**
     * Everything of a publish up to the stored record, without storing it. The checks, the routing
     * and the body's stored form are decided at once, and the answered function makes the record
     * (sealing the body) when it runs: a group commit runs it with its group's others
     * (`MessageStore.appendNow`). When the data key must be asked of KMS, or the key's check needs a
     * transaction or refuses, the effect that prepares it, or fails.
     */
    const prepare = (
      current: Registry.Registry,
      topic: Topic.Topic,
      input: Publish.MessageInput,
      ctx: RequestContext,
      at: number
    ): (() => Prepared) | Effect.Effect<Prepared, SnsError> => {
      const checked = Publish.validateMessage(topic, input)
      if (Either.isLeft(checked)) return Effect.fail(checked.left)
      const valid = checked.right
      const messageId = ids.unsafeUuidV7(at)
      const routing = Routing.route(Registry.recipientsOf(current, topic.arn), { attributes: valid.attributes, body: valid.body })
      const later = storeBodyLater(topic, valid.body, messageId, ctx, at)
      if (later !== undefined) return () => preparedOf(topic, valid, messageId, later(), routing, ctx, at)
      return Effect.map(storeBody(topic, valid.body, messageId, ctx, at), (body) => preparedOf(topic, valid, messageId, body, routing, ctx, at))
    }

    /** What `prepare` answered, as an effect. */
    const prepareEffect = (prepared: (() => Prepared) | Effect.Effect<Prepared, SnsError>): Effect.Effect<Prepared, SnsError> =>
      Effect.isEffect(prepared) ? prepared : Effect.sync(prepared)

    /** The record of a checked message with its stored body, and where routing sends it. */
    const preparedOf = (
      topic: Topic.Topic,
      valid: Publish.ValidMessage,
      messageId: string,
      body: MessageBody,
      routing: Routing.Decision,
      ctx: RequestContext,
      at: number
    ): Prepared => {
      return {
        message: {
          messageId,
          topicArn: topic.arn,
          subject: valid.subject,
          attributes: valid.attributes,
          messageStructure: valid.messageStructure,
          timestamp: at,
          publisher: ctx.principalArn,
          fifo: undefined,
          body
        },
        subscriptionArns: routing.subscriptionArns,
        filteredOut: routing.filteredOut,
        fifo: valid.fifo,
        bytes: valid.bytes
      }
    }

    // The announcement is offered in place, without a fiber step.
    const announce = (topic: Topic.Topic, stored: ReadonlyArray<Prepared>): void => {
      if (stored.length === 0) return
      parts.announce({
        _tag: "MessagesAccepted",
        topicArn: topic.arn,
        messages: stored.map((p) => ({
          message: p.message,
          bytes: p.bytes,
          subscriptionArns: p.subscriptionArns,
          filteredOut: p.filteredOut
        }))
      })
    }

    const entriesOf = (stored: ReadonlyArray<Prepared>) => stored.map((p) => ({ message: p.message, subscriptionArns: p.subscriptionArns }))

    const append = (stored: ReadonlyArray<Prepared>): Effect.Effect<void, StoreFailure> => messages.append(entriesOf(stored))

    /**
     * Stores prepared messages of one topic. FIFO topics go through deduplication and sequencing
     * first; a duplicate is answered with the message it repeats and not stored.
     */
    const commit = (
      topic: Topic.Topic,
      prepared: ReadonlyArray<Prepared>,
      at: number
    ): Effect.Effect<ReadonlyArray<PublishResult>, StoreFailure> => {
      if (!topic.fifo) {
        return Effect.map(append(prepared), () => {
          announce(topic, prepared)
          return prepared.map((p) => ({ messageId: p.message.messageId, sequenceNumber: undefined }))
        })
      }
      const candidates = prepared.map((p) => ({ deduplicationId: p.fifo!.messageDeduplicationId, messageId: p.message.messageId }))
      return Effect.map(
        fifo.sequence(
          topic.arn,
          at,
          candidates,
          (outcomes, appendEntries) => {
            const toStore = prepared.flatMap((p, i) => {
              const outcome = outcomes[i]!
              return outcome._tag === "Accepted"
                ? [{ ...p, message: { ...p.message, fifo: { ...p.fifo!, sequenceNumber: outcome.sequenceNumber } } }]
                : []
            })
            return Effect.as(appendEntries(entriesOf(toStore)), { toStore, outcomes })
          },
          // Announced once committed, still in sequence order.
          ({ toStore }) => announce(topic, toStore)
        ),
        ({ outcomes }) =>
          outcomes.map((outcome, i) => ({
            messageId: outcome._tag === "Duplicate" ? outcome.messageId : prepared[i]!.message.messageId,
            sequenceNumber: outcome.sequenceNumber
          }))
      )
    }

    const topicForPublish = (current: Registry.Registry, topicArn: string, ctx: RequestContext) =>
      Either.flatMap(Registry.topicFor(current, topicArn, ctx, "Publish"), (topic) =>
        Either.map(Encryption.requireSecureTransport(topic, ctx), () => topic))

    /**
     * Publish to a device endpoint or a phone number: nothing is stored, the text its platform (or the
     * phone) reads is announced for the outbox. A disabled endpoint refuses the message
     * (SNS API reference, Publish: EndpointDisabled).
     */
    const publishDirect = (
      current: Registry.Registry,
      destination: Exclude<Publish.Destination, { readonly _tag: "Topic" }>,
      input: Publish.PublishInput,
      ctx: RequestContext,
      at: number
    ): Effect.Effect<PublishResult, SnsError> => {
      const target = Either.gen(function* () {
        if (destination._tag === "PhoneNumber") return { kind: "sms" as const, target: destination.phoneNumber, key: "sms" }
        const endpoint = yield* Either.mapLeft(Platform.endpointFor(current, destination.arn, ctx, "Publish", "TargetArn"), (error) =>
          error._tag === "NotFound" ? invalidParameter("TargetArn", "No endpoint found for the target arn specified") : error
        )
        if (endpoint.attributes["Enabled"] !== "true") return yield* Either.left(new EndpointDisabled({ message: "Endpoint is disabled" }))
        const parts = yield* Platform.parseResourceArn(endpoint.arn, "endpoint", "TargetArn")
        return { kind: "application" as const, target: endpoint.arn, key: parts.platform }
      })
      if (Either.isLeft(target)) return Effect.fail(target.left)
      const checked = Publish.validateMessage(undefined, input)
      if (Either.isLeft(checked)) return Effect.fail(checked.left)
      const messageId = ids.unsafeUuidV7(at)
      return Effect.sync(() => {
        parts.announce({
          _tag: "DirectMessageAccepted",
          kind: target.right.kind,
          accountId: ctx.accountId,
          target: target.right.target,
          messageId,
          subject: checked.right.subject,
          text: Publish.textFor(checked.right, target.right.key),
          timestamp: at
        })
        return { messageId, sequenceNumber: undefined }
      })
    }

    /**
     * Hands one message of a standard topic to the store's group commit, which makes its record
     * when it writes the group; `done` hears once, after the commit, with the publish's answer. The
     * announcement is made there, so a stored message is announced even if the one who published
     * it no longer waits.
     */
    const commitNow = (
      appendNow: NonNullable<MessageStoreService["appendNow"]>,
      topic: Topic.Topic,
      prepare: () => Prepared,
      done: (result: Either.Either<PublishResult, SnsError>) => void
    ): void => {
      // Made by the store before it commits (`MessageStore.appendNow`), so set on success.
      let prepared: Prepared | undefined
      appendNow(
        () => {
          prepared = prepare()
          return entriesOf([prepared])
        },
        (failure) => {
          if (failure !== undefined || prepared === undefined) {
            return done(Either.left(failure ?? new StoreFailure({ message: "The store committed a message it never asked for" })))
          }
          announce(topic, [prepared])
          done(Either.right({ messageId: prepared.message.messageId, sequenceNumber: undefined }))
        }
      )
    }

    return {
      // Publish is the hot path: the registry, the clock, the checks and (when it can) the seal's
      // decisions run synchronously, the seal itself with its group commit's others, and a message
      // to a standard topic waits for its commit in one `async`, resumed with its answer
      // (docs/PERFORMANCE.md, "The embedded publish: one wait for the commit").
      publish: (input, ctx) =>
        Effect.clockWith((clock) => {
          const at = clock.unsafeCurrentTimeMillis()
          const current = registry.unsafeGet()
          const destination = Publish.destination(input)
          if (Either.isLeft(destination)) return Effect.fail(destination.left)
          if (destination.right._tag !== "Topic") return publishDirect(current, destination.right, input, ctx, at)
          const topic = topicForPublish(current, destination.right.arn, ctx)
          if (Either.isLeft(topic)) return Effect.fail(topic.left)
          const preparing = prepare(current, topic.right, input, ctx, at)
          const appendNow = messages.appendNow
          if (!Effect.isEffect(preparing) && !topic.right.fifo && appendNow !== undefined) {
            return Effect.async<PublishResult, SnsError>((resume) => commitNow(appendNow, topic.right, preparing, resume))
          }
          return Effect.flatMap(prepareEffect(preparing), (ready) => Effect.map(commit(topic.right, [ready], at), (results) => results[0]!))
        }),

      publishNow: (input, ctx, done) => {
        const appendNow = messages.appendNow
        if (appendNow === undefined) return false
        const at = clock.unsafeCurrentTimeMillis()
        const current = registry.unsafeGet()
        const destination = Publish.destination(input)
        if (Either.isLeft(destination) || destination.right._tag !== "Topic") return false
        const topic = topicForPublish(current, destination.right.arn, ctx)
        if (Either.isLeft(topic) || topic.right.fifo) return false
        const preparing = prepare(current, topic.right, input, ctx, at)
        if (Effect.isEffect(preparing)) return false
        commitNow(appendNow, topic.right, preparing, done)
        return true
      },

      publishBatch: (topicArn, entries, ctx) =>
        Effect.gen(function* () {
          const at = yield* Clock.currentTimeMillis
          const current = yield* registry.get
          const topic = yield* topicForPublish(current, topicArn, ctx)
          yield* Publish.validateBatch(entries)
          yield* Publish.validateBatchForTopic(topic, entries)
          const failed: Array<{ id: string; error: SnsError }> = []
          const ready: Array<{ id: string; prepared: Prepared }> = []
          for (const entry of entries) {
            const outcome = yield* Effect.either(prepareEffect(prepare(current, topic, entry, ctx, at)))
            if (Either.isLeft(outcome)) failed.push({ id: entry.id, error: outcome.left })
            else ready.push({ id: entry.id, prepared: outcome.right })
          }
          const results = yield* commit(topic, ready.map((r) => r.prepared), at)
          return {
            successful: ready.map((r, i) => ({ id: r.id, ...results[i]! })),
            failed
          }
        })
    }
  })
