/**
 * A deliberately broken endpoint: a plain-HTTP proxy in front of a Sealcast broker that forwards
 * every request (re-signed for the broker, since a request it changes no longer matches its
 * signature) and breaks one rule on the way, for the kit to find:
 * - `dropKmsMasterKeyId`: CreateTopic loses its KmsMasterKeyId attribute, and SetTopicAttributes of
 *   KmsMasterKeyId answers success without reaching the broker;
 * - `publishDespiteDisabledKey`: a Publish the broker refuses with KMSDisabled is answered 200 with a
 *   made-up MessageId;
 * - `acceptSpoiledSignature`: every signed request is signed again properly without being checked
 *   first, so a spoiled signature, date or scope is accepted (unsigned requests still pass through
 *   unchanged, and are refused); the other proxies check each signature before signing again;
 * - `reorderFifo`: a ReceiveMessage answer from a FIFO queue holding two messages or more has them
 *   in reverse order, so a FIFO topic's group arrives out of order in the queue it delivers to;
 * - `dropQueueKmsMasterKeyId`: CreateQueue loses its KmsMasterKeyId attribute, and SetQueueAttributes
 *   of KmsMasterKeyId answers success without reaching the broker;
 * - `receiveTwice`: the last message a ReceiveMessage returned from a queue is added to the next
 *   ReceiveMessage's answer from that queue, with its receipt handle, when the broker did not return
 *   it again: one message handed to two receivers;
 * - `acceptHttpOnFifo`: an HTTP or HTTPS Subscribe to a FIFO topic, which the broker refuses, is
 *   answered 200 with a made-up SubscriptionArn.
 * SQS speaks AWS JSON 1.0 through the proxy; the queue URLs the broker answers are rewritten to the
 * proxy's origin, since the SDK sends a queue's requests to the host its URL names.
 */
import { Sha256 } from "@aws-crypto/sha256-js"
import { SignatureV4 } from "@smithy/signature-v4"
import { randomUUID } from "node:crypto"
import * as http from "node:http"
import * as https from "node:https"
import type { AddressInfo } from "node:net"

export type Break =
  | "dropKmsMasterKeyId"
  | "publishDespiteDisabledKey"
  | "acceptSpoiledSignature"
  | "reorderFifo"
  | "dropQueueKmsMasterKeyId"
  | "receiveTwice"
  | "acceptHttpOnFifo"

export interface BreakingProxy {
  readonly endpoint: string
  readonly close: () => Promise<void>
}

interface Upstream {
  readonly endpoint: string
  readonly region: string
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string }
  readonly caPem: string
}

const readBody = (req: http.IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    req.on("error", reject)
  })

const post = (url: URL, headers: Record<string, string>, body: string, ca: string | undefined): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> =>
  new Promise((resolve, reject) => {
    const send = url.protocol === "https:" ? https.request : http.request
    const req = send(
      { method: "POST", hostname: url.hostname, port: url.port, path: url.pathname + url.search, headers: { ...headers, "content-length": String(Buffer.byteLength(body)) }, agent: false, ...(ca === undefined ? {} : { ca }) },
      (res) => {
        readBody(res).then((text) => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }), reject)
      }
    )
    req.on("error", reject)
    req.end(body)
  })

const snsAnswer = (action: string, result: string): string =>
  `<${action}Response xmlns="http://sns.amazonaws.com/doc/2010-03-31/">${result}<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${action}Response>`

/** The service a request is for: SQS's and KMS's JSON requests name their target, SNS's Query ones do not. */
const serviceOf = (headers: http.IncomingHttpHeaders): "sns" | "sqs" | "kms" => {
  const target = headers["x-amz-target"]
  return typeof target !== "string" ? "sns" : target.startsWith("AmazonSQS.") ? "sqs" : "kms"
}

export const startBreakingProxy = async (upstream: Upstream, broken: Break): Promise<BreakingProxy> => {
  const target = new URL(upstream.endpoint)
  let origin = ""
  /** The relay of `receiveTwice`: the last message received from each queue. */
  const lastReceived = new Map<string, Record<string, unknown>>()

  /** Breaks an SQS request on the way in, or answers it in the broker's place. */
  const breakSqsRequest = (action: string, request: Record<string, unknown>): { readonly body: string } | { readonly answer: string } => {
    const attributes = request["Attributes"] as Record<string, string> | undefined
    if (broken === "dropQueueKmsMasterKeyId" && attributes?.["KmsMasterKeyId"] !== undefined) {
      if (action === "SetQueueAttributes") return { answer: "{}" }
      if (action === "CreateQueue") {
        const { KmsMasterKeyId: _dropped, ...rest } = attributes
        return { body: JSON.stringify({ ...request, Attributes: rest }) }
      }
    }
    return { body: JSON.stringify(request) }
  }

  /** Breaks an SQS answer on the way out. */
  const breakSqsAnswer = (action: string, request: Record<string, unknown>, answer: string): string => {
    if (action !== "ReceiveMessage" || (broken !== "receiveTwice" && broken !== "reorderFifo")) return answer
    const queue = String(request["QueueUrl"] ?? "")
    const parsed = JSON.parse(answer) as { Messages?: Array<Record<string, unknown>> }
    const messages = parsed.Messages ?? []
    if (broken === "reorderFifo") return queue.endsWith(".fifo") && messages.length > 1 ? JSON.stringify({ ...parsed, Messages: [...messages].reverse() }) : answer
    const earlier = lastReceived.get(queue)
    const last = messages.at(-1)
    if (last !== undefined) lastReceived.set(queue, last)
    if (earlier === undefined || messages.some((m) => m["MessageId"] === earlier["MessageId"])) return answer
    return JSON.stringify({ ...parsed, Messages: [...messages, earlier] })
  }

  const forward = async (headers: http.IncomingHttpHeaders, body: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> => {
    const authorization = headers["authorization"]
    const plain: Record<string, string> = {}
    for (const [name, value] of Object.entries(headers)) {
      if (typeof value === "string" && !["host", "content-length", "connection", "authorization", "x-amz-date", "x-amz-content-sha256", "x-amz-security-token"].includes(name)) plain[name] = value
    }
    plain["host"] = target.host
    if (authorization === undefined) return post(target, plain, body, upstream.caPem)
    const service = serviceOf(headers)
    const signer = new SignatureV4({ service, region: upstream.region, credentials: upstream.credentials, sha256: Sha256 })
    const signed = await signer.sign({ method: "POST", protocol: target.protocol, hostname: target.hostname, port: Number(target.port), path: "/", query: {}, headers: plain, body })
    return post(target, signed.headers, body, upstream.caPem)
  }

  const server = http.createServer((req, res) => {
    readBody(req)
      .then(async (original) => {
        let body = original
        const service = serviceOf(req.headers)
        const form = service !== "sns" ? undefined : new URLSearchParams(body)
        const action = form?.get("Action")
        const sqsAction = service === "sqs" ? String(req.headers["x-amz-target"]).slice("AmazonSQS.".length) : undefined
        const sqsRequest = sqsAction === undefined ? undefined : (JSON.parse(body) as Record<string, unknown>)
        if (sqsAction !== undefined && sqsRequest !== undefined) {
          const broke = breakSqsRequest(sqsAction, sqsRequest)
          if ("answer" in broke) {
            res.writeHead(200, { "content-type": "application/x-amz-json-1.0" }).end(broke.answer)
            return
          }
          body = broke.body
        }
        if (form !== undefined && broken === "dropKmsMasterKeyId") {
          if (action === "SetTopicAttributes" && form.get("AttributeName") === "KmsMasterKeyId") {
            res.writeHead(200, { "content-type": "text/xml" }).end(snsAnswer("SetTopicAttributes", ""))
            return
          }
          if (action === "CreateTopic") {
            for (const [name, value] of [...form.entries()]) {
              const entry = /^Attributes\.entry\.(\d+)\.key$/.exec(name)
              if (entry !== null && value === "KmsMasterKeyId") {
                form.delete(name)
                form.delete(`Attributes.entry.${entry[1]}.value`)
              }
            }
            body = form.toString()
          }
        }
        if (broken !== "acceptSpoiledSignature" && req.headers["authorization"] !== undefined && !(await verifies(req, original, upstream, service))) {
          res.writeHead(403, { "content-type": "text/xml" }).end(`<ErrorResponse><Error><Type>Sender</Type><Code>SignatureDoesNotMatch</Code><Message>refused by the proxy</Message></Error></ErrorResponse>`)
          return
        }
        const answer = await forward(req.headers, body)
        if (broken === "publishDespiteDisabledKey" && action === "Publish" && answer.status >= 400 && answer.body.includes("<Code>KMSDisabled</Code>")) {
          res.writeHead(200, { "content-type": "text/xml" }).end(snsAnswer("Publish", `<PublishResult><MessageId>${randomUUID()}</MessageId></PublishResult>`))
          return
        }
        const topicArn = form?.get("TopicArn") ?? ""
        if (broken === "acceptHttpOnFifo" && action === "Subscribe" && topicArn.endsWith(".fifo") && form?.get("Protocol")?.startsWith("http") === true && answer.status >= 400) {
          res.writeHead(200, { "content-type": "text/xml" }).end(snsAnswer("Subscribe", `<SubscribeResult><SubscriptionArn>${topicArn}:${randomUUID()}</SubscriptionArn></SubscribeResult>`))
          return
        }
        let answerBody = answer.body
        if (sqsAction !== undefined && sqsRequest !== undefined) {
          // A received body is passed as it is: the SDK checks its MD5, and a notification names the broker's origin.
          if (sqsAction !== "ReceiveMessage") answerBody = answerBody.replaceAll(`${target.origin}/`, `${origin}/`)
          if (answer.status < 300) answerBody = breakSqsAnswer(sqsAction, sqsRequest, answerBody)
        }
        const headers: Record<string, string> = {}
        for (const [name, value] of Object.entries(answer.headers)) if (typeof value === "string" && name !== "content-length" && name !== "transfer-encoding" && name !== "connection") headers[name] = value
        res.writeHead(answer.status, headers).end(answerBody)
      })
      .catch(() => res.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    endpoint: origin,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

/**
 * Checks a request's SigV4 signature as the broker would: the same signer, the request's own signed
 * headers and date, the upstream's region and the service the request is for, and the date within
 * 15 minutes of now.
 */
const verifies = async (req: http.IncomingMessage, body: string, upstream: Upstream, service: string): Promise<boolean> => {
  const authorization = req.headers["authorization"] ?? ""
  const amzDate = String(req.headers["x-amz-date"] ?? "")
  const at = Date.parse(amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, "$1-$2-$3T$4:$5:$6Z"))
  if (!Number.isFinite(at) || Math.abs(Date.now() - at) > 15 * 60 * 1000) return false
  const signedHeaders = /SignedHeaders=([^,]+)/.exec(authorization)?.[1]?.split(";") ?? []
  const headers: Record<string, string> = {}
  for (const name of signedHeaders) headers[name] = String(req.headers[name] ?? "")
  const host = new URL(`http://${req.headers["host"] ?? ""}`)
  const signer = new SignatureV4({ service, region: upstream.region, credentials: upstream.credentials, sha256: Sha256 })
  const signed = await signer.sign(
    { method: "POST", protocol: "http:", hostname: host.hostname, port: Number(host.port), path: req.url ?? "/", query: {}, headers, body },
    { signingDate: new Date(at) }
  )
  return signed.headers["authorization"] === authorization
}
