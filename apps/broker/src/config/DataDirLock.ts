/**
 * One broker per data dir: an exclusive lock on `<dataDir>/lock`, held for the broker's life.
 *
 * Two brokers on one data dir would each take the other's acknowledged work for their own, and lose
 * it. Node has no `flock`, so the lock is SQLite's own: the file is opened as a database with
 * `locking_mode=EXCLUSIVE` and an exclusive transaction is begun and never committed
 * (sqlite.org/pragma.html#pragma_locking_mode, sqlite.org/lang_transaction.html). SQLite's unix VFS
 * takes it with POSIX advisory locks (`fcntl`), which the kernel drops when the process dies, so a
 * `kill -9` leaves no stale lock; and it tracks locks per file inside one process too, so a second
 * broker started in the same process is refused as well (sqlite.org/lockingv3.html).
 * The file stays empty: nothing is ever written to it.
 *
 * @since 0.1.0
 */
import Database from "better-sqlite3"
import { Data, Effect, type Scope } from "effect"
import { join } from "node:path"

/**
 * The lock file's name inside the data dir.
 *
 * @category utils
 */
export const LOCK_FILE = "lock"

/**
 * @category utils
 */
export const lockPath = (dataDir: string): string => join(dataDir, LOCK_FILE)

/**
 * Another broker (in this process or another) holds the data dir.
 *
 * @category errors
 */
export class DataDirInUse extends Data.TaggedError("DataDirInUse")<{ readonly message: string }> {}

/**
 * The lock could not be taken for a reason other than another broker holding it.
 *
 * @category errors
 */
export class DataDirLockError extends Data.TaggedError("DataDirLockError")<{ readonly message: string }> {}

const isBusy = (cause: unknown) => cause instanceof Error && "code" in cause && (cause.code === "SQLITE_BUSY" || cause.code === "SQLITE_LOCKED")

const take = (dataDir: string): Effect.Effect<Database.Database, DataDirInUse | DataDirLockError> => {
  const path = lockPath(dataDir)
  return Effect.try({
    try: () => {
      // No busy timeout: a held lock is an answer, not a reason to wait.
      const db = new Database(path, { timeout: 0 })
      try {
        db.pragma("locking_mode = EXCLUSIVE")
        db.exec("BEGIN EXCLUSIVE")
        return db
      } catch (cause) {
        db.close()
        throw cause
      }
    },
    catch: (cause) =>
      isBusy(cause)
        ? new DataDirInUse({
          message: `The data dir ${dataDir} is in use by another broker (it holds the lock on ${path}); stop that broker, or pass another --data-dir`
        })
        : new DataDirLockError({ message: `Cannot lock the data dir ${dataDir} (${path}): ${cause instanceof Error ? cause.message : String(cause)}` })
  })
}

/**
 * Holds the lock on `dataDir` until the scope closes.
 *
 * @category constructors
 */
export const acquire = (dataDir: string): Effect.Effect<void, DataDirInUse | DataDirLockError, Scope.Scope> =>
  Effect.asVoid(
    Effect.acquireRelease(take(dataDir), (db) =>
      Effect.sync(() => {
        db.exec("ROLLBACK")
        db.close()
      })
    )
  )
