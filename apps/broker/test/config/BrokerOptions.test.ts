import { describe, expect, it } from "vitest"
import { Either } from "effect"
import { type Command, ConfigError, decodeBrokerOptions, helpText, parseCommandLine, settings } from "../../src/config/BrokerOptions.js"

const serve = (argv: ReadonlyArray<string>, env: Record<string, string> = {}) => {
  const command: Either.Either<Command, { readonly message: string }> = parseCommandLine(["serve", ...argv], env)
  return Either.map(command, (c) => (c._tag === "Serve" ? c.options : c.text))
}
const error = (argv: ReadonlyArray<string>, env: Record<string, string> = {}) =>
  Either.getOrThrowWith(Either.flip(parseCommandLine(["serve", ...argv], env)), () => new Error("expected a ConfigError")).message

describe("BrokerOptions", () => {
  it("fills docs/CONTRACT.md's defaults", () => {
    expect(serve([])).toEqual(Either.right({
      host: "127.0.0.1",
      port: 9443,
      dataDir: "./.sealcast",
      region: "us-east-1",
      accountId: "000000000000",
      logLevel: "info",
      lenientQueuePolicies: false
    }))
  })

  it("takes --flag value and --flag=value; a flag wins over its environment twin, which wins over the default", () => {
    const env = { SEALCAST_PORT: "1234", SEALCAST_REGION: "eu-west-1", SEALCAST_DATA_DIR: "/env", SEALCAST_HOST: "" }
    expect(serve(["--port", "0", "--data-dir=/tmp/x", "--http-port=8080", "--log-level", "debug"], env)).toEqual(Either.right({
      host: "127.0.0.1",
      port: 0,
      httpPort: 8080,
      dataDir: "/tmp/x",
      region: "eu-west-1",
      accountId: "000000000000",
      logLevel: "debug",
      lenientQueuePolicies: false
    }))
    expect(Either.map(serve([], env), (o) => typeof o !== "string" && o.port)).toEqual(Either.right(1234))
  })

  it("every setting has a flag and an environment variable that reach it", () => {
    const values: Record<string, string> = {
      host: "0.0.0.0", port: "1", httpPort: "2", dataDir: "d", region: "ap-southeast-2", accountId: "111111111111",
      accessKeyId: "AKIAEXAMPLE", secretAccessKey: "s/+cret", credentials: "c.ini", tlsCert: "c.pem", tlsKey: "k.pem",
      rootKeyFile: "root", databaseUrl: "postgres://sealcast:secret@db.example:5432/sealcast?sslmode=require", nodeId: "broker-2", logLevel: "warn",
      lenientQueuePolicies: "true"
    }
    const expected = { ...values, port: 1, httpPort: 2, lenientQueuePolicies: true }
    expect(serve(settings.flatMap((s) => (s.isSwitch === true ? [s.flag] : [s.flag, values[s.key]!])))).toEqual(Either.right(expected))
    expect(serve([], Object.fromEntries(settings.map((s) => [s.env, values[s.key]!])))).toEqual(Either.right(expected))
  })

  it("takes --lenient-queue-policies alone or with =true/=false, its environment twin, and startBroker's boolean", () => {
    const lenient = (argv: ReadonlyArray<string>, env: Record<string, string> = {}) =>
      Either.map(serve(argv, env), (o) => typeof o !== "string" && o.lenientQueuePolicies)
    expect(lenient(["--lenient-queue-policies"])).toEqual(Either.right(true))
    expect(lenient(["--lenient-queue-policies=false"], { SEALCAST_LENIENT_QUEUE_POLICIES: "true" })).toEqual(Either.right(false))
    expect(lenient([], { SEALCAST_LENIENT_QUEUE_POLICIES: "true" })).toEqual(Either.right(true))
    expect(error(["--lenient-queue-policies=yes"])).toBe('Invalid --lenient-queue-policies "yes": must be true or false')
    expect(Either.map(decodeBrokerOptions({ lenientQueuePolicies: true }), (o) => o.lenientQueuePolicies)).toEqual(Either.right(true))
  })

  it("reports each invalid value naming where it came from, all at once", () => {
    const message = error(["--port", "70000", "--region=Mars"], { SEALCAST_ACCOUNT_ID: "12" })
    expect(message.split("\n")).toEqual([
      'Invalid --port "70000": must be a whole number from 0 to 65535 (0 picks a free port)',
      'Invalid --region "Mars": must be a region name such as us-east-1',
      'Invalid SEALCAST_ACCOUNT_ID "12": must be exactly 12 digits, such as 000000000000'
    ])
    expect(error(["--port", "0x10"])).toContain("must be a whole number")
    expect(error(["--port", ""])).toContain("must be a whole number")
    expect(error(["--log-level", "loud"])).toBe('Invalid --log-level "loud": must be one of error, warn, info, debug')
    expect(error(["--node-id", "a b"])).toBe('Invalid --node-id "a b": must be 1 to 64 letters, digits, dots, dashes or underscores')
    expect(error(["--database-url", "mysql://db/x"])).toBe(
      'Invalid --database-url "mysql://db/x": must be a PostgreSQL URL such as postgres://user:password@host:5432/database'
    )
  })

  it("refuses half of a pair, and an HTTP port equal to the HTTPS one", () => {
    expect(error(["--access-key-id", "AKIAEXAMPLE"])).toContain("must be given together")
    expect(error(["--tls-key", "k.pem"])).toContain("must be given together")
    expect(error(["--port", "8443", "--http-port", "8443"])).toContain("must differ")
    expect(Either.isRight(serve(["--port", "0", "--http-port", "0"]))).toBe(true)
  })

  it("refuses unknown options, missing values, repeats and stray arguments", () => {
    expect(error(["--prot", "1"])).toBe("Unknown option --prot. Did you mean --port?")
    expect(error(["--data-directory", "x"])).toBe("Unknown option --data-directory.")
    expect(error(["--acess-key-id", "x"])).toBe("Unknown option --acess-key-id. Did you mean --access-key-id?")
    expect(error(["--regoin=eu-west-1"])).toBe("Unknown option --regoin. Did you mean --region?")
    expect(error(["--port"])).toBe("Option --port needs a value")
    expect(error(["--port", "--host", "x"])).toBe("Option --port needs a value")
    expect(error(["--port", "1", "--port=2"])).toBe("Option --port is given more than once")
    expect(error(["extra"])).toBe('Unexpected argument "extra": options start with --.')
    expect(error(["port", "0"])).toBe('Unexpected argument "port": options start with --. Did you mean --port?')
    expect(parseCommandLine(["serf"], {})).toEqual(Either.left(new ConfigError({ message: 'Unknown command "serf". Did you mean serve?' })))
  })

  it("answers --help for sealcast and sealcast serve, the latter listing every option and its variable", () => {
    for (const argv of [[], ["--help"], ["-h"], ["help"]]) {
      expect(parseCommandLine(argv, {})).toEqual(Either.right({ _tag: "Help", text: helpText.main() }))
    }
    for (const argv of [["serve", "--help"], ["serve", "--port", "1", "-h"], ["help", "serve"]]) {
      expect(parseCommandLine(argv, {})).toEqual(Either.right({ _tag: "Help", text: helpText.serve() }))
    }
    for (const s of settings) {
      expect(helpText.serve()).toContain(s.flag)
      expect(helpText.serve()).toContain(s.env)
    }
  })

  it("decodes startBroker's camelCase options, numbers or text, and refuses unknown keys", () => {
    expect(Either.map(decodeBrokerOptions({ port: 0, dataDir: ":memory:" }), (o) => [o.port, o.dataDir])).toEqual(Either.right([0, ":memory:"]))
    expect(Either.map(decodeBrokerOptions({ port: "0" }), (o) => o.port)).toEqual(Either.right(0))
    expect(Either.isLeft(decodeBrokerOptions({ port: 1.5 }))).toBe(true)
    expect(Either.isLeft(decodeBrokerOptions({ prot: 1 }))).toBe(true)
  })
})
