/**
 * @sealcast/core: the pure core of Sealcast.
 *
 * @since 0.1.0
 */
export * as Arn from "./Arn.js"
export * as Cipher from "./Cipher.js"
export * as DataKeyCache from "./DataKeyCache.js"
export * as DeliveryPolicy from "./DeliveryPolicy.js"
export * as Encryption from "./Encryption.js"
export * as EncryptionContext from "./EncryptionContext.js"
export * as Errors from "./Errors.js"
export * as Fifo from "./Fifo.js"
export * as FilterPolicy from "./FilterPolicy.js"
export * as Ids from "./Ids.js"
export * as Kms from "./Kms.js"
export * as Message from "./Message.js"
export * as MessageAttributes from "./MessageAttributes.js"
export * as MessageStore from "./MessageStore.js"
export * as Paging from "./Paging.js"
export * as Permissions from "./Permissions.js"
export * as Publish from "./Publish.js"
export * as Registry from "./Registry.js"
export * as RegistryStore from "./RegistryStore.js"
export * as RequestContext from "./RequestContext.js"
export * as Routing from "./Routing.js"
export * as Sns from "./Sns.js"
export * as Subscription from "./Subscription.js"
export * as Topic from "./Topic.js"
