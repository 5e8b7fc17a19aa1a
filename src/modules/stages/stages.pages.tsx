import type { Actor } from '../access/actor.ts';
import type { AppDeps } from '../../app/deps.ts';
import { authorize, type RepoFacts } from '../access/access.policies.ts';
import { loadRepoFacts } from '../access/access.gate.ts';
import type { RepositoryRow } from '../repos/repos.repository.ts';
import { ACCESS_LEVEL_TEXT } from '../web/repository.models.ts';
import { isEmbargoed, stageFor } from './stages.models.ts';
import { listStages } from './stages.repository.ts';
import type { ReleaseStageRow } from './stages.tables.ts';

export interface PageSchedule {
  stages: ReleaseStageRow[];
  /** Whether the visitor may download a file of the branch shown, decided as `/resolve` decides it. */
  canDownload(path: string): boolean;
  now: Date;
}

/**
 * The release schedule of a repository page and, for each file shown, the same decision the
 * download route would make: a file in a stage is decided at the stage's level, under its
 * embargo, through `authorize`. Without stages every file follows the repository's decision.
 */
export async function loadPageSchedule(deps: AppDeps, actor: Actor, repo: RepositoryRow, facts: RepoFacts, commit: string): Promise<PageSchedule> {
  const now = deps.clock.now();
  const stages = await listStages(deps.db, repo.id);
  const base = authorize(actor, { type: 'repo.download', facts }).allowed;
  if (stages.length === 0) return { stages, canDownload: () => base, now };
  const factsByLevel = new Map<string, RepoFacts>();
  for (const level of new Set(stages.map((s) => s.accessLevel))) factsByLevel.set(level, await loadRepoFacts(deps.db, actor, { ...repo, accessLevel: level }, now));
  return {
    stages,
    now,
    canDownload(path) {
      const stage = stageFor(stages, path, commit);
      if (!stage) return base;
      const staged = { ...factsByLevel.get(stage.accessLevel)!, embargo: isEmbargoed(stage, now) ? { stage: stage.name, until: stage.embargoUntil! } : null };
      return authorize(actor, { type: 'repo.download', facts: staged }).allowed;
    },
  };
}

const day = (date: Date) => date.toISOString().slice(0, 10);

export function ReleaseSchedule({ schedule }: { schedule: PageSchedule }) {
  if (schedule.stages.length === 0) return null;
  return (
    <section class="card schedule" data-testid="release-schedule">
      <h2>Release schedule</h2>
      <ol>
        {schedule.stages.map((stage) => (
          <li data-stage={stage.name}>
            <strong>{stage.name}</strong>: {stage.revision ? <>revision <code>{stage.revision}</code></> : stage.paths.map((p, i) => <>{i > 0 ? ', ' : ''}<code>{p}</code></>)}
            {' '}· {ACCESS_LEVEL_TEXT[stage.accessLevel].label}
            {isEmbargoed(stage, schedule.now)
              ? <> · <span class="badge embargo">embargoed until <time datetime={stage.embargoUntil!.toISOString()}>{day(stage.embargoUntil!)}</time></span></>
              : stage.embargoUntil ? <> · released <time datetime={stage.embargoUntil.toISOString()}>{day(stage.embargoUntil)}</time></> : null}
          </li>
        ))}
      </ol>
      <p class="muted">Files no stage names follow the repository's level. Before an embargo ends, only the publisher can download the stage's files.</p>
    </section>
  );
}
