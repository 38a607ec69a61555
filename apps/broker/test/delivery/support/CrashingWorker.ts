/**
 * The delivery worker, which also exits (as a crash would end it) on a post whose body is "crash",
 * after the worker has started that batch's requests.
 */
import { parentPort } from "node:worker_threads"
import type { ToWorker } from "../../../src/delivery/HttpDelivery.js"
import "../../../src/delivery/HttpDeliveryWorker.js"

parentPort?.on("message", (batch: ToWorker) => {
  if (batch.some((item) => item._tag === "Post" && item.post.body === "crash")) process.exit(1)
})
