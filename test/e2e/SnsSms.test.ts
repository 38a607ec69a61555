/**
 * SMS through the unmodified SDK v3 (SNS API Reference: Publish with PhoneNumber, SetSMSAttributes,
 * GetSMSAttributes, CheckIfPhoneNumberIsOptedOut, ListPhoneNumbersOptedOut, OptInPhoneNumber, the
 * SMS sandbox actions, ListOriginationNumbers, Subscribe with protocol sms): every action and its
 * error paths, texts read back from the outbox (docs/SEMANTICS.md §7), and the settings kept across
 * a restart.
 */
import {
  CheckIfPhoneNumberIsOptedOutCommand,
  CreateSMSSandboxPhoneNumberCommand,
  CreateTopicCommand,
  DeleteSMSSandboxPhoneNumberCommand,
  GetSMSAttributesCommand,
  GetSMSSandboxAccountStatusCommand,
  InvalidParameterException,
  type LanguageCodeString,
  ListOriginationNumbersCommand,
  ListPhoneNumbersOptedOutCommand,
  ListSMSSandboxPhoneNumbersCommand,
  OptInPhoneNumberCommand,
  PublishCommand,
  ResourceNotFoundException,
  SetSMSAttributesCommand,
  SubscribeCommand,
  VerificationException,
  VerifySMSSandboxPhoneNumberCommand
} from "@aws-sdk/client-sns"
import { startBroker } from "sealcast"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { eventually, outboxEntries, snsClient, targetOf } from "./support/Clients.js"
import { useBroker } from "./support/Fixture.js"

const live = useBroker()

const rejection = (call: Promise<unknown>): Promise<unknown> => call.then(() => expect.fail("the call succeeded"), (e: unknown) => e)

describe("Publish with PhoneNumber", () => {
  it("puts the text (the sms entry of a json message, else default) in the outbox, kind sms", async () => {
    const plain = await live.sns.send(new PublishCommand({ PhoneNumber: "+15555550101", Message: "your code is 1234" }))
    const json = await live.sns.send(
      new PublishCommand({ PhoneNumber: "+15555550101", Message: JSON.stringify({ default: "d", sms: "short" }), MessageStructure: "json" })
    )
    const entries = await outboxEntries(live.target, { kind: "sms", target: "+15555550101" })
    expect(entries.map((e) => [e.messageId, e.body])).toEqual([
      [plain.MessageId, "your code is 1234"],
      [json.MessageId, "short"]
    ])
  })

  it("refuses a number that is not E.164, and more than one destination", async () => {
    for (const number of ["5555550101", "+05555550101", "+1555555010199999", "+1 555 555 0101"]) {
      const refused = await rejection(live.sns.send(new PublishCommand({ PhoneNumber: number, Message: "m" })))
      expect(refused).toBeInstanceOf(InvalidParameterException)
      expect((refused as Error).message).toBe(`Invalid parameter: PhoneNumber Reason: ${number} is not valid to publish to`)
    }
    const both = await rejection(
      live.sns.send(new PublishCommand({ PhoneNumber: "+15555550101", TopicArn: "arn:aws:sns:us-east-1:000000000000:t", Message: "m" }))
    )
    expect(both).toBeInstanceOf(InvalidParameterException)
  })

  it("reaches a number subscribed to a topic with protocol sms", async () => {
    const { TopicArn } = await live.sns.send(new CreateTopicCommand({ Name: "sms-news" }))
    await live.sns.send(new SubscribeCommand({ TopicArn, Protocol: "sms", Endpoint: "+15555550102" }))
    const { MessageId } = await live.sns.send(new PublishCommand({ TopicArn, Message: "news" }))
    await eventually("the text reaches the outbox", async () =>
      (await outboxEntries(live.target, { kind: "sms", target: "+15555550102" })).some((e) => e.messageId === MessageId && e.body === "news")
    )
  })
})

describe("SMS attributes and opting out", () => {
  it("SetSMSAttributes and GetSMSAttributes keep the documented attributes and refuse others", async () => {
    await live.sns.send(new SetSMSAttributesCommand({ attributes: { DefaultSMSType: "Transactional", DefaultSenderID: "Sealcast", MonthlySpendLimit: "1" } }))
    expect((await live.sns.send(new GetSMSAttributesCommand({}))).attributes).toEqual({
      DefaultSMSType: "Transactional",
      DefaultSenderID: "Sealcast",
      MonthlySpendLimit: "1"
    })
    expect((await live.sns.send(new GetSMSAttributesCommand({ attributes: ["DefaultSMSType"] }))).attributes).toEqual({ DefaultSMSType: "Transactional" })
    const bad = await rejection(live.sns.send(new SetSMSAttributesCommand({ attributes: { DefaultSMSType: "Loud" } })))
    expect(bad).toBeInstanceOf(InvalidParameterException)
    const unknown = await rejection(live.sns.send(new SetSMSAttributesCommand({ attributes: { Colour: "blue" } })))
    expect(unknown).toBeInstanceOf(InvalidParameterException)
  })

  it("no number is opted out; the opt-out actions check the number", async () => {
    expect((await live.sns.send(new CheckIfPhoneNumberIsOptedOutCommand({ phoneNumber: "+15555550103" }))).isOptedOut).toBe(false)
    expect((await live.sns.send(new ListPhoneNumbersOptedOutCommand({}))).phoneNumbers).toEqual([])
    await live.sns.send(new OptInPhoneNumberCommand({ phoneNumber: "+15555550103" }))
    expect(await rejection(live.sns.send(new CheckIfPhoneNumberIsOptedOutCommand({ phoneNumber: "555" })))).toBeInstanceOf(InvalidParameterException)
    expect(await rejection(live.sns.send(new OptInPhoneNumberCommand({ phoneNumber: "555" })))).toBeInstanceOf(InvalidParameterException)
    expect(await rejection(live.sns.send(new ListPhoneNumbersOptedOutCommand({ nextToken: "7" })))).toBeInstanceOf(InvalidParameterException)
  })
})

describe("the SMS sandbox", () => {
  it("the account is out of it; a number is added, texted a one-time password through the outbox, verified, listed and deleted", async () => {
    expect((await live.sns.send(new GetSMSSandboxAccountStatusCommand({}))).IsInSandbox).toBe(false)
    await live.sns.send(new CreateSMSSandboxPhoneNumberCommand({ PhoneNumber: "+15555550104", LanguageCode: "en-GB" }))
    expect((await live.sns.send(new ListSMSSandboxPhoneNumbersCommand({}))).PhoneNumbers).toEqual([{ PhoneNumber: "+15555550104", Status: "Pending" }])
    const [text] = await outboxEntries(live.target, { kind: "sms", target: "+15555550104" })
    const password = /(\d{6})$/.exec(text!.body)![1]!

    const wrong = await rejection(
      live.sns.send(new VerifySMSSandboxPhoneNumberCommand({ PhoneNumber: "+15555550104", OneTimePassword: password === "000000" ? "111111" : "000000" }))
    )
    expect(wrong).toBeInstanceOf(VerificationException)
    await live.sns.send(new VerifySMSSandboxPhoneNumberCommand({ PhoneNumber: "+15555550104", OneTimePassword: password }))
    expect((await live.sns.send(new ListSMSSandboxPhoneNumbersCommand({ MaxResults: 1 }))).PhoneNumbers).toEqual([{ PhoneNumber: "+15555550104", Status: "Verified" }])

    const unknown = await rejection(live.sns.send(new VerifySMSSandboxPhoneNumberCommand({ PhoneNumber: "+15555550105", OneTimePassword: "123456" })))
    expect(unknown).toBeInstanceOf(ResourceNotFoundException)
    // A code the model does not list, as a client with an older model could send it.
    expect(await rejection(live.sns.send(new CreateSMSSandboxPhoneNumberCommand({ PhoneNumber: "+15555550105", LanguageCode: "xx-XX" as LanguageCodeString })))).toBeInstanceOf(
      InvalidParameterException
    )
    expect(await rejection(live.sns.send(new CreateSMSSandboxPhoneNumberCommand({ PhoneNumber: "0105" })))).toBeInstanceOf(InvalidParameterException)
    expect(await rejection(live.sns.send(new ListSMSSandboxPhoneNumbersCommand({ MaxResults: 101 })))).toBeInstanceOf(InvalidParameterException)

    await live.sns.send(new DeleteSMSSandboxPhoneNumberCommand({ PhoneNumber: "+15555550104" }))
    expect((await live.sns.send(new ListSMSSandboxPhoneNumbersCommand({}))).PhoneNumbers).toEqual([])
    expect(await rejection(live.sns.send(new DeleteSMSSandboxPhoneNumberCommand({ PhoneNumber: "+15555550104" })))).toBeInstanceOf(ResourceNotFoundException)
  })

  it("ListOriginationNumbers lists none, and checks MaxResults", async () => {
    expect((await live.sns.send(new ListOriginationNumbersCommand({}))).PhoneNumbers ?? []).toEqual([])
    expect(await rejection(live.sns.send(new ListOriginationNumbersCommand({ MaxResults: 31 })))).toBeInstanceOf(InvalidParameterException)
  })
})

describe("across a restart", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "sealcast-sms-"))
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

  it("SMS attributes and sandbox numbers are kept", async () => {
    const first = await startBroker({ port: 0, dataDir, logLevel: "error" })
    try {
      const sns = snsClient(targetOf(first))
      await sns.send(new SetSMSAttributesCommand({ attributes: { DefaultSMSType: "Promotional" } }))
      await sns.send(new CreateSMSSandboxPhoneNumberCommand({ PhoneNumber: "+15555550106" }))
      sns.destroy()
    } finally {
      await first.stop()
    }
    const second = await startBroker({ port: 0, dataDir, logLevel: "error" })
    try {
      const sns = snsClient(targetOf(second))
      expect((await sns.send(new GetSMSAttributesCommand({}))).attributes).toEqual({ DefaultSMSType: "Promotional" })
      expect((await sns.send(new ListSMSSandboxPhoneNumbersCommand({}))).PhoneNumbers).toEqual([{ PhoneNumber: "+15555550106", Status: "Pending" }])
      sns.destroy()
    } finally {
      await second.stop()
    }
  }, 60_000)
})
