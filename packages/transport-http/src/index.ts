/**
 * @sealcast/transport-http: HTTPS, request authentication and the SNS and KMS wire protocols.
 *
 * @since 0.1.0
 */
export * as Authenticate from "./auth/Authenticate.js"
export * as AuthErrors from "./auth/AuthErrors.js"
export * as Hashing from "./auth/Hashing.js"
export * as NodeHashing from "./auth/NodeHashing.js"
export * as Request from "./auth/Request.js"
export * as SigningKeyCache from "./auth/SigningKeyCache.js"
export * as SigV2 from "./auth/SigV2.js"
export * as SigV4 from "./auth/SigV4.js"
export * as EdgeErrors from "./EdgeErrors.js"
export * as ErrorTable from "./ErrorTable.js"
export * as Guidance from "./auth/Guidance.js"
export * as HttpRequest from "./HttpRequest.js"
export * as HttpResponse from "./HttpResponse.js"
export * as KmsOperations from "./kms/Operations.js"
export * as KmsRoute from "./kms/KmsRoute.js"
export * as KmsSchemas from "./kms/Schemas.js"
export * as Form from "./query/Form.js"
export * as Xml from "./query/Xml.js"
export * as Server from "./Server.js"
export * as SnsProtocol from "./sns/index.js"
