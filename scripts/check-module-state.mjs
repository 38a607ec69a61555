// Fails when a source file of the pure packages holds mutable state at module level, which
// docs/ARCHITECTURE.md forbids: state lives in the values a service's `make` builds, so two
// services in one process never share any. Run by `npm run lint`. Flags, at the top level of a module:
// - a `let` or `var` declaration;
// - a `const` whose value is `new Map|Set|WeakMap|WeakSet|Array(...)` or `Array(...)`;
// - a `const` whose value is an array or object literal, unless it is `as const` or
//   `Object.freeze(...)`d.
// Usage: node scripts/check-module-state.mjs [folder…] (default: the pure packages' src folders).
import { readdirSync, readFileSync } from "node:fs"
import { dirname, join, relative, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import ts from "typescript"

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..")
const folders = process.argv.length > 2 ? process.argv.slice(2) : ["packages/core/src", "packages/kms-sim/src"]

const MUTABLE_CONSTRUCTORS = new Set(["Map", "Set", "WeakMap", "WeakSet", "Array"])

const sourcesUnder = (folder) =>
  readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name)
    if (entry.isDirectory()) return sourcesUnder(path)
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [path] : []
  })

/** The expression under parentheses, `satisfies` and type assertions other than `as const`. */
const unwrap = (node) => {
  let current = node
  for (;;) {
    if (ts.isParenthesizedExpression(current) || ts.isSatisfiesExpression(current)) current = current.expression
    else if ((ts.isAsExpression(current) || ts.isTypeAssertionExpression(current)) && !isAsConst(current)) current = current.expression
    else return current
  }
}

const isAsConst = (node) =>
  (ts.isAsExpression(node) || ts.isTypeAssertionExpression(node)) &&
  ts.isTypeReferenceNode(node.type) &&
  ts.isIdentifier(node.type.typeName) &&
  node.type.typeName.text === "const"

/** Why a top-level `const` initialiser is mutable state, or undefined when it is not. */
const mutableInitialiser = (initialiser) => {
  const value = unwrap(initialiser)
  if (ts.isNewExpression(value) && ts.isIdentifier(value.expression) && MUTABLE_CONSTRUCTORS.has(value.expression.text)) {
    return `a new ${value.expression.text}`
  }
  if (ts.isCallExpression(value) && ts.isIdentifier(value.expression) && value.expression.text === "Array") return "an Array"
  if (ts.isArrayLiteralExpression(value)) return "an array literal that is neither `as const` nor frozen"
  if (ts.isObjectLiteralExpression(value)) return "an object literal that is neither `as const` nor frozen"
  return undefined
}

const problemsOf = (path) => {
  const text = readFileSync(path, "utf8")
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS)
  const problems = []
  for (const statement of source.statements) {
    if (!ts.isVariableStatement(statement)) continue
    if (statement.modifiers?.some((m) => m.kind === ts.SyntaxKind.DeclareKeyword)) continue
    const list = statement.declarationList
    const isConst = (list.flags & ts.NodeFlags.Const) !== 0
    for (const declaration of list.declarations) {
      const { line } = source.getLineAndCharacterOfPosition(declaration.getStart(source))
      const where = `${relative(root, path)}:${line + 1}`
      const name = declaration.name.getText(source)
      if (!isConst) {
        problems.push(`${where}: \`${name}\` is a module-level ${list.flags & ts.NodeFlags.Let ? "let" : "var"}`)
        continue
      }
      const why = declaration.initializer === undefined ? undefined : mutableInitialiser(declaration.initializer)
      if (why !== undefined) problems.push(`${where}: \`${name}\` holds ${why} at module level`)
    }
  }
  return problems
}

const problems = folders.flatMap((folder) => sourcesUnder(resolve(root, folder))).flatMap(problemsOf)
if (problems.length > 0) {
  process.stderr.write(`Module-level mutable state (docs/ARCHITECTURE.md):\n${problems.map((p) => `  ${p}\n`).join("")}`)
  process.exit(1)
}
process.stdout.write(`check-module-state: no module-level mutable state in ${folders.join(", ")}\n`)
