/** What a `StoreFailure` says: what was being done, and what SQLite (or the file system) answered. */
export const failureMessage = (doing: string, cause: unknown): string =>
  `${doing}: ${cause instanceof Error ? cause.message : String(cause)}`
