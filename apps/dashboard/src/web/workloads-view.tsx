/**
 * @module WorkloadsView: Deployments with rollout progress, revision history (their ReplicaSets), scale and restart
 * (as `kubectl scale` and `kubectl rollout restart` do it), and the other workload kinds' counts.
 */
import { useState } from 'preact/hooks';
import { request, type KubeObject } from './api.js';
import { navigate } from './router.js';
import { useCollection } from './use-collection.js';

interface Workload extends KubeObject {
  spec?: { replicas?: number; paused?: boolean; completions?: number; parallelism?: number };
  status?: Record<string, number | undefined | unknown>;
}

const REVISION = 'deployment.kubernetes.io/revision';
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

function Progress({ done, want }: { done: number; want: number }) {
  const pct = want > 0 ? Math.min(100, (done / want) * 100) : 100;
  return (
    <span class="bar-track progress" title={`${done}/${want}`}>
      <span class="bar-fill" style={{ width: `${pct}%` }} />
    </span>
  );
}

function DeploymentRow({ d, replicaSets, onError }: { d: Workload; replicaSets: readonly Workload[]; onError: (m: string) => void }) {
  const [open, setOpen] = useState(false);
  const ns = d.metadata.namespace!;
  const name = d.metadata.name;
  const want = d.spec?.replicas ?? 1;
  const s = d.status ?? {};
  const path = `/apis/apps/v1/namespaces/${ns}/deployments/${name}`;
  const scale = (n: number) => request('PATCH', `${path}/scale`, { spec: { replicas: Math.max(0, n) } }, 'application/merge-patch+json').catch((e: Error) => onError(e.message));
  const restart = () =>
    request('PATCH', path, { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': new Date().toISOString() } } } } }, 'application/merge-patch+json').catch((e: Error) => onError(e.message));
  const history = replicaSets
    .filter((rs) => rs.metadata.namespace === ns && rs.metadata.ownerReferences?.some((o) => o.kind === 'Deployment' && o.name === name))
    .sort((a, b) => Number(b.metadata.annotations?.[REVISION] ?? 0) - Number(a.metadata.annotations?.[REVISION] ?? 0));
  return (
    <>
      <tr data-deployment={`${ns}/${name}`}>
        <td>{ns}</td>
        <td>
          <button type="button" class="link" onClick={() => setOpen(!open)} aria-expanded={open}>
            {name}
          </button>
        </td>
        <td data-field="ready">
          {num(s['readyReplicas'])}/{want}
        </td>
        <td>{num(s['updatedReplicas'])}</td>
        <td>{num(s['availableReplicas'])}</td>
        <td>
          <Progress done={num(s['updatedReplicas'])} want={want} />
        </td>
        <td>{d.metadata.annotations?.[REVISION] ?? ''}</td>
        <td class="actions">
          <button type="button" aria-label={`scale ${name} down`} onClick={() => scale(want - 1)}>
            −
          </button>
          <button type="button" aria-label={`scale ${name} up`} onClick={() => scale(want + 1)}>
            +
          </button>
          <button type="button" onClick={restart}>
            Restart
          </button>
          <button type="button" onClick={() => navigate('yaml', { path })}>
            YAML
          </button>
        </td>
      </tr>
      {open && (
        <tr class="history">
          <td colSpan={8}>
            <table>
              <thead>
                <tr>
                  <th>Revision</th>
                  <th>ReplicaSet</th>
                  <th>Replicas</th>
                  <th>Image</th>
                </tr>
              </thead>
              <tbody>
                {history.map((rs) => (
                  <tr key={rs.metadata.name}>
                    <td>{rs.metadata.annotations?.[REVISION]}</td>
                    <td>{rs.metadata.name}</td>
                    <td>
                      {num(rs.status?.['readyReplicas'])}/{rs.spec?.replicas ?? 0}
                    </td>
                    <td>{((rs.spec as { template?: { spec?: { containers?: { image?: string }[] } } })?.template?.spec?.containers ?? []).map((c) => c.image).join(', ')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </td>
        </tr>
      )}
    </>
  );
}

function KindTable({ title, path, columns }: { title: string; path: string; columns: [string, (w: Workload) => string][] }) {
  const items = useCollection<Workload>(path);
  if (!items.items.length) return null;
  return (
    <>
      <h2>{title}</h2>
      <table class="grid">
        <thead>
          <tr>
            <th>Namespace</th>
            <th>Name</th>
            {columns.map(([h]) => (
              <th key={h}>{h}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {items.items.map((w) => (
            <tr key={w.metadata.uid}>
              <td>{w.metadata.namespace}</td>
              <td>{w.metadata.name}</td>
              {columns.map(([h, f]) => (
                <td key={h}>{f(w)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

export function WorkloadsView() {
  const deployments = useCollection<Workload>('/apis/apps/v1/deployments');
  const replicaSets = useCollection<Workload>('/apis/apps/v1/replicasets');
  const [error, setError] = useState('');
  const sorted = [...deployments.items].sort((a, b) => `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`));
  return (
    <section class="list" data-view="workloads">
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <h2>Deployments</h2>
      <table class="grid">
        <thead>
          <tr>
            <th>Namespace</th>
            <th>Name</th>
            <th>Ready</th>
            <th>Up-to-date</th>
            <th>Available</th>
            <th>Rollout</th>
            <th>Revision</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {sorted.map((d) => (
            <DeploymentRow key={d.metadata.uid} d={d} replicaSets={replicaSets.items} onError={setError} />
          ))}
        </tbody>
      </table>
      <KindTable title="StatefulSets" path="/apis/apps/v1/statefulsets" columns={[['Ready', (w) => `${num(w.status?.['readyReplicas'])}/${w.spec?.replicas ?? 1}`]]} />
      <KindTable title="DaemonSets" path="/apis/apps/v1/daemonsets" columns={[['Desired', (w) => String(num(w.status?.['desiredNumberScheduled']))], ['Ready', (w) => String(num(w.status?.['numberReady']))]]} />
      <KindTable title="Jobs" path="/apis/batch/v1/jobs" columns={[['Completions', (w) => `${num(w.status?.['succeeded'])}/${w.spec?.completions ?? 1}`], ['Active', (w) => String(num(w.status?.['active']))]]} />
    </section>
  );
}
