/**
 * The root key: the 32-byte AES-256 key under which the KMS key store keeps key material at rest
 * (docs/CONTRACT.md, "At rest": "KMS key material is stored only encrypted under the root key").
 *
 * From `--root-key-file` (32 bytes written as 64 hex digits or as base64), or by default made once
 * at `<dataDir>/root-key` (mode 0600, base64, the same format). The default is convenient but weak:
 * whoever copies the data dir copies the key with it, so the loader returns a warning for the log.
 * With `:memory:` a fresh key lives only in memory.
 *
 * A key made here is written only once the key store has accepted it (`save`): a data dir whose
 * `root-key` was lost while its key store holds keys is refused at start, and a new file is never
 * left behind to hide the loss.
 *
 * @since 0.1.0
 */
import { Effect, Either } from "effect"
import { randomBytes } from "node:crypto"
import { join } from "node:path"
import { ConfigError } from "./BrokerOptions.js"
import * as DataDir from "./DataDir.js"

/** AES-256 keys are 32 bytes (FIPS 197 §5). */
const ROOT_KEY_BYTES = 32

/**
 * @category models
 */
export interface RootKey {
  readonly key: Uint8Array
  /** Where it came from: a file path, or `memory`. */
  readonly source: string
  /** Set when the key sits beside the data it protects: say so in the log. */
  readonly warning: string | undefined
  /** Set when the key was just made: writes it to `source`, to run once the key store accepted it. */
  readonly save: Effect.Effect<void, DataDir.DataDirError> | undefined
}

/**
 * @category utils
 */
export const rootKeyPath = (dataDir: string): string => join(dataDir, "root-key")

/**
 * Reads 32 bytes from hex or base64 text (surrounding whitespace ignored).
 *
 * @category utils
 */
export const parseRootKey = (text: string, source: string): Either.Either<Uint8Array, ConfigError> => {
  const trimmed = text.trim()
  const bytes = /^[0-9a-fA-F]{64}$/.test(trimmed)
    ? Buffer.from(trimmed, "hex")
    : /^[A-Za-z0-9+/]{43}=$/.test(trimmed)
      ? Buffer.from(trimmed, "base64")
      : undefined
  return bytes?.length === ROOT_KEY_BYTES
    ? Either.right(new Uint8Array(bytes))
    : Either.left(new ConfigError({ message: `${source}: a root key is 32 bytes written as 64 hex digits or 44 characters of base64` }))
}

/**
 * @category utils
 */
export const formatRootKey = (key: Uint8Array): string => `${Buffer.from(key).toString("base64")}\n`

/**
 * The root key in force for these options.
 *
 * @category constructors
 */
export const loadRootKey = (options: {
  readonly dataDir: string
  readonly rootKeyFile?: string | undefined
}): Effect.Effect<RootKey, ConfigError | DataDir.DataDirError> => {
  if (options.rootKeyFile !== undefined) {
    const path = options.rootKeyFile
    return DataDir.readNamedFile(path, "--root-key-file").pipe(
      Effect.flatMap((text) => parseRootKey(text, path)),
      Effect.map((key) => ({ key, source: path, warning: undefined, save: undefined }))
    )
  }
  if (DataDir.isMemory(options.dataDir)) {
    return Effect.sync(() => ({ key: new Uint8Array(randomBytes(ROOT_KEY_BYTES)), source: "memory", warning: undefined, save: undefined }))
  }
  const path = rootKeyPath(options.dataDir)
  const warning = `The KMS root key is ${path}, beside the data it protects: anyone who copies the data dir can read every KMS key. Pass --root-key-file to keep it elsewhere.`
  return Effect.flatMap(DataDir.readIfPresent(path), (text): Effect.Effect<RootKey, ConfigError | DataDir.DataDirError> => {
    // An unreadable root key is an error, never a reason to make a new one: a new key would leave
    // every stored KMS key undecryptable.
    if (text !== undefined) return Effect.map(parseRootKey(text, path), (key) => ({ key, source: path, warning, save: undefined }))
    return Effect.sync(() => {
      const key = new Uint8Array(randomBytes(ROOT_KEY_BYTES))
      return { key, source: path, warning, save: DataDir.writeFileAtomic(path, formatRootKey(key), DataDir.PRIVATE) }
    })
  })
}
