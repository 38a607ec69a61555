/**
 * Message signatures, as SNS makes them: RSA PKCS #1 v1.5 over a canonical string of the message's
 * fields, with SHA-1 (SignatureVersion 1, "SHA1withRSA") or SHA-256 (SignatureVersion 2,
 * "SHA256withRSA"), base64-encoded (SNS guide, "Verifying the signatures of Amazon SNS messages").
 *
 * The broker signs with its own RSA key; the certificate served at SigningCertURL carries the public
 * key, so a standard SNS signature validator that is told to trust the broker's host accepts it.
 *
 * @since 0.1.0
 */
import { Data, Effect } from "effect"
import { createPrivateKey, createSign, type KeyObject } from "node:crypto"
import type { ConfirmationFields, NotificationFields } from "./Envelope.js"

/**
 * The broker's signing key and the certificate that publishes its public half.
 *
 * @category models
 */
export interface SigningIdentity {
  readonly privateKeyPem: string
  readonly certificatePem: string
}

/**
 * The private key could not be read as an RSA key.
 *
 * @category errors
 */
export class SigningKeyError extends Data.TaggedError("SigningKeyError")<{ readonly reason: string }> {}

/**
 * The topic attribute `SignatureVersion`: "2" selects SHA-256, anything else (or nothing) the
 * default "1" (SNS API reference, SetTopicAttributes).
 *
 * @category rules
 */
export const signatureVersionOf = (topicAttributes: Readonly<Record<string, string>>): "1" | "2" =>
  topicAttributes["SignatureVersion"] === "2" ? "2" : "1"

/**
 * The signed fields, in the byte order of their names, each as "Name\nvalue\n" (step 6 of AWS's
 * procedure). A Notification signs Message, MessageId, Subject (only if present), Timestamp,
 * TopicArn, Type; a confirmation signs Message, MessageId, SubscribeURL, Timestamp, Token, TopicArn,
 * Type.
 *
 * @category encoding
 */
export const stringToSign = (fields: NotificationFields | ConfirmationFields): string => {
  const pairs: Array<readonly [string, string]> =
    fields.Type === "Notification"
      ? [
          ["Message", fields.Message],
          ["MessageId", fields.MessageId],
          ...(fields.Subject === undefined ? [] : [["Subject", fields.Subject] as const]),
          ["Timestamp", fields.Timestamp],
          ["TopicArn", fields.TopicArn],
          ["Type", fields.Type]
        ]
      : [
          ["Message", fields.Message],
          ["MessageId", fields.MessageId],
          ["SubscribeURL", fields.SubscribeURL],
          ["Timestamp", fields.Timestamp],
          ["Token", fields.Token],
          ["TopicArn", fields.TopicArn],
          ["Type", fields.Type]
        ]
  return pairs.map(([name, value]) => `${name}\n${value}\n`).join("")
}

/**
 * The digest each signature version names.
 *
 * @category rules
 */
export const algorithmOf = (version: "1" | "2"): "RSA-SHA1" | "RSA-SHA256" => (version === "1" ? "RSA-SHA1" : "RSA-SHA256")

/**
 * @category models
 */
export interface Signer {
  readonly certificatePem: string
  /** The base64 signature of `fields` under `fields.SignatureVersion`. */
  readonly sign: (fields: NotificationFields | ConfirmationFields) => string
}

/**
 * Parses the key once; every signature after that is a pure computation.
 *
 * @category constructors
 */
export const makeSigner = (identity: SigningIdentity): Effect.Effect<Signer, SigningKeyError> =>
  Effect.gen(function* () {
    const key: KeyObject = yield* Effect.try({
      try: () => createPrivateKey(identity.privateKeyPem),
      catch: (cause) => new SigningKeyError({ reason: `the signing key is not a PEM private key: ${String(cause)}` })
    })
    if (key.asymmetricKeyType !== "rsa") {
      return yield* new SigningKeyError({ reason: `SNS signatures need an RSA key, not ${key.asymmetricKeyType ?? "a symmetric key"}` })
    }
    return {
      certificatePem: identity.certificatePem,
      sign: (fields) => createSign(algorithmOf(fields.SignatureVersion)).update(stringToSign(fields), "utf8").sign(key, "base64")
    }
  })
