/**
 * @module StatefulSetRow: a StatefulSet's readiness, its rollout (updated pods, current → update revision, the
 * partition when one holds pods back, kubectl's rollout status line), its ControllerRevision history with rollback,
 * scale −/+ through the scale subresource and restart, as kubectl does each.
 */
import { useState } from 'preact/hooks';
import { hpaFor, type Hpa } from './hpa.js';
import { currentRevision, ownedRevisions, type Revision } from './revision-history.js';
import { statefulSetRollout, type StatefulSetLike } from './rollout-status.js';
import { objectPath, restartRefusal } from './workload-actions.js';
import { Actions, HpaLine, NameCell, Progress, type OnError } from './workload-parts.js';
import { RevisionHistoryRow } from './revision-history-row.js';

const COLUMNS = 7;

/** shortRevision drops the `<name>-` prefix of a revision name, leaving its hash. */
const shortRevision = (owner: string, rev: string | undefined) => (rev?.startsWith(`${owner}-`) ? rev.slice(owner.length + 1) : (rev ?? ''));

export function StatefulSetRow({ sts, revisions, hpas, onError }: { sts: StatefulSetLike; revisions: readonly Revision[]; hpas: readonly Hpa[]; onError: OnError }) {
  const [open, setOpen] = useState(false);
  const { name, namespace } = sts.metadata;
  const path = objectPath('apps/v1', 'statefulsets', sts.metadata);
  const want = sts.spec?.replicas ?? 1;
  const s = sts.status ?? {};
  const rollout = statefulSetRollout(sts);
  const partition = sts.spec?.updateStrategy?.rollingUpdate?.partition ?? 0;
  const history = ownedRevisions('StatefulSet', sts, revisions);
  return (
    <>
      <tr data-statefulset={`${namespace}/${name}`} data-rollout={rollout.done ? 'done' : 'progressing'}>
        <td data-label="Namespace">{namespace}</td>
        <NameCell name={name} open={open} onToggle={() => setOpen(!open)}>
          <HpaLine hpa={hpaFor('StatefulSet', sts, hpas)} />
        </NameCell>
        <td data-label="Ready" data-field="ready">
          {s.readyReplicas ?? 0}/{want}
        </td>
        <td data-label="Updated" data-field="updated">
          {s.updatedReplicas ?? 0}/{want}
        </td>
        <td data-label="Rollout">
          {/* Pods below the partition stay on the current revision by design: the rollout is done at replicas − partition. */}
          <Progress done={s.updatedReplicas ?? 0} want={Math.max(0, want - partition)} label={rollout.message} />
          {partition > 0 && (
            <span class="badge partition" data-field="partition" title="pods with an ordinal below the partition keep the current revision">
              partition {partition}
            </span>
          )}
          <div class="rollout-line muted">{rollout.message}</div>
        </td>
        <td data-label="Revision" data-field="revision">
          {s.currentRevision === s.updateRevision ? shortRevision(name, s.updateRevision) : `${shortRevision(name, s.currentRevision)} → ${shortRevision(name, s.updateRevision)}`}
        </td>
        <Actions name={name} path={path} replicas={want} restart={{ refusal: restartRefusal('StatefulSet', sts.spec) }} onError={onError} />
      </tr>
      {open && <RevisionHistoryRow path={path} history={history} current={currentRevision(s.updateRevision, history)} rolling={s.currentRevision !== s.updateRevision ? s.currentRevision : undefined} colSpan={COLUMNS} onError={onError} />}
    </>
  );
}
