/**
 * @sealcast/kms-sim: a simulated AWS KMS with real AES-256-GCM.
 *
 * @since 0.1.0
 */
export * as CiphertextBlob from "./CiphertextBlob.js"
export * as Errors from "./Errors.js"
export * as Grant from "./Grant.js"
export * as Identifiers from "./Identifiers.js"
export * as Key from "./Key.js"
export * as KeyStore from "./KeyStore.js"
export * as KmsSim from "./KmsSim.js"
export * as KeyPolicy from "./KeyPolicy.js"
export * as Requests from "./Requests.js"
export * as RootKey from "./RootKey.js"
export * as RsaPrimitives from "./RsaPrimitives.js"
