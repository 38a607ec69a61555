/**
 * Requests AWS accepts, signed by botocore (the AWS SDK for Python's core, independent of the JS SDK),
 * sent over HTTPS to a live broker: header values beyond ASCII sent as the UTF-8 bytes botocore
 * signs, and a presigned POST whose form botocore's presigner moves into the query string. And a body
 * that is not the one its `x-amz-content-sha256` declares, answered as SNS answers it.
 */
import { Sha256 } from "@aws-crypto/sha256-js"
import { CreateTopicCommand } from "@aws-sdk/client-sns"
import { SignatureV4 } from "@smithy/signature-v4"
import { spawnSync } from "node:child_process"
import { createHash } from "node:crypto"
import { describe, expect, it } from "vitest"
import { botocoreMissing } from "./support/Botocore.js"
import { awsErrorOf, send, storedMessages } from "./support/Clients.js"
import { useBroker } from "./support/Fixture.js"

const live = useBroker()

/** botocore signs one request with SigV4 (`query` presigns it) at the current time; answers what to send. */
const SIGN_V4 = `
import json, sys
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
args = json.load(sys.stdin)
credentials = Credentials(args["accessKeyId"], args["secretAccessKey"])
request = AWSRequest(method="POST", url=args["url"], data=args["params"], headers=args["headers"])
auth = SigV4QueryAuth(credentials, "sns", args["region"], expires=300) if args["query"] else SigV4Auth(credentials, "sns", args["region"])
auth.add_auth(request)
prepared = request.prepare()
body = prepared.body or b""
print(json.dumps({"url": prepared.url, "headers": dict(prepared.headers.items()),
                  "body": body if isinstance(body, str) else body.decode("utf-8")}))
`

interface Signed {
  readonly url: string
  readonly headers: Record<string, string>
  readonly body: string
}

const signWithBotocore = (params: Record<string, string>, options: { readonly query: boolean; readonly headers?: Record<string, string> }): Signed => {
  const run = spawnSync("python3", ["-c", SIGN_V4], {
    input: JSON.stringify({
      url: `${live.target.endpoint}/`,
      params,
      headers: options.headers ?? {},
      query: options.query,
      region: live.target.region,
      ...live.target.credentials
    }),
    encoding: "utf8"
  })
  if (run.status !== 0) throw new Error(`botocore could not sign: ${run.stderr}`)
  return JSON.parse(run.stdout) as Signed
}

/** Sends what botocore signed; each header value goes on the wire as its UTF-8 bytes, as botocore signed them. */
const sendSigned = (signed: Signed) => {
  const url = new URL(signed.url)
  const headers = Object.fromEntries(Object.entries(signed.headers).map(([k, v]) => [k, Buffer.from(v, "utf8").toString("latin1")]))
  return send(live.target.endpoint, live.target.caPem, { method: "POST", path: `${url.pathname}${url.search}`, headers, body: signed.body })
}

const missing = botocoreMissing()

describe.skipIf(missing !== undefined)(`botocore-signed requests AWS accepts${missing === undefined ? "" : `: skipped, ${missing}`}`, () => {
  it("header values beyond ASCII are verified over the bytes sent", async () => {
    const signed = signWithBotocore({ Action: "ListTopics", Version: "2010-03-31" }, {
      query: false,
      headers: { "X-Note": "h\u00e9llo \u20ac \u00e0 \u{1f600}", "Content-Type": "application/x-www-form-urlencoded; charset=utf-8" }
    })
    expect(signed.headers["Authorization"]).toContain("x-note")
    const answer = await sendSigned(signed)
    expect(answer.status, answer.body).toBe(200)
    expect(answer.body).toContain("<ListTopicsResponse")
  })

  it("a presigned POST carries its parameters in the query string, and is read from there", async () => {
    const { TopicArn } = await live.sns.send(new CreateTopicCommand({ Name: "presigned-post" }))
    const signed = signWithBotocore(
      { Action: "Publish", Version: "2010-03-31", TopicArn: TopicArn!, Message: "h\u00e9llo \u20ac" },
      { query: true }
    )
    expect(signed.body).toBe("")
    expect(signed.url).toContain("Action=Publish")
    const answer = await sendSigned(signed)
    expect(answer.status, answer.body).toBe(200)
    expect(answer.body).toContain("<MessageId>")
    expect((await storedMessages(live.target, "presigned-post")).map((m) => m.body)).toEqual([{ kind: "Plain", text: "h\u00e9llo \u20ac" }])
  })
})

describe("the body is bound by its own hash", () => {
  it("a body that is not the one x-amz-content-sha256 declares is SignatureDoesNotMatch, 403", async () => {
    const signedBody = "Action=ListTopics&Version=2010-03-31"
    const url = new URL("/", live.target.endpoint)
    const signer = new SignatureV4({ credentials: { ...live.target.credentials }, region: live.target.region, service: "sns", sha256: Sha256 })
    const signed = await signer.sign({
      method: "POST",
      protocol: url.protocol,
      hostname: url.hostname,
      port: Number(url.port),
      path: "/",
      query: {},
      headers: {
        host: url.host,
        "content-type": "application/x-www-form-urlencoded",
        "x-amz-content-sha256": createHash("sha256").update(signedBody).digest("hex")
      },
      body: signedBody
    })
    const answer = await send(live.target.endpoint, live.target.caPem, {
      method: "POST",
      path: "/",
      headers: signed.headers,
      body: "Action=ListTopics&Version=2010-03-31&NextToken=x"
    })
    expect(answer.status).toBe(403)
    expect(awsErrorOf(answer)?.code).toBe("SignatureDoesNotMatch")
  })
})
