/**
 * sealcast: the running broker, for embedding.
 *
 * ```ts
 * import { startBroker } from "sealcast"
 * const broker = await startBroker({ port: 0, dataDir: ":memory:" })
 * // … point the AWS SDK at broker.endpoint with broker.credentials and broker.caPem …
 * await broker.stop()
 * ```
 *
 * @since 0.1.0
 */
export { type RunningBroker, startBroker, StartupError } from "./Broker.js"
export type { BrokerOptionsInput as BrokerOptions } from "./config/BrokerOptions.js"
export type { Handler as FunctionHandler, SnsEvent } from "./delivery/Functions.js"
