#!/usr/bin/env node
// The `sealcast-conformance` command's entry. It is a checked-in file, not a build output, so that
// `npm install` in a fresh clone links it into node_modules/.bin before anything is built; it loads
// the compiled command (src/bin/sealcast-conformance.ts), which `npm run build` writes to dist/.
const compiled = new URL("../dist/bin/sealcast-conformance.js", import.meta.url)
try {
  await import(compiled.href)
} catch (error) {
  if (error?.code !== "ERR_MODULE_NOT_FOUND" || !String(error.message).includes(compiled.pathname)) throw error
  process.stderr.write("sealcast-conformance: the command is not built yet; run `npm run build` in the repository first.\n")
  process.exit(1)
}
