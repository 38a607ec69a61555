/**
 * A batch action's answer: `Successful` entries, and `Failed` ones as `BatchResultErrorEntry`
 * (`Id`, `SenderFault`, `Code`, `Message`), the code and fault from the one error table.
 *
 * @since 0.1.0
 */
import type { Sqs } from "@sealcast/core"
import { describeSqsError } from "../../ErrorTable.js"

export const encodeBatch = <A>(result: Sqs.BatchResult<A>, success: (id: string, a: A) => Record<string, unknown>): Record<string, unknown> => ({
  Successful: result.successful.map((s) => success(s.id, s.result)),
  Failed: result.failed.map((f) => {
    const row = describeSqsError(f.error)
    return { Id: f.id, SenderFault: row.fault === "Sender", Code: row.jsonCode ?? row.code, Message: row.message }
  })
})
