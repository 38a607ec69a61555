/**
 * Test support: the simulated KMS over a fresh memory store, seeded randomness, the noble cipher and
 * kms-sim's node:crypto RSA for tests.
 */
import { layerNoble } from "@sealcast/core/Cipher"
import { layerSeeded } from "@sealcast/core/Ids"
import { KeyStore, KmsSim, RootKey, RsaPrimitives } from "@sealcast/kms-sim"
import { Effect, Layer } from "effect"
import { makeNodeRsa } from "../../../kms-sim/test/NodeRsa.js"

/** kms-sim's test RSA on node:crypto, under the built package's tag. */
export const layerNodeRsa = Layer.sync(RsaPrimitives.RsaPrimitives, makeNodeRsa)

export const caller: KmsSim.KmsCaller = { accountId: "000000000000", principalArn: "arn:aws:iam::000000000000:root" }

export const kmsLayer = (seed = 1) =>
  KmsSim.layer({ region: "us-east-1" }).pipe(
    Layer.provideMerge(
      Layer.mergeAll(layerNoble, layerNodeRsa, layerSeeded(seed), RootKey.layer(Uint8Array.from({ length: 32 }, (_, i) => i + 1)), KeyStore.layerMemory)
    )
  )

/** The failure of an effect that must fail. */
export const failure = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.flip(effect)
