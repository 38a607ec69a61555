/**
 * How brokers sharing one PostgreSQL database see each other's topics, subscriptions, keys and
 * queues (docs/ARCHITECTURE.md, "A cluster").
 *
 * Each of those stores has a version, a row of `sealcast_versions` that every transaction changing
 * the store raises by one, holding that row's lock until it commits. So:
 * - writers of one store take turns across the whole cluster (`exclusive`): the lock is taken
 *   first, then what other brokers committed is put in force, then the operation decides on it and
 *   writes;
 * - a broker knows, with one read of the version, whether anything changed since it last read or
 *   wrote (`catchUp`), and a request runs that read first, so it sees everything acknowledged
 *   before it began, by any broker;
 * - a commit notifies (`NOTIFY sealcast`, with the store's name) so brokers waiting on a change
 *   (SQS long polls) hear of it at once.
 *
 * @since 0.1.0
 */
import { Errors } from "@sealcast/core"
import { Effect, Exit, FiberRef } from "effect"
import type pg from "pg"
import { pgFailure, query, type Queryable } from "./PgDatabase.js"

/**
 * The stores that carry a version.
 *
 * @category models
 */
export type VersionedStore = "registry" | "keys" | "queues"

/**
 * The channel every versioned commit notifies, with the store's name as the payload.
 *
 * @category utils
 */
export const CHANNEL = "sealcast"

/** Every store's version as one read saw it; a store without a row is at 0. */
type Versions = ReadonlyMap<VersionedStore, number>

/**
 * The versions read at the start of the request being served (`withVersions`), for the catch-ups
 * it runs; undefined elsewhere (delivery, the listener), where `behind` reads its own.
 */
const requestVersions = FiberRef.unsafeMake<Versions | undefined>(undefined)

/**
 * Reads every store's version in one statement and runs `catchUp` (the services' catch-ups of one
 * request) with them in view: one round trip and one pooled connection per request instead of one
 * for each store, and each store's catch-up, which runs under that store's lock in the broker,
 * holds it for no round trip at all when nothing moved (docs/PERFORMANCE.md, "A cluster"). The read
 * begins after the request did, so it sees every change acknowledged before the request began.
 *
 * @category combinators
 */
export const withVersions = (pool: pg.Pool) => <A, E, R>(catchUp: Effect.Effect<A, E, R>): Effect.Effect<A, E | Errors.StoreFailure, R> =>
  Effect.flatMap(
    query<{ readonly store: VersionedStore; readonly version: number }>(pool, "Cannot read the store versions", {
      text: "SELECT store, version FROM sealcast_versions"
    }),
    ({ rows }) => Effect.locally(catchUp, requestVersions, new Map(rows.map((row) => [row.store, row.version] as const)))
  )

/**
 * @category models
 */
export interface Versioned {
  /** The version this broker last read or wrote; undefined before the first read. */
  readonly known: () => number | undefined
  /** The version in the database now. */
  readonly current: (db: Queryable) => Effect.Effect<number, Errors.StoreFailure>
  /**
   * Whether another broker committed what this one has not read: the request's versions when it
   * read them (`withVersions`), else a read of this store's on `pool`.
   */
  readonly behind: Effect.Effect<boolean, Errors.StoreFailure>
  /**
   * Runs `read` in one snapshot (REPEATABLE READ) with the version it sees, and remembers that
   * version as known.
   */
  readonly read: <A>(read: (client: pg.PoolClient) => Effect.Effect<A, Errors.StoreFailure>) => Effect.Effect<A, Errors.StoreFailure>
  /**
   * Runs `body` holding the store's version lock: `catchUp` first, when another broker committed
   * since this one last read or wrote, then `body` on its answer. `write` on `client` writes in the
   * same transaction; `onWrite` runs, once, before the commit that raises the version.
   */
  readonly exclusive: <C, A, E>(
    catchUp: (client: pg.PoolClient, known: number | undefined) => Effect.Effect<C, Errors.StoreFailure>,
    body: (caughtUp: C | undefined) => Effect.Effect<A, E>
  ) => Effect.Effect<A, E | Errors.StoreFailure>
  /**
   * The transaction `exclusive` is running, for `apply` to write in; or, outside one, `write` runs
   * in a transaction of its own that raises the version.
   */
  readonly write: (
    doing: string,
    write: (client: pg.PoolClient, version: number) => Effect.Effect<void, Errors.StoreFailure>
  ) => Effect.Effect<void, Errors.StoreFailure>
}

/** A transaction whose body may fail with its own errors: committed on success, rolled back on failure. */
const transaction = <A, E>(
  pool: pg.Pool,
  doing: string,
  begin: string,
  use: (client: pg.PoolClient) => Effect.Effect<A, E | Errors.StoreFailure>
): Effect.Effect<A, E | Errors.StoreFailure> =>
  Effect.acquireUseRelease(
    Effect.tryPromise({ try: () => pool.connect(), catch: (cause) => pgFailure(doing, cause) }),
    (client) =>
      query(client, doing, { text: begin }).pipe(
        Effect.zipRight(use(client)),
        Effect.tap(() => query(client, doing, { text: "COMMIT" })),
        Effect.tapError(() => Effect.promise(() => client.query("ROLLBACK").then(() => undefined, () => undefined)))
      ),
    // A connection whose transaction failed is closed rather than handed out again in an unknown state.
    (client, exit) => Effect.sync(() => client.release(Exit.isFailure(exit) ? true : undefined))
  )

/**
 * The version of `store` on the database behind `pool`.
 *
 * @category constructors
 */
export const make = (pool: pg.Pool, store: VersionedStore): Versioned => {
  let known: number | undefined
  /** The transaction `exclusive` runs, its version before, and whether it wrote. */
  let active: { readonly client: pg.PoolClient; readonly before: number; wrote: boolean } | undefined
  const doing = `Cannot read the ${store} version`

  const current = (db: Queryable) =>
    Effect.map(
      query<{ readonly version: number }>(db, doing, { text: "SELECT version FROM sealcast_versions WHERE store = $1", values: [store] }),
      ({ rows }) => rows[0]?.version ?? 0
    )

  const raise = (client: pg.PoolClient, before: number) =>
    Effect.zipRight(
      query(client, `Cannot save the ${store} change`, {
        text: "UPDATE sealcast_versions SET version = $2 WHERE store = $1",
        values: [store, before + 1]
      }),
      // Delivered when the transaction commits, and only then.
      query(client, `Cannot save the ${store} change`, { text: "SELECT pg_notify($1, $2)", values: [CHANNEL, store] })
    )

  return {
    known: () => known,
    current,
    behind: Effect.map(
      Effect.flatMap(FiberRef.get(requestVersions), (versions) => (versions === undefined ? current(pool) : Effect.succeed(versions.get(store) ?? 0))),
      // Read before this store's lock was taken, the version may be behind what this broker has
      // written since: everything up to `known` is in force already.
      (now) => known === undefined || now > known
    ),
    read: (read) =>
      Effect.tap(
        transaction(pool, doing, "BEGIN ISOLATION LEVEL REPEATABLE READ", (client) =>
          Effect.flatMap(current(client), (version) => Effect.map(read(client), (a) => [a, version] as const))
        ),
        ([, version]) => Effect.sync(() => (known = version))
      ).pipe(Effect.map(([a]) => a)),
    exclusive: (catchUp, body) =>
      transaction(pool, `Cannot save the ${store} change`, "BEGIN", (client) =>
        Effect.gen(function* () {
          const before = (yield* query<{ readonly version: number }>(client, doing, {
            text: "SELECT version FROM sealcast_versions WHERE store = $1 FOR UPDATE",
            values: [store]
          })).rows[0]?.version ?? 0
          const caughtUp = before === known ? undefined : yield* catchUp(client, known)
          const held = { client, before, wrote: false }
          active = held
          const result = yield* Effect.ensuring(body(caughtUp), Effect.sync(() => (active = undefined)))
          if (held.wrote) yield* raise(client, before)
          return [result, held.wrote ? before + 1 : before] as const
        })
      ).pipe(Effect.map(([result, version]) => {
        known = version
        return result
      })),
    write: (doingWrite, write) => {
      if (active !== undefined) {
        const held = active
        held.wrote = true
        return write(held.client, held.before + 1)
      }
      return transaction(pool, doingWrite, "BEGIN", (client) =>
        Effect.gen(function* () {
          const before = (yield* query<{ readonly version: number }>(client, doing, {
            text: "SELECT version FROM sealcast_versions WHERE store = $1 FOR UPDATE",
            values: [store]
          })).rows[0]?.version ?? 0
          yield* write(client, before + 1)
          yield* raise(client, before)
          return before
        })
      ).pipe(Effect.map((before) => {
        // Known only if nothing else was missed: otherwise the next catch-up reads what was.
        if (known === before) known = before + 1
      }))
    }
  }
}

/**
 * A failure of the database read that a catch-up needs, worded for the request that waited on it.
 *
 * @category utils
 */
export const catchUpFailure = (store: VersionedStore, cause: unknown): Errors.StoreFailure =>
  cause instanceof Errors.StoreFailure ? cause : pgFailure(`Cannot read what other brokers changed in the ${store} store`, cause)
