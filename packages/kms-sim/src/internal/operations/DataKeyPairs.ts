/**
 * Data key pairs: GenerateDataKeyPair and GenerateDataKeyPairWithoutPlaintext (KMS API Reference).
 * A fresh RSA or ECC key pair for use outside KMS: the public key as DER SubjectPublicKeyInfo, the
 * private key as DER PKCS #8, and the private key sealed under a symmetric encryption KMS key with
 * the request's encryption context, a ciphertext Decrypt opens like any other.
 *
 * @since 0.1.0
 */
import type { KmsCaller } from "@sealcast/core/Kms"
import { Effect, Either } from "effect"
import * as Errors from "../../Errors.js"
import * as Key from "../../Key.js"
import type { KmsSimService } from "../../KmsSim.js"
import type * as R from "../../Requests.js"
import { dryRun, refuseRecipient } from "../KeyAccess.js"
import type { Shell } from "../Shell.js"
import * as Signatures from "../Signatures.js"
import type { Tx } from "../Transactions.js"

export type DataKeyPairs = Pick<KmsSimService, "generateDataKeyPair" | "generateDataKeyPairWithoutPlaintext">

type Operation = "GenerateDataKeyPair" | "GenerateDataKeyPairWithoutPlaintext"

type GeneratedSpec = Key.RsaKeySpec | Key.EccKeySpec

/**
 * The specs generated here. SM2 exists only in China Regions (GenerateDataKeyPair API,
 * "KeyPairSpec"), and Ed25519 is not simulated (README), so both are refused.
 */
const generatedSpec = (spec: Key.DataKeyPairSpec): Either.Either<GeneratedSpec, Errors.KmsError> =>
  spec === "SM2" || spec === "ECC_NIST_EDWARDS25519"
    ? Either.left(new Errors.UnsupportedOperationException({ message: `KeyPairSpec ${spec} is not supported in this region.` }))
    : Either.right(spec)

export const make = ({ ids, keys: { locate }, material, rsa, transactions: { transact }, usage }: Shell): DataKeyPairs => {
  /** The checks: Recipient, then in KMS's order key, authorization, usage (a symmetric encryption key), state, spec. */
  const check = (tx: Tx, operation: Operation, request: R.GenerateDataKeyPairRequest, caller: KmsCaller) =>
    Effect.gen(function* () {
      yield* refuseRecipient(request.Recipient)
      const key = yield* locate(tx, request.KeyId, operation, caller, request.EncryptionContext ?? {})
      yield* Key.checkSymmetricUse(key, operation)
      yield* Key.checkEnabled(key)
      const spec = yield* generatedSpec(request.KeyPairSpec)
      if (request.DryRun === true) return yield* dryRun()
      return spec
    })

  /** A key pair as PKCS #8 and SubjectPublicKeyInfo DER: RSA from the host, ECC here with noble. */
  const keyPair = (spec: GeneratedSpec) =>
    Effect.gen(function* () {
      if (Key.isRsa(spec)) {
        const privateKey = yield* rsa.generate(Key.rsaModulusBits(spec))
        const publicKey = yield* Either.mapLeft(rsa.publicKeyOf(privateKey), () =>
          new Errors.KMSInternalException({ message: "The generated key pair could not be read." }))
        return { privateKey, publicKey }
      }
      const secret = Signatures.eccSecretKey(spec, yield* ids.randomBytes(Signatures.eccSeedBytes(spec)))
      return { privateKey: Signatures.eccPrivateKeyInfo(spec, secret), publicKey: Signatures.eccPublicKey(spec, secret) }
    })

  const generate = (operation: Operation, request: R.GenerateDataKeyPairRequest, caller: KmsCaller) =>
    Effect.gen(function* () {
      // An RSA key pair takes the host a while (seconds for RSA_4096): the request is checked first,
      // the pair made outside any transaction so other requests do not wait, and the checks run
      // again when the private key is sealed, in case the key changed meanwhile.
      const spec = yield* transact((tx) => check(tx, operation, request, caller))
      const pair = yield* keyPair(spec)
      return yield* transact((tx) =>
        Effect.gen(function* () {
          const key = yield* locate(tx, request.KeyId, operation, caller, request.EncryptionContext ?? {})
          yield* Key.checkSymmetricUse(key, operation)
          yield* Key.checkEnabled(key)
          const sealed = yield* material.seal(key, pair.privateKey, request.EncryptionContext ?? {})
          yield* usage.count(key.arn, operation)
          return {
            PrivateKeyCiphertextBlob: sealed,
            PrivateKeyPlaintext: pair.privateKey,
            PublicKey: pair.publicKey,
            KeyId: key.arn,
            KeyPairSpec: request.KeyPairSpec
          }
        })
      )
    })

  return {
    generateDataKeyPair: (request, caller) => generate("GenerateDataKeyPair", request, caller),
    generateDataKeyPairWithoutPlaintext: (request, caller) =>
      Effect.map(generate("GenerateDataKeyPairWithoutPlaintext", request, caller), ({ PrivateKeyPlaintext: _, ...rest }) => rest)
  }
}
