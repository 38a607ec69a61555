/**
 * `npm run bench:queues --workspace=@sealcast/test`: the SQS scenarios alone (14 to 17, and moto's
 * SendMessage, ReceiveMessage + DeleteMessage and fan-out), in the order and with the load of
 * `npm run bench`, for comparing two versions of the queue path in one sitting. Prints the rows and
 * the three ratios to moto; writes neither `RESULTS.md` nor `bench-results.json`.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { motoFanoutLoad } from "./FanoutBench.js"
import { type LoadShape, motoLoads, openHttpBench } from "./Http.js"
import { CONSUMERS, motoQueueLoads, queueScenarios } from "./QueueBench.js"
import { consumeCells, fanoutCells, landedPerSecond, loadCells } from "./Report.js"

const KIB = 1024
const SHAPE: LoadShape = { connections: 32, durationSeconds: 10, warmupSeconds: 2 }
const step = (what: string) => process.stderr.write(`bench: ${what}\n`)

const dataDir = mkdtempSync(join(tmpdir(), "sealcast-bench-queues-"))
try {
  const bench = await openHttpBench(dataDir)
  const ours = await (async () => {
    try {
      return await queueScenarios(bench.broker, KIB, SHAPE, step)
    } finally {
      await bench.stop()
    }
  })()
  step("moto: Publish, then SendMessage and ReceiveMessage + DeleteMessage, then the SNS → SQS fan-out")
  const moto = await motoLoads(KIB, SHAPE, async (port) => ({
    queue: await motoQueueLoads(port, KIB, SHAPE),
    fanout: await motoFanoutLoad(port, KIB, SHAPE)
  }))
  const seconds = SHAPE.durationSeconds
  const lines = [
    `14 SendMessage 1 KiB, queue without encryption: ${loadCells(ours.sendPlain)}`,
    `15 SendMessage 1 KiB, SSE-SQS queue: ${loadCells(ours.sendSseSqs)}`,
    `16 ReceiveMessage + DeleteMessage, SSE-SQS queue, ${CONSUMERS} SDK consumers: ${consumeCells(ours.receiveDelete)}`,
    `17 SNS → SQS fan-out: ${fanoutCells(ours.fanout, seconds)}`
  ]
  if ("skipped" in moto) lines.push(`moto: skipped: ${moto.skipped}`)
  else {
    const { queue, fanout } = moto.more
    if ("skipped" in queue) lines.push(`moto SQS: skipped: ${queue.skipped}`)
    else {
      lines.push(`moto 14: ${loadCells(queue.sendMessage)}`, `moto 16: ${consumeCells(queue.receiveDelete)}`)
      lines.push(`14 ÷ moto: ${(ours.sendPlain.requestsPerSecond / queue.sendMessage.requestsPerSecond).toFixed(2)}×`)
      lines.push(`16 ÷ moto: ${(ours.receiveDelete.messagesPerSecond / queue.receiveDelete.messagesPerSecond).toFixed(2)}×`)
    }
    lines.push(`moto 17: ${fanoutCells(fanout, seconds)}`)
    lines.push(`17 ÷ moto: ${(landedPerSecond(ours.fanout, seconds) / landedPerSecond(fanout, seconds)).toFixed(2)}×`)
  }
  process.stdout.write(`${lines.join("\n")}\n`)
} finally {
  rmSync(dataDir, { recursive: true, force: true })
}
