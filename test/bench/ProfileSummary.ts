/**
 * A V8 `.cpuprofile` (`--cpu-prof`, or the inspector's `Profiler.stop`) summarised as CPU per request
 * by step of a Publish, the rows of docs/PERFORMANCE.md, "CPU per request". Each sample is charged
 * to the module of the function running (its self time), a native function's to its caller's, and
 * modules are grouped into steps.
 */

/** The parts of a V8 CPU profile this reads. */
export interface CpuProfile {
  readonly nodes: ReadonlyArray<{
    readonly id: number
    readonly callFrame: { readonly functionName: string; readonly url: string }
    readonly children?: ReadonlyArray<number>
  }>
  readonly startTime: number
  readonly endTime: number
  readonly samples: ReadonlyArray<number>
  readonly timeDeltas: ReadonlyArray<number>
}

/**
 * The steps, in the order of a request's life, by the module a frame belongs to. The V8 names a few
 * frames by what they are rather than by a script.
 */
const STEPS: ReadonlyArray<readonly [step: string, module: RegExp]> = [
  ["TLS and socket writes", /^node:(_tls_wrap|tls|net|internal\/stream_base_commons|internal\/tls\/)/],
  ["HTTP parsing (node:http)", /^node:(_http_common|_http_incoming|_http_server)/],
  ["body read, routing, form parsing", /transport-http\/dist\/(HttpRequest|Server|query\/Form)\.js$/],
  ["SigV4", /transport-http\/dist\/auth\//],
  ["decode", /transport-http\/dist\/(sns\/|sqs\/|query\/Shapes)|effect\/dist\/esm\/(Schema|ParseResult|SchemaAST|internal\/schema\/)/],
  ["seal", /core\/dist\/(Encryption|EncryptionContext|DataKeys|DataKeyCache|Cipher|Ids)\.js$|broker\/dist\/(NodeCipher|adapters\/)|kms-sim\/dist\//],
  ["queue model", /core\/dist\/sqs\//],
  ["core decision", /core\/dist\//],
  ["commit", /broker\/dist\/store\/|better-sqlite3/],
  ["response", /^node:_http_outgoing|transport-http\/dist\/query\/Xml\.js$/],
  ["delivery, metrics, logging", /broker\/dist\/(delivery|metrics|Log)/],
  ["effect runtime", /\/effect\/dist\//],
  ["Node runtime (streams, events, timers)", /^node:/],
  ["load harness, profiler", /test\/bench\/|^node:inspector/]
]

/**
 * Frames charged to their caller: native functions, and Node's wrappers around OpenSSL (`createCipheriv`
 * included), random bytes and `TextEncoder`, so making a cipher and encoding a body count where the seal is.
 */
const chargedToCaller = (url: string): boolean => url === "" || /^node:(crypto$|internal\/(crypto\/|encoding$|util$))/.test(url)

/** Frames that are not code: V8 names them. */
const NAMED: ReadonlyMap<string, string> = new Map([
  ["(garbage collector)", "GC"],
  ["(program)", "native, outside JavaScript (TLS reads, event loop)"],
  ["(root)", "native, outside JavaScript (TLS reads, event loop)"],
  ["(idle)", "idle"]
])

/** One step's share. */
export interface StepRow {
  readonly step: string
  readonly ms: number
  /** Microseconds of CPU per request. */
  readonly perRequestUs: number
}

/** Busy (not idle) time by step, and per request given how many requests the profile covers. */
export const summarise = (profile: CpuProfile, requests: number): ReadonlyArray<StepRow> => {
  const parent = new Map<number, number>()
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)
  const stepOf = new Map<number, string>()
  const classify = (id: number): string => {
    const known = stepOf.get(id)
    if (known !== undefined) return known
    const { functionName, url } = byId.get(id)!.callFrame
    const up = parent.get(id)
    const step = NAMED.get(functionName) ??
      (chargedToCaller(url) && up !== undefined
        ? classify(up)
        : STEPS.find(([, module]) => module.test(url))?.[0] ?? "other")
    stepOf.set(id, step)
    return step
  }
  const totals = new Map<string, number>()
  profile.samples.forEach((id, i) => {
    const step = classify(id)
    totals.set(step, (totals.get(step) ?? 0) + (profile.timeDeltas[i] ?? 0))
  })
  return [...totals]
    .filter(([step]) => step !== "idle")
    .map(([step, us]) => ({ step, ms: us / 1000, perRequestUs: us / requests }))
    .sort((a, b) => b.ms - a.ms)
}

/** The summary as a Markdown table with a total row. */
export const renderSummary = (rows: ReadonlyArray<StepRow>): string => {
  const total = rows.reduce((sum, row) => sum + row.perRequestUs, 0)
  return [
    "| step | µs per request | share |",
    "| --- | --- | --- |",
    ...rows.map((row) => `| ${row.step} | ${row.perRequestUs.toFixed(1)} | ${((row.perRequestUs / total) * 100).toFixed(0)}% |`),
    `| total | ${total.toFixed(1)} | |`,
    ""
  ].join("\n")
}
