import type { Db } from './client.ts';

const prepared = new WeakMap<object, Map<string, unknown>>();
let namedStatements = true;

/**
 * Called when the process opens the embedded database. PGlite runs one session behind its socket
 * for every connection, and a named statement lives in the session while the driver remembers it
 * per connection: a connection replaced after an error would prepare the name again and fail with
 * "already exists". A transaction's handle cannot be told apart from another database's, so from
 * then on the whole process sends unnamed statements (still built only once).
 */
export function disableNamedStatements() {
  namedStatements = false;
}

/**
 * A query built once per database handle and run as a named prepared statement afterwards: each
 * connection parses and plans it once, and the query builder does not run again. For the hottest
 * reads only, those of the download gate, where parsing and planning were half of each query's
 * time (bench/NOTES.md). `build` must give the same SQL text every time for a given `name`, and
 * pass `statementName` to `.prepare()`.
 */
export function preparedFor<T>(db: Db, name: string, build: (db: Db, statementName: string) => T): T {
  let byName = prepared.get(db);
  if (!byName) prepared.set(db, (byName = new Map()));
  let query = byName.get(name) as T | undefined;
  // drizzle sends an unnamed statement when the name is empty: built once, planned at every call.
  if (query === undefined) byName.set(name, (query = build(db, namedStatements ? name : '')));
  return query;
}
