import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import * as fc from "fast-check"
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll } from "vitest"
import {
  credentialsPath,
  formatSharedCredentials,
  generateKeyPair,
  loadCredentialTable,
  loadRootCredential,
  readCredentialsFile,
  unknownKeyHint
} from "../../src/config/Credentials.js"
import { helpText } from "../../src/config/BrokerOptions.js"

const root = mkdtempSync(join(tmpdir(), "sealcast-credentials-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))
const defaults = { region: "us-east-1", accountId: "000000000000" }
let files = 0
/** `text` as a --credentials file, read. */
const readText = (text: string) =>
  Effect.suspend(() => {
    const file = join(root, `extra-${++files}.ini`)
    writeFileSync(file, text)
    return Effect.either(readCredentialsFile(file)).pipe(
      Effect.map(Either.mapLeft((error) => error.message.replace(file, "extra.ini")))
    )
  })
const problem = (text: string) => Effect.flatMap(readText(text), (read) => Effect.flip(read))

describe("Credentials", () => {
  it.effect("generates AWS-shaped key pairs that read back from the shared-credentials file", () =>
    Effect.promise(() =>
      fc.assert(
        fc.asyncProperty(fc.uint8Array({ minLength: 64, maxLength: 64 }), fc.constantFrom("us-east-1", "eu-west-3"), async (seed, region) => {
          let at = 0
          const pair = generateKeyPair((n) => {
            const out = seed.subarray(at, at + n)
            at += n
            return out
          })
          expect(pair.accessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/)
          expect(pair.secretAccessKey).toMatch(/^[A-Za-z0-9+/]{40}$/)
          const dataDir = mkdtempSync(join(root, "pair-"))
          writeFileSync(credentialsPath(dataDir), formatSharedCredentials({ ...pair, region }))
          const read = await Effect.runPromise(loadRootCredential({ ...defaults, dataDir }))
          expect({ accessKeyId: read.accessKeyId, secretAccessKey: read.secretAccessKey }).toEqual(pair)
        }),
        { numRuns: 30 }
      )
    ))

  it.effect("makes the root pair once per data dir, mode 0600, profile [sealcast], and reads it back", () =>
    Effect.gen(function* () {
      const dataDir = join(root, "once")
      const first = yield* loadRootCredential({ ...defaults, dataDir })
      const second = yield* loadRootCredential({ ...defaults, dataDir })
      expect(second).toEqual(first)
      expect(first.principalArn).toBe("arn:aws:iam::000000000000:root")
      const file = credentialsPath(dataDir)
      expect(statSync(file).mode & 0o777).toBe(0o600)
      const text = readFileSync(file, "utf8")
      expect(text).toContain("[sealcast]")
      expect(text).toContain(`aws_access_key_id = ${first.accessKeyId}`)
      expect(text).toContain(`aws_secret_access_key = ${first.secretAccessKey}`)
      expect(text).toContain("region = us-east-1")
    }))

  it.effect("explicit keys win and leave the data dir alone; :memory: writes nothing", () =>
    Effect.gen(function* () {
      const dataDir = join(root, "explicit")
      const explicit = yield* loadRootCredential({ ...defaults, dataDir, accessKeyId: "test", secretAccessKey: "test" })
      expect(explicit).toEqual({ accessKeyId: "test", secretAccessKey: "test", accountId: "000000000000", principalArn: "arn:aws:iam::000000000000:root" })
      expect(() => statSync(dataDir)).toThrow()
      const inMemory = yield* loadRootCredential({ ...defaults, dataDir: ":memory:" })
      expect(inMemory.accessKeyId).toMatch(/^AKIA/)
      expect(() => statSync(":memory:")).toThrow()
    }))

  it.effect("a damaged credentials file is a clear error, not a silent new key", () =>
    Effect.gen(function* () {
      const dataDir = join(root, "damaged")
      yield* loadRootCredential({ ...defaults, dataDir })
      writeFileSync(credentialsPath(dataDir), "[default]\naws_access_key_id = X\n")
      const refused = yield* Effect.flip(loadRootCredential({ ...defaults, dataDir }))
      expect(refused.message).toContain("no [sealcast] profile")
    }))

  it.effect("reads the --credentials format into root and IAM-user principals, temporary ones included", () =>
    Effect.gen(function* () {
      const text = [
        "# two accounts",
        "[AKIAALICE0000000000]",
        "secret_access_key = alice/secret+key",
        "account_id = 111111111111   # Alice's",
        "user = alice ; an IAM user",
        "",
        "; the other account's root, temporary",
        "[ASIAROOT00000000000]",
        "secret_access_key=root#secret",
        "account_id=222222222222",
        "session_token = FQoGZXIvYXdzEXAMPLE=="
      ].join("\n")
      expect(yield* readText(text)).toEqual(Either.right([
        { accessKeyId: "AKIAALICE0000000000", secretAccessKey: "alice/secret+key", accountId: "111111111111", principalArn: "arn:aws:iam::111111111111:user/alice" },
        {
          accessKeyId: "ASIAROOT00000000000",
          secretAccessKey: "root#secret",
          sessionToken: "FQoGZXIvYXdzEXAMPLE==",
          accountId: "222222222222",
          principalArn: "arn:aws:iam::222222222222:root"
        }
      ]))
    }))

  it.effect("the examples in `sealcast serve --help` and the README load", () =>
    Effect.gen(function* () {
      const help = helpText.serve().split("\n")
      const start = help.findIndex((line) => line.startsWith("The --credentials file")) + 1
      const end = help.findIndex((line, i) => i > start && !line.startsWith("  "))
      const fromHelp = help.slice(start, end).map((line) => line.slice(2)).join("\n")
      expect(yield* readText(fromHelp)).toEqual(Either.right([{
        accessKeyId: "AKIAIOSFODNN7EXAMPLE",
        secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        sessionToken: "...",
        accountId: "111111111111",
        principalArn: "arn:aws:iam::111111111111:user/alice"
      }]))

      const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8")
      const fromReadme = /### Further accounts.*\n[^`]*```\n([^`]*)```/.exec(readme)?.[1]
      expect(fromReadme).toBeDefined()
      expect(yield* readText(fromReadme!)).toEqual(Either.right([{
        accessKeyId: "AKIAALICE0000000000",
        secretAccessKey: "…",
        sessionToken: "…",
        accountId: "111111111111",
        principalArn: "arn:aws:iam::111111111111:user/alice"
      }]))
    }))

  it.effect("names the file and the section of every problem in a --credentials file", () =>
    Effect.gen(function* () {
      expect(yield* problem("[AKIA1]\nsecret_access_key = s\naccount_id = 1")).toBe("extra.ini: [AKIA1]: account_id is required, exactly 12 digits")
      expect(yield* problem("[AKIA1]\naccount_id = 111111111111")).toContain("[AKIA1]: secret_access_key is required")
      expect(yield* problem("[AKIA1]\nsecret_access_key = s\naccount_id = 111111111111\nuser = a b")).toContain("[AKIA1]: user must be")
      expect(yield* problem("[AKIA1]\nsecret_access_key = s\naccount_id = 111111111111\nregion = x")).toContain("[AKIA1]: unknown setting region")
      expect(yield* problem("[A/B]\nsecret_access_key = s\naccount_id = 111111111111")).toContain("an access key id is")
      // Lines the AWS SDK's reader skips (no section yet, no `=`) leave nothing to load.
      expect(yield* problem("secret_access_key = x\njust words")).toBe(
        "extra.ini: no [access key id] section with secret_access_key and account_id"
      )
    }))

  it.effect("the table holds the root key and every further key, and refuses the root key twice", () =>
    Effect.gen(function* () {
      const file = join(root, "extra.ini")
      writeFileSync(file, "[AKIAALICE0000000000]\nsecret_access_key = s\naccount_id = 111111111111\nuser = alice\n")
      const { root: rootCredential, table } = yield* loadCredentialTable({ ...defaults, dataDir: ":memory:", credentials: file })
      expect([...table.keys()]).toEqual([rootCredential.accessKeyId, "AKIAALICE0000000000"])
      writeFileSync(file, "[test]\nsecret_access_key = s\naccount_id = 111111111111\n")
      const clash = yield* Effect.flip(loadCredentialTable({ ...defaults, dataDir: ":memory:", accessKeyId: "test", secretAccessKey: "x", credentials: file }))
      expect(clash.message).toContain("access key test is already the default account's root key")
      const missing = yield* Effect.flip(loadCredentialTable({ ...defaults, dataDir: ":memory:", credentials: join(root, "nope.ini") }))
      expect(missing.message).toContain("--credentials: no such file")
    }))

  it("tells a caller with an unknown key where the default account's keys are, and the options that set them", () => {
    const options = "To accept the keys your client signs with, start Sealcast with --access-key-id and --secret-access-key."
    expect(unknownKeyHint({ dataDir: "/srv/.sealcast" })).toBe(
      `The default account's keys are in /srv/.sealcast/credentials (profile sealcast). ${options}`
    )
    expect(unknownKeyHint({ dataDir: "/srv/.sealcast", accessKeyId: "AKIAX", credentials: "/etc/extra.ini" })).toBe(
      `The default account's keys are the ones given with --access-key-id and --secret-access-key; further keys are in /etc/extra.ini. ${options}`
    )
    expect(unknownKeyHint({ dataDir: ":memory:" })).toContain("in the broker's ready line")
  })
})
