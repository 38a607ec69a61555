/**
 * The broker's settings (docs/CONTRACT.md, "The command line"): one Schema-decoded `BrokerOptions`, the
 * same for `sealcast serve` and for `startBroker(options)`.
 *
 * Every setting is described once, in `settings` below; the flag parser, the environment reader and
 * the `--help` text are all read off that one table, so they cannot drift apart. Precedence: a
 * command-line flag over its `SEALCAST_*` environment twin over the default.
 *
 * @since 0.1.0
 */
import { Data, Either, ParseResult, Schema } from "effect"

/**
 * A setting is missing, malformed or inconsistent; the CLI reports `message` and exits with code 2.
 *
 * @category errors
 */
export class ConfigError extends Data.TaggedError("ConfigError")<{ readonly message: string }> {}

/** Replaces Schema's detailed parse report with one sentence a command-line user can act on. */
const withMessage = (message: string) => <A, I>(self: Schema.Schema<A, I>): Schema.Schema<A, I> =>
  self.annotations({ message: () => ({ message, override: true }) })

/** A TCP port: a number, or its decimal text as it comes from argv and the environment. */
const Port = Schema.Union(
  Schema.Number,
  Schema.compose(Schema.String.pipe(Schema.pattern(/^[0-9]{1,5}$/)), Schema.NumberFromString)
).pipe(Schema.int(), Schema.between(0, 65535), withMessage("must be a whole number from 0 to 65535 (0 picks a free port)"))

const NonBlank = Schema.String.pipe(Schema.pattern(/^\S(.*\S)?$/), withMessage("must not be empty or padded with spaces"))

/** AWS region names: `us-east-1`, `eu-central-2`, `us-gov-west-1`, `cn-north-1`. */
const Region = Schema.String.pipe(Schema.pattern(/^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$/), withMessage("must be a region name such as us-east-1"))

/** AWS account ids are exactly 12 decimal digits. */
const AccountId = Schema.String.pipe(Schema.pattern(/^[0-9]{12}$/), withMessage("must be exactly 12 digits, such as 000000000000"))

/**
 * IAM's AccessKeyId is 16 to 128 word characters; shorter ids such as LocalStack's customary `test`
 * are accepted too, so existing test set-ups keep working. No `/`: it would break the SigV4 scope.
 */
const AccessKeyId = Schema.String.pipe(Schema.pattern(/^\w{1,128}$/), withMessage("must be 1 to 128 letters, digits or underscores"))

const SecretAccessKey = Schema.String.pipe(Schema.pattern(/^\S{1,128}$/), withMessage("must be 1 to 128 characters without spaces"))

/** Where PostgreSQL is: node-postgres's connection URL (host, port, user, password, database, parameters). */
const DatabaseUrl = Schema.String.pipe(
  Schema.pattern(/^postgres(ql)?:\/\/\S*$/),
  withMessage("must be a PostgreSQL URL such as postgres://user:password@host:5432/database")
)

/** A broker's name among those sharing a database: in its ready line, its logs and its delivery leases. */
const NodeId = Schema.String.pipe(Schema.pattern(/^[A-Za-z0-9._-]{1,64}$/), withMessage("must be 1 to 64 letters, digits, dots, dashes or underscores"))

/**
 * @category models
 */
export const LogLevel = Schema.Literal("error", "warn", "info", "debug").pipe(withMessage("must be one of error, warn, info, debug"))

/** An on/off setting: a boolean from `startBroker`, `true` or `false` from a flag or the environment. */
const Switch = Schema.Union(
  Schema.Boolean,
  Schema.transform(Schema.Literal("true", "false"), Schema.Boolean, { strict: true, decode: (text) => text === "true", encode: (on) => (on ? "true" : "false") })
).pipe(withMessage("must be true or false"))

/**
 * @category models
 */
export type LogLevel = Schema.Schema.Type<typeof LogLevel>

/**
 * The settings as `startBroker` takes them (camelCase, numbers or their text) and as the broker
 * uses them (defaults filled in, pairs checked).
 *
 * @category models
 */
export const BrokerOptions = Schema.Struct({
  host: Schema.optionalWith(NonBlank, { default: () => "127.0.0.1" }),
  port: Schema.optionalWith(Port, { default: () => 9443 }),
  httpPort: Schema.optional(Port),
  dataDir: Schema.optionalWith(NonBlank, { default: () => "./.sealcast" }),
  region: Schema.optionalWith(Region, { default: () => "us-east-1" }),
  accountId: Schema.optionalWith(AccountId, { default: () => "000000000000" }),
  accessKeyId: Schema.optional(AccessKeyId),
  secretAccessKey: Schema.optional(SecretAccessKey),
  credentials: Schema.optional(NonBlank),
  tlsCert: Schema.optional(NonBlank),
  tlsKey: Schema.optional(NonBlank),
  rootKeyFile: Schema.optional(NonBlank),
  databaseUrl: Schema.optional(DatabaseUrl),
  nodeId: Schema.optional(NodeId),
  logLevel: Schema.optionalWith(LogLevel, { default: () => "info" as const }),
  lenientQueuePolicies: Schema.optionalWith(Switch, { default: () => false })
}).pipe(
  Schema.filter((o) => {
    const issues: Array<Schema.FilterIssue> = []
    if ((o.accessKeyId === undefined) !== (o.secretAccessKey === undefined)) {
      issues.push({ path: ["secretAccessKey"], message: "the access key id and the secret access key must be given together" })
    }
    if ((o.tlsCert === undefined) !== (o.tlsKey === undefined)) {
      issues.push({ path: ["tlsKey"], message: "the TLS certificate and its key must be given together" })
    }
    if (o.httpPort !== undefined && o.httpPort !== 0 && o.httpPort === o.port) {
      issues.push({ path: ["httpPort"], message: "the plain-HTTP port must differ from the HTTPS port" })
    }
    return issues
  })
)

/**
 * @category models
 */
export type BrokerOptions = Schema.Schema.Type<typeof BrokerOptions>

/**
 * What `startBroker` accepts: every field optional.
 *
 * @category models
 */
export type BrokerOptionsInput = Schema.Schema.Encoded<typeof BrokerOptions>

type Key = keyof BrokerOptionsInput

/** One row of docs/CONTRACT.md's table. */
interface Setting {
  readonly key: Key
  readonly flag: string
  readonly env: string
  readonly value: string
  readonly defaultText: string
  readonly meaning: string
  /** An on/off flag: given alone it means true (`--flag`, or `--flag=false`). */
  readonly isSwitch?: true
}

/**
 * Every setting, in the order `--help` lists them.
 *
 * @category models
 */
export const settings: ReadonlyArray<Setting> = [
  { key: "host", flag: "--host", env: "SEALCAST_HOST", value: "<address>", defaultText: "127.0.0.1", meaning: "address to listen on" },
  { key: "port", flag: "--port", env: "SEALCAST_PORT", value: "<port>", defaultText: "9443", meaning: "HTTPS port; 0 picks a free one" },
  {
    key: "httpPort", flag: "--http-port", env: "SEALCAST_HTTP_PORT", value: "<port>", defaultText: "off",
    meaning: "optional plain-HTTP listener (legacy clients, unencrypted topics only); 0 picks a free one"
  },
  {
    key: "dataDir", flag: "--data-dir", env: "SEALCAST_DATA_DIR", value: "<dir>", defaultText: "./.sealcast",
    meaning: "where everything durable lives; :memory: keeps nothing"
  },
  { key: "region", flag: "--region", env: "SEALCAST_REGION", value: "<region>", defaultText: "us-east-1", meaning: "the region in ARNs and in SigV4 scopes" },
  { key: "accountId", flag: "--account-id", env: "SEALCAST_ACCOUNT_ID", value: "<12 digits>", defaultText: "000000000000", meaning: "the default account" },
  {
    key: "accessKeyId", flag: "--access-key-id", env: "SEALCAST_ACCESS_KEY_ID", value: "<id>", defaultText: "generated once per data dir",
    meaning: "the default account's root access key id (give with --secret-access-key)"
  },
  {
    key: "secretAccessKey", flag: "--secret-access-key", env: "SEALCAST_SECRET_ACCESS_KEY", value: "<secret>",
    defaultText: "generated once per data dir", meaning: "the default account's root secret access key"
  },
  {
    key: "credentials", flag: "--credentials", env: "SEALCAST_CREDENTIALS", value: "<file>", defaultText: "none",
    meaning: "a file of further accounts, IAM users and access keys (format below)"
  },
  {
    key: "tlsCert", flag: "--tls-cert", env: "SEALCAST_TLS_CERT", value: "<file>", defaultText: "a localhost certificate from a local CA",
    meaning: "your own PEM certificate (chain) for HTTPS (give with --tls-key)"
  },
  { key: "tlsKey", flag: "--tls-key", env: "SEALCAST_TLS_KEY", value: "<file>", defaultText: "made with the certificate", meaning: "the PEM private key of --tls-cert" },
  {
    key: "rootKeyFile", flag: "--root-key-file", env: "SEALCAST_ROOT_KEY_FILE", value: "<file>", defaultText: "made once in the data dir, with a warning",
    meaning: "32 bytes as base64 or hex: the key that protects the KMS key store at rest"
  },
  {
    key: "databaseUrl", flag: "--database-url", env: "SEALCAST_DATABASE_URL", value: "<url>", defaultText: "none (SQLite in the data dir)",
    meaning: "postgres://…: keep topics, subscriptions, messages and KMS keys in PostgreSQL; the data dir keeps the rest"
  },
  {
    key: "nodeId", flag: "--node-id", env: "SEALCAST_NODE_ID", value: "<name>", defaultText: "a new one at each start",
    meaning: "this broker's name among those on one database: in the ready line, the logs and delivery leases"
  },
  { key: "logLevel", flag: "--log-level", env: "SEALCAST_LOG_LEVEL", value: "<level>", defaultText: "info", meaning: "error, warn, info or debug (logs go to standard error)" },
  {
    key: "lenientQueuePolicies", flag: "--lenient-queue-policies", env: "SEALCAST_LENIENT_QUEUE_POLICIES", value: "", defaultText: "off", isSwitch: true,
    meaning: "SNS → SQS delivery skips the queue-policy check, which AWS does make (for suites written against emulators that never checked it)"
  }
]

const bySetting = (key: PropertyKey) => settings.find((s) => s.key === key)

/**
 * Decodes `input` (from `startBroker`, or merged from argv and the environment) into settings with
 * defaults; every problem is reported, one a line, naming where its value came from.
 *
 * @category constructors
 */
export const decodeBrokerOptions = (
  input: unknown,
  sourceOf: (setting: Setting) => string = (s) => s.key
): Either.Either<BrokerOptions, ConfigError> =>
  Schema.decodeUnknownEither(BrokerOptions, { errors: "all", onExcessProperty: "error" })(input).pipe(
    Either.mapLeft((error) => {
      // An optional setting is a union with `undefined`, whose "Expected undefined" adds nothing:
      // one message per setting, the first.
      const issues = ParseResult.ArrayFormatter.formatErrorSync(error)
      const firstPerSetting = issues.filter((issue, i) => issues.findIndex((other) => other.path[0] === issue.path[0]) === i)
      const lines = firstPerSetting.map(({ path, message }) => {
        const setting = bySetting(path[0] ?? "")
        const given = setting === undefined ? undefined : (input as Partial<Record<Key, unknown>>)[setting.key]
        const where = setting === undefined ? String(path[0] ?? "options") : sourceOf(setting)
        const value = given === undefined ? "" : ` ${JSON.stringify(given)}`
        return `Invalid ${where}${value}: ${message}`
      })
      return new ConfigError({ message: lines.join("\n") })
    })
  )

/**
 * What the command line asks for.
 *
 * @category models
 */
export type Command =
  | { readonly _tag: "Serve"; readonly options: BrokerOptions }
  | { readonly _tag: "Help"; readonly text: string }

const mainHelp = (): string =>
  [
    "sealcast: a local Amazon SNS-compatible broker with real server-side encryption (a simulated KMS,",
    "AES-256-GCM envelope encryption) and SigV4 verification on every request.",
    "",
    "Usage:",
    "  sealcast serve [options]   run the broker (what `npm start` runs)",
    "  sealcast --help            this text",
    "  sealcast serve --help      the options of serve",
    "",
    "Run `sealcast serve --help` for every option and its environment variable."
  ].join("\n")

const serveHelp = (): string => {
  const rows = settings.map((s) => [`${s.flag} ${s.value}`.trimEnd(), s.env, s.meaning, `default: ${s.defaultText}`] as const)
  const width = Math.max(...rows.map(([flag]) => flag.length))
  return [
    "Usage: sealcast serve [options]",
    "",
    "Runs one HTTPS endpoint for SNS (AWS Query) and KMS (AWS JSON 1.1). When ready it prints one JSON",
    'line to standard output ({"event":"ready",...}: endpoint, region, account, credentials, CA file);',
    "logs go to standard error. SIGTERM or SIGINT stops it gracefully.",
    "",
    "Options (each also --option=value; a flag wins over its environment variable):",
    ...rows.flatMap(([flag, env, meaning, defaults]) => [
      `  ${flag.padEnd(width)}  ${meaning}`,
      `  ${"".padEnd(width)}  env ${env}; ${defaults}`
    ]),
    `  ${"--help".padEnd(width)}  this text`,
    "",
    "The data dir holds sealcast.db, credentials (an AWS shared-credentials file, profile sealcast),",
    "root-key and tls/ (ca.pem, the local CA to trust; server.pem; signing.pem). For example:",
    "  AWS_SHARED_CREDENTIALS_FILE=.sealcast/credentials AWS_PROFILE=sealcast \\",
    "  AWS_CA_BUNDLE=.sealcast/tls/ca.pem aws --endpoint-url https://127.0.0.1:9443 sns list-topics",
    "With --database-url there is no sealcast.db: the database holds topics, subscriptions, messages and",
    "KMS keys (wrapped under the root key); root-key, credentials and tls/ stay in the data dir. Brokers",
    "sharing a database must share the root key (--root-key-file).",
    "",
    "The --credentials file: one INI section per access key id.",
    "  [AKIAIOSFODNN7EXAMPLE]",
    "  secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "  account_id = 111111111111",
    "  user = alice            # optional: an IAM user; without it the key is the account's root",
    "  session_token = ...     # optional: temporary credentials; requests must carry the token",
    "",
    "Exit codes: 0 after a graceful stop, 2 for invalid options, 1 for any other failure."
  ].join("\n")
}

/**
 * Help texts, for the CLI and its tests.
 *
 * @category utils
 */
export const helpText = { main: mainHelp, serve: serveHelp }

const isHelp = (arg: string) => arg === "--help" || arg === "-h"

/** Levenshtein distance: the fewest one-character insertions, deletions or substitutions. */
const editDistance = (a: string, b: string): number => {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    previous = current
  }
  return previous[b.length]!
}

/**
 * The known name closest to `given`, when it is close enough to be a slip (at most a third of its
 * length away): " Did you mean --port?", or nothing.
 *
 * @category utils
 */
export const suggestion = (given: string, known: ReadonlyArray<string>): string => {
  const ranked = known.map((name) => ({ name, distance: editDistance(given, name) })).sort((a, b) => a.distance - b.distance)
  const best = ranked[0]
  return best !== undefined && best.distance <= Math.max(1, Math.floor(given.length / 3)) ? ` Did you mean ${best.name}?` : ""
}

/**
 * Reads `argv` (without the node executable and script) and the environment into a command.
 * `sealcast`, `sealcast --help` and `sealcast help` ask for the main help; `sealcast serve --help` and
 * `sealcast help serve` for serve's. Pure: the caller passes `process.argv.slice(2)` and `process.env`.
 *
 * @category constructors
 */
export const parseCommandLine = (
  argv: ReadonlyArray<string>,
  env: Readonly<Record<string, string | undefined>>
): Either.Either<Command, ConfigError> => {
  const [command, ...rest] = argv
  if (command === undefined || isHelp(command)) return Either.right({ _tag: "Help", text: mainHelp() })
  if (command === "help") {
    return Either.right({ _tag: "Help", text: rest[0] === "serve" ? serveHelp() : mainHelp() })
  }
  if (command !== "serve") {
    return Either.left(new ConfigError({ message: `Unknown command ${JSON.stringify(command)}.${suggestion(command, ["serve", "help"])}` }))
  }
  if (rest.some(isHelp)) return Either.right({ _tag: "Help", text: serveHelp() })

  const fromFlags = new Map<Key, string>()
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!
    if (!arg.startsWith("--")) {
      return Either.left(new ConfigError({ message: `Unexpected argument ${JSON.stringify(arg)}: options start with --.${suggestion(`--${arg.replace(/^-+/, "")}`, [...settings.map((x) => x.flag), "--help"])}` }))
    }
    const equals = arg.indexOf("=")
    const flag = equals === -1 ? arg : arg.slice(0, equals)
    const setting = settings.find((s) => s.flag === flag)
    if (setting === undefined) {
      return Either.left(new ConfigError({ message: `Unknown option ${flag}.${suggestion(flag, [...settings.map((x) => x.flag), "--help"])}` }))
    }
    let value: string
    if (equals !== -1) value = arg.slice(equals + 1)
    else if (setting.isSwitch === true) value = "true"
    else {
      const next = rest[i + 1]
      if (next === undefined || next.startsWith("--")) return Either.left(new ConfigError({ message: `Option ${flag} needs a value` }))
      value = next
      i++
    }
    if (fromFlags.has(setting.key)) return Either.left(new ConfigError({ message: `Option ${flag} is given more than once` }))
    fromFlags.set(setting.key, value)
  }

  const merged: Partial<Record<Key, string>> = {}
  for (const setting of settings) {
    const fromEnv = env[setting.env]
    const value = fromFlags.get(setting.key) ?? (fromEnv === "" ? undefined : fromEnv)
    if (value !== undefined) merged[setting.key] = value
  }
  const sourceOf = (setting: Setting) => (fromFlags.has(setting.key) ? setting.flag : setting.env)
  return Either.map(decodeBrokerOptions(merged, sourceOf), (options) => ({ _tag: "Serve", options }))
}
