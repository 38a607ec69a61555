/**
 * What every operation group works with, built once by `KmsSim.make`: the effectful shell around
 * the pure rules of Key, Grant, Policy and Identifiers.
 *
 * @since 0.1.0
 */
import type { IdsService } from "@sealcast/core/Ids"
import type { RsaPrimitivesService } from "../RsaPrimitives.js"
import type { Authorization } from "./Authorization.js"
import type { KeyAccess } from "./KeyAccess.js"
import type { KeyMaterial } from "./KeyMaterial.js"
import type { Transactions } from "./Transactions.js"
import type { Usage } from "./Usage.js"

export interface Shell {
  readonly region: string
  readonly ids: IdsService
  readonly rsa: RsaPrimitivesService
  readonly transactions: Transactions
  readonly authorization: Authorization
  readonly material: KeyMaterial
  readonly keys: KeyAccess
  readonly usage: Usage
}
