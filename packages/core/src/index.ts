/**
 * @sealcast/core: the pure core of Sealcast.
 *
 * @since 0.1.0
 */
export * as Cipher from "./Cipher.js"
export * as EncryptionContext from "./EncryptionContext.js"
export * as Errors from "./Errors.js"
export * as Ids from "./Ids.js"
export * as Kms from "./Kms.js"
export * as Message from "./Message.js"
export * as MessageStore from "./MessageStore.js"
