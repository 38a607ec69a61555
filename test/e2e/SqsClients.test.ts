/**
 * SQS through the Python clients against a `sealcast serve` child process, set up with nothing but
 * the endpoint, the credentials file the broker wrote (profile `sealcast`) and its CA bundle
 * (docs/CONTRACT.md, "The endpoint"): the AWS CLI's `aws sqs` and a boto3 script. Both speak the AWS
 * JSON 1.0 protocol of the botocore SQS model and check the MD5 digests of what they receive.
 */
import { spawnSync } from "node:child_process"
import { createHash } from "node:crypto"
import { mkdtempSync, realpathSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { awsCliMissing, botocoreMissing } from "./support/Botocore.js"
import { contractEnvironment, type Served, serve } from "./support/Serve.js"

const dataDir = realpathSync(mkdtempSync(join(tmpdir(), "sealcast-sqs-clients-")))
let broker: Served

beforeAll(async () => {
  broker = await serve(["--port", "0", "--data-dir", dataDir, "--log-level", "warn"])
})

afterAll(async () => {
  await broker.stop("SIGKILL")
  rmSync(dataDir, { recursive: true, force: true })
})

/**
 * The CLI test makes eighteen `aws` runs, one after another, each a Python start-up that takes seconds
 * on a loaded machine and is bounded by its own 60 s; the suite's default of 120 s is for one step.
 */
const CLI_TEST_TIMEOUT_MS = 600_000

/** Runs `aws --endpoint-url <broker> <args>`: its JSON output, or its exit status and error text. */
const aws = (...args: ReadonlyArray<string>): { readonly status: number | null; readonly out: Record<string, unknown>; readonly stderr: string } => {
  const run = spawnSync("aws", ["--endpoint-url", broker.ready.https, "--output", "json", ...args], { env: contractEnvironment(dataDir), encoding: "utf8", timeout: 60_000 })
  return { status: run.status, out: run.status === 0 && run.stdout.trim() !== "" ? (JSON.parse(run.stdout) as Record<string, unknown>) : {}, stderr: run.stderr }
}
const awsOk = (...args: ReadonlyArray<string>): Record<string, unknown> => {
  const run = aws(...args)
  if (run.status !== 0) throw new Error(`aws ${args.join(" ")} failed (${run.status}): ${run.stderr}`)
  return run.out
}

const BOTO3_SCRIPT = `
import json, sys
import boto3
sqs = boto3.client("sqs", endpoint_url=sys.argv[1])
dlq = sqs.create_queue(QueueName="boto3-dead.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
url = sqs.create_queue(QueueName="boto3-jobs.fifo", Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true",
      "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 1})})["QueueUrl"]
sent = sqs.send_message_batch(QueueUrl=url, Entries=[
    {"Id": "a", "MessageBody": "first", "MessageGroupId": "g", "MessageAttributes": {"k": {"DataType": "String", "StringValue": "v"}}},
    {"Id": "b", "MessageBody": "second", "MessageGroupId": "g"}])
got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"], WaitTimeSeconds=1)["Messages"]
sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=got[0]["ReceiptHandle"], VisibilityTimeout=0)
sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=got[1]["ReceiptHandle"], VisibilityTimeout=0)
again = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
moved = sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10)["Messages"]
try:
    sqs.get_queue_url(QueueName="boto3-absent")
    missing = None
except sqs.exceptions.QueueDoesNotExist as e:
    missing = e.response["Error"]["Code"]
print(json.dumps({"sent": len(sent["Successful"]), "bodies": [m["Body"] for m in got], "attribute": got[0]["MessageAttributes"]["k"]["StringValue"],
                  "again": len(again), "moved": [m["Body"] for m in moved], "missing": missing}))
`

const BOTO3_MOVE_SCRIPT = `
import json, sys, time
import boto3
sqs = boto3.client("sqs", endpoint_url=sys.argv[1])
dlq = sqs.create_queue(QueueName="boto3-move-dlq")["QueueUrl"]
dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
src = sqs.create_queue(QueueName="boto3-move-src", Attributes={"RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 1})})["QueueUrl"]
sqs.send_message(QueueUrl=src, MessageBody="lost and found")
while sqs.receive_message(QueueUrl=src, VisibilityTimeout=0).get("Messages"):
    pass
handle = sqs.start_message_move_task(SourceArn=dlq_arn)["TaskHandle"]
for _ in range(100):
    task = sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"][0]
    if task["Status"] != "RUNNING":
        break
    time.sleep(0.1)
back = sqs.receive_message(QueueUrl=src).get("Messages", [])
try:
    sqs.cancel_message_move_task(TaskHandle=handle)
    cancel = "accepted"
except sqs.exceptions.ClientError as e:
    cancel = e.response["Error"]["Code"]
try:
    sqs.list_message_move_tasks(SourceArn=dlq_arn + "-absent")
    missing = "found"
except sqs.exceptions.ResourceNotFoundException as e:
    missing = e.response["Error"]["Code"]
print(json.dumps({"status": task["Status"], "moved": task["ApproximateNumberOfMessagesMoved"], "back": [m["Body"] for m in back], "cancel": cancel, "missing": missing}))
`

describe("the Python clients", () => {
  const cliMissing = awsCliMissing()
  it.skipIf(cliMissing !== undefined)(`the AWS CLI: create, send, receive, delete, attributes, tags, purge, permissions, errors${cliMissing === undefined ? "" : ` (skipped: ${cliMissing})`}`, () => {
    const url = String(awsOk("sqs", "create-queue", "--queue-name", "cli-queue", "--attributes", "VisibilityTimeout=40")["QueueUrl"])
    expect(url).toBe(`${broker.ready.https}/000000000000/cli-queue`)
    expect(awsOk("sqs", "list-queues")["QueueUrls"]).toEqual([url])
    const sent = awsOk("sqs", "send-message", "--queue-url", url, "--message-body", "from the cli", "--message-attributes", '{"n":{"DataType":"Number","StringValue":"3"}}')
    expect(sent["MD5OfMessageBody"]).toBe(createHash("md5").update("from the cli").digest("hex"))
    const received = awsOk("sqs", "receive-message", "--queue-url", url, "--message-attribute-names", "All", "--attribute-names", "All")
    const [message] = received["Messages"] as Array<Record<string, unknown>>
    expect(message!["Body"]).toBe("from the cli")
    expect(message!["MessageId"]).toBe(sent["MessageId"])
    expect((message!["Attributes"] as Record<string, string>)["ApproximateReceiveCount"]).toBe("1")
    awsOk("sqs", "delete-message", "--queue-url", url, "--receipt-handle", String(message!["ReceiptHandle"]))
    const attributes = awsOk("sqs", "get-queue-attributes", "--queue-url", url, "--attribute-names", "VisibilityTimeout", "ApproximateNumberOfMessages")["Attributes"]
    expect(attributes).toEqual({ VisibilityTimeout: "40", ApproximateNumberOfMessages: "0" })
    awsOk("sqs", "tag-queue", "--queue-url", url, "--tags", "team=a")
    expect(awsOk("sqs", "list-queue-tags", "--queue-url", url)["Tags"]).toEqual({ team: "a" })
    awsOk("sqs", "purge-queue", "--queue-url", url)
    const refused = aws("sqs", "purge-queue", "--queue-url", url)
    expect(refused.status).not.toBe(0)
    expect(refused.stderr).toContain("PurgeQueueInProgress")
    const missing = aws("sqs", "get-queue-url", "--queue-name", "cli-absent")
    expect(missing.stderr).toContain("AWS.SimpleQueueService.NonExistentQueue")
    awsOk("sqs", "add-permission", "--queue-url", url, "--label", "partner", "--aws-account-ids", "111111111111", "--actions", "SendMessage")
    const policy = JSON.parse(String((awsOk("sqs", "get-queue-attributes", "--queue-url", url, "--attribute-names", "Policy")["Attributes"] as Record<string, string>)["Policy"]))
    expect(policy.Statement).toEqual([expect.objectContaining({ Sid: "partner", Action: "SQS:SendMessage", Principal: { AWS: "arn:aws:iam::111111111111:root" } })])
    awsOk("sqs", "remove-permission", "--queue-url", url, "--label", "partner")
    expect(aws("sqs", "remove-permission", "--queue-url", url, "--label", "partner").stderr).toContain("InvalidParameterValue")
    awsOk("sqs", "delete-queue", "--queue-url", url)
  }, CLI_TEST_TIMEOUT_MS)

  const boto3Missing = botocoreMissing("boto3")
  it.skipIf(boto3Missing !== undefined)(`boto3: a FIFO queue's batch, order, redrive to its dead-letter queue, and a typed error${boto3Missing === undefined ? "" : ` (skipped: ${boto3Missing})`}`, () => {
    const run = spawnSync("python3", ["-c", BOTO3_SCRIPT, broker.ready.https], { env: contractEnvironment(dataDir), encoding: "utf8", timeout: 60_000 })
    if (run.status !== 0) throw new Error(`boto3 script failed (${run.status}): ${run.stderr}`)
    expect(JSON.parse(run.stdout)).toEqual({
      sent: 2,
      bodies: ["first", "second"],
      attribute: "v",
      again: 0,
      moved: ["first", "second"],
      missing: "AWS.SimpleQueueService.NonExistentQueue"
    })
  })

  it.skipIf(boto3Missing !== undefined)(`boto3: a message move task back from the dead-letter queue, and its errors${boto3Missing === undefined ? "" : ` (skipped: ${boto3Missing})`}`, () => {
    const run = spawnSync("python3", ["-c", BOTO3_MOVE_SCRIPT, broker.ready.https], { env: contractEnvironment(dataDir), encoding: "utf8", timeout: 60_000 })
    if (run.status !== 0) throw new Error(`boto3 script failed (${run.status}): ${run.stderr}`)
    expect(JSON.parse(run.stdout)).toEqual({ status: "COMPLETED", moved: 1, back: ["lost and found"], cancel: "InvalidParameterValue", missing: "ResourceNotFoundException" })
  })
})
