#!/usr/bin/env node
/**
 * The `sealcast` command. `sealcast serve` runs the broker until SIGTERM or SIGINT; it prints exactly
 * one JSON line on standard output when ready, and logs on standard error.
 *
 * Exit codes: 0 after a graceful stop or `--help`; 2 for invalid options; 3 when another broker
 * holds the data dir; 1 when the broker cannot start for any other reason, a `--database-url` that
 * cannot be reached or holds a newer schema among them (one log line says why),
 * or when a stop does not finish within `STOP_TIMEOUT_MS`.
 *
 * A shell over `launch` (Broker.ts), the start-up `startBroker` runs too: the command line, the
 * signals, the ready line and the exit codes are this file's.
 *
 * @since 0.1.0
 */
import { Either } from "effect"
import { launch, StartupError } from "../Broker.js"
import { parseCommandLine } from "../config/BrokerOptions.js"

const main = async (): Promise<number> => {
  const command = parseCommandLine(process.argv.slice(2), process.env)
  if (Either.isLeft(command)) {
    // The messages say what is wrong; the pointer to the help is added here, once.
    const help = process.argv[2] === "serve" ? "sealcast serve --help" : "sealcast --help"
    process.stderr.write(`sealcast: ${command.left.message}\nRun \`${help}\` for the options.\n`)
    return 2
  }
  if (command.right._tag === "Help") {
    process.stdout.write(command.right.text)
    return 0
  }
  const { log, started } = await launch(command.right.options)
  if (Either.isLeft(started)) {
    const error = started.left
    log("error", "cannot start", { error: error instanceof Error ? error.message : String(error) })
    return error instanceof StartupError && error.reason === "DataDirInUse" ? 3 : 1
  }
  const broker = started.right
  // The handlers go in before the ready line: a supervisor may signal as soon as it reads the line,
  // and until a handler is installed SIGTERM's default action ends the process without a graceful stop.
  const stopSignal = new Promise<NodeJS.Signals>((resolve) => {
    process.once("SIGTERM", () => resolve("SIGTERM"))
    process.once("SIGINT", () => resolve("SIGINT"))
  })
  process.stdout.write(`${JSON.stringify(broker.ready)}\n`)
  log("info", "ready", { https: broker.endpoint, http: broker.httpEndpoint ?? null })
  const signal = await stopSignal
  log("info", "stopping", { signal })
  try {
    await broker.stop()
  } catch (error) {
    log("error", "stop did not finish; exiting", { error: error instanceof Error ? error.message : String(error) })
    return 1
  }
  log("info", "stopped")
  return 0
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`sealcast: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`)
    process.exit(1)
  }
)
