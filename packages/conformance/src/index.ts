/**
 * @sealcast/conformance: property-based checks of any SNS/KMS endpoint against Sealcast's core.
 *
 * @since 0.1.0
 */
export { type ConformanceOptions, type DivergenceReport, type GroupReport, type Report, runConformance, type SavedHistory } from "./Run.js"
export { groups } from "./Groups.js"
export * as DryRun from "./DryRun.js"
export * as ReportText from "./Report.js"
