/**
 * A KMS key as the simulator keeps it, and its state machine as pure functions.
 *
 * States and transitions (AWS KMS Developer Guide, "Key states of AWS KMS keys"):
 *
 * ```
 *   CreateKey ─▶ Enabled ◀─EnableKey── Disabled ◀─CancelKeyDeletion─┐
 *                  │  └──DisableKey──────▶ │                         │
 *                  └────ScheduleKeyDeletion┴──▶ PendingDeletion ─────┘
 *                                                   │ window passed
 *                                                   ▼
 *                                                (deleted: gone with its material)
 * ```
 *
 * Every function here takes the key (and `now` where time matters) and returns a new key or a
 * typed error; nothing reads a clock or draws randomness.
 *
 * @since 0.1.0
 */
import { Either } from "effect"
import * as Errors from "./Errors.js"
import type { Grant } from "./Grant.js"

/** The key specs of the CreateKey API (botocore `KeySpec`). @category models */
export const keySpecs = [
  "RSA_2048",
  "RSA_3072",
  "RSA_4096",
  "ECC_NIST_P256",
  "ECC_NIST_P384",
  "ECC_NIST_P521",
  "ECC_SECG_P256K1",
  "SYMMETRIC_DEFAULT",
  "HMAC_224",
  "HMAC_256",
  "HMAC_384",
  "HMAC_512"
] as const

/** @category models */
export type KeySpec = (typeof keySpecs)[number]

/** @category models */
export const keyUsages = ["SIGN_VERIFY", "ENCRYPT_DECRYPT", "GENERATE_VERIFY_MAC", "KEY_AGREEMENT"] as const

/** @category models */
export type KeyUsage = (typeof keyUsages)[number]

/** The states this simulator reaches (the others, like `PendingImport`, need features it lacks). @category models */
export type KeyState = "Enabled" | "Disabled" | "PendingDeletion"

/** @category models */
export type KeyManager = "AWS" | "CUSTOMER"

/** @category models */
export interface Tag {
  readonly TagKey: string
  readonly TagValue: string
}

/**
 * One version of a key's backing material, only ever held wrapped under the root key
 * (see `RootKey.wrapMaterial`). Rotation appends a version; old versions stay so old ciphertexts
 * still decrypt (KMS Developer Guide, "Rotating AWS KMS keys").
 *
 * @category models
 */
export interface WrappedMaterial {
  readonly version: number
  /** ms since the epoch. */
  readonly createdAt: number
  readonly nonce: Uint8Array
  /**
   * AES-256-GCM ciphertext and tag of the material: 32 random bytes for a symmetric key, the key
   * bytes for an HMAC key, the private scalar for an ECC key, the PKCS #8 DER private key for RSA.
   */
  readonly sealed: Uint8Array
  /** How a rotation made this material (ListKeyRotations API, `RotationType`); absent for the key's first. */
  readonly rotationType?: "AUTOMATIC" | "ON_DEMAND"
}

/** @category models */
export interface Rotation {
  readonly enabled: boolean
  /** 90 to 2560 days, default 365 (EnableKeyRotation API). */
  readonly periodInDays: number
  /** ms since the epoch; present while automatic rotation is on. */
  readonly nextRotationDate?: number | undefined
  /** ms since the epoch of the latest RotateKeyOnDemand. */
  readonly onDemandRotationStartDate?: number | undefined
}

/** @category models */
export interface KeyRecord {
  readonly keyId: string
  readonly arn: string
  readonly accountId: string
  readonly region: string
  /** ms since the epoch. */
  readonly creationDate: number
  readonly description: string
  readonly keySpec: KeySpec
  readonly keyUsage: KeyUsage
  readonly keyManager: KeyManager
  readonly state: KeyState
  /** ms since the epoch; only while PendingDeletion. */
  readonly deletionDate?: number | undefined
  readonly pendingDeletionWindowInDays?: number | undefined
  /** The key policy, as the JSON text the caller put (GetKeyPolicy returns it unchanged). */
  readonly policy: string
  readonly tags: ReadonlyArray<Tag>
  readonly rotation: Rotation
  /**
   * Oldest first. Asymmetric and HMAC keys have one version (they do not rotate); a record of such a
   * key stored before their cryptography was simulated has none, and gets it at first use.
   */
  readonly materials: ReadonlyArray<WrappedMaterial>
  /** The key's grants (CreateGrant), oldest first; absent in records stored before grants existed. */
  readonly grants?: ReadonlyArray<Grant> | undefined
}

const DAY_MS = 86_400_000

/** Default rotation period (EnableKeyRotation API: "the default value is 365 days"). @category rules */
export const DEFAULT_ROTATION_PERIOD_DAYS = 365

/** @category utils */
export const keyArn = (region: string, accountId: string, keyId: string): string =>
  `arn:aws:kms:${region}:${accountId}:key/${keyId}`

/**
 * Which usages each spec allows (CreateKey API, "KeyUsage"): symmetric keys only encrypt, RSA keys
 * encrypt or sign, NIST ECC keys sign or agree keys, secp256k1 only signs, HMAC keys only MAC.
 *
 * @category rules
 */
export const usagesFor = (spec: KeySpec): ReadonlyArray<KeyUsage> => {
  if (spec === "SYMMETRIC_DEFAULT") return ["ENCRYPT_DECRYPT"]
  if (spec.startsWith("RSA_")) return ["ENCRYPT_DECRYPT", "SIGN_VERIFY"]
  if (spec === "ECC_SECG_P256K1") return ["SIGN_VERIFY"]
  if (spec.startsWith("ECC_")) return ["SIGN_VERIFY", "KEY_AGREEMENT"]
  return ["GENERATE_VERIFY_MAC"]
}

/**
 * Checks a CreateKey spec/usage pair. KeyUsage defaults to ENCRYPT_DECRYPT (CreateKey API), so an
 * HMAC or ECC key must name its usage.
 *
 * @category rules
 */
export const checkSpecAndUsage = (
  spec: KeySpec,
  usage: KeyUsage
): Either.Either<{ readonly spec: KeySpec; readonly usage: KeyUsage }, Errors.ValidationException> =>
  usagesFor(spec).includes(usage)
    ? Either.right({ spec, usage })
    : Either.left(
        new Errors.ValidationException({ message: `KeyUsage ${usage} is not compatible with KeySpec ${spec}` })
      )

/**
 * The prefix of every multi-Region key id, and of no single-Region one (KMS Developer Guide,
 * "Multi-Region key IDs": `mrk-` followed by 32 hex digits).
 *
 * @category rules
 */
export const MULTI_REGION_KEY_PREFIX = "mrk-"

/** A multi-Region key id from a UUID's 32 hex digits. @category rules */
export const multiRegionKeyId = (uuid: string): string => MULTI_REGION_KEY_PREFIX + uuid.replaceAll("-", "").toLowerCase()

/**
 * Whether `key` is a multi-Region key: its id says so, as AWS's ids do, so the key record needs no
 * field of its own.
 *
 * @category rules
 */
export const isMultiRegion = (key: KeyRecord): boolean => key.keyId.startsWith(MULTI_REGION_KEY_PREFIX)

/** Whether `key` is a symmetric encryption key, the only kind that rotates. @category rules */
export const isSymmetricEncryption = (key: KeyRecord): boolean =>
  key.keySpec === "SYMMETRIC_DEFAULT" && key.keyUsage === "ENCRYPT_DECRYPT"

/**
 * The symmetric cryptographic operations need a SYMMETRIC_DEFAULT ENCRYPT_DECRYPT key; anything else
 * is `InvalidKeyUsageException` (docs/SEMANTICS.md §5).
 *
 * @category rules
 */
export const checkSymmetricUse = (key: KeyRecord, operation: string): Either.Either<KeyRecord, Errors.KmsError> => {
  if (key.keyUsage !== "ENCRYPT_DECRYPT") return Either.left(Errors.invalidKeyUsage(key.arn, key.keyUsage, operation))
  if (key.keySpec !== "SYMMETRIC_DEFAULT") {
    return Either.left(
      new Errors.InvalidKeyUsageException({
        message: `${key.arn} key spec is ${key.keySpec} which is not valid for ${operation}.`
      })
    )
  }
  return Either.right(key)
}

/**
 * Sign and Verify need a SIGN_VERIFY key, GenerateMac and VerifyMac a GENERATE_VERIFY_MAC key;
 * another usage is `InvalidKeyUsageException` in the same words as for Encrypt.
 *
 * @category rules
 */
export const checkUsage = (key: KeyRecord, usage: KeyUsage, operation: string): Either.Either<KeyRecord, Errors.KmsError> =>
  key.keyUsage === usage ? Either.right(key) : Either.left(Errors.invalidKeyUsage(key.arn, key.keyUsage, operation))

/**
 * Cryptographic use needs an Enabled key: Disabled is `DisabledException`, PendingDeletion is
 * `KMSInvalidStateException` (KMS Developer Guide, "Key states of AWS KMS keys", the table of
 * operations by state; docs/SEMANTICS.md §5 for the texts).
 *
 * @category rules
 */
export const checkEnabled = (key: KeyRecord): Either.Either<KeyRecord, Errors.KmsError> => {
  switch (key.state) {
    case "Enabled":
      return Either.right(key)
    case "Disabled":
      return Either.left(Errors.disabled(key.arn))
    case "PendingDeletion":
      return Either.left(Errors.pendingDeletion(key.arn))
  }
}

/**
 * EnableKey, DisableKey, ScheduleKeyDeletion and naming a key as an alias target refuse a key
 * pending deletion (KMS Developer Guide, "Key states of AWS KMS keys").
 *
 * @category rules
 */
export const checkNotPendingDeletion = (key: KeyRecord): Either.Either<KeyRecord, Errors.KmsError> =>
  key.state === "PendingDeletion" ? Either.left(Errors.pendingDeletion(key.arn)) : Either.right(key)

/** EnableKey: Disabled → Enabled; already Enabled is a no-op. @category rules */
export const enable = (key: KeyRecord): Either.Either<KeyRecord, Errors.KmsError> =>
  Either.map(checkNotPendingDeletion(key), (k) => ({ ...k, state: "Enabled" as const }))

/** DisableKey: Enabled → Disabled; already Disabled is a no-op. @category rules */
export const disable = (key: KeyRecord): Either.Either<KeyRecord, Errors.KmsError> =>
  Either.map(checkNotPendingDeletion(key), (k) => ({ ...k, state: "Disabled" as const }))

/**
 * ScheduleKeyDeletion: from Enabled or Disabled to PendingDeletion, deleted `days` (7–30, checked by
 * the request schema) after `now`.
 *
 * @category rules
 */
export const scheduleDeletion = (key: KeyRecord, days: number, now: number): Either.Either<KeyRecord, Errors.KmsError> =>
  Either.map(checkNotPendingDeletion(key), (k) => ({
    ...k,
    state: "PendingDeletion" as const,
    deletionDate: now + days * DAY_MS,
    pendingDeletionWindowInDays: days
  }))

/**
 * CancelKeyDeletion: PendingDeletion back to Disabled, never straight to Enabled (CancelKeyDeletion
 * API: when it succeeds, the key state is Disabled; docs/SEMANTICS.md §5).
 *
 * @category rules
 */
export const cancelDeletion = (key: KeyRecord): Either.Either<KeyRecord, Errors.KmsError> =>
  key.state === "PendingDeletion"
    ? Either.right({ ...key, state: "Disabled", deletionDate: undefined, pendingDeletionWindowInDays: undefined })
    : Either.left(Errors.notPendingDeletion(key.arn))

/** When the key's deletion window ends, while it is PendingDeletion (ms since the epoch). @category rules */
export const expiresAt = (key: KeyRecord): number | undefined =>
  key.state === "PendingDeletion" ? key.deletionDate : undefined

/** The waiting period has passed: the key and all its material are gone for good. @category rules */
export const isExpired = (key: KeyRecord, now: number): boolean => {
  const at = expiresAt(key)
  return at !== undefined && now >= at
}

/**
 * When automatic rotation falls due (ms since the epoch); a pending-deletion or disabled key is
 * not rotated.
 *
 * @category rules
 */
export const rotationDueAt = (key: KeyRecord): number | undefined =>
  key.state === "Enabled" && key.rotation.enabled ? key.rotation.nextRotationDate : undefined

/** Automatic rotation is due. @category rules */
export const isRotationDue = (key: KeyRecord, now: number): boolean => {
  const at = rotationDueAt(key)
  return at !== undefined && now >= at
}

/**
 * EnableKeyRotation: only symmetric encryption keys rotate (the API's UnsupportedOperationException);
 * the key must be usable.
 *
 * @category rules
 */
export const enableRotation = (
  key: KeyRecord,
  periodInDays: number,
  now: number
): Either.Either<KeyRecord, Errors.KmsError> =>
  Either.flatMap(checkRotatable(key), (k) =>
    Either.right({
      ...k,
      rotation: { ...k.rotation, enabled: true, periodInDays, nextRotationDate: now + periodInDays * DAY_MS }
    })
  )

/** DisableKeyRotation. @category rules */
export const disableRotation = (key: KeyRecord): Either.Either<KeyRecord, Errors.KmsError> =>
  Either.map(checkRotatable(key), (k) => ({ ...k, rotation: { ...k.rotation, enabled: false, nextRotationDate: undefined } }))

/** Rotation applies to Enabled symmetric encryption keys only. @category rules */
export const checkRotatable = (key: KeyRecord): Either.Either<KeyRecord, Errors.KmsError> => {
  if (!isSymmetricEncryption(key)) {
    return Either.left(
      new Errors.UnsupportedOperationException({ message: `${key.arn} key spec ${key.keySpec} does not support rotation.` })
    )
  }
  return checkEnabled(key)
}

/**
 * Adds a material version (rotation, automatic or on demand) and moves the next automatic rotation
 * one period on.
 *
 * @category rules
 */
export const addMaterial = (
  key: KeyRecord,
  material: WrappedMaterial,
  now: number,
  onDemand: boolean
): KeyRecord => ({
  ...key,
  materials: [...key.materials, { ...material, rotationType: onDemand ? "ON_DEMAND" : "AUTOMATIC" }],
  rotation: {
    ...key.rotation,
    nextRotationDate: key.rotation.enabled ? now + key.rotation.periodInDays * DAY_MS : undefined,
    onDemandRotationStartDate: onDemand ? now : key.rotation.onDemandRotationStartDate
  }
})

/**
 * The key's completed rotations, oldest first (ListKeyRotations API): every material a rotation
 * made, dated when it was made.
 *
 * @category rules
 */
export const rotations = (
  key: KeyRecord
): ReadonlyArray<{ readonly KeyId: string; readonly RotationDate: number; readonly RotationType: "AUTOMATIC" | "ON_DEMAND" }> =>
  // RotationDate in seconds since the epoch, as the JSON 1.1 protocol writes timestamps.
  key.materials.flatMap((m) =>
    m.rotationType === undefined ? [] : [{ KeyId: key.arn, RotationDate: m.createdAt / 1000, RotationType: m.rotationType }]
  )

/** The material version new ciphertexts use: the newest. @category rules */
export const currentMaterial = (key: KeyRecord): WrappedMaterial | undefined => key.materials[key.materials.length - 1]

/** The next material version number. @category rules */
export const nextMaterialVersion = (key: KeyRecord): number => (currentMaterial(key)?.version ?? 0) + 1

/** Looks a ciphertext's material version up; an unknown version is an invalid ciphertext. @category rules */
export const materialVersion = (key: KeyRecord, version: number): WrappedMaterial | undefined =>
  key.materials.find((m) => m.version === version)

/** Up to 50 tags a key, and keys may not start `aws:` (KMS Developer Guide, "Tagging keys"). @category rules */
export const MAX_TAGS = 50

/**
 * TagResource: adds or replaces tags by key. `aws:`-prefixed keys are reserved for AWS (TagException).
 *
 * @category rules
 */
export const putTags = (key: KeyRecord, tags: ReadonlyArray<Tag>): Either.Either<KeyRecord, Errors.KmsError> => {
  const reserved = tags.find((t) => t.TagKey.toLowerCase().startsWith("aws:"))
  if (reserved !== undefined) {
    return Either.left(new Errors.TagException({ message: `Tags beginning with aws: are reserved: ${reserved.TagKey}` }))
  }
  const merged = new Map(key.tags.map((t) => [t.TagKey, t.TagValue]))
  for (const t of tags) merged.set(t.TagKey, t.TagValue)
  if (merged.size > MAX_TAGS) {
    return Either.left(
      new Errors.LimitExceededException({ message: `A key can have at most ${MAX_TAGS} tags.` })
    )
  }
  return Either.right({ ...key, tags: [...merged].map(([TagKey, TagValue]) => ({ TagKey, TagValue })) })
}

/** UntagResource: removes tags by key; unknown keys are ignored, as KMS does. @category rules */
export const removeTags = (key: KeyRecord, tagKeys: ReadonlyArray<string>): KeyRecord => ({
  ...key,
  tags: key.tags.filter((t) => !tagKeys.includes(t.TagKey))
})

/**
 * `DataKeyPairSpec` of the GenerateDataKeyPair API. SM2 (China Regions only) and
 * ECC_NIST_EDWARDS25519 are in the model but are not generated here (README).
 *
 * @category models
 */
export const dataKeyPairSpecs = [
  "RSA_2048",
  "RSA_3072",
  "RSA_4096",
  "ECC_NIST_P256",
  "ECC_NIST_P384",
  "ECC_NIST_P521",
  "ECC_SECG_P256K1",
  "SM2",
  "ECC_NIST_EDWARDS25519"
] as const

/** @category models */
export type DataKeyPairSpec = (typeof dataKeyPairSpecs)[number]

/** The RSA key specs (CreateKey API, "KeySpec"). @category models */
export type RsaKeySpec = "RSA_2048" | "RSA_3072" | "RSA_4096"

/** The elliptic-curve key specs. @category models */
export type EccKeySpec = "ECC_NIST_P256" | "ECC_NIST_P384" | "ECC_NIST_P521" | "ECC_SECG_P256K1"

/** The HMAC key specs. @category models */
export type HmacKeySpec = "HMAC_224" | "HMAC_256" | "HMAC_384" | "HMAC_512"

/** @category rules */
export const isRsa = (spec: KeySpec): spec is RsaKeySpec => spec.startsWith("RSA_")

/** @category rules */
export const isEcc = (spec: KeySpec): spec is EccKeySpec => spec.startsWith("ECC_")

/** @category rules */
export const isHmac = (spec: KeySpec): spec is HmacKeySpec => spec.startsWith("HMAC_")

/** An RSA key's modulus length in bits. @category rules */
export const rsaModulusBits = (spec: RsaKeySpec): 2048 | 3072 | 4096 =>
  spec === "RSA_2048" ? 2048 : spec === "RSA_3072" ? 3072 : 4096

/**
 * An HMAC key's material length in bytes: as many bits as the spec names (KMS Developer Guide, "Key
 * spec reference", HMAC key specs: HMAC_224 has 224-bit key material, and so on).
 *
 * @category rules
 */
export const hmacKeyBytes = (spec: HmacKeySpec): number => Number(spec.slice("HMAC_".length)) / 8

/** The asymmetric encryption algorithms (`EncryptionAlgorithmSpec`). @category models */
export type RsaEncryptionAlgorithm = "RSAES_OAEP_SHA_1" | "RSAES_OAEP_SHA_256"

/** The signing algorithms the simulator signs with (`SigningAlgorithmSpec`). @category models */
export const signingAlgorithms = [
  "RSASSA_PSS_SHA_256",
  "RSASSA_PSS_SHA_384",
  "RSASSA_PSS_SHA_512",
  "RSASSA_PKCS1_V1_5_SHA_256",
  "RSASSA_PKCS1_V1_5_SHA_384",
  "RSASSA_PKCS1_V1_5_SHA_512",
  "ECDSA_SHA_256",
  "ECDSA_SHA_384",
  "ECDSA_SHA_512"
] as const

/** @category models */
export type SigningAlgorithm = (typeof signingAlgorithms)[number]

/** `MacAlgorithmSpec`. @category models */
export const macAlgorithms = ["HMAC_SHA_224", "HMAC_SHA_256", "HMAC_SHA_384", "HMAC_SHA_512"] as const

/** @category models */
export type MacAlgorithm = (typeof macAlgorithms)[number]

/** The encryption algorithms KeyMetadata lists for a spec (DescribeKey API). @category rules */
export const encryptionAlgorithms = (key: KeyRecord): ReadonlyArray<string> | undefined => {
  if (key.keyUsage !== "ENCRYPT_DECRYPT") return undefined
  return key.keySpec === "SYMMETRIC_DEFAULT" ? ["SYMMETRIC_DEFAULT"] : ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"]
}

/**
 * The signing algorithms a SIGN_VERIFY key allows (KMS Developer Guide, "Key spec reference"): RSA
 * keys every RSASSA-PSS and PKCS #1 v1.5 algorithm; each NIST curve the ECDSA with its own hash
 * (P-256 with SHA-256, P-384 with SHA-384, P-521 with SHA-512); secp256k1 ECDSA with SHA-256.
 *
 * @category rules
 */
export const signingAlgorithmsFor = (key: KeyRecord): ReadonlyArray<SigningAlgorithm> | undefined => {
  if (key.keyUsage !== "SIGN_VERIFY") return undefined
  switch (key.keySpec) {
    case "ECC_NIST_P256":
    case "ECC_SECG_P256K1":
      return ["ECDSA_SHA_256"]
    case "ECC_NIST_P384":
      return ["ECDSA_SHA_384"]
    case "ECC_NIST_P521":
      return ["ECDSA_SHA_512"]
    default:
      return signingAlgorithms.filter((a) => a.startsWith("RSASSA_"))
  }
}

/** An HMAC key's one MAC algorithm: HMAC_256 keys compute HMAC_SHA_256, and so on. @category rules */
export const macAlgorithmsFor = (key: KeyRecord): ReadonlyArray<MacAlgorithm> | undefined =>
  isHmac(key.keySpec) ? [`HMAC_SHA_${key.keySpec.slice("HMAC_".length)}` as MacAlgorithm] : undefined

/** What KeyMetadata lists for a KEY_AGREEMENT key (`KeyAgreementAlgorithmSpec`). @category rules */
export const keyAgreementAlgorithmsFor = (key: KeyRecord): ReadonlyArray<string> | undefined =>
  key.keyUsage === "KEY_AGREEMENT" ? ["ECDH"] : undefined

/**
 * The largest plaintext RSAES-OAEP takes: k - 2·hLen - 2 bytes for a k-byte modulus (RFC 8017
 * §7.1.1), as the Encrypt API's table gives it: RSA_2048 214 bytes with SHA-1 and 190 with SHA-256,
 * RSA_3072 342 and 318, RSA_4096 470 and 446.
 *
 * @category rules
 */
export const maxOaepPlaintext = (spec: RsaKeySpec, algorithm: RsaEncryptionAlgorithm): number =>
  rsaModulusBits(spec) / 8 - 2 * (algorithm === "RSAES_OAEP_SHA_1" ? 20 : 32) - 2
