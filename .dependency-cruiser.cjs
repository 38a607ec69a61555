/**
 * Import boundaries, checked by `npm run lint` (docs/ARCHITECTURE.md, "Packages and what they may
 * import"):
 * - the core and the simulated KMS import nothing from Node (`node:*` or a bare built-in);
 * - the packages form layers, core < kms-sim < transport-http < apps/broker < test, and nothing
 *   imports a layer above its own;
 * - `internal/` is private to the package that holds it;
 * - the conformance kit (packages/conformance) stands beside the layers: its sources import only the
 *   core and the simulated KMS (its model is theirs), its tests may also start the broker
 *   (`sealcast`), and nothing imports the kit.
 *
 * A workspace import resolves to the package's `dist/` once it is built, and stays the bare
 * `@sealcast/…` name before that; each rule matches both.
 */

/** Bottom to top. `name` is the workspace's npm name under `@sealcast/`. */
const layers = [
  { dir: "packages/core", name: "core" },
  { dir: "packages/kms-sim", name: "kms-sim" },
  { dir: "packages/transport-http", name: "transport-http" },
  { dir: "apps/broker", name: "broker" },
  { dir: "test", name: "test" }
]

const anyOf = (layer) => `^(${layer.dir}/|@sealcast/${layer.name}(/|$))`

const noImportUpwards = layers.slice(0, -1).map((layer, i) => ({
  name: `${layer.name}-not-above-itself`,
  comment: `${layer.dir} may import only the layers below it (${layers.slice(0, i).map((l) => l.name).join(", ") || "none"}).`,
  severity: "error",
  from: { path: `^${layer.dir}/` },
  to: { path: layers.slice(i + 1).map(anyOf) }
}))

module.exports = {
  forbidden: [
    {
      name: "pure-packages-no-node",
      comment: "The core and the simulated KMS run anywhere: no Node built-in modules in their sources.",
      severity: "error",
      from: { path: "^packages/(core|kms-sim)/src/" },
      to: { dependencyTypes: ["core"] }
    },
    ...noImportUpwards,
    {
      name: "conformance-uses-only-the-model",
      comment: "The kit's sources import only the core and the simulated KMS: it reaches every endpoint, Sealcast too, through the public APIs.",
      severity: "error",
      from: { path: "^packages/conformance/src/" },
      to: { path: ["^(packages/transport-http|apps|test)/", "^@sealcast/(transport-http|test)(/|$)", "^sealcast(/|$)"] }
    },
    {
      name: "conformance-tests-use-the-published-broker",
      comment: "The kit's tests start Sealcast as a user would, through the `sealcast` package, never its parts.",
      severity: "error",
      from: { path: "^packages/conformance/test/" },
      to: { path: ["^(packages/transport-http|test)/", "^@sealcast/(transport-http|test)(/|$)"] }
    },
    {
      name: "nothing-imports-conformance",
      comment: "The conformance kit is a tool run against endpoints; no package depends on it.",
      severity: "error",
      from: { path: "^((packages/(core|kms-sim|transport-http))|apps|test)/" },
      to: { path: ["^packages/conformance/", "^@sealcast/conformance(/|$)"] }
    },
    {
      name: "internal-is-private",
      comment: "A package's internal/ modules are for that package alone.",
      severity: "error",
      from: { path: "^((packages|apps)/[^/]+|test)/" },
      to: {
        path: ["^(packages|apps)/[^/]+/.*/internal/", "^@sealcast/[^/]+/internal/", "^@sealcast/[^/]+/.*/internal/"],
        pathNot: "^$1/"
      }
    }
  ],
  options: {
    doNotFollow: { path: "(^|/)(node_modules|dist)/" },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      extensions: [".ts", ".d.ts", ".js"],
      exportsFields: ["exports"],
      conditionNames: ["import", "default"]
    }
  }
}
