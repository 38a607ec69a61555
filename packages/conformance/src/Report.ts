/**
 * The report as a person reads it (each divergence's shrunk history as numbered API calls, expected
 * and actual side by side, the AWS documentation behind the expectation, the seed, the path and the
 * command that replays it), and as JUnit XML for CI.
 *
 * @since 0.1.0
 */
import type { DivergenceReport, Report } from "./Run.js"

const pad = (text: string, width: number): string => (text.length >= width ? text : text + " ".repeat(width - text.length))

/**
 * One divergence, as lines.
 *
 * @category encoding
 */
export const divergenceLines = (d: DivergenceReport): ReadonlyArray<string> => {
  const lines = [`DIVERGENCE in ${d.group}: ${d.call}`, `  history (${d.steps.length} steps, ${d.calls.length} API calls):`]
  let step = 0
  for (const c of d.calls) {
    if (c.step !== step) {
      step = c.step
      const described = d.steps[step - 1]
      lines.push(`   step ${step}${described === undefined ? " (end of history: barrier and deliveries)" : `: ${described}`}`)
    }
    lines.push(`    ${String(c.n).padStart(3)}. ${c.call} ${c.input}`)
    lines.push(`         → ${c.answer}`)
  }
  const width = Math.max(d.expected.length, 8) + 2
  lines.push(
    `  ${pad("expected", width)}| actual`,
    `  ${pad(d.expected, width)}| ${d.actual}`,
    `  why: ${d.doc}`,
    `  seed ${d.seed}${d.path === undefined ? "" : `, path ${d.path}`}`
  )
  if (d.historyFile !== undefined) lines.push(`  replay: sealcast-conformance … --replay ${d.historyFile}`)
  return lines
}

/**
 * The whole report as text; its last line is `N passed, M failed`.
 *
 * @category encoding
 */
export const text = (report: Report): string => {
  const lines = [`sealcast-conformance against ${report.endpoint} (region ${report.region}, account ${report.accountId})`]
  for (const line of report.capabilityLines) lines.push(line)
  for (const g of report.groups) {
    if (g.skipped !== undefined) lines.push(`${g.name}: skipped, ${g.skipped}`)
    else lines.push(`${g.name}: ${g.histories} histories, ${g.divergences.length === 0 ? "no divergence" : `${g.divergences.length} divergence(s)`}`)
  }
  for (const g of report.groups) for (const d of g.divergences) lines.push("", ...divergenceLines(d))
  if (report.cleanupFailures > 0) lines.push("", `cleanup: ${report.cleanupFailures} deletion(s) failed; look for resources named sc*- on the endpoint`)
  lines.push("", `${report.passed} passed, ${report.failed} failed`)
  return lines.join("\n")
}

const xml = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")

/**
 * JUnit XML: one test suite, one test case per group (skipped when the endpoint lacks what it needs),
 * one failure per divergence.
 *
 * @category encoding
 */
export const junit = (report: Report): string => {
  const cases = report.groups.map((g) => {
    const name = `name="${xml(g.name)}" classname="sealcast-conformance"`
    if (g.skipped !== undefined) return `  <testcase ${name}><skipped message="${xml(g.skipped)}"/></testcase>`
    const failures = g.divergences.map((d) => `    <failure message="${xml(`${d.call}: expected ${d.expected}, got ${d.actual}`)}">${xml(divergenceLines(d).join("\n"))}</failure>`)
    return failures.length === 0 ? `  <testcase ${name}/>` : `  <testcase ${name}>\n${failures.join("\n")}\n  </testcase>`
  })
  const skipped = report.groups.filter((g) => g.skipped !== undefined).length
  const failed = report.groups.filter((g) => g.divergences.length > 0).length
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuite name="sealcast-conformance" tests="${report.groups.length}" failures="${failed}" skipped="${skipped}">`,
    ...cases,
    `</testsuite>`,
    ""
  ].join("\n")
}
