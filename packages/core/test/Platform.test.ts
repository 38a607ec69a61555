import { Either } from "effect"
import { describe, expect, it } from "vitest"
import * as Platform from "../src/Platform.js"
import * as Publish from "../src/Publish.js"
import * as Registry from "../src/Registry.js"
import type { RequestContext } from "../src/RequestContext.js"

const caller = (accountId: string): RequestContext => ({
  accountId,
  principalArn: `arn:aws:iam::${accountId}:root`,
  region: "us-east-1",
  transport: "https",
  auth: "sigv4"
})
const owner = caller("000000000000")
const stranger = caller("111111111111")

const gcm = { name: "app", platform: "GCM", attributes: { PlatformCredential: "api-key" } }

const withApplication = () => Either.getOrThrow(Platform.createApplication(Registry.empty(), gcm, owner, 1))

const withEndpoint = (token = "device-1") => {
  const app = withApplication()
  return Either.getOrThrow(
    Platform.createEndpoint(app.registry, { applicationArn: app.result.arn, token, customUserData: "u", attributes: {} }, owner, 2, "id-1")
  )
}

const leftTag = <A, E extends { readonly _tag: string; readonly message: string }>(e: Either.Either<A, E>) =>
  Either.isLeft(e) ? { tag: e.left._tag, message: e.left.message } : undefined

describe("platform applications", () => {
  it("are created with an app ARN and recorded as one change; the credentials are never described", () => {
    const created = withApplication()
    expect(created.result.arn).toBe("arn:aws:sns:us-east-1:000000000000:app/GCM/app")
    expect(created.changes).toEqual([{ _tag: "PutPlatformApplication", application: created.result }])
    expect(Platform.describeApplication(created.result)).toEqual({ Enabled: "true" })
  })

  it("need the credentials their platform uses", () => {
    const create = (platform: string, attributes: Record<string, string>) =>
      leftTag(Platform.createApplication(Registry.empty(), { name: "a", platform, attributes }, owner, 1))
    expect(create("GCM", {})?.message).toBe("Invalid parameter: Attributes Reason: PlatformCredential attribute required.")
    expect(create("GCM", { PlatformCredential: "k", PlatformPrincipal: "p" })?.tag).toBe("InvalidParameter")
    for (const platform of ["APNS", "APNS_SANDBOX", "ADM", "BAIDU", "MPNS", "WNS"]) {
      expect(create(platform, { PlatformCredential: "k" })?.message).toBe("Invalid parameter: Attributes Reason: PlatformPrincipal attribute required.")
      expect(create(platform, { PlatformCredential: "k", PlatformPrincipal: "p" })).toBeUndefined()
    }
    expect(create("APNS", { PlatformCredential: "k", PlatformPrincipal: "p", ApplePlatformTeamID: "T" })?.message).toContain("ApplePlatformBundleID")
    expect(create("ADM", { PlatformCredential: "k", PlatformPrincipal: "p", ApplePlatformTeamID: "T" })?.tag).toBe("InvalidParameter")
    expect(create("FCM", { PlatformCredential: "k" })?.message).toContain("Platform")
    expect(create("GCM", { PlatformCredential: "k", Colour: "blue" })?.message).toContain("Invalid attribute name: Colour")
    expect(create("GCM", { PlatformCredential: "k", SuccessFeedbackSampleRate: "101" })?.tag).toBe("InvalidParameter")
    expect(leftTag(Platform.createApplication(Registry.empty(), { ...gcm, name: "no spaces" }, owner, 1))?.message).toContain("Name")
  })

  it("keep their credentials through SetPlatformApplicationAttributes", () => {
    const app = withApplication()
    const cleared = Platform.setApplicationAttributes(app.registry, app.result.arn, { PlatformCredential: "" }, owner)
    expect(leftTag(cleared)?.message).toBe("Invalid parameter: Attributes Reason: PlatformCredential attribute required.")
    const set = Either.getOrThrow(Platform.setApplicationAttributes(app.registry, app.result.arn, { SuccessFeedbackSampleRate: "50" }, owner))
    expect(Platform.describeApplication(set.registry.platformApplications.get(app.result.arn)!)).toEqual({ SuccessFeedbackSampleRate: "50", Enabled: "true" })
  })

  it("belong to their account and say NotFound when missing", () => {
    const app = withApplication()
    expect(leftTag(Platform.applicationFor(app.registry, app.result.arn, stranger, "GetPlatformApplicationAttributes"))?.tag).toBe("AuthorizationError")
    expect(leftTag(Platform.applicationFor(app.registry, `${app.result.arn}x`, owner, "GetPlatformApplicationAttributes"))?.message).toBe(
      "PlatformApplication does not exist"
    )
    expect(leftTag(Platform.applicationFor(app.registry, "arn:aws:sns:us-east-1:000000000000:orders", owner, "x"))?.tag).toBe("InvalidParameter")
  })

  it("take their endpoints with them when deleted; deleting again changes nothing", () => {
    const endpoint = withEndpoint()
    const deleted = Either.getOrThrow(Platform.deleteApplication(endpoint.registry, endpoint.result.applicationArn, owner))
    expect(deleted.changes).toEqual([
      { _tag: "DeletePlatformApplication", applicationArn: endpoint.result.applicationArn, endpointArns: [endpoint.result.arn] }
    ])
    expect(deleted.registry.platformEndpoints.size).toBe(0)
    expect(Either.getOrThrow(Platform.deleteApplication(deleted.registry, endpoint.result.applicationArn, owner)).changes).toEqual([])
  })
})

describe("platform endpoints", () => {
  it("are created enabled, with the token and custom user data", () => {
    const endpoint = withEndpoint()
    expect(endpoint.result.arn).toBe("arn:aws:sns:us-east-1:000000000000:endpoint/GCM/app/id-1")
    expect(Platform.describeEndpoint(endpoint.result)).toEqual({ Enabled: "true", CustomUserData: "u", Token: "device-1" })
  })

  it("are idempotent per token with the same attributes, and refused with different ones", () => {
    const endpoint = withEndpoint()
    const input = { applicationArn: endpoint.result.applicationArn, token: "device-1", customUserData: "u", attributes: {} }
    const again = Either.getOrThrow(Platform.createEndpoint(endpoint.registry, input, owner, 3, "id-2"))
    expect(again).toEqual({ registry: endpoint.registry, changes: [], result: endpoint.result })
    expect(leftTag(Platform.createEndpoint(endpoint.registry, { ...input, customUserData: "other" }, owner, 3, "id-2"))?.message).toBe(
      `Invalid parameter: Token Reason: Endpoint ${endpoint.result.arn} already exists with the same Token, but different attributes.`
    )
  })

  it("check their attributes", () => {
    const endpoint = withEndpoint()
    const set = (attributes: Record<string, string>) => Platform.setEndpointAttributes(endpoint.registry, endpoint.result.arn, attributes, owner)
    expect(leftTag(set({ Enabled: "maybe" }))?.tag).toBe("InvalidParameter")
    expect(leftTag(set({ Token: "" }))?.tag).toBe("InvalidParameter")
    expect(leftTag(set({ CustomUserData: "x".repeat(2049) }))?.tag).toBe("InvalidParameter")
    expect(leftTag(set({ Colour: "blue" }))?.tag).toBe("InvalidParameter")
    const changed = Either.getOrThrow(set({ Enabled: "FALSE", Token: "device-2", CustomUserData: "" }))
    expect(Platform.describeEndpoint(changed.registry.platformEndpoints.get(endpoint.result.arn)!)).toEqual({ Enabled: "false", Token: "device-2" })
    const missing = Platform.createEndpoint(Registry.empty(), { applicationArn: endpoint.result.applicationArn, token: "t", customUserData: undefined, attributes: {} }, owner, 1, "x")
    expect(leftTag(missing)?.tag).toBe("NotFound")
  })

  it("are deleted once; deleting a missing one succeeds", () => {
    const endpoint = withEndpoint()
    const deleted = Either.getOrThrow(Platform.deleteEndpoint(endpoint.registry, endpoint.result.arn, owner))
    expect(deleted.changes).toEqual([{ _tag: "DeletePlatformEndpoint", endpointArn: endpoint.result.arn }])
    expect(Either.getOrThrow(Platform.deleteEndpoint(deleted.registry, endpoint.result.arn, owner)).changes).toEqual([])
    expect(leftTag(Platform.deleteEndpoint(deleted.registry, endpoint.result.arn, stranger))?.tag).toBe("AuthorizationError")
  })

  it("can be subscribed to a topic only when they exist", () => {
    const endpoint = withEndpoint()
    const topic = Either.getOrThrow(Registry.createTopic(endpoint.registry, { name: "t", attributes: {}, tags: [], dataProtectionPolicy: undefined }, owner, 1))
    const subscribe = (arn: string) =>
      Registry.subscribe(topic.registry, { topicArn: topic.result.arn, protocol: "application", endpoint: arn, attributes: {} }, owner, 1, { id: "s", token: "t" }, () => Either.void)
    expect(Either.getOrThrow(subscribe(endpoint.result.arn)).result.status).toBe("Confirmed")
    expect(leftTag(subscribe(`${endpoint.result.arn}x`))?.message).toBe("Invalid parameter: Endpoint Reason: Endpoint does not exist")
  })
})

describe("publishing to an endpoint or a phone number", () => {
  const input = (fields: Partial<Publish.PublishInput>): Publish.PublishInput => ({
    topicArn: undefined,
    targetArn: undefined,
    phoneNumber: undefined,
    message: "m",
    subject: undefined,
    messageStructure: undefined,
    messageAttributes: {},
    messageGroupId: undefined,
    messageDeduplicationId: undefined,
    ...fields
  })

  it("names its destination", () => {
    expect(Publish.destination(input({ targetArn: "arn:aws:sns:us-east-1:000000000000:endpoint/GCM/app/x" }))).toEqual(
      Either.right({ _tag: "Endpoint", arn: "arn:aws:sns:us-east-1:000000000000:endpoint/GCM/app/x" })
    )
    expect(Publish.destination(input({ targetArn: "arn:aws:sns:us-east-1:000000000000:t" }))).toEqual(
      Either.right({ _tag: "Topic", arn: "arn:aws:sns:us-east-1:000000000000:t" })
    )
    expect(Publish.destination(input({ phoneNumber: "+15555550100" }))).toEqual(Either.right({ _tag: "PhoneNumber", phoneNumber: "+15555550100" }))
    for (const bad of ["15555550100", "+0555", "+1", "+1234567890123456", "+1 555 555"]) {
      expect(leftTag(Publish.destination(input({ phoneNumber: bad })))?.message).toBe(`Invalid parameter: PhoneNumber Reason: ${bad} is not valid to publish to`)
    }
  })

  it("reads the platform's own entry of a json message, else default", () => {
    const valid = Either.getOrThrow(
      Publish.validateMessage(undefined, input({ message: JSON.stringify({ default: "d", GCM: "g", sms: "s" }), messageStructure: "json" }))
    )
    expect(Publish.textFor(valid, "GCM")).toBe("g")
    expect(Publish.textFor(valid, "sms")).toBe("s")
    expect(Publish.textFor(valid, "APNS")).toBe("d")
    expect(Publish.textFor(Either.getOrThrow(Publish.validateMessage(undefined, input({}))), "GCM")).toBe("m")
  })
})
