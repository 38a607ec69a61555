/**
 * Structured, levelled logs: one JSON object a line on standard error, so standard output carries
 * only the ready line (docs/CONTRACT.md, "The ready line"). Callers pass fields, never a message
 * body, a secret or a key.
 *
 * @since 0.1.0
 */
import { HashMap, Layer, Logger, LogLevel } from "effect"

/**
 * @category models
 */
export type Level = "error" | "warn" | "info" | "debug"

/**
 * @category models
 */
export type Log = (level: Level, message: string, fields?: Readonly<Record<string, unknown>>) => void

const rank: Record<Level, number> = { error: 0, warn: 1, info: 2, debug: 3 }

/**
 * A logger that writes lines at or above `threshold` to `write`.
 *
 * @category constructors
 */
export const make = (threshold: Level, write: (line: string) => void = (line) => process.stderr.write(line)): Log =>
  (level, message, fields) => {
    if (rank[level] > rank[threshold]) return
    write(`${JSON.stringify({ time: new Date().toISOString(), level, message, ...fields })}\n`)
  }

const levelOf = (level: LogLevel.LogLevel): Level =>
  LogLevel.greaterThanEqual(level, LogLevel.Error)
    ? "error"
    : LogLevel.greaterThanEqual(level, LogLevel.Warning)
      ? "warn"
      : LogLevel.greaterThanEqual(level, LogLevel.Info)
        ? "info"
        : "debug"

const minimumOf: Record<Level, LogLevel.LogLevel> = {
  error: LogLevel.Error,
  warn: LogLevel.Warning,
  info: LogLevel.Info,
  debug: LogLevel.Debug
}

/**
 * Effect's logger, writing through `log` (its annotations become the line's fields), with Effect's
 * minimum level set to `threshold`: what runs on Effect (the HTTP server's per-request lines) logs
 * the same JSON lines as the rest of the broker.
 *
 * @category layers
 */
export const layerEffectLogger = (log: Log, threshold: Level): Layer.Layer<never> =>
  Layer.merge(
    Logger.replace(
      Logger.defaultLogger,
      Logger.make(({ annotations, logLevel, message }) =>
        log(levelOf(logLevel), Array.isArray(message) ? message.join(" ") : String(message), Object.fromEntries(HashMap.toEntries(annotations)))
      )
    ),
    Logger.minimumLogLevel(minimumOf[threshold])
  )
