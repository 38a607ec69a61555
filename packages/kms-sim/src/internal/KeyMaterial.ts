/**
 * Key material: new material for a key (drawn from `Ids`, or an RSA key pair from `RsaPrimitives`,
 * wrapped under the root key at once), and sealing and opening under a key's material (blob format
 * in CiphertextBlob.ts).
 *
 * @since 0.1.0
 */
import type { CipherService } from "@sealcast/core/Cipher"
import type { EncryptionContext } from "@sealcast/core/EncryptionContext"
import type { IdsService } from "@sealcast/core/Ids"
import { Effect } from "effect"
import * as Blob from "../CiphertextBlob.js"
import * as Errors from "../Errors.js"
import * as Key from "../Key.js"
import { type RootKeyService, unwrapMaterial, wrapMaterial } from "../RootKey.js"
import type { RsaPrimitivesService } from "../RsaPrimitives.js"
import { eccSecretKey, eccSeedBytes } from "./Signatures.js"

const MATERIAL_BYTES = 32

export interface KeyMaterial {
  /** Fresh material for version `version` of `keyId`, already wrapped under the root key. */
  readonly generate: (keyId: string, version: number, now: number) => Effect.Effect<Key.WrappedMaterial>
  /**
   * New material for a key of `spec`, in the clear until `wrap`: 32 random bytes for
   * SYMMETRIC_DEFAULT, as many bytes as an HMAC spec names, a private scalar for an ECC spec, a
   * PKCS #8 key pair for RSA.
   */
  readonly clearFor: (spec: Key.KeySpec) => Effect.Effect<Uint8Array>
  /** Wraps material under the root key for version `version` of `keyId`. */
  readonly wrap: (keyId: string, version: number, bytes: Uint8Array, now: number) => Effect.Effect<Key.WrappedMaterial>
  /** The material in the clear, for the one operation that uses it. */
  readonly unwrap: (key: Key.KeyRecord, material: Key.WrappedMaterial) => Effect.Effect<Uint8Array, Errors.KmsError>
  /** Seals `plaintext` under the key's current material. */
  readonly seal: (key: Key.KeyRecord, plaintext: Uint8Array, context: EncryptionContext) => Effect.Effect<Uint8Array, Errors.KmsError>
  /** Opens a parsed blob under `key`; every failure is the same empty InvalidCiphertextException. */
  readonly open: (key: Key.KeyRecord, blob: Blob.Blob, context: EncryptionContext) => Effect.Effect<Uint8Array, Errors.KmsError>
}

export const makeKeyMaterial = (
  cipher: CipherService,
  ids: IdsService,
  root: RootKeyService,
  rsa: RsaPrimitivesService
): KeyMaterial => {
  const openMaterial = (key: Key.KeyRecord, material: Key.WrappedMaterial) =>
    Effect.mapError(unwrapMaterial(cipher, root, key.keyId, material), () =>
      new Errors.KMSInternalException({ message: `The stored material of ${key.arn} does not open under the root key.` })
    )

  const wrap = (keyId: string, version: number, bytes: Uint8Array, now: number) =>
    Effect.map(ids.randomBytes(12), (nonce) => wrapMaterial(cipher, root, { keyId, version, bytes }, nonce, now))

  return {
    generate: (keyId, version, now) => Effect.flatMap(ids.randomBytes(MATERIAL_BYTES), (bytes) => wrap(keyId, version, bytes, now)),

    clearFor: (spec) => {
      if (Key.isRsa(spec)) return rsa.generate(Key.rsaModulusBits(spec))
      if (Key.isEcc(spec)) return Effect.map(ids.randomBytes(eccSeedBytes(spec)), (seed) => eccSecretKey(spec, seed))
      return ids.randomBytes(Key.isHmac(spec) ? Key.hmacKeyBytes(spec) : MATERIAL_BYTES)
    },

    wrap,

    unwrap: openMaterial,

    seal: (key, plaintext, context) =>
      Effect.gen(function* () {
        const material = Key.currentMaterial(key)
        if (material === undefined) return yield* Errors.invalidKeyUsage(key.arn, key.keyUsage, "Encrypt")
        const bytes = yield* openMaterial(key, material)
        const header = { keyId: key.keyId, materialVersion: material.version }
        const nonce = yield* ids.randomBytes(12)
        return Blob.encode({ ...header, nonce, sealed: cipher.seal(bytes, nonce, Blob.additionalData(header, context), plaintext) })
      }),

    open: (key, blob, context) =>
      Effect.gen(function* () {
        const material = Key.materialVersion(key, blob.materialVersion)
        if (material === undefined) return yield* Errors.invalidCiphertext()
        const bytes = yield* openMaterial(key, material)
        return yield* Effect.mapError(
          cipher.open(bytes, blob.nonce, Blob.additionalData(blob, context), blob.sealed),
          Errors.invalidCiphertext
        )
      })
  }
}
