/**
 * The KMS endpoint: AWS JSON 1.1 (docs/SEMANTICS.md §5). `X-Amz-Target: TrentService.<Op>` names the
 * operation; the body is the request as JSON; the answer is the response as JSON, or
 * `{"__type": "<Code>", "message": "…"}`.
 *
 * Unlike the Query protocol, JSON 1.1 needs no per-action codec: the wire JSON is the operation's
 * request shape, so the operation table (Operations.ts, one schema pair per operation) decodes and encodes
 * every action, and this one route serves them all.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import type { Errors as KmsErrors, KmsSim } from "@sealcast/kms-sim"
import { SerializationException, UnknownOperationException } from "./Errors.js"
import * as Operations from "./Operations.js"

/** The target prefix of KMS operations. */
export const TARGET_PREFIX = "TrentService."

const decoder = new TextDecoder("utf-8", { fatal: true })

/**
 * Parses the body and runs the operation. Fails with a tagged error for the error table.
 *
 * @category routing
 */
export const run = (
  kms: KmsSim.KmsSimService,
  target: string,
  body: Uint8Array,
  caller: KmsSim.KmsCaller
): Effect.Effect<unknown, KmsErrors.KmsError | UnknownOperationException | SerializationException> =>
  Effect.gen(function* () {
    const name = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : ""
    const operation = Object.hasOwn(Operations.operations, name)
      ? Operations.operations[name as keyof typeof Operations.operations]
      : undefined
    if (operation === undefined) {
      return yield* new UnknownOperationException({ message: `Unknown operation ${target}` })
    }
    const json = yield* Effect.try({
      try: () => (body.length === 0 ? {} : JSON.parse(decoder.decode(body)) as unknown),
      catch: () => new SerializationException({ message: "Start of structure or map found where not expected." })
    })
    if (typeof json !== "object" || json === null || Array.isArray(json)) {
      return yield* new SerializationException({ message: "Start of structure or map found where not expected." })
    }
    return yield* operation.handle(kms, json, caller)
  })

/**
 * The JSON error body of AWS JSON 1.1.
 *
 * @category encoding
 */
export const errorBody = (code: string, message: string): string => JSON.stringify({ __type: code, message })
