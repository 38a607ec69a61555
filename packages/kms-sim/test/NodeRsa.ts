/**
 * The RSA port on node:crypto for the package's own tests (the package itself stays pure; the
 * broker gives the same port in apps/broker/src/NodeRsa.ts).
 */
import { Effect, Either, Layer } from "effect"
import { constants, createPrivateKey, createPublicKey, generateKeyPair, privateDecrypt, privateEncrypt, publicDecrypt, publicEncrypt } from "node:crypto"
import { RsaFailure, RsaPrimitives, type RsaPrimitivesService } from "../src/RsaPrimitives.js"

const bytes = (b: Buffer): Uint8Array => Uint8Array.from(b)
const privateKey = (der: Uint8Array) => createPrivateKey({ key: Buffer.from(der), format: "der", type: "pkcs8" })
const publicKey = (der: Uint8Array) => createPublicKey({ key: Buffer.from(der), format: "der", type: "spki" })
const attempt = (f: () => Buffer) => Either.try({ try: () => bytes(f()), catch: (e) => new RsaFailure({ message: String(e) }) })

export const makeNodeRsa = (): RsaPrimitivesService => ({
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

export const layerNodeRsa: Layer.Layer<RsaPrimitives> = Layer.sync(RsaPrimitives, makeNodeRsa)
