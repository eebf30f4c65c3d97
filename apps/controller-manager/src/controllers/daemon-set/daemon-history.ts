/**
 * @module daemon-history: a DaemonSet's ControllerRevisions, after kube's pkg/controller/daemon/update.go
 * (constructHistory, snapshot, dedupCurHistories, cleanupHistory). The current revision is the one whose data
 * is the DaemonSet's template; its `controller-revision-hash` label is what the DaemonSet's pods carry.
 */
import { CONTROLLER_REVISION_HASH_LABEL, isAlreadyExists, type ControllerRevision, type DaemonSet, type Pod } from '@skiff/api';
import type { ResourceApi } from '../../controller-client.js';
import { deleteRevision, newControllerRevision, nextRevision, sameData, sortRevisions, templatePatch, updateRevisionNumber } from '../../util/controller-history.js';
import { computePodTemplateHash } from '../deployment/pod-template-hash.js';

/** DaemonHistory is a DaemonSet's current revision, its older ones, and the hash its updated pods carry. */
export interface DaemonHistory {
  cur: ControllerRevision;
  old: ControllerRevision[];
  hash: string;
  /** Pods were moved onto the current revision's hash: the cache still shows their old labels. */
  relabelled: boolean;
}

/** DaemonHistoryClients are the writes history makes: revisions, the DaemonSet's status (collisions), pod labels. */
export interface DaemonHistoryClients {
  revisions: ResourceApi<ControllerRevision>;
  daemonsets: ResourceApi<DaemonSet>;
  pods: ResourceApi<Pod>;
}

const hashOf = (cr: ControllerRevision): string => cr.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? cr.metadata.name ?? '';

/** matches is kube's Match: the revision's data is the DaemonSet's template patch. */
export const matches = (ds: DaemonSet, cr: ControllerRevision): boolean => sameData(templatePatch(ds), cr.data);

/**
 * constructHistory splits the DaemonSet's revisions into the current one (creating it when the template is new)
 * and the old ones, and makes the current one the newest: after `kubectl rollout undo` the old revision that
 * matches again is renumbered past the others, as kube does.
 */
export async function constructHistory(clients: DaemonHistoryClients, ds: DaemonSet, revisions: ControllerRevision[], pods: Pod[]): Promise<DaemonHistory> {
  const current: ControllerRevision[] = [];
  const old: ControllerRevision[] = [];
  for (const cr of revisions) (matches(ds, cr) ? current : old).push(cr);
  const revision = nextRevision(old);
  const dedup = current.length === 0 ? { keep: await snapshot(clients, ds, revision), relabelled: false } : await dedupCurrent(clients, current, pods);
  let cur = dedup.keep;
  if (cur.revision < revision) cur = await updateRevisionNumber(clients.revisions, cur, revision);
  return { cur, old, hash: hashOf(cur), relabelled: dedup.relabelled };
}

/**
 * snapshot is kube's snapshot: a revision named `<ds>-<pod template hash>`. A name taken by a revision of another
 * template is a hash collision: status.collisionCount goes up (unless the cached count was stale) and the sync
 * fails, to be retried with the new name.
 */
async function snapshot(clients: DaemonHistoryClients, ds: DaemonSet, revision: number): Promise<ControllerRevision> {
  const cr = newDaemonRevision(ds, revision);
  try {
    return await clients.revisions.create(cr);
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
    const existing = await clients.revisions.get(cr.metadata.name!, { namespace: ds.metadata.namespace });
    if (matches(ds, existing)) return existing;
    const live = await clients.daemonsets.get(ds.metadata.name ?? '', { namespace: ds.metadata.namespace });
    if (live.status?.collisionCount !== ds.status?.collisionCount) {
      throw new Error(`found a stale collision count (${ds.status?.collisionCount ?? 0}, expected ${live.status?.collisionCount ?? 0}) of DaemonSet "${ds.metadata.name}" while processing; will retry until it is updated`);
    }
    live.status = { ...live.status!, collisionCount: (live.status?.collisionCount ?? 0) + 1 };
    await clients.daemonsets.updateStatus(live);
    throw err;
  }
}

/**
 * newDaemonRevision is the revision snapshot creates: named `<ds>-<hash>` by the template's hash
 * (controller.ComputeHash, the pod-template-hash function), not by the data's as StatefulSets' are.
 */
export function newDaemonRevision(ds: DaemonSet, revision: number): ControllerRevision {
  const hash = computePodTemplateHash(ds.spec.template, ds.status?.collisionCount);
  const cr = newControllerRevision(ds, templatePatch(ds), revision);
  cr.metadata.name = `${ds.metadata.name}-${hash}`;
  cr.metadata.labels = { ...cr.metadata.labels, [CONTROLLER_REVISION_HASH_LABEL]: hash };
  return cr;
}

/**
 * dedupCurrent keeps the highest-numbered of several revisions holding the current template (a race or an old
 * controller can leave two), moves pods labelled with the others' hashes onto it, and deletes the others.
 */
async function dedupCurrent(clients: DaemonHistoryClients, current: ControllerRevision[], pods: Pod[]): Promise<{ keep: ControllerRevision; relabelled: boolean }> {
  const keep = current.reduce((best, cr) => (cr.revision >= best.revision ? cr : best));
  let relabelled = false;
  for (const dup of current) {
    if (dup === keep) continue;
    for (const pod of pods) {
      if (pod.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] !== hashOf(dup)) continue;
      await clients.pods.patch(pod.metadata.name!, { metadata: { labels: { [CONTROLLER_REVISION_HASH_LABEL]: hashOf(keep) } } }, { namespace: pod.metadata.namespace });
      relabelled = true;
    }
    await deleteRevision(clients.revisions, dup);
  }
  return { keep, relabelled };
}

/**
 * cleanupHistory is kube's cleanupHistory: beyond spec.revisionHistoryLimit, the oldest revisions that no pod
 * (terminal ones included) still carries are deleted.
 */
export async function cleanupHistory(api: ResourceApi<ControllerRevision>, ds: DaemonSet, old: ControllerRevision[], pods: Pod[]): Promise<void> {
  let toKill = old.length - (ds.spec.revisionHistoryLimit ?? 10);
  if (toKill <= 0) return;
  const live = new Set(pods.map((p) => p.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL]).filter(Boolean));
  for (const cr of sortRevisions([...old])) {
    if (toKill <= 0) break;
    if (live.has(hashOf(cr))) continue;
    await deleteRevision(api, cr);
    toKill--;
  }
}
