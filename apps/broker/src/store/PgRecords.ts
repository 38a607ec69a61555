/**
 * Durable key-value record tables on PostgreSQL: `SqliteRecords.ts`'s tables (the same kinds, the
 * same Schemas, the same JSON with tagged base64 bytes) in the `records` table of `PgDatabase.ts`.
 *
 * Each operation takes where to run: the pool, where each `put` and `delete` is its own committed
 * transaction, or a connection inside `PgDatabase.inTransaction`, for several changes made atomically.
 *
 * @since 0.1.0
 */
import type { Errors } from "@sealcast/core"
import { Effect, Schema } from "effect"
import * as JsonBytes from "./internal/jsonBytes.js"
import { pgFailure, query, type Queryable } from "./PgDatabase.js"

/**
 * @category models
 */
export interface PgRecordTable<A> {
  /** Every record, in the order their keys were first put. */
  readonly all: (db: Queryable) => Effect.Effect<ReadonlyMap<string, A>, Errors.StoreFailure>
  readonly get: (db: Queryable, key: string) => Effect.Effect<A | undefined, Errors.StoreFailure>
  /** Inserts or replaces; a replaced record keeps its place in `all`'s order. */
  readonly put: (db: Queryable, key: string, value: A) => Effect.Effect<void, Errors.StoreFailure>
  /** Removes the record; `true` if there was one. */
  readonly delete: (db: Queryable, key: string) => Effect.Effect<boolean, Errors.StoreFailure>
}

/**
 * The table of `kind` records, checked by `schema` on the way in and out.
 *
 * @category constructors
 */
export const makeRecordTable = <A, I>(kind: string, schema: Schema.Schema<A, I>): PgRecordTable<A> => {
  const decode = Schema.decodeUnknown(schema)
  const encode = Schema.encode(schema)
  const read = (key: string, text: string) =>
    Effect.try({ try: () => JsonBytes.parse(text), catch: (cause) => cause }).pipe(
      Effect.flatMap((json) => decode(json)),
      Effect.mapError((cause) => pgFailure(`The stored ${kind} record ${JSON.stringify(key)} is unreadable`, cause))
    )
  return {
    all: (db) =>
      query<{ readonly key: string; readonly value: string }>(db, `Cannot list the ${kind} records`, {
        text: "SELECT key, value FROM records WHERE kind = $1 ORDER BY seq",
        values: [kind]
      }).pipe(
        Effect.flatMap(({ rows }) => Effect.forEach(rows, ({ key, value }) => Effect.map(read(key, value), (a) => [key, a] as const))),
        Effect.map((entries) => new Map(entries))
      ),
    get: (db, key) =>
      query<{ readonly value: string }>(db, `Cannot read the ${kind} record`, {
        text: "SELECT value FROM records WHERE kind = $1 AND key = $2",
        values: [kind, key]
      }).pipe(Effect.flatMap(({ rows }) => (rows[0] === undefined ? Effect.succeed(undefined) : read(key, rows[0].value)))),
    put: (db, key, value) =>
      encode(value).pipe(
        Effect.mapError((cause) => pgFailure(`Cannot encode the ${kind} record ${JSON.stringify(key)}`, cause)),
        Effect.flatMap((encoded) =>
          query(db, `Cannot write the ${kind} record`, {
            // An upsert keeps the row, and so its `seq`: a replaced record keeps its place.
            text: "INSERT INTO records (kind, key, value) VALUES ($1, $2, $3) ON CONFLICT (kind, key) DO UPDATE SET value = excluded.value",
            values: [kind, key, JsonBytes.stringify(encoded)]
          })
        ),
        Effect.asVoid
      ),
    delete: (db, key) =>
      query(db, `Cannot delete the ${kind} record`, { text: "DELETE FROM records WHERE kind = $1 AND key = $2", values: [kind, key] }).pipe(
        Effect.map(({ rowCount }) => (rowCount ?? 0) > 0)
      )
  }
}
