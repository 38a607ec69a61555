import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import * as DataKeyCache from "../src/DataKeyCache.js"
import * as DataKeys from "../src/DataKeys.js"
import * as Ids from "../src/Ids.js"
import * as TestKms from "./support/TestKms.js"

const caller = { accountId: "000000000000", principalArn: "arn:aws:iam::000000000000:root" }
const topicArn = "arn:aws:sns:us-east-1:000000000000:t"

const setup = () => {
  const ids = Ids.makeSeeded(11)
  const kms = TestKms.makeTestKms("us-east-1", "000000000000", () => 0, (n) => Effect.runSync(ids.randomBytes(n)))
  kms.createKey("alias/k", Effect.runSync(ids.randomBytes(32)))
  const dataKeys = Effect.runSync(DataKeys.make.pipe(Effect.provide(TestKms.layer(kms))))
  return { kms, dataKeys }
}

describe("DataKeys", () => {
  it("reuses a sealing key within its scope for 5 minutes, and asks KMS again after", () => {
    const { dataKeys, kms } = setup()
    const scope = { resourceArn: topicArn, kmsKeyId: "alias/k", principalArn: caller.principalArn }
    expect(dataKeys.reuse(scope, 0)).toBeUndefined()
    const first = Effect.runSync(dataKeys.forSealing(scope, caller, 0))
    expect(dataKeys.reuse(scope, DataKeyCache.MAX_AGE_MS - 1)).toBe(first)
    expect(Effect.runSync(dataKeys.forSealing({ ...scope, principalArn: "arn:aws:iam::000000000000:user/other" }, caller, 1))).not.toBe(first)
    expect(dataKeys.reuse(scope, DataKeyCache.MAX_AGE_MS)).toBeUndefined()
    expect(Effect.runSync(dataKeys.forSealing(scope, caller, DataKeyCache.MAX_AGE_MS))).not.toBe(first)
    expect(kms.issued.length).toBe(3)
  })

  it("keeps one data key per key and principal of a topic, each served to its own scope only", () => {
    const { dataKeys, kms } = setup()
    kms.createKey("alias/other", new Uint8Array(32).fill(7))
    const scope = { resourceArn: topicArn, kmsKeyId: "alias/k", principalArn: caller.principalArn }
    const scopes = [
      scope,
      { ...scope, kmsKeyId: "alias/other" },
      { ...scope, principalArn: "arn:aws:iam::000000000000:user/other" },
      { ...scope, resourceArn: `${topicArn}2` }
    ]
    const keys = scopes.map((s) => Effect.runSync(dataKeys.forSealing(s, caller, 0)))
    expect(new Set(keys).size).toBe(scopes.length)
    scopes.forEach((s, i) => expect(dataKeys.reuse(s, 1)).toBe(keys[i]))
    expect(kms.issued.length).toBe(scopes.length)
  })

  it("seals at most MAX_USES messages under one data key, then asks KMS for another", () => {
    const { dataKeys, kms } = setup()
    const scope = { resourceArn: topicArn, kmsKeyId: "alias/k", principalArn: caller.principalArn }
    const first = Effect.runSync(dataKeys.forSealing(scope, caller, 0))
    let reused = 0
    while (dataKeys.reuse(scope, 1) === first) reused++
    expect(reused).toBe(DataKeyCache.MAX_USES - 1)
    expect(Effect.runSync(dataKeys.forSealing(scope, caller, 1))).not.toBe(first)
    expect(kms.issued.length).toBe(2)
  })

  it("opens an encrypted data key once per 5 minutes", () => {
    const { dataKeys, kms } = setup()
    const scope = { resourceArn: topicArn, kmsKeyId: "alias/k", principalArn: caller.principalArn }
    const dataKey = Effect.runSync(dataKeys.forSealing(scope, caller, 0))
    expect(dataKeys.opened(dataKey.ciphertextBlob, 0)).toBeUndefined()
    const plaintext = Effect.runSync(dataKeys.forOpening(dataKey.ciphertextBlob, topicArn, caller, 0))
    expect(plaintext).toEqual(dataKey.plaintext)
    expect(dataKeys.opened(dataKey.ciphertextBlob, DataKeyCache.MAX_AGE_MS - 1)).toBe(plaintext)
    expect(dataKeys.opened(dataKey.ciphertextBlob, DataKeyCache.MAX_AGE_MS)).toBeUndefined()
    expect(kms.decrypts.count).toBe(1)
  })
})
