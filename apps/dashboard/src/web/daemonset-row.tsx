/**
 * @module DaemonSetRow: a DaemonSet's rollout (updated and available pods against the nodes it should run on, with
 * kubectl's rollout status line), its ControllerRevision history with rollback, and restart. No scale: the nodes
 * decide how many pods it has.
 */
import { useState } from 'preact/hooks';
import { currentRevision, ownedRevisions, type Revision } from './revision-history.js';
import { daemonSetRollout, type DaemonSetLike } from './rollout-status.js';
import { objectPath, restartRefusal } from './workload-actions.js';
import { Actions, NameCell, Progress, type OnError } from './workload-parts.js';
import { RevisionHistoryRow } from './revision-history-row.js';

const COLUMNS = 7;

export function DaemonSetRow({ ds, revisions, onError }: { ds: DaemonSetLike; revisions: readonly Revision[]; onError: OnError }) {
  const [open, setOpen] = useState(false);
  const { name, namespace } = ds.metadata;
  const path = objectPath('apps/v1', 'daemonsets', ds.metadata);
  const s = ds.status ?? {};
  const desired = s.desiredNumberScheduled ?? 0;
  const rollout = daemonSetRollout(ds);
  const history = ownedRevisions('DaemonSet', ds, revisions);
  return (
    <>
      <tr data-daemonset={`${namespace}/${name}`} data-rollout={rollout.done ? 'done' : 'progressing'}>
        <td data-label="Namespace">{namespace}</td>
        <NameCell name={name} open={open} onToggle={() => setOpen(!open)} />
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
        <Actions name={name} path={path} restart={{ refusal: restartRefusal('DaemonSet', ds.spec) }} onError={onError} />
      </tr>
      {open && <RevisionHistoryRow path={path} history={history} current={currentRevision(undefined, history)} colSpan={COLUMNS} onError={onError} />}
    </>
  );
}
