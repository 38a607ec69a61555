/**
 * The shapes of the records the broker keeps in its database, as Schemas: what is read back from
 * disk is decoded once, here, like any other untrusted input.
 *
 * @since 0.1.0
 */
import type { Subscription, Topic } from "@sealcast/core"
import { Grant, Key } from "@sealcast/kms-sim"
import type { Identifiers } from "@sealcast/kms-sim"
import { Schema } from "effect"

const StringRecord = Schema.Record({ key: Schema.String, value: Schema.String })

/** @category schemas */
export const TopicRecord = Schema.Struct({
  arn: Schema.String,
  name: Schema.String,
  accountId: Schema.String,
  fifo: Schema.Boolean,
  attributes: StringRecord,
  tags: Schema.Array(Schema.Struct({ key: Schema.String, value: Schema.String })),
  dataProtectionPolicy: Schema.UndefinedOr(Schema.String),
  createdAt: Schema.Number,
  subscriptionsDeleted: Schema.Number
})

/** @category schemas */
export const SubscriptionRecord = Schema.Struct({
  arn: Schema.String,
  topicArn: Schema.String,
  accountId: Schema.String,
  protocol: Schema.Literal("http", "https", "email", "email-json", "sms", "sqs", "application", "lambda", "firehose"),
  endpoint: Schema.String,
  status: Schema.Literal("PendingConfirmation", "Confirmed"),
  confirmationToken: Schema.UndefinedOr(Schema.String),
  confirmationWasAuthenticated: Schema.Boolean,
  attributes: StringRecord,
  createdAt: Schema.Number
})

const optionalNumber = Schema.optionalWith(Schema.UndefinedOr(Schema.Number), { exact: true })

/** @category schemas */
export const KeyRecord = Schema.Struct({
  keyId: Schema.String,
  arn: Schema.String,
  accountId: Schema.String,
  region: Schema.String,
  creationDate: Schema.Number,
  description: Schema.String,
  keySpec: Schema.Literal(...Key.keySpecs),
  keyUsage: Schema.Literal(...Key.keyUsages),
  keyManager: Schema.Literal("AWS", "CUSTOMER"),
  state: Schema.Literal("Enabled", "Disabled", "PendingDeletion"),
  deletionDate: optionalNumber,
  pendingDeletionWindowInDays: optionalNumber,
  policy: Schema.String,
  tags: Schema.Array(Schema.Struct({ TagKey: Schema.String, TagValue: Schema.String })),
  rotation: Schema.Struct({
    enabled: Schema.Boolean,
    periodInDays: Schema.Number,
    nextRotationDate: optionalNumber,
    onDemandRotationStartDate: optionalNumber
  }),
  materials: Schema.Array(
    Schema.Struct({
      version: Schema.Number,
      createdAt: Schema.Number,
      nonce: Schema.Uint8ArrayFromSelf,
      sealed: Schema.Uint8ArrayFromSelf,
      // Absent in records written before ListKeyRotations, and for a key's first material.
      rotationType: Schema.optionalWith(Schema.Literal("AUTOMATIC", "ON_DEMAND"), { exact: true })
    })
  ),
  // Absent in records written before grants existed: such a key has none.
  grants: Schema.optionalWith(
    Schema.UndefinedOr(
      Schema.Array(
        Schema.Struct({
          grantId: Schema.String,
          name: Schema.optionalWith(Schema.UndefinedOr(Schema.String), { exact: true }),
          granteePrincipal: Schema.String,
          retiringPrincipal: Schema.optionalWith(Schema.UndefinedOr(Schema.String), { exact: true }),
          operations: Schema.Array(Schema.Literal(...Grant.grantOperations)),
          constraints: Schema.optionalWith(
            Schema.UndefinedOr(
              Schema.Struct({
                EncryptionContextSubset: Schema.optionalWith(Schema.Record({ key: Schema.String, value: Schema.String }), { exact: true }),
                EncryptionContextEquals: Schema.optionalWith(Schema.Record({ key: Schema.String, value: Schema.String }), { exact: true })
              })
            ),
            { exact: true }
          ),
          issuingAccount: Schema.String,
          creationDate: Schema.Number,
          tokens: Schema.Array(Schema.String)
        })
      )
    ),
    { exact: true }
  )
})

/** @category schemas */
export const AliasRecord = Schema.Struct({
  aliasName: Schema.String,
  aliasArn: Schema.String,
  accountId: Schema.String,
  targetKeyId: Schema.String,
  creationDate: Schema.Number,
  lastUpdatedDate: Schema.Number
})

/** Proofs that each schema decodes to exactly the record type its store holds. */
export const recordTypes: {
  readonly topic: Schema.Schema<Topic.Topic, Schema.Schema.Encoded<typeof TopicRecord>>
  readonly subscription: Schema.Schema<Subscription.Subscription, Schema.Schema.Encoded<typeof SubscriptionRecord>>
  readonly key: Schema.Schema<Key.KeyRecord, Schema.Schema.Encoded<typeof KeyRecord>>
  readonly alias: Schema.Schema<Identifiers.AliasRecord, Schema.Schema.Encoded<typeof AliasRecord>>
} = { topic: TopicRecord, subscription: SubscriptionRecord, key: KeyRecord, alias: AliasRecord }
