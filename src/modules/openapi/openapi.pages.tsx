import type { Actor } from '../access/actor.ts';
import { Layout } from '../web/layout.tsx';

type Doc = { info: { title: string; description: string }; paths: Record<string, Record<string, OperationView>> };
type OperationView = {
  summary: string; tags: string[]; security?: unknown[];
  parameters?: { name: string; in: string; required: boolean; description?: string }[];
  requestBody?: { content: Record<string, { schema: unknown }> };
};

/**
 * `/docs/api`: the OpenAPI document rendered on the server, grouped by area. No script and no
 * external asset, so it works on an offline installation.
 */
export function ApiReferencePage({ actor, doc }: { actor: Actor; doc: Doc }) {
  const groups = new Map<string, { method: string; path: string; op: OperationView }[]>();
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const tag = op.tags[0] ?? 'other';
      if (!groups.has(tag)) groups.set(tag, []);
      groups.get(tag)!.push({ method: method.toUpperCase(), path, op });
    }
  }
  const tags = [...groups.keys()].sort();
  return (
    <Layout title="API reference" actor={actor} path="/docs/api">
      <>
        <h1>{doc.info.title}</h1>
        <p>{doc.info.description}</p>
        <p>The machine-readable document is at <a href="/openapi.json"><code>/openapi.json</code></a> (OpenAPI 3.1).</p>
        <nav aria-label="Areas"><p>{tags.map((tag) => <><a href={`#${tag}`}>{tag}</a>{' '}</>)}</p></nav>
        {tags.map((tag) => (
          <section id={tag}>
            <h2>{tag}</h2>
            {groups.get(tag)!.map(({ method, path, op }) => (
              <details>
                <summary><span class="tag">{method}</span> <code>{path}</code> — {op.summary}{op.security?.some((s) => s && Object.keys(s as object).length === 0) ? ' (no sign-in needed)' : ''}</summary>
                {op.parameters?.length ? (
                  <table>
                    <thead><tr><th>parameter</th><th>in</th><th>required</th></tr></thead>
                    <tbody>{op.parameters.map((p) => <tr><td><code>{p.name}</code></td><td>{p.in}</td><td>{p.required ? 'yes' : 'no'}</td></tr>)}</tbody>
                  </table>
                ) : null}
                {op.requestBody ? Object.entries(op.requestBody.content).map(([type, { schema }]) => (
                  <>
                    <p>Request body (<code>{type}</code>):</p>
                    <pre>{JSON.stringify(schema, null, 2)}</pre>
                  </>
                )) : null}
              </details>
            ))}
          </section>
        ))}
      </>
    </Layout>
  );
}
