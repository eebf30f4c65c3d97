/**
 * @module YamlView: any object as YAML; edit it, review the diff, then server-side apply it with the dashboard's
 * field manager. A conflict (another manager owns a field you changed) is shown with its causes and can be forced,
 * as `kubectl apply --server-side --force-conflicts`. Pasted YAML (several documents) is created the same way.
 */
import { diffLines } from 'diff';
import { useEffect, useState } from 'preact/hooks';
import { parseAllDocuments, stringify } from 'yaml';
import { ApiError, type KubeObject } from './api.js';
import { resourcePath } from './resource-paths.js';

export const FIELD_MANAGER = 'skiff-dashboard';

interface Status {
  message?: string;
  details?: { causes?: { field?: string; message?: string }[] };
}

/** forEditing drops what the server owns (status, managedFields): what is left is what a user may apply. */
function forEditing(obj: KubeObject): KubeObject {
  const { status: _s, ...rest } = obj as KubeObject & { status?: unknown };
  const { managedFields: _m, ...metadata } = rest.metadata as KubeObject['metadata'] & { managedFields?: unknown };
  return { ...rest, metadata };
}

async function apply(path: string, obj: unknown, force: boolean): Promise<void> {
  const q = new URLSearchParams({ fieldManager: FIELD_MANAGER });
  if (force) q.set('force', 'true');
  const res = await fetch(`${path}?${q}`, { method: 'PATCH', headers: { 'content-type': 'application/apply-patch+yaml', accept: 'application/json' }, body: JSON.stringify(obj), credentials: 'same-origin' });
  if (!res.ok) {
    const status = (await res.json().catch(() => ({}))) as Status;
    const causes = status.details?.causes?.map((c) => `${c.field ?? ''}: ${c.message ?? ''}`) ?? [];
    throw new ApiError(res.status, [status.message ?? `${res.status}`, ...causes].join('\n'));
  }
}

function Diff({ before, after }: { before: string; after: string }) {
  const parts = diffLines(before, after);
  return (
    <pre class="diff" data-diff>
      {parts.flatMap((p, i) =>
        p.value
          .replace(/\n$/, '')
          .split('\n')
          .map((line, j) => (
            <div key={`${i}-${j}`} class={p.added ? 'add' : p.removed ? 'del' : 'same'}>
              {p.added ? '+ ' : p.removed ? '- ' : '  '}
              {line}
            </div>
          )),
      )}
    </pre>
  );
}

export function YamlView({ path }: { path: string }) {
  const [original, setOriginal] = useState('');
  const [text, setText] = useState('');
  const [stage, setStage] = useState<'view' | 'edit' | 'review'>('view');
  const [error, setError] = useState<{ code: number; message: string } | undefined>();
  const [done, setDone] = useState('');
  const load = async () => {
    setError(undefined);
    try {
      const res = await fetch(path, { headers: { accept: 'application/json' }, credentials: 'same-origin' });
      const body = (await res.json()) as KubeObject & Status;
      if (!res.ok) throw new ApiError(res.status, body.message ?? `${res.status}`);
      const y = stringify(forEditing(body));
      setOriginal(y);
      setText(y);
    } catch (err) {
      setError({ code: (err as ApiError).code ?? 0, message: (err as Error).message });
    }
  };
  useEffect(() => void load(), [path]);
  const submit = async (force: boolean) => {
    setError(undefined);
    setDone('');
    try {
      const docs = parseAllDocuments(text);
      const first = docs[0];
      if (!first || first.errors.length) throw new Error(first?.errors[0]?.message ?? 'empty document');
      await apply(path, first.toJSON(), force);
      setDone('Applied.');
      setStage('view');
      await load();
    } catch (err) {
      setError({ code: (err as ApiError).code ?? 0, message: (err as Error).message });
    }
  };
  return (
    <section class="yaml" data-view="yaml" data-path={path}>
      <h2>{path}</h2>
      {stage === 'view' && (
        <>
          <div class="toolbar">
            <button type="button" onClick={() => setStage('edit')}>
              Edit
            </button>
          </div>
          <pre class="code">{original}</pre>
        </>
      )}
      {stage === 'edit' && (
        <>
          <div class="toolbar">
            <button type="button" onClick={() => setStage('review')}>
              Review changes
            </button>
            <button type="button" onClick={() => (setText(original), setStage('view'))}>
              Cancel
            </button>
          </div>
          <textarea class="code" aria-label="YAML" rows={30} value={text} onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} />
        </>
      )}
      {stage === 'review' && (
        <>
          <div class="toolbar">
            <button type="button" data-action="apply" onClick={() => submit(false)}>
              Apply
            </button>
            {error?.code === 409 && (
              <button type="button" data-action="force" onClick={() => submit(true)}>
                Force apply (take ownership)
              </button>
            )}
            <button type="button" onClick={() => setStage('edit')}>
              Back to editing
            </button>
          </div>
          <Diff before={original} after={text} />
        </>
      )}
      {error && (
        <pre class="error" role="alert" data-code={error.code}>
          {error.message}
        </pre>
      )}
      {done && <p class="ok">{done}</p>}
    </section>
  );
}

/** CreateView applies every document of pasted YAML (kubectl apply --server-side -f -). */
export function CreateView() {
  const [text, setText] = useState('');
  const [results, setResults] = useState<string[]>([]);
  const submit = async () => {
    const out: string[] = [];
    for (const doc of parseAllDocuments(text)) {
      const obj = doc.toJSON() as KubeObject | null;
      if (!obj) continue;
      const what = `${obj.kind ?? '?'}/${obj.metadata?.name ?? '?'}`;
      try {
        if (doc.errors.length) throw new Error(doc.errors[0]!.message);
        await apply(await resourcePath(obj), obj, false);
        out.push(`${what} applied`);
      } catch (err) {
        out.push(`${what}: ${(err as Error).message}`);
      }
    }
    setResults(out);
  };
  return (
    <section class="yaml" data-view="create">
      <h2>Create from YAML</h2>
      <textarea class="code" aria-label="YAML to create" rows={24} value={text} onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} placeholder="Paste one or more manifests (--- between documents)" />
      <div class="toolbar">
        <button type="button" onClick={submit}>
          Apply
        </button>
      </div>
      <ul>
        {results.map((r) => (
          <li key={r}>{r}</li>
        ))}
      </ul>
    </section>
  );
}
