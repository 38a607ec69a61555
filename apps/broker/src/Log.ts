/**
 * Structured, levelled logs: one JSON object a line on standard error, so standard output carries
 * only the ready line (docs/CONTRACT.md, "The ready line"). Callers pass fields, never a message
 * body, a secret or a key.
 *
 * @since 0.1.0
 */

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
