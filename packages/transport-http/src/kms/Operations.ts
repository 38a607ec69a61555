/**
 * The operation table: for each `X-Amz-Target: TrentService.<Op>`, its request and response schemas
 * and the service method that answers it, so a transport can route every KMS call generically.
 *
 * `handle` does the whole round trip on untrusted input: decode the wire JSON (a failure is KMS's
 * `ValidationException`), call the service, encode the response back to wire JSON. The schemas decode
 * into kms-sim's own request types (`@sealcast/kms-sim/Requests`): `method` only compiles when each
 * request schema's type fits the method's request and the method's response fits the response schema.
 *
 * @since 0.1.0
 */
import { Effect, Schema } from "effect"
import type { KmsError } from "@sealcast/kms-sim/Errors"
import type { KmsCaller, KmsSimService } from "@sealcast/kms-sim/KmsSim"
import * as Schemas from "./Schemas.js"

/** @category models */
export interface Operation<Req extends Schema.Schema.AnyNoContext, Res extends Schema.Schema.AnyNoContext> {
  readonly request: Req
  readonly response: Res
  readonly method: (
    service: KmsSimService
  ) => (request: Schema.Schema.Type<Req>, caller: KmsCaller) => Effect.Effect<Schema.Schema.Type<Res>, KmsError>
  /** Decode `json`, call, encode: wire JSON in, wire JSON out. */
  readonly handle: (service: KmsSimService, json: unknown, caller: KmsCaller) => Effect.Effect<unknown, KmsError>
}

const operation = <Req extends Schema.Schema.AnyNoContext, Res extends Schema.Schema.AnyNoContext>(
  request: Req,
  response: Res,
  method: Operation<Req, Res>["method"]
): Operation<Req, Res> => {
  const decode = Schema.decodeUnknown(request, { errors: "all" })
  const encode = Schema.encode(response)
  return {
    request,
    response,
    method,
    handle: (service, json, caller) =>
      Effect.mapError(decode(json), Schemas.toValidationException).pipe(
        Effect.flatMap((decoded) => method(service)(decoded, caller)),
        // The service's own answers always fit their schema; a mismatch is a defect, not a client error.
        Effect.flatMap((answer) => Effect.orDie(encode(answer)))
      )
  }
}

/**
 * Every operation the simulator answers, by its KMS name.
 *
 * @category models
 */
export const operations = {
  CreateKey: operation(Schemas.CreateKeyRequest, Schemas.CreateKeyResponse, (s) => s.createKey),
  DescribeKey: operation(Schemas.DescribeKeyRequest, Schemas.DescribeKeyResponse, (s) => s.describeKey),
  ListKeys: operation(Schemas.ListKeysRequest, Schemas.ListKeysResponse, (s) => s.listKeys),
  EnableKey: operation(Schemas.EnableKeyRequest, Schemas.EnableKeyResponse, (s) => s.enableKey),
  DisableKey: operation(Schemas.DisableKeyRequest, Schemas.DisableKeyResponse, (s) => s.disableKey),
  ScheduleKeyDeletion: operation(Schemas.ScheduleKeyDeletionRequest, Schemas.ScheduleKeyDeletionResponse, (s) => s.scheduleKeyDeletion),
  CancelKeyDeletion: operation(Schemas.CancelKeyDeletionRequest, Schemas.CancelKeyDeletionResponse, (s) => s.cancelKeyDeletion),
  GenerateDataKey: operation(Schemas.GenerateDataKeyRequest, Schemas.GenerateDataKeyResponse, (s) => s.generateDataKey),
  GenerateDataKeyWithoutPlaintext: operation(
    Schemas.GenerateDataKeyWithoutPlaintextRequest,
    Schemas.GenerateDataKeyWithoutPlaintextResponse,
    (s) => s.generateDataKeyWithoutPlaintext
  ),
  Encrypt: operation(Schemas.EncryptRequest, Schemas.EncryptResponse, (s) => s.encrypt),
  Decrypt: operation(Schemas.DecryptRequest, Schemas.DecryptResponse, (s) => s.decrypt),
  ReEncrypt: operation(Schemas.ReEncryptRequest, Schemas.ReEncryptResponse, (s) => s.reEncrypt),
  GenerateDataKeyPair: operation(Schemas.GenerateDataKeyPairRequest, Schemas.GenerateDataKeyPairResponse, (s) => s.generateDataKeyPair),
  GenerateDataKeyPairWithoutPlaintext: operation(
    Schemas.GenerateDataKeyPairWithoutPlaintextRequest,
    Schemas.GenerateDataKeyPairWithoutPlaintextResponse,
    (s) => s.generateDataKeyPairWithoutPlaintext
  ),
  GenerateRandom: operation(Schemas.GenerateRandomRequest, Schemas.GenerateRandomResponse, (s) => s.generateRandom),
  EnableKeyRotation: operation(Schemas.EnableKeyRotationRequest, Schemas.EnableKeyRotationResponse, (s) => s.enableKeyRotation),
  DisableKeyRotation: operation(Schemas.DisableKeyRotationRequest, Schemas.DisableKeyRotationResponse, (s) => s.disableKeyRotation),
  GetKeyRotationStatus: operation(
    Schemas.GetKeyRotationStatusRequest,
    Schemas.GetKeyRotationStatusResponse,
    (s) => s.getKeyRotationStatus
  ),
  RotateKeyOnDemand: operation(Schemas.RotateKeyOnDemandRequest, Schemas.RotateKeyOnDemandResponse, (s) => s.rotateKeyOnDemand),
  TagResource: operation(Schemas.TagResourceRequest, Schemas.TagResourceResponse, (s) => s.tagResource),
  UntagResource: operation(Schemas.UntagResourceRequest, Schemas.UntagResourceResponse, (s) => s.untagResource),
  ListResourceTags: operation(Schemas.ListResourceTagsRequest, Schemas.ListResourceTagsResponse, (s) => s.listResourceTags),
  UpdateKeyDescription: operation(
    Schemas.UpdateKeyDescriptionRequest,
    Schemas.UpdateKeyDescriptionResponse,
    (s) => s.updateKeyDescription
  ),
  ListKeyRotations: operation(Schemas.ListKeyRotationsRequest, Schemas.ListKeyRotationsResponse, (s) => s.listKeyRotations),
  ListKeyPolicies: operation(Schemas.ListKeyPoliciesRequest, Schemas.ListKeyPoliciesResponse, (s) => s.listKeyPolicies),
  GetKeyPolicy: operation(Schemas.GetKeyPolicyRequest, Schemas.GetKeyPolicyResponse, (s) => s.getKeyPolicy),
  PutKeyPolicy: operation(Schemas.PutKeyPolicyRequest, Schemas.PutKeyPolicyResponse, (s) => s.putKeyPolicy),
  ReplicateKey: operation(Schemas.ReplicateKeyRequest, Schemas.ReplicateKeyResponse, (s) => s.replicateKey),
  UpdatePrimaryRegion: operation(Schemas.UpdatePrimaryRegionRequest, Schemas.UpdatePrimaryRegionResponse, (s) => s.updatePrimaryRegion),
  CreateAlias: operation(Schemas.CreateAliasRequest, Schemas.CreateAliasResponse, (s) => s.createAlias),
  UpdateAlias: operation(Schemas.UpdateAliasRequest, Schemas.UpdateAliasResponse, (s) => s.updateAlias),
  DeleteAlias: operation(Schemas.DeleteAliasRequest, Schemas.DeleteAliasResponse, (s) => s.deleteAlias),
  ListAliases: operation(Schemas.ListAliasesRequest, Schemas.ListAliasesResponse, (s) => s.listAliases),
  CreateGrant: operation(Schemas.CreateGrantRequest, Schemas.CreateGrantResponse, (s) => s.createGrant),
  ListGrants: operation(Schemas.ListGrantsRequest, Schemas.ListGrantsResponse, (s) => s.listGrants),
  ListRetirableGrants: operation(
    Schemas.ListRetirableGrantsRequest,
    Schemas.ListRetirableGrantsResponse,
    (s) => s.listRetirableGrants
  ),
  RetireGrant: operation(Schemas.RetireGrantRequest, Schemas.RetireGrantResponse, (s) => s.retireGrant),
  RevokeGrant: operation(Schemas.RevokeGrantRequest, Schemas.RevokeGrantResponse, (s) => s.revokeGrant),
  GetPublicKey: operation(Schemas.GetPublicKeyRequest, Schemas.GetPublicKeyResponse, (s) => s.getPublicKey),
  Sign: operation(Schemas.SignRequest, Schemas.SignResponse, (s) => s.sign),
  Verify: operation(Schemas.VerifyRequest, Schemas.VerifyResponse, (s) => s.verify),
  GenerateMac: operation(Schemas.GenerateMacRequest, Schemas.GenerateMacResponse, (s) => s.generateMac),
  VerifyMac: operation(Schemas.VerifyMacRequest, Schemas.VerifyMacResponse, (s) => s.verifyMac)
} as const

/** @category models */
export type OperationName = keyof typeof operations

/**
 * Whether `name` (the part of `X-Amz-Target` after `TrentService.`) is an operation this simulator
 * answers.
 *
 * @category utils
 */
export const isOperationName = (name: string): name is OperationName => Object.hasOwn(operations, name)
