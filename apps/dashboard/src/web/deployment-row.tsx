/**
 * @module DeploymentRow: a Deployment's ready/up-to-date/available pods, its rollout bar, its revision history (the
 * ReplicaSets it owns, by the deployment.kubernetes.io/revision annotation), scale −/+ and restart.
 */
import { useState } from 'preact/hooks';
import type { KubeObject } from './api.js';
import { hpaFor, type Hpa } from './hpa.js';
import { objectPath, restartRefusal } from './workload-actions.js';
import { Actions, HpaLine, NameCell, num, Progress, type OnError } from './workload-parts.js';

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
  const history = replicaSets
    .filter((rs) => rs.metadata.namespace === ns && rs.metadata.ownerReferences?.some((o) => o.kind === 'Deployment' && o.name === name))
    .sort((a, b) => Number(b.metadata.annotations?.[REVISION] ?? 0) - Number(a.metadata.annotations?.[REVISION] ?? 0));
  return (
    <>
      <tr data-deployment={`${ns}/${name}`}>
        <td data-label="Namespace">{ns}</td>
        <NameCell name={name} open={open} onToggle={() => setOpen(!open)}>
          <HpaLine hpa={hpaFor('Deployment', d, hpas)} />
        </NameCell>
        <td data-label="Ready" data-field="ready">
          {num(s['readyReplicas'])}/{want}
        </td>
        <td data-label="Up-to-date">{num(s['updatedReplicas'])}</td>
        <td data-label="Available">{num(s['availableReplicas'])}</td>
        <td data-label="Rollout">
          <Progress done={num(s['updatedReplicas'])} want={want} />
        </td>
        <td data-label="Revision">{d.metadata.annotations?.[REVISION] ?? ''}</td>
        <Actions name={name} path={path} replicas={want} restart={{ refusal: restartRefusal('Deployment', d.spec) }} onError={onError} />
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
