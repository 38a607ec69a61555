import { Errors } from "@sealcast/core"

/** A `StoreFailure` saying what was being done and what SQLite (or the file system) answered. */
export const storeFailure = (doing: string, cause: unknown): Errors.StoreFailure =>
  new Errors.StoreFailure({ message: `${doing}: ${cause instanceof Error ? cause.message : String(cause)}` })
