/**
 * kms-sim's `RsaPrimitives` port on `node:crypto` (OpenSSL): RSA key pairs made off the event loop,
 * RSASP1 and RSAVP1 as OpenSSL's unpadded RSA, and RSAES-OAEP. The simulator computes the signature
 * encodings itself (RSASSA-PSS, PKCS #1 v1.5) so that it can sign a digest, which `node:crypto`'s
 * `sign` cannot (it always hashes its input).
 *
 * @since 0.1.0
 */
import { RsaPrimitives } from "@sealcast/kms-sim"
import { Effect, Either, Layer } from "effect"
import {
  constants,
  createPrivateKey,
  createPublicKey,
  generateKeyPair,
  privateDecrypt,
  privateEncrypt,
  publicDecrypt,
  publicEncrypt
} from "node:crypto"

/** A plain `Uint8Array` copy, not a view of a pooled `Buffer`. */
const bytes = (buffer: Buffer): Uint8Array => Uint8Array.from(buffer)
const privateKey = (der: Uint8Array) => createPrivateKey({ key: Buffer.from(der), format: "der", type: "pkcs8" })
const publicKey = (der: Uint8Array) => createPublicKey({ key: Buffer.from(der), format: "der", type: "spki" })
const attempt = (f: () => Buffer) =>
  Either.try({ try: () => bytes(f()), catch: (e) => new RsaPrimitives.RsaFailure({ message: String(e) }) })

/**
 * @category constructors
 */
export const makeNode = (): RsaPrimitives.RsaPrimitivesService => ({
  generate: (modulusBits) =>
    Effect.async((resume) =>
      generateKeyPair("rsa", { modulusLength: modulusBits, publicExponent: 65537 }, (error, _, key) =>
        resume(error === null ? Effect.succeed(bytes(key.export({ type: "pkcs8", format: "der" }))) : Effect.die(error)))
    ),
  publicKeyOf: (der) => attempt(() => createPublicKey(privateKey(der)).export({ type: "spki", format: "der" })),
  signRaw: (der, encoded) => attempt(() => privateEncrypt({ key: privateKey(der), padding: constants.RSA_NO_PADDING }, encoded)),
  verifyRaw: (der, signature) => attempt(() => publicDecrypt({ key: publicKey(der), padding: constants.RSA_NO_PADDING }, signature)),
  encryptOaep: (der, hash, plaintext) =>
    attempt(() => publicEncrypt({ key: publicKey(der), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, plaintext)),
  decryptOaep: (der, hash, ciphertext) =>
    attempt(() => privateDecrypt({ key: privateKey(der), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, ciphertext))
})

/**
 * @category layers
 */
export const layerNode: Layer.Layer<RsaPrimitives.RsaPrimitives> = Layer.sync(RsaPrimitives.RsaPrimitives, makeNode)
