/**
 * Tags: TagResource, UntagResource, ListResourceTags.
 *
 * @since 0.1.0
 */
import { Effect, Either } from "effect"
import * as Key from "../../Key.js"
import type { KmsSimService } from "../../KmsSim.js"
import type { Shell } from "../Shell.js"
import { paginate } from "../state.js"
import { transition } from "../Transactions.js"

export type Tags = Pick<KmsSimService, "tagResource" | "untagResource" | "listResourceTags">

export const make = ({ keys: { onKey } }: Shell): Tags => ({
  tagResource: (request, caller) =>
    onKey("TagResource", request.KeyId, caller, (tx, key) => Effect.as(transition(tx, Key.putTags(key, request.Tags)), {})),

  untagResource: (request, caller) =>
    onKey("UntagResource", request.KeyId, caller, (tx, key) =>
      Effect.as(transition(tx, Either.right(Key.removeTags(key, request.TagKeys))), {})
    ),

  listResourceTags: (request, caller) =>
    onKey("ListResourceTags", request.KeyId, caller, (_, key) =>
      Effect.map(paginate(key.tags, request.Limit, request.Marker), ({ page, nextMarker, truncated }) => ({
        Tags: page,
        ...(nextMarker === undefined ? {} : { NextMarker: nextMarker }),
        Truncated: truncated
      }))
    )
})
