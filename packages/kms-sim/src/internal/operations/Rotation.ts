/**
 * Rotation: EnableKeyRotation, DisableKeyRotation, GetKeyRotationStatus, RotateKeyOnDemand,
 * ListKeyRotations. Automatic rotation that falls due is done by the transaction that first sees it
 * (Transactions.ts).
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import * as Key from "../../Key.js"
import type { KmsSimService } from "../../KmsSim.js"
import type { Shell } from "../Shell.js"
import { paginate } from "../state.js"
import { putKey, transition } from "../Transactions.js"

export type Rotation = Pick<
  KmsSimService,
  "enableKeyRotation" | "disableKeyRotation" | "getKeyRotationStatus" | "rotateKeyOnDemand" | "listKeyRotations"
>

export const make = ({ keys: { onKey }, material }: Shell): Rotation => ({
  enableKeyRotation: (request, caller) =>
    onKey("EnableKeyRotation", request.KeyId, caller, (tx, key) =>
      Effect.as(
        transition(tx, Key.enableRotation(key, request.RotationPeriodInDays ?? Key.DEFAULT_ROTATION_PERIOD_DAYS, tx.now)),
        {}
      )
    ),

  disableKeyRotation: (request, caller) =>
    onKey("DisableKeyRotation", request.KeyId, caller, (tx, key) => Effect.as(transition(tx, Key.disableRotation(key)), {})),

  getKeyRotationStatus: (request, caller) =>
    onKey("GetKeyRotationStatus", request.KeyId, caller, (_, key) =>
      Effect.succeed({
        KeyRotationEnabled: key.rotation.enabled,
        KeyId: key.arn,
        ...(key.rotation.enabled ? { RotationPeriodInDays: key.rotation.periodInDays } : {}),
        ...(key.rotation.nextRotationDate === undefined ? {} : { NextRotationDate: key.rotation.nextRotationDate / 1000 }),
        ...(key.rotation.onDemandRotationStartDate === undefined
          ? {}
          : { OnDemandRotationStartDate: key.rotation.onDemandRotationStartDate / 1000 })
      })
    ),

  rotateKeyOnDemand: (request, caller) =>
    onKey("RotateKeyOnDemand", request.KeyId, caller, (tx, key) =>
      Effect.gen(function* () {
        yield* Key.checkRotatable(key)
        const next = yield* material.generate(key.keyId, Key.nextMaterialVersion(key), tx.now)
        putKey(tx, Key.addMaterial(key, next, tx.now, true))
        return { KeyId: key.arn }
      })
    ),

  listKeyRotations: (request, caller) =>
    onKey("ListKeyRotations", request.KeyId, caller, (_, key) =>
      Effect.map(paginate(Key.rotations(key), request.Limit, request.Marker), ({ page, nextMarker, truncated }) => ({
        Rotations: page,
        ...(nextMarker === undefined ? {} : { NextMarker: nextMarker }),
        Truncated: truncated
      }))
    )
})
