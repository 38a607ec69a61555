/**
 * How the broker starts its worker threads (the delivery worker, the store's writer) both from the
 * compiled `dist/` and from the TypeScript sources that tests run.
 *
 * @since 0.1.0
 */
import { existsSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"

/**
 * How to start a worker: a module's URL, or (`eval`) a script that loads it.
 *
 * @category models
 */
export interface WorkerEntry {
  readonly script: URL | string
  readonly eval: boolean
}

/**
 * A worker module run from its TypeScript source. A worker thread inherits neither the parent's
 * loaders nor, on Node 20, hooks registered by `--import` in its own `execArgv` before its entry
 * loads, so the worker starts from a one-line script that imports the module through tsx's
 * `tsImport` (the `tsx/esm/api` export), found from this file rather than the working directory.
 * tsx is a development dependency of the repository: only tests run the broker from its sources.
 *
 * @category constructors
 */
export const typeScriptWorker = (module: URL): WorkerEntry => {
  const tsxPackage = createRequire(import.meta.url).resolve("tsx/package.json")
  const tsxApi = pathToFileURL(join(dirname(tsxPackage), "dist", "esm", "api", "index.mjs")).href
  const target = JSON.stringify(module.href)
  return { script: `import(${JSON.stringify(tsxApi)}).then((tsx) => tsx.tsImport(${target}, ${target}))`, eval: true }
}

/**
 * The worker module `compiledName` beside the module at `importMetaUrl`: from the compiled `dist/`
 * (what `sealcast` runs) that `.js` file, which node loads as it is; when the broker runs from its
 * sources (tests, under vitest or tsx) there is no `.js` beside the caller, and the `sourceName`
 * `.ts` module is started through tsx.
 *
 * @category constructors
 */
export const workerEntry = (compiledName: string, sourceName: string, importMetaUrl: string): WorkerEntry => {
  const compiled = new URL(compiledName, importMetaUrl)
  return existsSync(fileURLToPath(compiled))
    ? { script: compiled, eval: false }
    : typeScriptWorker(new URL(sourceName, importMetaUrl))
}
