import type { Actor } from '../access/actor.ts';
import { Layout } from '../web/layout.tsx';

export interface FingerprintingPageProps {
  actor: Actor;
  repoLabel: string;
  repoPath: string;
  enabled: boolean;
  /** Whether the viewer may change the setting (a publisher of the repository). */
  canChange: boolean;
  notice?: string;
}

/** Repository settings → Fingerprinting: what it does to recipients' copies, and the switch for publishers. */
export function FingerprintingPage({ actor, repoLabel, repoPath, enabled, canChange, notice }: FingerprintingPageProps) {
  const path = `${repoPath}/settings/fingerprinting`;
  return (
    <Layout title={`Fingerprinting · ${repoLabel}`} actor={actor} path={path}>
      <main>
        <p><a href={repoPath}>{repoLabel}</a> › Settings</p>
        <h1>Fingerprinting of weights</h1>
        {notice ? <p class="notice" role="status">{notice}</p> : null}
        <p>
          Fingerprinting is <strong>{enabled ? 'on' : 'off'}</strong> for this repository.
        </p>
        <p>
          When it is on, every recipient who downloads a <code>.safetensors</code> file gets their own copy: at most one
          floating-point weight in 1,024 has its lowest bit set to a code that identifies them (a change of at most one unit
          in the last place). The file stays a valid safetensors file with the same header, and the server's operators can
          name the recipient of a leaked copy with <code>airlock trace</code>. Members of the owning account get the original.
        </p>
        {canChange ? (
          <form method="post" action={path}>
            <input type="hidden" name="enabled" value={enabled ? 'false' : 'true'} />
            <button type="submit">{enabled ? 'Turn fingerprinting off' : 'Turn fingerprinting on'}</button>
          </form>
        ) : null}
      </main>
    </Layout>
  );
}
