/**
 * Test support: a fake `SnsService` that records each call and answers what a test sets, and an AWS
 * SDK v3 client whose HTTP handler hands the SDK's own request body to `dispatchBody` (below) and the answer
 * back to the SDK's own deserialiser.
 */
import { SNSClient } from "@aws-sdk/client-sns"
import type { Errors, RequestContext, Sns } from "@sealcast/core"
import { Effect, Either } from "effect"
import type { Response } from "../../src/HttpResponse.js"
import * as Form from "../../src/query/Form.js"
import { dispatch, errorResponse } from "../../src/sns/index.js"

/**
 * Parses a form body and runs it, as the server glue does for a POST: a malformed body is answered
 * like any other error.
 */
export const dispatchBody = (
  body: Uint8Array,
  sns: Sns.SnsService,
  caller: RequestContext.RequestContext | undefined,
  requestId: string
): Effect.Effect<Response<string>> =>
  Either.match(Form.parse(body), {
    onLeft: (error) => Effect.succeed(errorResponse(error, requestId)),
    onRight: (form) => dispatch(form, sns, caller, requestId)
  })

export const ctx: RequestContext.RequestContext = {
  accountId: "000000000000",
  principalArn: "arn:aws:iam::000000000000:root",
  region: "us-east-1",
  transport: "https",
  auth: "sigv4"
}

type Method = Exclude<keyof Sns.SnsService, "registry" | "openBody" | "events">

export interface Call {
  readonly method: Method
  readonly args: ReadonlyArray<unknown>
}

/**
 * A fake core. `answers` gives each method's result (or an error to fail with); calls are recorded
 * without the trailing RequestContext, which `contexts` keeps.
 */
export const fakeSns = (answers: Partial<Record<Method, unknown>> = {}) => {
  const calls: Array<Call> = []
  const contexts: Array<RequestContext.RequestContext | undefined> = []
  const answer =
    (method: Method) =>
    (...args: Array<unknown>): Effect.Effect<never, Errors.SnsError> => {
      contexts.push(args[args.length - 1] as RequestContext.RequestContext | undefined)
      calls.push({ method, args: args.slice(0, -1) })
      const value = answers[method]
      return (isSnsError(value) ? Effect.fail(value) : Effect.succeed(value)) as Effect.Effect<never, Errors.SnsError>
    }
  const methods: ReadonlyArray<Method> = [
    "createTopic", "deleteTopic", "listTopics", "getTopicAttributes", "setTopicAttributes", "subscribe",
    "confirmSubscription", "unsubscribe", "listSubscriptions", "listSubscriptionsByTopic",
    "getSubscriptionAttributes", "setSubscriptionAttributes", "publish", "publishBatch", "tagResource",
    "untagResource", "listTagsForResource", "addPermission", "removePermission", "getDataProtectionPolicy",
    "putDataProtectionPolicy", "createPlatformApplication", "getPlatformApplicationAttributes",
    "setPlatformApplicationAttributes", "listPlatformApplications", "deletePlatformApplication", "createPlatformEndpoint",
    "getEndpointAttributes", "setEndpointAttributes", "listEndpointsByPlatformApplication", "deleteEndpoint",
    "setSmsAttributes", "getSmsAttributes", "checkIfPhoneNumberIsOptedOut", "listPhoneNumbersOptedOut", "optInPhoneNumber",
    "getSmsSandboxAccountStatus", "createSmsSandboxPhoneNumber", "verifySmsSandboxPhoneNumber", "deleteSmsSandboxPhoneNumber",
    "listSmsSandboxPhoneNumbers", "listOriginationNumbers"
  ]
  const service = Object.fromEntries(methods.map((m) => [m, answer(m)])) as unknown as Sns.SnsService
  return { service, calls, contexts }
}

const isSnsError = (value: unknown): value is Errors.SnsError =>
  typeof value === "object" && value !== null && "_tag" in value && value instanceof Error

/**
 * An SNS client of the real SDK, wired to `dispatchBody` with the given fake. `responses` keeps every
 * raw answer so a test can look at the XML too.
 */
export const sdkClient = (service: Sns.SnsService) => {
  const responses: Array<Response<string>> = []
  const requests: Array<string> = []
  const client = new SNSClient({
    region: "us-east-1",
    endpoint: "https://127.0.0.1:9443",
    credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" },
    maxAttempts: 1,
    requestHandler: {
      handle: async (request: { body?: unknown }) => {
        const body = typeof request.body === "string" ? request.body : ""
        requests.push(body)
        const response = await Effect.runPromise(dispatchBody(new TextEncoder().encode(body), service, ctx, "req-1"))
        responses.push(response)
        return {
          response: {
            statusCode: response.status,
            headers: { "content-type": response.contentType, "x-amzn-requestid": "req-1" },
            body: new TextEncoder().encode(response.body)
          }
        }
      }
    }
  })
  return { client, responses, requests }
}
