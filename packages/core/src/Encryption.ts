/**
 * The encryption rules of SNS server-side encryption, as pure functions, and the two effects that
 * apply them to a body (seal at publish, open at delivery).
 *
 * Source: the SNS Developer Guide, "Encryption at rest" (quoted as "SSE guide:" below,
 * https://docs.aws.amazon.com/sns/latest/dg/sns-server-side-encryption.html), and docs/SEMANTICS.md §1.
 *
 * @since 0.1.0
 */
import { Effect, Either } from "effect"
import type { CipherOpenError, CipherService } from "./Cipher.js"
import * as EncryptionContext from "./EncryptionContext.js"
import { InvalidSecurity } from "./Errors.js"
import type * as DataKeyCache from "./DataKeyCache.js"
import type { DataKeysService } from "./DataKeys.js"
import type { DataKey, KmsCaller, KmsPort } from "./Kms.js"
import type { Envelope, MessageBody } from "./Message.js"
import type { RequestContext } from "./RequestContext.js"
import * as Topic from "./Topic.js"

/** One encoder for every body (docs/PERFORMANCE.md, "One text encoder; the AAD prefix per topic"). */
const utf8Encoder = new TextEncoder()

/**
 * How a body will be stored.
 *
 * @category models
 */
export type BodyPlan = { readonly _tag: "Plain" } | { readonly _tag: "Seal"; readonly kmsKeyId: string }

/**
 * SSE guide: "SSE encrypts messages as soon as Amazon SNS receives them", and "A message is
 * encrypted only if it is sent after the encryption of a topic is enabled." So the decision reads
 * the topic as it is at the instant of publish, and nothing else. Nothing ever re-plans a stored message: enabling or
 * disabling encryption touches no stored message (docs/SEMANTICS.md §1.5).
 *
 * @category rules
 */
export const planBody = (topic: Topic.Topic): BodyPlan => {
  const kmsKeyId = Topic.kmsMasterKeyId(topic)
  return kmsKeyId === undefined ? { _tag: "Plain" } : { _tag: "Seal", kmsKeyId }
}

/**
 * SSE guide: "All requests to topics with SSE enabled must use HTTPS and Signature Version 4." A request
 * over plain HTTP, signed with SigV2, or unsigned is refused with InvalidSecurity, in AWS's words
 * (docs/SEMANTICS.md §1.9).
 *
 * @category rules
 */
export const requireSecureTransport = (
  topic: Topic.Topic,
  context: RequestContext
): Either.Either<void, InvalidSecurity> =>
  Topic.kmsMasterKeyId(topic) === undefined || (context.transport === "https" && context.auth === "sigv4")
    ? Either.void
    : Either.left(
        new InvalidSecurity({
          message:
            "The credential signature isn't valid. You must use an HTTPS endpoint and sign your request using Signature Version 4."
        })
      )

/**
 * The same rule for a request that names a topic it may not find, or arrives unsigned: nothing to
 * say when there is no such topic (the request's own lookup answers NotFound), and nothing for the
 * unsigned links SNS hands to subscribers (ConfirmSubscription and Unsubscribe), which AWS serves
 * unsigned for every topic (docs/SEMANTICS.md §1.9).
 *
 * @category rules
 */
export const requireSecureTransportIfAny = (
  topic: Topic.Topic | undefined,
  context: RequestContext | undefined
): Either.Either<void, InvalidSecurity> =>
  topic === undefined || context === undefined ? Either.void : requireSecureTransport(topic, context)

/**
 * What the body's ciphertext is bound to: its topic and its message id, canonicalised with length
 * prefixes. A sealed body moved to another message or topic fails to open (SP 800-38D §7.2).
 *
 * @category encoding
 */
export const bodyAad = (topicArn: string, messageId: string): Uint8Array => bodyAadAfter(bodyAadPrefix(topicArn), messageId)

/**
 * The bytes of `bodyAad` before the message id's length and bytes: the canonical form of the same
 * context with an empty message id, minus that empty value's 4-byte length. Valid because
 * `aws:sns:topicArn` sorts before `sealcast:messageId`, so the message id is the last value (a
 * property test checks `bodyAad` against `EncryptionContext.canonicalize`).
 *
 * @category encoding
 */
export const bodyAadPrefix = (topicArn: string): Uint8Array => contextAadPrefix(EncryptionContext.forTopic(topicArn))

/**
 * `bodyAadPrefix` for any resource's context: a queue's is `{"aws:sqs:arn": <queue ARN>}`, whose key
 * also sorts before `sealcast:messageId` (docs/SEMANTICS.md §8).
 *
 * @category encoding
 */
export const contextAadPrefix = (context: EncryptionContext.EncryptionContext): Uint8Array => {
  const whole = EncryptionContext.canonicalize({ ...context, "sealcast:messageId": "" })
  return whole.subarray(0, whole.length - 4)
}

/** A text of ASCII characters only. */
const ASCII = /^[\x00-\x7f]*$/

/**
 * `bodyAad` from its topic's prefix (`bodyAadPrefix`) and the message id.
 *
 * @category encoding
 */
export const bodyAadAfter = (prefix: Uint8Array, messageId: string): Uint8Array => bodyAadInto(undefined, prefix, messageId)

/**
 * `bodyAadAfter` written at the start of `room` and returned as a view of it when there is room and
 * it fits there, else in a fresh array.
 *
 * @category encoding
 */
export const bodyAadInto = (room: Uint8Array | undefined, prefix: Uint8Array, messageId: string): Uint8Array => {
  const at = prefix.length + 4
  // Message ids are ASCII (UUIDs), whose UTF-8 bytes are their char codes: written in place, with
  // no encoder's array to copy (docs/PERFORMANCE.md, "A sealed publish: the key check remembered").
  const id = ASCII.test(messageId) ? undefined : utf8Encoder.encode(messageId)
  const length = id === undefined ? messageId.length : id.length
  const out = room !== undefined && at + length <= room.length ? room.subarray(0, at + length) : new Uint8Array(at + length)
  out.set(prefix)
  out[at - 4] = length >>> 24
  out[at - 3] = (length >>> 16) & 0xff
  out[at - 2] = (length >>> 8) & 0xff
  out[at - 1] = length & 0xff
  if (id !== undefined) out.set(id, at)
  else for (let i = 0; i < length; i++) out[at + i] = messageId.charCodeAt(i)
  return out
}

/** How many topics' AAD prefixes a memo keeps; past that it starts over. */
const AAD_PREFIXES_KEPT = 1024

/**
 * A memo of `contextAadPrefix` per resource ARN (topics by default), owned by whoever makes it (the SNS
 * or SQS service). Every sealed publish and
 * every delivery of one needs its topic's prefix, and per topic it never changes.
 *
 * @category constructors
 */
export const makeAadPrefixes = (
  contextOf: (resourceArn: string) => EncryptionContext.EncryptionContext = EncryptionContext.forTopic
): ((resourceArn: string) => Uint8Array) => {
  const prefixes = new Map<string, Uint8Array>()
  return (resourceArn) => {
    let prefix = prefixes.get(resourceArn)
    if (prefix === undefined) {
      if (prefixes.size >= AAD_PREFIXES_KEPT) prefixes.clear()
      prefix = contextAadPrefix(contextOf(resourceArn))
      prefixes.set(resourceArn, prefix)
    }
    return prefix
  }
}

/** Room for a body's AAD: a topic's or queue's prefix with a message id fits many times over. */
const AAD_ROOM_BYTES = 1024
/** Room for a body's UTF-8 bytes: every body up to one `node:crypto` piece (docs/PERFORMANCE.md, "AES-256-GCM in 64 KiB pieces"). */
const TEXT_ROOM_BYTES = 64 * 1024

/**
 * Where a seal writes the bytes it hands the cipher and then drops: the body's AAD and its UTF-8
 * bytes, written again for every message instead of into two fresh arrays
 * (docs/PERFORMANCE.md, "The seal line without scratch arrays"). Each service makes its own with
 * `makeSealScratch`; the cipher reads them only during its `seal` call (`CipherService.seal`), and a
 * seal runs to its end before the next begins, so no message ever sees another's bytes.
 *
 * @category models
 */
export interface SealScratch {
  readonly aad: Uint8Array
  readonly text: Uint8Array
}

/**
 * @category constructors
 */
export const makeSealScratch = (): SealScratch => ({ aad: new Uint8Array(AAD_ROOM_BYTES), text: new Uint8Array(TEXT_ROOM_BYTES) })

/** The UTF-8 bytes of `text`, as a view of `room` when they fit there, else in a fresh array. */
const utf8Into = (room: Uint8Array, text: string): Uint8Array => {
  if (text.length <= room.length) {
    const { read, written } = utf8Encoder.encodeInto(text, room)
    if (read === text.length) return room.subarray(0, written)
  }
  return utf8Encoder.encode(text)
}

/**
 * Seals a body under a data key. Only the body: SSE guide, "Encryption scope": "SSE encrypts the
 * body of the message … SSE doesn't encrypt … message metadata (subject, message ID, timestamp, and
 * attributes)". `nonce` must be fresh (12 random bytes from `Ids`): a repeated nonce under one data key breaks GCM
 * (SP 800-38D §8). `aadPrefix` is the topic's `bodyAadPrefix`; the AAD and the body's bytes are written
 * in `scratch`.
 *
 * @category encoding
 */
export const seal = (
  cipher: CipherService,
  nonce: Uint8Array,
  body: string,
  dataKey: DataKey,
  aadPrefix: Uint8Array,
  messageId: string,
  scratch: SealScratch
): Extract<MessageBody, { _tag: "Sealed" }> => ({
  _tag: "Sealed",
  envelope: {
    algorithm: "AES_256_GCM",
    keyArn: dataKey.keyArn,
    encryptedDataKey: dataKey.ciphertextBlob,
    nonce,
    ciphertext: cipher.seal(dataKey.plaintext, nonce, bodyAadInto(scratch.aad, aadPrefix, messageId), utf8Into(scratch.text, body))
  }
})

const utf8Decoder = new TextDecoder("utf-8", { fatal: false })

/**
 * Opens a sealed body with its (already decrypted) data key: the last step before delivery.
 * `aadPrefix` is the topic's `bodyAadPrefix`.
 *
 * @category encoding
 */
export const open = (
  cipher: CipherService,
  envelope: Envelope,
  dataKeyPlaintext: Uint8Array,
  aadPrefix: Uint8Array,
  messageId: string
): Either.Either<string, CipherOpenError> =>
  Either.map(cipher.open(dataKeyPlaintext, envelope.nonce, bodyAadAfter(aadPrefix, messageId), envelope.ciphertext), (bytes) =>
    utf8Decoder.decode(bytes)
  )

/**
 * What sealing a body needs from its service: the KMS port, its data-key caches, the cipher, a nonce
 * source (12 fresh random bytes a call), the memo of AAD prefixes and the service's `SealScratch`.
 * SNS and SQS seal through it alike.
 *
 * @category models
 */
export interface Sealer<E> {
  readonly kms: KmsPort<E>
  readonly dataKeys: DataKeysService<E>
  readonly cipher: CipherService
  readonly nonce: () => Uint8Array
  readonly aadPrefixOf: (resourceArn: string) => Uint8Array
  readonly contextOf: (resourceArn: string) => EncryptionContext.EncryptionContext
  readonly scratch: SealScratch
}

/** The seal of `body` under a data key, to run later: a fresh nonce, the body's AAD, the sealer's scratch. */
const sealUnder = <E>(sealer: Sealer<E>, resourceArn: string, body: string, messageId: string) => {
  const aadPrefix = sealer.aadPrefixOf(resourceArn)
  return (dataKey: DataKey) => (): Extract<MessageBody, { _tag: "Sealed" }> =>
    seal(sealer.cipher, sealer.nonce(), body, dataKey, aadPrefix, messageId, sealer.scratch)
}

/**
 * Decides how a body for `scope` is sealed, and answers the seal as a function to run before the
 * body is stored (a group of writes runs its seals together: docs/PERFORMANCE.md, "Sealing a group's
 * bodies together"). The key's state and the caller's right are checked on every call
 * (docs/SEMANTICS.md §1.7 and §8), then a cached data key is used while the reuse rules allow,
 * else a fresh one is asked of KMS.
 *
 * @category encoding
 */
export const decideSealBody = <E>(
  sealer: Sealer<E>,
  scope: DataKeyCache.Scope,
  caller: KmsCaller,
  body: string,
  messageId: string,
  at: number
): Effect.Effect<() => Extract<MessageBody, { _tag: "Sealed" }>, E> => {
  const under = sealUnder(sealer, scope.resourceArn, body, messageId)
  return Effect.flatMap(sealer.kms.checkKeyForUse(scope.kmsKeyId, caller, sealer.contextOf(scope.resourceArn)), () => {
    const cached = sealer.dataKeys.reuse(scope, at)
    return cached !== undefined ? Effect.succeed(under(cached)) : Effect.map(sealer.dataKeys.forSealing(scope, caller, at), under)
  })
}

/**
 * `decideSealBody` when nothing has to wait: the key passes its check as a plain read
 * (`KmsPort.checkKeyForUseNow`) and a cached data key may seal one more message (counted now).
 * Else undefined, with nothing counted, and `decideSealBody` decides it.
 *
 * @category encoding
 */
export const sealBodyLater = <E>(
  sealer: Sealer<E>,
  scope: DataKeyCache.Scope,
  caller: KmsCaller,
  body: string,
  messageId: string,
  at: number
): (() => Extract<MessageBody, { _tag: "Sealed" }>) | undefined => {
  if (sealer.kms.checkKeyForUseNow?.(scope.kmsKeyId, caller, sealer.contextOf(scope.resourceArn), at) === undefined) return undefined
  const cached = sealer.dataKeys.reuse(scope, at)
  return cached === undefined ? undefined : sealUnder(sealer, scope.resourceArn, body, messageId)(cached)
}

/**
 * Opens a sealed body of `resourceArn` when nothing has to wait: with a data key opened in the last
 * 5 minutes (the reuse `openBody` allows). Else undefined, and `openBody` asks KMS.
 *
 * @category encoding
 */
export const openBodyNow = <E>(
  sealer: Pick<Sealer<E>, "dataKeys" | "cipher" | "aadPrefixOf">,
  envelope: Envelope,
  resourceArn: string,
  messageId: string,
  at: number
): Either.Either<string, CipherOpenError> | undefined => {
  const opened = sealer.dataKeys.opened(envelope.encryptedDataKey, at)
  return opened === undefined ? undefined : open(sealer.cipher, envelope, opened, sealer.aadPrefixOf(resourceArn), messageId)
}

/**
 * Opens a sealed body of `resourceArn`: with a data key opened in the last 5 minutes without a KMS
 * call (`openBodyNow`), else through KMS Decrypt as `caller`.
 *
 * @category encoding
 */
export const openBody = <E>(
  sealer: Pick<Sealer<E>, "dataKeys" | "cipher" | "aadPrefixOf">,
  envelope: Envelope,
  resourceArn: string,
  caller: KmsCaller,
  messageId: string,
  at: number
): Effect.Effect<string, E | CipherOpenError> =>
  openBodyNow(sealer, envelope, resourceArn, messageId, at) ??
    Effect.flatMap(
      sealer.dataKeys.forOpening(envelope.encryptedDataKey, resourceArn, caller, at),
      (plaintext) => open(sealer.cipher, envelope, plaintext, sealer.aadPrefixOf(resourceArn), messageId)
    )
