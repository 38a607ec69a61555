/**
 * Multi-Region keys: ReplicateKey and UpdatePrimaryRegion (KMS API Reference; KMS Developer Guide,
 * "Multi-Region keys in AWS KMS"). CreateKey makes the primary keys (KeyLifecycle.ts) and DescribeKey
 * shows their `MultiRegionConfiguration` (state.ts).
 *
 * The simulator serves one Region, so a replica has nowhere to live: ReplicateKey refuses every
 * Region, and UpdatePrimaryRegion can only name the primary key's own Region (README, "Multi-Region
 * keys").
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import * as Errors from "../../Errors.js"
import * as Key from "../../Key.js"
import type { KmsSimService } from "../../KmsSim.js"
import type { Shell } from "../Shell.js"

export type MultiRegion = Pick<KmsSimService, "replicateKey" | "updatePrimaryRegion">

/** The checks both operations make first, in KMS's order: a multi-Region key, not pending deletion. */
const checkMultiRegion = (key: Key.KeyRecord) =>
  Effect.gen(function* () {
    if (!Key.isMultiRegion(key)) {
      return yield* new Errors.UnsupportedOperationException({ message: `${key.arn} is not a multi-Region key.` })
    }
    return yield* Key.checkNotPendingDeletion(key)
  })

const unservedRegion = (served: string, region: string) =>
  new Errors.UnsupportedOperationException({
    message: `Region ${region} is not served by this KMS, which serves only ${served}.`
  })

export const make = ({ keys: { onKey }, region }: Shell): MultiRegion => ({
  replicateKey: (request, caller) =>
    onKey("ReplicateKey", request.KeyId, caller, (_, key) =>
      Effect.gen(function* () {
        yield* checkMultiRegion(key)
        // ReplicateKey API, "ReplicaRegion": the replica must be in a different Region than its primary key.
        if (request.ReplicaRegion === key.region) {
          return yield* new Errors.UnsupportedOperationException({
            message: `${key.arn} is already in ${key.region}: a replica must be in a different Region than its primary key.`
          })
        }
        return yield* unservedRegion(region, request.ReplicaRegion)
      })),

  updatePrimaryRegion: (request, caller) =>
    onKey("UpdatePrimaryRegion", request.KeyId, caller, (_, key) =>
      Effect.gen(function* () {
        yield* checkMultiRegion(key)
        // The primary key is already in that Region: nothing changes.
        if (request.PrimaryRegion === key.region) return {}
        return yield* unservedRegion(region, request.PrimaryRegion)
      }))
})
