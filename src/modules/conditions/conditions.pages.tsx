import type { Actor } from '../access/actor.ts';
import { Field, FormError, type FormState } from '../web/form.tsx';
import { Layout } from '../web/layout.tsx';
import { formatDateTime } from '../web/web.support.ts';
import { groupBySource, type Condition } from './conditions.models.ts';

/** Conditions, always under their source's heading. */
export function ConditionsList({ conditions, empty }: { conditions: Condition[]; empty?: string }) {
  const groups = groupBySource(conditions);
  if (groups.length === 0) return empty ? <p class="muted">{empty}</p> : null;
  return (
    <div class="conditions">
      {groups.map((g) => (
        <div data-source={g.source}>
          <h3>{g.heading}</h3>
          <ul>{g.items.map((c) => <li>{c.text}</li>)}</ul>
        </div>
      ))}
    </div>
  );
}

/** The repository page's panel. */
export function ConditionsPanel({ conditions }: { conditions: Condition[] }) {
  if (conditions.length === 0) return null;
  return (
    <section class="card" data-testid="conditions">
      <h2>Conditions</h2>
      <ConditionsList conditions={conditions} />
    </section>
  );
}

export function PlatformConditionsPage({ actor, conditions, state, notice }: { actor: Actor; conditions: { id: string; text: string; createdAt: Date }[]; state: FormState; notice?: string }) {
  return (
    <Layout title="Platform conditions" actor={actor} path="/admin/conditions">
      <h1>Platform conditions</h1>
      <p class="muted">Terms every user of every gated repository must respect. They are shown under “Platform conditions” on every repository page, in the apply wizard and in the access API. Retired conditions are kept on record.</p>
      {notice ? <p class="notice" role="status">{notice}</p> : null}
      <ul data-testid="platform-conditions">
        {conditions.map((c) => (
          <li>
            {c.text} <span class="muted">since {formatDateTime(c.createdAt)}</span>
            <form method="post" action={`/admin/conditions/${c.id}/retire`} class="inline"><button type="submit" class="link">Retire</button></form>
          </li>
        ))}
      </ul>
      <FormError state={state} fields={['text']} />
      <form method="post" action="/admin/conditions" class="stack" novalidate>
        <Field label="New condition" name="text" state={state} hint="One sentence, such as “Do not attempt to re-identify individuals.”" />
        <button type="submit">Add condition</button>
      </form>
    </Layout>
  );
}
