/**
 * The server glue on a live listener: routing by X-Amz-Target and path, the credential scope's
 * service, the body cap, the unsigned links, app routes, that nothing a client sends takes the
 * server down, that a client going away interrupts its request, and the per-request debug line.
 * Requests are signed by the AWS SDK's own signer.
 */
import { Sha256 } from "@aws-crypto/sha256-js"
import { Cipher, Errors, Ids, type Sqs } from "@sealcast/core"
import { KeyStore, KmsSim, RootKey } from "@sealcast/kms-sim"
import { SignatureV4 } from "@smithy/signature-v4"
import { Context, Deferred, Effect, Either, Exit, HashMap, Layer, Logger, LogLevel, Scope } from "effect"
import * as fc from "fast-check"
import { createServer, type Server as HttpServer } from "node:http"
import { type AddressInfo, connect } from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Server from "../src/Server.js"
import { layerNodeRsa } from "./kms/support.js"
import { fakeSns } from "./sns/support.js"

const credentials = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" }
const credential = { ...credentials, accountId: "000000000000", principalArn: "arn:aws:iam::000000000000:root" }

const sns = fakeSns({
  publish: { messageId: "m-1", sequenceNumber: undefined },
  confirmSubscription: { subscriptionArn: "arn:aws:sns:us-east-1:000000000000:t:s" }
})

const kms = Effect.runSync(
  Effect.map(
    Layer.build(
      KmsSim.layer({ region: "us-east-1" }).pipe(
        Layer.provide(Layer.mergeAll(Cipher.layerNoble, Ids.layerCrypto, KeyStore.layerMemory, RootKey.layer(new Uint8Array(32).fill(7)), layerNodeRsa))
      )
    ),
    (context) => Context.get(context, KmsSim.KmsSim)
  ).pipe(Effect.scoped)
)

const logged: Array<string> = []
/** What reached Effect's logger: level, message and annotations. */
const effectLogs: Array<{ readonly level: string; readonly message: unknown; readonly annotations: Record<string, unknown> }> = []
const captureLogs = Layer.merge(
  Logger.replace(
    Logger.defaultLogger,
    Logger.make(({ annotations, logLevel, message }) =>
      effectLogs.push({ level: logLevel.label, message, annotations: Object.fromEntries(HashMap.toEntries(annotations)) }))
  ),
  Logger.minimumLogLevel(LogLevel.Debug)
)
/** The `/_sealcast/hang` route: started when it runs, interrupted when its fiber is. */
const hang = Effect.runSync(Effect.all({ started: Deferred.make<void>(), interrupted: Deferred.make<void>() }))

/** Whether the catch-up every request runs first fails, as it does while the database is unreachable. */
let storeDown = false

const scope = Effect.runSync(Scope.make())
let listening: Server.Listening
let origin: string

/**
 * The handler the HTTPS listener runs, served here on a plain socket so the test needs no
 * certificate: what it decides depends on the transport it is told, not on the socket.
 */
let asHttps: HttpServer
let asHttpsPort: number

beforeAll(async () => {
  const options: Server.ServerOptions = {
        region: "us-east-1",
        lookup: (id) => Effect.succeed(id === credential.accessKeyId ? credential : undefined),
        sns: sns.service,
        kms,
        newRequestId: () => "req-1",
        log: (level, message) => logged.push(`${level} ${message}`),
        maxBodyBytes: 64 * 1024,
        catchUp: Effect.suspend(() => (storeDown ? Effect.fail(new Errors.StoreFailure({ message: "the database is unreachable" })) : Effect.void)),
        appRoute: (request) =>
          request.path === "/_sealcast/health"
            ? Effect.succeed({ status: 200, contentType: "application/json", body: '{"status":"ok"}' })
            : request.path === "/_sealcast/broken"
              ? Effect.die(new Error("a bug"))
              : request.path === "/_sealcast/hang"
                ? Deferred.succeed(hang.started, undefined).pipe(
                    Effect.zipRight(Effect.never),
                    Effect.onInterrupt(() => Deferred.succeed(hang.interrupted, undefined))
                  )
                : undefined
  }
  // Started as the broker starts it: inside `acquireRelease`, whose acquire is uninterruptible, so the
  // test below also shows that requests do not inherit that region.
  listening = await Effect.runPromise(
    Effect.acquireRelease(Server.listenHttp(options, "127.0.0.1", 0), (l) => l.close).pipe(Effect.provide(captureLogs), Scope.extend(scope))
  )
  origin = `http://127.0.0.1:${listening.port}`
  asHttps = createServer(Effect.runSync(Server.makeHandler(options).pipe(Effect.provide(captureLogs), Scope.extend(scope)))("https"))
  await new Promise<void>((resolve) => asHttps.listen(0, "127.0.0.1", resolve))
  asHttpsPort = (asHttps.address() as AddressInfo).port
})

afterAll(async () => {
  await new Promise((resolve) => asHttps.close(resolve))
  await Effect.runPromise(Scope.close(scope, Exit.void))
})

const signed = async (
  service: string,
  body: string,
  headers: Record<string, string>,
  options: { readonly method?: string; readonly query?: Record<string, string>; readonly via?: "http" | "https"; readonly port?: number } = {}
) => {
  const signer = new SignatureV4({ service, region: "us-east-1", credentials, sha256: Sha256 })
  const port = options.port ?? (options.via === "https" ? asHttpsPort : listening.port)
  const host = `127.0.0.1:${port}`
  const request = await signer.sign({
    method: options.method ?? "POST",
    protocol: "http:",
    hostname: "127.0.0.1",
    port,
    path: "/",
    ...(options.query === undefined ? {} : { query: options.query }),
    headers: { host, ...headers },
    body
  })
  const query = options.query === undefined ? "" : `?${new URLSearchParams(options.query).toString()}`
  return fetch(`http://${host}/${query}`, {
    method: request.method,
    headers: request.headers,
    ...(request.method === "GET" ? {} : { body })
  })
}

const form = { "content-type": "application/x-www-form-urlencoded" }
const kmsHeaders = (op: string) => ({ "content-type": "application/x-amz-json-1.1", "x-amz-target": `TrentService.${op}` })

describe("Server", () => {
  it("routes a signed KMS request to the simulator and answers JSON 1.1", async () => {
    const res = await signed("kms", '{"Description":"k"}', kmsHeaders("CreateKey"), { via: "https" })
    expect(res.status).toBe(200)
    expect(res.headers.get("content-type")).toBe("application/x-amz-json-1.1")
    expect(res.headers.get("x-amzn-requestid")).toBe("req-1")
    const answer = (await res.json()) as { KeyMetadata: { KeyState: string; Description: string } }
    expect(answer.KeyMetadata).toMatchObject({ KeyState: "Enabled", Description: "k" })
  })

  it("answers KMS protocol errors in JSON with their codes", async () => {
    const bad = await signed("kms", "{not json", kmsHeaders("CreateKey"), { via: "https" })
    expect(bad.status).toBe(400)
    expect(await bad.json()).toMatchObject({ __type: "SerializationException" })
    const unknown = await signed("kms", "{}", kmsHeaders("MakeCoffee"), { via: "https" })
    expect(await unknown.json()).toMatchObject({ __type: "UnknownOperationException" })
    const missing = await signed("kms", "{}", kmsHeaders("DescribeKey"), { via: "https" })
    expect(await missing.json()).toMatchObject({ __type: "ValidationException" })
  })

  it("refuses a KMS request signed for another service, in JSON's own words", async () => {
    const res = await signed("sns", "{}", kmsHeaders("ListKeys"), { via: "https" })
    expect(res.status).toBe(403)
    expect(await res.json()).toMatchObject({ __type: "InvalidSignatureException" })
  })

  it("refuses every KMS request on the plain-HTTP listener, before its signature or body is looked at", async () => {
    for (const res of [
      await signed("kms", '{"Description":"k"}', kmsHeaders("CreateKey")),
      await signed("sns", "{not json", kmsHeaders("MakeCoffee")),
      await fetch(origin, { method: "POST", headers: kmsHeaders("GenerateDataKey"), body: "{}" })
    ]) {
      expect(res.status).toBe(400)
      expect(res.headers.get("content-type")).toBe("application/x-amz-json-1.1")
      expect(await res.json()).toMatchObject({ __type: "AccessDeniedException", message: expect.stringContaining("HTTPS") })
    }
  })

  it("hands a signed SNS request to the core with the caller and transport", async () => {
    const res = await signed("sns", "Action=Publish&Version=2010-03-31&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A000000000000%3At&Message=hi", form)
    expect(res.status).toBe(200)
    expect(await res.text()).toContain("<MessageId>m-1</MessageId>")
    expect(sns.contexts.at(-1)).toEqual({
      accountId: "000000000000",
      principalArn: "arn:aws:iam::000000000000:root",
      region: "us-east-1",
      transport: "http",
      auth: "sigv4"
    })
  })

  it("answers every protocol's request with its InternalError while the catch-up fails, and serves again once it succeeds", async () => {
    const publish = () => signed("sns", "Action=Publish&Version=2010-03-31&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A000000000000%3At&Message=hi", form)
    storeDown = true
    try {
      const snsAnswer = await publish()
      expect(snsAnswer.status).toBe(500)
      expect(await snsAnswer.text()).toContain("<Code>InternalError</Code>")
      const kmsAnswer = await signed("kms", "{}", kmsHeaders("ListKeys"), { via: "https" })
      expect(kmsAnswer.status).toBe(500)
      expect(await kmsAnswer.json()).toMatchObject({ __type: "InternalError" })
      // The health route is the broker's own, and answers whatever the stores do.
      expect((await fetch(`${origin}/_sealcast/health`)).status).toBe(200)
    } finally {
      storeDown = false
    }
    expect((await publish()).status).toBe(200)
  })

  it("refuses unsigned SNS requests, except the links SNS hands out", async () => {
    const unsigned = await fetch(origin, { method: "POST", headers: form, body: "Action=ListTopics&Version=2010-03-31" })
    expect(unsigned.status).toBe(403)
    expect(await unsigned.text()).toContain("<Code>MissingAuthenticationToken</Code>")
    const link = await fetch(`${origin}/?Action=ConfirmSubscription&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A000000000000%3At&Token=abc`)
    expect(link.status).toBe(200)
    expect(sns.calls.at(-1)).toEqual({ method: "confirmSubscription", args: [{ topicArn: "arn:aws:sns:us-east-1:000000000000:t", token: "abc", authenticateOnUnsubscribe: false }] })
    expect(sns.contexts.at(-1)).toBeUndefined()
  })

  it("answers a body over the cap with an AWS-shaped 413 in the request's protocol", async () => {
    const big = "x".repeat(65 * 1024)
    const query = await fetch(origin, { method: "POST", headers: form, body: big })
    expect(query.status).toBe(413)
    expect(await query.text()).toContain("<Code>RequestEntityTooLarge</Code>")
    const json = await fetch(origin, { method: "POST", headers: kmsHeaders("Encrypt"), body: big })
    expect(json.status).toBe(413)
    expect(await json.json()).toMatchObject({ __type: "RequestEntityTooLarge" })
  })

  it("answers a chunked body over the cap 413 in the Query shape, and outlives a client leaving mid-body", async () => {
    const exchange = (request: string, leave: boolean) =>
      new Promise<string>((resolve) => {
        const socket = connect(listening.port, "127.0.0.1")
        let answer = ""
        socket.on("data", (data) => (answer += data.toString("latin1")))
        socket.on("close", () => resolve(answer))
        socket.on("error", () => {})
        socket.write(request, () => (leave ? socket.destroy() : undefined))
      })
    const chunk = `400\r\n${"x".repeat(1024)}\r\n`
    const oversize = await exchange(
      `POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n${chunk.repeat(65)}0\r\n\r\n`,
      false
    )
    expect(oversize).toMatch(/^HTTP\/1\.1 413 /)
    expect(oversize).toContain("<Code>RequestEntityTooLarge</Code>")
    await exchange(`POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 500\r\n\r\nAction=Pub`, true)
    await exchange(`POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nAction\r\n`, true)
    expect((await fetch(`${origin}/_sealcast/health`)).status).toBe(200)
  })

  it("serves app routes, 404s unknown paths, and survives a defect", async () => {
    expect(await (await fetch(`${origin}/_sealcast/health`)).json()).toEqual({ status: "ok" })
    const missing = await fetch(`${origin}/nowhere`)
    expect(missing.status).toBe(404)
    const undecodable = await fetch(`${origin}/_sealcast/%ff`)
    expect(undecodable.status).toBe(404)
    expect(await undecodable.text()).toContain("<Code>NotFound</Code>")
    const broken = await fetch(`${origin}/_sealcast/broken`)
    expect(broken.status).toBe(500)
    expect(await broken.text()).toContain("<Code>InternalFailure</Code>")
    expect(logged.some((line) => line.startsWith("error request failed"))).toBe(true)
    expect((await fetch(`${origin}/_sealcast/health`)).status).toBe(200)
  })

  it("interrupts a request's fiber when its client goes away", async () => {
    const client = new AbortController()
    const answer = fetch(`${origin}/_sealcast/hang`, { signal: client.signal }).catch((e: unknown) => e)
    await Effect.runPromise(Deferred.await(hang.started))
    client.abort()
    await Effect.runPromise(Deferred.await(hang.interrupted))
    expect(await answer).toBeInstanceOf(Error)
    const line = effectLogs.find((l) => l.annotations["action"] === "/_sealcast/hang")
    expect(line?.annotations["status"]).toBe("client closed the connection")
  })

  it("logs one debug line per request: id, action, caller, status, latency; never the body or a secret", async () => {
    effectLogs.length = 0
    const res = await signed("sns", "Action=Publish&Version=2010-03-31&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A000000000000%3At&Message=secret-body", form)
    expect(res.status).toBe(200)
    await res.text()
    const lines = effectLogs.filter((l) => l.message === "request" || (Array.isArray(l.message) && l.message[0] === "request"))
    expect(lines).toHaveLength(1)
    const line = lines[0]!
    expect(line.level).toBe("DEBUG")
    expect(line.annotations).toMatchObject({
      requestId: "req-1",
      action: "Publish",
      caller: "arn:aws:iam::000000000000:root",
      status: 200
    })
    expect(typeof line.annotations["latencyMs"]).toBe("number")
    const text = JSON.stringify(line)
    expect(text).not.toContain("secret-body")
    expect(text).not.toContain(credentials.secretAccessKey)
  })

  it("answers any body with a well-formed AWS error, never a 5xx", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 512 }), fc.boolean(), async (body, asKms) => {
        const res = await fetch(origin, { method: "POST", headers: asKms ? kmsHeaders("Decrypt") : form, body })
        expect(res.status).toBeGreaterThanOrEqual(400)
        expect(res.status).toBeLessThan(500)
        const text = await res.text()
        if (asKms) expect(JSON.parse(text)).toHaveProperty("__type")
        else expect(text).toMatch(/^<ErrorResponse xmlns="http:\/\/sns\.amazonaws\.com\/doc\/2010-03-31\/"><Error><Type>Sender<\/Type><Code>\w+<\/Code>/)
      }),
      { numRuns: 100 }
    )
  })
})

/**
 * A server, kept in `servers` to close, whose credential table answers at once as the broker's does
 * (`credentialOf`), so a request may be answered without a fiber; answers the port it listens on.
 */
const serveWithTable = async (servers: Array<HttpServer>, services: Pick<Server.ServerOptions, "sns" | "sqs">) => {
  const options: Server.ServerOptions = {
    region: "us-east-1",
    lookup: (id) => Effect.succeed(id === credential.accessKeyId ? credential : undefined),
    credentialOf: (id) => (id === credential.accessKeyId ? credential : undefined),
    ...services,
    kms,
    newRequestId: () => "req-now",
    log: (level, message) => logged.push(`${level} ${message}`)
  }
  const server = createServer(Effect.runSync(Server.makeHandler(options).pipe(Scope.extend(scope)))("https"))
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  return (server.address() as AddressInfo).port
}

describe("Server, Publish without a fiber", () => {
  const publishBody = "Action=Publish&Version=2010-03-31&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A000000000000%3At&Message=hi"
  /** What the fake's `publishNow` does: take the message and answer after a turn (as a commit does), or leave it. */
  let publishNow: "take" | "fail" | "leave" = "take"
  const taken: Array<unknown> = []
  const core = fakeSns({ publish: { messageId: "m-fiber", sequenceNumber: undefined } })
  const failing = fakeSns({ publish: new Errors.StoreFailure({ message: "the disk is full" }) })
  const withNow = (service: typeof core.service): typeof core.service => ({
    ...service,
    publishNow: (input, ctx, done) => {
      if (publishNow === "leave") return false
      taken.push({ input, ctx })
      setImmediate(() =>
        done(publishNow === "take" ? Either.right({ messageId: "m-now", sequenceNumber: undefined }) : Either.left(new Errors.StoreFailure({ message: "the disk is full" })))
      )
      return true
    }
  })
  const servers: Array<HttpServer> = []
  const serve = (service: typeof core.service) => serveWithTable(servers, { sns: service })
  let port: number
  beforeAll(async () => {
    port = await serve(withNow(core.service))
  })
  afterAll(() => Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve)))))

  it("answers a Publish the core takes at once from its callback, with the caller and transport", async () => {
    publishNow = "take"
    const calls = core.calls.length
    const res = await signed("sns", publishBody, form, { port })
    expect(res.status).toBe(200)
    expect(await res.text()).toContain("<MessageId>m-now</MessageId>")
    expect(core.calls.length).toBe(calls)
    expect(taken.at(-1)).toMatchObject({
      input: { topicArn: "arn:aws:sns:us-east-1:000000000000:t", message: "hi" },
      ctx: { accountId: "000000000000", principalArn: "arn:aws:iam::000000000000:root", region: "us-east-1", transport: "https", auth: "sigv4" }
    })
  })

  it("leaves to the runtime what the core does not take at once, and a request it cannot verify", async () => {
    publishNow = "leave"
    const res = await signed("sns", publishBody, form, { port })
    expect(await res.text()).toContain("<MessageId>m-fiber</MessageId>")
    expect(core.calls.at(-1)?.method).toBe("publish")
    publishNow = "take"
    const count = taken.length
    const unsigned = await fetch(`http://127.0.0.1:${port}/`, { method: "POST", headers: form, body: publishBody })
    expect(await unsigned.text()).toContain("<Code>MissingAuthenticationToken</Code>")
    const wrongKey = await fetch(`http://127.0.0.1:${port}/`, {
      method: "POST",
      headers: { ...form, authorization: "AWS4-HMAC-SHA256 Credential=AKIDUNKNOWN/20240101/us-east-1/sns/aws4_request, SignedHeaders=host, Signature=00" },
      body: publishBody
    })
    expect(wrongKey.status).toBe(403)
    expect(taken.length).toBe(count)
  })

  it("answers a failed commit through the one error table, as the runtime's path does", async () => {
    publishNow = "fail"
    const now = await signed("sns", publishBody, form, { port })
    const fiberPort = await serve(failing.service)
    const fiber = await signed("sns", publishBody, form, { port: fiberPort })
    expect(now.status).toBe(fiber.status)
    expect(await now.text()).toBe(await fiber.text())
  })
})

describe("Server, SendMessage without a fiber", () => {
  const queueUrl = "https://127.0.0.1/000000000000/q"
  const sendBody = JSON.stringify({ QueueUrl: queueUrl, MessageBody: "hi" })
  const sqsJson = (action: string) => ({ "content-type": "application/x-amz-json-1.0", "x-amz-target": `AmazonSQS.${action}` })
  const sent: Sqs.SendMessageResult = { messageId: "m-now", md5OfMessageBody: "49f68a5c8493ec2c0bf489821c21fc3b", md5OfMessageAttributes: undefined, sequenceNumber: undefined }
  /** What the fake's `sendMessageNow` does: answer after a turn (as a commit does) with a result, a failure or a defect, or leave it. */
  let sendNow: "take" | "fail" | "break" | "leave" = "take"
  const taken: Array<unknown> = []
  const fiberCalls: Array<string> = []
  /** Only SendMessage and DeleteMessage are served: the fake is the methods these requests reach. */
  const fakeSqs = (answer: Effect.Effect<Sqs.SendMessageResult, Errors.StoreFailure>, now: boolean): Sqs.SqsService =>
    ({
      sendMessage: (url: string) => Effect.zipRight(Effect.sync(() => fiberCalls.push(url)), answer),
      ...(now
        ? {
          sendMessageNow: (url, input, ctx, done) => {
            if (sendNow === "leave") return false
            taken.push({ url, input, ctx })
            setImmediate(() =>
              done(sendNow === "take" ? Exit.succeed(sent) : sendNow === "fail" ? Exit.fail(new Errors.StoreFailure({ message: "the disk is full" })) : Exit.die(new Error("a bug")))
            )
            return true
          },
          deleteMessageNow: (url, receiptHandle, ctx, done) => {
            taken.push({ url, receiptHandle, ctx })
            setImmediate(() => done(Exit.void))
            return true
          }
        } satisfies Pick<Sqs.SqsService, "sendMessageNow" | "deleteMessageNow">
        : {})
    }) as unknown as Sqs.SqsService
  const servers: Array<HttpServer> = []
  const serve = (sqs: Sqs.SqsService) => serveWithTable(servers, { sns: sns.service, sqs })
  let port: number
  beforeAll(async () => {
    port = await serve(fakeSqs(Effect.succeed({ ...sent, messageId: "m-fiber" }), true))
  })
  afterAll(() => Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve)))))

  it("answers a SendMessage the core takes at once from its callback, with the caller and transport", async () => {
    sendNow = "take"
    const calls = fiberCalls.length
    const res = await signed("sqs", sendBody, sqsJson("SendMessage"), { port })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ MessageId: "m-now", MD5OfMessageBody: sent.md5OfMessageBody })
    expect(fiberCalls.length).toBe(calls)
    expect(taken.at(-1)).toMatchObject({
      url: queueUrl,
      input: { body: "hi", attributes: {} },
      ctx: { accountId: "000000000000", principalArn: "arn:aws:iam::000000000000:root", region: "us-east-1", transport: "https", auth: "sigv4" }
    })
  })

  it("answers an operation SQS does not have, an object's own property names included, UnknownOperationException", async () => {
    for (const action of ["MakeCoffee", "toString", "constructor", "__proto__"]) {
      const res = await signed("sqs", sendBody, sqsJson(action), { port })
      expect(res.status).toBe(400)
      expect(await res.json()).toMatchObject({ __type: "UnknownOperationException", message: `Unknown operation AmazonSQS.${action}` })
    }
  })

  it("answers a DeleteMessage the core takes at once with its empty answer", async () => {
    const res = await signed("sqs", JSON.stringify({ QueueUrl: queueUrl, ReceiptHandle: "h" }), sqsJson("DeleteMessage"), { port })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({})
    expect(taken.at(-1)).toMatchObject({ url: queueUrl, receiptHandle: "h" })
  })

  it("leaves to the runtime what the core does not take at once, a body that does not decode, and a request it cannot verify", async () => {
    sendNow = "leave"
    const left = await signed("sqs", sendBody, sqsJson("SendMessage"), { port })
    expect(await left.json()).toMatchObject({ MessageId: "m-fiber" })
    expect(fiberCalls.at(-1)).toBe(queueUrl)
    sendNow = "take"
    const count = taken.length
    const undecodable = await signed("sqs", JSON.stringify({ QueueUrl: queueUrl }), sqsJson("SendMessage"), { port })
    expect(undecodable.status).toBe(400)
    expect(await undecodable.json()).toMatchObject({ __type: "com.amazonaws.sqs#MissingParameter" })
    const unsigned = await fetch(`http://127.0.0.1:${port}/`, { method: "POST", headers: sqsJson("SendMessage"), body: sendBody })
    expect(await unsigned.json()).toMatchObject({ __type: "MissingAuthenticationTokenException" })
    const otherScope = await signed("sns", sendBody, sqsJson("SendMessage"), { port })
    expect(otherScope.status).toBe(403)
    expect(taken.length).toBe(count)
  })

  it("answers a failed commit through the one error table, and a defect as InternalFailure, as the runtime's path does", async () => {
    const fiberPorts = {
      fail: await serve(fakeSqs(Effect.fail(new Errors.StoreFailure({ message: "the disk is full" })), false)),
      break: await serve(fakeSqs(Effect.die(new Error("a bug")), false))
    }
    const answers: Record<string, unknown> = {}
    for (const outcome of ["fail", "break"] as const) {
      sendNow = outcome
      const now = await signed("sqs", sendBody, sqsJson("SendMessage"), { port })
      const fiber = await signed("sqs", sendBody, sqsJson("SendMessage"), { port: fiberPorts[outcome] })
      expect(now.status).toBe(fiber.status)
      const text = await now.text()
      expect(text).toBe(await fiber.text())
      answers[outcome] = { status: now.status, queryError: now.headers.get("x-amzn-query-error"), type: (JSON.parse(text) as { __type: string }).__type }
    }
    // Both in SQS's JSON shape, which the SDKs read: the store's failure by its row, the defect as InternalFailure.
    expect(answers).toEqual({
      fail: { status: 500, queryError: "InternalError;Receiver", type: "InternalError" },
      break: { status: 500, queryError: "InternalFailure;Receiver", type: "InternalFailure" }
    })
    expect(logged.filter((line) => line === "error request failed").length).toBeGreaterThanOrEqual(2)
  })
})
