/**
 * Durable key-value record tables for the broker's other persistent state (topics, subscriptions,
 * platform applications and endpoints, SMS settings, KMS keys and aliases), all in the one `records` table of the broker's database, one `kind` each,
 * and the Schemas of those records.
 *
 * A table is typed by an effect `Schema`: `put` encodes with it, reads decode with it, so what comes
 * back from disk is checked once, at this edge, like any other untrusted input. The encoded form is
 * stored as JSON in which any `Uint8Array` is tagged base64, so key material and other bytes survive
 * byte for byte (`Schema.Uint8ArrayFromSelf` fields need nothing more). Each `put` and `delete` is
 * its own committed transaction: when it resolves, it survives `kill -9` (see `SqliteDatabase.ts`).
 *
 * @since 0.1.0
 */
import type { Errors, Platform, Sms, Subscription, Topic } from "@sealcast/core"
import { Grant, Key } from "@sealcast/kms-sim"
import type { Identifiers } from "@sealcast/kms-sim"
import type Database from "better-sqlite3"
import { Effect, Schema } from "effect"
import * as JsonBytes from "./internal/jsonBytes.js"
import { storeFailure } from "./internal/storeFailure.js"

/**
 * @category models
 */
export interface RecordTable<A> {
  /** Every record, in the order their keys were first put. */
  readonly all: Effect.Effect<ReadonlyMap<string, A>, Errors.StoreFailure>
  readonly get: (key: string) => Effect.Effect<A | undefined, Errors.StoreFailure>
  /** Inserts or replaces; a replaced record keeps its place in `all`'s order. */
  readonly put: (key: string, value: A) => Effect.Effect<void, Errors.StoreFailure>
  /** Removes the record; `true` if there was one. */
  readonly delete: (key: string) => Effect.Effect<boolean, Errors.StoreFailure>
}

/**
 * A table of `kind` records on an open, migrated database (`SqliteDatabase.open`).
 *
 * @category constructors
 */
export const makeRecordTable = <A, I>(
  db: Database.Database,
  kind: string,
  schema: Schema.Schema<A, I>
): Effect.Effect<RecordTable<A>, Errors.StoreFailure> =>
  Effect.try({
    try: () => {
      const selectAll = db.prepare<[string], { readonly key: string; readonly value: string }>(
        "SELECT key, value FROM records WHERE kind = ? ORDER BY rowid"
      )
      const selectOne = db.prepare<[string, string], { readonly value: string }>(
        "SELECT value FROM records WHERE kind = ? AND key = ?"
      )
      // An upsert, not INSERT OR REPLACE: REPLACE deletes and reinserts, which would move the row.
      const upsert = db.prepare<[string, string, string]>(
        "INSERT INTO records (kind, key, value) VALUES (?, ?, ?) ON CONFLICT (kind, key) DO UPDATE SET value = excluded.value"
      )
      const remove = db.prepare<[string, string]>("DELETE FROM records WHERE kind = ? AND key = ?")

      const decode = Schema.decodeUnknown(schema)
      const encode = Schema.encode(schema)
      const read = (key: string, text: string) =>
        Effect.try({ try: () => JsonBytes.parse(text), catch: (cause) => cause }).pipe(
          Effect.flatMap((json) => decode(json)),
          Effect.mapError((cause) => storeFailure(`The stored ${kind} record ${JSON.stringify(key)} is unreadable`, cause))
        )
      const sql = <B>(doing: string, f: () => B) =>
        Effect.try({ try: f, catch: (cause) => storeFailure(`${doing} ${kind} record`, cause) })

      return {
        all: sql("Cannot list the", () => selectAll.all(kind)).pipe(
          Effect.flatMap((rows) => Effect.forEach(rows, ({ key, value }) => Effect.map(read(key, value), (a) => [key, a] as const))),
          Effect.map((entries) => new Map(entries))
        ),
        get: (key) =>
          sql("Cannot read the", () => selectOne.get(kind, key)).pipe(
            Effect.flatMap((row) => (row === undefined ? Effect.succeed(undefined) : read(key, row.value)))
          ),
        put: (key, value) =>
          encode(value).pipe(
            Effect.mapError((cause) => storeFailure(`Cannot encode the ${kind} record ${JSON.stringify(key)}`, cause)),
            Effect.flatMap((encoded) =>
              sql("Cannot write the", () => {
                upsert.run(kind, key, JsonBytes.stringify(encoded))
              })
            )
          ),
        delete: (key) => sql("Cannot delete the", () => remove.run(kind, key).changes > 0)
      }
    },
    catch: (cause) => storeFailure(`Cannot prepare the ${kind} records`, cause)
  })

// -------------------------------------------------------------------------------------------
// The records the broker keeps
// -------------------------------------------------------------------------------------------

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
  subscriptionsDeleted: Schema.Number,
  // Absent in records written before topics kept archives, and on topics that keep none.
  archivedSince: Schema.optional(Schema.UndefinedOr(Schema.Number))
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
  createdAt: Schema.Number,
  // Absent in records written before subscriptions replayed, and on subscriptions with no replay.
  replay: Schema.optional(Schema.UndefinedOr(Schema.Struct({
    status: Schema.Literal("Pending", "In progress", "Completed", "Failed"),
    startingPoint: Schema.Number,
    endingPoint: Schema.UndefinedOr(Schema.Number),
    requestedAt: Schema.Number
  })))
})

/** @category schemas */
export const PlatformApplicationRecord = Schema.Struct({
  arn: Schema.String,
  name: Schema.String,
  platform: Schema.Literal("ADM", "APNS", "APNS_SANDBOX", "BAIDU", "GCM", "MPNS", "WNS"),
  accountId: Schema.String,
  attributes: StringRecord,
  createdAt: Schema.Number
})

/** @category schemas */
export const PlatformEndpointRecord = Schema.Struct({
  arn: Schema.String,
  applicationArn: Schema.String,
  accountId: Schema.String,
  attributes: StringRecord,
  createdAt: Schema.Number
})

/** @category schemas */
export const SmsAccountRecord = Schema.Struct({
  accountId: Schema.String,
  attributes: StringRecord,
  sandboxNumbers: Schema.Array(
    Schema.Struct({
      phoneNumber: Schema.String,
      status: Schema.Literal("Pending", "Verified"),
      oneTimePassword: Schema.UndefinedOr(Schema.String),
      languageCode: Schema.String
    })
  )
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
  readonly platformApplication: Schema.Schema<Platform.PlatformApplication, Schema.Schema.Encoded<typeof PlatformApplicationRecord>>
  readonly platformEndpoint: Schema.Schema<Platform.PlatformEndpoint, Schema.Schema.Encoded<typeof PlatformEndpointRecord>>
  readonly smsAccount: Schema.Schema<Sms.SmsAccount, Schema.Schema.Encoded<typeof SmsAccountRecord>>
  readonly key: Schema.Schema<Key.KeyRecord, Schema.Schema.Encoded<typeof KeyRecord>>
  readonly alias: Schema.Schema<Identifiers.AliasRecord, Schema.Schema.Encoded<typeof AliasRecord>>
} = {
  topic: TopicRecord,
  subscription: SubscriptionRecord,
  platformApplication: PlatformApplicationRecord,
  platformEndpoint: PlatformEndpointRecord,
  smsAccount: SmsAccountRecord,
  key: KeyRecord,
  alias: AliasRecord
}
