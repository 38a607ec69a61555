/**
 * The endpoint's transport rules (docs/CONTRACT.md, "The endpoint"; docs/SEMANTICS.md §1.9 and §6): requests
 * to an encrypted topic need HTTPS and SigV4, else `InvalidSecurity` (403); every other SNS and KMS
 * request is verified, with AWS's common error codes for what fails; bodies are capped; health is
 * public.
 */
import { CreateKeyCommand, DecryptCommand, GenerateDataKeyCommand, KMSServiceException, ListKeysCommand } from "@aws-sdk/client-kms"
import {
  CreateTopicCommand,
  GetTopicAttributesCommand,
  InvalidSecurityException,
  ListSubscriptionsByTopicCommand,
  ListTagsForResourceCommand,
  ListTopicsCommand,
  PublishBatchCommand,
  PublishCommand,
  SetTopicAttributesCommand,
  type SNSClient,
  SNSServiceException,
  SubscribeCommand
} from "@aws-sdk/client-sns"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { botocoreMissing, signSigV2 } from "./support/Botocore.js"
import { awsErrorOf, eventually, kmsClient, send, sendSigned, snsClient, storedMessages, type Target } from "./support/Clients.js"
import { useBroker } from "./support/Fixture.js"

const live = useBroker({ httpPort: 0 })
let overHttps: Target
let overHttp: Target
let httpsSns: SNSClient
let httpSns: SNSClient
let encryptedArn: string
let plainArn: string

/** docs/SEMANTICS.md §1.9, the documented text. */
const INVALID_SECURITY =
  "The credential signature isn't valid. You must use an HTTPS endpoint and sign your request using Signature Version 4."

beforeAll(async () => {
  overHttps = live.target
  overHttp = { ...overHttps, endpoint: live.broker.httpEndpoint! }
  httpsSns = live.sns
  httpSns = snsClient(overHttp)
  const { KeyMetadata } = await live.kms.send(new CreateKeyCommand({}))
  encryptedArn = (await httpsSns.send(new CreateTopicCommand({ Name: "sealed", Attributes: { KmsMasterKeyId: KeyMetadata!.KeyId! } }))).TopicArn!
  plainArn = (await httpsSns.send(new CreateTopicCommand({ Name: "plain" }))).TopicArn!
})

afterAll(() => httpSns.destroy())

/** Runs `call`, which must fail, and answers the SDK's exception. */
const rejectionOf = async <E>(call: Promise<unknown>, type: abstract new (...args: never) => E): Promise<E> => {
  const error: unknown = await call.then(() => expect.fail("the call succeeded"), (e: unknown) => e)
  expect(error).toBeInstanceOf(type)
  return error as E
}

const expectInvalidSecurity = async (call: Promise<unknown>) => {
  const error = await rejectionOf(call, InvalidSecurityException)
  expect(error.$metadata.httpStatusCode).toBe(403)
  expect(error.message).toBe(INVALID_SECURITY)
}

/** The refusal of a KMS request on the plain-HTTP listener. */
const KMS_OVER_HTTP = "KMS requests must use HTTPS: this listener is plain HTTP. Send the request to the HTTPS endpoint."

/** An unsigned KMS JSON 1.1 request for `operation`. */
const postKmsUnsigned = (target: Target, operation: string, body: string | Uint8Array) =>
  send(target.endpoint, target.caPem, {
    method: "POST",
    path: "/",
    headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": `TrentService.${operation}` },
    body
  })

/** What ListTopics and ListKeys, made by the SDK clients with `credentials`, fail with. */
const refusalsWith = async (credentials: Target["credentials"]) => {
  const sns = snsClient({ ...overHttps, credentials })
  const kms = kmsClient({ ...overHttps, credentials })
  const snsError = await rejectionOf(sns.send(new ListTopicsCommand({})), SNSServiceException)
  const kmsError = await rejectionOf(kms.send(new ListKeysCommand({})), KMSServiceException)
  sns.destroy()
  kms.destroy()
  return {
    sns: { name: snsError.name, status: snsError.$metadata.httpStatusCode, message: snsError.message },
    kms: { name: kmsError.name, status: kmsError.$metadata.httpStatusCode }
  }
}

const form = (params: Readonly<Record<string, string>>) => new URLSearchParams({ Version: "2010-03-31", ...params }).toString()
const FORM_TYPE = { "content-type": "application/x-www-form-urlencoded; charset=utf-8" }

describe("the plain-HTTP listener", () => {
  it("refuses SigV4 Publish, PublishBatch, GetTopicAttributes and SetTopicAttributes on an encrypted topic with InvalidSecurity", async () => {
    await expectInvalidSecurity(httpSns.send(new PublishCommand({ TopicArn: encryptedArn, Message: "over http" })))
    await expectInvalidSecurity(
      httpSns.send(new PublishBatchCommand({ TopicArn: encryptedArn, PublishBatchRequestEntries: [{ Id: "a", Message: "over http" }] }))
    )
    await expectInvalidSecurity(httpSns.send(new GetTopicAttributesCommand({ TopicArn: encryptedArn })))
    await expectInvalidSecurity(
      httpSns.send(new SetTopicAttributesCommand({ TopicArn: encryptedArn, AttributeName: "DisplayName", AttributeValue: "x" }))
    )
    // docs/SEMANTICS.md §1.9: every request naming an encrypted topic, Subscribe and
    // ListSubscriptionsByTopic among them.
    await expectInvalidSecurity(httpSns.send(new SubscribeCommand({ TopicArn: encryptedArn, Protocol: "sms", Endpoint: "+15555550199" })))
    await expectInvalidSecurity(httpSns.send(new ListSubscriptionsByTopicCommand({ TopicArn: encryptedArn })))
    await expectInvalidSecurity(httpSns.send(new ListTagsForResourceCommand({ ResourceArn: encryptedArn })))
    expect(await storedMessages(overHttps, "sealed")).toEqual([])
    const { Attributes } = await httpsSns.send(new GetTopicAttributesCommand({ TopicArn: encryptedArn }))
    expect(Attributes?.["DisplayName"] ?? "").toBe("")
  })

  it("serves SigV4 requests to an unencrypted topic", async () => {
    await httpSns.send(new SetTopicAttributesCommand({ TopicArn: plainArn, AttributeName: "DisplayName", AttributeValue: "Plain" }))
    const { Attributes } = await httpSns.send(new GetTopicAttributesCommand({ TopicArn: plainArn }))
    expect(Attributes).toMatchObject({ TopicArn: plainArn, DisplayName: "Plain" })
    const { MessageId } = await httpSns.send(new PublishCommand({ TopicArn: plainArn, Message: "over http" }))
    expect((await storedMessages(overHttps, "plain")).find((m) => m.messageId === MessageId)?.body).toEqual({ kind: "Plain", text: "over http" })
  })

  it("refuses every KMS request, signed or not, with AccessDeniedException before anything runs", async () => {
    const { KeyMetadata } = await live.kms.send(new CreateKeyCommand({}))
    const { CiphertextBlob } = await live.kms.send(new GenerateDataKeyCommand({ KeyId: KeyMetadata!.KeyId!, KeySpec: "AES_256" }))
    const keysBefore = (await live.kms.send(new ListKeysCommand({}))).Keys?.length
    const httpKms = kmsClient(overHttp)
    const calls: ReadonlyArray<Promise<unknown>> = [
      httpKms.send(new CreateKeyCommand({})),
      httpKms.send(new GenerateDataKeyCommand({ KeyId: KeyMetadata!.KeyId!, KeySpec: "AES_256" })),
      httpKms.send(new DecryptCommand({ CiphertextBlob: CiphertextBlob! })),
      httpKms.send(new ListKeysCommand({}))
    ]
    for (const call of calls) {
      const error = await rejectionOf(call, KMSServiceException)
      expect({ name: error.name, status: error.$metadata.httpStatusCode, message: error.message }).toEqual({
        name: "AccessDeniedException",
        status: 400,
        message: KMS_OVER_HTTP
      })
    }
    httpKms.destroy()
    const unsigned = await postKmsUnsigned(overHttp, "GenerateDataKey", JSON.stringify({ KeyId: KeyMetadata!.KeyId!, KeySpec: "AES_256" }))
    expect({ status: unsigned.status, error: awsErrorOf(unsigned) }).toEqual({
      status: 400,
      error: { protocol: "json", code: "AccessDeniedException", message: KMS_OVER_HTTP }
    })
    expect(unsigned.body).not.toContain("Plaintext")
    // The CreateKey over plain HTTP made no key.
    expect((await live.kms.send(new ListKeysCommand({}))).Keys?.length).toBe(keysBefore)
  })

  it("answers the health check without credentials, on both listeners", async () => {
    for (const target of [overHttps, overHttp]) {
      const response = await send(target.endpoint, target.caPem, { method: "GET", path: "/_sealcast/health" })
      expect(response.status).toBe(200)
      expect(JSON.parse(response.body)).toMatchObject({ status: "ok" })
    }
  })
})

const sigv2Missing = botocoreMissing()

describe.skipIf(sigv2Missing !== undefined)(`legacy Signature Version 2 (botocore's signer)${sigv2Missing === undefined ? "" : `: skipped, ${sigv2Missing}`}`, () => {
  const postSigV2 = (target: Target, params: Readonly<Record<string, string>>) =>
    send(target.endpoint, target.caPem, {
      method: "POST",
      path: "/",
      headers: FORM_TYPE,
      body: signSigV2(`${target.endpoint}/`, { Version: "2010-03-31", ...params }, target.credentials)
    })

  it("publishes to an unencrypted topic, over HTTP and HTTPS", async () => {
    for (const target of [overHttp, overHttps]) {
      const response = await postSigV2(target, { Action: "Publish", TopicArn: plainArn, Message: `sigv2 via ${target.endpoint}` })
      expect(response.status).toBe(200)
      const messageId = /<MessageId>([^<]+)<\/MessageId>/.exec(response.body)?.[1]
      expect((await storedMessages(overHttps, "plain")).map((m) => m.messageId)).toContain(messageId)
    }
    const listed = await postSigV2(overHttp, { Action: "ListTopics" })
    expect(listed.status).toBe(200)
    expect(listed.body).toContain(`<TopicArn>${plainArn}</TopicArn>`)
  })

  it("is refused with InvalidSecurity for an encrypted topic, even over HTTPS", async () => {
    for (const target of [overHttp, overHttps]) {
      for (const params of [
        { Action: "Publish", TopicArn: encryptedArn, Message: "sigv2" },
        { Action: "GetTopicAttributes", TopicArn: encryptedArn },
        { Action: "Subscribe", TopicArn: encryptedArn, Protocol: "sms", Endpoint: "+15555550198" },
        { Action: "ListSubscriptionsByTopic", TopicArn: encryptedArn }
      ]) {
        const response = await postSigV2(target, params)
        expect({ status: response.status, error: awsErrorOf(response) }).toEqual({
          status: 403,
          error: { protocol: "query", code: "InvalidSecurity", message: INVALID_SECURITY }
        })
      }
    }
    expect(await storedMessages(overHttps, "sealed")).toEqual([])
  })

  it("is refused with a wrong secret", async () => {
    const response = await postSigV2({ ...overHttp, credentials: { ...overHttp.credentials, secretAccessKey: "wrong" } }, { Action: "ListTopics" })
    expect(response.status).toBe(403)
    expect(awsErrorOf(response)?.code).toBe("SignatureDoesNotMatch")
  })
})

describe("request authentication", () => {
  it("refuses unsigned SNS and KMS requests with MissingAuthenticationToken", async () => {
    for (const target of [overHttps, overHttp]) {
      const sns = await send(target.endpoint, target.caPem, { method: "POST", path: "/", headers: FORM_TYPE, body: form({ Action: "ListTopics" }) })
      expect(sns.status).toBe(403)
      expect(awsErrorOf(sns)).toMatchObject({ protocol: "query", code: "MissingAuthenticationToken" })
    }
    const kms = await postKmsUnsigned(overHttps, "ListKeys", "{}")
    expect(kms.status).toBe(403)
    expect(awsErrorOf(kms)).toMatchObject({ protocol: "json", code: "MissingAuthenticationTokenException" })
    const inspection = await send(overHttps.endpoint, overHttps.caPem, { method: "GET", path: "/_sealcast/topics/plain/messages" })
    expect(inspection.status).toBe(403)
  })

  it("serves only health and the signing certificate unsigned: the outbox needs SigV4, metrics name no resource", async () => {
    await httpsSns.send(new SubscribeCommand({ TopicArn: encryptedArn, Protocol: "sms", Endpoint: "+15555550123" }))
    const secret = `plaintext-${Date.now()}`
    await httpsSns.send(new PublishCommand({ TopicArn: encryptedArn, Message: secret }))
    await eventually("the sms reaches the outbox", async () =>
      (await sendSigned(overHttps, { method: "GET", path: "/_sealcast/outbox", service: "sns" })).body.includes(secret)
    )
    for (const target of [overHttps, overHttp]) {
      const outbox = await send(target.endpoint, target.caPem, { method: "GET", path: "/_sealcast/outbox" })
      expect({ status: outbox.status, error: awsErrorOf(outbox) }).toMatchObject({
        status: 403,
        error: { protocol: "json", code: "MissingAuthenticationTokenException" }
      })
      expect(outbox.body).not.toContain(secret)
      const metrics = await send(target.endpoint, target.caPem, { method: "GET", path: "/_sealcast/metrics" })
      expect(metrics.status).toBe(200)
      expect(metrics.body).toMatch(/^sealcast_sns_messages_published_total \d+$/m)
      expect(metrics.body).not.toMatch(/arn:|topic_arn|key_arn/)
      for (const path of ["/_sealcast/health", "/_sealcast/signing-cert.pem"]) {
        expect((await send(target.endpoint, target.caPem, { method: "GET", path })).status).toBe(200)
      }
    }
    const signedMetrics = await sendSigned(overHttps, { method: "GET", path: "/_sealcast/metrics", service: "sns" })
    expect(signedMetrics.status).toBe(200)
    expect(signedMetrics.body).toContain(`sealcast_sns_messages_published_total{topic_arn="${encryptedArn}"}`)
    const wrongSecret = await sendSigned(overHttps, {
      method: "GET",
      path: "/_sealcast/metrics",
      service: "sns",
      credentials: { ...overHttps.credentials, secretAccessKey: "wrong" }
    })
    expect({ status: wrongSecret.status, code: awsErrorOf(wrongSecret)?.code }).toEqual({ status: 403, code: "InvalidSignatureException" })
  })

  it("refuses a wrong secret with SignatureDoesNotMatch, through both SDK clients", async () => {
    const refusals = await refusalsWith({ ...overHttps.credentials, secretAccessKey: `${overHttps.credentials.secretAccessKey}x` })
    expect(refusals).toMatchObject({ sns: { name: "SignatureDoesNotMatch", status: 403 }, kms: { name: "InvalidSignatureException", status: 403 } })
    expect(refusals.sns.message).toMatch(/^The request signature we calculated does not match the signature you provided/)
  })

  it("refuses an unknown access key with InvalidClientTokenId (KMS: UnrecognizedClientException), saying where the keys are", async () => {
    expect(await refusalsWith({ accessKeyId: "test", secretAccessKey: "test" })).toEqual({
      sns: {
        name: "InvalidClientTokenId",
        status: 403,
        message:
          "The security token included in the request is invalid. This endpoint has no access key 'test'. The default account's keys " +
          "are in the broker's ready line (accessKeyId, secretAccessKey), or startBroker()'s credentials. To accept the keys your " +
          "client signs with, start Sealcast with --access-key-id and --secret-access-key."
      },
      kms: { name: "UnrecognizedClientException", status: 403 }
    })
  })

  it("refuses a request signed for another region with SignatureDoesNotMatch that names the region served", async () => {
    const refused = await sendSigned({ ...overHttps, region: "eu-west-1" }, { method: "POST", path: "/", service: "sns", headers: FORM_TYPE, body: form({ Action: "ListTopics" }) })
    expect(refused.status).toBe(403)
    expect(awsErrorOf(refused)).toEqual({
      protocol: "query",
      code: "SignatureDoesNotMatch",
      message: "Credential should be scoped to a valid region, not 'eu-west-1'. This endpoint serves region us-east-1: sign for us-east-1."
    })
  })

  it("refuses a request for a service it does not serve by name, in the protocol it came in by", async () => {
    const dynamoJson = await sendSigned(overHttps, {
      method: "POST",
      path: "/",
      service: "dynamodb",
      headers: { "content-type": "application/x-amz-json-1.0", "x-amz-target": "DynamoDB_20120810.ListTables" },
      body: "{}"
    })
    expect(dynamoJson.status).toBe(400)
    expect(awsErrorOf(dynamoJson)).toEqual({
      protocol: "json",
      code: "UnknownOperationException",
      message: "Sealcast does not serve dynamodb; this endpoint serves sns, sqs and kms."
    })
    const stsQuery = await sendSigned(overHttps, {
      method: "POST",
      path: "/",
      service: "sts",
      headers: FORM_TYPE,
      body: new URLSearchParams({ Action: "GetCallerIdentity", Version: "2011-06-15" }).toString()
    })
    expect(stsQuery.status).toBe(400)
    expect(awsErrorOf(stsQuery)).toEqual({ protocol: "query", code: "InvalidAction", message: "Sealcast does not serve sts; this endpoint serves sns, sqs and kms." })
  })

  it("refuses a KMS request signed for service sns, and an SNS request signed for kms", async () => {
    const kms = await sendSigned(overHttps, {
      method: "POST",
      path: "/",
      service: "sns",
      headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": "TrentService.ListKeys" },
      body: "{}"
    })
    expect(kms.status).toBe(403)
    expect(awsErrorOf(kms)).toEqual({
      protocol: "json",
      code: "InvalidSignatureException",
      message: "Credential should be scoped to correct service: 'kms'."
    })
    const sns = await sendSigned(overHttps, { method: "POST", path: "/", service: "kms", headers: FORM_TYPE, body: form({ Action: "ListTopics" }) })
    expect(sns.status).toBe(403)
    expect(awsErrorOf(sns)).toEqual({ protocol: "query", code: "SignatureDoesNotMatch", message: "Credential should be scoped to correct service: 'sns'." })
  })

  it("answers a 17 KB header with an AWS-shaped 400 RequestHeaderSectionTooLarge, in each protocol's shape, on both listeners", async () => {
    const big = "a".repeat(17 * 1024)
    for (const target of [overHttps, overHttp]) {
      const sns = await send(target.endpoint, target.caPem, { method: "POST", path: "/", headers: { ...FORM_TYPE, "x-padding": big }, body: form({ Action: "ListTopics" }) })
      const kms = await send(target.endpoint, target.caPem, {
        method: "POST",
        path: "/",
        headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": "TrentService.ListKeys", "x-padding": big },
        body: "{}"
      })
      const expected = { code: "RequestHeaderSectionTooLarge", message: "Your request header section exceeds the maximum allowed size." }
      expect({ status: sns.status, error: awsErrorOf(sns) }).toEqual({ status: 400, error: { protocol: "query", ...expected } })
      expect({ status: kms.status, error: awsErrorOf(kms) }).toEqual({ status: 400, error: { protocol: "json", ...expected } })
      expect(sns.headers["x-amzn-requestid"]).toBeTruthy()
      // Past what the parser reads at all: answered before any header is known, in the Query shape.
      const huge = await send(target.endpoint, target.caPem, { method: "GET", path: "/", headers: { "x-padding": "a".repeat(70 * 1024) } })
      expect({ status: huge.status, error: awsErrorOf(huge) }).toEqual({ status: 400, error: { protocol: "query", ...expected } })
      const health = await send(target.endpoint, target.caPem, { method: "GET", path: "/_sealcast/health" })
      expect(health.status).toBe(200)
    }
  })

  it("answers a 2 MiB body with an AWS-shaped 413, in each protocol's shape", async () => {
    const huge = new Uint8Array(2 * 1024 * 1024).fill(0x61)
    const sns = await send(overHttps.endpoint, overHttps.caPem, { method: "POST", path: "/", headers: FORM_TYPE, body: huge })
    expect(sns.status).toBe(413)
    expect(awsErrorOf(sns)).toMatchObject({ protocol: "query", code: "RequestEntityTooLarge" })
    const kms = await postKmsUnsigned(overHttps, "Encrypt", huge)
    expect(kms.status).toBe(413)
    expect(awsErrorOf(kms)?.protocol).toBe("json")
    const health = await send(overHttps.endpoint, overHttps.caPem, { method: "GET", path: "/_sealcast/health" })
    expect(health.status).toBe(200)
  })
})
