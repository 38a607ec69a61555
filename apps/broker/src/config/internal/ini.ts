/**
 * A small INI reader for the two credential files: `[section]` headers, `key = value` lines, and
 * whole-line comments starting with `#` or `;`, as the AWS shared-credentials file has them
 * (docs.aws.amazon.com/sdkref/latest/guide/file-format.html). Pure: text in, sections or the first
 * problem (with its line number) out.
 */
import { Either } from "effect"

export interface IniValue {
  readonly value: string
  readonly line: number
}

export interface IniSection {
  readonly name: string
  readonly line: number
  readonly values: ReadonlyMap<string, IniValue>
}

export const parseIni = (text: string): Either.Either<ReadonlyArray<IniSection>, string> => {
  const sections: Array<{ name: string; line: number; values: Map<string, IniValue> }> = []
  const lines = text.split(/\r?\n/)
  for (const [index, raw] of lines.entries()) {
    const line = index + 1
    const trimmed = raw.trim()
    if (trimmed === "" || trimmed.startsWith("#") || trimmed.startsWith(";")) continue
    const header = /^\[\s*([^\]]*?)\s*\]$/.exec(trimmed)
    if (header !== null) {
      const name = header[1] ?? ""
      if (name === "") return Either.left(`line ${line}: empty section name`)
      const earlier = sections.find((s) => s.name === name)
      if (earlier !== undefined) return Either.left(`line ${line}: section [${name}] already appeared on line ${earlier.line}`)
      sections.push({ name, line, values: new Map() })
      continue
    }
    const assignment = /^([A-Za-z0-9_.-]+)\s*=\s*(.*)$/.exec(trimmed)
    if (assignment === null) return Either.left(`line ${line}: expected "[section]" or "key = value"`)
    const current = sections.at(-1)
    if (current === undefined) return Either.left(`line ${line}: "${assignment[1]}" comes before any [section]`)
    const key = assignment[1] ?? ""
    if (current.values.has(key)) return Either.left(`line ${line}: ${key} is set twice in [${current.name}]`)
    current.values.set(key, { value: assignment[2] ?? "", line })
  }
  return Either.right(sections)
}
