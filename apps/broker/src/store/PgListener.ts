/**
 * One connection that LISTENs for the commits of brokers sharing the database (`PgShared.CHANNEL`),
 * so what waits on another broker's change (an SQS long poll) hears of it at once rather than at
 * its next request. A lost connection is made again, and `onChange` runs once it is, since
 * notifications sent meanwhile were missed.
 *
 * @since 0.1.0
 */
import { Effect, type Scope } from "effect"
import pg from "pg"
import { CHANNEL, type VersionedStore } from "./PgShared.js"

/** How long to wait before connecting again after the connection was lost or refused. */
const RECONNECT_MS = 500

/**
 * Listens on `url` until the scope closes, calling `onChange` with the store another broker (or
 * this one) committed a change to.
 *
 * @category constructors
 */
export const listen = (url: string, onChange: (store: VersionedStore | "all") => void): Effect.Effect<void, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => {
      let client: pg.Client | undefined
      let stopped = false
      let retry: ReturnType<typeof setTimeout> | undefined
      const connect = (after: "start" | "loss") => {
        if (stopped) return
        const next = new pg.Client({ connectionString: url })
        client = next
        const lost = () => {
          if (client !== next || stopped) return
          client = undefined
          next.end().catch(() => undefined)
          retry = setTimeout(() => connect("loss"), RECONNECT_MS)
        }
        next.on("error", lost)
        next.on("end", lost)
        next.on("notification", (message) => {
          if (message.channel === CHANNEL) onChange(message.payload as VersionedStore)
        })
        next.connect().then(() => next.query(`LISTEN ${CHANNEL}`)).then(
          () => {
            if (after === "loss") onChange("all")
          },
          lost
        )
      }
      connect("start")
      return () => {
        stopped = true
        if (retry !== undefined) clearTimeout(retry)
        return client?.end().catch(() => undefined)
      }
    }),
    (stop) => Effect.promise(async () => stop())
  )
