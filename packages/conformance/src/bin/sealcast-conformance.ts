/**
 * The `sealcast-conformance` command (docs/CONTRACT.md, "The conformance kit"). Exit status: 0 when
 * no divergence was found, 1 when one was, 2 for bad options or an endpoint it cannot reach, 130
 * after SIGINT (what the run created is deleted first).
 *
 * @since 0.1.0
 */
import { readFileSync, writeFileSync } from "node:fs"
import { parseArgs } from "node:util"
import { plan } from "../DryRun.js"
import { groups } from "../Groups.js"
import * as ReportText from "../Report.js"
import { type ConformanceOptions, runConformance, type SavedHistory } from "../Run.js"

const usage = `Usage: sealcast-conformance --endpoint URL --region R [options]

Runs random histories of SNS, SQS and KMS calls against the endpoint and compares every answer, and
every delivery to the kit's own HTTP receiver, with Sealcast's core as the model.

  --endpoint URL            the SNS/SQS/KMS endpoint (https://… or http://…)
  --kms-endpoint URL        KMS's endpoint when it differs (default: --endpoint)
  --sqs-endpoint URL        SQS's endpoint when it differs (default: --endpoint)
  --region R                the region to sign for
  --access-key-id ID        with --secret-access-key; otherwise the AWS SDK's standard credential chain
  --secret-access-key KEY
  --http-endpoint URL       a plain-HTTP endpoint of the same service (the transport group)
  --ca FILE                 PEM of the CA the endpoint's certificate chains to
  --only GROUPS             comma-separated groups: ${groups.map((g) => g.name).join(", ")}
  --runs N                  histories per group (default 25)
  --max-steps N             steps per history at most (default 20)
  --seed S                  the random seed (printed with every divergence)
  --divergences N           distinct divergences looked for per group at most (default 4)
  --wait MS                 how long a delivery may take (default 5000)
  --receiver-host HOST      where the kit's receiver listens (default 127.0.0.1)
  --receiver-ca-cert FILE   with --receiver-ca-key: the CA (PEM) that issues the HTTPS receiver's
  --receiver-ca-key FILE    certificate, one the endpoint trusts (default: a CA made for the run)
  --history-dir DIR         where shrunk histories are saved (default ./sealcast-conformance-histories)
  --replay FILE             replays one saved history
  --json                    print the report as JSON
  --junit FILE              also write the report as JUnit XML
  --dry-run                 list what would be called, call nothing
`

const fail = (message: string): never => {
  process.stderr.write(`sealcast-conformance: ${message}\n\n${usage}`)
  process.exit(2)
}

const integer = (name: string, text: string | undefined): number | undefined => {
  if (text === undefined) return undefined
  const n = Number(text)
  return Number.isInteger(n) && n >= 0 ? n : fail(`--${name} must be a whole number, not ${text}`)
}

const { values } = (() => {
  try {
    return parseArgs({
      options: {
        endpoint: { type: "string" },
        "kms-endpoint": { type: "string" },
        "sqs-endpoint": { type: "string" },
        region: { type: "string" },
        "access-key-id": { type: "string" },
        "secret-access-key": { type: "string" },
        "http-endpoint": { type: "string" },
        ca: { type: "string" },
        only: { type: "string" },
        runs: { type: "string" },
        "max-steps": { type: "string" },
        seed: { type: "string" },
        divergences: { type: "string" },
        wait: { type: "string" },
        "receiver-host": { type: "string" },
        "receiver-ca-cert": { type: "string" },
        "receiver-ca-key": { type: "string" },
        "history-dir": { type: "string" },
        replay: { type: "string" },
        json: { type: "boolean" },
        junit: { type: "string" },
        "dry-run": { type: "boolean" },
        help: { type: "boolean" }
      },
      strict: true
    })
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error))
  }
})()

if (values.help === true) {
  process.stdout.write(usage)
  process.exit(0)
}
const endpoint = values.endpoint ?? fail("--endpoint is required")
const region = values.region ?? fail("--region is required")
if ((values["access-key-id"] === undefined) !== (values["secret-access-key"] === undefined)) {
  fail("--access-key-id and --secret-access-key go together")
}
const only = values.only?.split(",").map((s) => s.trim()).filter((s) => s !== "")
for (const name of only ?? []) if (!groups.some((g) => g.name === name)) fail(`unknown group ${name}`)
const runs = integer("runs", values.runs)
const maxSteps = integer("max-steps", values["max-steps"])
const seed = integer("seed", values.seed)

if (values["dry-run"] === true) {
  process.stdout.write(`${plan({ endpoint, only, runs, maxSteps, seed }).join("\n")}\n`)
  process.exit(0)
}

const readText = (what: string, file: string): string => {
  try {
    return readFileSync(file, "utf8")
  } catch (error) {
    return fail(`cannot read ${what} ${file}: ${error instanceof Error ? error.message : String(error)}`)
  }
}

if ((values["receiver-ca-cert"] === undefined) !== (values["receiver-ca-key"] === undefined)) {
  fail("--receiver-ca-cert and --receiver-ca-key go together")
}
const replay = values.replay === undefined ? undefined : (JSON.parse(readText("the history", values.replay)) as SavedHistory)
const controller = new AbortController()
process.once("SIGINT", () => {
  // Every further step fails at once; the run then deletes what it created and ends (status 130).
  process.stderr.write("sealcast-conformance: interrupted; deleting what the run created\n")
  controller.abort()
})

const options: ConformanceOptions = {
  endpoint,
  kmsEndpoint: values["kms-endpoint"],
  sqsEndpoint: values["sqs-endpoint"],
  region,
  httpEndpoint: values["http-endpoint"],
  credentials:
    values["access-key-id"] === undefined ? undefined : { accessKeyId: values["access-key-id"], secretAccessKey: values["secret-access-key"] ?? "" },
  ca: values.ca === undefined ? undefined : readText("the CA file", values.ca),
  only: replay === undefined ? only : [replay.group],
  runs,
  maxSteps,
  seed,
  divergencesPerGroup: integer("divergences", values.divergences),
  deliveryWaitMs: integer("wait", values.wait),
  receiverHost: values["receiver-host"],
  receiverCa:
    values["receiver-ca-cert"] === undefined
      ? undefined
      : { certPem: readText("the receiver CA certificate", values["receiver-ca-cert"]), keyPem: readText("the receiver CA key", values["receiver-ca-key"] ?? "") },
  historyDir: values["history-dir"] ?? "sealcast-conformance-histories",
  replay,
  progress: values.json === true ? undefined : (line) => process.stderr.write(`${line}\n`),
  signal: controller.signal
}

try {
  const report = await runConformance(options)
  if (values.junit !== undefined) writeFileSync(values.junit, ReportText.junit(report))
  process.stdout.write(values.json === true ? `${JSON.stringify(report, null, 2)}\n${report.passed} passed, ${report.failed} failed\n` : `${ReportText.text(report)}\n`)
  process.exit(controller.signal.aborted ? 130 : report.failed === 0 ? 0 : 1)
} catch (error) {
  process.stderr.write(`sealcast-conformance: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exit(controller.signal.aborted ? 130 : 2)
}
