/**
 * Who may call the broker: the credential table SigV4 verification looks secrets up in.
 *
 * The default account's root key pair is generated once per data dir and kept in
 * `<dataDir>/credentials`, an AWS shared-credentials file with profile `[sealcast]`
 * (docs.aws.amazon.com/sdkref/latest/guide/file-format.html), so the AWS CLI and SDKs can use it as it
 * stands. Explicit `--access-key-id`/`--secret-access-key` win, and are then neither read from nor
 * written to the data dir: the user's own secrets are not copied to disk uninvited.
 *
 * Further accounts and IAM users come from the `--credentials` file, one INI section per access key:
 *
 * ```ini
 * [AKIAIOSFODNN7EXAMPLE]
 * secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
 * account_id = 111111111111
 * user = alice          # optional: the key is IAM user alice's; without it, the account root's
 * session_token = ...   # optional: temporary credentials, requests must carry X-Amz-Security-Token
 * ```
 *
 * Both files are read with the AWS SDK's own reader (`internal/ini.ts`), so a file the SDK and CLI
 * read the same way reads here the same way too, inline comments included.
 *
 * @since 0.1.0
 */
import { Effect, Either } from "effect"
import { randomBytes } from "node:crypto"
import { join } from "node:path"
import type { Request } from "@sealcast/transport-http"
import { ConfigError } from "./BrokerOptions.js"
import * as DataDir from "./DataDir.js"
import { type IniSections, readIniFile } from "./internal/ini.js"

/**
 * One access key and whose it is: the shape the request verifier looks keys up in.
 *
 * @category models
 */
export type Credential = Request.Credential

/**
 * Access key id -> credential.
 *
 * @category models
 */
export type CredentialTable = ReadonlyMap<string, Credential>

/**
 * The profile name in `<dataDir>/credentials`.
 *
 * @category utils
 */
export const PROFILE = "sealcast"

/**
 * @category utils
 */
export const credentialsPath = (dataDir: string): string => join(dataDir, "credentials")

/**
 * @category utils
 */
export const rootArn = (accountId: string): string => `arn:aws:iam::${accountId}:root`

/**
 * @category utils
 */
export const userArn = (accountId: string, userName: string): string => `arn:aws:iam::${accountId}:user/${userName}`

/**
 * Draws `length` characters from `alphabet` (whose size divides 256, so every character is equally
 * likely: no modulo bias).
 */
const randomText = (alphabet: string, length: number, random: (n: number) => Uint8Array): string =>
  Array.from(random(length), (byte) => alphabet[byte % alphabet.length]).join("")

/** Long-term IAM access key ids are `AKIA` and 16 base-32 characters (A-Z, 2-7), 20 in all. */
const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
/** Secret access keys are 40 characters of base64's alphabet. */
const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

/**
 * A fresh root key pair in AWS's shapes.
 *
 * @category constructors
 */
export const generateKeyPair = (
  random: (n: number) => Uint8Array = randomBytes
): { readonly accessKeyId: string; readonly secretAccessKey: string } => ({
  accessKeyId: `AKIA${randomText(BASE32, 16, random)}`,
  secretAccessKey: randomText(BASE64, 40, random)
})

/**
 * The shared-credentials file the broker writes for its default account.
 *
 * @category utils
 */
export const formatSharedCredentials = (pair: {
  readonly accessKeyId: string
  readonly secretAccessKey: string
  readonly region: string
}): string =>
  [
    "# Sealcast's default account (root). Generated once for this data dir; keep it private.",
    "# Use with AWS_SHARED_CREDENTIALS_FILE=<this file> AWS_PROFILE=sealcast.",
    `[${PROFILE}]`,
    `aws_access_key_id = ${pair.accessKeyId}`,
    `aws_secret_access_key = ${pair.secretAccessKey}`,
    `region = ${pair.region}`,
    ""
  ].join("\n")

/**
 * The `[sealcast]` key pair of a shared-credentials file, as read.
 *
 * @category utils
 */
export const parseSharedCredentials = (
  sections: IniSections,
  source: string
): Either.Either<{ readonly accessKeyId: string; readonly secretAccessKey: string }, ConfigError> => {
  const fail = (why: string) =>
    Either.left(new ConfigError({ message: `${source}: ${why} (delete the file to have new credentials generated)` }))
  const profile = Object.hasOwn(sections, PROFILE) ? sections[PROFILE] : undefined
  if (profile === undefined) return fail(`no [${PROFILE}] profile`)
  const accessKeyId = profile["aws_access_key_id"]
  const secretAccessKey = profile["aws_secret_access_key"]
  if (!accessKeyId || !secretAccessKey) return fail(`[${PROFILE}] needs aws_access_key_id and aws_secret_access_key`)
  return Either.right({ accessKeyId, secretAccessKey })
}

const ACCESS_KEY_ID = /^\w{1,128}$/
const SECRET = /^\S{1,128}$/
const ACCOUNT_ID = /^[0-9]{12}$/
/** IAM user names: 1 to 64 of letters, digits and `+=,.@_-` (IAM API reference, CreateUser). */
const USER_NAME = /^[\w+=,.@-]{1,64}$/
const KNOWN_KEYS = ["secret_access_key", "account_id", "user", "session_token"]

/**
 * The credentials of a `--credentials` file (format in the module comment), as read. Pure; the first
 * problem, naming its section, is the error.
 *
 * @category constructors
 */
export const parseCredentialsFile = (sections: IniSections, source: string): Either.Either<ReadonlyArray<Credential>, ConfigError> => {
  const fail = (why: string) => Either.left(new ConfigError({ message: `${source}: ${why}` }))
  const credentials: Array<Credential> = []
  for (const [name, values] of Object.entries(sections)) {
    const where = `[${name}]`
    if (!ACCESS_KEY_ID.test(name)) return fail(`${where}: an access key id is 1 to 128 letters, digits or underscores`)
    for (const key of Object.keys(values)) {
      if (!KNOWN_KEYS.includes(key)) return fail(`${where}: unknown setting ${key} (expected one of ${KNOWN_KEYS.join(", ")})`)
    }
    const { secret_access_key: secretAccessKey, account_id: accountId, user, session_token: sessionToken } = values
    if (secretAccessKey === undefined || !SECRET.test(secretAccessKey)) {
      return fail(`${where}: secret_access_key is required, 1 to 128 characters without spaces`)
    }
    if (accountId === undefined || !ACCOUNT_ID.test(accountId)) return fail(`${where}: account_id is required, exactly 12 digits`)
    if (user !== undefined && !USER_NAME.test(user)) return fail(`${where}: user must be 1 to 64 letters, digits or any of +=,.@_-`)
    credentials.push({
      accessKeyId: name,
      secretAccessKey,
      ...(sessionToken === undefined ? {} : { sessionToken }),
      accountId,
      principalArn: user === undefined ? rootArn(accountId) : userArn(accountId, user)
    })
  }
  if (credentials.length === 0) return fail("no [access key id] section with secret_access_key and account_id")
  return Either.right(credentials)
}

/**
 * Reads and checks a `--credentials` file.
 *
 * @category constructors
 */
export const readCredentialsFile = (path: string): Effect.Effect<ReadonlyArray<Credential>, ConfigError | DataDir.DataDirError> =>
  Effect.zipRight(
    DataDir.readNamedFile(path, "--credentials"),
    Effect.flatMap(readIniFile(path), (sections) => parseCredentialsFile(sections, path))
  )

/**
 * The default account's root credential: explicit, read back from the data dir, or generated and
 * written there (mode 0600). With `:memory:` a generated pair lives only in memory.
 *
 * @category constructors
 */
export const loadRootCredential = (options: {
  readonly dataDir: string
  readonly region: string
  readonly accountId: string
  readonly accessKeyId?: string | undefined
  readonly secretAccessKey?: string | undefined
}): Effect.Effect<Credential, ConfigError | DataDir.DataDirError> => {
  const credential = (pair: { readonly accessKeyId: string; readonly secretAccessKey: string }): Credential => ({
    ...pair,
    accountId: options.accountId,
    principalArn: rootArn(options.accountId)
  })
  if (options.accessKeyId !== undefined && options.secretAccessKey !== undefined) {
    return Effect.succeed(credential({ accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey }))
  }
  if (DataDir.isMemory(options.dataDir)) return Effect.sync(() => credential(generateKeyPair()))
  const path = credentialsPath(options.dataDir)
  return Effect.flatMap(DataDir.readIfPresent(path), (text): Effect.Effect<Credential, ConfigError | DataDir.DataDirError> => {
    if (text !== undefined) return Effect.flatMap(readIniFile(path), (sections) => Effect.map(parseSharedCredentials(sections, path), credential))
    const pair = generateKeyPair()
    return Effect.as(DataDir.writeFileAtomic(path, formatSharedCredentials({ ...pair, region: options.region }), DataDir.PRIVATE), credential(pair))
  })
}

/**
 * The full table: the root credential and every key of the `--credentials` file, with no access key
 * id twice.
 *
 * @category constructors
 */
export const loadCredentialTable = (options: {
  readonly dataDir: string
  readonly region: string
  readonly accountId: string
  readonly accessKeyId?: string | undefined
  readonly secretAccessKey?: string | undefined
  readonly credentials?: string | undefined
}): Effect.Effect<{ readonly root: Credential; readonly table: CredentialTable }, ConfigError | DataDir.DataDirError> =>
  Effect.gen(function* () {
    const root = yield* loadRootCredential(options)
    const further =
      options.credentials === undefined
        ? []
        : yield* readCredentialsFile(options.credentials)
    const table = new Map<string, Credential>([[root.accessKeyId, root]])
    for (const credential of further) {
      if (table.has(credential.accessKeyId)) {
        return yield* new ConfigError({
          message: `${options.credentials}: access key ${credential.accessKeyId} is already the default account's root key`
        })
      }
      table.set(credential.accessKeyId, credential)
    }
    return { root, table }
  })

/**
 * What a caller signing with an unknown access key is told: where the default account's keys are,
 * and the options that set them (a client's fixed keys, such as LocalStack's `test`, can be made the
 * broker's own with them).
 *
 * @category utils
 */
export const unknownKeyHint = (options: {
  readonly dataDir: string
  readonly accessKeyId?: string | undefined
  readonly credentials?: string | undefined
}): string => {
  const where =
    options.accessKeyId !== undefined
      ? "The default account's keys are the ones given with --access-key-id and --secret-access-key"
      : DataDir.isMemory(options.dataDir)
        ? "The default account's keys are in the broker's ready line (accessKeyId, secretAccessKey), or startBroker()'s credentials"
        : `The default account's keys are in ${credentialsPath(options.dataDir)} (profile ${PROFILE})`
  const further = options.credentials === undefined ? "" : `; further keys are in ${options.credentials}`
  return `${where}${further}. To accept the keys your client signs with, start Sealcast with --access-key-id and --secret-access-key.`
}
