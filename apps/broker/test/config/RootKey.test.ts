import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll } from "vitest"
import { loadRootKey, parseRootKey, rootKeyPath } from "../../src/config/RootKey.js"

const root = mkdtempSync(join(tmpdir(), "sealcast-root-key-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))
const key = Uint8Array.from({ length: 32 }, (_, i) => i * 7)

describe("RootKey", () => {
  it("reads 32 bytes from hex or base64, and nothing else", () => {
    expect(parseRootKey(Buffer.from(key).toString("hex").toUpperCase(), "f")).toEqual(Either.right(key))
    expect(parseRootKey(`  ${Buffer.from(key).toString("base64")}\n`, "f")).toEqual(Either.right(key))
    for (const bad of ["", "abc", Buffer.alloc(16).toString("hex"), Buffer.alloc(31).toString("base64"), Buffer.alloc(33).toString("base64")]) {
      expect(Either.isLeft(parseRootKey(bad, "f"))).toBe(true)
    }
  })

  it.effect("by default makes the key once in the data dir, mode 0600, with a warning each start", () =>
    Effect.gen(function* () {
      const dataDir = join(root, "default")
      const first = yield* loadRootKey({ dataDir })
      // Made, not yet written: the broker saves it once the key store has accepted it.
      expect(() => statSync(rootKeyPath(dataDir))).toThrow()
      yield* first.save!
      const second = yield* loadRootKey({ dataDir })
      expect(second.save).toBeUndefined()
      expect(second.key).toEqual(first.key)
      expect(first.key.length).toBe(32)
      expect(statSync(rootKeyPath(dataDir)).mode & 0o777).toBe(0o600)
      expect(first.warning).toContain("beside the data it protects")
      expect(second.warning).toBe(first.warning)
    }))

  it.effect("--root-key-file is used as given, with no warning; a bad one is an error naming it", () =>
    Effect.gen(function* () {
      const file = join(root, "elsewhere.key")
      writeFileSync(file, Buffer.from(key).toString("hex"))
      expect(yield* loadRootKey({ dataDir: join(root, "unused"), rootKeyFile: file })).toEqual({ key, source: file, warning: undefined, save: undefined })
      expect(() => statSync(join(root, "unused"))).toThrow()
      writeFileSync(file, "short")
      expect((yield* Effect.flip(loadRootKey({ dataDir: ":memory:", rootKeyFile: file }))).message).toContain(file)
    }))

  it.effect("a damaged root key in the data dir is an error, never replaced", () =>
    Effect.gen(function* () {
      const dataDir = join(root, "damaged")
      yield* (yield* loadRootKey({ dataDir })).save!
      writeFileSync(rootKeyPath(dataDir), "garbage")
      expect((yield* Effect.flip(loadRootKey({ dataDir })))._tag).toBe("ConfigError")
      expect(readFileSync(rootKeyPath(dataDir), "utf8")).toBe("garbage")
    }))

  it.effect(":memory: gives a fresh key each time and writes nothing", () =>
    Effect.gen(function* () {
      const a = yield* loadRootKey({ dataDir: ":memory:" })
      const b = yield* loadRootKey({ dataDir: ":memory:" })
      expect(a.key).not.toEqual(b.key)
      expect(a.warning).toBeUndefined()
    }))
})
