/**
 * The endpoint under test, reached only through its public APIs: the unmodified AWS SDK v3 clients
 * for every ordinary call, and hand-signed requests (the SDK's own SigV4 signer) for the requests
 * the SDK would never send, whose signature the kit mutates on purpose.
 *
 * @since 0.1.0
 */
import { Sha256 } from "@aws-crypto/sha256-js"
import { KMSClient } from "@aws-sdk/client-kms"
import { SNSClient } from "@aws-sdk/client-sns"
import { SQSClient } from "@aws-sdk/client-sqs"
import { SignatureV4 } from "@smithy/signature-v4"
import * as http from "node:http"
import * as https from "node:https"

/**
 * @category models
 */
export interface Credentials {
  readonly accessKeyId: string
  readonly secretAccessKey: string
  readonly sessionToken?: string
}

/**
 * The clients of one endpoint: `sns`, `kms` and `sqs` over the endpoint's own scheme, `plainSns` over the
 * plain-HTTP endpoint when one is given.
 *
 * @category models
 */
export interface Endpoint {
  readonly url: URL
  readonly region: string
  readonly sns: SNSClient
  readonly kms: KMSClient
  readonly sqs: SQSClient
  readonly plainSns: SNSClient | undefined
  readonly credentials: () => Promise<Credentials>
  readonly ca: string | undefined
  readonly destroy: () => void
}

/**
 * @category constructors
 */
export const connect = (options: {
  readonly endpoint: string
  readonly kmsEndpoint?: string | undefined
  readonly sqsEndpoint?: string | undefined
  readonly httpEndpoint?: string | undefined
  readonly region: string
  readonly credentials?: Credentials | undefined
  readonly ca?: string | undefined
}): Endpoint => {
  const agent = new https.Agent({ keepAlive: true, ...(options.ca === undefined ? {} : { ca: options.ca }) })
  const base = {
    region: options.region,
    maxAttempts: 1,
    requestHandler: { httpsAgent: agent },
    ...(options.credentials === undefined ? {} : { credentials: options.credentials })
  }
  const sns = new SNSClient({ ...base, endpoint: options.endpoint })
  const kms = new KMSClient({ ...base, endpoint: options.kmsEndpoint ?? options.endpoint })
  const sqs = new SQSClient({ ...base, endpoint: options.sqsEndpoint ?? options.endpoint })
  const plainSns = options.httpEndpoint === undefined ? undefined : new SNSClient({ ...base, endpoint: options.httpEndpoint })
  return {
    url: new URL(options.endpoint),
    region: options.region,
    sns,
    kms,
    sqs,
    plainSns,
    credentials: async () => {
      const provider = sns.config.credentials
      const c = await provider()
      return { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, ...(c.sessionToken === undefined ? {} : { sessionToken: c.sessionToken }) }
    },
    ca: options.ca,
    destroy: () => {
      sns.destroy()
      kms.destroy()
      sqs.destroy()
      plainSns?.destroy()
      agent.destroy()
    }
  }
}

/**
 * What an error answer says, as the kit compares it: the AWS error code, without the SDK's
 * `Exception` suffix for SNS's Query codes (the wire says `NotFound`, the SDK `NotFoundException`).
 *
 * @category utils
 */
export const errorCode = (error: unknown, service: "sns" | "kms"): string => {
  const e = error as { name?: unknown; Code?: unknown; code?: unknown; $metadata?: { httpStatusCode?: number } }
  const name = typeof e.Code === "string" ? e.Code : typeof e.name === "string" ? e.name : typeof e.code === "string" ? e.code : String(error)
  return service === "sns" ? name.replace(/Exception$/, "") : name
}

/**
 * How a hand-made request is spoiled (SigV4 documentation, "Elements of an AWS API request
 * signature"): the signature altered, signed for a date outside the 15-minute window, signed for
 * another region's or another service's scope, or not signed at all.
 *
 * @category models
 */
export type Mutation = "signature" | "date" | "region" | "service" | "unsigned"

/** @category models */
export const mutations: ReadonlyArray<Mutation> = ["signature", "date", "region", "service"]

/**
 * @category models
 */
export interface RawAnswer {
  readonly status: number
  readonly code: string | undefined
  readonly body: string
}

const otherRegion = (region: string): string => (region === "eu-west-3" ? "ap-southeast-2" : "eu-west-3")

/**
 * Sends an SNS Query request (form fields) signed as `mutation` says, over the endpoint's scheme.
 *
 * @category operations
 */
export const sendRawSns = async (
  endpoint: Endpoint,
  form: Readonly<Record<string, string>>,
  mutation: Mutation
): Promise<RawAnswer> => {
  const body = new URLSearchParams({ ...form, Version: "2010-03-31" }).toString()
  const url = endpoint.url
  const request = {
    method: "POST",
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port === "" ? {} : { port: Number(url.port) }),
    path: url.pathname === "" ? "/" : url.pathname,
    query: {},
    headers: {
      host: url.host,
      "content-type": "application/x-www-form-urlencoded; charset=utf-8"
    } as Record<string, string>,
    body
  }
  let headers = request.headers
  if (mutation !== "unsigned") {
    const credentials = await endpoint.credentials()
    const signer = new SignatureV4({
      service: mutation === "service" ? "kms" : "sns",
      region: mutation === "region" ? otherRegion(endpoint.region) : endpoint.region,
      credentials,
      sha256: Sha256
    })
    const signingDate = mutation === "date" ? new Date(Date.now() - 60 * 60 * 1000) : new Date()
    const signed = await signer.sign(request, { signingDate })
    headers = signed.headers
    if (mutation === "signature") {
      const authorization = headers["authorization"] ?? ""
      const last = authorization.slice(-1)
      headers = { ...headers, authorization: authorization.slice(0, -1) + (last === "0" ? "1" : "0") }
    }
  }
  return new Promise((resolve, reject) => {
    const send = url.protocol === "https:" ? https.request : http.request
    const req = send(
      {
        method: "POST",
        hostname: url.hostname,
        port: url.port === "" ? undefined : Number(url.port),
        path: request.path,
        headers: { ...headers, "content-length": String(Buffer.byteLength(body)) },
        agent: false,
        ...(endpoint.ca === undefined ? {} : { ca: endpoint.ca })
      },
      (res) => {
        const chunks: Array<Buffer> = []
        res.on("data", (chunk: Buffer) => chunks.push(chunk))
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8")
          const code = /<Code>([^<]+)<\/Code>/.exec(text)?.[1]
          resolve({ status: res.statusCode ?? 0, code, body: text })
        })
      }
    )
    req.on("error", reject)
    req.end(body)
  })
}
