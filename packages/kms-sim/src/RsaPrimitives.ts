/**
 * The RSA port: the few RSA primitives the simulator cannot compute without big-number arithmetic,
 * given by the host. The broker gives them on `node:crypto` (OpenSSL); the package itself stays
 * pure. Everything else about RSA keys (which algorithm fits which key, the RSASSA-PSS and PKCS #1
 * v1.5 encodings of a digest, size limits) is computed here in the package.
 *
 * Keys cross the port as DER bytes: private keys as PKCS #8 `PrivateKeyInfo` (RFC 5208), public
 * keys as X.509 `SubjectPublicKeyInfo` (RFC 5280 §4.1.2.7), the form GetPublicKey returns.
 *
 * @since 0.1.0
 */
import { Context, Data, type Effect, type Either } from "effect"

/** The private key did not open, an input was out of range, or an OAEP ciphertext did not decode. @category errors */
export class RsaFailure extends Data.TaggedError("RsaFailure")<{ readonly message: string }> {}

/** @category models */
export interface RsaPrimitivesService {
  /** A new key pair with a `modulusBits` modulus and public exponent 65537, as PKCS #8 DER. */
  readonly generate: (modulusBits: 2048 | 3072 | 4096) => Effect.Effect<Uint8Array>
  /** The SubjectPublicKeyInfo DER of a PKCS #8 private key. */
  readonly publicKeyOf: (privateKey: Uint8Array) => Either.Either<Uint8Array, RsaFailure>
  /** RSASP1 (RFC 8017 §5.2.1) on an encoded message as long as the modulus: the raw signature. */
  readonly signRaw: (privateKey: Uint8Array, encoded: Uint8Array) => Either.Either<Uint8Array, RsaFailure>
  /** RSAVP1 (RFC 8017 §5.2.2): the encoded message a signature carries, as long as the modulus. */
  readonly verifyRaw: (publicKey: Uint8Array, signature: Uint8Array) => Either.Either<Uint8Array, RsaFailure>
  /** RSAES-OAEP encryption (RFC 8017 §7.1.1) with MGF1 over the same hash and an empty label. */
  readonly encryptOaep: (publicKey: Uint8Array, hash: "sha1" | "sha256", plaintext: Uint8Array) => Either.Either<Uint8Array, RsaFailure>
  /** RSAES-OAEP decryption (RFC 8017 §7.1.2). */
  readonly decryptOaep: (privateKey: Uint8Array, hash: "sha1" | "sha256", ciphertext: Uint8Array) => Either.Either<Uint8Array, RsaFailure>
}

/** @category services */
export class RsaPrimitives extends Context.Tag("@sealcast/kms-sim/RsaPrimitives")<RsaPrimitives, RsaPrimitivesService>() {}
