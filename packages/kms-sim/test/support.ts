import { layerNoble } from "@sealcast/core/Cipher"
import { layerSeeded } from "@sealcast/core/Ids"
import { Effect, Either, Layer } from "effect"
import * as KeyStore from "../src/KeyStore.js"
import * as KmsSim from "../src/KmsSim.js"
import * as RootKey from "../src/RootKey.js"
import { layerNodeRsa } from "./NodeRsa.js"

export const ACCOUNT = "000000000000"
export const OTHER_ACCOUNT = "111111111111"
export const REGION = "us-east-1"

export const rootOf = (accountId: string): KmsSim.KmsCaller => ({ accountId, principalArn: `arn:aws:iam::${accountId}:root` })
export const caller = rootOf(ACCOUNT)
export const alice: KmsSim.KmsCaller = { accountId: ACCOUNT, principalArn: `arn:aws:iam::${ACCOUNT}:user/alice` }
export const outsider = rootOf(OTHER_ACCOUNT)

export const rootKeyBytes = Uint8Array.from({ length: 32 }, (_, i) => i + 1)

/** The simulator over a fresh memory store, seeded randomness, the noble cipher and node:crypto's RSA. */
export const kmsLayer = (seed = 1) =>
  KmsSim.layer({ region: REGION }).pipe(
    Layer.provideMerge(Layer.mergeAll(layerNoble, layerSeeded(seed), RootKey.layer(rootKeyBytes), KeyStore.layerMemory, layerNodeRsa))
  )

/** The error tag of a failed effect, or "ok". */
export const outcome = <A, E extends { readonly _tag: string }, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.map(Effect.either(effect), (e) => (Either.isLeft(e) ? e.left._tag : "ok"))

/** The failure of an effect that must fail. */
export const failure = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.flatMap(Effect.flip(effect), (e) => Effect.succeed(e))
