/**
 * The request and response of every operation, as the model takes and gives them: plain values with
 * the KMS API Reference's member names, binary members as bytes and timestamps as epoch seconds (the
 * numbers the API documents). Decoding and encoding the wire (JSON 1.1, base64 blobs, AWS's
 * constraint texts) is the transport's job; its schemas decode into these types.
 *
 * @since 0.1.0
 */
import type { EncryptionContext } from "@sealcast/core/EncryptionContext"
import type { Constraints, GrantOperation } from "./Grant.js"
import type { DataKeyPairSpec, KeySpec, KeyUsage, MacAlgorithm, SigningAlgorithm, Tag } from "./Key.js"

export type { EncryptionContext, Tag }

/** The answer of operations that return nothing. @category models */
export type Empty = Record<never, never>

/** One page of a List* request. @category models */
export interface PageRequest {
  readonly Limit?: number
  readonly Marker?: string
}

/** One page of a List* answer. @category models */
export interface Page {
  readonly NextMarker?: string
  readonly Truncated: boolean
}

/** The request of every operation that takes only a KeyId. @category models */
export interface KeyIdRequest {
  readonly KeyId: string
}

/** KeyMetadata as DescribeKey returns it (docs/SEMANTICS.md §5). @category models */
export interface KeyMetadata {
  readonly AWSAccountId: string
  readonly KeyId: string
  readonly Arn: string
  readonly CreationDate: number
  readonly Enabled: boolean
  readonly Description: string
  readonly KeyUsage: string
  readonly KeyState: string
  readonly DeletionDate?: number
  readonly Origin: string
  readonly KeyManager: string
  readonly CustomerMasterKeySpec: string
  readonly KeySpec: string
  readonly EncryptionAlgorithms?: ReadonlyArray<string>
  readonly SigningAlgorithms?: ReadonlyArray<string>
  readonly KeyAgreementAlgorithms?: ReadonlyArray<string>
  readonly MacAlgorithms?: ReadonlyArray<string>
  readonly MultiRegion: boolean
  readonly MultiRegionConfiguration?: MultiRegionConfiguration
  readonly PendingDeletionWindowInDays?: number
}

/** DescribeKey's view of a multi-Region key: its primary key and replicas, by ARN and Region. @category models */
export interface MultiRegionConfiguration {
  readonly MultiRegionKeyType: "PRIMARY" | "REPLICA"
  readonly PrimaryKey: MultiRegionKey
  readonly ReplicaKeys: ReadonlyArray<MultiRegionKey>
}

/** @category models */
export interface MultiRegionKey {
  readonly Arn: string
  readonly Region: string
}

/** @category models */
export interface ReplicateKeyRequest extends KeyIdRequest {
  readonly ReplicaRegion: string
  readonly Policy?: string
  readonly BypassPolicyLockoutSafetyCheck?: boolean
  readonly Description?: string
  readonly Tags?: ReadonlyArray<Tag>
}

/** @category models */
export interface ReplicateKeyResponse {
  readonly ReplicaKeyMetadata: KeyMetadata
  readonly ReplicaPolicy: string
  readonly ReplicaTags: ReadonlyArray<Tag>
}

/** @category models */
export interface UpdatePrimaryRegionRequest extends KeyIdRequest {
  readonly PrimaryRegion: string
}

/** @category models */
export interface CreateKeyRequest {
  readonly Policy?: string
  readonly Description?: string
  readonly KeyUsage?: KeyUsage
  readonly CustomerMasterKeySpec?: KeySpec
  readonly KeySpec?: KeySpec
  readonly Origin?: string
  readonly BypassPolicyLockoutSafetyCheck?: boolean
  readonly Tags?: ReadonlyArray<Tag>
  readonly MultiRegion?: boolean
  /** There are no custom key stores: any id is CustomKeyStoreNotFoundException. */
  readonly CustomKeyStoreId?: string
  readonly XksKeyId?: string
}

/** @category models */
export interface KeyMetadataResponse {
  readonly KeyMetadata: KeyMetadata
}

/** @category models */
export interface DescribeKeyRequest extends KeyIdRequest {
  readonly GrantTokens?: ReadonlyArray<string>
}

/** @category models */
export interface ListKeysResponse extends Page {
  readonly Keys: ReadonlyArray<{ readonly KeyId: string; readonly KeyArn: string }>
}

/** @category models */
export interface ScheduleKeyDeletionRequest extends KeyIdRequest {
  readonly PendingWindowInDays?: number
}

/** @category models */
export interface ScheduleKeyDeletionResponse {
  readonly KeyId: string
  readonly DeletionDate: number
  readonly KeyState: string
  readonly PendingWindowInDays: number
}

/** The answer of operations that return only the key's ARN. @category models */
export interface KeyArnResponse {
  readonly KeyId: string
}

/** @category models */
export interface GenerateDataKeyRequest extends KeyIdRequest {
  readonly EncryptionContext?: EncryptionContext
  readonly NumberOfBytes?: number
  readonly KeySpec?: "AES_256" | "AES_128"
  readonly GrantTokens?: ReadonlyArray<string>
  /** A Nitro Enclaves attestation document: not simulated, refused when present. */
  readonly Recipient?: RecipientInfo
  readonly DryRun?: boolean
}

/** @category models */
export interface GenerateDataKeyResponse {
  readonly CiphertextBlob: Uint8Array
  readonly Plaintext: Uint8Array
  readonly KeyId: string
}

/** @category models */
export interface GenerateDataKeyWithoutPlaintextResponse {
  readonly CiphertextBlob: Uint8Array
  readonly KeyId: string
}

/** @category models */
export interface EncryptRequest extends KeyIdRequest {
  readonly Plaintext: Uint8Array
  readonly EncryptionContext?: EncryptionContext
  readonly GrantTokens?: ReadonlyArray<string>
  readonly EncryptionAlgorithm?: string
  readonly DryRun?: boolean
}

/** @category models */
export interface EncryptResponse {
  readonly CiphertextBlob: Uint8Array
  readonly KeyId: string
  readonly EncryptionAlgorithm: string
}

/** @category models */
export interface DecryptRequest {
  readonly CiphertextBlob: Uint8Array
  readonly EncryptionContext?: EncryptionContext
  readonly GrantTokens?: ReadonlyArray<string>
  readonly KeyId?: string
  readonly EncryptionAlgorithm?: string
  /** A Nitro Enclaves attestation document: not simulated, refused when present. */
  readonly Recipient?: RecipientInfo
  readonly DryRun?: boolean
  readonly DryRunModifiers?: ReadonlyArray<DryRunModifier>
}

/**
 * `IGNORE_CIPHERTEXT`: with DryRun, check the key and the caller's permissions without a valid
 * ciphertext (KMS Developer Guide, "Testing your permissions").
 *
 * @category models
 */
export type DryRunModifier = "IGNORE_CIPHERTEXT"

/** @category models */
export interface DecryptResponse {
  readonly KeyId: string
  readonly Plaintext: Uint8Array
  readonly EncryptionAlgorithm: string
}

/** @category models */
export interface ReEncryptRequest {
  readonly CiphertextBlob: Uint8Array
  readonly SourceEncryptionContext?: EncryptionContext
  readonly SourceKeyId?: string
  readonly DestinationKeyId: string
  readonly DestinationEncryptionContext?: EncryptionContext
  readonly SourceEncryptionAlgorithm?: string
  readonly DestinationEncryptionAlgorithm?: string
  readonly GrantTokens?: ReadonlyArray<string>
  readonly DryRun?: boolean
  readonly DryRunModifiers?: ReadonlyArray<DryRunModifier>
}

/** @category models */
export interface ReEncryptResponse {
  readonly CiphertextBlob: Uint8Array
  readonly SourceKeyId: string
  readonly KeyId: string
  readonly SourceEncryptionAlgorithm: string
  readonly DestinationEncryptionAlgorithm: string
}

/** GenerateDataKeyPair and GenerateDataKeyPairWithoutPlaintext. @category models */
export interface GenerateDataKeyPairRequest extends KeyIdRequest {
  readonly EncryptionContext?: EncryptionContext
  readonly KeyPairSpec: DataKeyPairSpec
  readonly GrantTokens?: ReadonlyArray<string>
  /** A Nitro Enclaves attestation document: not simulated, refused when present. */
  readonly Recipient?: RecipientInfo
  readonly DryRun?: boolean
}

/** `RecipientInfo`. @category models */
export interface RecipientInfo {
  readonly KeyEncryptionAlgorithm?: string
  readonly AttestationDocument?: Uint8Array
}

/** @category models */
export interface GenerateDataKeyPairResponse extends GenerateDataKeyPairWithoutPlaintextResponse {
  /** DER PKCS #8 `PrivateKeyInfo` (RFC 5958). */
  readonly PrivateKeyPlaintext: Uint8Array
}

/** @category models */
export interface GenerateDataKeyPairWithoutPlaintextResponse {
  /** The private key's PKCS #8 DER sealed under the KMS key, a blob Decrypt opens. */
  readonly PrivateKeyCiphertextBlob: Uint8Array
  /** DER X.509 `SubjectPublicKeyInfo` (RFC 5280). */
  readonly PublicKey: Uint8Array
  readonly KeyId: string
  readonly KeyPairSpec: DataKeyPairSpec
}

/** @category models */
export interface GenerateRandomRequest {
  readonly NumberOfBytes?: number
  readonly CustomKeyStoreId?: string
  /** A Nitro Enclaves attestation document: not simulated, refused when present. */
  readonly Recipient?: RecipientInfo
}

/** @category models */
export interface GenerateRandomResponse {
  readonly Plaintext: Uint8Array
}

/** @category models */
export interface EnableKeyRotationRequest extends KeyIdRequest {
  readonly RotationPeriodInDays?: number
}

/** @category models */
export interface GetKeyRotationStatusResponse {
  readonly KeyRotationEnabled: boolean
  readonly KeyId: string
  readonly RotationPeriodInDays?: number
  readonly NextRotationDate?: number
  readonly OnDemandRotationStartDate?: number
}

/** @category models */
export interface TagResourceRequest extends KeyIdRequest {
  readonly Tags: ReadonlyArray<Tag>
}

/** @category models */
export interface UntagResourceRequest extends KeyIdRequest {
  readonly TagKeys: ReadonlyArray<string>
}

/** A List* request about one key. @category models */
export interface KeyPageRequest extends KeyIdRequest, PageRequest {}

/** @category models */
export interface ListResourceTagsResponse extends Page {
  readonly Tags: ReadonlyArray<Tag>
}

/** @category models */
export interface ListKeyRotationsResponse extends Page {
  readonly Rotations: ReadonlyArray<{ readonly KeyId: string; readonly RotationDate: number; readonly RotationType: string }>
}

/** @category models */
export interface UpdateKeyDescriptionRequest extends KeyIdRequest {
  readonly Description: string
}

/** @category models */
export interface ListKeyPoliciesResponse extends Page {
  readonly PolicyNames: ReadonlyArray<string>
}

/** @category models */
export interface GetKeyPolicyRequest extends KeyIdRequest {
  readonly PolicyName?: string
}

/** @category models */
export interface GetKeyPolicyResponse {
  readonly Policy: string
  readonly PolicyName: string
}

/** @category models */
export interface PutKeyPolicyRequest extends KeyIdRequest {
  readonly PolicyName?: string
  readonly Policy: string
  readonly BypassPolicyLockoutSafetyCheck?: boolean
}

/** CreateAlias and UpdateAlias. @category models */
export interface AliasTargetRequest {
  readonly AliasName: string
  readonly TargetKeyId: string
}

/** @category models */
export interface DeleteAliasRequest {
  readonly AliasName: string
}

/** @category models */
export interface ListAliasesRequest extends PageRequest {
  readonly KeyId?: string
}

/** @category models */
export interface AliasListEntry {
  readonly AliasName: string
  readonly AliasArn: string
  readonly TargetKeyId?: string
  readonly CreationDate?: number
  readonly LastUpdatedDate?: number
}

/** @category models */
export interface ListAliasesResponse extends Page {
  readonly Aliases: ReadonlyArray<AliasListEntry>
}

/** @category models */
export interface GrantListEntry {
  readonly KeyId: string
  readonly GrantId: string
  readonly Name?: string
  readonly CreationDate: number
  readonly GranteePrincipal: string
  readonly RetiringPrincipal?: string
  readonly IssuingAccount: string
  readonly Operations: ReadonlyArray<string>
  readonly Constraints?: Constraints
}

/** @category models */
export interface CreateGrantRequest extends KeyIdRequest {
  readonly GranteePrincipal: string
  readonly RetiringPrincipal?: string
  readonly Operations: ReadonlyArray<GrantOperation>
  readonly Constraints?: Constraints
  readonly GrantTokens?: ReadonlyArray<string>
  readonly Name?: string
  readonly DryRun?: boolean
}

/** @category models */
export interface CreateGrantResponse {
  readonly GrantToken: string
  readonly GrantId: string
}

/** @category models */
export interface ListGrantsRequest extends KeyPageRequest {
  readonly GrantId?: string
  readonly GranteePrincipal?: string
}

/** ListGrants and ListRetirableGrants. @category models */
export interface ListGrantsResponse extends Page {
  readonly Grants: ReadonlyArray<GrantListEntry>
}

/** @category models */
export interface ListRetirableGrantsRequest extends PageRequest {
  readonly RetiringPrincipal: string
}

/** @category models */
export interface RetireGrantRequest {
  readonly GrantToken?: string
  readonly KeyId?: string
  readonly GrantId?: string
  readonly DryRun?: boolean
}

/** @category models */
export interface RevokeGrantRequest extends KeyIdRequest {
  readonly GrantId: string
  readonly DryRun?: boolean
}

/** @category models */
export interface GetPublicKeyRequest extends KeyIdRequest {
  readonly GrantTokens?: ReadonlyArray<string>
}

/** @category models */
export interface GetPublicKeyResponse {
  readonly KeyId: string
  /** DER-encoded X.509 SubjectPublicKeyInfo (RFC 5280). */
  readonly PublicKey: Uint8Array
  readonly CustomerMasterKeySpec: string
  readonly KeySpec: string
  readonly KeyUsage: string
  readonly EncryptionAlgorithms?: ReadonlyArray<string>
  readonly SigningAlgorithms?: ReadonlyArray<string>
  readonly KeyAgreementAlgorithms?: ReadonlyArray<string>
}

/** @category models */
export interface SignRequest extends KeyIdRequest {
  readonly Message: Uint8Array
  readonly MessageType?: "RAW" | "DIGEST"
  readonly GrantTokens?: ReadonlyArray<string>
  /** Any `SigningAlgorithmSpec`; one the key does not allow is refused. */
  readonly SigningAlgorithm: string
  readonly DryRun?: boolean
}

/** @category models */
export interface SignResponse {
  readonly KeyId: string
  readonly Signature: Uint8Array
  readonly SigningAlgorithm: SigningAlgorithm
}

/** @category models */
export interface VerifyRequest extends SignRequest {
  readonly Signature: Uint8Array
}

/** @category models */
export interface VerifyResponse {
  readonly KeyId: string
  readonly SignatureValid: boolean
  readonly SigningAlgorithm: SigningAlgorithm
}

/** @category models */
export interface GenerateMacRequest extends KeyIdRequest {
  readonly Message: Uint8Array
  readonly MacAlgorithm: MacAlgorithm
  readonly GrantTokens?: ReadonlyArray<string>
  readonly DryRun?: boolean
}

/** @category models */
export interface GenerateMacResponse {
  readonly Mac: Uint8Array
  readonly MacAlgorithm: MacAlgorithm
  readonly KeyId: string
}

/** @category models */
export interface VerifyMacRequest extends GenerateMacRequest {
  readonly Mac: Uint8Array
}

/** @category models */
export interface VerifyMacResponse {
  readonly KeyId: string
  readonly MacValid: boolean
  readonly MacAlgorithm: MacAlgorithm
}
