/**
 * Key lifecycle: CreateKey, DescribeKey, ListKeys, EnableKey, DisableKey, ScheduleKeyDeletion,
 * CancelKeyDeletion, UpdateKeyDescription. The state machine itself is pure, in Key.ts.
 *
 * @since 0.1.0
 */
import { Effect, Either } from "effect"
import * as Errors from "../../Errors.js"
import * as Key from "../../Key.js"
import type { KmsSimService } from "../../KmsSim.js"
import * as KeyPolicy from "../../KeyPolicy.js"
import { refuseCustomKeyStore } from "../KeyAccess.js"
import type { Shell } from "../Shell.js"
import { keyMetadata, paginate } from "../state.js"
import { putKey, transition } from "../Transactions.js"

export type KeyLifecycle = Pick<
  KmsSimService,
  | "createKey"
  | "describeKey"
  | "listKeys"
  | "enableKey"
  | "disableKey"
  | "scheduleKeyDeletion"
  | "cancelKeyDeletion"
  | "updateKeyDescription"
>

export const make = ({ authorization, ids, keys: { onKey }, material, region, transactions: { transact }, usage }: Shell): KeyLifecycle => ({
  createKey: (request, caller) =>
    Effect.gen(function* () {
      if (request.KeySpec !== undefined && request.CustomerMasterKeySpec !== undefined) {
        return yield* new Errors.ValidationException({
          message: "You cannot specify KeySpec and CustomerMasterKeySpec in the same request. CustomerMasterKeySpec is deprecated."
        })
      }
      if ((request.Origin ?? "AWS_KMS") !== "AWS_KMS") {
        return yield* new Errors.UnsupportedOperationException({ message: "Only keys with Origin AWS_KMS are simulated." })
      }
      yield* refuseCustomKeyStore(request.CustomKeyStoreId)
      if (request.XksKeyId !== undefined) {
        return yield* new Errors.ValidationException({ message: "XksKeyId is valid only with Origin EXTERNAL_KEY_STORE." })
      }
      const { spec, usage: keyUsage } = yield* Key.checkSpecAndUsage(
        request.KeySpec ?? request.CustomerMasterKeySpec ?? "SYMMETRIC_DEFAULT",
        request.KeyUsage ?? "ENCRYPT_DECRYPT"
      )
      // An RSA key pair takes the host a while (seconds for RSA_4096): it is made before the
      // transaction, so that other requests do not wait for it.
      const rsaKey = Key.isRsa(spec) ? yield* material.clearFor(spec) : undefined
      return yield* transact((tx) =>
        Effect.gen(function* () {
          const uuid = yield* ids.uuid
          // CreateKey API, "MultiRegion": a multi-Region primary key, whose id begins `mrk-`.
          const keyId = request.MultiRegion === true ? Key.multiRegionKeyId(uuid) : uuid
          const arn = Key.keyArn(region, caller.accountId, keyId)
          const policy = request.Policy === undefined
            ? KeyPolicy.defaultKeyPolicy(caller.accountId)
            : yield* authorization.checkLockout(request.Policy, request.BypassPolicyLockoutSafetyCheck, caller, arn)
          const bare: Key.KeyRecord = {
            keyId,
            arn,
            accountId: caller.accountId,
            region,
            creationDate: tx.now,
            description: request.Description ?? "",
            keySpec: spec,
            keyUsage,
            keyManager: "CUSTOMER",
            state: "Enabled",
            policy,
            tags: [],
            rotation: { enabled: false, periodInDays: Key.DEFAULT_ROTATION_PERIOD_DAYS },
            materials: [
              spec === "SYMMETRIC_DEFAULT"
                ? yield* material.generate(keyId, 1, tx.now)
                : yield* material.wrap(keyId, 1, rsaKey ?? (yield* material.clearFor(spec)), tx.now)
            ]
          }
          const key = yield* Key.putTags(bare, request.Tags ?? [])
          putKey(tx, key)
          yield* usage.count(arn, "CreateKey")
          return { KeyMetadata: keyMetadata(key) }
        })
      )
    }),

  describeKey: (request, caller) =>
    onKey("DescribeKey", request.KeyId, caller, (_, key) => Effect.succeed({ KeyMetadata: keyMetadata(key) })),

  listKeys: (request, caller) =>
    transact((tx) =>
      Effect.map(
        paginate([...tx.state.keys.values()].filter((k) => k.accountId === caller.accountId), request.Limit, request.Marker),
        ({ page, nextMarker, truncated }) => ({
          Keys: page.map((k) => ({ KeyId: k.keyId, KeyArn: k.arn })),
          ...(nextMarker === undefined ? {} : { NextMarker: nextMarker }),
          Truncated: truncated
        })
      )
    ),

  enableKey: (request, caller) =>
    onKey("EnableKey", request.KeyId, caller, (tx, key) => Effect.as(transition(tx, Key.enable(key)), {})),

  disableKey: (request, caller) =>
    onKey("DisableKey", request.KeyId, caller, (tx, key) => Effect.as(transition(tx, Key.disable(key)), {})),

  scheduleKeyDeletion: (request, caller) =>
    onKey("ScheduleKeyDeletion", request.KeyId, caller, (tx, key) =>
      Effect.map(transition(tx, Key.scheduleDeletion(key, request.PendingWindowInDays ?? 30, tx.now)), (k) => ({
        KeyId: k.arn,
        DeletionDate: (k.deletionDate ?? tx.now) / 1000,
        KeyState: k.state,
        PendingWindowInDays: k.pendingDeletionWindowInDays ?? 30
      }))
    ),

  cancelKeyDeletion: (request, caller) =>
    onKey("CancelKeyDeletion", request.KeyId, caller, (tx, key) =>
      Effect.map(transition(tx, Key.cancelDeletion(key)), (k) => ({ KeyId: k.arn }))
    ),

  // UpdateKeyDescription API: a key pending deletion is in no state to change (KMSInvalidState).
  updateKeyDescription: (request, caller) =>
    onKey("UpdateKeyDescription", request.KeyId, caller, (tx, key) =>
      Effect.as(transition(tx, Either.map(Key.checkNotPendingDeletion(key), (k) => ({ ...k, description: request.Description }))), {})
    )
})
