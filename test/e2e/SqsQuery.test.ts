/**
 * SQS in the AWS Query protocol (`Version=2012-11-05`, a form posted to `/` or to the queue's URL;
 * XML answers in the 2012-11-05 namespace), as older SDKs speak it, with requests signed by the AWS
 * SDK's own SigV4 signer for scope `sqs` (docs/CONTRACT.md, "The endpoint").
 */
import { createHash } from "node:crypto"
import { describe, expect, it } from "vitest"
import { type RawResponse, sendSigned } from "./support/Clients.js"
import { useBroker } from "./support/Fixture.js"

const live = useBroker()

const query = (params: Record<string, string>, path = "/"): Promise<RawResponse> =>
  sendSigned(live.target, {
    method: "POST",
    path,
    service: "sqs",
    headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
    body: new URLSearchParams({ Version: "2012-11-05", ...params }).toString()
  })

const between = (xml: string, tag: string): Array<string> => [...xml.matchAll(new RegExp(`<${tag}>([^<]*)</${tag}>`, "g"))].map((m) => m[1]!)

describe("SQS in the AWS Query protocol", () => {
  it("CreateQueue, SendMessage to the queue's path, ReceiveMessage, GetQueueAttributes, DeleteMessage, DeleteQueue", async () => {
    const created = await query({ Action: "CreateQueue", QueueName: "query-q", "Attribute.1.Name": "VisibilityTimeout", "Attribute.1.Value": "50", "Tag.1.Key": "team", "Tag.1.Value": "a" })
    expect(created.status).toBe(200)
    expect(created.body).toContain('<CreateQueueResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/">')
    const [url] = between(created.body, "QueueUrl")
    expect(url).toBe(`${live.target.endpoint}/000000000000/query-q`)
    const path = new URL(url!).pathname

    const sent = await query(
      {
        Action: "SendMessage",
        MessageBody: "from the query protocol",
        "MessageAttribute.1.Name": "n",
        "MessageAttribute.1.Value.DataType": "Number",
        "MessageAttribute.1.Value.StringValue": "5"
      },
      path
    )
    expect(sent.status).toBe(200)
    expect(between(sent.body, "MD5OfMessageBody")).toEqual([createHash("md5").update("from the query protocol").digest("hex")])
    expect(between(sent.body, "MD5OfMessageAttributes")).toHaveLength(1)

    const received = await query({ Action: "ReceiveMessage", QueueUrl: url!, "MessageAttributeName.1": "All", "AttributeName.1": "ApproximateReceiveCount" })
    expect(received.status).toBe(200)
    expect(between(received.body, "Body")).toEqual(["from the query protocol"])
    expect(received.body).toContain("<Attribute><Name>ApproximateReceiveCount</Name><Value>1</Value></Attribute>")
    expect(received.body).toContain("<MessageAttribute><Name>n</Name><Value><DataType>Number</DataType><StringValue>5</StringValue></Value></MessageAttribute>")
    const [handle] = between(received.body, "ReceiptHandle")

    const attributes = await query({ Action: "GetQueueAttributes", "AttributeName.1": "VisibilityTimeout" }, path)
    expect(attributes.body).toContain("<Attribute><Name>VisibilityTimeout</Name><Value>50</Value></Attribute>")
    const tags = await query({ Action: "ListQueueTags" }, path)
    expect(tags.body).toContain("<Tag><Key>team</Key><Value>a</Value></Tag>")

    const deleted = await query({ Action: "DeleteMessage", ReceiptHandle: handle! }, path)
    expect(deleted.status).toBe(200)
    expect(deleted.body).not.toContain("DeleteMessageResult")
    expect(between(deleted.body, "RequestId")).toHaveLength(1)

    const batch = await query(
      {
        Action: "SendMessageBatch",
        "SendMessageBatchRequestEntry.1.Id": "a",
        "SendMessageBatchRequestEntry.1.MessageBody": "one",
        "SendMessageBatchRequestEntry.2.Id": "b",
        "SendMessageBatchRequestEntry.2.MessageBody": "two",
        "SendMessageBatchRequestEntry.2.DelaySeconds": "901"
      },
      path
    )
    expect(between(batch.body, "Id")).toEqual(["a", "b"])
    expect(batch.body).toContain("<SendMessageBatchResultEntry><Id>a</Id>")
    expect(batch.body).toContain("<BatchResultErrorEntry><Id>b</Id><SenderFault>true</SenderFault><Code>InvalidParameterValue</Code>")

    expect((await query({ Action: "DeleteQueue" }, path)).status).toBe(200)
  })

  it("AddPermission and RemovePermission edit the queue policy; their errors are SQS's", async () => {
    const [url] = between((await query({ Action: "CreateQueue", QueueName: "query-shared" })).body, "QueueUrl")
    const path = new URL(url!).pathname
    const added = await query({ Action: "AddPermission", Label: "partner", "AWSAccountId.1": "111111111111", "ActionName.1": "SendMessage", "ActionName.2": "ReceiveMessage" }, path)
    expect(added.status).toBe(200)
    expect(added.body).toContain("<AddPermissionResponse")
    const [policy] = between((await query({ Action: "GetQueueAttributes", "AttributeName.1": "Policy" }, path)).body.replaceAll("&quot;", '"'), "Value")
    expect(JSON.parse(policy!).Statement).toEqual([
      {
        Sid: "partner",
        Effect: "Allow",
        Principal: { AWS: "arn:aws:iam::111111111111:root" },
        Action: ["SQS:SendMessage", "SQS:ReceiveMessage"],
        Resource: "arn:aws:sqs:us-east-1:000000000000:query-shared"
      }
    ])
    const again = await query({ Action: "AddPermission", Label: "partner", "AWSAccountId.1": "111111111111", "ActionName.1": "SendMessage" }, path)
    expect([again.status, between(again.body, "Code")]).toEqual([400, ["InvalidParameterValue"]])
    const tooMany = await query(
      { Action: "AddPermission", Label: "many", "AWSAccountId.1": "111111111111", ...Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`ActionName.${i + 1}`, "SendMessage"])) },
      path
    )
    expect([tooMany.status, between(tooMany.body, "Code")]).toEqual([403, ["OverLimit"]])
    expect((await query({ Action: "RemovePermission", Label: "partner" }, path)).status).toBe(200)
    const gone = await query({ Action: "RemovePermission", Label: "partner" }, path)
    expect(between(gone.body, "Code")).toEqual(["InvalidParameterValue"])
  })

  it("errors are ErrorResponse documents with SQS's Query codes", async () => {
    const missing = await query({ Action: "GetQueueUrl", QueueName: "query-absent" })
    expect(missing.status).toBe(400)
    expect(missing.body).toContain('<ErrorResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/">')
    expect(missing.body).toContain("<Type>Sender</Type><Code>AWS.SimpleQueueService.NonExistentQueue</Code><Message>The specified queue does not exist.</Message>")
    const unknown = await query({ Action: "Frobnicate" })
    expect(unknown.status).toBe(400)
    expect(between(unknown.body, "Code")).toEqual(["InvalidAction"])
    const notInteger = await query({ Action: "ReceiveMessage", QueueUrl: `${live.target.endpoint}/000000000000/query-absent`, MaxNumberOfMessages: "many" })
    expect(between(notInteger.body, "Code")).toEqual(["InvalidParameterValue"])
  })
})
