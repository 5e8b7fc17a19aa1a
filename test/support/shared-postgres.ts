import pg from 'pg';

/**
 * The PostgreSQL server that multi-instance tests share: the suite's own when it runs on
 * PostgreSQL, else the node's on 127.0.0.1:5432 (CI has one).
 */
export const SHARED_POSTGRES_URL = process.env.AIRLOCK_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Whether that server answers; the reason to skip (naming `need`) when it does not. */
export async function postgresUnavailable(need: string): Promise<string | false> {
  const client = new pg.Client({ connectionString: SHARED_POSTGRES_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.end();
    return false;
  } catch (error) {
    return `no PostgreSQL at ${new URL(SHARED_POSTGRES_URL).host} (${(error as Error).message}); ${need}`;
  }
}
