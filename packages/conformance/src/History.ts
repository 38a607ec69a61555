/**
 * One history's side of the endpoint: the calls it made, numbered, what it created (so it can be
 * deleted), the confirmation tokens SNS sent, and the deliveries it awaits. A divergence is thrown as
 * a `Divergence`, which fast-check then shrinks.
 *
 * @since 0.1.0
 */
import type { Endpoint } from "./Endpoint.js"
import type { Ledger } from "./Ledger.js"
import type { Receiver } from "./Receiver.js"

/**
 * What the endpoint can be asked to show (docs/CONTRACT.md, "The conformance kit": capability
 * detection); a missing capability turns checks off, with one line in the report.
 *
 * @category models
 */
export interface Capabilities {
  readonly kms: boolean
  readonly sigv4: boolean
  readonly https: boolean
  readonly plainHttp: boolean
  readonly delivery: boolean
  /** It also delivers to the kit's HTTPS receiver (it trusts the receiver's certificate). */
  readonly httpsDelivery: boolean
  /** The endpoint serves SQS (the probe queue was created). */
  readonly sqs: boolean
  /** SNS delivers a published message into a subscribed queue whose policy allows the topic. */
  readonly snsToSqs: boolean
}

/**
 * What a run shares between its histories.
 *
 * @category models
 */
export interface World {
  readonly endpoint: Endpoint
  readonly receiver: Receiver
  readonly ledger: Ledger
  readonly capabilities: Capabilities
  readonly accountId: string
  readonly region: string
  /** Every resource of the run is named with it. */
  readonly runPrefix: string
  /** Where the endpoint's queue URLs point, from the probe queue's URL (empty without SQS). */
  readonly queueOrigin: string
  readonly deliveryWaitMs: number
  /** Once aborted, every further step fails at once with `Interrupted`, so nothing more is created. */
  readonly signal: AbortSignal | undefined
}

/**
 * One numbered API call of a history and how the endpoint answered.
 *
 * @category models
 */
export interface CallRecord {
  readonly n: number
  readonly step: number
  readonly call: string
  readonly input: string
  answer: string
}

/**
 * A difference between the endpoint's answer and the model's.
 *
 * @category errors
 */
export class Divergence extends Error {
  constructor(
    readonly detail: {
      readonly call: string
      readonly expected: string
      readonly actual: string
      /** The AWS documentation section the expectation comes from. */
      readonly doc: string
      /** The same kind of divergence at another place says nothing new: used to look for others. */
      readonly fingerprint: string
    }
  ) {
    super(`${detail.call}: expected ${detail.expected}, got ${detail.actual}`)
  }
}

/**
 * The run was interrupted (SIGINT): not a divergence, and it ends the run.
 *
 * @category errors
 */
export class Interrupted extends Error {
  constructor() {
    super("interrupted")
  }
}

/**
 * A delivery the model says must arrive.
 *
 * @category models
 */
export interface ExpectedDelivery {
  readonly messageId: string
  readonly body: string
  readonly step: number
  readonly group: string | undefined
}

/**
 * @category models
 */
export interface History {
  readonly world: World
  /** The run prefix plus this history's number: every name in the history starts with it. */
  readonly prefix: string
  readonly calls: Array<CallRecord>
  step: number
  /** The confirmation token SNS posted for each subscription ARN. */
  readonly tokens: Map<string, string>
  /** By receiver path. */
  readonly expected: Map<string, Array<ExpectedDelivery>>
  /** Messages an endpoint must never deliver (refused publishes), by body. */
  readonly refusedBodies: Map<string, number>
}

/**
 * @category constructors
 */
export const make = (world: World, index: number): History => ({
  world,
  prefix: `${world.runPrefix}h${index}-`,
  calls: [],
  step: 0,
  tokens: new Map(),
  expected: new Map(),
  refusedBodies: new Map()
})

/**
 * The outcome of one call, as compared.
 *
 * @category models
 */
export type Outcome<A> = { readonly ok: true; readonly value: A } | { readonly ok: false; readonly code: string }

const brief = (value: unknown): string => {
  const text = JSON.stringify(value, (_k, v: unknown) => (v instanceof Uint8Array ? `<${v.length} bytes>` : v))
  return text === undefined ? "" : text.length > 240 ? `${text.slice(0, 240)}…` : text
}

/**
 * Makes one API call, numbered in the history's log, and returns its outcome.
 *
 * @category operations
 */
export const call = async <A>(
  h: History,
  name: string,
  input: unknown,
  send: () => Promise<A>,
  codeOf: (error: unknown) => string
): Promise<Outcome<A>> => {
  const record: CallRecord = { n: h.calls.length + 1, step: h.step, call: name, input: brief(input), answer: "" }
  h.calls.push(record)
  try {
    const value = await send()
    record.answer = `ok ${brief(stripMetadata(value))}`
    return { ok: true, value }
  } catch (error) {
    const code = codeOf(error)
    record.answer = `error ${code}`
    return { ok: false, code }
  }
}

const stripMetadata = (value: unknown): unknown => {
  if (typeof value !== "object" || value === null) return value
  const { $metadata: _ignored, ...rest } = value as Record<string, unknown>
  return rest
}

/**
 * Records a delivery the model says must arrive at `path`.
 *
 * @category operations
 */
export const expectDelivery = (h: History, path: string, delivery: ExpectedDelivery): void => {
  const list = h.expected.get(path)
  if (list === undefined) h.expected.set(path, [delivery])
  else list.push(delivery)
}

/**
 * Shows an outcome as the report prints it.
 *
 * @category utils
 */
export const show = (outcome: { readonly ok: boolean; readonly code?: string }, success = "success"): string =>
  outcome.ok ? success : `error ${outcome.code}`
