/**
 * SQS's Query protocol (`src/sqs/query.ts`): a form read into the JSON request object its action
 * reads, and a JSON answer written in the Query shapes; and SQS's rows of the error table.
 */
import { QueueErrors } from "@sealcast/core"
import { describe, expect, it } from "vitest"
import { describeSqsError, sqsErrorTable } from "../../src/ErrorTable.js"
import * as Xml from "../../src/query/Xml.js"
import { toJsonRequest, toXmlResult } from "../../src/sqs/query.js"

const form = (entries: Record<string, string>) => new Map(Object.entries(entries))

describe("a Query form as the JSON request", () => {
  it("reads attributes, tags, lists, integers and the queue's path", () => {
    expect(
      toJsonRequest(
        "CreateQueue",
        form({ Action: "CreateQueue", Version: "2012-11-05", QueueName: "q", "Attribute.1.Name": "DelaySeconds", "Attribute.1.Value": "5", "Tag.1.Key": "k", "Tag.1.Value": "v" }),
        undefined
      )
    ).toEqual({ QueueName: "q", Attributes: { DelaySeconds: "5" }, tags: { k: "v" } })
    expect(
      toJsonRequest("ReceiveMessage", form({ MaxNumberOfMessages: "3", "AttributeName.1": "All", "MessageAttributeName.1": "a", "MessageAttributeName.2": "b.*" }), "/000000000000/q")
    ).toEqual({ QueueUrl: "/000000000000/q", MaxNumberOfMessages: 3, AttributeNames: ["All"], MessageAttributeNames: ["a", "b.*"] })
  })

  it("reads AddPermission's account ids and action names as the JSON lists", () => {
    expect(
      toJsonRequest(
        "AddPermission",
        form({ QueueUrl: "u", Label: "l", "AWSAccountId.1": "111111111111", "AWSAccountId.2": "222222222222", "ActionName.1": "SendMessage" }),
        undefined
      )
    ).toEqual({ QueueUrl: "u", Label: "l", AWSAccountIds: ["111111111111", "222222222222"], Actions: ["SendMessage"] })
  })

  it("reads batch entries with their message attributes, and leaves a non-integer as text for the action to refuse", () => {
    expect(
      toJsonRequest(
        "SendMessageBatch",
        form({
          QueueUrl: "u",
          "SendMessageBatchRequestEntry.1.Id": "a",
          "SendMessageBatchRequestEntry.1.MessageBody": "x",
          "SendMessageBatchRequestEntry.1.DelaySeconds": "soon",
          "SendMessageBatchRequestEntry.1.MessageAttribute.1.Name": "n",
          "SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.DataType": "Number",
          "SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.StringValue": "1"
        }),
        undefined
      )
    ).toEqual({ QueueUrl: "u", Entries: [{ Id: "a", MessageBody: "x", DelaySeconds: "soon", MessageAttributes: { n: { DataType: "Number", StringValue: "1" } } }] })
  })
})

describe("a JSON answer in the Query shapes", () => {
  const render = (nodes: ReadonlyArray<Xml.Node>) => nodes.map((n) => Xml.render(n).pipe((e) => (e._tag === "Right" ? e.right : ""))).join("")

  it("flattens lists and writes maps as Name/Value and Key/Value pairs", () => {
    expect(render(toXmlResult("ListQueues", { QueueUrls: ["a", "b"], NextToken: "t" }))).toBe("<QueueUrl>a</QueueUrl><QueueUrl>b</QueueUrl><NextToken>t</NextToken>")
    expect(render(toXmlResult("GetQueueAttributes", { Attributes: { DelaySeconds: "0" } }))).toBe("<Attribute><Name>DelaySeconds</Name><Value>0</Value></Attribute>")
    expect(render(toXmlResult("ListQueueTags", { Tags: { k: "v" } }))).toBe("<Tag><Key>k</Key><Value>v</Value></Tag>")
  })

  it("reads StartMessageMoveTask's rate as an integer, and writes ListMessageMoveTasks' entries as flattened Results", () => {
    expect(toJsonRequest("StartMessageMoveTask", form({ SourceArn: "arn:s", MaxNumberOfMessagesPerSecond: "5" }), undefined)).toEqual({
      SourceArn: "arn:s",
      MaxNumberOfMessagesPerSecond: 5
    })
    expect(render(toXmlResult("ListMessageMoveTasks", { Results: [{ Status: "COMPLETED", ApproximateNumberOfMessagesMoved: 2 }, { Status: "CANCELLED" }] }))).toBe(
      "<Results><Status>COMPLETED</Status><ApproximateNumberOfMessagesMoved>2</ApproximateNumberOfMessagesMoved></Results><Results><Status>CANCELLED</Status></Results>"
    )
  })

  it("writes batch results as result entries and error entries", () => {
    expect(
      render(toXmlResult("DeleteMessageBatch", { Successful: [{ Id: "a" }], Failed: [{ Id: "b", SenderFault: true, Code: "ReceiptHandleIsInvalid", Message: "m" }] }))
    ).toBe(
      "<DeleteMessageBatchResultEntry><Id>a</Id></DeleteMessageBatchResultEntry>" +
        "<BatchResultErrorEntry><Id>b</Id><SenderFault>true</SenderFault><Code>ReceiptHandleIsInvalid</Code><Message>m</Message></BatchResultErrorEntry>"
    )
  })
})

describe("SQS's rows of the error table", () => {
  it("has a row for every SQS error, with the Query code and the JSON shape name", () => {
    for (const tag of QueueErrors.sqsErrorTags) expect(Object.hasOwn(sqsErrorTable, tag), tag).toBe(true)
    expect(describeSqsError(new QueueErrors.QueueDoesNotExist({ message: "m" }))).toMatchObject({
      code: "AWS.SimpleQueueService.NonExistentQueue",
      jsonCode: "QueueDoesNotExist",
      status: 400,
      fault: "Sender"
    })
    expect(describeSqsError(new QueueErrors.PurgeQueueInProgress({ message: "m" })).status).toBe(403)
    expect(describeSqsError(new QueueErrors.ResourceNotFoundException({ message: "m" }))).toMatchObject({ code: "ResourceNotFoundException", status: 404 })
    expect(describeSqsError({ _tag: "StoreFailure", message: "m" })).toMatchObject({ status: 500, fault: "Receiver" })
  })
})
