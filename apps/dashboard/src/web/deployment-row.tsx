/**
 * @module DeploymentRow: a Deployment's ready/up-to-date/available pods, its rollout bar, its revision history (the
 * ReplicaSets it owns, by the deployment.kubernetes.io/revision annotation), scale −/+ and restart.
 */
import { useState } from 'preact/hooks';
import type { KubeObject } from './api.js';
import { hpaFor, type Hpa } from './hpa.js';
import { navigate } from './router.js';
import { objectPath, restart, restartRefusal, scale } from './workload-actions.js';
import { act, HpaLine, num, Progress, type OnError } from './workload-parts.js';

export interface Workload extends KubeObject {
  spec?: { replicas?: number; paused?: boolean; template?: { spec?: { containers?: { image?: string }[] } } };
  status?: Record<string, unknown>;
}

const REVISION = 'deployment.kubernetes.io/revision';

export function DeploymentRow({ d, replicaSets, hpas, onError }: { d: Workload; replicaSets: readonly Workload[]; hpas: readonly Hpa[]; onError: OnError }) {
  const [open, setOpen] = useState(false);
  const { name, namespace: ns } = d.metadata;
  const want = d.spec?.replicas ?? 1;
  const s = d.status ?? {};
  const path = objectPath('apps/v1', 'deployments', d.metadata);
  const refusal = restartRefusal('Deployment', d.spec);
  const history = replicaSets
    .filter((rs) => rs.metadata.namespace === ns && rs.metadata.ownerReferences?.some((o) => o.kind === 'Deployment' && o.name === name))
    .sort((a, b) => Number(b.metadata.annotations?.[REVISION] ?? 0) - Number(a.metadata.annotations?.[REVISION] ?? 0));
  return (
    <>
      <tr data-deployment={`${ns}/${name}`}>
        <td data-label="Namespace">{ns}</td>
        <td data-label="Name">
          <button type="button" class="link" onClick={() => setOpen(!open)} aria-expanded={open} title="revision history">
            {name}
          </button>
          <HpaLine hpa={hpaFor('Deployment', d, hpas)} />
        </td>
        <td data-label="Ready" data-field="ready">
          {num(s['readyReplicas'])}/{want}
        </td>
        <td data-label="Up-to-date">{num(s['updatedReplicas'])}</td>
        <td data-label="Available">{num(s['availableReplicas'])}</td>
        <td data-label="Rollout">
          <Progress done={num(s['updatedReplicas'])} want={want} />
        </td>
        <td data-label="Revision">{d.metadata.annotations?.[REVISION] ?? ''}</td>
        <td class="actions">
          <button type="button" aria-label={`scale ${name} down`} disabled={want === 0} onClick={act(onError, () => scale(path, want - 1))}>
            −
          </button>
          <button type="button" aria-label={`scale ${name} up`} onClick={act(onError, () => scale(path, want + 1))}>
            +
          </button>
          <button type="button" disabled={!!refusal} title={refusal ?? 'kubectl rollout restart'} onClick={act(onError, () => restart(path))}>
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
                    <td>{(rs.spec?.template?.spec?.containers ?? []).map((c) => c.image).join(', ')}</td>
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
