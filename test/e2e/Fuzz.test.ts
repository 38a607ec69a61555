/**
 * Untrusted input never takes the broker down (docs/CONTRACT.md, "The endpoint"; the transport's rule that
 * a request never throws): fast-check throws random bytes, random Query forms, random JSON under
 * random `X-Amz-Target`s, odd content types, oversized and truncated bodies at the live server. Every
 * answer is a success or a well-formed AWS error of the protocol asked for, never a 500, and the
 * server keeps serving.
 */
import { CreateKeyCommand, ListKeysCommand } from "@aws-sdk/client-kms"
import { CreateTopicCommand, ListTopicsCommand, PublishCommand, SubscribeCommand } from "@aws-sdk/client-sns"
import { KmsOperations, SnsProtocol } from "@sealcast/transport-http"
import * as fc from "fast-check"
import * as tls from "node:tls"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { awsErrorOf, type RawResponse, send, sendSigned, type Target } from "./support/Clients.js"
import { useBroker } from "./support/Fixture.js"

const live = useBroker()
let target: Target
let topicArns: ReadonlyArray<string>
let keyId: string

/**
 * Bounded: enough to reach the parsers' corners, small enough for a shared two-core machine.
 * `SEALCAST_FUZZ_RUNS=N` runs each property N times with no time limit, for a long run outside CI.
 */
const LONG_RUNS = Number(process.env["SEALCAST_FUZZ_RUNS"] ?? 0)
const RUNS = LONG_RUNS > 0 ? { numRuns: LONG_RUNS } : { numRuns: 200, interruptAfterTimeLimit: 60_000 }
const LONG_TIMEOUT = LONG_RUNS > 0 ? 24 * 60 * 60 * 1000 : undefined

/** What the run sent and got back, printed at its end for a long run. */
const tally = { requests: 0, byStatus: new Map<number, number>() }
const counted = async (response: Promise<RawResponse>): Promise<RawResponse> => {
  const answer = await response
  tally.requests++
  tally.byStatus.set(answer.status, (tally.byStatus.get(answer.status) ?? 0) + 1)
  return answer
}
const signedRequest = (request: Parameters<typeof sendSigned>[1]) => counted(sendSigned(target, request))
const plainRequest = (request: Parameters<typeof send>[2]) => counted(send(target.endpoint, target.caPem, request))

afterAll(() => {
  if (LONG_RUNS > 0) {
    const statuses = [...tally.byStatus].sort(([a], [b]) => a - b).map(([status, n]) => `${status}: ${n}`).join(", ")
    console.log(`fuzz: ${tally.requests} requests (${statuses})`)
  }
})

beforeAll(async () => {
  target = live.target
  keyId = (await live.kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!
  topicArns = [
    (await live.sns.send(new CreateTopicCommand({ Name: "fuzz-plain" }))).TopicArn!,
    (await live.sns.send(new CreateTopicCommand({ Name: "fuzz-sealed", Attributes: { KmsMasterKeyId: keyId } }))).TopicArn!
  ]
})

/**
 * A success, or an AWS error in the shape of the protocol the request spoke (Query XML unless it
 * carried `X-Amz-Target`), with a 4xx status: never a 500.
 */
const expectWellFormed = (response: RawResponse, protocol: "query" | "json") => {
  expect(response.status, response.body).not.toBe(500)
  if (response.status >= 200 && response.status < 300) return
  expect(response.status, response.body).toBeGreaterThanOrEqual(400)
  expect(response.status, response.body).toBeLessThan(500)
  expect(awsErrorOf(response), `${response.status} ${String(response.headers["content-type"])} ${response.body}`).toMatchObject({ protocol })
  expect(response.headers["x-amzn-requestid"]).toBeTruthy()
}

/** Header values Node will put on the wire: printable ASCII. */
const headerText = fc.string({ maxLength: 40 }).map((s) => s.replace(/[^\x20-\x7e]/g, "").trim())

const contentType = fc.option(
  fc.oneof(
    fc.constantFrom(
      "application/x-www-form-urlencoded",
      "application/x-www-form-urlencoded; charset=utf-8",
      "application/x-amz-json-1.1",
      "application/x-amz-json-1.0",
      "application/json",
      "text/xml",
      "multipart/form-data; boundary=x",
      "application/octet-stream"
    ),
    headerText
  ),
  { nil: undefined }
)

const FORM_TYPE = { "content-type": "application/x-www-form-urlencoded; charset=utf-8" }

const snsActionNames = [...Object.keys(SnsProtocol.actions), "Bogus", ""]
const kmsTargets = [...Object.keys(KmsOperations.operations).map((op) => `TrentService.${op}`), "TrentService.Bogus", "TrentService.", "DynamoDB_20120810.GetItem", ""]

/** Query parameter names, the real ones (flat, maps, lists, batch entries) and anything else. */
const paramName = fc.oneof(
  fc.constantFrom(
    "Action", "Version", "TopicArn", "Name", "Message", "Subject", "MessageStructure", "MessageGroupId", "MessageDeduplicationId",
    "Protocol", "Endpoint", "Token", "SubscriptionArn", "AttributeName", "AttributeValue", "ResourceArn", "Label", "NextToken",
    "Attributes.entry.1.key", "Attributes.entry.1.value", "Attributes.entry.2.key", "Tags.member.1.Key", "Tags.member.1.Value",
    "TagKeys.member.1", "AWSAccountId.member.1", "ActionName.member.1", "MessageAttributes.entry.1.Name",
    "MessageAttributes.entry.1.Value.DataType", "MessageAttributes.entry.1.Value.StringValue", "MessageAttributes.entry.1.Value.BinaryValue",
    "PublishBatchRequestEntries.member.1.Id", "PublishBatchRequestEntries.member.1.Message", "PublishBatchRequestEntries.member.0.Id",
    "DataProtectionPolicy", "Attributes.entry.0.key", "Tags.member.51.Key"
  ),
  fc.string({ maxLength: 30 })
)

/**
 * What XML 1.0 cannot carry (§2.2, Char), as a form can send it: C0 controls but TAB, LF and CR, and
 * U+FFFE/U+FFFF. A lone surrogate has no UTF-8 form, so it never arrives as a character.
 */
const nonXmlChar = fc.constantFrom("\u0000", "\u0001", "\u0008", "\u000b", "\u000c", "\u000e", "\u001f", "\ufffe", "\uffff")

/** A text with at least one such character somewhere in it. */
const textWithNonXmlChar = fc
  .tuple(fc.string({ maxLength: 20 }), nonXmlChar, fc.string({ unit: fc.oneof(fc.char(), nonXmlChar), maxLength: 20 }))
  .map(([before, bad, after]) => `${before}${bad}${after}`)

const paramValue = fc.oneof(
  fc.string({ maxLength: 60 }),
  textWithNonXmlChar,
  fc.string({ unit: "binary", maxLength: 60 }),
  fc.constantFrom("2010-03-31", "", "true", "false", "{}", "[]", "-1", "1e309", "KmsMasterKeyId", "FilterPolicy", "String", "Binary", "Number", "http", "lambda"),
  fc.constant(null).map(() => topicArns[0]!),
  fc.constant(null).map(() => topicArns[1]!)
)

/** A form body: well-encoded pairs (any action), or raw text with stray `%`, `&` and `=`. */
const formBody = fc.oneof(
  fc
    .tuple(fc.constantFrom(...snsActionNames), fc.boolean(), fc.array(fc.tuple(paramName, paramValue), { maxLength: 12 }))
    .map(([action, withVersion, pairs]) => {
      const form = new URLSearchParams()
      form.append("Action", action)
      if (withVersion) form.append("Version", "2010-03-31")
      for (const [name, value] of pairs) form.append(name, value)
      return form.toString()
    }),
  fc.stringMatching(/^[A-Za-z0-9%&=.+_-]{0,200}$/)
)

/** KMS request bodies: the real fields with values of every type, or any JSON at all, or not JSON. */
const kmsBody = fc.oneof(
  fc
    .record(
      {
        KeyId: fc.oneof(fc.constant(null).map(() => keyId), fc.string({ maxLength: 40 }), fc.integer()),
        Plaintext: fc.oneof(fc.base64String({ maxLength: 64 }), fc.string({ maxLength: 20 }), fc.integer()),
        CiphertextBlob: fc.oneof(fc.base64String({ maxLength: 200 }), fc.jsonValue()),
        NumberOfBytes: fc.oneof(fc.integer({ min: -5, max: 2000 }), fc.string({ maxLength: 5 })),
        KeySpec: fc.oneof(fc.constantFrom("AES_256", "AES_128", "RSA_2048", "HMAC_256"), fc.string({ maxLength: 10 })),
        KeyUsage: fc.constantFrom("ENCRYPT_DECRYPT", "SIGN_VERIFY", "Nope"),
        EncryptionContext: fc.oneof(fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 })), fc.jsonValue()),
        AliasName: fc.oneof(fc.constantFrom("alias/fuzz", "alias/aws/sns", "alias/"), fc.string({ maxLength: 20 })),
        TargetKeyId: fc.string({ maxLength: 40 }),
        Limit: fc.oneof(fc.integer({ min: -1, max: 2000 }), fc.string({ maxLength: 4 })),
        Marker: fc.string({ maxLength: 20 }),
        PendingWindowInDays: fc.integer({ min: -1, max: 40 }),
        Tags: fc.jsonValue(),
        Policy: fc.oneof(fc.string({ maxLength: 40 }), fc.jsonValue().map((v) => JSON.stringify(v)))
      },
      { requiredKeys: [] }
    )
    .map((request) => JSON.stringify(request)),
  fc.jsonValue().map((value) => JSON.stringify(value)),
  fc.string({ maxLength: 100 })
)

/** The topic and subscription whose every read must keep answering; no other property names them. */
let xmlTopicArn: string
let xmlSubscriptionArn: string

beforeAll(async () => {
  xmlTopicArn = (await live.sns.send(new CreateTopicCommand({ Name: "fuzz-xml" }))).TopicArn!
  xmlSubscriptionArn = (
    await live.sns.send(new SubscribeCommand({ TopicArn: xmlTopicArn, Protocol: "sms", Endpoint: "+15555550100", ReturnSubscriptionArn: true }))
  ).SubscriptionArn!
})

/** A valid request of every action, each of its string members set. */
const validRequests = (): Readonly<Record<string, Readonly<Record<string, string>>>> => {
  const topic = { TopicArn: xmlTopicArn }
  const resource = { ResourceArn: xmlTopicArn }
  const subscription = { SubscriptionArn: xmlSubscriptionArn }
  const application = { PlatformApplicationArn: "arn:aws:sns:us-east-1:000000000000:app/GCM/fuzz-app" }
  const endpoint = { EndpointArn: "arn:aws:sns:us-east-1:000000000000:endpoint/GCM/fuzz-app/00000000-0000-4000-8000-000000000000" }
  return {
    CreateTopic: { Name: "fuzz-xml", "Attributes.entry.1.key": "DisplayName", "Attributes.entry.1.value": "shown", "Tags.member.1.Key": "k", "Tags.member.1.Value": "v" },
    DeleteTopic: topic,
    GetTopicAttributes: topic,
    SetTopicAttributes: { ...topic, AttributeName: "DisplayName", AttributeValue: "shown" },
    ListTopics: { NextToken: "token" },
    Subscribe: { ...topic, Protocol: "sms", Endpoint: "+15555550100", "Attributes.entry.1.key": "FilterPolicy", "Attributes.entry.1.value": '{"a":["b"]}', ReturnSubscriptionArn: "true" },
    ConfirmSubscription: { ...topic, Token: "token", AuthenticateOnUnsubscribe: "true" },
    Unsubscribe: subscription,
    GetSubscriptionAttributes: subscription,
    SetSubscriptionAttributes: { ...subscription, AttributeName: "FilterPolicy", AttributeValue: '{"a":["b"]}' },
    ListSubscriptions: { NextToken: "token" },
    ListSubscriptionsByTopic: { ...topic, NextToken: "token" },
    Publish: {
      ...topic, Message: "m", Subject: "s", "MessageAttributes.entry.1.Name": "a",
      "MessageAttributes.entry.1.Value.DataType": "String", "MessageAttributes.entry.1.Value.StringValue": "v"
    },
    PublishBatch: { ...topic, "PublishBatchRequestEntries.member.1.Id": "e1", "PublishBatchRequestEntries.member.1.Message": "m", "PublishBatchRequestEntries.member.1.Subject": "s" },
    TagResource: { ...resource, "Tags.member.1.Key": "k", "Tags.member.1.Value": "v" },
    UntagResource: { ...resource, "TagKeys.member.1": "k" },
    ListTagsForResource: resource,
    AddPermission: { ...topic, Label: "l", "AWSAccountId.member.1": "000000000000", "ActionName.member.1": "Publish" },
    RemovePermission: { ...topic, Label: "l" },
    GetDataProtectionPolicy: resource,
    PutDataProtectionPolicy: { ...resource, DataProtectionPolicy: "{}" },
    CreatePlatformApplication: { Name: "fuzz-app", Platform: "GCM", "Attributes.entry.1.key": "PlatformCredential", "Attributes.entry.1.value": "key" },
    GetPlatformApplicationAttributes: application,
    SetPlatformApplicationAttributes: { ...application, "Attributes.entry.1.key": "SuccessFeedbackSampleRate", "Attributes.entry.1.value": "5" },
    ListPlatformApplications: { NextToken: "token" },
    DeletePlatformApplication: application,
    CreatePlatformEndpoint: { ...application, Token: "token", CustomUserData: "data", "Attributes.entry.1.key": "Enabled", "Attributes.entry.1.value": "true" },
    GetEndpointAttributes: endpoint,
    SetEndpointAttributes: { ...endpoint, "Attributes.entry.1.key": "Enabled", "Attributes.entry.1.value": "true" },
    ListEndpointsByPlatformApplication: { ...application, NextToken: "token" },
    DeleteEndpoint: endpoint,
    SetSMSAttributes: { "attributes.entry.1.key": "DefaultSMSType", "attributes.entry.1.value": "Transactional" },
    GetSMSAttributes: { "attributes.member.1": "DefaultSMSType" },
    CheckIfPhoneNumberIsOptedOut: { phoneNumber: "+15555550100" },
    ListPhoneNumbersOptedOut: { nextToken: "token" },
    OptInPhoneNumber: { phoneNumber: "+15555550100" },
    GetSMSSandboxAccountStatus: {},
    CreateSMSSandboxPhoneNumber: { PhoneNumber: "+15555550100", LanguageCode: "en-US" },
    VerifySMSSandboxPhoneNumber: { PhoneNumber: "+15555550100", OneTimePassword: "123456" },
    DeleteSMSSandboxPhoneNumber: { PhoneNumber: "+15555550100" },
    ListSMSSandboxPhoneNumbers: { NextToken: "token" },
    ListOriginationNumbers: { NextToken: "token" }
  }
}

/** Every read of the topic and its subscription, which must answer 200 whatever was sent before. */
const readsOfTheResource = () => [
  { Action: "GetTopicAttributes", TopicArn: xmlTopicArn },
  { Action: "ListTagsForResource", ResourceArn: xmlTopicArn },
  { Action: "GetSubscriptionAttributes", SubscriptionArn: xmlSubscriptionArn },
  { Action: "ListSubscriptions" },
  { Action: "ListSubscriptionsByTopic", TopicArn: xmlTopicArn },
  { Action: "ListTopics" }
]

describe("fuzzing the live endpoint", () => {
  it("a character XML cannot carry, in any string member of any action, is refused, and every read still answers", async () => {
    const actionNames = Object.keys(SnsProtocol.actions)
    expect(Object.keys(validRequests()).sort()).toEqual([...actionNames].sort())
    // An action without members (GetSMSSandboxAccountStatus) has no value to carry the character.
    const cases = fc
      .constantFrom(...actionNames.filter((action) => Object.keys(validRequests()[action]!).length > 0))
      .chain((action) => {
        const members = Object.keys(validRequests()[action]!)
        return fc.tuple(fc.constant(action), fc.constantFrom(...members), fc.nat(), textWithNonXmlChar)
      })
    await fc.assert(
      fc.asyncProperty(cases, async ([action, member, at, bad]) => {
        const params = { ...validRequests()[action]! }
        const valid = params[member]!
        const position = at % (valid.length + 1)
        params[member] = `${valid.slice(0, position)}${bad}${valid.slice(position)}`
        const body = new URLSearchParams({ Action: action, Version: "2010-03-31", ...params }).toString()
        const response = await signedRequest({ method: "POST", path: "/", service: "sns", headers: FORM_TYPE, body })
        expect({ status: response.status, code: awsErrorOf(response)?.code }, response.body).toEqual({ status: 400, code: "InvalidParameter" })
        expect(awsErrorOf(response)?.message).toContain(`Invalid parameter: ${member} `)
        for (const read of readsOfTheResource()) {
          const answer = await signedRequest({ method: "POST", path: "/", service: "sns", headers: FORM_TYPE, body: new URLSearchParams({ Version: "2010-03-31", ...read }).toString() })
          expect(answer.status, `${read.Action}: ${answer.body}`).toBe(200)
        }
      }),
      { ...RUNS, numRuns: LONG_RUNS > 0 ? LONG_RUNS : 60 }
    )
  }, LONG_TIMEOUT)

  it("random bytes, signed or not, under any content type get well-formed answers", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), contentType, fc.boolean(), fc.boolean(), async (body, type, signed, asKms) => {
        const headers = {
          ...(type === undefined ? {} : { "content-type": type }),
          ...(asKms ? { "x-amz-target": "TrentService.Encrypt" } : {})
        }
        const response = signed
          ? await signedRequest({ method: "POST", path: "/", service: asKms ? "kms" : "sns", headers, body })
          : await plainRequest({ method: "POST", path: "/", headers, body })
        expectWellFormed(response, asKms ? "json" : "query")
      }),
      RUNS
    )
  }, LONG_TIMEOUT)

  it("random Query forms, signed for sns, get well-formed SNS answers", async () => {
    await fc.assert(
      fc.asyncProperty(formBody, contentType, fc.constantFrom("POST" as const, "GET" as const), async (form, type, method) => {
        const response =
          method === "POST"
            ? await signedRequest({ method, path: "/", service: "sns", headers: type === undefined ? {} : { "content-type": type }, body: form })
            : await signedRequest({ method, path: `/?${form}`, service: "sns" })
        expectWellFormed(response, "query")
      }),
      RUNS
    )
  }, LONG_TIMEOUT)

  it("random JSON under random X-Amz-Target, signed for kms, gets well-formed KMS answers", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.constantFrom(...kmsTargets), headerText), kmsBody, contentType, async (amzTarget, body, type) => {
        const response = await signedRequest({
          method: "POST",
          path: "/",
          service: "kms",
          headers: { "x-amz-target": amzTarget, ...(type === undefined ? {} : { "content-type": type }) },
          body
        })
        expectWellFormed(response, "json")
      }),
      RUNS
    )
  }, LONG_TIMEOUT)

  it("random paths and methods get well-formed answers", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.webPath(), fc.constantFrom("/_sealcast/", "/_sealcast/topics//messages", "/_sealcast/topics/%ff/messages", "//", "/%")),
        fc.constantFrom("GET" as const, "POST" as const),
        async (path, method) => {
          const response = await plainRequest({ method, path: path === "" ? "/" : path })
          expect(response.status, response.body).not.toBe(500)
          if (response.status >= 400) expect(awsErrorOf(response), response.body).toBeDefined()
        }
      ),
      { ...RUNS, numRuns: LONG_RUNS > 0 ? LONG_RUNS : 100 }
    )
  }, LONG_TIMEOUT)

  it("a path with a malformed percent-escape gets an AWS-shaped 4xx, not a 500", async () => {
    for (const path of ["/_sealcast/topics/%ff/messages", "/_sealcast/%", "/%E0%A4%A"]) {
      const response = await send(target.endpoint, target.caPem, { method: "GET", path })
      expect(response.status, `${path}: ${response.body}`).toBeGreaterThanOrEqual(400)
      expect(response.status, `${path}: ${response.body}`).toBeLessThan(500)
      expect(awsErrorOf(response)).toBeDefined()
    }
  })

  it("bodies over the cap, declared or streamed, get an AWS-shaped 413", async () => {
    const declared = await rawExchange(
      `POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 5000000000\r\nConnection: close\r\n\r\nAction=ListTopics`
    )
    expect(declared).toMatch(/^HTTP\/1\.1 413 /)
    expect(declared).toContain("<Code>RequestEntityTooLarge</Code>")
    // No Content-Length: chunked, refused once the count passes the cap.
    const streamed = await send(target.endpoint, target.caPem, {
      method: "POST",
      path: "/",
      headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": "TrentService.Encrypt", "transfer-encoding": "chunked" },
      body: new Uint8Array(1536 * 1024).fill(0x7b)
    })
    expect(streamed.status).toBe(413)
    expect(awsErrorOf(streamed)?.protocol).toBe("json")
  })

  it("bodies cut short (Content-Length larger than sent, then the connection closed) leave the server serving", async () => {
    for (let i = 0; i < 20; i++) {
      const declaredLength = 100 + i * 997
      await rawExchange(
        `POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${declaredLength}\r\n\r\nAction=Publish&Message=cut`,
        { closeAfterWrite: true }
      )
    }
    await expectStillServing()
  })

  it("after all of it, the server still answers health checks and real SDK calls", expectStillServing)
})

async function expectStillServing() {
  const health = await send(target.endpoint, target.caPem, { method: "GET", path: "/_sealcast/health" })
  expect(health.status).toBe(200)
  // The fuzzer signs real actions with real ARNs, so it may legitimately delete the topics it was
  // given (a random DeleteTopic) or disable the key: prove service with fresh work instead.
  const probe = `fuzz-probe-${Date.now()}`
  const { TopicArn } = await live.sns.send(new CreateTopicCommand({ Name: probe }))
  expect((await live.sns.send(new PublishCommand({ TopicArn, Message: "still here" }))).MessageId).toBeDefined()
  expect((await live.sns.send(new ListTopicsCommand({}))).Topics?.map((t) => t.TopicArn)).toContain(TopicArn)
  expect((await live.kms.send(new ListKeysCommand({}))).Keys?.map((k) => k.KeyId)).toContain(keyId)
}

/**
 * Writes `request` on a fresh TLS connection and collects what comes back until the server closes it;
 * with `closeAfterWrite`, hangs up right after writing, as a client that dies mid-request does.
 */
function rawExchange(request: string, options: { readonly closeAfterWrite?: boolean } = {}): Promise<string> {
  const { hostname, port } = new URL(target.endpoint)
  return new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    const socket = tls.connect({ host: hostname, port: Number(port), ca: target.caPem, servername: "localhost" }, () => {
      socket.write(request, () => {
        if (options.closeAfterWrite === true) socket.destroy()
      })
    })
    socket.on("data", (chunk: Buffer) => chunks.push(chunk))
    socket.on("close", () => resolve(Buffer.concat(chunks).toString("utf8")))
    socket.on("error", (error) => (options.closeAfterWrite === true ? resolve("") : reject(error)))
  })
}
