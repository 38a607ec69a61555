/**
 * The data dir: where everything durable lives (docs/CONTRACT.md, "The command line"), and how the broker
 * writes its small secret files there.
 *
 * Layout: `sealcast.db` (messages, topics, subscriptions, keys), `credentials` (AWS shared-credentials
 * file, profile `sealcast`), `root-key` (unless `--root-key-file`), `tls/` (local CA, localhost
 * certificate, message-signing identity), `lock` (see `DataDirLock`). `:memory:` keeps nothing: no
 * file is read or written.
 *
 * @since 0.1.0
 */
import { Data, Effect } from "effect"
import { chmodSync, closeSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync } from "node:fs"
import { dirname, join, resolve } from "node:path"

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

const isMissing = (cause: unknown) => cause instanceof Error && "code" in cause && cause.code === "ENOENT"

/**
 * Checks, by doing it, that the broker can write where it must: a file can be made in `dataDir`, and
 * each of `files` (paths in it) that exists opens for writing. Permission bits alone do not answer
 * this (root ignores them; an immutable or read-only-mounted dir refuses root too). A broker that
 * started without this would answer every write with a 500.
 *
 * @category utils
 */
export const checkWritable = (dataDir: string, files: ReadonlyArray<string>): Effect.Effect<void, DataDirError> =>
  Effect.try({
    try: () => {
      const probe = join(dataDir, `.write-check-${process.pid}`)
      try {
        writeFileSync(probe, "")
        unlinkSync(probe)
      } catch (cause) {
        throw new DataDirError({ message: `The data dir ${dataDir} is not writable: ${describe(cause)}` })
      }
      for (const file of files) {
        try {
          closeSync(openSync(file, "r+"))
        } catch (cause) {
          if (!isMissing(cause)) throw new DataDirError({ message: `${file} is not writable: ${describe(cause)}` })
        }
      }
    },
    catch: (cause) => (cause instanceof DataDirError ? cause : new DataDirError({ message: `Cannot check the data dir ${dataDir}: ${describe(cause)}` }))
  })
