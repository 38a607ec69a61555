/** Test support: the simulated KMS over a fresh memory store, seeded randomness and the noble cipher. */
import { layerNoble } from "@sealcast/core/Cipher"
import { layerSeeded } from "@sealcast/core/Ids"
import { KeyStore, KmsSim, RootKey } from "@sealcast/kms-sim"
import { Effect, Layer } from "effect"

export const caller: KmsSim.KmsCaller = { accountId: "000000000000", principalArn: "arn:aws:iam::000000000000:root" }

export const kmsLayer = (seed = 1) =>
  KmsSim.layer({ region: "us-east-1" }).pipe(
    Layer.provideMerge(
      Layer.mergeAll(layerNoble, layerSeeded(seed), RootKey.layer(Uint8Array.from({ length: 32 }, (_, i) => i + 1)), KeyStore.layerMemory)
    )
  )

/** The failure of an effect that must fail. */
export const failure = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.flip(effect)
