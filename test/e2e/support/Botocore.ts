/**
 * botocore (the AWS SDK for Python's core) as an independent second client: its SigV2 signer for the
 * legacy requests the JS SDK no longer makes. Suites that need it skip, with the reason, on a machine
 * without python3 and botocore.
 */
import { spawnSync } from "node:child_process"

/** Why botocore cannot be used here, or undefined when it can. */
export const botocoreMissing = (module: "botocore" | "boto3" = "botocore"): string | undefined => {
  const probe = spawnSync("python3", ["-c", `import ${module}`], { encoding: "utf8" })
  if (probe.error !== undefined) return `python3 is not available (${probe.error.message})`
  return probe.status === 0 ? undefined : `python3 cannot import ${module}: ${probe.stderr.trim()}`
}

/**
 * Signs the SNS Query parameters `params` for a POST to `url` with botocore's `SigV2Auth` (HmacSHA256,
 * "Signature Version 2 signing process" in the AWS General Reference); answers the form body to send.
 */
const SIGN_V2 = `
import json, sys
from botocore.auth import SigV2Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
args = json.load(sys.stdin)
request = AWSRequest(method="POST", url=args["url"], data=args["params"])
SigV2Auth(Credentials(args["accessKeyId"], args["secretAccessKey"])).add_auth(request)
body = request.prepare().body
print(body if isinstance(body, str) else body.decode("utf-8"))
`

export const signSigV2 = (
  url: string,
  params: Readonly<Record<string, string>>,
  credentials: { readonly accessKeyId: string; readonly secretAccessKey: string }
): string => {
  const run = spawnSync("python3", ["-c", SIGN_V2], { input: JSON.stringify({ url, params, ...credentials }), encoding: "utf8" })
  if (run.status !== 0) throw new Error(`botocore could not sign: ${run.stderr}`)
  return run.stdout.trim()
}

/** Why the AWS CLI cannot be used here, or undefined when it can. */
export const awsCliMissing = (): string | undefined => {
  const probe = spawnSync("aws", ["--version"], { encoding: "utf8" })
  if (probe.error !== undefined) return `the aws command is not available (${probe.error.message})`
  return probe.status === 0 ? undefined : `aws --version failed: ${probe.stderr.trim()}`
}
