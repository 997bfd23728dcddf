import { PostgresAdapter, type Kysely } from 'kysely';

/** The column types that differ by dialect; everything else is spelled the same. */
export function columnTypes(db: Kysely<unknown>) {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  return {
    bytes: postgres ? ('bytea' as const) : ('blob' as const),
    time: 'bigint' as const,
  };
}
