/**
 * @module DaemonSetRow: a DaemonSet's rollout (updated and available pods against the nodes it should run on, with
 * kubectl's rollout status line), its ControllerRevision history with rollback, and restart. No scale: the nodes
 * decide how many pods it has.
 */
import { useState } from 'preact/hooks';
import { currentRevision, ownedRevisions, type Revision } from './revision-history.js';
import { daemonSetRollout, type DaemonSetLike } from './rollout-status.js';
import { navigate } from './router.js';
import { objectPath, restart, restartRefusal } from './workload-actions.js';
import { act, Progress, RevisionHistory, type OnError } from './workload-parts.js';

const COLUMNS = 7;

export function DaemonSetRow({ ds, revisions, onError }: { ds: DaemonSetLike; revisions: readonly Revision[]; onError: OnError }) {
  const [open, setOpen] = useState(false);
  const { name, namespace } = ds.metadata;
  const path = objectPath('apps/v1', 'daemonsets', ds.metadata);
  const s = ds.status ?? {};
  const desired = s.desiredNumberScheduled ?? 0;
  const rollout = daemonSetRollout(ds);
  const history = ownedRevisions('DaemonSet', ds, revisions);
  const refusal = restartRefusal('DaemonSet', ds.spec);
  return (
    <>
      <tr data-daemonset={`${namespace}/${name}`} data-rollout={rollout.done ? 'done' : 'progressing'}>
        <td data-label="Namespace">{namespace}</td>
        <td data-label="Name">
          <button type="button" class="link" onClick={() => setOpen(!open)} aria-expanded={open} title="revision history">
            {name}
          </button>
        </td>
        <td data-label="Desired" data-field="desired">{desired}</td>
        <td data-label="Updated" data-field="updated">
          {s.updatedNumberScheduled ?? 0}/{desired}
        </td>
        <td data-label="Available" data-field="available">
          {s.numberAvailable ?? 0}/{desired}
        </td>
        <td data-label="Rollout">
          <Progress done={Math.min(s.updatedNumberScheduled ?? 0, s.numberAvailable ?? 0)} want={desired} label={rollout.message} />
          <div class="rollout-line muted">{rollout.message}</div>
        </td>
        <td class="actions">
          <button type="button" disabled={!!refusal} title={refusal ?? 'kubectl rollout restart'} onClick={act(onError, () => restart(path))}>
            Restart
          </button>
          <button type="button" onClick={() => navigate('yaml', { path })}>
            YAML
          </button>
        </td>
      </tr>
      {open && <RevisionHistory path={path} history={history} current={currentRevision(undefined, history)} colSpan={COLUMNS} onError={onError} />}
    </>
  );
}
