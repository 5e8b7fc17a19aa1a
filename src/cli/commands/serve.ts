import { sql } from 'drizzle-orm';
import { startServer } from '../../app/runtime.ts';
import { users } from '../../modules/users/users.tables.ts';
import { print } from '../output.ts';
import { runLocalCommand } from '../local.ts';

export async function serveCommand(): Promise<number> {
  const running = await startServer({}, { adminRunner: runLocalCommand });
  const { deps, signingKey } = running.runtime;
  const [admins] = await deps.db.select({ n: sql<number>`count(*)::int` }).from(users).where(sql`'admin' = any(${users.platformRoles})`);
  // One write, so a reader never sees the banner without the bootstrap hint.
  const lines = [`Airlock is listening on ${running.url} (data: ${deps.config.dataDir}, database: ${running.runtime.database.kind}).`];
  if (signingKey.created) lines.push(`Created a new ed25519 signing key ${signingKey.keyId} in ${deps.config.dataDir}/keys/signing-key.pem. Back it up.`);
  if ((admins?.n ?? 0) === 0) {
    lines.push('', 'No platform admin exists yet. Create the first one in another terminal:');
    lines.push('  npx airlock admin create-user --username operator --email operator@example.org --password "<a long password>" --platform-role admin');
  }
  print(lines.join('\n'));
  const stop = async () => {
    print('Shutting down…');
    await running.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await new Promise(() => {});
  return 0;
}
