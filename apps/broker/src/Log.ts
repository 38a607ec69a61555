/**
 * The broker's one logger: Effect's, writing one JSON object a line on standard error (`time`,
 * `level`, `message`, then the log's annotations as fields), so standard output carries only the
 * ready line (docs/CONTRACT.md, "The ready line"). Code in Effect logs with `Effect.logInfo` and the
 * like, its fields as `Effect.annotateLogs`; code that runs outside Effect (plain callbacks) logs
 * through `plain`, which runs the same logger. Fields never carry a message body, a secret or a key.
 *
 * @since 0.1.0
 */
import { Effect, FiberRef, FiberRefs, HashMap, Layer, Logger, LogLevel, Runtime } from "effect"

/**
 * @category models
 */
export type Level = "error" | "warn" | "info" | "debug"

const logLevels: Record<Level, LogLevel.LogLevel> = {
  error: LogLevel.Error,
  warn: LogLevel.Warning,
  info: LogLevel.Info,
  debug: LogLevel.Debug
}

const levelOf = (level: LogLevel.LogLevel): Level =>
  LogLevel.greaterThanEqual(level, LogLevel.Error)
    ? "error"
    : LogLevel.greaterThanEqual(level, LogLevel.Warning)
      ? "warn"
      : LogLevel.greaterThanEqual(level, LogLevel.Info)
        ? "info"
        : "debug"

/** Effect's logger writing the broker's lines to `write`. */
const jsonLines = (write: (line: string) => void): Logger.Logger<unknown, void> =>
  Logger.make(({ annotations, date, logLevel, message }) =>
    write(
      `${JSON.stringify({
        time: date.toISOString(),
        level: levelOf(logLevel),
        message: Array.isArray(message) ? message.join(" ") : String(message),
        ...Object.fromEntries(HashMap.toEntries(annotations))
      })}\n`
    )
  )

/**
 * The broker's logger in place of Effect's default one, writing to `write` (standard error unless a
 * test says otherwise), with Effect's minimum level set to `threshold`: lines under it are not made.
 *
 * @category layers
 */
export const layer = (threshold: Level, write: (line: string) => void = (line) => process.stderr.write(line)): Layer.Layer<never> =>
  Layer.merge(Logger.replace(Logger.defaultLogger, jsonLines(write)), Logger.minimumLogLevel(logLevels[threshold]))

/**
 * A runtime whose fibers log through `layer`, for running the broker from a plain async function
 * (`startBroker`, the command).
 *
 * @category constructors
 */
export const runtime = (threshold: Level, write?: (line: string) => void): Runtime.Runtime<never> =>
  Effect.runSync(Effect.scoped(Layer.toRuntime(layer(threshold, write))))

/**
 * The logger of `runtime` as a plain function, for code that runs outside Effect: a line under the
 * runtime's minimum level costs one comparison, and one at or above it is `Effect.logWithLevel`
 * with `fields` as annotations, run on `runtime`.
 *
 * @category constructors
 */
export const plainFrom = (runtime: Runtime.Runtime<never>) => {
  const minimum = FiberRefs.getOrDefault(runtime.fiberRefs, FiberRef.currentMinimumLogLevel)
  const run = Runtime.runSync(runtime)
  return (level: Level, message: string, fields: Readonly<Record<string, unknown>> = {}): void => {
    const logLevel = logLevels[level]
    if (LogLevel.lessThan(logLevel, minimum)) return
    run(Effect.annotateLogs(Effect.logWithLevel(logLevel, message), fields))
  }
}

/**
 * The current fiber's logger as a plain function (`plainFrom` its runtime).
 *
 * @category constructors
 */
export const plain = Effect.map(Effect.runtime<never>(), plainFrom)
