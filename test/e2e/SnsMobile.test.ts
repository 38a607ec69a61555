/**
 * Mobile push through the unmodified SDK v3 (SNS API Reference: CreatePlatformApplication …
 * DeleteEndpoint, Publish with TargetArn, Subscribe with protocol application): every action and its
 * error paths, deliveries read back from the outbox (docs/SEMANTICS.md §7), the AWS CLI, and the
 * applications and endpoints kept across a restart.
 */
import {
  CreatePlatformApplicationCommand,
  CreatePlatformEndpointCommand,
  CreateTopicCommand,
  DeleteEndpointCommand,
  DeletePlatformApplicationCommand,
  EndpointDisabledException,
  GetEndpointAttributesCommand,
  GetPlatformApplicationAttributesCommand,
  InvalidParameterException,
  ListEndpointsByPlatformApplicationCommand,
  ListPlatformApplicationsCommand,
  NotFoundException,
  PublishCommand,
  SetEndpointAttributesCommand,
  SetPlatformApplicationAttributesCommand,
  SubscribeCommand
} from "@aws-sdk/client-sns"
import { spawnSync } from "node:child_process"
import { mkdtempSync, realpathSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { awsCliMissing } from "./support/Botocore.js"
import { eventually, outboxEntries, snsClient } from "./support/Clients.js"
import { useBroker } from "./support/Fixture.js"
import { contractEnvironment, serve } from "./support/Serve.js"

const live = useBroker()

const rejection = (call: Promise<unknown>): Promise<unknown> => call.then(() => expect.fail("the call succeeded"), (e: unknown) => e)

const createApp = async (name: string, platform = "GCM", attributes: Record<string, string> = { PlatformCredential: "api-key" }) =>
  (await live.sns.send(new CreatePlatformApplicationCommand({ Name: name, Platform: platform, Attributes: attributes }))).PlatformApplicationArn!

describe("platform applications", () => {
  it("are created, described without their credentials, changed, listed page by page and deleted", async () => {
    const arn = await createApp("mobile-app")
    expect(arn).toBe("arn:aws:sns:us-east-1:000000000000:app/GCM/mobile-app")
    const apns = await createApp("mobile-app", "APNS", { PlatformCredential: "private-key", PlatformPrincipal: "certificate" })
    expect(apns).toBe("arn:aws:sns:us-east-1:000000000000:app/APNS/mobile-app")
    expect((await live.sns.send(new GetPlatformApplicationAttributesCommand({ PlatformApplicationArn: arn }))).Attributes).toEqual({ Enabled: "true" })
    await live.sns.send(new SetPlatformApplicationAttributesCommand({ PlatformApplicationArn: arn, Attributes: { SuccessFeedbackSampleRate: "10" } }))
    expect((await live.sns.send(new GetPlatformApplicationAttributesCommand({ PlatformApplicationArn: arn }))).Attributes).toEqual({
      Enabled: "true",
      SuccessFeedbackSampleRate: "10"
    })
    for (let n = 0; n < 101; n++) await createApp(`paged-${n}`)
    const first = await live.sns.send(new ListPlatformApplicationsCommand({}))
    expect(first.PlatformApplications).toHaveLength(100)
    expect(first.PlatformApplications![0]).toEqual({ PlatformApplicationArn: arn, Attributes: { Enabled: "true", SuccessFeedbackSampleRate: "10" } })
    const second = await live.sns.send(new ListPlatformApplicationsCommand({ NextToken: first.NextToken! }))
    expect(second.NextToken).toBeUndefined()
    expect(first.PlatformApplications!.length + second.PlatformApplications!.length).toBe(103)

    await live.sns.send(new DeletePlatformApplicationCommand({ PlatformApplicationArn: apns }))
    await live.sns.send(new DeletePlatformApplicationCommand({ PlatformApplicationArn: apns }))
    const gone = await rejection(live.sns.send(new GetPlatformApplicationAttributesCommand({ PlatformApplicationArn: apns })))
    expect(gone).toBeInstanceOf(NotFoundException)
    expect((gone as Error).message).toBe("PlatformApplication does not exist")
  })

  it("are refused without the credentials their platform needs, or with an unknown platform", async () => {
    const missing = await rejection(createApp("no-key", "GCM", { SuccessFeedbackSampleRate: "10" }))
    expect(missing).toBeInstanceOf(InvalidParameterException)
    expect((missing as Error).message).toBe("Invalid parameter: Attributes Reason: PlatformCredential attribute required.")
    const noPrincipal = await rejection(createApp("no-principal", "APNS_SANDBOX", { PlatformCredential: "k" }))
    expect((noPrincipal as Error).message).toBe("Invalid parameter: Attributes Reason: PlatformPrincipal attribute required.")
    expect(await rejection(createApp("odd", "PIGEON"))).toBeInstanceOf(InvalidParameterException)
    const arn = await createApp("keeps-key")
    const cleared = await rejection(
      live.sns.send(new SetPlatformApplicationAttributesCommand({ PlatformApplicationArn: arn, Attributes: { PlatformCredential: "" } }))
    )
    expect(cleared).toBeInstanceOf(InvalidParameterException)
    const malformed = await rejection(live.sns.send(new GetPlatformApplicationAttributesCommand({ PlatformApplicationArn: "arn:aws:sns:us-east-1:000000000000:orders" })))
    expect(malformed).toBeInstanceOf(InvalidParameterException)
  })
})

describe("platform endpoints", () => {
  it("are created once per token, refused with other attributes, changed, listed and deleted", async () => {
    const app = await createApp("endpoints-app")
    const { EndpointArn } = await live.sns.send(new CreatePlatformEndpointCommand({ PlatformApplicationArn: app, Token: "token-1", CustomUserData: "alice" }))
    expect(EndpointArn).toMatch(/^arn:aws:sns:us-east-1:000000000000:endpoint\/GCM\/endpoints-app\/[0-9a-f-]{36}$/)
    const again = await live.sns.send(new CreatePlatformEndpointCommand({ PlatformApplicationArn: app, Token: "token-1", CustomUserData: "alice" }))
    expect(again.EndpointArn).toBe(EndpointArn)
    const conflict = await rejection(
      live.sns.send(new CreatePlatformEndpointCommand({ PlatformApplicationArn: app, Token: "token-1", CustomUserData: "bob" }))
    )
    expect(conflict).toBeInstanceOf(InvalidParameterException)
    expect((conflict as Error).message).toBe(`Invalid parameter: Token Reason: Endpoint ${EndpointArn} already exists with the same Token, but different attributes.`)

    expect((await live.sns.send(new GetEndpointAttributesCommand({ EndpointArn }))).Attributes).toEqual({ Enabled: "true", Token: "token-1", CustomUserData: "alice" })
    await live.sns.send(new SetEndpointAttributesCommand({ EndpointArn, Attributes: { Token: "token-2", Enabled: "false", CustomUserData: "" } }))
    expect((await live.sns.send(new GetEndpointAttributesCommand({ EndpointArn }))).Attributes).toEqual({ Enabled: "false", Token: "token-2" })
    const badEnabled = await rejection(live.sns.send(new SetEndpointAttributesCommand({ EndpointArn, Attributes: { Enabled: "sometimes" } })))
    expect(badEnabled).toBeInstanceOf(InvalidParameterException)

    const { EndpointArn: second } = await live.sns.send(new CreatePlatformEndpointCommand({ PlatformApplicationArn: app, Token: "token-3" }))
    const listed = await live.sns.send(new ListEndpointsByPlatformApplicationCommand({ PlatformApplicationArn: app }))
    expect(listed.Endpoints).toEqual([
      { EndpointArn, Attributes: { Enabled: "false", Token: "token-2" } },
      { EndpointArn: second, Attributes: { Enabled: "true", Token: "token-3" } }
    ])
    expect(listed.NextToken).toBeUndefined()

    await live.sns.send(new DeleteEndpointCommand({ EndpointArn }))
    await live.sns.send(new DeleteEndpointCommand({ EndpointArn }))
    const gone = await rejection(live.sns.send(new GetEndpointAttributesCommand({ EndpointArn })))
    expect(gone).toBeInstanceOf(NotFoundException)
    expect((gone as Error).message).toBe("Endpoint does not exist")
    // Deleting the application deletes its endpoints.
    await live.sns.send(new DeletePlatformApplicationCommand({ PlatformApplicationArn: app }))
    expect(await rejection(live.sns.send(new GetEndpointAttributesCommand({ EndpointArn: second })))).toBeInstanceOf(NotFoundException)
    const noApp = await rejection(live.sns.send(new CreatePlatformEndpointCommand({ PlatformApplicationArn: app, Token: "token-4" })))
    expect(noApp).toBeInstanceOf(NotFoundException)
    expect(await rejection(live.sns.send(new ListEndpointsByPlatformApplicationCommand({ PlatformApplicationArn: app })))).toBeInstanceOf(NotFoundException)
  })
})

describe("publishing to an endpoint", () => {
  it("puts the platform's own entry of a json message (else default) in the outbox, kind application; a disabled endpoint refuses", async () => {
    const gcm = await createApp("push-gcm")
    const apns = await createApp("push-apns", "APNS", { PlatformCredential: "k", PlatformPrincipal: "p" })
    const { EndpointArn: android } = await live.sns.send(new CreatePlatformEndpointCommand({ PlatformApplicationArn: gcm, Token: "android" }))
    const { EndpointArn: iphone } = await live.sns.send(new CreatePlatformEndpointCommand({ PlatformApplicationArn: apns, Token: "iphone" }))
    const message = JSON.stringify({ default: "plain", GCM: JSON.stringify({ notification: { body: "for android" } }) })
    const toAndroid = await live.sns.send(new PublishCommand({ TargetArn: android, Message: message, MessageStructure: "json" }))
    const toIphone = await live.sns.send(new PublishCommand({ TargetArn: iphone, Message: message, MessageStructure: "json", Subject: "hi" }))

    const androidEntries = await outboxEntries(live.target, { kind: "application", target: android! })
    expect(androidEntries).toEqual([
      expect.objectContaining({ type: "Notification", protocol: "application", endpoint: android, messageId: toAndroid.MessageId, body: JSON.stringify({ notification: { body: "for android" } }) })
    ])
    const iphoneEntries = await outboxEntries(live.target, { target: iphone! })
    expect(iphoneEntries).toEqual([expect.objectContaining({ protocol: "application", messageId: toIphone.MessageId, body: "plain", subject: "hi" })])

    await live.sns.send(new SetEndpointAttributesCommand({ EndpointArn: android, Attributes: { Enabled: "false" } }))
    const disabled = await rejection(live.sns.send(new PublishCommand({ TargetArn: android, Message: "m" })))
    expect(disabled).toBeInstanceOf(EndpointDisabledException)
    expect((disabled as Error).message).toBe("Endpoint is disabled")
    await live.sns.send(new DeleteEndpointCommand({ EndpointArn: iphone }))
    const missing = await rejection(live.sns.send(new PublishCommand({ TargetArn: iphone, Message: "m" })))
    expect(missing).toBeInstanceOf(InvalidParameterException)
    expect((missing as Error).message).toBe("Invalid parameter: TargetArn Reason: No endpoint found for the target arn specified")
  })

  it("reaches an endpoint subscribed to a topic with protocol application; a missing endpoint cannot be subscribed", async () => {
    const app = await createApp("push-topic")
    const { EndpointArn } = await live.sns.send(new CreatePlatformEndpointCommand({ PlatformApplicationArn: app, Token: "subscribed" }))
    const { TopicArn } = await live.sns.send(new CreateTopicCommand({ Name: "push-news" }))
    const { SubscriptionArn } = await live.sns.send(new SubscribeCommand({ TopicArn, Protocol: "application", Endpoint: EndpointArn }))
    expect(SubscriptionArn).toMatch(new RegExp(`^${TopicArn}:`))
    const message = JSON.stringify({ default: "plain", GCM: "for gcm" })
    const { MessageId } = await live.sns.send(new PublishCommand({ TopicArn, Message: message, MessageStructure: "json" }))
    await eventually("the push reaches the outbox", async () =>
      (await outboxEntries(live.target, { kind: "application", target: EndpointArn! })).some((e) => e.messageId === MessageId && e.body === "for gcm")
    )
    const missing = await rejection(
      live.sns.send(new SubscribeCommand({ TopicArn, Protocol: "application", Endpoint: `${app.replace(":app/", ":endpoint/")}/00000000-0000-4000-8000-000000000000` }))
    )
    expect(missing).toBeInstanceOf(InvalidParameterException)
  })
})

describe("the AWS CLI, and a restart", () => {
  const dataDir = realpathSync(mkdtempSync(join(tmpdir(), "sealcast-mobile-")))
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }))
  const cliMissing = awsCliMissing()

  it.skipIf(cliMissing !== undefined)(`aws sns create-platform-application, then the application and its endpoint survive a restart${cliMissing === undefined ? "" : ` (skipped: ${cliMissing})`}`, async () => {
    const first = await serve(["--port", "0", "--data-dir", dataDir, "--log-level", "warn"])
    let endpointArn: string | undefined
    try {
      const run = spawnSync(
        "aws",
        ["--endpoint-url", first.ready.https, "--output", "json", "sns", "create-platform-application", "--name", "cli-app", "--platform", "GCM", "--attributes", "PlatformCredential=api-key"],
        { env: contractEnvironment(dataDir), encoding: "utf8", timeout: 60_000 }
      )
      expect(run.stderr).toBe("")
      expect(JSON.parse(run.stdout)).toEqual({ PlatformApplicationArn: "arn:aws:sns:us-east-1:000000000000:app/GCM/cli-app" })
      const sns = snsClient(first.target)
      endpointArn = (await sns.send(new CreatePlatformEndpointCommand({ PlatformApplicationArn: "arn:aws:sns:us-east-1:000000000000:app/GCM/cli-app", Token: "kept", CustomUserData: "u" }))).EndpointArn
      sns.destroy()
    } finally {
      await first.stop("SIGTERM")
    }
    const second = await serve(["--port", "0", "--data-dir", dataDir, "--log-level", "warn"])
    try {
      const sns = snsClient(second.target)
      const apps = await sns.send(new ListPlatformApplicationsCommand({}))
      expect(apps.PlatformApplications?.map((a) => a.PlatformApplicationArn)).toEqual(["arn:aws:sns:us-east-1:000000000000:app/GCM/cli-app"])
      expect((await sns.send(new GetEndpointAttributesCommand({ EndpointArn: endpointArn }))).Attributes).toEqual({ Enabled: "true", Token: "kept", CustomUserData: "u" })
      sns.destroy()
    } finally {
      await second.stop("SIGTERM")
    }
  }, 120_000)
})
