/**
 * Message attributes as both stores keep them: JSON whose Binary values are tagged base64
 * (`jsonBytes.ts`; docs/SEMANTICS.md §4 types), with no JSON round trip for a message that has none.
 */
import type { Message } from "@sealcast/core"
import { Schema } from "effect"
import * as JsonBytes from "./jsonBytes.js"

/** The attributes of a message that has none, as stored. */
const NO_ATTRIBUTES = "{}"

const StoredAttributes = Schema.Record({
  key: Schema.String,
  value: Schema.Union(
    Schema.Struct({ dataType: Schema.String, stringValue: Schema.String }),
    Schema.Struct({ dataType: Schema.String, binaryValue: Schema.Uint8ArrayFromSelf })
  )
})
const isStoredAttributes = Schema.is(StoredAttributes)

const hasAny = (record: Readonly<Record<string, unknown>>): boolean => {
  for (const _ in record) return true
  return false
}

/** The attributes as stored. */
export const attributesText = (attributes: Message.StoredMessage["attributes"]): string =>
  hasAny(attributes) ? JsonBytes.stringify(attributes) : NO_ATTRIBUTES

/**
 * The stored attributes, checked rather than decoded: the parsed JSON already has the right shape,
 * and a decode would rebuild the record by assignment, turning an attribute named `__proto__` (a
 * valid SNS name, docs/SEMANTICS.md §4) into the object's prototype instead of one of its keys.
 */
export const attributesOf = (json: string): Message.StoredMessage["attributes"] => {
  if (json === NO_ATTRIBUTES) return {}
  const parsed = JsonBytes.parse(json)
  if (!isStoredAttributes(parsed)) throw new Error("the stored message attributes are malformed")
  return parsed
}
