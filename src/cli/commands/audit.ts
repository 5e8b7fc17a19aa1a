import type { AppDeps } from '../../app/deps.ts';
import { keysFromKeySet, publishedKeySet } from '../../app/keys.ts';
import { verifyAuditLog, writeCheckpoint } from '../../modules/audit/audit.usecases.ts';
import { CliError, print } from '../output.ts';

const USAGE = `Usage (on the server's own database):
  airlock audit verify       walk the hash chain and every signed checkpoint; exit 1 on any tampering
  airlock audit checkpoint   link pending records and sign the chain head now
Against a server, or offline:
  airlock audit export --repo OWNER/NAME [--since DATE] [--out FILE]   a repository's records as JSON Lines
  airlock audit verify-export FILE [--keys keys.json]                  check an export; exit 1 naming each bad record`;

export async function runAuditCommand(deps: AppDeps, args: string[], out: (line: string) => void): Promise<number> {
  const [sub] = args;
  switch (sub) {
    case 'verify': {
      // Retired keys too: checkpoints signed before a key rotation must still verify.
      const keys = keysFromKeySet(await publishedKeySet(deps.config.dataDir, deps.signingKey));
      const report = await verifyAuditLog(deps.db, keys);
      for (const problem of report.problems) out(`error: ${problem.message}`);
      const pending = report.unchained > 0 ? `; ${report.unchained} newer record(s) not yet linked` : '';
      out(report.ok
        ? `Audit log intact: ${report.linked} linked record(s), ${report.checkpoints} valid signed checkpoint(s)${pending}.`
        : `error: Audit log verification FAILED. The first problem is above; restore from a backup and investigate who had database access.`);
      return report.ok ? 0 : 1;
    }
    case 'checkpoint': {
      const checkpoint = await writeCheckpoint(deps.db, deps.signingKey, deps.clock);
      out(checkpoint ? `Signed checkpoint at position ${checkpoint.position} (head ${checkpoint.headHash.slice(0, 16)}…, key ${checkpoint.keyId}).` : 'The audit log is empty; nothing to sign.');
      return 0;
    }
    default:
      throw new CliError(`Unknown audit command "${sub ?? ''}".\n${USAGE}`, 2);
  }
}

export async function auditCommand(args: string[]): Promise<number> {
  if (!args[0] || args[0] === '--help' || args[0] === 'help') {
    print(USAGE);
    return args[0] ? 0 : 2;
  }
  // Exports are for publishers, who reach the platform over HTTP with their token, not its database.
  if (args[0] === 'export') return (await import('./audit-export.ts')).auditExportCommand(args.slice(1));
  if (args[0] === 'verify-export') return (await import('./audit-export.ts')).auditVerifyExportCommand(args.slice(1));
  const { runLocally } = await import('../local.ts');
  return runLocally(['audit', ...args]);
}
