import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import * as Identifiers from "../src/Identifiers.js"
import type { KeyRecord } from "../src/Key.js"

const id = "1234abcd-12ab-34cd-56ef-1234567890ab"
const key = { keyId: id, accountId: "000000000000", arn: `arn:aws:kms:us-east-1:000000000000:key/${id}` } as KeyRecord
const alias: Identifiers.AliasRecord = {
  aliasName: "alias/orders",
  aliasArn: "arn:aws:kms:us-east-1:000000000000:alias/orders",
  accountId: "000000000000",
  targetKeyId: id,
  creationDate: 0,
  lastUpdatedDate: 0
}
const directory: Identifiers.Directory = { keys: new Map([[id, key]]), aliases: new Map([[alias.aliasArn, alias]]) }

const resolveText = (text: string, callerAccount: string, crossAccount: boolean) =>
  Either.flatMap(Identifiers.parseKeyRef(text), (ref) => Identifiers.resolve(directory, ref, "us-east-1", callerAccount, crossAccount))

describe("Identifiers", () => {
  it("resolves all four forms in the caller's own account", () => {
    for (const text of [id, id.toUpperCase(), key.arn, alias.aliasName, alias.aliasArn]) {
      expect(resolveText(text, "000000000000", false)).toEqual(Either.right(key))
    }
  })

  it("reaches another account's key only by ARN, and only for cross-account operations", () => {
    expect(resolveText(key.arn, "111111111111", true)).toEqual(Either.right(key))
    expect(resolveText(alias.aliasArn, "111111111111", true)).toEqual(Either.right(key))
    expect(Either.isLeft(resolveText(key.arn, "111111111111", false))).toBe(true)
    expect(Either.isLeft(resolveText(id, "111111111111", true))).toBe(true)
    expect(Either.isLeft(resolveText(alias.aliasName, "111111111111", true))).toBe(true)
  })

  it("answers unknown keys and aliases with KMS's NotFound texts", () => {
    const other = "00000000-0000-4000-8000-000000000000"
    const unknown = resolveText(other, "000000000000", false)
    expect(Either.isLeft(unknown) && [unknown.left._tag, unknown.left.message]).toEqual([
      "NotFoundException",
      `Key 'arn:aws:kms:us-east-1:000000000000:key/${other}' does not exist`
    ])
    const missing = resolveText("alias/nope", "000000000000", false)
    expect(Either.isLeft(missing) && missing.left.message).toBe("Alias arn:aws:kms:us-east-1:000000000000:alias/nope is not found.")
    const wrongRegion = resolveText(key.arn.replace("us-east-1", "eu-west-1"), "000000000000", true)
    expect(Either.isLeft(wrongRegion)).toBe(true)
    for (const text of ["nope", "alias/", "arn:aws:kms:us-east-1:000000000000:key/x", "arn:aws:sns:us-east-1:000000000000:t"]) {
      const parsed = Identifiers.parseKeyRef(text)
      expect(Either.isLeft(parsed) && parsed.left.message).toBe(`Invalid keyId '${text}'`)
    }
  })

  it("checks alias names: the alias/ prefix is required and alias/aws/ is reserved", () => {
    expect(Identifiers.checkAliasName("alias/orders")).toEqual(Either.right("alias/orders"))
    const noPrefix = Identifiers.checkAliasName("orders")
    expect(Either.isLeft(noPrefix) && noPrefix.left._tag).toBe("ValidationException")
    const reserved = Identifiers.checkAliasName("alias/aws/sns")
    expect(Either.isLeft(reserved) && reserved.left._tag).toBe("NotAuthorizedException")
  })
})
