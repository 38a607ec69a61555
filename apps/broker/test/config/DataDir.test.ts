import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll } from "vitest"
import * as DataDir from "../../src/config/DataDir.js"

const root = mkdtempSync(join(tmpdir(), "sealcast-data-dir-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))

describe("DataDir.checkWritable", () => {
  it.effect("passes on a writable dir, leaves nothing behind, and ignores files not made yet", () =>
    Effect.gen(function* () {
      writeFileSync(join(root, "present"), "x")
      yield* DataDir.checkWritable(root, [join(root, "present"), join(root, "not-yet")])
      expect(readdirSync(root)).toEqual(["present"])
    }))

  // Run as root, permission bits stop nothing; a directory where a file must be written stops
  // anyone. (The end-to-end suite makes a read-only data dir for the user the broker runs as.)
  it.effect("names a file that cannot be opened for writing, with the system's reason", () =>
    Effect.gen(function* () {
      const blocked = join(root, "sealcast.db")
      mkdirSync(blocked)
      const failure = yield* Effect.flip(DataDir.checkWritable(root, [blocked]))
      expect(failure.message).toBe(`${blocked} is not writable: EISDIR: illegal operation on a directory, open '${blocked}'`)
    }))

  it.effect("names a data dir in which no file can be made", () =>
    Effect.gen(function* () {
      const failure = yield* Effect.flip(DataDir.checkWritable(join(root, "absent"), []))
      expect(failure.message).toMatch(new RegExp(`^The data dir ${join(root, "absent")} is not writable: ENOENT`))
    }))
})
