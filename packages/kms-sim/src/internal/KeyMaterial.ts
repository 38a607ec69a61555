/**
 * Key material: new material for a key (drawn from `Ids`, wrapped under the root key at once), and
 * sealing and opening under a key's material (blob format in CiphertextBlob.ts).
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

const MATERIAL_BYTES = 32

export interface KeyMaterial {
  /** Fresh material for version `version` of `keyId`, already wrapped under the root key. */
  readonly generate: (keyId: string, version: number, now: number) => Effect.Effect<Key.WrappedMaterial>
  /** Seals `plaintext` under the key's current material. */
  readonly seal: (key: Key.KeyRecord, plaintext: Uint8Array, context: EncryptionContext) => Effect.Effect<Uint8Array, Errors.KmsError>
  /** Opens a parsed blob under `key`; every failure is the same empty InvalidCiphertextException. */
  readonly open: (key: Key.KeyRecord, blob: Blob.Blob, context: EncryptionContext) => Effect.Effect<Uint8Array, Errors.KmsError>
}

export const makeKeyMaterial = (cipher: CipherService, ids: IdsService, root: RootKeyService): KeyMaterial => {
  const openMaterial = (key: Key.KeyRecord, material: Key.WrappedMaterial) =>
    Effect.mapError(unwrapMaterial(cipher, root, key.keyId, material), () =>
      new Errors.KMSInternalException({ message: `The stored material of ${key.arn} does not open under the root key.` })
    )

  return {
    generate: (keyId, version, now) =>
      Effect.gen(function* () {
        const bytes = yield* ids.randomBytes(MATERIAL_BYTES)
        const nonce = yield* ids.randomBytes(12)
        return wrapMaterial(cipher, root, { keyId, version, bytes }, nonce, now)
      }),

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
