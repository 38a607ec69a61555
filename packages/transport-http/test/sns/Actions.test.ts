/**
 * Every action, driven by the real AWS SDK v3: the SDK serialises the request as it sends it to AWS,
 * the fake core records what it was asked, and the SDK's own deserialiser reads the answer.
 */
import * as SNS from "@aws-sdk/client-sns"
import { Errors, Subscription } from "@sealcast/core"
import { Either } from "effect"
import { describe, expect, it } from "vitest"
import { fakeSns, sdkClient } from "./support.js"

const topicArn = "arn:aws:sns:us-east-1:000000000000:orders"
const subscriptionArn = `${topicArn}:0f4d5c1e-7a51-4a0c-9a53-3f2f6f4a1b2c`

/**
 * Sends one command through the SDK against a fake answering `answers`. (The SDK's command classes
 * are each typed to their own input, so the shared helper sees them only as something to send.)
 */
const send = async (command: object, answers: Parameters<typeof fakeSns>[0] = {}) => {
  const fake = fakeSns(answers)
  const { client, responses } = sdkClient(fake.service)
  const output: { readonly [member: string]: unknown } = { ...(await client.send(command as never)) }
  const { $metadata: _, ...result } = output
  return { result, calls: fake.calls, xml: responses[0]!.body }
}

describe("SNS actions through the AWS SDK v3", () => {
  it("CreateTopic: name, attributes, tags and data protection policy reach the core", async () => {
    const { result, calls } = await send(
      new SNS.CreateTopicCommand({
        Name: "orders.fifo",
        Attributes: { FifoTopic: "true", KmsMasterKeyId: "alias/aws/sns" },
        Tags: [{ Key: "env", Value: "dev" }, { Key: "team", Value: "a & b" }],
        DataProtectionPolicy: "{\"Name\":\"p\"}"
      }),
      { createTopic: { topicArn } }
    )
    expect(calls).toEqual([
      {
        method: "createTopic",
        args: [
          {
            name: "orders.fifo",
            attributes: { FifoTopic: "true", KmsMasterKeyId: "alias/aws/sns" },
            tags: [{ key: "env", value: "dev" }, { key: "team", value: "a & b" }],
            dataProtectionPolicy: "{\"Name\":\"p\"}"
          }
        ]
      }
    ])
    expect(result).toEqual({ TopicArn: topicArn })
  })

  it("CreateTopic with an empty tag list (sent as `Tags=`)", async () => {
    const { calls } = await send(new SNS.CreateTopicCommand({ Name: "orders", Tags: [] }), { createTopic: { topicArn } })
    expect(calls[0]!.args[0]).toEqual({ name: "orders", attributes: {}, tags: [], dataProtectionPolicy: undefined })
  })

  it("DeleteTopic answers ResponseMetadata alone", async () => {
    const { calls, xml } = await send(new SNS.DeleteTopicCommand({ TopicArn: topicArn }))
    expect(calls).toEqual([{ method: "deleteTopic", args: [topicArn] }])
    expect(xml).not.toContain("DeleteTopicResult")
    expect(xml).toContain("<ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata>")
  })

  it("ListTopics: the page and its NextToken", async () => {
    const { result, calls } = await send(new SNS.ListTopicsCommand({ NextToken: "100" }), {
      listTopics: { topicArns: [topicArn, `${topicArn}-2`], nextToken: "200" }
    })
    expect(calls).toEqual([{ method: "listTopics", args: ["100"] }])
    expect(result).toEqual({ Topics: [{ TopicArn: topicArn }, { TopicArn: `${topicArn}-2` }], NextToken: "200" })
  })

  it("ListTopics: an empty page", async () => {
    const { result, xml } = await send(new SNS.ListTopicsCommand({}), { listTopics: { topicArns: [], nextToken: undefined } })
    expect(xml).toContain("<Topics/>")
    expect(result.Topics ?? []).toEqual([])
    expect(result.NextToken).toBeUndefined()
  })

  it("GetTopicAttributes: the map as entry/key/value, every character intact", async () => {
    const attributes = {
      TopicArn: topicArn,
      DisplayName: "Ünïcode <&> \"quoted\" 'single' 😀\ttab\r\nnewline",
      Policy: "{\"Statement\":[]}",
      KmsMasterKeyId: "alias/aws/sns"
    }
    const { result, calls, xml } = await send(new SNS.GetTopicAttributesCommand({ TopicArn: topicArn }), {
      getTopicAttributes: attributes
    })
    expect(calls).toEqual([{ method: "getTopicAttributes", args: [topicArn] }])
    expect(xml).toContain("<Attributes><entry><key>TopicArn</key><value>")
    expect(result).toEqual({ Attributes: attributes })
  })

  it("SetTopicAttributes", async () => {
    const { calls } = await send(
      new SNS.SetTopicAttributesCommand({ TopicArn: topicArn, AttributeName: "KmsMasterKeyId", AttributeValue: "" })
    )
    expect(calls).toEqual([{ method: "setTopicAttributes", args: [topicArn, "KmsMasterKeyId", ""] }])
  })

  it("Subscribe: attributes and ReturnSubscriptionArn", async () => {
    const { result, calls } = await send(
      new SNS.SubscribeCommand({
        TopicArn: topicArn,
        Protocol: "https",
        Endpoint: "https://example.com/hook",
        Attributes: { RawMessageDelivery: "true", FilterPolicy: "{\"a\":[\"b\"]}" },
        ReturnSubscriptionArn: true
      }),
      { subscribe: { subscriptionArn } }
    )
    expect(calls).toEqual([
      {
        method: "subscribe",
        args: [
          {
            topicArn,
            protocol: "https",
            endpoint: "https://example.com/hook",
            attributes: { RawMessageDelivery: "true", FilterPolicy: "{\"a\":[\"b\"]}" },
            returnSubscriptionArn: true
          }
        ]
      }
    ])
    expect(result).toEqual({ SubscriptionArn: subscriptionArn })
  })

  it("Subscribe: ReturnSubscriptionArn defaults to false, Endpoint to empty", async () => {
    const { calls } = await send(new SNS.SubscribeCommand({ TopicArn: topicArn, Protocol: "sqs" }), {
      subscribe: { subscriptionArn: "pending confirmation" }
    })
    expect(calls[0]!.args[0]).toMatchObject({ endpoint: "", attributes: {}, returnSubscriptionArn: false })
  })

  it("Subscribe refused: the SDK reads InvalidParameter with the core's text", async () => {
    // The core's own refusal of an SMS subscription to a FIFO topic (docs/SEMANTICS.md §9).
    const refusal = Either.flip(Subscription.validateProtocolForTopic("sms", true)).pipe(Either.getOrThrow)
    const fifoTopicArn = "arn:aws:sns:us-east-1:000000000000:orders.fifo"
    const error = await send(new SNS.SubscribeCommand({ TopicArn: fifoTopicArn, Protocol: "sms", Endpoint: "+15555550100" }), {
      subscribe: refusal
    }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SNS.InvalidParameterException)
    expect(error).toMatchObject({ name: "InvalidParameterException", message: "Invalid parameter: Invalid protocol type: sms", $fault: "client" })
    expect((error as SNS.InvalidParameterException).$metadata.httpStatusCode).toBe(400)
  })

  it("the quota errors reach the SDK as the exception classes the model declares, 403", async () => {
    const quotas = [
      [
        new SNS.CreateTopicCommand({ Name: "one-more.fifo" }),
        { createTopic: new Errors.TopicLimitExceeded({ message: "Topic limit exceeded" }) },
        SNS.TopicLimitExceededException
      ],
      [
        new SNS.SubscribeCommand({ TopicArn: topicArn, Protocol: "sqs", Endpoint: "arn:aws:sqs:us-east-1:000000000000:q" }),
        { subscribe: new Errors.SubscriptionLimitExceeded({ message: "Subscription limit exceeded" }) },
        SNS.SubscriptionLimitExceededException
      ],
      [
        new SNS.SetSubscriptionAttributesCommand({ SubscriptionArn: subscriptionArn, AttributeName: "FilterPolicy", AttributeValue: "{}" }),
        { setSubscriptionAttributes: new Errors.FilterPolicyLimitExceeded({ message: "Filter policy limit exceeded" }) },
        SNS.FilterPolicyLimitExceededException
      ]
    ] as const
    for (const [command, answers, exception] of quotas) {
      const error = await send(command, answers).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(exception)
      expect((error as SNS.SNSServiceException).$metadata.httpStatusCode).toBe(403)
      expect((error as SNS.SNSServiceException).message).toMatch(/limit exceeded$/)
    }
  })

  it("ConfirmSubscription: AuthenticateOnUnsubscribe", async () => {
    const { result, calls } = await send(
      new SNS.ConfirmSubscriptionCommand({ TopicArn: topicArn, Token: "tok", AuthenticateOnUnsubscribe: "true" }),
      { confirmSubscription: { subscriptionArn } }
    )
    expect(calls).toEqual([
      { method: "confirmSubscription", args: [{ topicArn, token: "tok", authenticateOnUnsubscribe: true }] }
    ])
    expect(result).toEqual({ SubscriptionArn: subscriptionArn })
  })

  it("Unsubscribe", async () => {
    const { calls, xml } = await send(new SNS.UnsubscribeCommand({ SubscriptionArn: subscriptionArn }))
    expect(calls).toEqual([{ method: "unsubscribe", args: [subscriptionArn] }])
    expect(xml).not.toContain("UnsubscribeResult")
  })

  const summaries = [
    { subscriptionArn, owner: "000000000000", protocol: "sqs", endpoint: "arn:aws:sqs:us-east-1:000000000000:q", topicArn },
    { subscriptionArn: "PendingConfirmation", owner: "000000000000", protocol: "email", endpoint: "a@example.com", topicArn }
  ]
  const expected = summaries.map((s) => ({
    SubscriptionArn: s.subscriptionArn,
    Owner: s.owner,
    Protocol: s.protocol,
    Endpoint: s.endpoint,
    TopicArn: s.topicArn
  }))

  it("ListSubscriptions", async () => {
    const { result, calls } = await send(new SNS.ListSubscriptionsCommand({}), {
      listSubscriptions: { subscriptions: summaries, nextToken: "100" }
    })
    expect(calls).toEqual([{ method: "listSubscriptions", args: [undefined] }])
    expect(result).toEqual({ Subscriptions: expected, NextToken: "100" })
  })

  it("ListSubscriptionsByTopic", async () => {
    const { result, calls } = await send(new SNS.ListSubscriptionsByTopicCommand({ TopicArn: topicArn, NextToken: "5" }), {
      listSubscriptionsByTopic: { subscriptions: summaries, nextToken: undefined }
    })
    expect(calls).toEqual([{ method: "listSubscriptionsByTopic", args: [topicArn, "5"] }])
    expect(result).toEqual({ Subscriptions: expected })
  })

  it("GetSubscriptionAttributes", async () => {
    const attributes = { SubscriptionArn: subscriptionArn, RawMessageDelivery: "false" }
    const { result, calls } = await send(new SNS.GetSubscriptionAttributesCommand({ SubscriptionArn: subscriptionArn }), {
      getSubscriptionAttributes: attributes
    })
    expect(calls).toEqual([{ method: "getSubscriptionAttributes", args: [subscriptionArn] }])
    expect(result).toEqual({ Attributes: attributes })
  })

  it("SetSubscriptionAttributes", async () => {
    const { calls } = await send(
      new SNS.SetSubscriptionAttributesCommand({
        SubscriptionArn: subscriptionArn,
        AttributeName: "FilterPolicy",
        AttributeValue: "{\"k\":[\"v\"]}"
      })
    )
    expect(calls).toEqual([{ method: "setSubscriptionAttributes", args: [subscriptionArn, "FilterPolicy", "{\"k\":[\"v\"]}"] }])
  })

  it("Publish: every member, binary attributes as bytes; MessageId and SequenceNumber back", async () => {
    const { result, calls } = await send(
      new SNS.PublishCommand({
        TopicArn: topicArn,
        Message: "hello + world & ünïcode 😀",
        Subject: "subj",
        MessageStructure: "json",
        MessageGroupId: "g1",
        MessageDeduplicationId: "d1",
        MessageAttributes: {
          s: { DataType: "String", StringValue: "x=y" },
          n: { DataType: "Number", StringValue: "3.5" },
          b: { DataType: "Binary", BinaryValue: new Uint8Array([0, 1, 2, 255]) }
        }
      }),
      { publish: { messageId: "m-1", sequenceNumber: "10000000000000000001" } }
    )
    expect(calls).toEqual([
      {
        method: "publish",
        args: [
          {
            topicArn,
            targetArn: undefined,
            phoneNumber: undefined,
            message: "hello + world & ünïcode 😀",
            subject: "subj",
            messageStructure: "json",
            messageGroupId: "g1",
            messageDeduplicationId: "d1",
            messageAttributes: {
              s: { dataType: "String", stringValue: "x=y" },
              n: { dataType: "Number", stringValue: "3.5" },
              b: { dataType: "Binary", binaryValue: new Uint8Array([0, 1, 2, 255]) }
            }
          }
        ]
      }
    ])
    expect(result).toEqual({ MessageId: "m-1", SequenceNumber: "10000000000000000001" })
  })

  it("Publish to a standard topic answers no SequenceNumber", async () => {
    const { result, xml } = await send(new SNS.PublishCommand({ TargetArn: topicArn, Message: "m" }), {
      publish: { messageId: "m-2", sequenceNumber: undefined }
    })
    expect(result).toEqual({ MessageId: "m-2" })
    expect(xml).not.toContain("SequenceNumber")
  })

  it("PublishBatch: entries in order; Failed entries carry the table's code and fault", async () => {
    const { result, calls } = await send(
      new SNS.PublishBatchCommand({
        TopicArn: topicArn,
        PublishBatchRequestEntries: [
          { Id: "a", Message: "one", MessageAttributes: { k: { DataType: "String", StringValue: "v" } } },
          { Id: "b", Message: "two", Subject: "s", MessageGroupId: "g" },
          { Id: "c", Message: "three" }
        ]
      }),
      {
        publishBatch: {
          successful: [{ id: "a", messageId: "m-a", sequenceNumber: undefined }, { id: "b", messageId: "m-b", sequenceNumber: "7" }],
          failed: [
            { id: "c", error: new Errors.KMSDisabled({ message: "key is disabled" }) },
            { id: "d", error: new Errors.StoreFailure({ message: "disk" }) }
          ]
        }
      }
    )
    const entries = (calls[0]!.args[1] as ReadonlyArray<{ id: string; message: string }>).map((e) => [e.id, e.message])
    expect(calls[0]!.method).toBe("publishBatch")
    expect(calls[0]!.args[0]).toBe(topicArn)
    expect(entries).toEqual([["a", "one"], ["b", "two"], ["c", "three"]])
    expect(calls[0]!.args[1]).toMatchObject([
      { messageAttributes: { k: { dataType: "String", stringValue: "v" } } },
      { subject: "s", messageGroupId: "g" },
      {}
    ])
    expect(result).toEqual({
      Successful: [{ Id: "a", MessageId: "m-a" }, { Id: "b", MessageId: "m-b", SequenceNumber: "7" }],
      Failed: [
        { Id: "c", Code: "KMSDisabled", Message: "key is disabled", SenderFault: true },
        { Id: "d", Code: "InternalError", Message: "disk", SenderFault: false }
      ]
    })
  })

  it("TagResource answers an empty result", async () => {
    const { calls, xml } = await send(
      new SNS.TagResourceCommand({ ResourceArn: topicArn, Tags: [{ Key: "k", Value: "" }] })
    )
    expect(calls).toEqual([{ method: "tagResource", args: [topicArn, [{ key: "k", value: "" }]] }])
    expect(xml).toContain("<TagResourceResult/>")
  })

  it("UntagResource", async () => {
    const { calls, xml } = await send(new SNS.UntagResourceCommand({ ResourceArn: topicArn, TagKeys: ["a", "b"] }))
    expect(calls).toEqual([{ method: "untagResource", args: [topicArn, ["a", "b"]] }])
    expect(xml).toContain("<UntagResourceResult/>")
  })

  it("ListTagsForResource", async () => {
    const { result, calls } = await send(new SNS.ListTagsForResourceCommand({ ResourceArn: topicArn }), {
      listTagsForResource: [{ key: "env", value: "dev" }, { key: "x", value: "<y>" }]
    })
    expect(calls).toEqual([{ method: "listTagsForResource", args: [topicArn] }])
    expect(result).toEqual({ Tags: [{ Key: "env", Value: "dev" }, { Key: "x", Value: "<y>" }] })
  })

  it("AddPermission: both lists", async () => {
    const { calls } = await send(
      new SNS.AddPermissionCommand({
        TopicArn: topicArn,
        Label: "l1",
        AWSAccountId: ["111111111111", "222222222222"],
        ActionName: ["Publish", "Subscribe"]
      })
    )
    expect(calls).toEqual([
      {
        method: "addPermission",
        args: [{ topicArn, label: "l1", accountIds: ["111111111111", "222222222222"], actions: ["Publish", "Subscribe"] }]
      }
    ])
  })

  it("RemovePermission", async () => {
    const { calls } = await send(new SNS.RemovePermissionCommand({ TopicArn: topicArn, Label: "l1" }))
    expect(calls).toEqual([{ method: "removePermission", args: [topicArn, "l1"] }])
  })

  it("GetDataProtectionPolicy: with and without a policy", async () => {
    const some = await send(new SNS.GetDataProtectionPolicyCommand({ ResourceArn: topicArn }), {
      getDataProtectionPolicy: "{\"Name\":\"p\"}"
    })
    expect(some.calls).toEqual([{ method: "getDataProtectionPolicy", args: [topicArn] }])
    expect(some.result).toEqual({ DataProtectionPolicy: "{\"Name\":\"p\"}" })
    const none = await send(new SNS.GetDataProtectionPolicyCommand({ ResourceArn: topicArn }), {
      getDataProtectionPolicy: undefined
    })
    expect(none.result).toEqual({})
  })

  it("PutDataProtectionPolicy", async () => {
    const { calls } = await send(
      new SNS.PutDataProtectionPolicyCommand({ ResourceArn: topicArn, DataProtectionPolicy: "{}" })
    )
    expect(calls).toEqual([{ method: "putDataProtectionPolicy", args: [topicArn, "{}"] }])
  })

  it("a core error reaches the SDK as its modelled exception, with status and message", async () => {
    const error = await send(new SNS.GetTopicAttributesCommand({ TopicArn: topicArn }), {
      getTopicAttributes: new Errors.NotFound({ message: "Topic does not exist" })
    }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SNS.NotFoundException)
    expect(error).toMatchObject({ message: "Topic does not exist", $fault: "client", $metadata: { httpStatusCode: 404 } })
  })

  it("InvalidSecurity reaches the SDK as InvalidSecurityException, 403", async () => {
    const error = await send(new SNS.PublishCommand({ TopicArn: topicArn, Message: "m" }), {
      publish: new Errors.InvalidSecurity({ message: "You must use an HTTPS endpoint and sign your request using Signature Version 4." })
    }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SNS.InvalidSecurityException)
    expect(error).toMatchObject({ $metadata: { httpStatusCode: 403 } })
  })
})

describe("mobile push and SMS actions through the AWS SDK v3", () => {
  const appArn = "arn:aws:sns:us-east-1:000000000000:app/GCM/app"
  const endpointArn = "arn:aws:sns:us-east-1:000000000000:endpoint/GCM/app/0f4d5c1e-7a51-4a0c-9a53-3f2f6f4a1b2c"

  it("CreatePlatformApplication, Get/SetPlatformApplicationAttributes, DeletePlatformApplication", async () => {
    const created = await send(
      new SNS.CreatePlatformApplicationCommand({ Name: "app", Platform: "GCM", Attributes: { PlatformCredential: "k & <key>" } }),
      { createPlatformApplication: { platformApplicationArn: appArn } }
    )
    expect(created.calls).toEqual([{ method: "createPlatformApplication", args: [{ name: "app", platform: "GCM", attributes: { PlatformCredential: "k & <key>" } }] }])
    expect(created.result).toEqual({ PlatformApplicationArn: appArn })
    const got = await send(new SNS.GetPlatformApplicationAttributesCommand({ PlatformApplicationArn: appArn }), {
      getPlatformApplicationAttributes: { Enabled: "true" }
    })
    expect(got.result).toEqual({ Attributes: { Enabled: "true" } })
    const set = await send(new SNS.SetPlatformApplicationAttributesCommand({ PlatformApplicationArn: appArn, Attributes: { SuccessFeedbackSampleRate: "5" } }))
    expect(set.calls).toEqual([{ method: "setPlatformApplicationAttributes", args: [appArn, { SuccessFeedbackSampleRate: "5" }] }])
    const deleted = await send(new SNS.DeletePlatformApplicationCommand({ PlatformApplicationArn: appArn }))
    expect(deleted.calls).toEqual([{ method: "deletePlatformApplication", args: [appArn] }])
  })

  it("ListPlatformApplications and ListEndpointsByPlatformApplication: ARNs, attributes and NextToken", async () => {
    const apps = await send(new SNS.ListPlatformApplicationsCommand({ NextToken: "100" }), {
      listPlatformApplications: { items: [{ arn: appArn, attributes: { Enabled: "true" } }], nextToken: "200" }
    })
    expect(apps.calls).toEqual([{ method: "listPlatformApplications", args: ["100"] }])
    expect(apps.result).toEqual({ PlatformApplications: [{ PlatformApplicationArn: appArn, Attributes: { Enabled: "true" } }], NextToken: "200" })
    const endpoints = await send(new SNS.ListEndpointsByPlatformApplicationCommand({ PlatformApplicationArn: appArn }), {
      listEndpointsByPlatformApplication: { items: [{ arn: endpointArn, attributes: { Token: "t", Enabled: "false" } }], nextToken: undefined }
    })
    expect(endpoints.calls).toEqual([{ method: "listEndpointsByPlatformApplication", args: [appArn, undefined] }])
    expect(endpoints.result).toEqual({ Endpoints: [{ EndpointArn: endpointArn, Attributes: { Token: "t", Enabled: "false" } }] })
  })

  it("CreatePlatformEndpoint, Get/SetEndpointAttributes, DeleteEndpoint", async () => {
    const created = await send(
      new SNS.CreatePlatformEndpointCommand({ PlatformApplicationArn: appArn, Token: "tok", CustomUserData: "u", Attributes: { Enabled: "false" } }),
      { createPlatformEndpoint: { endpointArn } }
    )
    expect(created.calls).toEqual([
      { method: "createPlatformEndpoint", args: [{ applicationArn: appArn, token: "tok", customUserData: "u", attributes: { Enabled: "false" } }] }
    ])
    expect(created.result).toEqual({ EndpointArn: endpointArn })
    const got = await send(new SNS.GetEndpointAttributesCommand({ EndpointArn: endpointArn }), { getEndpointAttributes: { Token: "tok", Enabled: "true" } })
    expect(got.result).toEqual({ Attributes: { Token: "tok", Enabled: "true" } })
    const set = await send(new SNS.SetEndpointAttributesCommand({ EndpointArn: endpointArn, Attributes: { Enabled: "false" } }))
    expect(set.calls).toEqual([{ method: "setEndpointAttributes", args: [endpointArn, { Enabled: "false" }] }])
    const deleted = await send(new SNS.DeleteEndpointCommand({ EndpointArn: endpointArn }))
    expect(deleted.calls).toEqual([{ method: "deleteEndpoint", args: [endpointArn] }])
  })

  it("EndpointDisabled reaches the SDK as EndpointDisabledException, 400", async () => {
    const error = await send(new SNS.PublishCommand({ TargetArn: endpointArn, Message: "m" }), {
      publish: new Errors.EndpointDisabled({ message: "Endpoint is disabled" })
    }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SNS.EndpointDisabledException)
    expect(error).toMatchObject({ message: "Endpoint is disabled", $metadata: { httpStatusCode: 400 } })
  })

  it("SetSMSAttributes and GetSMSAttributes: the lower-case attributes members", async () => {
    const set = await send(new SNS.SetSMSAttributesCommand({ attributes: { DefaultSMSType: "Transactional" } }))
    expect(set.calls).toEqual([{ method: "setSmsAttributes", args: [{ DefaultSMSType: "Transactional" }] }])
    const got = await send(new SNS.GetSMSAttributesCommand({ attributes: ["DefaultSMSType", "MonthlySpendLimit"] }), {
      getSmsAttributes: { DefaultSMSType: "Transactional" }
    })
    expect(got.calls).toEqual([{ method: "getSmsAttributes", args: [["DefaultSMSType", "MonthlySpendLimit"]] }])
    expect(got.result).toEqual({ attributes: { DefaultSMSType: "Transactional" } })
  })

  it("CheckIfPhoneNumberIsOptedOut, ListPhoneNumbersOptedOut and OptInPhoneNumber", async () => {
    const checked = await send(new SNS.CheckIfPhoneNumberIsOptedOutCommand({ phoneNumber: "+15555550100" }), { checkIfPhoneNumberIsOptedOut: true })
    expect(checked.calls).toEqual([{ method: "checkIfPhoneNumberIsOptedOut", args: ["+15555550100"] }])
    expect(checked.result).toEqual({ isOptedOut: true })
    const listed = await send(new SNS.ListPhoneNumbersOptedOutCommand({ nextToken: "t" }), {
      listPhoneNumbersOptedOut: { phoneNumbers: ["+15555550100", "+15555550101"], nextToken: "n" }
    })
    expect(listed.calls).toEqual([{ method: "listPhoneNumbersOptedOut", args: ["t"] }])
    expect(listed.result).toEqual({ phoneNumbers: ["+15555550100", "+15555550101"], nextToken: "n" })
    const optedIn = await send(new SNS.OptInPhoneNumberCommand({ phoneNumber: "+15555550100" }))
    expect(optedIn.calls).toEqual([{ method: "optInPhoneNumber", args: ["+15555550100"] }])
  })

  it("the SMS sandbox actions and ListOriginationNumbers", async () => {
    const status = await send(new SNS.GetSMSSandboxAccountStatusCommand({}), { getSmsSandboxAccountStatus: { isInSandbox: true } })
    expect(status.result).toEqual({ IsInSandbox: true })
    const created = await send(new SNS.CreateSMSSandboxPhoneNumberCommand({ PhoneNumber: "+15555550100", LanguageCode: "de-DE" }))
    expect(created.calls).toEqual([{ method: "createSmsSandboxPhoneNumber", args: ["+15555550100", "de-DE"] }])
    const verified = await send(new SNS.VerifySMSSandboxPhoneNumberCommand({ PhoneNumber: "+15555550100", OneTimePassword: "123456" }))
    expect(verified.calls).toEqual([{ method: "verifySmsSandboxPhoneNumber", args: ["+15555550100", "123456"] }])
    const deleted = await send(new SNS.DeleteSMSSandboxPhoneNumberCommand({ PhoneNumber: "+15555550100" }))
    expect(deleted.calls).toEqual([{ method: "deleteSmsSandboxPhoneNumber", args: ["+15555550100"] }])
    const listed = await send(new SNS.ListSMSSandboxPhoneNumbersCommand({ MaxResults: 5, NextToken: "t" }), {
      listSmsSandboxPhoneNumbers: { phoneNumbers: [{ phoneNumber: "+15555550100", status: "Verified" }], nextToken: undefined }
    })
    expect(listed.calls).toEqual([{ method: "listSmsSandboxPhoneNumbers", args: ["t", 5] }])
    expect(listed.result).toEqual({ PhoneNumbers: [{ PhoneNumber: "+15555550100", Status: "Verified" }] })
    const origination = await send(new SNS.ListOriginationNumbersCommand({ MaxResults: 3 }), { listOriginationNumbers: { phoneNumbers: [], nextToken: undefined } })
    expect(origination.calls).toEqual([{ method: "listOriginationNumbers", args: [undefined, 3] }])
  })

  it("VerificationException reaches the SDK as VerificationException, 400", async () => {
    const error = await send(new SNS.VerifySMSSandboxPhoneNumberCommand({ PhoneNumber: "+15555550100", OneTimePassword: "1" }), {
      verifySmsSandboxPhoneNumber: new Errors.VerificationException({ message: "Invalid one-time password", status: "Pending" })
    }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SNS.VerificationException)
    expect(error).toMatchObject({ message: "Invalid one-time password", $metadata: { httpStatusCode: 400 } })
  })
})
