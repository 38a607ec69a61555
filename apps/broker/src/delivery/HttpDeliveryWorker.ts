/**
 * The delivery worker: a worker thread that makes the broker's HTTP/S posts (HttpDelivery's
 * `makeRequester`) and answers each with its outcome, so that node's HTTP client work runs beside the
 * event loop that serves publishers rather than on it. It holds the keep-alive agents; the broker
 * terminates it when its delivery stops.
 *
 * @since 0.1.0
 */
import { parentPort, workerData } from "node:worker_threads"
import { batchUntilNextTurn } from "../internal/NextTurn.js"
import { type FromWorker, makeRequester, type ToWorker, type WorkerData } from "./HttpDelivery.js"

if (parentPort === null) throw new Error("HttpDeliveryWorker runs as a worker thread of the broker")
const broker = parentPort
const send = makeRequester((workerData as WorkerData).caPem)

/** Requests in flight, by post id, as the functions that abandon them. */
const inFlight = new Map<number, () => void>()
/** Outcomes settled in this turn of the event loop, sent together at its end. */
const settled = batchUntilNextTurn<FromWorker[number]>((batch) => broker.postMessage(batch satisfies FromWorker))

broker.on("message", (batch: ToWorker) => {
  for (const item of batch) {
    if (item._tag === "Abandon") {
      inFlight.get(item.id)?.()
      continue
    }
    const { id } = item
    let answered = false
    const abandon = send(item.post, (failure) => {
      answered = true
      inFlight.delete(id)
      settled.add({ id, failure: failure?.reason })
    })
    // A post refused before any request (a bad URL) has its outcome already.
    if (!answered) inFlight.set(id, abandon)
  }
})
