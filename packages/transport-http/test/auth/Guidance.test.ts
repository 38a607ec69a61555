import { Effect, Either } from "effect"
import { describe, expect, it } from "vitest"
import { InvalidClientTokenId, SignatureDoesNotMatch } from "../../src/auth/AuthErrors.js"
import { explainRefusal, withUnknownKeyHint } from "../../src/auth/Guidance.js"
import { verifySigV4 } from "../../src/auth/SigV4.js"
import { signWithSmithy } from "./smithy.js"
import { exampleCredential, lookupOf, run } from "./support.js"

const NOW = Date.parse("2026-11-28T12:00:00Z")
const listTopics = {
  method: "POST",
  path: "/",
  query: {},
  headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
  body: new TextEncoder().encode("Action=ListTopics&Version=2010-03-31")
}
const signed = (options: { readonly region?: string; readonly service?: string; readonly accessKeyId?: string } = {}) =>
  signWithSmithy(listTopics, { date: new Date(NOW), ...options })
const expected = { service: "sns", region: "us-east-1" }

describe("Guidance", () => {
  it("an unknown access key is refused with AWS's text, the key and the hint; a known one passes", async () => {
    const lookup = withUnknownKeyHint(lookupOf(exampleCredential()), "Keys are in ./creds.")
    const unknown = await signed({ accessKeyId: "test" })
    expect(run(verifySigV4(unknown, { ...expected, now: NOW, lookup }))).toEqual(Either.left(new InvalidClientTokenId({
      message: "The security token included in the request is invalid. This endpoint has no access key 'test'. Keys are in ./creds."
    })))
    expect(Either.isRight(run(verifySigV4(await signed(), { ...expected, now: NOW, lookup })))).toBe(true)
    expect(Effect.runSync(lookup("AKIDEXAMPLE"))).toEqual(exampleCredential())
  })

  it("a scope for another region names the region served", async () => {
    const parts = await signed({ region: "eu-west-1" })
    const refusal = Either.getOrThrowWith(
      Either.flip(run(verifySigV4(parts, { ...expected, now: NOW, lookup: lookupOf(exampleCredential()) }))),
      () => new Error("expected a refusal")
    )
    expect(explainRefusal(parts, refusal, expected)).toEqual(new SignatureDoesNotMatch({
      message: "Credential should be scoped to a valid region, not 'eu-west-1'. This endpoint serves region us-east-1: sign for us-east-1."
    }))
  })

  it("a service not served is named, in the protocol's unknown-action error; a served one keeps AWS's scope error", async () => {
    const scopeError = new SignatureDoesNotMatch({ message: "Credential should be scoped to correct service: 'sns'." })
    const sts = await signed({ service: "sts" })
    expect(explainRefusal(sts, scopeError, expected)).toMatchObject({ _tag: "InvalidAction", message: "Sealcast does not serve sts; this endpoint serves sns, sqs and kms." })
    expect(explainRefusal(sts, scopeError, { ...expected, service: "kms" })).toMatchObject({ _tag: "UnknownOperationException" })
    expect(explainRefusal(sts, scopeError, { ...expected, service: "sqs" })).toMatchObject({ _tag: "UnknownOperationException" })
    const kms = await signed({ service: "kms" })
    expect(explainRefusal(kms, scopeError, expected)).toBe(scopeError)
  })

  it("an SQS request that reaches the SNS route is told how SQS requests are told apart", async () => {
    const scopeError = new SignatureDoesNotMatch({ message: "Credential should be scoped to correct service: 'sns'." })
    const sqs = await signed({ service: "sqs" })
    expect(explainRefusal(sqs, scopeError, expected)).toMatchObject({
      _tag: "InvalidAction",
      message: "An SQS request in the AWS Query protocol names Version=2012-11-05 or is posted to its queue's URL; in the AWS JSON protocol it carries X-Amz-Target: AmazonSQS.<Action>."
    })
  })

  it("other refusals, and requests without a SigV4 scope, are left as they are", async () => {
    const other = new InvalidClientTokenId({ message: "x" })
    expect(explainRefusal(await signed({ service: "sqs" }), other, expected)).toBe(other)
    const mismatch = new SignatureDoesNotMatch({ message: "y" })
    const unsigned = { ...(await signed()), rawHeaders: [] }
    expect(explainRefusal(unsigned, mismatch, expected)).toBe(mismatch)
  })
})
