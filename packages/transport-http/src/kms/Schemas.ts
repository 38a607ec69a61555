/**
 * The KMS wire shapes: one request and one response schema per operation, with AWS JSON 1.1 field
 * names exactly as botocore's `kms/2014-11-01` model spells them.
 *
 * Binary members are `Uint8ArrayFromBase64` (JSON 1.1 sends blobs as base64), timestamps are epoch
 * seconds (JSON 1.1 sends them as numbers, fractions allowed). The model's constraints (lengths,
 * ranges, enums, patterns) live here, and `toValidationException` turns a decoding failure into
 * KMS's `ValidationException` with AWS's wording, e.g. "1 validation error detected: Value at
 * 'keyId' failed to satisfy constraint: Member must have length greater than or equal to 1".
 *
 * @since 0.1.0
 */
import { type ParseResult, Schema, type SchemaAST as AST } from "effect"
import { Errors as KmsErrors, Grant, Key } from "@sealcast/kms-sim"

/** The annotation carrying AWS's constraint text for a refinement. */
const Constraint = Symbol.for("@sealcast/transport-http/kms/Schemas/Constraint")

interface ConstraintText {
  readonly text: string
  /** Whether AWS quotes the offending value (enums, patterns, ranges) or not (lengths of secrets). */
  readonly quoteValue: boolean
}

const constraint = (text: string, quoteValue: boolean) => ({ [Constraint]: { text, quoteValue } satisfies ConstraintText })

const lengthOf = (value: string | Uint8Array): number => value.length

const minLength = (min: number) => <S extends Schema.Schema.Any>(self: S) =>
  self.pipe(
    Schema.filter((v: Schema.Schema.Type<S>) => lengthOf(v as string | Uint8Array) >= min, {
      ...constraint(`Member must have length greater than or equal to ${min}`, false)
    })
  )

const maxLength = (max: number) => <S extends Schema.Schema.Any>(self: S) =>
  self.pipe(
    Schema.filter((v: Schema.Schema.Type<S>) => lengthOf(v as string | Uint8Array) <= max, {
      ...constraint(`Member must have length less than or equal to ${max}`, false)
    })
  )

const lengthBetween = (min: number, max: number) => <S extends Schema.Schema.Any>(self: S) =>
  maxLength(max)(minLength(min)(self))

const intBetween = (min: number, max: number) =>
  Schema.Number.pipe(
    Schema.filter((n) => Number.isInteger(n), constraint("Member must be an integer", true)),
    Schema.filter((n) => n >= min, constraint(`Member must have value greater than or equal to ${min}`, true)),
    Schema.filter((n) => n <= max, constraint(`Member must have value less than or equal to ${max}`, true))
  )

const oneOf = <const A extends ReadonlyArray<string>>(values: A) =>
  Schema.String.pipe(
    Schema.filter((s) => (values as ReadonlyArray<string>).includes(s), {
      ...constraint(`Member must satisfy enum value set: [${values.join(", ")}]`, true)
    })
  ) as unknown as Schema.Schema<A[number], string>

const matching = (pattern: RegExp) => (self: Schema.Schema<string>) =>
  self.pipe(
    Schema.filter((s) => pattern.test(s), constraint(`Member must satisfy regular expression pattern: ${pattern.source}`, true))
  )

/**
 * An optional member: absent or present, never `undefined` (JSON has no `undefined`, and an exact
 * optional keeps validation messages about the value, not about a missing alternative).
 */
const optional = <S extends Schema.Schema.All>(schema: S) => Schema.optionalWith(schema, { exact: true })

/** `KeyIdType`: 1 to 2048 characters. @category schemas */
export const KeyId = Schema.String.pipe(lengthBetween(1, 2048))
/** `AliasNameType`: 1 to 256 of `[a-zA-Z0-9:/_-]`. @category schemas */
export const AliasName = Schema.String.pipe(lengthBetween(1, 256), matching(/^[a-zA-Z0-9:/_-]+$/))
/** `EncryptionContextType`: a string map. @category schemas */
export const EncryptionContext = Schema.Record({ key: Schema.String, value: Schema.String })
/** `PlaintextType`: 1 to 4096 bytes. @category schemas */
export const Plaintext = Schema.Uint8ArrayFromBase64.pipe(lengthBetween(1, 4096))
/** `CiphertextType`: 1 to 6144 bytes. @category schemas */
export const CiphertextBlob = Schema.Uint8ArrayFromBase64.pipe(lengthBetween(1, 6144))
/** @category schemas */
export const Blob = Schema.Uint8ArrayFromBase64
/** `NumberOfBytesType`: 1 to 1024. @category schemas */
export const NumberOfBytes = intBetween(1, 1024)
/** `DataKeySpec`. @category schemas */
export const DataKeySpec = oneOf(["AES_256", "AES_128"])
/** @category schemas */
export const KeySpec = oneOf(Key.keySpecs)
/** @category schemas */
export const KeyUsage = oneOf(Key.keyUsages)
/** `EncryptionAlgorithmSpec`. @category schemas */
export const EncryptionAlgorithm = oneOf(["SYMMETRIC_DEFAULT", "RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256", "SM2PKE"])
/** `SigningAlgorithmSpec`: the model's values; SM2DSA is refused by the key spec check (no SM2 keys). @category schemas */
export const SigningAlgorithm = oneOf([...Key.signingAlgorithms, "SM2DSA"])
/** `MessageType`. @category schemas */
export const MessageType = oneOf(["RAW", "DIGEST"])
/** `MacAlgorithmSpec`. @category schemas */
export const MacAlgorithm = oneOf(Key.macAlgorithms)
/** A Sign, Verify, GenerateMac or VerifyMac `Message` (`PlaintextType`): 1 to 4096 bytes. @category schemas */
export const Message = Schema.Uint8ArrayFromBase64.pipe(lengthBetween(1, 4096))
/** A `Signature` or `Mac` to verify (`CiphertextType`): 1 to 6144 bytes. @category schemas */
export const SignatureBlob = Schema.Uint8ArrayFromBase64.pipe(lengthBetween(1, 6144))
/** `PolicyType`: 1 to 32768 characters. @category schemas */
export const Policy = Schema.String.pipe(lengthBetween(1, 32768))
/** `PolicyNameType`: only `default` exists. @category schemas */
export const PolicyName = Schema.String.pipe(lengthBetween(1, 128), matching(/^[\w]+$/))
/** `GrantTokenList`: grants take effect at once here, so a token adds nothing (README). @category schemas */
export const GrantTokens = Schema.Array(Schema.String.pipe(lengthBetween(1, 8192))).pipe(maxLength(10))
/** `LimitType`: 1 to 1000. @category schemas */
export const Limit = intBetween(1, 1000)
/** `MarkerType`. @category schemas */
export const Marker = Schema.String.pipe(lengthBetween(1, 1024), matching(/^[\u0020-\u00FF]*$/))
/** Epoch seconds, as JSON 1.1 sends timestamps. @category schemas */
export const Timestamp = Schema.Number
/** @category schemas */
export const Tag = Schema.Struct({
  TagKey: Schema.String.pipe(lengthBetween(1, 128)),
  TagValue: Schema.String.pipe(maxLength(256))
})
/** @category schemas */
export const Tags = Schema.Array(Tag)

const Empty = Schema.Struct({})

/** `RegionType`: 1 to 32 characters such as `us-east-1`. @category schemas */
export const Region = Schema.String.pipe(lengthBetween(1, 32), matching(/^([a-z]+-){2,3}\d+$/))

/** `MultiRegionKey`. @category schemas */
export const MultiRegionKey = Schema.Struct({ Arn: Schema.String, Region: Schema.String })

/** `MultiRegionConfiguration`. @category schemas */
export const MultiRegionConfiguration = Schema.Struct({
  MultiRegionKeyType: Schema.Literal("PRIMARY", "REPLICA"),
  PrimaryKey: MultiRegionKey,
  ReplicaKeys: Schema.Array(MultiRegionKey)
})

/** @category schemas */
export const KeyMetadata = Schema.Struct({
  AWSAccountId: Schema.String,
  KeyId: Schema.String,
  Arn: Schema.String,
  CreationDate: Timestamp,
  Enabled: Schema.Boolean,
  Description: Schema.String,
  KeyUsage: Schema.String,
  KeyState: Schema.String,
  DeletionDate: optional(Timestamp),
  Origin: Schema.String,
  KeyManager: Schema.String,
  CustomerMasterKeySpec: Schema.String,
  KeySpec: Schema.String,
  EncryptionAlgorithms: optional(Schema.Array(Schema.String)),
  SigningAlgorithms: optional(Schema.Array(Schema.String)),
  KeyAgreementAlgorithms: optional(Schema.Array(Schema.String)),
  MacAlgorithms: optional(Schema.Array(Schema.String)),
  MultiRegion: Schema.Boolean,
  MultiRegionConfiguration: optional(MultiRegionConfiguration),
  PendingDeletionWindowInDays: optional(Schema.Number)
})

/** `CustomKeyStoreIdType`: 1 to 64 characters. @category schemas */
export const CustomKeyStoreId = Schema.String.pipe(lengthBetween(1, 64))

/** `RecipientInfo`: a Nitro Enclaves attestation, refused by the simulator. @category schemas */
export const RecipientInfo = Schema.Struct({
  KeyEncryptionAlgorithm: optional(oneOf(["RSAES_OAEP_SHA_256"])),
  AttestationDocument: optional(Schema.Uint8ArrayFromBase64.pipe(lengthBetween(1, 262144)))
})

/** @category schemas */
export const CreateKeyRequest = Schema.Struct({
  Policy: optional(Policy),
  Description: optional(Schema.String.pipe(maxLength(8192))),
  KeyUsage: optional(KeyUsage),
  CustomerMasterKeySpec: optional(KeySpec),
  KeySpec: optional(KeySpec),
  Origin: optional(oneOf(["AWS_KMS", "EXTERNAL", "AWS_CLOUDHSM", "EXTERNAL_KEY_STORE"])),
  BypassPolicyLockoutSafetyCheck: optional(Schema.Boolean),
  Tags: optional(Tags),
  MultiRegion: optional(Schema.Boolean),
  CustomKeyStoreId: optional(CustomKeyStoreId),
  XksKeyId: optional(Schema.String.pipe(lengthBetween(1, 128), matching(/^[a-zA-Z0-9-_.]+$/)))
})
/** @category schemas */
export const CreateKeyResponse = Schema.Struct({ KeyMetadata })

/** @category schemas */
export const DescribeKeyRequest = Schema.Struct({ KeyId, GrantTokens: optional(GrantTokens) })
/** @category schemas */
export const DescribeKeyResponse = Schema.Struct({ KeyMetadata })

/** @category schemas */
export const ListKeysRequest = Schema.Struct({ Limit: optional(Limit), Marker: optional(Marker) })
/** @category schemas */
export const ListKeysResponse = Schema.Struct({
  Keys: Schema.Array(Schema.Struct({ KeyId: Schema.String, KeyArn: Schema.String })),
  NextMarker: optional(Schema.String),
  Truncated: Schema.Boolean
})

/** The request of every operation that takes only a KeyId. @category schemas */
export const KeyIdRequest = Schema.Struct({ KeyId })

/** @category schemas */
export const EnableKeyRequest = KeyIdRequest
/** @category schemas */
export const EnableKeyResponse = Empty
/** @category schemas */
export const DisableKeyRequest = KeyIdRequest
/** @category schemas */
export const DisableKeyResponse = Empty

/** @category schemas */
export const ScheduleKeyDeletionRequest = Schema.Struct({
  KeyId,
  // The model allows 1–365; KMS itself takes 7–30 (docs/SEMANTICS.md §5), so the schema says so.
  PendingWindowInDays: optional(intBetween(7, 30))
})
/** @category schemas */
export const ScheduleKeyDeletionResponse = Schema.Struct({
  KeyId: Schema.String,
  DeletionDate: Timestamp,
  KeyState: Schema.String,
  PendingWindowInDays: Schema.Number
})

/** @category schemas */
export const CancelKeyDeletionRequest = KeyIdRequest
/** @category schemas */
export const CancelKeyDeletionResponse = Schema.Struct({ KeyId: Schema.String })

const dataKeyFields = {
  KeyId,
  EncryptionContext: optional(EncryptionContext),
  NumberOfBytes: optional(NumberOfBytes),
  KeySpec: optional(DataKeySpec),
  GrantTokens: optional(GrantTokens),
  DryRun: optional(Schema.Boolean)
}
/** @category schemas */
export const GenerateDataKeyRequest = Schema.Struct({ ...dataKeyFields, Recipient: optional(RecipientInfo) })
/** @category schemas */
export const GenerateDataKeyResponse = Schema.Struct({ CiphertextBlob: Blob, Plaintext: Blob, KeyId: Schema.String })

/** @category schemas */
export const GenerateDataKeyWithoutPlaintextRequest = Schema.Struct(dataKeyFields)
/** @category schemas */
export const GenerateDataKeyWithoutPlaintextResponse = Schema.Struct({ CiphertextBlob: Blob, KeyId: Schema.String })

/** @category schemas */
export const EncryptRequest = Schema.Struct({
  KeyId,
  Plaintext,
  EncryptionContext: optional(EncryptionContext),
  GrantTokens: optional(GrantTokens),
  EncryptionAlgorithm: optional(EncryptionAlgorithm),
  DryRun: optional(Schema.Boolean)
})
/** @category schemas */
export const EncryptResponse = Schema.Struct({
  CiphertextBlob: Blob,
  KeyId: Schema.String,
  EncryptionAlgorithm: Schema.String
})

/** `DryRunModifierList`. @category schemas */
export const DryRunModifiers = Schema.Array(oneOf(["IGNORE_CIPHERTEXT"]))

/** @category schemas */
export const DecryptRequest = Schema.Struct({
  CiphertextBlob,
  EncryptionContext: optional(EncryptionContext),
  GrantTokens: optional(GrantTokens),
  KeyId: optional(KeyId),
  EncryptionAlgorithm: optional(EncryptionAlgorithm),
  Recipient: optional(RecipientInfo),
  DryRun: optional(Schema.Boolean),
  DryRunModifiers: optional(DryRunModifiers)
})
/** @category schemas */
export const DecryptResponse = Schema.Struct({ KeyId: Schema.String, Plaintext: Blob, EncryptionAlgorithm: Schema.String })

/** @category schemas */
export const ReEncryptRequest = Schema.Struct({
  CiphertextBlob,
  SourceEncryptionContext: optional(EncryptionContext),
  SourceKeyId: optional(KeyId),
  DestinationKeyId: KeyId,
  DestinationEncryptionContext: optional(EncryptionContext),
  SourceEncryptionAlgorithm: optional(EncryptionAlgorithm),
  DestinationEncryptionAlgorithm: optional(EncryptionAlgorithm),
  GrantTokens: optional(GrantTokens),
  DryRun: optional(Schema.Boolean),
  DryRunModifiers: optional(DryRunModifiers)
})
/** @category schemas */
export const ReEncryptResponse = Schema.Struct({
  CiphertextBlob: Blob,
  SourceKeyId: Schema.String,
  KeyId: Schema.String,
  SourceEncryptionAlgorithm: Schema.String,
  DestinationEncryptionAlgorithm: Schema.String
})

/** `DataKeyPairSpec`. @category schemas */
export const DataKeyPairSpec = oneOf(Key.dataKeyPairSpecs)
/** @category schemas */
export const GenerateDataKeyPairRequest = Schema.Struct({
  EncryptionContext: optional(EncryptionContext),
  KeyId,
  KeyPairSpec: DataKeyPairSpec,
  GrantTokens: optional(GrantTokens),
  Recipient: optional(RecipientInfo),
  DryRun: optional(Schema.Boolean)
})
/** @category schemas */
export const GenerateDataKeyPairResponse = Schema.Struct({
  PrivateKeyCiphertextBlob: Blob,
  PrivateKeyPlaintext: Blob,
  PublicKey: Blob,
  KeyId: Schema.String,
  KeyPairSpec: Schema.String
})
/** @category schemas */
export const GenerateDataKeyPairWithoutPlaintextRequest = GenerateDataKeyPairRequest
/** @category schemas */
export const GenerateDataKeyPairWithoutPlaintextResponse = Schema.Struct({
  PrivateKeyCiphertextBlob: Blob,
  PublicKey: Blob,
  KeyId: Schema.String,
  KeyPairSpec: Schema.String
})

/** @category schemas */
export const GenerateRandomRequest = Schema.Struct({
  NumberOfBytes: optional(NumberOfBytes),
  CustomKeyStoreId: optional(CustomKeyStoreId),
  Recipient: optional(RecipientInfo)
})
/** @category schemas */
export const GenerateRandomResponse = Schema.Struct({ Plaintext: Blob })

/** @category schemas */
export const EnableKeyRotationRequest = Schema.Struct({ KeyId, RotationPeriodInDays: optional(intBetween(90, 2560)) })
/** @category schemas */
export const EnableKeyRotationResponse = Empty
/** @category schemas */
export const DisableKeyRotationRequest = KeyIdRequest
/** @category schemas */
export const DisableKeyRotationResponse = Empty
/** @category schemas */
export const GetKeyRotationStatusRequest = KeyIdRequest
/** @category schemas */
export const GetKeyRotationStatusResponse = Schema.Struct({
  KeyRotationEnabled: Schema.Boolean,
  KeyId: Schema.String,
  RotationPeriodInDays: optional(Schema.Number),
  NextRotationDate: optional(Timestamp),
  OnDemandRotationStartDate: optional(Timestamp)
})
/** @category schemas */
export const RotateKeyOnDemandRequest = KeyIdRequest
/** @category schemas */
export const RotateKeyOnDemandResponse = Schema.Struct({ KeyId: Schema.String })

/** @category schemas */
export const TagResourceRequest = Schema.Struct({ KeyId, Tags })
/** @category schemas */
export const TagResourceResponse = Empty
/** @category schemas */
export const UntagResourceRequest = Schema.Struct({ KeyId, TagKeys: Schema.Array(Schema.String.pipe(lengthBetween(1, 128))) })
/** @category schemas */
export const UntagResourceResponse = Empty
/** @category schemas */
export const ListResourceTagsRequest = Schema.Struct({ KeyId, Limit: optional(Limit), Marker: optional(Marker) })
/** @category schemas */
export const ListResourceTagsResponse = Schema.Struct({
  Tags,
  NextMarker: optional(Schema.String),
  Truncated: Schema.Boolean
})

/** ListKeyRotations API: the completed rotations of a key, paged. @category schemas */
export const ListKeyRotationsRequest = Schema.Struct({ KeyId, Limit: optional(Limit), Marker: optional(Marker) })
/** @category schemas */
export const ListKeyRotationsResponse = Schema.Struct({
  Rotations: Schema.Array(Schema.Struct({ KeyId: Schema.String, RotationDate: Timestamp, RotationType: Schema.String })),
  NextMarker: optional(Schema.String),
  Truncated: Schema.Boolean
})

/** UpdateKeyDescription API: a description of 0 to 8192 characters, required. @category schemas */
export const UpdateKeyDescriptionRequest = Schema.Struct({ KeyId, Description: Schema.String.pipe(maxLength(8192)) })
/** @category schemas */
export const UpdateKeyDescriptionResponse = Empty

/** ListKeyPolicies API: every key has the one policy `default`. @category schemas */
export const ListKeyPoliciesRequest = Schema.Struct({ KeyId, Limit: optional(Limit), Marker: optional(Marker) })
/** @category schemas */
export const ListKeyPoliciesResponse = Schema.Struct({
  PolicyNames: Schema.Array(Schema.String),
  NextMarker: optional(Schema.String),
  Truncated: Schema.Boolean
})

/** @category schemas */
export const GetKeyPolicyRequest = Schema.Struct({ KeyId, PolicyName: optional(PolicyName) })
/** @category schemas */
export const GetKeyPolicyResponse = Schema.Struct({ Policy: Schema.String, PolicyName: Schema.String })
/** @category schemas */
export const PutKeyPolicyRequest = Schema.Struct({
  KeyId,
  PolicyName: optional(PolicyName),
  Policy,
  BypassPolicyLockoutSafetyCheck: optional(Schema.Boolean)
})
/** @category schemas */
export const PutKeyPolicyResponse = Empty

/** @category schemas */
export const ReplicateKeyRequest = Schema.Struct({
  KeyId,
  ReplicaRegion: Region,
  Policy: optional(Policy),
  BypassPolicyLockoutSafetyCheck: optional(Schema.Boolean),
  Description: optional(Schema.String.pipe(maxLength(8192))),
  Tags: optional(Tags)
})
/** @category schemas */
export const ReplicateKeyResponse = Schema.Struct({ ReplicaKeyMetadata: KeyMetadata, ReplicaPolicy: Schema.String, ReplicaTags: Tags })
/** @category schemas */
export const UpdatePrimaryRegionRequest = Schema.Struct({ KeyId, PrimaryRegion: Region })
/** @category schemas */
export const UpdatePrimaryRegionResponse = Empty

/** @category schemas */
export const CreateAliasRequest = Schema.Struct({ AliasName, TargetKeyId: KeyId })
/** @category schemas */
export const CreateAliasResponse = Empty
/** @category schemas */
export const UpdateAliasRequest = Schema.Struct({ AliasName, TargetKeyId: KeyId })
/** @category schemas */
export const UpdateAliasResponse = Empty
/** @category schemas */
export const DeleteAliasRequest = Schema.Struct({ AliasName })
/** @category schemas */
export const DeleteAliasResponse = Empty
/** @category schemas */
export const ListAliasesRequest = Schema.Struct({
  KeyId: optional(KeyId),
  Limit: optional(Limit),
  Marker: optional(Marker)
})
/** @category schemas */
export const AliasListEntry = Schema.Struct({
  AliasName: Schema.String,
  AliasArn: Schema.String,
  TargetKeyId: optional(Schema.String),
  CreationDate: optional(Timestamp),
  LastUpdatedDate: optional(Timestamp)
})
/** @category schemas */
export const ListAliasesResponse = Schema.Struct({
  Aliases: Schema.Array(AliasListEntry),
  NextMarker: optional(Schema.String),
  Truncated: Schema.Boolean
})

/** Wire member names are PascalCase; AWS's validation messages name them in camelCase. */
const camel = (name: string): string => name.charAt(0).toLowerCase() + name.slice(1)

const quote = (actual: unknown): string => {
  if (typeof actual === "string" || typeof actual === "number" || typeof actual === "boolean") return `'${String(actual)}' `
  return ""
}

/** The JSON type a schema expects, in the words of the Smithy model ("a string", "a list", …). */
const jsonType = (ast: AST.AST): string => {
  switch (ast._tag) {
    case "StringKeyword":
      return "a string"
    case "NumberKeyword":
      return "a number"
    case "BooleanKeyword":
      return "a boolean"
    case "TupleType":
      return "a list"
    case "TypeLiteral":
      return ast.propertySignatures.length === 0 && ast.indexSignatures.length > 0 ? "a map" : "a structure"
    case "Refinement":
      return jsonType(ast.from)
    case "Transformation":
      return jsonType(ast.from)
    default:
      return `of type ${String(ast)}`
  }
}

const collect = (issue: ParseResult.ParseIssue, path: ReadonlyArray<string>, out: Array<string>): void => {
  const at = path.join(".")
  switch (issue._tag) {
    case "Pointer": {
      const keys: ReadonlyArray<PropertyKey> = Array.isArray(issue.path) ? issue.path : [issue.path as PropertyKey]
      // Lists read `tags.1.member.tagKey` in AWS's messages: 1-based, with a `member` step.
      const steps = keys.map((k: PropertyKey) => (typeof k === "number" ? `${k + 1}.member` : camel(String(k))))
      collect(issue.issue, [...path, ...steps], out)
      return
    }
    case "Composite": {
      const issues = Array.isArray(issue.issues) ? issue.issues : [issue.issues]
      for (const i of issues as ReadonlyArray<ParseResult.ParseIssue>) collect(i, path, out)
      return
    }
    case "Refinement": {
      const text = issue.kind === "Predicate" ? (issue.ast.annotations[Constraint] as ConstraintText | undefined) : undefined
      if (text === undefined) return collect(issue.issue, path, out)
      out.push(`Value ${text.quoteValue ? quote(issue.actual) : ""}at '${at}' failed to satisfy constraint: ${text.text}`)
      return
    }
    case "Transformation":
      return collect(issue.issue, path, out)
    case "Missing":
      out.push(`Value null at '${at}' failed to satisfy constraint: Member must not be null`)
      return
    case "Type":
      out.push(
        `Value at '${at === "" ? "body" : at}' failed to satisfy constraint: ${
          issue.message === undefined ? `Member must be ${jsonType(issue.ast)}` : `Member must be valid base64 (${issue.message})`
        }`
      )
      return
    case "Unexpected":
    case "Forbidden":
      out.push(`Value at '${at}' failed to satisfy constraint: Member is not allowed`)
      return
  }
}

/**
 * Turns a decoding failure into one `ValidationException` listing every violation in AWS's words.
 *
 * @category encoding
 */
export const toValidationException = (error: ParseResult.ParseError): KmsErrors.ValidationException => {
  const violations: Array<string> = []
  collect(error.issue, [], violations)
  return KmsErrors.validation([...new Set(violations)])
}

/** `PrincipalIdType`: 1 to 256 of `[\w+=,.@:/-]`. @category schemas */
export const PrincipalId = Schema.String.pipe(lengthBetween(1, 256), matching(/^[\w+=,.@:/-]+$/))
/** `GrantIdType`: 1 to 128 characters. @category schemas */
export const GrantId = Schema.String.pipe(lengthBetween(1, 128))
/** `GrantTokenType`: 1 to 8192 characters. @category schemas */
export const GrantToken = Schema.String.pipe(lengthBetween(1, 8192))
/** `GrantNameType`: 1 to 256 of `[a-zA-Z0-9:/_-]`. @category schemas */
export const GrantName = Schema.String.pipe(lengthBetween(1, 256), matching(/^[a-zA-Z0-9:/_-]+$/))
/** `GrantOperation`. @category schemas */
export const GrantOperation = oneOf(Grant.grantOperations)
/** `GrantConstraints`. @category schemas */
export const GrantConstraints = Schema.Struct({
  EncryptionContextSubset: optional(EncryptionContext),
  EncryptionContextEquals: optional(EncryptionContext)
})
/** `GrantListEntry`. @category schemas */
export const GrantListEntry = Schema.Struct({
  KeyId: Schema.String,
  GrantId: Schema.String,
  Name: optional(Schema.String),
  CreationDate: Timestamp,
  GranteePrincipal: Schema.String,
  RetiringPrincipal: optional(Schema.String),
  IssuingAccount: Schema.String,
  Operations: Schema.Array(Schema.String),
  Constraints: optional(GrantConstraints)
})

/** @category schemas */
export const CreateGrantRequest = Schema.Struct({
  KeyId,
  GranteePrincipal: PrincipalId,
  RetiringPrincipal: optional(PrincipalId),
  Operations: Schema.Array(GrantOperation),
  Constraints: optional(GrantConstraints),
  GrantTokens: optional(GrantTokens),
  Name: optional(GrantName),
  DryRun: optional(Schema.Boolean)
})
/** @category schemas */
export const CreateGrantResponse = Schema.Struct({ GrantToken: Schema.String, GrantId: Schema.String })
/** @category schemas */
export const ListGrantsRequest = Schema.Struct({
  KeyId,
  Limit: optional(Limit),
  Marker: optional(Marker),
  GrantId: optional(GrantId),
  GranteePrincipal: optional(PrincipalId)
})
/** @category schemas */
export const ListGrantsResponse = Schema.Struct({
  Grants: Schema.Array(GrantListEntry),
  NextMarker: optional(Schema.String),
  Truncated: Schema.Boolean
})
/** @category schemas */
export const ListRetirableGrantsRequest = Schema.Struct({
  RetiringPrincipal: PrincipalId,
  Limit: optional(Limit),
  Marker: optional(Marker)
})
/** @category schemas */
export const ListRetirableGrantsResponse = ListGrantsResponse
/** @category schemas */
export const RetireGrantRequest = Schema.Struct({
  GrantToken: optional(GrantToken),
  KeyId: optional(KeyId),
  GrantId: optional(GrantId),
  DryRun: optional(Schema.Boolean)
})
/** @category schemas */
export const RetireGrantResponse = Empty
/** @category schemas */
export const RevokeGrantRequest = Schema.Struct({ KeyId, GrantId, DryRun: optional(Schema.Boolean) })
/** @category schemas */
export const RevokeGrantResponse = Empty

/** @category schemas */
export const GetPublicKeyRequest = Schema.Struct({ KeyId, GrantTokens: optional(GrantTokens) })
/** @category schemas */
export const GetPublicKeyResponse = Schema.Struct({
  KeyId: Schema.String,
  PublicKey: Blob,
  CustomerMasterKeySpec: Schema.String,
  KeySpec: Schema.String,
  KeyUsage: Schema.String,
  EncryptionAlgorithms: optional(Schema.Array(Schema.String)),
  SigningAlgorithms: optional(Schema.Array(Schema.String)),
  KeyAgreementAlgorithms: optional(Schema.Array(Schema.String))
})

/** @category schemas */
export const SignRequest = Schema.Struct({
  KeyId,
  Message,
  MessageType: optional(MessageType),
  GrantTokens: optional(GrantTokens),
  SigningAlgorithm,
  DryRun: optional(Schema.Boolean)
})
/** @category schemas */
export const SignResponse = Schema.Struct({ KeyId: Schema.String, Signature: Blob, SigningAlgorithm: Schema.String })

/** @category schemas */
export const VerifyRequest = Schema.Struct({
  KeyId,
  Message,
  MessageType: optional(MessageType),
  Signature: SignatureBlob,
  SigningAlgorithm,
  GrantTokens: optional(GrantTokens),
  DryRun: optional(Schema.Boolean)
})
/** @category schemas */
export const VerifyResponse = Schema.Struct({ KeyId: Schema.String, SignatureValid: Schema.Boolean, SigningAlgorithm: Schema.String })

/** @category schemas */
export const GenerateMacRequest = Schema.Struct({
  Message,
  KeyId,
  MacAlgorithm,
  GrantTokens: optional(GrantTokens),
  DryRun: optional(Schema.Boolean)
})
/** @category schemas */
export const GenerateMacResponse = Schema.Struct({ Mac: Blob, MacAlgorithm: Schema.String, KeyId: Schema.String })

/** @category schemas */
export const VerifyMacRequest = Schema.Struct({
  Message,
  KeyId,
  MacAlgorithm,
  Mac: SignatureBlob,
  GrantTokens: optional(GrantTokens),
  DryRun: optional(Schema.Boolean)
})
/** @category schemas */
export const VerifyMacResponse = Schema.Struct({ KeyId: Schema.String, MacValid: Schema.Boolean, MacAlgorithm: Schema.String })
