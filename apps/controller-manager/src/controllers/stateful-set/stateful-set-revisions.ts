/**
 * @module stateful-set-revisions: a StatefulSet's ControllerRevisions, after kube's
 * pkg/controller/statefulset/stateful_set_control.go (getStatefulSetRevisions, truncateHistory). Pods carry their
 * revision's name in `controller-revision-hash`; status.currentRevision and updateRevision name revisions.
 */
import { CONTROLLER_REVISION_HASH_LABEL, type ControllerRevision, type Pod, type StatefulSet } from '@skiff/api';
import type { ResourceApi } from '../../controller-client.js';
import { createControllerRevision, deleteRevision, newControllerRevision, nextRevision, sameData, sortRevisions, templatePatch, updateRevisionNumber } from '../../util/controller-history.js';

/** StatefulSetRevisions are the revision pods below the partition keep, the one the set rolls to, and the collision count. */
export interface StatefulSetRevisions {
  current: ControllerRevision;
  update: ControllerRevision;
  collisionCount: number;
}

/**
 * statefulSetRevisions is getStatefulSetRevisions: the update revision is the set's template, reused when the
 * newest revision already holds it, renumbered newest when an older one does (a rollback), created otherwise;
 * the current revision is the one status.currentRevision names, or the update revision for a new set.
 */
export async function statefulSetRevisions(api: ResourceApi<ControllerRevision>, sts: StatefulSet, owned: ControllerRevision[]): Promise<StatefulSetRevisions> {
  const revisions = sortRevisions([...owned]);
  let collisionCount = sts.status?.collisionCount ?? 0;
  const wanted = newStatefulSetRevision(sts, nextRevision(revisions), collisionCount);
  const equal = revisions.filter((cr) => sameData(cr.data, wanted.data));
  let update: ControllerRevision;
  if (equal.length > 0 && equal[equal.length - 1] === revisions[revisions.length - 1]) {
    update = revisions[revisions.length - 1]!;
  } else if (equal.length > 0) {
    update = await updateRevisionNumber(api, equal[equal.length - 1]!, wanted.revision);
  } else {
    ({ revision: update, collisionCount } = await createControllerRevision(api, sts, wanted, collisionCount));
  }
  const current = revisions.find((cr) => cr.metadata.name === sts.status?.currentRevision) ?? update;
  return { current, update, collisionCount };
}

/** newStatefulSetRevision is kube's newRevision: the template patch, named by its hash and the collision count. */
export const newStatefulSetRevision = (sts: StatefulSet, revision: number, collisionCount = 0): ControllerRevision =>
  newControllerRevision(sts, templatePatch(sts), revision, collisionCount);

/**
 * truncateHistory deletes the oldest revisions beyond spec.revisionHistoryLimit among those that are neither
 * current, nor the update, nor any pod's.
 */
export async function truncateHistory(api: ResourceApi<ControllerRevision>, sts: StatefulSet, pods: Pod[], owned: ControllerRevision[], revs: StatefulSetRevisions): Promise<void> {
  const live = new Set([revs.current.metadata.name, revs.update.metadata.name, ...pods.map((p) => p.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL])]);
  const history = sortRevisions(owned.filter((cr) => !live.has(cr.metadata.name)));
  const excess = history.length - (sts.spec.revisionHistoryLimit ?? 10);
  for (const cr of history.slice(0, Math.max(0, excess))) await deleteRevision(api, cr);
}
