// Writes the publishable packages, as `npm pack` makes them, into one folder (default packages-out/):
// `npm run pack` builds first, then runs this. The install test (test/package) runs it into a scratch
// folder. Usage: node scripts/pack.mjs [folder]
import { execFileSync } from "node:child_process"
import { mkdirSync, readdirSync, rmSync } from "node:fs"
import { dirname, resolve } from "node:path"
import { fileURLToPath } from "node:url"

/** Every package a consumer installs, dependencies first; the conformance kit needs only the first two. */
export const PUBLISHED = ["@sealcast/core", "@sealcast/kms-sim", "@sealcast/transport-http", "sealcast", "@sealcast/conformance"]

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..")
const out = resolve(process.argv[2] ?? resolve(root, "packages-out"))
mkdirSync(out, { recursive: true })
for (const file of readdirSync(out)) if (file.endsWith(".tgz")) rmSync(resolve(out, file))
execFileSync("npm", ["pack", "--silent", "--pack-destination", out, ...PUBLISHED.flatMap((name) => ["--workspace", name])], {
  cwd: root,
  stdio: ["ignore", "inherit", "inherit"]
})
