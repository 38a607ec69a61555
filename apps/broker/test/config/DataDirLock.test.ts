import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Scope } from "effect"
import { mkdtempSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll } from "vitest"
import * as DataDirLock from "../../src/config/DataDirLock.js"

const root = mkdtempSync(join(tmpdir(), "sealcast-lock-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))

describe("DataDirLock", () => {
  it.effect("a second holder in the same process is refused while the first holds it, and gets it once released", () =>
    Effect.gen(function* () {
      const first = yield* Scope.make()
      yield* Scope.extend(DataDirLock.acquire(root), first)
      const refused = yield* Effect.flip(Effect.scoped(DataDirLock.acquire(root)))
      expect(refused).toMatchObject({ _tag: "DataDirInUse" })
      expect(refused.message).toContain(`The data dir ${root} is in use by another broker`)
      yield* Scope.close(first, Exit.void)
      yield* Effect.scoped(DataDirLock.acquire(root))
      // Nothing is ever written to the lock file.
      expect(statSync(DataDirLock.lockPath(root)).size).toBe(0)
    }))

  it.effect("a data dir that does not exist is a DataDirLockError naming the file", () =>
    Effect.gen(function* () {
      const failure = yield* Effect.flip(Effect.scoped(DataDirLock.acquire(join(root, "absent"))))
      expect(failure._tag).toBe("DataDirLockError")
      expect(failure.message).toContain(join(root, "absent", "lock"))
    }))
})
