/**
 * The Sqs service over the memory queue store, a seeded id source and the TestClock: every action,
 * long polling (woken by a send, by a message becoming visible, or ended by its wait), redrive to a
 * dead-letter queue, batches and their errors, tags, and a second service loading what the first
 * stored.
 */
import { describe, expect, it } from "@effect/vitest"
import { Cause, Duration, Effect, Either, Exit, Fiber, Layer, Option, TestClock } from "effect"
import * as Cipher from "../../src/Cipher.js"
import { StoreFailure } from "../../src/Errors.js"
import * as Ids from "../../src/Ids.js"
import * as MessageDigest from "../../src/sqs/MessageDigest.js"
import * as MessageMoveTask from "../../src/sqs/MessageMoveTask.js"
import type { RequestContext } from "../../src/RequestContext.js"
import * as QueueKms from "../../src/sqs/QueueKms.js"
import * as QueueStore from "../../src/sqs/QueueStore.js"
import * as Sqs from "../../src/sqs/Sqs.js"
import * as TestKms from "../support/TestKms.js"

const ACCOUNT = "000000000000"
const ORIGIN = "https://localhost:9324"
const ctx: RequestContext = {
  accountId: ACCOUNT,
  principalArn: `arn:aws:iam::${ACCOUNT}:root`,
  region: "us-east-1",
  transport: "https",
  auth: "sigv4"
}
const other: RequestContext = { ...ctx, accountId: "111111111111", principalArn: "arn:aws:iam::111111111111:root" }

/** Bytes from a counter: the test KMSes' data keys and key material, distinct and repeatable. */
const counterBytes = () => {
  let n = 0
  return (size: number) => Uint8Array.from({ length: size }, () => n++ & 0xff)
}

/** The account's KMS (key `alias/q`) and the service's own, holding the SSE-SQS key. */
const makeKmses = () => {
  const random = counterBytes()
  const customer = TestKms.makeTestKms("us-east-1", ACCOUNT, () => 0, random)
  customer.createKey("alias/q", random(32))
  const owned = TestKms.makeTestKms("us-east-1", "999999999999", () => 0, random)
  owned.createKey(QueueKms.OWNED_KEY_ID, random(32))
  return { customer, owned }
}

const layerOn = (store: QueueStore.QueueStoreService, kmses = makeKmses(), md5: Layer.Layer<MessageDigest.Md5> = MessageDigest.layerNoble) =>
  Sqs.layer({ origin: () => ORIGIN }).pipe(
    Layer.provide(Layer.succeed(QueueStore.QueueStore, store)),
    Layer.provide(Ids.layerSeeded(7)),
    Layer.provide(TestKms.queueLayer(kmses.customer, kmses.owned)),
    Layer.provide(Cipher.layerNoble),
    Layer.provide(md5)
  )

const withService = <A, E>(f: (sqs: Sqs.SqsService) => Effect.Effect<A, E>, store = QueueStore.makeMemory(), kmses = makeKmses()) =>
  Effect.provide(Effect.flatMap(Sqs.Sqs, f), layerOn(store, kmses))

const create = (sqs: Sqs.SqsService, name: string, attributes: Record<string, string> = {}, tags: Record<string, string> = {}) =>
  Effect.map(sqs.createQueue({ name, attributes, tags }, ctx), (r) => r.queueUrl)

const send = (sqs: Sqs.SqsService, url: string, body: string, extra: Partial<Sqs.SendMessageInput> = {}) =>
  sqs.sendMessage(url, { body, attributes: {}, delaySeconds: undefined, messageGroupId: undefined, messageDeduplicationId: undefined, ...extra }, ctx)

const receive = (sqs: Sqs.SqsService, url: string, extra: Partial<Sqs.ReceiveMessageInput> = {}) =>
  sqs.receiveMessage(
    url,
    { maxNumberOfMessages: 10, visibilityTimeout: undefined, waitTimeSeconds: undefined, receiveRequestAttemptId: undefined, ...extra },
    ctx
  )

const bodies = (received: ReadonlyArray<{ readonly message: { readonly body: string } }>) => received.map((r) => r.message.body)

const failureTag = <A, E extends { readonly _tag: string }>(effect: Effect.Effect<A, E>) =>
  Effect.map(Effect.either(effect), (e) => (Either.isLeft(e) ? e.left._tag : "Right"))

describe("queue policies", () => {
  it.effect("another account acts on a queue only as its policy allows; AddPermission and RemovePermission edit it", () =>
    withService((sqs) =>
      Effect.gen(function* () {
        const url = yield* create(sqs, "shared")
        const sendAs = (who: RequestContext) =>
          sqs.sendMessage(url, { body: "hi", attributes: {}, delaySeconds: undefined, messageGroupId: undefined, messageDeduplicationId: undefined }, who)
        expect(yield* failureTag(sendAs(other))).toBe("AccessDenied")
        expect(yield* failureTag(sqs.getQueueUrl({ queueName: "shared", queueOwnerAccountId: ACCOUNT }, other))).toBe("AccessDenied")
        yield* sqs.addPermission(url, { label: "OtherSends", accountIds: ["111111111111"], actions: ["SendMessage", "GetQueueUrl"] }, ctx)
        const policy = JSON.parse((yield* sqs.getQueueAttributes(url, ["Policy"], ctx))["Policy"]!)
        expect(policy.Statement).toEqual([
          {
            Sid: "OtherSends",
            Effect: "Allow",
            Principal: { AWS: "arn:aws:iam::111111111111:root" },
            Action: ["SQS:SendMessage", "SQS:GetQueueUrl"],
            Resource: `arn:aws:sqs:us-east-1:${ACCOUNT}:shared`
          }
        ])
        yield* sendAs(other)
        expect((yield* sqs.getQueueUrl({ queueName: "shared", queueOwnerAccountId: ACCOUNT }, other)).queueUrl).toBe(url)
        // The batch form rides on SendMessage's permission; receiving was not granted.
        const batch = yield* sqs.sendMessageBatch(
          url,
          [{ id: "a", body: "x", attributes: {}, delaySeconds: undefined, messageGroupId: undefined, messageDeduplicationId: undefined }],
          other
        )
        expect(batch.successful.map((e) => e.id)).toEqual(["a"])
        expect(yield* failureTag(sqs.receiveMessage(url, { maxNumberOfMessages: 1, visibilityTimeout: undefined, waitTimeSeconds: 0, receiveRequestAttemptId: undefined }, other))).toBe("AccessDenied")
        // Owner-only actions stay the owner's whatever the policy says.
        yield* sqs.addPermission(url, { label: "All", accountIds: ["111111111111"], actions: ["*"] }, ctx)
        expect(yield* failureTag(sqs.setQueueAttributes(url, { DelaySeconds: "1" }, other))).toBe("AccessDenied")
        expect(yield* failureTag(sqs.addPermission(url, { label: "Mine", accountIds: ["111111111111"], actions: ["*"] }, other))).toBe("AccessDenied")
        expect(bodies(yield* sqs.receiveMessage(url, { maxNumberOfMessages: 10, visibilityTimeout: undefined, waitTimeSeconds: 0, receiveRequestAttemptId: undefined }, other)).sort()).toEqual(["hi", "x"])
        yield* sqs.removePermission(url, "All", ctx)
        yield* sqs.removePermission(url, "OtherSends", ctx)
        expect((yield* sqs.getQueueAttributes(url, ["All"], ctx))["Policy"]).toBeUndefined()
        expect(yield* failureTag(sendAs(other))).toBe("AccessDenied")
      })
    )
  )

  it.effect("an explicit Deny in the policy refuses the queue's own account too", () =>
    withService((sqs) =>
      Effect.gen(function* () {
        const url = yield* create(sqs, "locked")
        const deny = { Effect: "Deny", Principal: "*", Action: "sqs:SendMessage", Resource: `arn:aws:sqs:us-east-1:${ACCOUNT}:locked` }
        yield* sqs.setQueueAttributes(url, { Policy: JSON.stringify({ Version: "2012-10-17", Statement: [deny] }) }, ctx)
        expect(yield* failureTag(send(sqs, url, "no"))).toBe("AccessDenied")
        expect(yield* failureTag(receive(sqs, url, { waitTimeSeconds: 0 }))).toBe("Right")
        expect(yield* failureTag(sqs.setQueueAttributes(url, { Policy: "{\"Statement\": 3}" }, ctx))).toBe("InvalidAttributeValue")
      })
    )
  )

  it.effect("AddPermission and RemovePermission validate as SQS does", () =>
    withService((sqs) =>
      Effect.gen(function* () {
        const url = yield* create(sqs, "checked")
        const add = (label: string, accountIds: ReadonlyArray<string>, actions: ReadonlyArray<string>) =>
          Effect.map(Effect.either(sqs.addPermission(url, { label, accountIds, actions }, ctx)), (e) => (Either.isLeft(e) ? [e.left._tag, e.left.message] : "Right"))
        expect(yield* add("", ["111111111111"], ["SendMessage"])).toEqual(["MissingParameter", "The request must contain the parameter Label."])
        expect((yield* add("bad label", ["111111111111"], ["SendMessage"]))[0]).toBe("InvalidParameterValue")
        expect(yield* add("x", [], ["SendMessage"])).toEqual(["MissingParameter", "The request must contain the parameter AWSAccountIds."])
        expect(yield* add("x", ["111111111111"], [])).toEqual(["MissingParameter", "The request must contain the parameter Actions."])
        expect(yield* add("x", ["111111111111"], ["Fly"])).toEqual([
          "InvalidParameterValue",
          "Value SQS:Fly for parameter ActionName is invalid. Reason: Please refer to the appropriate WSDL for a list of valid actions."
        ])
        const eight = ["SendMessage", "ReceiveMessage", "DeleteMessage", "ChangeMessageVisibility", "GetQueueAttributes", "GetQueueUrl", "PurgeQueue", "DeleteQueue"]
        expect(yield* add("x", ["111111111111"], eight)).toEqual(["OverLimit", "8 Actions were found, maximum allowed is 7."])
        expect(yield* add("x", ["111111111111"], ["SendMessage"])).toBe("Right")
        expect(yield* add("x", ["222222222222"], ["SendMessage"])).toEqual(["InvalidParameterValue", "Value x for parameter Label is invalid. Reason: Already exists."])
        expect(yield* failureTag(sqs.removePermission(url, "y", ctx))).toBe("InvalidParameterValue")
        expect(yield* failureTag(sqs.removePermission(url, "x", other))).toBe("AccessDenied")
      })
    )
  )
})

describe("actions in groups", () => {
  const counting = (fail: (changes: ReadonlyArray<QueueStore.QueueChange>) => boolean = () => false) => {
    const memory = QueueStore.makeMemory()
    const applied: Array<number> = []
    const store: QueueStore.QueueStoreService = {
      ...memory,
      apply: (changes) =>
        fail(changes)
          ? Effect.fail(new StoreFailure({ message: "disk full" }))
          : Effect.zipRight(Effect.sync(() => applied.push(changes.length)), memory.apply(changes))
    }
    return { store, applied }
  }
  // The group waits for the clock to move, so every action forked before it moves joins.
  const grouped = (store: QueueStore.QueueStoreService, kmses = makeKmses(), cipher: Layer.Layer<Cipher.Cipher> = Cipher.layerNoble) =>
    Sqs.layer({ origin: () => ORIGIN, groupWait: Effect.sleep(Duration.millis(1)) }).pipe(
      Layer.provide(Layer.succeed(QueueStore.QueueStore, store)),
      Layer.provide(Ids.layerSeeded(7)),
      Layer.provide(TestKms.queueLayer(kmses.customer, kmses.owned)),
      Layer.provide(cipher),
      Layer.provide(MessageDigest.layerNoble)
    )
  const concurrently = <A, E>(effects: ReadonlyArray<Effect.Effect<A, E>>) =>
    Effect.gen(function* () {
      const fiber = yield* Effect.fork(Effect.all(effects, { concurrency: "unbounded", mode: "either" }))
      yield* TestClock.adjust(Duration.millis(1))
      return yield* Fiber.join(fiber)
    })

  it.effect("the actions submitted before a group runs share one store write, in the order they came, each with its own answer", () => {
    const { store, applied } = counting()
    return Effect.provide(
      Effect.gen(function* () {
        const sqs = yield* Sqs.Sqs
        const url = yield* concurrently([create(sqs, "orders")]).pipe(Effect.map(([created]) => Either.getOrThrow(created!)))
        applied.length = 0
        const answers = yield* concurrently([
          send(sqs, url, "one"),
          send(sqs, `${ORIGIN}/${ACCOUNT}/missing`, "x"),
          send(sqs, url, "two"),
          send(sqs, url, "three")
        ])
        expect(answers.map((a) => (Either.isRight(a) ? "sent" : a.left._tag))).toEqual(["sent", "QueueDoesNotExist", "sent", "sent"])
        expect(applied).toEqual([3])
        const received = yield* concurrently([receive(sqs, url, { waitTimeSeconds: 0, maxNumberOfMessages: 10 })])
        expect(bodies(Either.getOrThrow(received[0]!))).toEqual(["one", "two", "three"])
      }),
      grouped(store)
    )
  })

  it.effect("a body sent to an encrypted queue is sealed when its group runs, not while the send waits for it", () => {
    const noble = Cipher.makeNoble()
    let seals = 0
    const countingCipher: Layer.Layer<Cipher.Cipher> = Layer.succeed(Cipher.Cipher, {
      ...noble,
      seal: (key, nonce, aad, plaintext) => {
        seals++
        return noble.seal(key, nonce, aad, plaintext)
      }
    })
    return Effect.provide(
      Effect.gen(function* () {
        const sqs = yield* Sqs.Sqs
        // SSE-SQS, the default: every body is sealed.
        const url = yield* concurrently([create(sqs, "sealed")]).pipe(Effect.map(([created]) => Either.getOrThrow(created!)))
        const sending = yield* Effect.fork(Effect.all([send(sqs, url, "one"), send(sqs, url, "two")], { concurrency: "unbounded" }))
        // Until the group's wait is set, the sends are still on their way to it.
        while ((yield* TestClock.sleeps()).length === 0) yield* Effect.yieldNow()
        expect(seals).toBe(0)
        yield* TestClock.adjust(Duration.millis(1))
        yield* Fiber.join(sending)
        expect(seals).toBe(2)
        const received = yield* concurrently([receive(sqs, url, { waitTimeSeconds: 0 })])
        expect(bodies(Either.getOrThrow(received[0]!))).toEqual(["one", "two"])
      }),
      grouped(QueueStore.makeMemory(), makeKmses(), countingCipher)
    )
  })

  it.effect("SendMessage without a fiber joins the group beside the others, is answered after its commit, and leaves to sendMessage what would wait or fail", () => {
    const { store, applied } = counting()
    const kmses = makeKmses()
    return Effect.provide(
      Effect.gen(function* () {
        const sqs = yield* Sqs.Sqs
        const input = (body: string): Sqs.SendMessageInput => ({ body, attributes: {}, delaySeconds: undefined, messageGroupId: undefined, messageDeduplicationId: undefined })
        const [plain, sealed] = yield* concurrently([
          create(sqs, "plain", { SqsManagedSseEnabled: "false" }),
          create(sqs, "sealed", { KmsMasterKeyId: "alias/q" })
        ]).pipe(Effect.map((created) => created.map((c) => Either.getOrThrow(c!))))
        applied.length = 0
        const answered: Array<Exit.Exit<Sqs.SendMessageResult, unknown>> = []
        // Refused or waiting for a data key: nothing done, sendMessage's way.
        expect(sqs.sendMessageNow!(`${ORIGIN}/${ACCOUNT}/missing`, input("x"), ctx, (exit) => answered.push(exit))).toBe(false)
        expect(sqs.sendMessageNow!(sealed!, input("x"), ctx, (exit) => answered.push(exit))).toBe(false)
        // The first leads a group, which a send on its way to the service joins.
        expect(sqs.sendMessageNow!(plain!, input("one"), ctx, (exit) => answered.push(exit))).toBe(true)
        expect(answered).toEqual([])
        const others = yield* concurrently([send(sqs, plain!, "two"), send(sqs, sealed!, "three")])
        expect(others.map(Either.isRight)).toEqual([true, true])
        // One store write, of the three messages.
        expect(applied).toEqual([3])
        expect(answered).toHaveLength(1)
        const sent = Exit.getOrElse(answered[0]!, () => undefined)
        expect(sent?.md5OfMessageBody).toBe("f97c5d29941bfb1b2fdab0874906ab82")
        // The data key the sealed queue's send cached now serves a send without a fiber.
        expect(sqs.sendMessageNow!(sealed!, input("four"), ctx, (exit) => answered.push(exit))).toBe(true)
        yield* TestClock.adjust(Duration.millis(1))
        while (answered.length < 2) yield* Effect.yieldNow()
        expect(Exit.isSuccess(answered[1]!)).toBe(true)
        const received = yield* concurrently([receive(sqs, plain!, { waitTimeSeconds: 0 }), receive(sqs, sealed!, { waitTimeSeconds: 0 })])
        expect(received.map((r) => bodies(Either.getOrThrow(r!)))).toEqual([["one", "two"], ["three", "four"]])
      }),
      grouped(store, kmses)
    )
  })

  it.effect("DeleteMessage without a fiber is answered after its group's commit, a wrong handle through its error; a missing queue is left to deleteMessage", () =>
    Effect.provide(
      Effect.gen(function* () {
        const sqs = yield* Sqs.Sqs
        const url = yield* concurrently([create(sqs, "orders")]).pipe(Effect.map(([created]) => Either.getOrThrow(created!)))
        yield* concurrently([send(sqs, url, "one")])
        const [handle] = yield* concurrently([receive(sqs, url, { waitTimeSeconds: 0 })]).pipe(
          Effect.map(([received]) => Either.getOrThrow(received!).map((r) => r.receiptHandle))
        )
        const answered: Array<Exit.Exit<void, unknown>> = []
        expect(sqs.deleteMessageNow!(`${ORIGIN}/${ACCOUNT}/missing`, handle!, ctx, (exit) => answered.push(exit))).toBe(false)
        expect(sqs.deleteMessageNow!(url, handle!, ctx, (exit) => answered.push(exit))).toBe(true)
        expect(sqs.deleteMessageNow!(url, "not-a-handle", ctx, (exit) => answered.push(exit))).toBe(true)
        expect(answered).toEqual([])
        yield* TestClock.adjust(Duration.millis(1))
        while (answered.length < 2) yield* Effect.yieldNow()
        const outcomeOf = Exit.match({
          onSuccess: () => "deleted",
          onFailure: (cause: Cause.Cause<unknown>) => Option.match(Cause.failureOption(cause), { onNone: () => "defect", onSome: (e) => (e as { readonly _tag: string })._tag })
        })
        expect(answered.map(outcomeOf)).toEqual(["deleted", "ReceiptHandleIsInvalid"])
        const counts = yield* concurrently([sqs.getQueueAttributes(url, ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"], ctx)])
        expect(Either.getOrThrow(counts[0]!)).toEqual({ ApproximateNumberOfMessages: "0", ApproximateNumberOfMessagesNotVisible: "0" })
      }),
      grouped(QueueStore.makeMemory())
    ))

  it.effect("a store that fails the group's write fails every action of it, and none is in force", () => {
    let failing = false
    const { store } = counting(() => failing)
    return Effect.provide(
      Effect.gen(function* () {
        const sqs = yield* Sqs.Sqs
        const url = yield* concurrently([create(sqs, "orders")]).pipe(Effect.map(([created]) => Either.getOrThrow(created!)))
        failing = true
        const answers = yield* concurrently([send(sqs, url, "one"), send(sqs, url, "two")])
        expect(answers.map((a) => (Either.isRight(a) ? "sent" : a.left._tag))).toEqual(["StoreFailure", "StoreFailure"])
        failing = false
        const counts = yield* concurrently([sqs.getQueueAttributes(url, ["ApproximateNumberOfMessages"], ctx)])
        expect(Either.getOrThrow(counts[0]!)).toEqual({ ApproximateNumberOfMessages: "0" })
      }),
      grouped(store)
    )
  })
})

describe("SNS deliveries into queues", () => {
  const topicArn = `arn:aws:sns:us-east-1:${ACCOUNT}:orders`
  const deliveryTo = (queueArn: string, body: string, extra: Partial<Sqs.TopicDelivery> = {}): Sqs.TopicDelivery => ({
    queueArn,
    topicArn,
    topicAccountId: ACCOUNT,
    body,
    attributes: {},
    messageGroupId: undefined,
    messageDeduplicationId: undefined,
    checkQueuePolicy: true,
    ...extra
  })
  const allowTopic = (queueArn: string, sourceArn: string) =>
    JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Service: "sns.amazonaws.com" },
          Action: "sqs:SendMessage",
          Resource: queueArn,
          Condition: { ArnEquals: { "aws:SourceArn": sourceArn } }
        }
      ]
    })

  it.effect("are refused, with what to change, until the queue policy allows the topic; lenient skips the check", () =>
    withService((sqs) =>
      Effect.gen(function* () {
        const url = yield* create(sqs, "inbox")
        const arn = `arn:aws:sqs:us-east-1:${ACCOUNT}:inbox`
        const refused = yield* Effect.flip(sqs.deliverFromTopic(deliveryTo(arn, "one")))
        expect([refused._tag, refused.message]).toEqual([
          "AccessDenied",
          `queue ${arn}'s policy does not allow sns.amazonaws.com to SendMessage for topic ${topicArn}`
        ])
        yield* sqs.deliverFromTopic(deliveryTo(arn, "lenient", { checkQueuePolicy: false }))
        yield* sqs.setQueueAttributes(url, { Policy: allowTopic(arn, `arn:aws:sns:us-east-1:${ACCOUNT}:other`) }, ctx)
        expect(yield* failureTag(sqs.deliverFromTopic(deliveryTo(arn, "two")))).toBe("AccessDenied")
        yield* sqs.setQueueAttributes(url, { Policy: allowTopic(arn, topicArn) }, ctx)
        const sent = yield* sqs.deliverFromTopic(deliveryTo(arn, "three", { attributes: { colour: { dataType: "String", stringValue: "red" } } }))
        expect(sent.md5OfMessageAttributes).toBeDefined()
        const received = yield* receive(sqs, url, { waitTimeSeconds: 0 })
        expect(bodies(received)).toEqual(["lenient", "three"])
        expect(received[1]!.message.attributes).toEqual({ colour: { dataType: "String", stringValue: "red" } })
        expect(yield* failureTag(sqs.deliverFromTopic(deliveryTo(`arn:aws:sqs:us-east-1:${ACCOUNT}:gone`, "x")))).toBe("QueueDoesNotExist")
      })
    )
  )

  it.effect("several at once are one store write, each with its own answer; a FIFO queue deduplicates within them", () => {
    const memory = QueueStore.makeMemory()
    const applied: Array<ReadonlyArray<QueueStore.QueueChange>> = []
    const counting: QueueStore.QueueStoreService = { ...memory, apply: (changes) => Effect.zipRight(Effect.sync(() => applied.push(changes)), memory.apply(changes)) }
    return withService((sqs) =>
      Effect.gen(function* () {
        const inboxUrl = yield* create(sqs, "inbox")
        const fifoUrl = yield* create(sqs, "ordered.fifo", { FifoQueue: "true" })
        const inbox = `arn:aws:sqs:us-east-1:${ACCOUNT}:inbox`
        const ordered = `arn:aws:sqs:us-east-1:${ACCOUNT}:ordered.fifo`
        yield* sqs.setQueueAttributes(inboxUrl, { Policy: allowTopic(inbox, topicArn) }, ctx)
        const fifo = { messageGroupId: "g", checkQueuePolicy: false }
        applied.length = 0
        const answers = yield* sqs.deliverFromTopics([
          deliveryTo(inbox, "one"),
          deliveryTo(ordered, "a", { ...fifo, messageDeduplicationId: "d0" }),
          deliveryTo(`arn:aws:sqs:us-east-1:${ACCOUNT}:gone`, "x"),
          deliveryTo(inbox, "refused", { topicArn: `arn:aws:sns:us-east-1:${ACCOUNT}:other` }),
          deliveryTo(ordered, "a again", { ...fifo, messageDeduplicationId: "d0" }),
          deliveryTo(inbox, "two")
        ])
        expect(answers.map((a) => Either.isRight(a) ? "sent" : a.left._tag)).toEqual(["sent", "sent", "QueueDoesNotExist", "AccessDenied", "sent", "sent"])
        // The duplicate is answered with the first one's message id, as a SendMessage would be.
        expect(Either.getOrThrow(answers[4]!).messageId).toBe(Either.getOrThrow(answers[1]!).messageId)
        expect(applied.length).toBe(1)
        expect(bodies(yield* receive(sqs, inboxUrl, { waitTimeSeconds: 0 }))).toEqual(["one", "two"])
        expect(bodies(yield* receive(sqs, fifoUrl, { waitTimeSeconds: 0 }))).toEqual(["a"])
        applied.length = 0
        const refused = yield* sqs.deliverFromTopics([deliveryTo(inbox, "refused", { topicArn: `arn:aws:sns:us-east-1:${ACCOUNT}:other` })])
        expect(refused.map((a) => Either.isLeft(a) && a.left._tag)).toEqual(["AccessDenied"])
        expect(applied.length).toBe(0)
      }), counting)
  })

  it.effect("a write prepared before a policy change in its group is checked again against the policy in force", () =>
    withService((sqs) =>
      Effect.gen(function* () {
        const url = yield* create(sqs, "inbox")
        const arn = `arn:aws:sqs:us-east-1:${ACCOUNT}:inbox`
        yield* sqs.setQueueAttributes(url, { Policy: allowTopic(arn, topicArn) }, ctx)
        // The policy change is submitted first, so it runs first in the group the write joins; the
        // write was prepared against the policy that allowed the topic.
        const [, answers] = yield* Effect.all([
          sqs.setQueueAttributes(url, { Policy: allowTopic(arn, `arn:aws:sns:us-east-1:${ACCOUNT}:other`) }, ctx),
          sqs.deliverFromTopics([deliveryTo(arn, "too late")])
        ], { concurrency: "unbounded" })
        expect(answers.map((a) => Either.isLeft(a) && a.left._tag)).toEqual(["AccessDenied"])
        expect(bodies(yield* receive(sqs, url, { waitTimeSeconds: 0 }))).toEqual([])
      })
    )
  )

  it.effect("one text written into several queues at once is answered in each with its own MD5, beside another text's", () =>
    withService((sqs) =>
      Effect.gen(function* () {
        const arns = ["left", "right"].map((name) => `arn:aws:sqs:us-east-1:${ACCOUNT}:${name}`)
        for (const name of ["left", "right"]) yield* create(sqs, name)
        const lenient = { checkQueuePolicy: false }
        const answers = yield* sqs.deliverFromTopics([
          deliveryTo(arns[0]!, "hello", lenient),
          deliveryTo(arns[1]!, "hello", lenient),
          deliveryTo(arns[0]!, "world", lenient),
          deliveryTo(arns[1]!, "hello", lenient)
        ])
        // MD5("hello") and MD5("world") (RFC 1321).
        expect(answers.map((a) => Either.getOrThrow(a).md5OfMessageBody)).toEqual([
          "5d41402abc4b2a76b9719d911017c592",
          "5d41402abc4b2a76b9719d911017c592",
          "7d793037a0760186574b0282f2f435e7",
          "5d41402abc4b2a76b9719d911017c592"
        ])
      })
    )
  )

  it.effect("from a FIFO topic keep their group and deduplication ids in a FIFO queue, and drop them in a standard one", () =>
    withService((sqs) =>
      Effect.gen(function* () {
        const fifoUrl = yield* create(sqs, "ordered.fifo", { FifoQueue: "true" })
        const plainUrl = yield* create(sqs, "plain")
        const fifo = { messageGroupId: "g", checkQueuePolicy: false }
        for (const [i, body] of ["a", "b", "c"].entries()) {
          yield* sqs.deliverFromTopic(deliveryTo(`arn:aws:sqs:us-east-1:${ACCOUNT}:ordered.fifo`, body, { ...fifo, messageDeduplicationId: `d${i}` }))
        }
        // The same deduplication id within the window is the same message.
        yield* sqs.deliverFromTopic(deliveryTo(`arn:aws:sqs:us-east-1:${ACCOUNT}:ordered.fifo`, "a again", { ...fifo, messageDeduplicationId: "d0" }))
        yield* sqs.deliverFromTopic(deliveryTo(`arn:aws:sqs:us-east-1:${ACCOUNT}:plain`, "p", { ...fifo, messageDeduplicationId: "d0" }))
        const ordered = yield* receive(sqs, fifoUrl, { waitTimeSeconds: 0 })
        expect(bodies(ordered)).toEqual(["a", "b", "c"])
        expect(ordered.map((r) => [r.message.groupId, r.message.deduplicationId])).toEqual([["g", "d0"], ["g", "d1"], ["g", "d2"]])
        expect(bodies(yield* receive(sqs, plainUrl, { waitTimeSeconds: 0 }))).toEqual(["p"])
      })
    )
  )
})

describe("queues", () => {
  it.effect("CreateQueue, GetQueueUrl, ListQueues, GetQueueAttributes, SetQueueAttributes, DeleteQueue", () =>
    withService((sqs) =>
      Effect.gen(function* () {
        const url = yield* create(sqs, "orders", { VisibilityTimeout: "45" })
        expect(url).toBe(`${ORIGIN}/${ACCOUNT}/orders`)
        expect(yield* create(sqs, "orders", { VisibilityTimeout: "45" })).toBe(url)
        expect(yield* failureTag(create(sqs, "orders", { VisibilityTimeout: "46" }))).toBe("QueueNameExists")
        yield* create(sqs, "audit")
        expect((yield* sqs.getQueueUrl({ queueName: "orders", queueOwnerAccountId: undefined }, ctx)).queueUrl).toBe(url)
        expect((yield* sqs.listQueues({ prefix: undefined, maxResults: undefined, nextToken: undefined }, ctx)).queueUrls).toEqual([
          `${ORIGIN}/${ACCOUNT}/audit`,
          url
        ])
        expect((yield* sqs.listQueues({ prefix: undefined, maxResults: undefined, nextToken: undefined }, other)).queueUrls).toEqual([])
        const attributes = yield* sqs.getQueueAttributes(url, ["VisibilityTimeout", "QueueArn"], ctx)
        expect(attributes).toEqual({ VisibilityTimeout: "45", QueueArn: `arn:aws:sqs:us-east-1:${ACCOUNT}:orders` })
        expect(yield* failureTag(sqs.getQueueAttributes(url, ["Colour"], ctx))).toBe("InvalidAttributeName")
        yield* sqs.setQueueAttributes(url, { DelaySeconds: "5" }, ctx)
        expect((yield* sqs.getQueueAttributes(url, ["All"], ctx))["DelaySeconds"]).toBe("5")
        expect(yield* failureTag(sqs.getQueueAttributes(url, ["All"], other))).toBe("AccessDenied")
        yield* sqs.deleteQueue(url, ctx)
        expect(yield* failureTag(sqs.getQueueUrl({ queueName: "orders", queueOwnerAccountId: undefined }, ctx))).toBe("QueueDoesNotExist")
        expect(yield* failureTag(create(sqs, "orders"))).toBe("QueueDeletedRecently")
        yield* TestClock.adjust("60 seconds")
        expect(yield* create(sqs, "orders")).toBe(url)
      })
    )
  )

  it.effect("TagQueue, UntagQueue, ListQueueTags, and tags given to CreateQueue", () =>
    withService((sqs) =>
      Effect.gen(function* () {
        const url = yield* create(sqs, "tagged", {}, { team: "a" })
        yield* sqs.tagQueue(url, { env: "test", team: "b" }, ctx)
        expect(yield* sqs.listQueueTags(url, ctx)).toEqual({ team: "b", env: "test" })
        yield* sqs.untagQueue(url, ["team", "absent"], ctx)
        expect(yield* sqs.listQueueTags(url, ctx)).toEqual({ env: "test" })
        const many = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, "v"]))
        expect(yield* failureTag(sqs.tagQueue(url, many, ctx))).toBe("InvalidParameterValue")
      })
    )
  )
})

describe("messages", () => {
  it.effect("SendMessage answers, and ReceiveMessage keeps, the digest of the Md5 service it is given", () => {
    // A stand-in that marks its digests, so an answer from any other MD5 shows.
    const noble = MessageDigest.makeNoble()
    const marked = Layer.succeed(MessageDigest.Md5, { hex: (data: string | Uint8Array) => `marked:${noble.hex(data)}` })
    return Effect.provide(
      Effect.gen(function* () {
        const sqs = yield* Sqs.Sqs
        const url = yield* create(sqs, "digests")
        const sent = yield* send(sqs, url, "hello")
        expect(sent.md5OfMessageBody).toBe("marked:5d41402abc4b2a76b9719d911017c592")
        const [received] = yield* receive(sqs, url)
        expect(received!.message.md5OfMessageBody).toBe(sent.md5OfMessageBody)
      }),
      layerOn(QueueStore.makeMemory(), makeKmses(), marked)
    )
  })

  it.effect("a received message comes back after its visibility timeout unless deleted", () =>
    withService((sqs) =>
      Effect.gen(function* () {
        const url = yield* create(sqs, "work", { VisibilityTimeout: "30" })
        const sent = yield* send(sqs, url, "hello")
        expect(sent.md5OfMessageBody).toBe("5d41402abc4b2a76b9719d911017c592")
        const [first] = yield* receive(sqs, url)
        expect(first!.message.messageId).toBe(sent.messageId)
        expect(yield* receive(sqs, url)).toEqual([])
        yield* TestClock.adjust("30 seconds")
        const [again] = yield* receive(sqs, url)
        expect(again!.message.receiveCount).toBe(2)
        yield* sqs.changeMessageVisibility(url, again!.receiptHandle, 0, ctx)
        const [third] = yield* receive(sqs, url)
        yield* sqs.deleteMessage(url, third!.receiptHandle, ctx)
        yield* TestClock.adjust("1 hour")
        expect(yield* receive(sqs, url)).toEqual([])
        expect(yield* failureTag(sqs.deleteMessage(url, "not-a-handle", ctx))).toBe("ReceiptHandleIsInvalid")
      })
    )
  )

  it.effect("PurgeQueue empties the queue, once a minute", () =>
    withService((sqs) =>
      Effect.gen(function* () {
        const url = yield* create(sqs, "purged")
        yield* send(sqs, url, "a")
        yield* sqs.purgeQueue(url, ctx)
        expect(yield* receive(sqs, url)).toEqual([])
        expect(yield* failureTag(sqs.purgeQueue(url, ctx))).toBe("PurgeQueueInProgress")
      })
    )
  )

  it.effect("a FIFO queue returns a group in order, one receive at a time", () =>
    withService((sqs) =>
      Effect.gen(function* () {
        const url = yield* create(sqs, "jobs.fifo", { FifoQueue: "true", ContentBasedDeduplication: "true" })
        for (const body of ["1", "2", "3"]) yield* send(sqs, url, body, { messageGroupId: "g" })
        const duplicate = yield* send(sqs, url, "1", { messageGroupId: "g" })
        const first = yield* receive(sqs, url, { maxNumberOfMessages: 2 })
        expect(bodies(first)).toEqual(["1", "2"])
        expect(first[0]!.message.messageId).toBe(duplicate.messageId)
        expect(yield* receive(sqs, url)).toEqual([])
        for (const r of first) yield* sqs.deleteMessage(url, r.receiptHandle, ctx)
        expect(bodies(yield* receive(sqs, url))).toEqual(["3"])
      })
    )
  )

  it.effect("messages past maxReceiveCount move to the dead-letter queue, which lists its sources", () =>
    withService((sqs) =>
      Effect.gen(function* () {
        const dlq = yield* create(sqs, "dead")
        const arn = (yield* sqs.getQueueAttributes(dlq, ["QueueArn"], ctx))["QueueArn"]!
        const url = yield* create(sqs, "source", { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: arn, maxReceiveCount: 1 }) })
        const sent = yield* send(sqs, url, "poison")
        const [first] = yield* receive(sqs, url)
        yield* sqs.changeMessageVisibility(url, first!.receiptHandle, 0, ctx)
        expect(yield* receive(sqs, url)).toEqual([])
        const moved = yield* receive(sqs, dlq)
        expect(moved.map((r) => r.message.messageId)).toEqual([sent.messageId])
        expect((yield* sqs.listDeadLetterSourceQueues(dlq, { maxResults: undefined, nextToken: undefined }, ctx)).queueUrls).toEqual([url])
      })
    )
  )
})

describe("message move tasks", () => {
  /** `source` redriving into `dead` after one receive, and `n` messages moved there. */
  const redriven = (sqs: Sqs.SqsService, n: number) =>
    Effect.gen(function* () {
      const dlq = yield* create(sqs, "dead")
      const dlqArn = (yield* sqs.getQueueAttributes(dlq, ["QueueArn"], ctx))["QueueArn"]!
      const url = yield* create(sqs, "source", { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 1 }) })
      for (let i = 0; i < n; i++) yield* send(sqs, url, `m${i}`)
      while ((yield* receive(sqs, url, { visibilityTimeout: 0 })).length > 0) {
        // Each message is received once, then redriven by the receive after.
      }
      return { dlq, dlqArn, url }
    })

  it.effect("the service moves a dead-letter queue's messages back at the task's rate, on its clock, and lists the task", () =>
    withService((sqs) =>
      Effect.gen(function* () {
        const { dlq, dlqArn, url } = yield* redriven(sqs, 4)
        expect((yield* sqs.getQueueAttributes(dlq, ["ApproximateNumberOfMessages"], ctx))["ApproximateNumberOfMessages"]).toBe("4")
        const { taskHandle } = yield* sqs.startMessageMoveTask({ sourceArn: dlqArn, destinationArn: undefined, maxNumberOfMessagesPerSecond: 2 }, ctx)
        const count = (queue: string) => Effect.map(sqs.getQueueAttributes(queue, ["ApproximateNumberOfMessages"], ctx), (a) => Number(a["ApproximateNumberOfMessages"]))
        yield* TestClock.adjust("999 millis")
        expect(yield* count(url)).toBe(1)
        yield* TestClock.adjust("1 millis")
        expect([yield* count(url), yield* count(dlq)]).toEqual([2, 2])
        const [running] = yield* sqs.listMessageMoveTasks({ sourceArn: dlqArn, maxResults: 10 }, ctx)
        expect(running).toMatchObject({ status: "RUNNING", moved: 2, toMove: 4, maxNumberOfMessagesPerSecond: 2 })
        expect(MessageMoveTask.encodeHandle(running!)).toBe(taskHandle)
        yield* TestClock.adjust("1 second")
        expect([yield* count(url), yield* count(dlq)]).toEqual([4, 0])
        const [done] = yield* sqs.listMessageMoveTasks({ sourceArn: dlqArn, maxResults: undefined }, ctx)
        expect(done).toMatchObject({ status: "COMPLETED", moved: 4 })
        expect(bodies(yield* receive(sqs, url)).sort()).toEqual(["m0", "m1", "m2", "m3"])
      })
    )
  )

  it.effect("a cancelled task stops; a running one survives a restart of the service and goes on", () =>
    Effect.gen(function* () {
      const store = QueueStore.makeMemory()
      const kmses = makeKmses()
      const dlqArn = yield* withService(
        (sqs) =>
          Effect.gen(function* () {
            const { dlqArn } = yield* redriven(sqs, 3)
            const first = yield* sqs.startMessageMoveTask({ sourceArn: dlqArn, destinationArn: undefined, maxNumberOfMessagesPerSecond: 1 }, ctx)
            yield* TestClock.adjust("1 second")
            expect(yield* sqs.cancelMessageMoveTask(first.taskHandle, ctx)).toEqual({ approximateNumberOfMessagesMoved: 1 })
            yield* TestClock.adjust("5 seconds")
            const [cancelled] = yield* sqs.listMessageMoveTasks({ sourceArn: dlqArn, maxResults: 1 }, ctx)
            expect(cancelled).toMatchObject({ status: "CANCELLED", moved: 1 })
            yield* sqs.startMessageMoveTask({ sourceArn: dlqArn, destinationArn: undefined, maxNumberOfMessagesPerSecond: 1 }, ctx)
            return dlqArn
          }),
        store,
        kmses
      )
      yield* withService(
        (sqs) =>
          Effect.gen(function* () {
            yield* TestClock.adjust("2 seconds")
            const tasks = yield* sqs.listMessageMoveTasks({ sourceArn: dlqArn, maxResults: 10 }, ctx)
            expect(tasks.map((t) => [t.status, t.moved])).toEqual([["COMPLETED", 2], ["CANCELLED", 1]])
          }),
        store,
        kmses
      )
    })
  )
})

describe("long polling", () => {
  it.effect("a waiting receive returns as soon as a message is sent", () =>
    withService((sqs) =>
      Effect.gen(function* () {
        const url = yield* create(sqs, "poll")
        const waiting = yield* Effect.fork(receive(sqs, url, { waitTimeSeconds: 20 }))
        yield* TestClock.adjust("1 second")
        expect(Option.isNone(yield* Fiber.poll(waiting))).toBe(true)
        yield* send(sqs, url, "now")
        expect(bodies(yield* Fiber.join(waiting))).toEqual(["now"])
      })
    )
  )

  it.effect("a waiting receive takes a delayed message the instant it becomes visible", () =>
    withService((sqs) =>
      Effect.gen(function* () {
        const url = yield* create(sqs, "delayed")
        yield* send(sqs, url, "later", { delaySeconds: 3 })
        const waiting = yield* Effect.fork(receive(sqs, url, { waitTimeSeconds: 10 }))
        yield* TestClock.adjust("2999 millis")
        expect(Option.isNone(yield* Fiber.poll(waiting))).toBe(true)
        yield* TestClock.adjust("1 millis")
        expect(bodies(yield* Fiber.join(waiting))).toEqual(["later"])
      })
    )
  )

  it.effect("a receive waits the queue's ReceiveMessageWaitTimeSeconds, then answers empty", () =>
    withService((sqs) =>
      Effect.gen(function* () {
        const url = yield* create(sqs, "quiet", { ReceiveMessageWaitTimeSeconds: "5" })
        const waiting = yield* Effect.fork(receive(sqs, url))
        yield* TestClock.adjust("4 seconds")
        expect(Option.isNone(yield* Fiber.poll(waiting))).toBe(true)
        yield* TestClock.adjust("1 second")
        expect(yield* Fiber.join(waiting)).toEqual([])
        expect(yield* failureTag(receive(sqs, url, { waitTimeSeconds: 21 }))).toBe("InvalidParameterValue")
      })
    )
  )
})

describe("batches", () => {
  const entry = (id: string, body: string, extra: Partial<Sqs.SendMessageInput> = {}) => ({
    id,
    body,
    attributes: {},
    delaySeconds: undefined,
    messageGroupId: undefined,
    messageDeduplicationId: undefined,
    ...extra
  })

  it.effect("SendMessageBatch, DeleteMessageBatch and ChangeMessageVisibilityBatch report each entry", () =>
    withService((sqs) =>
      Effect.gen(function* () {
        const url = yield* create(sqs, "batch")
        const sent = yield* sqs.sendMessageBatch(url, [entry("a", "one"), entry("b", "two", { delaySeconds: 901 }), entry("c", "three")], ctx)
        expect(sent.successful.map((s) => s.id)).toEqual(["a", "c"])
        expect(sent.failed.map((f) => [f.id, f.error._tag])).toEqual([["b", "InvalidParameterValue"]])
        const received = yield* receive(sqs, url)
        expect(bodies(received)).toEqual(["one", "three"])
        const changed = yield* sqs.changeMessageVisibilityBatch(
          url,
          [
            { id: "x", receiptHandle: received[0]!.receiptHandle, visibilityTimeout: 0 },
            { id: "y", receiptHandle: "bogus", visibilityTimeout: 0 }
          ],
          ctx
        )
        expect(changed.failed.map((f) => [f.id, f.error._tag])).toEqual([["y", "ReceiptHandleIsInvalid"]])
        const [back] = yield* receive(sqs, url)
        const deleted = yield* sqs.deleteMessageBatch(
          url,
          [
            { id: "p", receiptHandle: back!.receiptHandle },
            { id: "q", receiptHandle: received[1]!.receiptHandle }
          ],
          ctx
        )
        expect(deleted.successful.map((s) => s.id)).toEqual(["p", "q"])
        yield* TestClock.adjust("1 hour")
        expect(yield* receive(sqs, url)).toEqual([])
      })
    )
  )

  it.effect("refuses empty, oversized, badly named, repeated and too long batches whole", () =>
    withService((sqs) =>
      Effect.gen(function* () {
        const url = yield* create(sqs, "refused")
        const batch = (entries: ReadonlyArray<ReturnType<typeof entry>>) => failureTag(sqs.sendMessageBatch(url, entries, ctx))
        expect(yield* batch([])).toBe("EmptyBatchRequest")
        expect(yield* batch(Array.from({ length: 11 }, (_, i) => entry(`e${i}`, "x")))).toBe("TooManyEntriesInBatchRequest")
        expect(yield* batch([entry("bad id", "x")])).toBe("InvalidBatchEntryId")
        expect(yield* batch([entry("a", "x"), entry("a", "y")])).toBe("BatchEntryIdsNotDistinct")
        expect(yield* batch([entry("a", "x".repeat(200_000)), entry("b", "y".repeat(100_000))])).toBe("BatchRequestTooLong")
        expect(yield* failureTag(sqs.deleteMessageBatch(url, [], ctx))).toBe("EmptyBatchRequest")
        expect(yield* receive(sqs, url)).toEqual([])
      })
    )
  )
})

describe("the store", () => {
  it.effect("a new service loads queues and messages: in flight ones return after their timeout, deleted ones never", () =>
    Effect.gen(function* () {
      const store = QueueStore.makeMemory()
      const url = yield* withService(
        (sqs) =>
          Effect.gen(function* () {
            const url = yield* create(sqs, "durable", { VisibilityTimeout: "30" }, { k: "v" })
            yield* send(sqs, url, "kept")
            yield* send(sqs, url, "gone")
            const received = yield* receive(sqs, url)
            yield* sqs.deleteMessage(url, received.find((r) => r.message.body === "gone")!.receiptHandle, ctx)
            return url
          }),
        store
      )
      yield* withService(
        (sqs) =>
          Effect.gen(function* () {
            expect(yield* sqs.listQueueTags(url, ctx)).toEqual({ k: "v" })
            expect(yield* receive(sqs, url)).toEqual([])
            yield* TestClock.adjust("30 seconds")
            const [back] = yield* receive(sqs, url)
            expect(back!.message.body).toBe("kept")
            expect(back!.message.receiveCount).toBe(2)
          }),
        store
      )
    })
  )
})

/** The stored bodies of a queue, read from the store as a restart would. */
const storedBodies = (store: QueueStore.QueueStoreService, name: string) =>
  Effect.map(store.load, (system) => [...(system.states.get(`${ACCOUNT}/${name}`)?.messages.values() ?? [])].map((m) => m.body))

describe("encryption at rest", () => {
  it.effect("SSE-KMS seals each body under a data key of the queue's key, reused per queue, and opens it at receive", () => {
    const store = QueueStore.makeMemory()
    const kmses = makeKmses()
    return withService(
      (sqs) =>
        Effect.gen(function* () {
          const url = yield* create(sqs, "sealed", { KmsMasterKeyId: "alias/q", KmsDataKeyReusePeriodSeconds: "60" })
          const attributes = yield* sqs.getQueueAttributes(url, ["All"], ctx)
          expect(attributes["SqsManagedSseEnabled"]).toBe("false")
          expect(attributes["KmsDataKeyReusePeriodSeconds"]).toBe("60")
          yield* send(sqs, url, "first secret")
          yield* send(sqs, url, "second secret")
          const stored = yield* storedBodies(store, "sealed")
          expect(stored.map((b) => (typeof b === "string" ? b : b.sse))).toEqual(["KMS", "KMS"])
          expect(kmses.customer.issued.map((k) => k.queueArn)).toEqual([`arn:aws:sqs:us-east-1:${ACCOUNT}:sealed`])
          yield* TestClock.adjust("60 seconds")
          yield* send(sqs, url, "third secret")
          expect(kmses.customer.issued).toHaveLength(2)
          expect(bodies(yield* receive(sqs, url)).sort()).toEqual(["first secret", "second secret", "third secret"])
        }),
      store,
      kmses
    )
  })

  it.effect("SSE-KMS fails a send with the KMS error of the key's state, and a body sent before encryption stays readable", () => {
    const kmses = makeKmses()
    return withService(
      (sqs) =>
        Effect.gen(function* () {
          const url = yield* create(sqs, "turned", { SqsManagedSseEnabled: "false" })
          yield* send(sqs, url, "clear")
          yield* sqs.setQueueAttributes(url, { KmsMasterKeyId: "alias/q" }, ctx)
          kmses.customer.setState("alias/q", "Disabled")
          expect(yield* failureTag(send(sqs, url, "refused"))).toBe("KmsDisabled")
          kmses.customer.setState("alias/q", "PendingDeletion")
          expect(yield* failureTag(send(sqs, url, "refused"))).toBe("KmsInvalidState")
          yield* sqs.setQueueAttributes(url, { KmsMasterKeyId: "alias/missing" }, ctx)
          expect(yield* failureTag(send(sqs, url, "refused"))).toBe("KmsNotFound")
          expect(bodies(yield* receive(sqs, url))).toEqual(["clear"])
        }),
      QueueStore.makeMemory(),
      kmses
    )
  })

  it.effect("SendMessageBatch: a key unusable from the start fails the request; one disabled part way fails only the entries it did not seal", () => {
    const kmses = makeKmses()
    // The customer KMS as SQS sees it, the key disabled as its third use for sealing begins.
    const port = TestKms.asQueuePort(kmses.customer)
    let checks = 0
    const disabling: QueueKms.QueueKmsService = {
      customer: {
        ...port,
        checkKeyForUse: (keyId, caller, context) =>
          Effect.suspend(() => {
            if (++checks === 3) kmses.customer.setState("alias/q", "Disabled")
            return port.checkKeyForUse(keyId, caller, context)
          })
      },
      owned: TestKms.asQueuePort(kmses.owned)
    }
    const layer = Sqs.layer({ origin: () => ORIGIN }).pipe(
      Layer.provide(Layer.succeed(QueueStore.QueueStore, QueueStore.makeMemory())),
      Layer.provide(Ids.layerSeeded(7)),
      Layer.provide(Layer.succeed(QueueKms.QueueKms, disabling)),
      Layer.provide(Cipher.layerNoble),
      Layer.provide(MessageDigest.layerNoble)
    )
    const entry = (id: string, body: string) => ({ id, body, attributes: {}, delaySeconds: undefined, messageGroupId: undefined, messageDeduplicationId: undefined })
    return Effect.provide(
      Effect.gen(function* () {
        const sqs = yield* Sqs.Sqs
        const url = yield* create(sqs, "batched", { KmsMasterKeyId: "alias/q" })
        const batch = yield* sqs.sendMessageBatch(url, [entry("a", "one"), entry("b", ""), entry("c", "two"), entry("d", "three"), entry("e", "four")], ctx)
        expect(batch.successful.map((s) => s.id)).toEqual(["a", "c"])
        expect(batch.failed.map((f) => [f.id, f.error._tag])).toEqual([["b", "MissingParameter"], ["d", "KmsDisabled"], ["e", "KmsDisabled"]])
        expect(yield* failureTag(sqs.sendMessageBatch(url, [entry("x", "five"), entry("y", "six")], ctx))).toBe("KmsDisabled")
        kmses.customer.setState("alias/q", "Enabled")
        expect(bodies(yield* receive(sqs, url)).sort()).toEqual(["one", "two"])
        expect((yield* sqs.sendMessageBatch(url, [entry("x", "five")], ctx)).successful).toHaveLength(1)
      }),
      layer
    )
  })

  it.effect("SSE-SQS, the default, seals bodies under the service's own key; turned off, bodies are stored as sent", () => {
    const store = QueueStore.makeMemory()
    const kmses = makeKmses()
    return withService(
      (sqs) =>
        Effect.gen(function* () {
          const managed = yield* create(sqs, "managed")
          const plain = yield* create(sqs, "plain", { SqsManagedSseEnabled: "false" })
          yield* send(sqs, managed, "owned secret")
          yield* send(sqs, plain, "in clear")
          const sealed = (yield* storedBodies(store, "managed"))[0]!
          expect(typeof sealed === "string" ? sealed : sealed.sse).toBe("SQS")
          expect(yield* storedBodies(store, "plain")).toEqual(["in clear"])
          expect(kmses.owned.issued).toHaveLength(1)
          expect(kmses.customer.issued).toHaveLength(0)
          expect(bodies(yield* receive(sqs, managed))).toEqual(["owned secret"])
        }),
      store,
      kmses
    )
  })
})
