import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * A scratch database on the PostgreSQL server of `baseUrl` (tests and benchmarks each get their
 * own), and a function that drops it.
 */
export async function createScratchDatabase(baseUrl: string, prefix = 'airlock_t') {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  const drop = async () => {
    const client = new pg.Client({ connectionString: baseUrl });
    await client.connect();
    // pg's pool.end() resolves before its connections have closed; forcing the drop at once would
    // kill them mid-close and surface as an uncaught "terminating connection" error. Wait a little first.
    for (let attempt = 0; attempt < 40; attempt++) {
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name}`);
        break;
      } catch (error) {
        if ((error as { code?: string }).code !== '55006' || attempt === 39) {
          await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    }
    await client.end();
  };
  return { url: url.toString(), drop };
}
