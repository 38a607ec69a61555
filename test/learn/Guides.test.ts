/**
 * Every page of `docs/learn/` runs: its TypeScript blocks, in order, as one module against the
 * workspace's packages (as a reader's project would have them installed), under tsx. A page whose
 * snippets no longer match the broker fails here, so the guide cannot drift from the code.
 */
import { execFile } from "node:child_process"
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { promisify } from "node:util"
import { describe, expect, it } from "vitest"

const run = promisify(execFile)
const testRoot = resolve(import.meta.dirname, "..")
const learn = resolve(testRoot, "../docs/learn")
/** Inside the test workspace, so the snippets' imports resolve as in a project that installed them. */
const scratch = join(testRoot, "learn/.run")

/** The page's ```ts blocks, joined in order. */
const snippetsOf = (markdown: string): string =>
  [...markdown.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => match[1]).join("\n")

const pages = readdirSync(learn).filter((name) => name.endsWith(".md"))

describe("docs/learn", () => {
  it("has pages, each with snippets", () => {
    expect(pages.length).toBeGreaterThan(0)
    for (const page of pages) expect(snippetsOf(readFileSync(join(learn, page), "utf8"))).not.toBe("")
  })

  it.each(pages)("%s runs as written", async (page) => {
    mkdirSync(scratch, { recursive: true })
    const file = join(scratch, page.replace(/\.md$/, ".ts"))
    writeFileSync(file, snippetsOf(readFileSync(join(learn, page), "utf8")))
    // The snippets assert what they show (node:assert); one that fails exits non-zero, and this rejects.
    await expect(run(process.execPath, ["--import", "tsx", file], { cwd: testRoot, timeout: 110_000 })).resolves.toBeDefined()
  })
})
