import { describe, expect, it } from "@effect/vitest"
import { layerNoble } from "@sealcast/core/Cipher"
import { forTopic } from "@sealcast/core/EncryptionContext"
import { layerSeeded } from "@sealcast/core/Ids"
import { Kms, type KmsCaller } from "@sealcast/core/Kms"
import { KeyStore, KmsSim, RootKey } from "@sealcast/kms-sim"
import { Effect, Layer } from "effect"
import * as SnsKms from "../../src/adapters/SnsKms.js"
import * as NodeRsa from "../../src/NodeRsa.js"

const rootOf = (accountId: string): KmsCaller => ({ accountId, principalArn: `arn:aws:iam::${accountId}:root` })
const caller = rootOf("000000000000")
const alice: KmsCaller = { accountId: "000000000000", principalArn: "arn:aws:iam::000000000000:user/alice" }
const outsider = rootOf("111111111111")
const failure = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.flip(effect)

const kmsLayer = KmsSim.layer({ region: "us-east-1" }).pipe(
  Layer.provideMerge(
    Layer.mergeAll(layerNoble, NodeRsa.layerNode, layerSeeded(1), RootKey.layer(Uint8Array.from({ length: 32 }, (_, i) => i + 1)), KeyStore.layerMemory)
  )
)
const layer = SnsKms.layer.pipe(Layer.provideMerge(kmsLayer))
const topic = forTopic("arn:aws:sns:us-east-1:000000000000:orders")
const WRAPPED = /^(.*) \(Service: AWSKMS; Status Code: 400; Error Code: (\w+); Request ID: [0-9a-f-]{36}\)$/

describe("SnsKms.layer", () => {
  it.effect("alias/aws/sns works end to end through the core port, created on first use", () =>
    Effect.gen(function* () {
      const kms = yield* Kms
      const { keyArn } = yield* kms.checkKeyForUse("alias/aws/sns", alice, {})
      const dataKey = yield* kms.generateDataKey("alias/aws/sns", topic, alice)
      expect([dataKey.keyArn, dataKey.plaintext.length]).toEqual([keyArn, 32])
      expect(yield* kms.decrypt(dataKey.ciphertextBlob, topic, alice)).toEqual({ keyArn, plaintext: dataKey.plaintext })
      const otherTopic = forTopic("arn:aws:sns:us-east-1:000000000000:other")
      const wrong = yield* failure(kms.decrypt(dataKey.ciphertextBlob, otherTopic, alice))
      expect(wrong._tag).toBe("KMSInvalidState")
      expect(WRAPPED.exec(wrong.message)?.[2]).toBe("InvalidCiphertextException")
    }).pipe(Effect.provide(layer)))

  it.effect("checkKeyForUse is a local check and maps KMS errors to SNS's, wrapping AWS's text", () =>
    Effect.gen(function* () {
      const kms = yield* Kms
      const sim = yield* KmsSim.KmsSim
      const key = (yield* sim.createKey({}, caller)).KeyMetadata
      yield* kms.checkKeyForUse(key.KeyId, alice, {})
      expect((yield* sim.usage).filter((u) => u.keyArn === key.Arn).map((u) => u.operation)).toEqual(["CreateKey"])

      yield* sim.disableKey({ KeyId: key.KeyId }, caller)
      const disabled = yield* failure(kms.checkKeyForUse(key.KeyId, alice, {}))
      expect(disabled._tag).toBe("KMSDisabled")
      expect(WRAPPED.exec(disabled.message)?.slice(1)).toEqual([`${key.Arn} is disabled.`, "DisabledException"])

      yield* sim.scheduleKeyDeletion({ KeyId: key.KeyId }, caller)
      expect((yield* failure(kms.generateDataKey(key.KeyId, topic, alice)))._tag).toBe("KMSInvalidState")
      expect((yield* failure(kms.checkKeyForUse("alias/none", alice, {})))._tag).toBe("KMSNotFound")
      expect((yield* failure(kms.checkKeyForUse("arn:aws:kms:us-east-1:000000000000:alias/aws/sns", outsider, {})))._tag).toBe("KMSNotFound")

      const own = (yield* sim.createKey({}, caller)).KeyMetadata
      expect((yield* failure(kms.checkKeyForUse(own.Arn, outsider, {})))._tag).toBe("KMSAccessDenied")
      const hmac = (yield* sim.createKey({ KeySpec: "HMAC_256", KeyUsage: "GENERATE_VERIFY_MAC" }, caller)).KeyMetadata
      // SNS declares no key-usage error: a key that cannot encrypt is in no state to serve Publish.
      const wrongUsage = yield* failure(kms.checkKeyForUse(hmac.KeyId, alice, {}))
      expect(wrongUsage._tag).toBe("KMSInvalidState")
      expect(wrongUsage.message).toContain("InvalidKeyUsageException")
    }).pipe(Effect.provide(layer)))

  it.effect("calls go via SNS, so a kms:ViaService condition admits them and refuses direct use", () =>
    Effect.gen(function* () {
      const kms = yield* Kms
      const sim = yield* KmsSim.KmsSim
      const policy = JSON.stringify({
        Statement: [
          { Effect: "Allow", Principal: { AWS: "000000000000" }, Action: "kms:*", Resource: "*" },
          {
            Effect: "Deny",
            Principal: "*",
            Action: "kms:GenerateDataKey*",
            Resource: "*",
            Condition: { StringNotEquals: { "kms:ViaService": "sns.us-east-1.amazonaws.com" } }
          }
        ]
      })
      const key = (yield* sim.createKey({ Policy: policy }, caller)).KeyMetadata
      yield* kms.generateDataKey(key.KeyId, topic, alice)
      expect((yield* failure(sim.generateDataKey({ KeyId: key.KeyId, KeySpec: "AES_256" }, alice)))._tag).toBe("AccessDeniedException")
    }).pipe(Effect.provide(layer)))
})
