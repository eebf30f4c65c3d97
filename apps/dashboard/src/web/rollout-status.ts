/**
 * @module What `kubectl rollout status` says of a StatefulSet or DaemonSet (kubectl's StatefulSetStatusViewer and
 * DaemonSetStatusViewer), so the dashboard's rollout column reads as the command line does.
 */
import type { KubeObject } from './api.js';

export interface Rollout {
  done: boolean;
  message: string;
}

export interface StatefulSetLike extends KubeObject {
  spec?: { replicas?: number; updateStrategy?: { type?: string; rollingUpdate?: { partition?: number } } };
  status?: { observedGeneration?: number; replicas?: number; readyReplicas?: number; updatedReplicas?: number; currentReplicas?: number; currentRevision?: string; updateRevision?: string };
}

export interface DaemonSetLike extends KubeObject {
  spec?: { updateStrategy?: { type?: string } };
  status?: { observedGeneration?: number; desiredNumberScheduled?: number; updatedNumberScheduled?: number; numberAvailable?: number; numberReady?: number };
}

export function statefulSetRollout(sts: StatefulSetLike): Rollout {
  const strategy = sts.spec?.updateStrategy;
  if (strategy?.type === 'OnDelete') return { done: true, message: 'rollout status is only available for the RollingUpdate strategy' };
  const seen = sts.status?.observedGeneration ?? 0;
  if (seen === 0 || (sts.metadata.generation ?? 0) > seen) return { done: false, message: 'Waiting for statefulset spec update to be observed...' };
  const s = sts.status ?? {};
  const replicas = sts.spec?.replicas ?? 1;
  const ready = s.readyReplicas ?? 0;
  if (ready < replicas) return { done: false, message: `Waiting for ${replicas - ready} pods to be ready...` };
  // kubectl takes this branch whenever rollingUpdate is set, which defaulting always does (partition 0).
  if (strategy?.rollingUpdate) {
    const partition = strategy.rollingUpdate.partition;
    const want = replicas - (partition ?? 0);
    if (partition !== undefined && (s.updatedReplicas ?? 0) < want) return { done: false, message: `Waiting for partitioned roll out to finish: ${s.updatedReplicas ?? 0} out of ${want} new pods have been updated...` };
    return { done: true, message: `partitioned roll out complete: ${s.updatedReplicas ?? 0} new pods have been updated...` };
  }
  if (s.updateRevision !== s.currentRevision) return { done: false, message: `waiting for statefulset rolling update to complete ${s.updatedReplicas ?? 0} pods at revision ${s.updateRevision}...` };
  return { done: true, message: `statefulset rolling update complete ${s.currentReplicas ?? 0} pods at revision ${s.currentRevision}...` };
}

export function daemonSetRollout(ds: DaemonSetLike): Rollout {
  if (ds.spec?.updateStrategy?.type === 'OnDelete') return { done: true, message: 'rollout status is only available for the RollingUpdate strategy' };
  if ((ds.metadata.generation ?? 0) > (ds.status?.observedGeneration ?? 0)) return { done: false, message: 'Waiting for daemon set spec update to be observed...' };
  const s = ds.status ?? {};
  const desired = s.desiredNumberScheduled ?? 0;
  const name = ds.metadata.name;
  if ((s.updatedNumberScheduled ?? 0) < desired) return { done: false, message: `Waiting for daemon set "${name}" rollout to finish: ${s.updatedNumberScheduled ?? 0} out of ${desired} new pods have been updated...` };
  if ((s.numberAvailable ?? 0) < desired) return { done: false, message: `Waiting for daemon set "${name}" rollout to finish: ${s.numberAvailable ?? 0} of ${desired} updated pods are available...` };
  return { done: true, message: `daemon set "${name}" successfully rolled out` };
}
