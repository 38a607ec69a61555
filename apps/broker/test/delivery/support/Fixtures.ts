/**
 * What the delivery tests share: a signing identity of their own, a small KMS, a real Sns service on
 * the core's memory stores, and local HTTP subscribers that record what they receive.
 */
import "reflect-metadata"
import * as x509 from "@peculiar/x509"
import { Cipher, EncryptionContext, Errors, Ids, Kms, MessageDigest, MessageStore, type Publish, type QueueMessages, QueueStore, RegistryStore, Sns, Sqs, type RequestContext } from "@sealcast/core"
import * as KeyStore from "@sealcast/kms-sim/KeyStore"
import * as KmsSim from "@sealcast/kms-sim/KmsSim"
import * as RootKey from "@sealcast/kms-sim/RootKey"
import { Effect, Layer } from "effect"
import * as http from "node:http"
import * as https from "node:https"
import type { AddressInfo } from "node:net"
import { webcrypto } from "node:crypto"
import MessageValidator from "sns-validator"
import * as SqsKms from "../../../src/adapters/SqsKms.js"
import type { SigningIdentity } from "../../../src/delivery/Signature.js"
import * as NodeRsa from "../../../src/NodeRsa.js"

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0])

export const REGION = "us-east-1"
export const ACCOUNT = "000000000000"

export const ctx: RequestContext.RequestContext = {
  accountId: ACCOUNT,
  principalArn: `arn:aws:iam::${ACCOUNT}:root`,
  region: REGION,
  transport: "https",
  auth: "sigv4"
}

export const queueArn = (name: string) => `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}`

/** The queue policy of AWS's tutorial: SNS may send for this topic only (docs/SEMANTICS.md §9). */
export const allowTopic = (queue: string, topicArn: string) =>
  JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Service: "sns.amazonaws.com" },
        Action: "sqs:SendMessage",
        Resource: queue,
        Condition: { ArnEquals: { "aws:SourceArn": topicArn }, StringEquals: { "aws:SourceAccount": ACCOUNT } }
      }
    ]
  })

/** Receives and deletes until `count` messages came, within 30 s: the messages in the order the queue handed them out. */
export const drainQueue = (sqs: Sqs.SqsService, url: string, count: number) =>
  Effect.gen(function* () {
    const got: Array<QueueMessages.Delivered> = []
    const deadline = Date.now() + 30_000
    while (got.length < count) {
      if (Date.now() > deadline) return yield* Effect.die(new Error(`only ${got.length} of ${count} messages arrived`))
      const batch = yield* sqs.receiveMessage(url, { maxNumberOfMessages: 10, visibilityTimeout: undefined, waitTimeSeconds: 0, receiveRequestAttemptId: undefined }, ctx)
      got.push(...batch)
      for (const m of batch) yield* sqs.deleteMessage(url, m.receiptHandle, ctx)
      if (batch.length === 0) yield* Effect.sleep("20 millis")
    }
    return got
  })

/** An RSA 2048 key and a self-signed certificate for 127.0.0.1, good for signing and for TLS. */
export const makeIdentity = async (): Promise<SigningIdentity> => {
  const algorithm = { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" }
  const keys = await webcrypto.subtle.generateKey(algorithm, true, ["sign", "verify"])
  const now = Date.now()
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: "01",
    name: "CN=127.0.0.1",
    notBefore: new Date(now - 3_600_000),
    notAfter: new Date(now + 86_400_000),
    keys,
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: "ip", value: "127.0.0.1" }])]
  })
  const pkcs8 = await webcrypto.subtle.exportKey("pkcs8", keys.privateKey)
  return { privateKeyPem: x509.PemConverter.encode(pkcs8, "PRIVATE KEY"), certificatePem: certificate.toString("pem") }
}

/**
 * A KMS with one key: data keys sealed under it with AES-256-GCM and the encryption context as AAD,
 * and a count of Decrypt calls so tests can see when bodies are opened.
 */
export const makeTestKms = (keyArn: string) => {
  const cipher = Cipher.makeNoble()
  const master = webcrypto.getRandomValues(new Uint8Array(32))
  const counts = { generateDataKey: 0, decrypt: 0 }
  const service: Kms.KmsService = {
    checkKeyForUse: () => Effect.succeed({ keyArn }),
    generateDataKey: (_keyId, context) =>
      Effect.sync(() => {
        counts.generateDataKey++
        const plaintext = webcrypto.getRandomValues(new Uint8Array(32))
        const nonce = webcrypto.getRandomValues(new Uint8Array(12))
        const sealed = cipher.seal(master, nonce, EncryptionContext.canonicalize(context), plaintext)
        return { keyArn, plaintext, ciphertextBlob: new Uint8Array([...nonce, ...sealed]) }
      }),
    decrypt: (blob, context) => {
      counts.decrypt++
      return cipher.open(master, blob.slice(0, 12), EncryptionContext.canonicalize(context), blob.slice(12)).pipe(
        Effect.map((plaintext) => ({ keyArn, plaintext })),
        Effect.mapError(() => new Errors.KMSInvalidState({ message: "InvalidCiphertextException" }))
      )
    }
  }
  return { service, counts }
}

/** The queues SNS delivers into: a real Sqs service on a memory store, over the simulated KMS (provided too, to make keys). */
const sqsLayer = Sqs.layer({ origin: () => "https://localhost:9443" }).pipe(
  Layer.provide(SqsKms.layer),
  Layer.provideMerge(KmsSim.layer({ region: REGION })),
  Layer.provide(
    Layer.mergeAll(
      QueueStore.layerMemory,
      KeyStore.layerMemory,
      RootKey.layer(webcrypto.getRandomValues(new Uint8Array(32))),
      NodeRsa.layerNode,
      Cipher.layerNoble,
      MessageDigest.layerNoble,
      Ids.layerCrypto
    )
  )
)

/** A real Sns service on memory stores; the store is provided too, for the dispatcher, and the Sqs service and its KMS. */
export const snsLayer = (kms: Kms.KmsService) =>
  Layer.merge(
    Sns.layer.pipe(
      Layer.provideMerge(
        Layer.mergeAll(MessageStore.layerMemory, RegistryStore.layerMemory, Cipher.layerNoble, Ids.layerCrypto, Layer.succeed(Kms.Kms, kms))
      )
    ),
    sqsLayer
  ).pipe(Layer.orDie)

export interface Received {
  readonly headers: http.IncomingHttpHeaders
  readonly body: string
  readonly status: number
  /** Date.now() when the request's body had arrived. */
  readonly at: number
}

/**
 * A subscriber endpoint. `respond` picks each answer's status from what came in (default 200); every
 * request is recorded with the status it got.
 */
export const startSubscriber = async (
  respond: (body: string, headers: http.IncomingHttpHeaders) => number | Promise<number> = () => 200,
  tls?: SigningIdentity
) => {
  const received: Array<Received> = []
  const handler: http.RequestListener = (req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8")
      const at = Date.now()
      void Promise.resolve(respond(body, req.headers)).then((status) => {
        received.push({ headers: req.headers, body, status, at })
        res.statusCode = status
        res.end()
      })
    })
  }
  const server = tls === undefined ? http.createServer(handler) : https.createServer({ key: tls.privateKeyPem, cert: tls.certificatePem }, handler)
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const port = (server.address() as AddressInfo).port
  return {
    url: `${tls === undefined ? "http" : "https"}://127.0.0.1:${port}/sns`,
    port,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

/**
 * Waits until `check` holds: for something that must happen, never to show that something did not.
 * The limit only catches a hang, so it is generous (a loaded machine is slow, not wrong) and below
 * the test timeout, so a hang names its condition.
 */
export const eventually = (check: () => boolean, timeoutMs = 90_000): Effect.Effect<void> =>
  Effect.gen(function* () {
    const deadline = Date.now() + timeoutMs
    while (!check()) {
      if (Date.now() > deadline) return yield* Effect.die(new Error(`condition not met within ${timeoutMs} ms`))
      yield* Effect.sleep("20 millis")
    }
  })

export const publishInput = (topicArn: string, message: string, extra: Partial<Publish.PublishInput> = {}): Publish.PublishInput => ({
  topicArn,
  targetArn: undefined,
  phoneNumber: undefined,
  message,
  subject: undefined,
  messageStructure: undefined,
  messageAttributes: {},
  messageGroupId: undefined,
  messageDeduplicationId: undefined,
  ...extra
})

/**
 * Serves the signing certificate where SigningCertURL points, over HTTPS with the same identity, and
 * makes Node's default HTTPS agent trust it, as a validator fetching the certificate needs.
 */
export const startCertificateHost = async (identity: SigningIdentity) => {
  const server = https.createServer({ key: identity.privateKeyPem, cert: identity.certificatePem }, (req, res) => {
    res.statusCode = req.url === "/_sealcast/signing-cert.pem" ? 200 : 404
    res.end(res.statusCode === 200 ? identity.certificatePem : "")
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  https.globalAgent.options.ca = identity.certificatePem
  const port = (server.address() as AddressInfo).port
  return {
    origin: `https://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

/** AWS's own validator (sns-validator), told to trust the certificate host. */
export const validateWithAwsValidator = (host: string, document: Record<string, unknown>): Promise<void> =>
  new Promise((resolve, reject) => {
    const escaped = host.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
    new MessageValidator(new RegExp(`^${escaped}$`)).validate(document, (error) => (error ? reject(error) : resolve()))
  })
