/**
 * Asymmetric and HMAC keys: GetPublicKey, Sign, Verify, GenerateMac, VerifyMac. The pure half of each
 * (digests, ECDSA, the RSA signature encodings, HMAC) is in Signatures.ts; the raw RSA operation is
 * the host's `RsaPrimitives`.
 *
 * @since 0.1.0
 */
import type { KmsCaller } from "@sealcast/core/Kms"
import { Effect, Either } from "effect"
import * as Errors from "../../Errors.js"
import * as Key from "../../Key.js"
import type { KmsSimService } from "../../KmsSim.js"
import type * as R from "../../Requests.js"
import type { RsaPrimitivesService } from "../../RsaPrimitives.js"
import { dryRun } from "../KeyAccess.js"
import type { KeyMaterial } from "../KeyMaterial.js"
import type { Shell } from "../Shell.js"
import * as Signatures from "../Signatures.js"
import { putKey, type Tx } from "../Transactions.js"

export type Signing = Pick<KmsSimService, "getPublicKey" | "sign" | "verify" | "generateMac" | "verifyMac">

/**
 * A key's material in the clear. A key stored before asymmetric and HMAC cryptography was simulated
 * has none: nothing was ever signed or MACed with it, so it gets its material now, and keeps it.
 */
export const clearMaterial = (tx: Tx, key: Key.KeyRecord, material: KeyMaterial) =>
  Effect.gen(function* () {
    const current = Key.currentMaterial(key)
    if (current !== undefined) return yield* material.unwrap(key, current)
    const bytes = yield* material.clearFor(key.keySpec)
    putKey(tx, { ...key, materials: [yield* material.wrap(key.keyId, 1, bytes, tx.now)] })
    return bytes
  })

/** A failure of the host's RSA on the simulator's own key: the stored key is damaged. */
export const rsaFailure = (key: Key.KeyRecord) => () =>
  new Errors.KMSInternalException({ message: `The stored key pair of ${key.arn} could not be used.` })

/** The public key of an asymmetric key, as SubjectPublicKeyInfo DER. */
export const publicKeyOf = (rsa: RsaPrimitivesService, key: Key.KeyRecord, secret: Uint8Array) =>
  Key.isEcc(key.keySpec)
    ? Either.right(Signatures.eccPublicKey(key.keySpec, secret))
    : Either.mapLeft(rsa.publicKeyOf(secret), rsaFailure(key))

/** The signing algorithm named, if the key allows it (KMS Developer Guide, "Key spec reference"). */
const signingAlgorithm = (key: Key.KeyRecord, name: string): Either.Either<Key.SigningAlgorithm, Errors.KmsError> => {
  const allowed = Key.signingAlgorithmsFor(key) ?? []
  const found = allowed.find((a) => a === name)
  return found === undefined ? Either.left(Errors.incompatibleAlgorithm(name, key.keySpec)) : Either.right(found)
}

/** The MAC algorithm named, if it is the key's own. */
const macAlgorithm = (key: Key.KeyRecord, name: string): Either.Either<Key.MacAlgorithm, Errors.KmsError> => {
  const found = (Key.macAlgorithmsFor(key) ?? []).find((a) => a === name)
  return found === undefined ? Either.left(Errors.incompatibleAlgorithm(name, key.keySpec)) : Either.right(found)
}

export const make = ({ ids, keys: { locate }, material, rsa, transactions: { transact }, usage }: Shell): Signing => {
  /** Locates a key for Sign or Verify and checks usage, state, algorithm and digest, in KMS's order. */
  const forSignature = (tx: Tx, request: R.SignRequest, operation: "Sign" | "Verify", caller: KmsCaller) =>
    Effect.gen(function* () {
      const key = yield* locate(tx, request.KeyId, operation, caller)
      yield* Key.checkUsage(key, "SIGN_VERIFY", operation)
      yield* Key.checkEnabled(key)
      const algorithm = yield* signingAlgorithm(key, request.SigningAlgorithm)
      const digest = yield* Signatures.digestOf(algorithm, request.Message, request.MessageType ?? "RAW")
      if (request.DryRun === true) return yield* dryRun()
      const secret = yield* clearMaterial(tx, key, material)
      return { key, algorithm, digest, secret }
    })

  /** Locates a key for GenerateMac or VerifyMac and checks usage, state and algorithm. */
  const forMac = (tx: Tx, request: R.GenerateMacRequest, operation: "GenerateMac" | "VerifyMac", caller: KmsCaller) =>
    Effect.gen(function* () {
      const key = yield* locate(tx, request.KeyId, operation, caller)
      yield* Key.checkUsage(key, "GENERATE_VERIFY_MAC", operation)
      yield* Key.checkEnabled(key)
      const algorithm = yield* macAlgorithm(key, request.MacAlgorithm)
      if (request.DryRun === true) return yield* dryRun()
      const secret = yield* clearMaterial(tx, key, material)
      return { key, algorithm, secret }
    })

  return {
    getPublicKey: (request, caller) =>
      transact((tx) =>
        Effect.gen(function* () {
          const key = yield* locate(tx, request.KeyId, "GetPublicKey", caller)
          if (!Key.isRsa(key.keySpec) && !Key.isEcc(key.keySpec)) {
            return yield* new Errors.UnsupportedOperationException({
              message: `${key.arn} key spec ${key.keySpec} has no public key.`
            })
          }
          yield* Key.checkEnabled(key)
          const publicKey = yield* publicKeyOf(rsa, key, yield* clearMaterial(tx, key, material))
          const encryption = Key.encryptionAlgorithms(key)
          const signing = Key.signingAlgorithmsFor(key)
          const agreement = Key.keyAgreementAlgorithmsFor(key)
          yield* usage.count(key.arn, "GetPublicKey")
          return {
            KeyId: key.arn,
            PublicKey: publicKey,
            CustomerMasterKeySpec: key.keySpec,
            KeySpec: key.keySpec,
            KeyUsage: key.keyUsage,
            ...(encryption === undefined ? {} : { EncryptionAlgorithms: encryption }),
            ...(signing === undefined ? {} : { SigningAlgorithms: signing }),
            ...(agreement === undefined ? {} : { KeyAgreementAlgorithms: agreement })
          }
        })
      ),

    sign: (request, caller) =>
      transact((tx) =>
        Effect.gen(function* () {
          const { algorithm, digest, key, secret } = yield* forSignature(tx, request, "Sign", caller)
          let signature: Uint8Array
          if (Key.isEcc(key.keySpec)) {
            signature = Signatures.ecdsaSign(key.keySpec, secret, digest)
          } else {
            const bits = Key.rsaModulusBits(key.keySpec as Key.RsaKeySpec)
            const encoded = algorithm.startsWith("RSASSA_PSS_")
              ? Signatures.pssEncode(algorithm, digest, yield* ids.randomBytes(digest.length), bits)
              : Signatures.pkcs1Encode(digest, bits)
            signature = yield* Either.mapLeft(rsa.signRaw(secret, encoded), rsaFailure(key))
          }
          yield* usage.count(key.arn, "Sign")
          return { KeyId: key.arn, Signature: signature, SigningAlgorithm: algorithm }
        })
      ),

    verify: (request, caller) =>
      transact((tx) =>
        Effect.gen(function* () {
          const { algorithm, digest, key, secret } = yield* forSignature(tx, request, "Verify", caller)
          let valid: boolean
          if (Key.isEcc(key.keySpec)) {
            valid = Signatures.ecdsaVerify(key.keySpec, secret, digest, request.Signature)
          } else {
            const bits = Key.rsaModulusBits(key.keySpec as Key.RsaKeySpec)
            const publicKey = yield* publicKeyOf(rsa, key, secret)
            const encoded = rsa.verifyRaw(publicKey, request.Signature)
            valid = Either.isRight(encoded) &&
              (algorithm.startsWith("RSASSA_PSS_")
                ? Signatures.pssVerify(algorithm, digest, encoded.right, bits)
                : Signatures.pkcs1Verify(digest, encoded.right, bits))
          }
          // Verify API: a signature that does not verify is KMSInvalidSignatureException, never SignatureValid false.
          if (!valid) return yield* new Errors.KMSInvalidSignatureException({ message: "" })
          yield* usage.count(key.arn, "Verify")
          return { KeyId: key.arn, SignatureValid: true, SigningAlgorithm: algorithm }
        })
      ),

    generateMac: (request, caller) =>
      transact((tx) =>
        Effect.gen(function* () {
          const { algorithm, key, secret } = yield* forMac(tx, request, "GenerateMac", caller)
          yield* usage.count(key.arn, "GenerateMac")
          return { Mac: Signatures.mac(algorithm, secret, request.Message), MacAlgorithm: algorithm, KeyId: key.arn }
        })
      ),

    verifyMac: (request, caller) =>
      transact((tx) =>
        Effect.gen(function* () {
          const { algorithm, key, secret } = yield* forMac(tx, request, "VerifyMac", caller)
          // VerifyMac API: a MAC that does not verify is KMSInvalidMacException, never MacValid false.
          if (!Signatures.macMatches(algorithm, secret, request.Message, request.Mac)) {
            return yield* new Errors.KMSInvalidMacException({ message: "" })
          }
          yield* usage.count(key.arn, "VerifyMac")
          return { KeyId: key.arn, MacValid: true, MacAlgorithm: algorithm }
        })
      )
  }
}
