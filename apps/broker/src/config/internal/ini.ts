/**
 * Reads an INI file as the AWS SDK for JavaScript reads the shared credentials file: with its own
 * reader, `loadSharedConfigFiles` of `@smithy/core/config` (the home of what was
 * `@smithy/shared-ini-file-loader`, which now re-exports it). So the two credential files follow the
 * SDK's rules (docs.aws.amazon.com/sdkref/latest/guide/file-format.html) to the letter: `#` and `;`
 * start a comment at the beginning of a line or after whitespace (so `user = alice  # note` is
 * `alice`), keys and values are trimmed, a later value wins, and lines it cannot read are skipped.
 *
 * The reader's `parseIni` is not exported, and `loadSharedConfigFiles` reads both a credentials and a
 * config file by path and answers `{}` for a missing one; so the file is named as both (the config
 * reading is discarded) and its presence is checked first by the caller.
 */
import { loadSharedConfigFiles } from "@smithy/core/config"
import { Effect } from "effect"
import { DataDirError } from "../DataDir.js"

/**
 * Section name -> key -> value.
 */
export type IniSections = Readonly<Record<string, Readonly<Record<string, string | undefined>>>>

export const readIniFile = (path: string): Effect.Effect<IniSections, DataDirError> =>
  Effect.tryPromise({
    // ignoreCache: the reader otherwise keeps a file's first reading for the life of the process.
    try: async () => (await loadSharedConfigFiles({ filepath: path, configFilepath: path, ignoreCache: true })).credentialsFile,
    catch: (cause) => new DataDirError({ message: `Cannot read ${path}: ${String(cause)}` })
  })
