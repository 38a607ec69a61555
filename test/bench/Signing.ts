/**
 * Validly signed SNS Query and SQS JSON requests for the load generators, built with the transport's
 * own SigV4 steps (`canonicalRequest` -> `stringToSign` -> `signingKey` -> `sign`, AWS General
 * Reference, "Signature Version 4 signing process").
 *
 * A load generator replays one pre-signed request many times: a SigV4 signature stays valid while its
 * `X-Amz-Date` is within 15 minutes of the server's clock, and SNS, like Sealcast, does not refuse
 * a replay inside that window (each replay is a new Publish with a new message id).
 */
import { NodeHashing, SigV4 } from "@sealcast/transport-http"
import { createHash } from "node:crypto"

/** Where the broker listens and whom to sign as. */
export interface SigningTarget {
  /** `https://host:port`. */
  readonly endpoint: string
  readonly region: string
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string }
}

/** A request ready to be sent as is: every header it must carry, and its body. */
export interface SignedRequest {
  readonly method: "POST"
  readonly path: "/"
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

/** The SNS Query protocol's API version (botocore `sns/2010-03-31/service-2.json`). */
const SNS_API_VERSION = "2010-03-31"

/** `20150830T123600Z`: the ISO 8601 basic form `X-Amz-Date` carries. */
const amzDateOf = (at: Date): string => at.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "")

/** Signs a POST of `body` to `/` for `service`, with `host`, `content-type`, `x-amz-date` and any `extra` headers signed. */
const signPost = (
  target: SigningTarget,
  service: string,
  contentType: string,
  extra: ReadonlyArray<readonly [string, string]>,
  body: string,
  at: Date
): SignedRequest => {
  const amzDate = amzDateOf(at)
  const headers: Array<readonly [string, string]> = [
    ["content-type", contentType],
    ["host", new URL(target.endpoint).host],
    ["x-amz-date", amzDate],
    ...extra
  ]
  const signedHeaders = headers.map(([name]) => name)
  const scope = { date: amzDate.slice(0, 8), region: target.region, service }
  const canonical = SigV4.canonicalRequest({
    method: "POST",
    rawPath: "/",
    rawQuery: "",
    rawHeaders: headers,
    signedHeaders,
    payloadHash: createHash("sha256").update(body).digest("hex")
  })
  const hashing = NodeHashing.nodeHashing
  const signature = SigV4.sign(
    SigV4.signingKey(target.credentials.secretAccessKey, scope, hashing),
    SigV4.stringToSign(amzDate, scope, canonical, hashing),
    hashing
  )
  const authorization =
    `${SigV4.ALGORITHM} Credential=${target.credentials.accessKeyId}/${SigV4.scopeString(scope)}, ` +
    `SignedHeaders=${signedHeaders.join(";")}, Signature=${signature}`
  return { method: "POST", path: "/", headers: { ...Object.fromEntries(headers), authorization }, body }
}

/**
 * Signs an SNS Query request with the given parameters (`Action` and `Version` are added), as the
 * AWS SDKs send it: a form body, with `host`, `content-type` and `x-amz-date` signed.
 */
export const signQuery = (
  target: SigningTarget,
  action: string,
  params: Readonly<Record<string, string>>,
  at: Date = new Date()
): SignedRequest =>
  signPost(
    target,
    "sns",
    "application/x-www-form-urlencoded; charset=utf-8",
    [],
    new URLSearchParams({ Action: action, Version: SNS_API_VERSION, ...params }).toString(),
    at
  )

/**
 * Signs an SQS request in AWS JSON 1.0, as the AWS SDK v3 and boto3 send it: `X-Amz-Target:
 * AmazonSQS.<action>` (signed too) and the input as the JSON body. Replayed, a SendMessage is a new
 * message each time.
 */
export const signSqsJson = (target: SigningTarget, action: string, input: Readonly<Record<string, unknown>>, at: Date = new Date()): SignedRequest =>
  signPost(target, "sqs", "application/x-amz-json-1.0", [["x-amz-target", `AmazonSQS.${action}`]], JSON.stringify(input), at)

/** A Publish of `message` to `topicArn`, signed. */
export const signPublish = (target: SigningTarget, topicArn: string, message: string, at?: Date): SignedRequest =>
  signQuery(target, "Publish", { TopicArn: topicArn, Message: message }, at)

/**
 * A message body of exactly `bytes` bytes of printable ASCII (so its form encoding is the same size
 * and its UTF-8 size is its length, the size SNS counts against its 256 KiB limit).
 */
export const messageOfSize = (bytes: number, seed = "sealcast"): string => seed.repeat(Math.ceil(bytes / seed.length)).slice(0, bytes)
