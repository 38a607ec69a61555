/**
 * Queues: names, URLs, ARNs and attributes, and the directory of an account's queues with
 * CreateQueue's idempotency and the 60-second rule after DeleteQueue (SQS API Reference,
 * "CreateQueue", "DeleteQueue", "GetQueueAttributes", "GetQueueUrl", "ListQueues"; Developer Guide, "Amazon SQS queue and message
 * identifiers").
 *
 * A queue is a plain, JSON-serialisable record; the directory is one immutable value and every action
 * is a pure function `(directory, input, now) -> Either<error, result>`.
 *
 * @since 0.1.0
 */
import { Either, Encoding } from "effect"
import * as IamPolicy from "../IamPolicy.js"
import * as QueueAttributes from "./QueueAttributes.js"
import {
  InvalidAttributeName,
  InvalidAttributeValue,
  InvalidParameterValue,
  invalidValue,
  QueueDeletedRecently,
  QueueDoesNotExist,
  QueueNameExists
} from "./QueueErrors.js"

/**
 * @category models
 */
export interface Queue {
  readonly name: string
  readonly accountId: string
  readonly region: string
  /** `<origin>/<account>/<name>`: the URL every message action addresses. */
  readonly url: string
  readonly arn: string
  readonly fifo: boolean
  /** Every settable attribute with its value or default, as GetQueueAttributes answers it. */
  readonly attributes: Readonly<Record<string, string>>
  /** Cost-allocation tags (TagQueue, ListQueueTags), key to value. */
  readonly tags: Readonly<Record<string, string>>
  /** Epoch milliseconds; GetQueueAttributes answers in seconds. */
  readonly createdAt: number
  readonly lastModifiedAt: number
}

/** The owner of a new queue and where it is served. */
export interface Owner {
  readonly accountId: string
  readonly region: string
  /** The scheme, host and port queue URLs start with, e.g. `https://localhost:9324`. */
  readonly origin: string
}

/** "A queue name can have up to 80 characters." */
export const MAX_NAME_LENGTH = 80

/** "If you delete a queue, you must wait at least 60 seconds before creating a queue with the same name." */
export const RECREATE_AFTER_DELETE_MS = 60_000

const NAME = /^[A-Za-z0-9_-]{1,80}$/
const FIFO_NAME = /^[A-Za-z0-9_-]{1,75}\.fifo$/

/**
 * CreateQueue, `QueueName`: "Valid values: alphanumeric characters, hyphens (-), and underscores
 * (_)", up to 80 characters; "A FIFO queue name must end with the .fifo suffix" and the suffix counts
 * toward the 80 (Developer Guide, "Amazon SQS FIFO queue quotas"). The texts are SQS's.
 *
 * @category validation
 */
export const validateName = (name: string, fifo: boolean): Either.Either<string, InvalidParameterValue> => {
  if (fifo) {
    return FIFO_NAME.test(name)
      ? Either.right(name)
      : Either.left(
          new InvalidParameterValue({
            message:
              "The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length."
          })
        )
  }
  return NAME.test(name)
    ? Either.right(name)
    : Either.left(
        new InvalidParameterValue({ message: "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length" })
      )
}

/**
 * @category constructors
 */
export const queueUrl = (origin: string, accountId: string, name: string): string => `${origin}/${accountId}/${name}`

/**
 * @category constructors
 */
export const queueArn = (region: string, accountId: string, name: string): string =>
  `arn:aws:sqs:${region}:${accountId}:${name}`

/**
 * Splits a queue URL's path into account and name, whatever its origin (SDKs address a queue by the
 * URL CreateQueue returned, which may name another host than the one the request reached).
 *
 * @category parsing
 */
export const parseQueueUrl = (
  url: string
): Either.Either<{ readonly accountId: string; readonly name: string }, QueueDoesNotExist> => {
  const m = /^(?:[a-z][a-z0-9+.-]*:\/\/[^/]+)?\/(\d{12})\/([A-Za-z0-9_.-]{1,80})\/?$/.exec(url)
  return m === null ? Either.left(doesNotExist()) : Either.right({ accountId: m[1]!, name: m[2]! })
}

const doesNotExist = () => new QueueDoesNotExist({ message: "The specified queue does not exist." })

/**
 * The input of CreateQueue, decoded from the wire.
 *
 * @category models
 */
export interface CreateQueueInput {
  readonly name: string
  readonly attributes: Readonly<Record<string, string>>
}

/**
 * Builds a new queue, or says why not. `FifoQueue=true` and a `.fifo` name go together: "If you don't
 * specify the FifoQueue attribute, Amazon SQS creates a standard queue", and a standard queue's name
 * may not end in `.fifo`. `FifoQueue=false` is refused as SQS refuses it: "Unknown Attribute
 * FifoQueue.".
 *
 * @category constructors
 */
export const make = (
  input: CreateQueueInput,
  owner: Owner,
  now: number
): Either.Either<Queue, InvalidParameterValue | InvalidAttributeName | InvalidAttributeValue> =>
  Either.gen(function* () {
    const { FifoQueue: fifoValue, ...rest } = input.attributes
    const fifoRead = fifoValue?.toLowerCase()
    if (fifoRead === "false") {
      // The reference lists `false` as a value, but SQS answers it as an attribute a standard queue
      // does not have, as it does ContentBasedDeduplication.
      return yield* Either.left(new InvalidAttributeName({ message: "Unknown Attribute FifoQueue." }))
    }
    if (fifoRead !== undefined && fifoRead !== "true") {
      return yield* Either.left(new InvalidAttributeValue({ message: "Invalid value for the parameter FifoQueue." }))
    }
    const fifo = fifoRead === "true"
    yield* validateName(input.name, fifo)
    const attributes = yield* QueueAttributes.apply(QueueAttributes.defaults(fifo), rest, fifo)
    return {
      name: input.name,
      accountId: owner.accountId,
      region: owner.region,
      url: queueUrl(owner.origin, owner.accountId, input.name),
      arn: queueArn(owner.region, owner.accountId, input.name),
      fifo,
      attributes,
      tags: {},
      createdAt: now,
      lastModifiedAt: now
    }
  })

/**
 * SetQueueAttributes: "When you change a queue's attributes, the change can take up to 60 seconds for
 * most of the attributes to propagate"; here it takes effect at once.
 *
 * @category rules
 */
export const setAttributes = (
  queue: Queue,
  attributes: Readonly<Record<string, string>>,
  now: number
): Either.Either<Queue, InvalidParameterValue | InvalidAttributeName | InvalidAttributeValue> =>
  Either.map(QueueAttributes.apply(queue.attributes, attributes, queue.fifo), (next) => ({
    ...queue,
    attributes: next,
    lastModifiedAt: now
  }))

/**
 * The typed view of the queue's attributes.
 *
 * @category getters
 */
export const settings = (queue: Queue): QueueAttributes.QueueSettings => QueueAttributes.settings(queue.attributes)

/**
 * How many messages are in each state, for the approximate counts.
 *
 * @category models
 */
export interface Counts {
  readonly visible: number
  readonly inflight: number
  readonly delayed: number
}

/**
 * Every attribute GetQueueAttributes returns for `All`: the settable ones, then the computed ones.
 * KmsDataKeyReusePeriodSeconds is answered only while a KMS key is set (SSE-KMS).
 *
 * @category encoding
 */
export const describe = (queue: Queue, counts: Counts): Record<string, string> => {
  const out: Record<string, string> = { ...queue.attributes }
  if (out["KmsMasterKeyId"] === undefined) delete out["KmsDataKeyReusePeriodSeconds"]
  out["QueueArn"] = queue.arn
  out["ApproximateNumberOfMessages"] = String(counts.visible)
  out["ApproximateNumberOfMessagesNotVisible"] = String(counts.inflight)
  out["ApproximateNumberOfMessagesDelayed"] = String(counts.delayed)
  out["CreatedTimestamp"] = String(Math.floor(queue.createdAt / 1000))
  out["LastModifiedTimestamp"] = String(Math.floor(queue.lastModifiedAt / 1000))
  return out
}

// ---------------------------------------------------------------------------------------------------
// The directory of queues.

/**
 * All queues, by `<account>/<name>`, and when names were last deleted (for the 60-second rule).
 *
 * @category models
 */
export interface Directory {
  readonly queues: ReadonlyMap<string, Queue>
  readonly deletedAt: ReadonlyMap<string, number>
  /**
   * The parsed Policy attribute of each queue that has one, by `<account>/<name>`: parsed when the
   * queue value is put, so authorizing a request parses nothing. Derived from `queues`, never stored.
   */
  readonly policies: ReadonlyMap<string, IamPolicy.PolicyDocument>
}

export const emptyDirectory = (): Directory => ({ queues: new Map(), deletedAt: new Map(), policies: new Map() })

/**
 * A Policy attribute's document. Only valid policies are kept (SetQueueAttributes checks), so one
 * that does not parse reads as no policy.
 */
const parsePolicy = (queue: Queue): IamPolicy.PolicyDocument | undefined => {
  const text = queue.attributes["Policy"]
  return text === undefined || text === "" ? undefined : Either.getOrUndefined(IamPolicy.parse(text))
}

/**
 * Puts a queue value into `policies`, in place: its policy is parsed again only when the Policy text
 * differs from `previous`'s.
 *
 * @category constructors
 */
export const putPolicy = (policies: Map<string, IamPolicy.PolicyDocument>, queue: Queue, previous: Queue | undefined): void => {
  const key = keyOf(queue.accountId, queue.name)
  if (previous !== undefined && previous.attributes["Policy"] === queue.attributes["Policy"]) return
  const policy = parsePolicy(queue)
  if (policy === undefined) policies.delete(key)
  else policies.set(key, policy)
}

/**
 * The queue's policy in force, parsed, when it has one.
 *
 * @category getters
 */
export const policyOf = (directory: Directory, queue: Queue): IamPolicy.PolicyDocument | undefined =>
  directory.policies.get(keyOf(queue.accountId, queue.name))

/** Puts a queue value into the directory, keeping its parsed policy in step. */
const withQueue = (directory: Directory, queue: Queue): Directory => {
  const key = keyOf(queue.accountId, queue.name)
  const previous = directory.queues.get(key)
  const queues = new Map(directory.queues).set(key, queue)
  if (previous !== undefined && previous.attributes["Policy"] === queue.attributes["Policy"]) return { ...directory, queues }
  const policies = new Map(directory.policies)
  putPolicy(policies, queue, undefined)
  return { ...directory, queues, policies }
}

/**
 * @category constructors
 */
export const keyOf = (accountId: string, name: string): string => `${accountId}/${name}`

/**
 * The queue a URL names.
 *
 * @category getters
 */
export const lookup = (directory: Directory, url: string): Either.Either<Queue, QueueDoesNotExist> =>
  Either.flatMap(parseQueueUrl(url), ({ accountId, name }) => {
    const queue = directory.queues.get(keyOf(accountId, name))
    return queue === undefined ? Either.left(doesNotExist()) : Either.right(queue)
  })

/**
 * GetQueueUrl: the queue of this name in the account.
 *
 * @category getters
 */
export const getQueueUrl = (directory: Directory, accountId: string, name: string): Either.Either<Queue, QueueDoesNotExist> => {
  const queue = directory.queues.get(keyOf(accountId, name))
  return queue === undefined ? Either.left(doesNotExist()) : Either.right(queue)
}

/** ListQueues answers at most 1,000 queues ("Value range is 1 to 1000"). */
export const MAX_LIST_RESULTS = 1000

/**
 * ListQueues: the account's queues whose names begin with `prefix`, by name. "You must set MaxResults
 * to receive a value for NextToken in the response"; without it at most 1,000 come back and no token.
 * The token is the name to resume after, so queues created or deleted between pages neither repeat
 * nor shift the next page.
 *
 * @category getters
 */
export const listQueues = (
  directory: Directory,
  accountId: string,
  input: { readonly prefix: string | undefined; readonly maxResults: number | undefined; readonly nextToken: string | undefined }
): Either.Either<{ readonly queues: ReadonlyArray<Queue>; readonly nextToken: string | undefined }, InvalidParameterValue> => {
  const { maxResults, nextToken, prefix } = input
  if (maxResults !== undefined && (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > MAX_LIST_RESULTS)) {
    return Either.left(invalidValue("MaxResults", String(maxResults), `MaxResults must be an integer between 1 and ${MAX_LIST_RESULTS}.`))
  }
  const after = nextToken === undefined ? undefined : Either.getOrUndefined(Encoding.decodeBase64UrlString(nextToken))
  if (nextToken !== undefined && after === undefined) return Either.left(invalidValue("NextToken", nextToken, "Invalid NextToken value."))
  const names = [...directory.queues.values()]
    .filter((q) => q.accountId === accountId && (prefix === undefined || q.name.startsWith(prefix)))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .filter((q) => after === undefined || q.name > after)
  const size = maxResults ?? MAX_LIST_RESULTS
  const queues = names.slice(0, size)
  const more = maxResults !== undefined && names.length > size
  return Either.right({ queues, nextToken: more ? Encoding.encodeBase64Url(queues[queues.length - 1]!.name) : undefined })
}

/**
 * The queue an ARN names (a redrive policy's target).
 *
 * @category getters
 */
export const lookupArn = (directory: Directory, arn: string): Queue | undefined => {
  const parts = arn.split(":")
  const queue = parts.length === 6 ? directory.queues.get(keyOf(parts[4]!, parts[5]!)) : undefined
  return queue?.arn === arn ? queue : undefined
}

/**
 * A redrive policy must name an existing queue of the same type: "The dead-letter queue of a FIFO
 * queue must also be a FIFO queue. Similarly, the dead-letter queue of a standard queue must also be a
 * standard queue" (Developer Guide, "Amazon SQS dead-letter queues"), whose RedriveAllowPolicy lets
 * this queue use it ("allowAll", "denyAll", or "byQueue" with this queue among `sourceQueueArns`).
 */
const checkRedriveTarget = (directory: Directory, queue: Queue): Either.Either<Queue, InvalidParameterValue> => {
  const policy = settings(queue).redrivePolicy
  if (policy === undefined) return Either.right(queue)
  const text = queue.attributes["RedrivePolicy"]!
  const target = lookupArn(directory, policy.deadLetterTargetArn)
  if (target === undefined) return Either.left(invalidValue("RedrivePolicy", text, "Dead letter target does not exist."))
  if (target.fifo !== queue.fifo) {
    return Either.left(invalidValue("RedrivePolicy", text, "Dead-letter queue must be same type of queue as the source."))
  }
  const allow = target.attributes["RedriveAllowPolicy"]
  const allowed = allow === undefined ? undefined : Either.getOrUndefined(QueueAttributes.parseRedriveAllowPolicy(allow))
  if (
    allowed !== undefined &&
    (allowed.redrivePermission === "denyAll" || (allowed.redrivePermission === "byQueue" && !allowed.sourceQueueArns.includes(queue.arn)))
  ) {
    return Either.left(invalidValue("RedrivePolicy", text, "The dead-letter queue's RedriveAllowPolicy does not allow this queue as a source."))
  }
  return Either.right(queue)
}

/**
 * What CreateQueue did.
 *
 * @category models
 */
export interface Created {
  readonly queue: Queue
  /** False when the name named an existing queue with the same attributes. */
  readonly created: boolean
  readonly directory: Directory
}

/**
 * CreateQueue. "If you specify the name of an existing queue and provide the exact same names and
 * values for all its attributes, the CreateQueue action will return the URL of the existing queue";
 * "If the queue name, attribute names, or attribute values don't match an existing queue,
 * CreateQueue returns an error" (QueueNameExists). Only attributes named in the request are
 * compared, each as the queue keeps it (so `True` matches `true`, `030` matches `30`), and a default
 * left out of the request is no conflict. A name deleted less than 60 seconds ago is refused.
 *
 * @category actions
 */
export const createQueue = (
  directory: Directory,
  input: CreateQueueInput,
  owner: Owner,
  now: number
): Either.Either<
  Created,
  InvalidParameterValue | InvalidAttributeName | InvalidAttributeValue | QueueNameExists | QueueDeletedRecently
> =>
  Either.gen(function* () {
    const requested = yield* make(input, owner, now)
    const key = keyOf(owner.accountId, input.name)
    const existing = directory.queues.get(key)
    if (existing !== undefined) {
      for (const name of Object.keys(input.attributes)) {
        if (existing.attributes[name] !== requested.attributes[name]) {
          return yield* Either.left(
            new QueueNameExists({ message: `A queue already exists with the same name and a different value for attribute ${name}` })
          )
        }
      }
      return { queue: existing, created: false, directory }
    }
    const deletedAt = directory.deletedAt.get(key)
    if (deletedAt !== undefined && now - deletedAt < RECREATE_AFTER_DELETE_MS) {
      return yield* Either.left(
        new QueueDeletedRecently({
          message: "You must wait 60 seconds after deleting a queue before you can create another with the same name."
        })
      )
    }
    yield* checkRedriveTarget(directory, requested)
    const deleted = new Map(directory.deletedAt)
    deleted.delete(key)
    return { queue: requested, created: true, directory: { ...withQueue(directory, requested), deletedAt: deleted } }
  })

/**
 * SetQueueAttributes on the queue a URL names.
 *
 * @category actions
 */
export const setQueueAttributes = (
  directory: Directory,
  url: string,
  attributes: Readonly<Record<string, string>>,
  now: number
): Either.Either<
  { readonly queue: Queue; readonly directory: Directory },
  QueueDoesNotExist | InvalidParameterValue | InvalidAttributeName | InvalidAttributeValue
> =>
  Either.gen(function* () {
    const queue = yield* lookup(directory, url)
    const next = yield* setAttributes(queue, attributes, now)
    yield* checkRedriveTarget(directory, next)
    return { queue: next, directory: withQueue(directory, next) }
  })

/**
 * DeleteQueue: "When you delete a queue, any messages in the queue are no longer available"; the
 * name is remembered so that CreateQueue refuses it for 60 seconds. Old deletions are forgotten here.
 *
 * @category actions
 */
export const deleteQueue = (
  directory: Directory,
  url: string,
  now: number
): Either.Either<{ readonly queue: Queue; readonly directory: Directory }, QueueDoesNotExist> =>
  Either.map(lookup(directory, url), (queue) => {
    const key = keyOf(queue.accountId, queue.name)
    const queues = new Map(directory.queues)
    queues.delete(key)
    const deletedAt = new Map<string, number>()
    for (const [k, at] of directory.deletedAt) if (now - at < RECREATE_AFTER_DELETE_MS) deletedAt.set(k, at)
    deletedAt.set(key, now)
    const policies = new Map(directory.policies)
    policies.delete(key)
    return { queue, directory: { queues, deletedAt, policies } }
  })

// ---------------------------------------------------------------------------------------------------
// Tags.

/** "A maximum of 50 tags per queue" (Developer Guide, "Tagging your Amazon SQS queues"). */
export const MAX_TAGS = 50

/**
 * TagQueue: adds or overwrites tags. Keys are 1 to 128 characters and values up to 256, both
 * case-sensitive; "a new tag with a key identical to that of an existing tag overwrites the existing
 * tag"; at most 50 on a queue (SQS API Reference, "TagQueue"; Developer Guide, "Tagging your Amazon
 * SQS queues").
 *
 * @category rules
 */
export const tag = (queue: Queue, tags: Readonly<Record<string, string>>): Either.Either<Queue, InvalidParameterValue> => {
  const keys = Object.keys(tags)
  if (keys.length === 0) return Either.left(new InvalidParameterValue({ message: "The request must contain the parameter Tags." }))
  for (const key of keys) {
    if (key.length < 1 || key.length > 128) return Either.left(invalidValue("Tag key", key, "Tag keys must be between 1 and 128 characters in length."))
    if (tags[key]!.length > 256) return Either.left(invalidValue("Tag value", tags[key]!, "Tag values must be at most 256 characters in length."))
  }
  const merged = { ...queue.tags, ...tags }
  if (Object.keys(merged).length > MAX_TAGS) {
    return Either.left(new InvalidParameterValue({ message: `Too many tags added for queue ${queue.name}.` }))
  }
  return Either.right({ ...queue, tags: merged })
}

/**
 * UntagQueue: removes the tags with these keys; a key the queue does not have is no error.
 *
 * @category rules
 */
export const untag = (queue: Queue, keys: ReadonlyArray<string>): Either.Either<Queue, InvalidParameterValue> => {
  if (keys.length === 0) return Either.left(new InvalidParameterValue({ message: "The request must contain the parameter TagKeys." }))
  const tags = { ...queue.tags }
  for (const key of keys) delete tags[key]
  return Either.right({ ...queue, tags })
}

/**
 * Replaces a queue in the directory (after TagQueue or UntagQueue).
 *
 * @category actions
 */
export const updateQueue = (directory: Directory, queue: Queue): Directory => withQueue(directory, queue)

/**
 * ListDeadLetterSourceQueues: the queues whose RedrivePolicy names this queue as its dead-letter
 * queue, by name, paged as ListQueues pages ("You must set MaxResults to receive a value for
 * NextToken").
 *
 * @category getters
 */
export const deadLetterSources = (
  directory: Directory,
  deadLetterQueue: Queue,
  input: { readonly maxResults: number | undefined; readonly nextToken: string | undefined }
): Either.Either<{ readonly queues: ReadonlyArray<Queue>; readonly nextToken: string | undefined }, InvalidParameterValue> => {
  const sources = new Map<string, Queue>()
  for (const [key, q] of directory.queues) {
    if (settings(q).redrivePolicy?.deadLetterTargetArn === deadLetterQueue.arn) sources.set(key, q)
  }
  return listQueues({ ...directory, queues: sources }, deadLetterQueue.accountId, { prefix: undefined, ...input })
}
