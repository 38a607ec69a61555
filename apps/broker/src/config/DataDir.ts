/**
 * The data dir: where everything durable lives (docs/CONTRACT.md, "The command line"), and how the broker
 * writes its small secret files there.
 *
 * Layout: `sealcast.db` (messages, topics, subscriptions, keys), `credentials` (AWS shared-credentials
 * file, profile `sealcast`), `root-key` (unless `--root-key-file`), `tls/` (local CA, localhost
 * certificate, message-signing identity). `:memory:` keeps nothing: no file is read or written.
 *
 * @since 0.1.0
 */
import { Data, Effect } from "effect"
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs"
import { dirname, resolve } from "node:path"

/**
 * The data dir value that keeps nothing on disk.
 *
 * @category utils
 */
export const MEMORY = ":memory:"

/**
 * @category utils
 */
export const isMemory = (dataDir: string): boolean => dataDir === MEMORY

/**
 * The absolute form of `dataDir` (for the ready line and log messages); `:memory:` stays as it is.
 *
 * @category utils
 */
export const absolute = (dataDir: string, cwd: string = process.cwd()): string =>
  isMemory(dataDir) ? dataDir : resolve(cwd, dataDir)

/**
 * A file in the data dir (or one the user named) could not be read or written.
 *
 * @category errors
 */
export class DataDirError extends Data.TaggedError("DataDirError")<{ readonly message: string }> {}

const describe = (cause: unknown) => (cause instanceof Error ? cause.message : String(cause))

/** Owner read/write only: for private keys, secrets and the root key. */
export const PRIVATE = 0o600
/** World-readable: for certificates, which are public by design. */
export const PUBLIC = 0o644

/**
 * Writes `text` to `path` all at once: into a temporary file beside it, then `rename` over it
 * (atomic on POSIX), so a kill at any moment leaves either the old file or the whole new one, never a
 * half-written key. The mode is set on the temporary file before any secret is in it.
 *
 * @category utils
 */
export const writeFileAtomic = (path: string, text: string, mode: number): Effect.Effect<void, DataDirError> =>
  Effect.try({
    try: () => {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
      const temporary = `${path}.${process.pid}.tmp`
      writeFileSync(temporary, "", { mode })
      // `mode` at creation is filtered by the umask; chmod makes it exact.
      chmodSync(temporary, mode)
      writeFileSync(temporary, text)
      renameSync(temporary, path)
    },
    catch: (cause) => new DataDirError({ message: `Cannot write ${path}: ${describe(cause)}` })
  })

/**
 * The file's text, or `undefined` if there is no such file.
 *
 * @category utils
 */
export const readIfPresent = (path: string): Effect.Effect<string | undefined, DataDirError> =>
  Effect.try({
    try: () => {
      try {
        return readFileSync(path, "utf8")
      } catch (cause) {
        if (cause instanceof Error && "code" in cause && cause.code === "ENOENT") return undefined
        throw cause
      }
    },
    catch: (cause) => new DataDirError({ message: `Cannot read ${path}: ${describe(cause)}` })
  })

/**
 * A file the user named on the command line; its absence is an error that names the option.
 *
 * @category utils
 */
export const readNamedFile = (path: string, option: string): Effect.Effect<string, DataDirError> =>
  Effect.flatMap(readIfPresent(path), (text) =>
    text === undefined ? Effect.fail(new DataDirError({ message: `${option}: no such file ${path}` })) : Effect.succeed(text)
  )
