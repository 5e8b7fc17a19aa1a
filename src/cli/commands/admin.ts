import { parseArgs } from 'node:util';
import type { AppDeps } from '../../app/deps.ts';
import { isAppError } from '../../lib/errors.ts';
import { createOrganization } from '../../modules/orgs/orgs.usecases.ts';
import { createToken } from '../../modules/tokens/tokens.usecases.ts';
import { findUserByUsername } from '../../modules/users/users.repository.ts';
import { PLATFORM_ROLES, type PlatformRole } from '../../modules/users/users.schemas.ts';
import { registerUser } from '../../modules/users/users.usecases.ts';
import { CliError, print } from '../output.ts';

const USAGE = `Usage (on the server's own database, AIRLOCK_DATA / DATABASE_URL):
  airlock admin create-user --username U --email E --password P [--display-name N] [--platform-role admin|moderator|credentialing]...
  airlock admin create-token --username U [--name N] [--scope read|write]
  airlock admin create-org --name O --owner U
  airlock admin rotate-key     retire the signing key (it stays published) and sign with a new one from now on
  airlock admin gc [--dry-run] [--grace 24h]   remove blobs no revision uses and no upload younger than the grace period
  airlock admin backup FILE    every table, from one snapshot, to a gzipped JSON-lines file, with the blob index (not the blob bytes)
  airlock admin restore FILE [--force]   replace the database with a backup; refuses a database with data unless --force
  airlock admin sweep          warn holders of training certificates (30 days) and access grants (14 days) before they expire (once each)`;

/** Runs one admin command against `deps`, writing its output through `out`. Shared by the CLI and the admin socket. */
export async function runAdminCommand(deps: AppDeps, args: string[], out: (line: string) => void): Promise<number> {
  const [sub, ...rest] = args;
  const { db } = deps;
  try {
    switch (sub) {
      case 'create-user': {
        const { values } = parseArgs({ args: rest, options: { username: { type: 'string' }, email: { type: 'string' }, password: { type: 'string' }, 'display-name': { type: 'string' }, 'platform-role': { type: 'string', multiple: true } } });
        const roles = values['platform-role'] ?? [];
        for (const role of roles) if (!PLATFORM_ROLES.includes(role as PlatformRole)) throw new CliError(`Unknown platform role "${role}". Use one of: ${PLATFORM_ROLES.join(', ')}.`, 2);
        const user = await registerUser(db, { username: values.username ?? '', email: values.email ?? '', password: values.password ?? '', displayName: values['display-name'] }, { platformRoles: roles as PlatformRole[] });
        out(`Created user ${user.username}${roles.length ? ` with platform roles ${roles.join(', ')}` : ''}.`);
        return 0;
      }
      case 'create-token': {
        const { values } = parseArgs({ args: rest, options: { username: { type: 'string' }, name: { type: 'string' }, scope: { type: 'string' } } });
        const user = values.username ? await findUserByUsername(db, values.username) : undefined;
        if (!user) throw new CliError(`No user named "${values.username ?? ''}". Create it first with: airlock admin create-user`, 2);
        const { value } = await createToken(db, user.id, { name: values.name ?? 'cli', scope: (values.scope ?? 'write') as 'read' | 'write' });
        out(value);
        return 0;
      }
      case 'create-org': {
        const { values } = parseArgs({ args: rest, options: { name: { type: 'string' }, owner: { type: 'string' }, 'display-name': { type: 'string' } } });
        const owner = values.owner ? await findUserByUsername(db, values.owner) : undefined;
        if (!owner) throw new CliError(`No user named "${values.owner ?? ''}" to own the organisation. Pass --owner USERNAME of an existing user.`, 2);
        const org = await createOrganization(db, { name: values.name ?? '', displayName: values['display-name'] }, owner.id);
        out(`Created organisation ${org.name}, owned by ${owner.username} (admin).`);
        return 0;
      }
      case 'sweep': {
        const { sweepExpiryWarnings } = await import('../../modules/trainings/trainings.expiry.usecases.ts');
        const sent = await sweepExpiryWarnings(deps);
        out(sent === 0 ? 'No training certificate is due an expiry warning.' : `Sent ${sent} expiry warning${sent === 1 ? '' : 's'}.`);
        const { sweepGrantExpiryWarnings } = await import('../../modules/applications/grants.usecases.ts');
        const grantsWarned = await sweepGrantExpiryWarnings(deps);
        out(grantsWarned === 0 ? 'No access grant is due an expiry warning.' : `Sent ${grantsWarned} grant expiry warning${grantsWarned === 1 ? '' : 's'}.`);
        return 0;
      }
      case 'gc':
        return await (await import('./gc.ts')).runGcCommand(deps, rest, out);
      case 'backup':
        return await (await import('./backup.ts')).runBackupCommand(deps, rest, out);
      case 'restore':
        return await (await import('./backup.ts')).runRestoreCommand(deps, rest, out);
      case 'rotate-key':
        return await (await import('./keys.ts')).runRotateKey(deps, out);
      default:
        throw new CliError(`Unknown admin command "${sub}".\n${USAGE}`, 2);
    }
  } catch (error) {
    if (error instanceof CliError) {
      out(`error: ${error.message}`);
      return error.exitCode;
    }
    if (isAppError(error)) {
      out(`error: ${error.message}`);
      return error.status >= 500 ? 1 : 2;
    }
    if (error instanceof TypeError && String((error as { code?: string }).code).startsWith('ERR_PARSE_ARGS')) {
      out(`error: ${error.message}.\n${USAGE}`);
      return 2;
    }
    throw error;
  }
}

/** Bootstrap commands on the local database (see `runLocally`). */
export async function adminCommand(args: string[]): Promise<number> {
  if (!args[0] || args[0] === '--help' || args[0] === 'help') {
    print(USAGE);
    return args[0] ? 0 : 2;
  }
  const { runLocally } = await import('../local.ts');
  // The running server may do the work (admin socket): it must get the file as this shell names it.
  if ((args[0] === 'backup' || args[0] === 'restore') && args.length > 1) {
    const { resolve } = await import('node:path');
    args = [args[0], ...args.slice(1).map((a) => (a.startsWith('-') ? a : resolve(a)))];
  }
  return runLocally(['admin', ...args]);
}
