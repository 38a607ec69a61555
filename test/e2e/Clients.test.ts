/**
 * docs/CONTRACT.md, "The command line" and "The endpoint": the AWS CLI and boto3 work against a
 * `sealcast serve` child process with nothing but the endpoint, the credentials file the broker wrote
 * (profile `sealcast`, region included) and its CA bundle, exactly as the contract's example; and
 * SIGTERM stops the broker with exit code 0.
 */
import { spawnSync } from "node:child_process"
import { createPublicKey, verify } from "node:crypto"
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { awsCliMissing, botocoreMissing } from "./support/Botocore.js"
import { storedMessages } from "./support/Clients.js"
import { contractEnvironment, type Served, serve } from "./support/Serve.js"

const dataDir = realpathSync(mkdtempSync(join(tmpdir(), "sealcast-clients-")))
let broker: Served

beforeAll(async () => {
  broker = await serve(["--port", "0", "--data-dir", dataDir, "--log-level", "warn"])
})

afterAll(async () => {
  await broker.stop("SIGKILL")
  rmSync(dataDir, { recursive: true, force: true })
})

/** Runs `aws --endpoint-url <broker> <args>` and parses its JSON output. */
const aws = (...args: ReadonlyArray<string>): Record<string, unknown> => {
  const run = spawnSync("aws", ["--endpoint-url", broker.ready.https, "--output", "json", ...args], {
    env: contractEnvironment(dataDir),
    encoding: "utf8",
    timeout: 60_000
  })
  if (run.status !== 0) throw new Error(`aws ${args.join(" ")} failed (${run.status}): ${run.stderr}`)
  return run.stdout.trim() === "" ? {} : (JSON.parse(run.stdout) as Record<string, unknown>)
}

/** A boto3 session that reads everything from the environment, as a user's script would. */
const BOTO3_SCRIPT = `
import json, sys
import boto3
endpoint = sys.argv[1]
sns = boto3.client("sns", endpoint_url=endpoint)
kms = boto3.client("kms", endpoint_url=endpoint)
key = kms.create_key(Description="from boto3")["KeyMetadata"]
kms.create_alias(AliasName="alias/boto3", TargetKeyId=key["KeyId"])
plain = sns.create_topic(Name="boto3-plain")["TopicArn"]
sealed = sns.create_topic(Name="boto3-sealed", Attributes={"KmsMasterKeyId": "alias/boto3"})["TopicArn"]
published = sns.publish(TopicArn=sealed, Message="from boto3", MessageAttributes={"n": {"DataType": "Number", "StringValue": "7"}})
attributes = sns.get_topic_attributes(TopicArn=sealed)["Attributes"]
topics = [t["TopicArn"] for page in sns.get_paginator("list_topics").paginate() for t in page["Topics"]]
print(json.dumps({"keyArn": key["Arn"], "plain": plain, "sealed": sealed, "messageId": published["MessageId"],
                  "kmsMasterKeyId": attributes.get("KmsMasterKeyId"), "topics": topics}))
`

describe("sealcast serve and the Python clients", () => {
  it("prints one ready line with the endpoint, account, credentials, CA file and data dir", () => {
    expect(broker.ready).toMatchObject({
      event: "ready",
      http: null,
      region: "us-east-1",
      accountId: "000000000000",
      caFile: join(dataDir, "tls", "ca.pem"),
      dataDir
    })
    expect(broker.ready.https).toMatch(/^https:\/\/127\.0\.0\.1:[0-9]+$/)
    expect(broker.stdout().split("\n").filter((line) => line !== "")).toHaveLength(1)
  })

  const cliMissing = awsCliMissing()
  it.skipIf(cliMissing !== undefined)(`the AWS CLI creates a topic and a KMS key, publishes to an encrypted topic, and lists${cliMissing === undefined ? "" : ` (skipped: ${cliMissing})`}`, async () => {
    const plain = aws("sns", "create-topic", "--name", "cli-plain")["TopicArn"]
    expect(plain).toBe("arn:aws:sns:us-east-1:000000000000:cli-plain")
    const key = aws("kms", "create-key", "--description", "from the CLI")["KeyMetadata"] as Record<string, string>
    expect(key).toMatchObject({ KeyState: "Enabled", KeyUsage: "ENCRYPT_DECRYPT" })
    const sealed = aws("sns", "create-topic", "--name", "cli-sealed", "--attributes", `KmsMasterKeyId=${key["KeyId"]}`)["TopicArn"]
    const { MessageId } = aws("sns", "publish", "--topic-arn", String(sealed), "--message", "from the CLI", "--subject", "cli")
    expect(MessageId).toMatch(/^[0-9a-f-]{36}$/)

    const topics = (aws("sns", "list-topics")["Topics"] as Array<{ TopicArn: string }>).map((t) => t.TopicArn)
    expect(topics).toEqual(expect.arrayContaining([plain, sealed]))
    const keys = (aws("kms", "list-keys")["Keys"] as Array<{ KeyId: string }>).map((k) => k.KeyId)
    expect(keys).toContain(key["KeyId"])
    const [stored] = await storedMessages(broker.target, "cli-sealed")
    expect(stored).toMatchObject({ messageId: MessageId, subject: "cli", body: { kind: "Sealed", keyArn: key["Arn"] } })
  })

  it.skipIf(cliMissing !== undefined)(`the AWS CLI: FifoTopic=True makes a FIFO topic, and CreateTopic after SetTopicAttributes returns its ARN${cliMissing === undefined ? "" : ` (skipped: ${cliMissing})`}`, () => {
    const fifo = aws("sns", "create-topic", "--name", "cli-spelled.fifo", "--attributes", "FifoTopic=True")["TopicArn"]
    const attributes = aws("sns", "get-topic-attributes", "--topic-arn", String(fifo))["Attributes"] as Record<string, string>
    expect(attributes["FifoTopic"]).toBe("true")
    const plain = aws("sns", "create-topic", "--name", "cli-renamed")["TopicArn"]
    aws("sns", "set-topic-attributes", "--topic-arn", String(plain), "--attribute-name", "DisplayName", "--attribute-value", "Renamed")
    expect(aws("sns", "create-topic", "--name", "cli-renamed")["TopicArn"]).toBe(plain)
  })

  it.skipIf(cliMissing !== undefined)(`the AWS CLI signs with an ECC key and verifies (aws kms sign, aws kms verify); node:crypto agrees${cliMissing === undefined ? "" : ` (skipped: ${cliMissing})`}`, () => {
    const key = aws("kms", "create-key", "--key-spec", "ECC_NIST_P256", "--key-usage", "SIGN_VERIFY")["KeyMetadata"] as Record<string, string>
    // fileb:// passes the bytes as they are, whichever binary format the CLI version assumes.
    const messageFile = join(dataDir, "cli-message")
    writeFileSync(messageFile, "signed through the CLI")
    const signed = aws("kms", "sign", "--key-id", String(key["KeyId"]), "--message", `fileb://${messageFile}`, "--message-type", "RAW", "--signing-algorithm", "ECDSA_SHA_256")
    expect(signed).toMatchObject({ KeyId: key["Arn"], SigningAlgorithm: "ECDSA_SHA_256" })
    const signature = Buffer.from(String(signed["Signature"]), "base64")
    const signatureFile = join(dataDir, "cli-signature")
    writeFileSync(signatureFile, signature)
    const verified = aws("kms", "verify", "--key-id", String(key["KeyId"]), "--message", `fileb://${messageFile}`, "--signature", `fileb://${signatureFile}`, "--signing-algorithm", "ECDSA_SHA_256")
    expect(verified["SignatureValid"]).toBe(true)
    const publicKey = Buffer.from(String(aws("kms", "get-public-key", "--key-id", String(key["KeyId"]))["PublicKey"]), "base64")
    const outside = createPublicKey({ key: publicKey, format: "der", type: "spki" })
    expect(verify("sha256", Buffer.from("signed through the CLI"), { key: outside, dsaEncoding: "der" }, signature)).toBe(true)
  })

  const boto3Missing = botocoreMissing("boto3")
  it.skipIf(boto3Missing !== undefined)(`boto3 creates a key and alias, publishes to an encrypted topic, and lists${boto3Missing === undefined ? "" : ` (skipped: ${boto3Missing})`}`, async () => {
    const run = spawnSync("python3", ["-c", BOTO3_SCRIPT, broker.ready.https], { env: contractEnvironment(dataDir), encoding: "utf8", timeout: 60_000 })
    if (run.status !== 0) throw new Error(`boto3 script failed (${run.status}): ${run.stderr}`)
    const result = JSON.parse(run.stdout) as { keyArn: string; plain: string; sealed: string; messageId: string; kmsMasterKeyId: string; topics: Array<string> }
    expect(result.kmsMasterKeyId).toBe("alias/boto3")
    expect(result.topics).toEqual(expect.arrayContaining([result.plain, result.sealed]))
    const [stored] = await storedMessages(broker.target, "boto3-sealed")
    expect(stored).toMatchObject({
      messageId: result.messageId,
      attributes: { n: { DataType: "Number", StringValue: "7" } },
      body: { kind: "Sealed", keyArn: result.keyArn }
    })
  })

  it("SIGTERM stops it gracefully with exit code 0", async () => {
    expect(await broker.stop("SIGTERM")).toEqual({ code: 0, signal: null })
    expect(broker.stderr()).not.toMatch(/"level":"error"/)
  })
})
